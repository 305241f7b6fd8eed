#include "hotline/sip/transport.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <map>

#include "hotline/core/error.hpp"

namespace hotline::sip {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;
using udp = asio::ip::udp;

constexpr std::size_t kMaxTcpConnections = 4096;
constexpr std::size_t kMaxQueuedBytes = 1 << 20;

struct TcpConnection {
  explicit TcpConnection(tcp::socket s) : socket(std::move(s)) {}
  tcp::socket socket;
  std::deque<std::string> queue;
  std::size_t queued_bytes = 0;
  bool writing = false;
};

}  // namespace

struct Transport::Impl : std::enable_shared_from_this<Impl> {
  Impl(asio::io_context& io, TransportConfig config, Listener& listener, Metrics& metrics)
      : strand(asio::make_strand(io)),
        config(std::move(config)),
        listener(listener),
        udp_socket(strand),
        acceptor(strand),
        received(metrics.counter("hotline_sip_messages_received_total", "SIP messages that passed the parser.")),
        rejected(metrics.counter("hotline_sip_bad_requests_total", "Malformed SIP requests answered with 400.")),
        dropped(metrics.counter("hotline_sip_dropped_total", "SIP input dropped unanswered (garbage, unparseable).")),
        sent(metrics.counter("hotline_sip_messages_sent_total", "SIP messages sent.")),
        tcp_open(metrics.gauge("hotline_sip_tcp_connections", "Open SIP TCP connections.")) {}

  asio::strand<asio::io_context::executor_type> strand;
  TransportConfig config;
  Listener& listener;
  udp::socket udp_socket;
  tcp::acceptor acceptor;
  std::map<std::uint64_t, std::shared_ptr<TcpConnection>> connections;
  std::uint64_t next_connection = 1;
  bool stopped = false;
  Counter& received;
  Counter& rejected;
  Counter& dropped;
  Counter& sent;
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
    asio::co_spawn(strand, udp_loop(shared_from_this()), asio::detached);
    asio::co_spawn(strand, accept_loop(shared_from_this()), asio::detached);
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
      for (auto& [id, c] : self->connections) c->socket.close(ignored);
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

  awaitable<void> accept_loop(std::shared_ptr<Impl>) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(use_awaitable, ec));
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
      auto id = next_connection++;
      auto connection = std::make_shared<TcpConnection>(std::move(socket));
      connections.emplace(id, connection);
      tcp_open.add(1);
      asio::co_spawn(strand, read_loop(shared_from_this(), id, connection), asio::detached);
    }
  }

  awaitable<void> read_loop(std::shared_ptr<Impl>, std::uint64_t id, std::shared_ptr<TcpConnection> c) {
    boost::system::error_code ec;
    auto remote = c->socket.remote_endpoint(ec);
    Source source{Protocol::tcp, ec ? std::string() : remote.address().to_string(),
                  ec ? std::uint16_t{0} : remote.port(), id};
    std::string buffer;
    std::string chunk(16384, '\0');
    asio::steady_timer idle(strand);
    bool open = !ec;
    while (open) {
      idle.expires_after(std::chrono::seconds(config.tcp_idle_seconds));
      idle.async_wait([c](boost::system::error_code e) {
        boost::system::error_code ignored;
        if (!e) c->socket.close(ignored);  // idle: nobody keeps a socket for ever
      });
      std::size_t n = co_await c->socket.async_read_some(asio::buffer(chunk), asio::redirect_error(use_awaitable, ec));
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
    // Let queued responses (a 400, say) go out before closing.
    if (c->writing && !stopped) {
      asio::steady_timer flush(strand, std::chrono::seconds(2));
      while (c->writing) {
        flush.expires_after(std::chrono::milliseconds(10));
        co_await flush.async_wait(asio::redirect_error(use_awaitable, ec));
      }
    }
    c->socket.close(ec);
    connections.erase(id);
    tcp_open.add(-1);
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
    auto it = connections.find(to.connection);
    if (it == connections.end()) return;  // the connection is gone; the peer's timers retry
    auto c = it->second;
    if (c->queued_bytes + bytes.size() > kMaxQueuedBytes) {
      boost::system::error_code ignored;
      c->socket.close(ignored);  // a peer that does not read its responses
      return;
    }
    c->queued_bytes += bytes.size();
    c->queue.push_back(std::move(bytes));
    if (!c->writing) write_next(c);
  }

  void write_next(const std::shared_ptr<TcpConnection>& c) {
    if (c->queue.empty()) {
      c->writing = false;
      return;
    }
    c->writing = true;
    asio::async_write(
        c->socket, asio::buffer(c->queue.front()),
        asio::bind_executor(strand, [self = shared_from_this(), c](boost::system::error_code ec, std::size_t) {
          c->queued_bytes -= c->queue.front().size();
          c->queue.pop_front();
          if (ec) {
            c->queue.clear();
            c->queued_bytes = 0;
            c->writing = false;
            return;
          }
          self->write_next(c);
        }));
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

}  // namespace hotline::sip
