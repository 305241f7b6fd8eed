#include "hotline/sip/transport.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>
#include <openssl/err.h>
#include <optional>

#include "hotline/core/error.hpp"

namespace hotline::sip {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

constexpr std::size_t kMaxTcpConnections = 4096;
constexpr std::size_t kMaxQueuedBytes = 1 << 20;
constexpr auto kConnectTimeout = std::chrono::seconds(10);  // TCP connect plus TLS handshake

// A TCP or TLS connection, accepted or opened by us. Messages queue until
// it is ready (connected and, for TLS, handshaken), then go out in order.
struct StreamConnection {
  explicit StreamConnection(tcp::socket s) : protocol(Protocol::tcp), plain(std::move(s)) {}
  StreamConnection(tcp::socket s, ssl::context& context) : protocol(Protocol::tls), tls(std::in_place, std::move(s), context) {}

  tcp::socket& socket() { return tls ? tls->next_layer() : *plain; }
  void close() {
    boost::system::error_code ignored;
    socket().close(ignored);
  }

  const Protocol protocol;
  std::optional<tcp::socket> plain;
  std::optional<ssl::stream<tcp::socket>> tls;
  std::string outbound_key;  // set when we opened it: protocol|address|port
  std::deque<std::string> queue;
  std::size_t queued_bytes = 0;
  bool ready = false;
  bool writing = false;
};

std::string outbound_key(const Source& to) {
  return std::string(transport_name(to.protocol)) + '|' + to.address + '|' + std::to_string(to.port);
}

std::string tls_error_text(const boost::system::error_code& ec) {
  std::string text = ec.message();
  if (ec.category() == asio::error::get_ssl_category()) {
    char buffer[256];
    ERR_error_string_n(static_cast<unsigned long>(ec.value()), buffer, sizeof buffer);
    text = buffer;
  }
  return text;
}

}  // namespace

std::string_view transport_name(Protocol protocol) {
  switch (protocol) {
    case Protocol::tcp:
      return "TCP";
    case Protocol::tls:
      return "TLS";
    case Protocol::udp:
      break;
  }
  return "UDP";
}

