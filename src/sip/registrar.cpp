#include "hotline/sip/registrar.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "text.hpp"

namespace hotline::sip {
namespace {

using text::lower;

// ";expires=N" on a Contact value, if any.
std::optional<int> contact_expires(const std::string& text) {
  auto l = lower(text);
  auto pos = l.rfind(";expires=");
  if (pos == std::string::npos) return std::nullopt;
  int v = 0;
  const char* begin = text.data() + pos + 9;
  auto [end, ec] = std::from_chars(begin, text.data() + text.size(), v);
  if (ec != std::errc() || v < 0) return std::nullopt;
  (void)end;
  return v;
}

// Scanners announce themselves (sipvicious and its friends).
bool known_scanner(const Message& m) {
  auto agent = lower(m.header("User-Agent"));
  for (const char* name : {"friendly-scanner", "sipvicious", "sipcli", "sip-scan", "sundayddr", "iwar", "vaxasip"}) {
    if (agent.find(name) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

Guard::Guard(const RegistrarConfig& config, Metrics& metrics)
    : config_(config),
      bans_(metrics.counter("hotline_sip_bans_total", "Source addresses banned (auth failures, floods, scanners).")),
      banned_now_(metrics.gauge("hotline_sip_banned_sources", "Source addresses banned right now.")) {}

bool Guard::banned(const std::string& address, std::int64_t now_ms) const {
  auto it = sources_.find(address);
  return it != sources_.end() && it->second.banned_until_ms > now_ms;
}

void Guard::ban(const std::string& address, std::int64_t now_ms, const char* why) {
  auto& s = sources_[address];
  if (s.banned_until_ms <= now_ms) {
    bans_.inc();
    spdlog::warn("event=sip.source_banned address={} reason={} seconds={}", address, why, config_.ban_seconds);
  }
  s.banned_until_ms = now_ms + std::int64_t{config_.ban_seconds} * 1000;
  std::int64_t count = 0;
  for (const auto& [a, st] : sources_) count += st.banned_until_ms > now_ms;
  banned_now_.set(count);
}

bool Guard::admit(const std::string& address, const Message& request, std::int64_t now_ms) {
  if (banned(address, now_ms)) return false;
  if (known_scanner(request)) {
    ban(address, now_ms, "scanner");
    return false;
  }
  auto& s = sources_[address];
  if (now_ms - s.window_start_ms >= 1000) {
    s.window_start_ms = now_ms;
    s.requests_in_window = 0;
  }
  if (++s.requests_in_window > config_.max_requests_per_second) {
    ban(address, now_ms, "flood");
    return false;
  }
  // Keep the table small: forget quiet sources that are not banned.
  if (sources_.size() > 100000) {
    std::erase_if(sources_, [now_ms](const auto& kv) {
      return kv.second.banned_until_ms <= now_ms && now_ms - kv.second.window_start_ms > 60000;
    });
  }
  return true;
}

void Guard::count_failure(const std::string& address, std::int64_t now_ms) {
  auto& s = sources_[address];
  s.failures.push_back(now_ms);
  while (!s.failures.empty() && now_ms - s.failures.front() > std::int64_t{config_.failure_window_seconds} * 1000) {
    s.failures.pop_front();
  }
  if (s.failures.size() >= config_.failures_before_ban) {
    s.failures.clear();
    ban(address, now_ms, "auth_failures");
  }
}

Registrar::Registrar(RegistrarConfig config, AccountLookup lookup, Guard& guard, Metrics& metrics,
                     std::string nonce_secret)
    : config_(std::move(config)),
      lookup_(std::move(lookup)),
      guard_(guard),
      nonces_(std::move(nonce_secret)),
      auth_failures_(metrics.counter("hotline_sip_auth_failures_total", "Failed SIP digest authentications.")),
      registered_(metrics.gauge("hotline_sip_registrations", "Live SIP contact bindings.")) {}

std::vector<std::pair<std::string, std::string>> Registrar::challenge(std::int64_t now_ms, bool stale,
                                                                      bool proxy) const {
  std::vector<std::pair<std::string, std::string>> headers;
  auto nonce = nonces_.make(now_ms);
  for (auto a : config_.algorithms) {
    headers.emplace_back(proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
                         "Digest realm=\"" + config_.realm + "\", nonce=\"" + nonce + "\", algorithm=" +
                             std::string(to_string(a)) + ", qop=\"auth\"" + (stale ? ", stale=true" : ""));
  }
  return headers;
}

void Registrar::on_register(const Message& request, const Source& source, std::int64_t now_ms, Reply reply) {
  authenticate(
      request, source, now_ms, false,
      [this, request, source, now_ms, reply](const std::string& username, const AccountSecrets&) {
        apply(request, source, username, now_ms, reply);
      },
      reply);
}

void Registrar::authenticate(const Message& request, const Source& source, std::int64_t now_ms, bool proxy,
                             Authenticated ok, Reply reply) {
  // REGISTER names the account in To (§10.2), every other request in From.
  const std::string username = request.method == "REGISTER" ? request.to.uri.user : request.from.uri.user;
  const int challenge_status = proxy ? 407 : 401;
  const char* challenge_reason = proxy ? "Proxy Authentication Required" : "Unauthorized";
  std::optional<std::map<std::string, std::string>> credentials;
  for (const auto& [name, value] : request.headers) {
    if (lower(name) == (proxy ? "proxy-authorization" : "authorization")) {
      credentials = parse_digest_credentials(value);
      if (!credentials) return reply(400, "Bad Request", {{"Warning", "399 hotlined \"malformed credentials\""}});
      break;
    }
  }
  if (!credentials) return reply(challenge_status, challenge_reason, challenge(now_ms, false, proxy));
  auto& c = *credentials;
  auto field = [&](const char* k) {
    auto it = c.find(k);
    return it == c.end() ? std::string() : it->second;
  };
  std::string algorithm_name = field("algorithm").empty() ? "MD5" : field("algorithm");
  std::optional<DigestAlgorithm> algorithm;
  if (lower(algorithm_name) == "md5") algorithm = DigestAlgorithm::md5;
  if (lower(algorithm_name) == "sha-256") algorithm = DigestAlgorithm::sha256;
  if (algorithm &&
      std::find(config_.algorithms.begin(), config_.algorithms.end(), *algorithm) == config_.algorithms.end()) {
    algorithm.reset();  // not offered: a downgrade attempt
  }
  if (!algorithm || field("username") != username || username.empty() || field("realm") != config_.realm ||
      field("uri").empty() || field("response").empty() || (!field("qop").empty() && field("qop") != "auth")) {
    auth_failures_.inc();
    guard_.count_failure(source.address, now_ms);
    return reply(403, "Forbidden", {});
  }
  auto age = nonces_.age(field("nonce"), now_ms);
  if (!age) {
    auth_failures_.inc();
    guard_.count_failure(source.address, now_ms);
    return reply(challenge_status, challenge_reason, challenge(now_ms, false, proxy));
  }
  if (*age > std::int64_t{config_.nonce_lifetime_seconds} * 1000)
    return reply(challenge_status, challenge_reason, challenge(now_ms, true, proxy));

  lookup_(username, [this, method = request.method, source, username, c, algorithm = *algorithm, reply,
                     ok = std::move(ok), now_ms](std::optional<AccountSecrets> account) {
    auto get = [&](const char* k) {
      auto it = c.find(k);
      return it == c.end() ? std::string() : it->second;
    };
    bool valid = account && account->enabled && account->realm == config_.realm;
    if (valid) {
      const std::string& stored = algorithm == DigestAlgorithm::md5 ? account->ha1_md5 : account->ha1_sha256;
      auto expected =
          expected_response(algorithm, stored, method, get("uri"), get("nonce"), get("nc"), get("cnonce"), get("qop"));
      valid = expected == get("response");
    }
    if (!valid) {
      auth_failures_.inc();
      // The request's arrival time: the lookup takes a moment, not more.
      guard_.count_failure(source.address, now_ms);
      spdlog::info("event=sip.auth_failed account={} method={} address={}", username.substr(0, 32), method,
                   source.address);
      return reply(403, "Forbidden", {});
    }
    ok(username, *account);
  });
}

void Registrar::apply(const Message& request, const Source& source, const std::string& username, std::int64_t now_ms,
                      const Reply& reply) {
  auto& list = bindings_[username];
  std::erase_if(list, [now_ms](const Binding& b) { return b.expires_at_ms <= now_ms; });
  int header_expires = request.expires.value_or(config_.default_expires);
  bool wildcard =
      std::any_of(request.contacts.begin(), request.contacts.end(), [](const NameAddr& c) { return c.text == "*"; });
  if (wildcard) {
    if (request.contacts.size() != 1 || header_expires != 0) {
      return reply(400, "Bad Request",
                   {{"Warning", "399 hotlined \"Contact: * needs Expires: 0 and no other contact\""}});
    }
    list.clear();
  } else {
    for (const auto& contact : request.contacts) {
      int expires = contact_expires(contact.text).value_or(header_expires);
      if (expires > 0 && expires < config_.min_expires) {
        return reply(423, "Interval Too Brief", {{"Min-Expires", std::to_string(config_.min_expires)}});
      }
      expires = std::min(expires, config_.max_expires);
      std::erase_if(list, [&](const Binding& b) { return b.contact == contact.uri.text; });
      if (expires > 0) {
        list.push_back({contact.uri.text, source, now_ms + std::int64_t{expires} * 1000, request.call_id});
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& b : list) {
    headers.emplace_back("Contact",
                         "<" + b.contact + ">;expires=" + std::to_string((b.expires_at_ms - now_ms + 999) / 1000));
  }
  const bool gone = list.empty();
  if (gone) bindings_.erase(username);
  std::int64_t total = 0;
  for (const auto& [u, l] : bindings_) total += static_cast<std::int64_t>(l.size());
  registered_.set(total);
  spdlog::info("event=sip.registered account={} contacts={} address={}", username, headers.size(), source.address);
  reply(200, "OK", std::move(headers));
  if (gone && gone_) gone_(username);
}

std::vector<Binding> Registrar::bindings(const std::string& username, std::int64_t now_ms) {
  auto it = bindings_.find(username);
  if (it == bindings_.end()) return {};
  std::erase_if(it->second, [now_ms](const Binding& b) { return b.expires_at_ms <= now_ms; });
  return it->second;
}

std::size_t Registrar::binding_count() const {
  std::size_t n = 0;
  for (const auto& [u, l] : bindings_) n += l.size();
  return n;
}

void Registrar::sweep(std::int64_t now_ms) {
  for (auto it = bindings_.begin(); it != bindings_.end();) {
    std::erase_if(it->second, [now_ms](const Binding& b) { return b.expires_at_ms <= now_ms; });
    if (it->second.empty()) {
      if (gone_) gone_(it->first);
      it = bindings_.erase(it);
    } else {
      ++it;
    }
  }
  registered_.set(static_cast<std::int64_t>(binding_count()));
}

}  // namespace hotline::sip
