#pragma once
// Login sessions: the database keeps them across restarts; SessionCache keeps
// the live ones in memory so that authenticating a request costs no disk read.
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "hotline/auth/users.hpp"

namespace hotline::auth {

// Who is behind a request.
struct Principal {
  std::int64_t user_id = 0;
  std::string job_number;
  std::string display_name;
  std::set<Role> roles;
  std::optional<std::int64_t> department_id;
  std::int64_t expires_at = 0;  // unix ms
  std::string token_digest;     // identifies the session (for logout)
};

void insert_session(store::Database& db, const std::string& digest, std::int64_t user_id, std::int64_t expires_at,
                    const std::string& remote_ip);
// The session's principal if it exists, has not expired and its user is enabled.
std::optional<Principal> load_session(store::Database& db, const std::string& digest);
void delete_session(store::Database& db, const std::string& digest);
int delete_user_sessions(store::Database& db, std::int64_t user_id);
int purge_expired_sessions(store::Database& db);

// Thread-safe: read on every request from any io thread, written at login,
// logout and user changes. A shared_mutex, since reads outnumber writes by far.
class SessionCache {
 public:
  std::optional<Principal> find(const std::string& digest) const;
  void put(const Principal& principal);
  void erase(const std::string& digest);
  void erase_user(std::int64_t user_id);
  std::size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Principal> by_digest_;
};

}  // namespace hotline::auth
