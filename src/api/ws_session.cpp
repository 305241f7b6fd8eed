#include "ws_session.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>

#include <sodium.h>

#include <boost/asio/post.hpp>

#include "hotline/core/clock.hpp"
#include "hotline/pbx/calls.hpp"
#include "rpc.hpp"

namespace hotline::api {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;

std::string new_session_id() {
  unsigned char bytes[16];
  randombytes_buf(bytes, sizeof bytes);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

// One WebSocket connection. Everything below runs on the connection's strand
// (the executor of its socket): the read loop coroutine, the write chain and
// the posted send()s, so the queue needs no lock.
template <class Stream>
class WsSession final : public WsConnection, public std::enable_shared_from_this<WsSession<Stream>> {
 public:
  WsSession(Stream stream, Api& api, auth::Principal principal, std::string remote_ip)
      : ws_(std::move(stream)),
        api_(api),
        limits_(api.context().config.websocket),
        principal_(std::move(principal)),
        remote_ip_(std::move(remote_ip)),
        session_id_(new_session_id()),
        expiry_(ws_.get_executor()) {}

  void start(UpgradeRequest request) {
    asio::co_spawn(ws_.get_executor(), run(std::move(request), this->shared_from_this()), asio::detached);
  }

  void send(SharedText message) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), message = std::move(message)]() mutable {
      self->enqueue(std::move(message));
    });
  }

  void close(std::uint16_t code, std::string reason) override {
    asio::post(ws_.get_executor(), [self = this->shared_from_this(), code, reason = std::move(reason)] {
      self->close_on_strand(code, reason);
    });
  }

  const auth::Principal& principal() const override { return principal_; }
  const std::string& session_id() const override { return session_id_; }

 private:
  awaitable<void> run(UpgradeRequest request, std::shared_ptr<WsSession> self) {
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout{};
    timeout.handshake_timeout = std::chrono::seconds(30);
    timeout.idle_timeout = std::chrono::seconds(2 * limits_.ping_interval_seconds);
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(limits_.max_message_bytes);
    ws_.auto_fragment(false);  // one frame per event: fewer writes for the fan-out
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(beast::http::field::server, "hotlined"); }));
    beast::error_code ec;
    co_await ws_.async_accept(request, asio::redirect_error(use_awaitable, ec));
    if (ec) co_return;
    hub_id_ = api_.context().hub.add(self);
    arm_session_expiry();
    spdlog::debug("event=ws.open user={} ip={}", principal_.job_number, remote_ip_);
    enqueue(std::make_shared<const std::string>(
        rpc_event("session.ready", {{"protocol", kWsProtocolVersion},
                                    {"user", {{"user_id", principal_.user_id}, {"job_number", principal_.job_number}}},
                                    {"session_id", session_id_},
                                    {"server_time", format_utc(now_ms())}})));

    beast::flat_buffer buffer;
    for (;;) {
      co_await ws_.async_read(buffer, asio::redirect_error(use_awaitable, ec));
      if (ec) break;
      if (!ws_.got_text()) {
        buffer.consume(buffer.size());
        enqueue(std::make_shared<const std::string>(
            R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"binary frames are not accepted"}})"));
        continue;
      }
      std::string text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      auto reply = co_await api_.handle_rpc(principal_, remote_ip_, session_id_, text);
      if (reply) enqueue(std::make_shared<const std::string>(std::move(*reply)));
    }
    closed_ = true;
    expiry_.cancel();
    api_.context().hub.remove(hub_id_);
    // Its browser softphone (device, calls) now waits for a re-attach, or ends.
    auto& ctx = api_.context();
    if (ctx.calls) {
      asio::post(ctx.sip_strand, [calls = ctx.calls, id = session_id_] { calls->browser_closed(id); });
    }
    spdlog::debug("event=ws.closed user={} reason=\"{}\"", principal_.job_number, ec.message());
  }

  void close_on_strand(std::uint16_t code, const std::string& reason) {
    if (closed_ || closing_) return;
    closing_ = true;
    expiry_.cancel();
    ws_.async_close(websocket::close_reason(static_cast<websocket::close_code>(code), reason),
                    asio::bind_executor(ws_.get_executor(), [self = this->shared_from_this()](beast::error_code) {}));
  }

  // The connection lives no longer than the login session it was opened with.
  void arm_session_expiry() {
    auto left = std::chrono::milliseconds(std::max<std::int64_t>(0, principal_.expires_at - now_ms()));
    expiry_.expires_after(left);
    expiry_.async_wait(asio::bind_executor(ws_.get_executor(), [self = this->shared_from_this()](beast::error_code ec) {
      if (!ec) self->close_on_strand(1008, "session expired");
    }));
  }

  void enqueue(SharedText message) {
    if (closed_) return;
    if (queue_.size() >= limits_.send_queue_messages || queued_bytes_ + message->size() > limits_.send_queue_bytes) {
      drop_slow_client();
      return;
    }
    queued_bytes_ += message->size();
    queue_.push_back(std::move(message));
    if (!writing_) write_next();
  }

  // The client does not read fast enough: cutting it loose is the only way to
  // keep its backlog from growing without bound. It reconnects and resyncs.
  void drop_slow_client() {
    closed_ = true;
    api_.context().hub.dropped_slow.inc();
    spdlog::warn("event=ws.slow_client_dropped user={} ip={} queued={} bytes={}", principal_.job_number, remote_ip_,
                 queue_.size(), queued_bytes_);
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).socket().close(ignored);
    queue_.clear();
    queued_bytes_ = 0;
  }

  void write_next() {
    if (queue_.empty() || closed_ || closing_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    ws_.text(true);
    ws_.async_write(
        asio::buffer(*queue_.front()),
        asio::bind_executor(ws_.get_executor(), [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
          self->writing_ = false;
          if (ec || self->queue_.empty()) return;
          self->queued_bytes_ -= self->queue_.front()->size();
          self->queue_.pop_front();
          self->api_.context().hub.messages_sent.inc();
          self->write_next();
        }));
  }

  websocket::stream<Stream> ws_;
  Api& api_;
  const WebSocketConfig& limits_;
  auth::Principal principal_;
  std::string remote_ip_;
  const std::string session_id_;
  std::uint64_t hub_id_ = 0;
  asio::steady_timer expiry_;
  std::deque<SharedText> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;
  bool closed_ = false;
};

}  // namespace

void start_websocket(beast::tcp_stream stream, UpgradeRequest request, Api& api, auth::Principal principal,
                     std::string remote_ip) {
  std::make_shared<WsSession<beast::tcp_stream>>(std::move(stream), api, std::move(principal), std::move(remote_ip))
      ->start(std::move(request));
}

void start_websocket(beast::ssl_stream<beast::tcp_stream> stream, UpgradeRequest request, Api& api,
                     auth::Principal principal, std::string remote_ip) {
  std::make_shared<WsSession<beast::ssl_stream<beast::tcp_stream>>>(std::move(stream), api, std::move(principal),
                                                                    std::move(remote_ip))
      ->start(std::move(request));
}

}  // namespace hotline::api
