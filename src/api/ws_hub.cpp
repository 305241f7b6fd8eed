#include "hotline/api/ws_hub.hpp"

namespace hotline::api {

WsHub::WsHub(Metrics& metrics)
    : dropped_slow(metrics.counter("hotline_ws_slow_clients_dropped_total",
                                   "WebSocket connections closed because their send queue overflowed.")),
      messages_sent(metrics.counter("hotline_ws_messages_sent_total", "WebSocket messages written to clients.")),
      connected_(metrics.gauge("hotline_ws_connections", "Open WebSocket connections.")) {}

std::uint64_t WsHub::add(std::weak_ptr<WsConnection> connection) {
  std::lock_guard lock(mutex_);
  auto id = next_id_++;
  connections_.emplace(id, std::move(connection));
  connected_.set(static_cast<std::int64_t>(connections_.size()));
  return id;
}

void WsHub::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  connections_.erase(id);
  connected_.set(static_cast<std::int64_t>(connections_.size()));
}

std::vector<std::shared_ptr<WsConnection>> WsHub::snapshot() const {
  std::vector<std::shared_ptr<WsConnection>> live;
  std::lock_guard lock(mutex_);
  live.reserve(connections_.size());
  for (const auto& [id, weak] : connections_) {
    if (auto c = weak.lock()) live.push_back(std::move(c));
  }
  return live;
}

std::size_t WsHub::broadcast(const SharedText& message) {
  auto live = snapshot();  // sends happen outside the lock
  for (auto& c : live) c->send(message);
  return live.size();
}

std::size_t WsHub::send_to_user(std::int64_t user_id, const SharedText& message) {
  std::size_t n = 0;
  for (auto& c : snapshot()) {
    if (c->principal().user_id == user_id) {
      c->send(message);
      ++n;
    }
  }
  return n;
}

std::size_t WsHub::send_to_job_number(const std::string& job_number, const SharedText& message) {
  std::size_t n = 0;
  for (auto& c : snapshot()) {
    if (c->principal().job_number == job_number) {
      c->send(message);
      ++n;
    }
  }
  return n;
}

std::size_t WsHub::send_to_session(const std::string& session_id, const SharedText& message) {
  std::size_t n = 0;
  for (auto& c : snapshot()) {
    if (c->session_id() == session_id) {
      c->send(message);
      ++n;
    }
  }
  return n;
}

void WsHub::close_all() {
  for (auto& c : snapshot()) c->close(1001, "server shutting down");
}

std::size_t WsHub::close_sessions_where(const std::function<bool(const auth::Principal&)>& ended) {
  std::size_t n = 0;
  for (auto& c : snapshot()) {
    if (ended(c->principal())) {
      c->close(1008, "session ended");
      ++n;
    }
  }
  return n;
}

std::size_t WsHub::size() const {
  std::lock_guard lock(mutex_);
  return connections_.size();
}

}  // namespace hotline::api
