#pragma once
// The registry of live WebSocket connections and the fan-out of server events.
// A broadcast serialises the message once and hands each connection a shared
// pointer to it; every connection queues it on its own strand, bounded, so one
// stuck browser never delays the others (see docs/websocket-protocol.md).
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "hotline/auth/sessions.hpp"
#include "hotline/core/metrics.hpp"

namespace hotline::api {

using SharedText = std::shared_ptr<const std::string>;

class WsConnection {
 public:
  virtual ~WsConnection() = default;
  // Thread-safe: posts to the connection's strand.
  virtual void send(SharedText message) = 0;
  // Thread-safe: a clean close with a WebSocket close code (1001 going away at
  // shutdown, 1008 when the login session behind the connection has ended).
  virtual void close(std::uint16_t code, std::string reason) = 0;
  virtual const auth::Principal& principal() const = 0;
  // Random per connection, announced in session.ready; a reloaded page names
  // its old one in session.attach. Immutable: safe from any thread.
  virtual const std::string& session_id() const = 0;
};

class WsHub {
 public:
  explicit WsHub(Metrics& metrics);

  std::uint64_t add(std::weak_ptr<WsConnection> connection);
  void remove(std::uint64_t id);
  // Returns how many connections the message was queued to.
  std::size_t broadcast(const SharedText& message);
  std::size_t send_to_user(std::int64_t user_id, const SharedText& message);
  std::size_t send_to_job_number(const std::string& job_number, const SharedText& message);
  std::size_t send_to_session(const std::string& session_id, const SharedText& message);
  void close_all();
  // Closes (1008) the connections whose login session ended: logout, a
  // disabled user, changed roles, a reset password. Returns how many.
  std::size_t close_sessions_where(const std::function<bool(const auth::Principal&)>& ended);
  std::size_t size() const;

  Counter& dropped_slow;  // connections cut because their send queue overflowed
  Counter& messages_sent;

 private:
  std::vector<std::shared_ptr<WsConnection>> snapshot() const;

  mutable std::mutex mutex_;
  std::uint64_t next_id_ = 1;
  std::unordered_map<std::uint64_t, std::weak_ptr<WsConnection>> connections_;
  Gauge& connected_;
};

}  // namespace hotline::api