struct Transport::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, TransportConfig config, Listener& listener, Metrics& metrics)
      : strand(asio::make_strand(io)),
        config(std::move(config)),
        listener(listener),
        udp_socket(strand),
        acceptor(strand),
        tls_acceptor(strand),
        server_tls(ssl::context::tls_server),
        client_tls(ssl::context::tls_client),
        received(metrics.counter("hotline_sip_messages_received_total", "SIP messages that passed the parser.")),
        rejected(metrics.counter("hotline_sip_bad_requests_total", "Malformed SIP requests answered with 400.")),
        dropped(metrics.counter("hotline_sip_dropped_total", "SIP input dropped unanswered (garbage, unparseable).")),
        sent(metrics.counter("hotline_sip_messages_sent_total", "SIP messages sent.")),
        tls_failures(metrics.counter("hotline_sip_tls_handshake_failures_total",
                                     "TLS handshakes that failed (bad certificate, protocol, timeout).")),
        tcp_open(metrics.gauge("hotline_sip_tcp_connections", "Open SIP TCP and TLS connections.")) {}

  asio::strand<asio::io_context::executor_type> strand;
  TransportConfig config;
  Listener& listener;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  tcp::acceptor tls_acceptor;
  ssl::context server_tls;
  ssl::context client_tls;
  std::map<std::uint64_t, std::shared_ptr<StreamConnection>> connections;
  std::map<std::string, std::uint64_t> outbound;  // outbound_key -> connection
  std::uint64_t next_connection = 1;
  bool stopped = false;
  Counter& received;
  Counter& rejected;
  Counter& dropped;
  Counter& sent;
  Counter& tls_failures;
  Gauge& tcp_open;

  void start() {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(config.listen.host, ec);
    if (ec) throw Error(Errc::invalid_argument, "sip.listen: bad address " + config.listen.host);
    // Port 0 lets the kernel choose the UDP port, and TCP must get the same
    // number: when a TCP socket already holds it, try another (a few times).
    for (int attempt = 0;; ++attempt) {
      bind_udp(address);
      tcp::endpoint t(address, udp_socket.local_endpoint().port());
      acceptor.open(t.protocol());
      acceptor.set_option(asio::socket_base::reuse_address(true));
      acceptor.bind(t, ec);
      if (!ec) break;
      acceptor.close();
      udp_socket.close();
      if (config.listen.port != 0 || attempt == 20) {
        throw Error(Errc::unavailable,
                    "sip.listen: cannot bind TCP " + config.listen.to_string() + ": " + ec.message());
      }
    }
    acceptor.listen();
    if (config.tls.enabled) start_tls();
    asio::co_spawn(strand, udp_loop(shared_from_this()), asio::detached);
    asio::co_spawn(strand, accept_loop(shared_from_this(), Protocol::tcp), asio::detached);
    if (config.tls.enabled) asio::co_spawn(strand, accept_loop(shared_from_this(), Protocol::tls), asio::detached);
  }

  void start_tls() {
    const auto& tls = config.tls;
    boost::system::error_code ec;
    // TLS 1.2 at least (RFC 8996 retires 1.0 and 1.1); SIP has no use for renegotiation or compression.
    for (auto* context : {&server_tls, &client_tls}) {
      context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                           ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::no_compression);
      context->use_certificate_chain_file(tls.certificate, ec);
      if (ec) throw Error(Errc::invalid_argument, "sip.tls.certificate: " + tls.certificate + ": " + tls_error_text(ec));
      context->use_private_key_file(tls.private_key, ssl::context::pem, ec);
      if (ec) throw Error(Errc::invalid_argument, "sip.tls.private_key: " + tls.private_key + ": " + tls_error_text(ec));
    }
    if (!tls.ca_file.empty()) {
      client_tls.load_verify_file(tls.ca_file, ec);
      if (ec) throw Error(Errc::invalid_argument, "sip.tls.ca_file: " + tls.ca_file + ": " + tls_error_text(ec));
    } else {
      client_tls.set_default_verify_paths(ec);
    }
    client_tls.set_verify_mode(tls.verify_peer ? ssl::verify_peer : ssl::verify_none);

    auto address = asio::ip::make_address(tls.listen.host, ec);
    if (ec) throw Error(Errc::invalid_argument, "sip.tls.listen: bad address " + tls.listen.host);
    tcp::endpoint endpoint(address, tls.listen.port);
    tls_acceptor.open(endpoint.protocol());
    tls_acceptor.set_option(asio::socket_base::reuse_address(true));
    tls_acceptor.bind(endpoint, ec);
    if (ec) throw Error(Errc::unavailable, "sip.tls.listen: cannot bind " + tls.listen.to_string() + ": " + ec.message());
    tls_acceptor.listen();
  }

  void bind_udp(const asio::ip::address& address) {
    boost::system::error_code ec;
    udp::endpoint u(address, config.listen.port);
    udp_socket.open(u.protocol());
    udp_socket.set_option(asio::socket_base::reuse_address(true));
    udp_socket.bind(u, ec);
    if (ec)
      throw Error(Errc::unavailable, "sip.listen: cannot bind UDP " + config.listen.to_string() + ": " + ec.message());
    udp_socket.set_option(asio::socket_base::receive_buffer_size(4 << 20), ec);  // bursts of INVITEs
  }

  void stop() {
    asio::post(strand, [self = shared_from_this()] {
      self->stopped = true;
      boost::system::error_code ignored;
      self->udp_socket.close(ignored);
      self->acceptor.close(ignored);
      self->tls_acceptor.close(ignored);
      for (auto& [id, c] : self->connections) c->close();
    });
  }

  awaitable<void> udp_loop(std::shared_ptr<Impl>) {
    std::string buffer(65536, '\0');
    for (;;) {
      udp::endpoint sender;
      boost::system::error_code ec;
      std::size_t n =
          co_await udp_socket.async_receive_from(asio::buffer(buffer), sender, asio::redirect_error(use_awaitable, ec));
      if (stopped || ec == asio::error::operation_aborted) co_return;
      if (ec) continue;  // ICMP errors surface here on Linux; the next datagram is unaffected
      Source source{Protocol::udp, sender.address().to_string(), sender.port(), 0};
      deliver(parse(std::string_view(buffer.data(), n), Framing::datagram, config.limits), source);
    }
  }

  awaitable<void> accept_loop(std::shared_ptr<Impl>, Protocol protocol) {
    tcp::acceptor& from = protocol == Protocol::tls ? tls_acceptor : acceptor;
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await from.async_accept(asio::redirect_error(use_awaitable, ec));
      if (stopped || ec == asio::error::operation_aborted) co_return;
      if (ec) {
        asio::steady_timer pause(strand, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      if (connections.size() >= kMaxTcpConnections) {
        dropped.inc();
        continue;  // closing the socket refuses it
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto connection = protocol == Protocol::tls ? std::make_shared<StreamConnection>(std::move(socket), server_tls)
                                                  : std::make_shared<StreamConnection>(std::move(socket));
      auto id = add_connection(connection);
      asio::co_spawn(strand, serve(shared_from_this(), id, connection, std::nullopt), asio::detached);
    }
  }

  std::uint64_t add_connection(const std::shared_ptr<StreamConnection>& connection) {
    auto id = next_connection++;
    connections.emplace(id, connection);
    tcp_open.add(1);
    return id;
  }

  // One connection's life: connect (ours), TLS handshake, then read framed
  // messages until it closes or idles out.
  awaitable<void> serve(std::shared_ptr<Impl>, std::uint64_t id, std::shared_ptr<StreamConnection> c,
                        std::optional<tcp::endpoint> connect_to) {
    boost::system::error_code ec;
    if (co_await set_up(*c, connect_to)) {
      c->ready = true;
      if (!c->queue.empty() && !c->writing) write_next(c);
      co_await read_messages(id, c);
    } else {
      c->queue.clear();  // the transactions' timers report the failure
      c->queued_bytes = 0;
    }
    // Let queued responses (a 400, say) go out before closing.
    if (c->writing && !stopped) {
      asio::steady_timer flush(strand, std::chrono::seconds(2));
      while (c->writing) {
        flush.expires_after(std::chrono::milliseconds(10));
        co_await flush.async_wait(asio::redirect_error(use_awaitable, ec));
      }
    }
    c->close();
    if (!c->outbound_key.empty()) {
      auto it = outbound.find(c->outbound_key);
      if (it != outbound.end() && it->second == id) outbound.erase(it);
    }
    connections.erase(id);
    tcp_open.add(-1);
  }

  // Connects (when we open the connection) and shakes hands (TLS), within kConnectTimeout.
  awaitable<bool> set_up(StreamConnection& c, std::optional<tcp::endpoint> connect_to) {
    if (!connect_to && c.protocol == Protocol::tcp) co_return true;
    asio::steady_timer deadline(strand, kConnectTimeout);
    auto on_deadline = [&c](boost::system::error_code e) {
      if (!e) c.close();  // a peer that never finishes connecting or handshaking
    };
    deadline.async_wait(on_deadline);
    boost::system::error_code ec;
    if (connect_to) {
      co_await c.socket().async_connect(*connect_to, asio::redirect_error(use_awaitable, ec));
      if (!ec) c.socket().set_option(tcp::no_delay(true), ec);
    }
    if (!ec && c.tls) {
      if (connect_to) {
        auto host = connect_to->address().to_string();
        c.tls->set_verify_callback(ssl::host_name_verification(host));
        co_await c.tls->async_handshake(ssl::stream_base::client, asio::redirect_error(use_awaitable, ec));
      } else {
        co_await c.tls->async_handshake(ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
      }
      if (ec) tls_failures.inc();
    }
    deadline.cancel();
    if (ec && !stopped) {
      boost::system::error_code ignored;
      auto remote = connect_to ? *connect_to : c.socket().remote_endpoint(ignored);
      spdlog::info("event=sip.connection_failed transport={} peer={} reason=\"{}\"", transport_name(c.protocol),
                   remote.address().to_string(), tls_error_text(ec));
    }
    co_return !ec && !stopped;
  }

  awaitable<std::size_t> read_some(StreamConnection& c, asio::mutable_buffer into, boost::system::error_code& ec) {
    if (c.tls) co_return co_await c.tls->async_read_some(into, asio::redirect_error(use_awaitable, ec));
    co_return co_await c.plain->async_read_some(into, asio::redirect_error(use_awaitable, ec));
  }

  awaitable<void> read_messages(std::uint64_t id, std::shared_ptr<StreamConnection> c) {
    boost::system::error_code ec;
    auto remote = c->socket().remote_endpoint(ec);
    if (ec) co_return;
    Source source{c->protocol, remote.address().to_string(), remote.port(), id};
    std::string buffer;
    std::string chunk(16384, '\0');
    asio::steady_timer idle(strand);
    bool open = true;
    while (open) {
      idle.expires_after(std::chrono::seconds(config.tcp_idle_seconds));
      auto on_idle = [c](boost::system::error_code e) {
        if (!e) c->close();  // idle: nobody keeps a socket for ever
      };
      idle.async_wait(on_idle);
      std::size_t n = co_await read_some(*c, asio::buffer(chunk), ec);
      idle.cancel();
      if (ec || stopped) break;
      buffer.append(chunk.data(), n);
      // Take every complete message out of the buffer.
      while (open && !buffer.empty()) {
        auto check = precheck(buffer, Framing::stream, config.limits);
        if (check.verdict == Verdict::drop && check.reason == kIncomplete) {
          if (buffer.size() > config.limits.max_message_bytes) open = false;  // never completes within the cap
          break;
        }
        if (check.verdict == Verdict::drop && check.reason == "keep-alive") {
          buffer.erase(0, check.message_length);
          continue;
        }
        if (check.verdict != Verdict::accept) {
          // The stream cannot be re-synchronised after a bad frame: answer if
          // possible, then close.
          deliver(parse(buffer, Framing::stream, config.limits), source);
          open = false;
          break;
        }
        deliver(parse(std::string_view(buffer).substr(0, check.message_length), Framing::stream, config.limits),
                source);
        buffer.erase(0, check.message_length);
      }
    }
  }

  void deliver(const ParseResult& result, const Source& source) {
    if (auto* m = std::get_if<Message>(&result)) {
      received.inc();
      if (m->is_request) {
        listener.on_request(*m, source);
      } else {
        listener.on_response(*m, source);
      }
      return;
    }
    const auto& e = std::get<ParseError>(result);
    if (e.answerable && e.partial) {
      rejected.inc();
      spdlog::info("event=sip.bad_request from={} reason=\"{}\"", source.address, e.reason);
      ResponseOptions o;
      o.received = source.address;
      o.source_port = source.port;
      o.extra_headers.emplace_back("Warning", "399 hotlined \"" + e.reason + "\"");
      send_now(source, build_response(*e.partial, 400, "Bad Request", o));
      return;
    }
    if (e.reason != "keep-alive") {
      dropped.inc();
      spdlog::debug("event=sip.dropped from={} reason=\"{}\"", source.address, e.reason);
    }
  }

  // On the strand.
  void send_now(const Source& to, std::string bytes) {
    sent.inc();
    if (to.protocol == Protocol::udp) {
      boost::system::error_code ec;
      auto address = asio::ip::make_address(to.address, ec);
      if (ec) return;
      auto data = std::make_shared<std::string>(std::move(bytes));
      udp_socket.async_send_to(asio::buffer(*data), udp::endpoint(address, to.port),
                               [data](boost::system::error_code, std::size_t) {});
      return;
    }
    auto c = to.connection ? find_connection(to.connection) : connection_to(to);
    if (!c) return;  // the connection is gone or cannot be opened; the peer's or our timers retry
    if (c->queued_bytes + bytes.size() > kMaxQueuedBytes) {
      c->close();  // a peer that does not read what we send
      return;
    }
    c->queued_bytes += bytes.size();
    c->queue.push_back(std::move(bytes));
    if (c->ready && !c->writing) write_next(c);
  }

  std::shared_ptr<StreamConnection> find_connection(std::uint64_t id) {
    auto it = connections.find(id);
    return it == connections.end() ? nullptr : it->second;
  }

  // The connection we opened to to.address:to.port, or a new one (RFC 3261 §18.1.1).
  std::shared_ptr<StreamConnection> connection_to(const Source& to) {
    if (stopped) return nullptr;
    auto key = outbound_key(to);
    if (auto it = outbound.find(key); it != outbound.end()) return find_connection(it->second);
    if (to.protocol == Protocol::tls && !config.tls.enabled) {
      spdlog::warn("event=sip.tls_disabled peer={} reason=\"a TLS destination needs sip.tls.enabled\"", to.address);
      return nullptr;
    }
    boost::system::error_code ec;
    auto address = asio::ip::make_address(to.address, ec);
    if (ec || connections.size() >= kMaxTcpConnections) return nullptr;
    tcp::socket socket(strand);
    auto connection = to.protocol == Protocol::tls ? std::make_shared<StreamConnection>(std::move(socket), client_tls)
                                                   : std::make_shared<StreamConnection>(std::move(socket));
    connection->outbound_key = key;
    auto id = add_connection(connection);
    outbound.emplace(key, id);
    asio::co_spawn(strand, serve(shared_from_this(), id, connection, tcp::endpoint(address, to.port)), asio::detached);
    return connection;
  }

  void write_next(const std::shared_ptr<StreamConnection>& c) {
    if (c->queue.empty()) {
      c->writing = false;
      return;
    }
    c->writing = true;
    auto done = asio::bind_executor(strand, [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
      c->queued_bytes -= c->queue.front().size();
      c->queue.pop_front();
      if (ec) {
        c->queue.clear();
        c->queued_bytes = 0;
        c->writing = false;
        return;
      }
      self->write_next(c);
    });
    if (c->tls) {
      asio::async_write(*c->tls, asio::buffer(c->queue.front()), std::move(done));
    } else {
      asio::async_write(*c->plain, asio::buffer(c->queue.front()), std::move(done));
    }
  }
};

Transport::Transport(asio::io_context& io, TransportConfig config, Listener& listener, Metrics& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(config), listener, metrics)) {}

Transport::~Transport() = default;

void Transport::start() { impl_->start(); }
void Transport::stop() { impl_->stop(); }

void Transport::send(const Source& to, std::string bytes) {
  asio::post(impl_->strand,
             [impl = impl_, to, bytes = std::move(bytes)]() mutable { impl->send_now(to, std::move(bytes)); });
}

asio::any_io_executor Transport::strand() const { return impl_->strand; }

std::uint16_t Transport::port() const {
  boost::system::error_code ec;
  auto ep = impl_->udp_socket.local_endpoint(ec);
  return ec ? impl_->config.listen.port : ep.port();
}

std::uint16_t Transport::tls_port() const {
  if (!impl_->config.tls.enabled) return 0;
  boost::system::error_code ec;
  auto ep = impl_->tls_acceptor.local_endpoint(ec);
  return ec ? impl_->config.tls.listen.port : ep.port();
}

}  // namespace hotline::sip
