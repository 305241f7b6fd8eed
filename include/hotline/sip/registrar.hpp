#pragma once
// The registrar (RFC 3261 §10): REGISTER with digest authentication (MD5 and
// SHA-256), bindings with expiry, several contacts per account, unregister
// (one contact or "*"). Failed authentications are counted per source
// address; a source that fails too often, floods, or announces itself as a
// known scanner is banned for a while and its packets are dropped.
// Runs on the SIP strand; account secrets come from an asynchronous lookup
// (the daemon reads them from SQLite off the strand).
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hotline/core/metrics.hpp"
#include "hotline/sip/digest.hpp"
#include "hotline/sip/transport.hpp"

namespace hotline::sip {

struct AccountSecrets {
  bool enabled = true;
  std::string realm;
  std::string ha1_md5;
  std::string ha1_sha256;
  std::string class_of_service = "all";  // which numbers the account may dial
};

// Looks an account up by username and calls done (on the SIP strand) with
// its secrets, or nullopt when there is no such account.
using AccountLookup =
    std::function<void(const std::string& username, std::function<void(std::optional<AccountSecrets>)> done)>;

struct RegistrarConfig {
  std::string realm = "hotline";
  // Offered in this order (RFC 8760: a UAC takes the topmost it supports).
  std::vector<DigestAlgorithm> algorithms = {DigestAlgorithm::md5, DigestAlgorithm::sha256};
  int min_expires = 60;
  int max_expires = 3600;
  int default_expires = 3600;
  int nonce_lifetime_seconds = 300;
  unsigned failures_before_ban = 10;  // within failure_window_seconds
  unsigned failure_window_seconds = 60;
  unsigned ban_seconds = 600;
  unsigned max_requests_per_second = 50;  // per source address
};

struct Binding {
  std::string contact;  // the Contact URI
  Source source;        // where the REGISTER came from (NAT-safe path back)
  std::int64_t expires_at_ms = 0;
  std::string call_id;
};

// Ban bookkeeping per source address, shared by every request path.
class Guard {
 public:
  Guard(const RegistrarConfig& config, Metrics& metrics);
  // False when the source is banned, or just got banned for flooding or
  // for a scanner's User-Agent.
  bool admit(const std::string& address, const Message& request, std::int64_t now_ms);
  void count_failure(const std::string& address, std::int64_t now_ms);
  bool banned(const std::string& address, std::int64_t now_ms) const;

 private:
  void ban(const std::string& address, std::int64_t now_ms, const char* why);
  struct State {
    std::deque<std::int64_t> failures;
    std::int64_t window_start_ms = 0;
    unsigned requests_in_window = 0;
    std::int64_t banned_until_ms = 0;
  };
  RegistrarConfig config_;
  std::map<std::string, State> sources_;
  Counter& bans_;
  Gauge& banned_now_;
};

class Registrar {
 public:
  using Reply = std::function<void(int status, std::string reason, std::vector<std::pair<std::string, std::string>>)>;

  Registrar(RegistrarConfig config, AccountLookup lookup, Guard& guard, Metrics& metrics, std::string nonce_secret);

  using Authenticated = std::function<void(const std::string& username, const AccountSecrets& account)>;

  void on_register(const Message& request, const Source& source, std::int64_t now_ms, Reply reply);
  // Digest check of any request; proxy: 407 + Proxy-Authenticate (calls from
  // phones) instead of 401 + WWW-Authenticate. On success `ok` runs instead of `reply`.
  void authenticate(const Message& request, const Source& source, std::int64_t now_ms, bool proxy, Authenticated ok,
                    Reply reply);
  // Live bindings of an account (expired ones are dropped on the way).
  std::vector<Binding> bindings(const std::string& username, std::int64_t now_ms);
  std::size_t binding_count() const;
  void sweep(std::int64_t now_ms);
  // Told when an account's last binding goes (unregistered, or expired at a
  // sweep): the ACD logs out an agent whose phone is gone (device_lost).
  void on_unregistered(std::function<void(const std::string& username)> gone) { gone_ = std::move(gone); }

 private:
  std::vector<std::pair<std::string, std::string>> challenge(std::int64_t now_ms, bool stale, bool proxy) const;
  void apply(const Message& request, const Source& source, const std::string& username, std::int64_t now_ms,
             const Reply& reply);

  RegistrarConfig config_;
  AccountLookup lookup_;
  Guard& guard_;
  NonceFactory nonces_;
  std::map<std::string, std::vector<Binding>> bindings_;
  std::function<void(const std::string&)> gone_;
  Counter& auth_failures_;
  Gauge& registered_;
};

}  // namespace hotline::sip
