#include "hotline/auth/sessions.hpp"

#include <mutex>

#include "hotline/core/clock.hpp"

namespace hotline::auth {

using store::Database;

void insert_session(Database& db, const std::string& digest, std::int64_t user_id, std::int64_t expires_at,
                    const std::string& remote_ip) {
  auto& s = db.prepare(
      "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, remote_ip) VALUES (?, ?, ?, ?, ?)");
  s.bind_blob(1, digest.data(), digest.size())
      .bind(2, user_id)
      .bind(3, now_ms())
      .bind(4, expires_at)
      .bind(5, remote_ip);
  s.run();
}

std::optional<Principal> load_session(Database& db, const std::string& digest) {
  auto& s = db.prepare(
      "SELECT s.user_id, s.expires_at, u.job_number, u.display_name, u.department_id FROM sessions s "
      "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ? AND u.enabled = 1");
  s.bind_blob(1, digest.data(), digest.size()).bind(2, now_ms());
  if (!s.step()) return std::nullopt;
  Principal p;
  p.user_id = s.int64(0);
  p.expires_at = s.int64(1);
  p.job_number = s.text(2);
  p.display_name = s.text(3);
  p.department_id = s.optional_int64(4);
  p.token_digest = digest;
  s.run();
  auto& r = db.query("SELECT role FROM user_roles WHERE user_id = ?", p.user_id);
  while (r.step()) {
    if (auto role = parse_role(r.text(0))) p.roles.insert(*role);
  }
  return p;
}

void delete_session(Database& db, const std::string& digest) {
  auto& s = db.prepare("DELETE FROM sessions WHERE token_hash = ?");
  s.bind_blob(1, digest.data(), digest.size());
  s.run();
}

int delete_user_sessions(Database& db, std::int64_t user_id) {
  db.query("DELETE FROM sessions WHERE user_id = ?", user_id).run();
  return db.changes();
}

int purge_expired_sessions(Database& db) {
  db.query("DELETE FROM sessions WHERE expires_at <= ?", now_ms()).run();
  return db.changes();
}

std::optional<Principal> SessionCache::find(const std::string& digest) const {
  std::shared_lock lock(mutex_);
  auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return std::nullopt;
  return it->second;
}

void SessionCache::put(const Principal& principal) {
  std::unique_lock lock(mutex_);
  by_digest_[principal.token_digest] = principal;
}

void SessionCache::erase(const std::string& digest) {
  std::unique_lock lock(mutex_);
  by_digest_.erase(digest);
}

void SessionCache::erase_user(std::int64_t user_id) {
  std::unique_lock lock(mutex_);
  std::erase_if(by_digest_, [user_id](const auto& kv) { return kv.second.user_id == user_id; });
}

std::size_t SessionCache::size() const {
  std::shared_lock lock(mutex_);
  return by_digest_.size();
}

}  // namespace hotline::auth
