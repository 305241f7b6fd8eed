#include "hotline/api/server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "hotline/core/error.hpp"
#include "static_files.hpp"
#include "ws_session.hpp"

namespace hotline::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

HttpRequest to_request(const http::request<http::string_body>& req, const std::string& remote_ip) {
  HttpRequest out;
  out.method = std::string(req.method_string());
  out.target = std::string(req.target());
  std::string_view target(out.target);
  auto q = target.find('?');
  out.path = percent_decode(target.substr(0, q)).value_or("");
  if (q != std::string_view::npos) out.query = parse_query(target.substr(q + 1));
  out.body = req.body();
  out.content_type = std::string(req[http::field::content_type]);
  out.authorization = std::string(req[http::field::authorization]);
  out.cookie = std::string(req[http::field::cookie]);
  out.user_agent = std::string(req[http::field::user_agent]).substr(0, 256);
  out.range = std::string(req[http::field::range]).substr(0, 256);
  out.remote_ip = remote_ip;
  return out;
}

// Cookie-authenticated upgrades must come from our own pages: a page on
// another site cannot then ride an agent's session (cross-site WebSocket
// hijacking). Bearer or query tokens are not sent by browsers on their own.
bool origin_allowed(const http::request<http::string_body>& req) {
  auto origin = req[http::field::origin];
  if (origin.empty() || req[http::field::cookie].empty()) return true;
  auto host = req[http::field::host];
  auto scheme_end = origin.find("://");
  if (scheme_end == beast::string_view::npos) return false;
  return origin.substr(scheme_end + 3) == host;
}

}  // namespace

struct Server::Impl {
  Impl(asio::io_context& io, Api& api)
      : io(io),
        api(api),
        config(api.context().config.http),
        acceptor(asio::make_strand(io)),
        connections(api.context().metrics.gauge("hotline_http_connections", "Open HTTP connections.")) {}

  asio::io_context& io;
  Api& api;
  const HttpConfig& config;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> tls;
  std::atomic<std::size_t> in_flight{0};
  Gauge& connections;

  void setup_tls() {
    if (!config.tls.enabled) return;
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
    try {
      tls->use_certificate_chain_file(config.tls.certificate);
      tls->use_private_key_file(config.tls.private_key, asio::ssl::context::pem);
    } catch (const std::exception& e) {
      throw Error(Errc::invalid_argument, std::string("http.tls: cannot load certificate or key: ") + e.what());
    }
  }

  void listen() {
    beast::error_code ec;
    auto address = asio::ip::make_address(config.listen.host, ec);
    if (ec) throw Error(Errc::invalid_argument, "http.listen: bad address " + config.listen.host);
    tcp::endpoint endpoint(address, config.listen.port);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint, ec);
    if (ec)
      throw Error(Errc::unavailable, "http.listen: cannot bind " + config.listen.to_string() + ": " + ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections);
    asio::co_spawn(acceptor.get_executor(), accept_loop(), asio::detached);
  }

  awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket =
          co_await acceptor.async_accept(asio::make_strand(io), asio::redirect_error(use_awaitable, ec));
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        // Out of descriptors and the like: wait a little instead of spinning.
        spdlog::warn("event=http.accept_failed error=\"{}\"", ec.message());
        asio::steady_timer pause(io, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto remote = socket.remote_endpoint(ec);
      std::string remote_ip = ec ? std::string("unknown") : remote.address().to_string();
      auto executor = socket.get_executor();
      if (tls) {
        asio::co_spawn(executor, serve_tls(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), remote_ip),
                       asio::detached);
      } else {
        asio::co_spawn(executor, serve(beast::tcp_stream(std::move(socket)), remote_ip), asio::detached);
      }
    }
  }

  awaitable<void> serve_tls(beast::ssl_stream<beast::tcp_stream> stream, std::string remote_ip) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(config.request_timeout_seconds));
    beast::error_code ec;
    co_await stream.async_handshake(asio::ssl::stream_base::server, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    co_await serve(std::move(stream), std::move(remote_ip));
  }

  // A byte range of a file (recordings' audio): the header, then the bytes
  // in 64 KiB reads, each written before the next is read, so an io thread
  // never spends long on the disk and a slow client holds no more than one
  // chunk in memory.
  template <class Stream, class SetCommon>
  awaitable<void> write_file_range(Stream& stream, const HttpResponse& r, unsigned version, bool keep_alive,
                                   bool head_only, SetCommon& set_common) {
    beast::error_code ec;
    int fd = ::open(r.file_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      co_await write_response(stream, HttpResponse::error(404, "not_found", "file not found"), version, keep_alive,
                              head_only);
      co_return;
    }
    struct Closer {
      int fd;
      ~Closer() { ::close(fd); }
    } closer{fd};
    http::response<http::empty_body> head{static_cast<http::status>(r.status), version};
    set_common(head);
    head.content_length(static_cast<std::uint64_t>(r.file_length));
    http::response_serializer<http::empty_body> serializer(head);
    co_await http::async_write_header(stream, serializer, asio::redirect_error(use_awaitable, ec));
    if (ec || head_only) co_return;
    std::vector<char> chunk(64 * 1024);
    auto offset = static_cast<off_t>(r.file_offset);
    auto left = static_cast<std::uint64_t>(r.file_length);
    while (left > 0) {
      auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, chunk.size()));
      ssize_t n = ::pread(fd, chunk.data(), want, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        // The file shrank under us (purged): the client sees a short body and
        // the connection closes, as HTTP requires.
        beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
        co_return;
      }
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(config.request_timeout_seconds));
      co_await asio::async_write(stream, asio::buffer(chunk.data(), static_cast<std::size_t>(n)),
                                 asio::redirect_error(use_awaitable, ec));
      if (ec) co_return;
      offset += n;
      left -= static_cast<std::uint64_t>(n);
    }
  }

  template <class Stream>
  awaitable<void> write_response(Stream& stream, const HttpResponse& r, unsigned version, bool keep_alive,
                                 bool head_only) {
    beast::error_code ec;
    auto set_common = [&](auto& res) {
      res.set(http::field::server, "hotlined");
      res.set(http::field::content_type, r.content_type);
      res.set("X-Content-Type-Options", "nosniff");
      for (const auto& [k, v] : r.headers) res.insert(k, v);
      res.keep_alive(keep_alive);
    };
    if (!r.file_path.empty() && r.file_length >= 0) {
      co_await write_file_range(stream, r, version, keep_alive, head_only, set_common);
      co_return;
    }
    if (!r.file_path.empty()) {
      http::file_body::value_type file;
      file.open(r.file_path.c_str(), beast::file_mode::scan, ec);
      if (!ec) {
        http::response<http::file_body> res{static_cast<http::status>(r.status), version};
        set_common(res);
        if (head_only) {
          res.content_length(file.size());
          http::response<http::empty_body> head{static_cast<http::status>(r.status), version};
          set_common(head);
          head.content_length(file.size());
          co_await http::async_write(stream, head, asio::redirect_error(use_awaitable, ec));
          co_return;
        }
        res.body() = std::move(file);
        res.prepare_payload();
        co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
        co_return;
      }
      co_await write_response(stream, HttpResponse::error(404, "not_found", "file not found"), version, keep_alive,
                              head_only);
      co_return;
    }
    http::response<http::string_body> res{static_cast<http::status>(r.status), version};
    set_common(res);
    res.set(http::field::cache_control, "no-store");
    res.body() = head_only ? std::string() : r.body;
    res.prepare_payload();
    if (head_only) res.content_length(r.body.size());
    co_await http::async_write(stream, res, asio::redirect_error(use_awaitable, ec));
  }

  template <class Stream>
  awaitable<void> serve(Stream stream, std::string remote_ip) {
    connections.add(1);
    struct Release {
      Gauge& g;
      ~Release() { g.add(-1); }
    } release{connections};
    beast::flat_buffer buffer;
    for (;;) {
      // The header first: the body limit depends on the route (uploads of
      // ticket attachments may be larger than http.max_body_bytes).
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(api.largest_body_limit());
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(config.request_timeout_seconds));
      beast::error_code ec;
      std::size_t body_limit = config.max_body_bytes;
      co_await http::async_read_header(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
      if (!ec) {
        const auto& head = parser.get();
        std::string_view target(head.target().data(), head.target().size());
        auto path = percent_decode(target.substr(0, target.find('?'))).value_or("");
        body_limit = api.body_limit(std::string_view(head.method_string().data(), head.method_string().size()), path);
        auto length = parser.content_length();
        if (length && *length > body_limit) {
          ec = http::error::body_limit;
        } else {
          parser.body_limit(body_limit);
          // A large upload gets its time: the usual timeout plus a second
          // per 64 KiB (a slow county office link still gets 20 MiB through).
          if (length && *length > config.max_body_bytes)
            beast::get_lowest_layer(stream).expires_after(
                std::chrono::seconds(config.request_timeout_seconds + *length / (64 * 1024)));
          if (!parser.is_done())
            co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
        }
      }
      if (ec == http::error::end_of_stream || ec == asio::error::eof || ec == beast::error::timeout ||
          ec == asio::error::connection_reset || ec == asio::error::operation_aborted) {
        break;
      }
      if (ec == http::error::body_limit) {
        co_await write_response(
            stream, HttpResponse::error(413, "too_large", "the body is larger than " + std::to_string(body_limit) + " bytes"),
            11, false, false);
        break;
      }
      if (ec == http::error::header_limit) {
        co_await write_response(stream, HttpResponse::error(431, "too_large", "request headers are too large"), 11,
                                false, false);
        break;
      }
      if (ec) {
        co_await write_response(stream,
                                HttpResponse::error(400, "bad_request", "malformed HTTP request: " + ec.message()), 11,
                                false, false);
        break;
      }
      auto& req = parser.get();
      HttpRequest request = to_request(req, remote_ip);

      if (beast::websocket::is_upgrade(req)) {
        HttpResponse refusal;
        if (request.path != "/ws") {
          refusal = HttpResponse::error(404, "not_found", "WebSockets are served on /ws");
        } else if (api.context().draining) {
          refusal = HttpResponse::error(503, "unavailable", "the server is shutting down");
        } else if (api.context().hub.size() >= api.context().config.websocket.max_connections) {
          refusal = HttpResponse::error(503, "unavailable", "too many WebSocket connections");
        } else if (!origin_allowed(req)) {
          refusal = HttpResponse::error(403, "forbidden", "cross-origin WebSocket refused");
        } else {
          std::optional<auth::Principal> principal;
          try {
            principal = co_await api.authenticate(request, true);
          } catch (const std::exception& e) {
            spdlog::error("event=ws.auth_failed error=\"{}\"", e.what());
          }
          if (principal) {
            start_websocket(std::move(stream), parser.release(), api, std::move(*principal), std::move(remote_ip));
            co_return;
          }
          refusal = HttpResponse::error(401, "unauthenticated", "log in first: send the session token");
        }
        co_await write_response(stream, refusal, req.version(), false, false);
        break;
      }

      bool keep_alive = req.keep_alive();
      unsigned version = req.version();
      bool head_only = req.method() == http::verb::head;
      HttpResponse response;
      in_flight.fetch_add(1);
      try {
        if (is_static_request(request)) {
          response = serve_static(config.static_dir, request);
        } else {
          response = co_await api.handle(std::move(request));
        }
      } catch (const std::exception& e) {
        spdlog::error("event=http.unhandled error=\"{}\"", e.what());
        response = HttpResponse::error(500, "internal", "internal error");
      }
      keep_alive = keep_alive && !api.context().draining;
      co_await write_response(stream, response, version, keep_alive, head_only);
      in_flight.fetch_sub(1);
      if (!keep_alive) break;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
};

Server::Server(asio::io_context& io, Api& api) : impl_(std::make_unique<Impl>(io, api)) {}
Server::~Server() = default;

void Server::start() {
  impl_->setup_tls();
  impl_->listen();
  spdlog::info("event=http.listening address={} tls={}", local_endpoint().to_string(), impl_->tls != nullptr);
}

void Server::begin_shutdown() {
  impl_->api.context().draining = true;
  asio::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->api.context().hub.close_all();
}

std::size_t Server::in_flight() const { return impl_->in_flight.load(); }

Endpoint Server::local_endpoint() const {
  beast::error_code ec;
  auto ep = impl_->acceptor.local_endpoint(ec);
  if (ec) return impl_->config.listen;
  return Endpoint{ep.address().to_string(), ep.port()};
}

}  // namespace hotline::api
