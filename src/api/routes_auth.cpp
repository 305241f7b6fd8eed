// Login, logout, who am I, change my password.
#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

#include "audit_trail.hpp"
#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/auth/crypto.hpp"
#include "hotline/core/async.hpp"
#include "hotline/core/clock.hpp"
#include "json_body.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

namespace {

struct LoginCandidate {
  std::optional<auth::User> user;
  std::string hash;
};

// What a failed login looks like from outside: the same for an unknown job
// number and a wrong password, so that job numbers cannot be probed.
HttpResponse bad_credentials() {
  return HttpResponse::error(401, "invalid_credentials", "工号或密码错误 / wrong job number or password");
}

std::string session_cookie(const ApiContext& ctx, const std::string& token, long max_age) {
  std::string cookie = std::string(kSessionCookie) + "=" + token +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + std::to_string(max_age);
  if (ctx.config.http.tls.enabled) cookie += "; Secure";
  return cookie;
}

// Only what is safe to store as an actor name for a failed login.
std::string sanitized_login_name(const std::string& name) {
  std::string out;
  for (char c : name.substr(0, 32)) out += (c >= 0x21 && c <= 0x7e) ? c : '?';
  return out;
}

}  // namespace

void add_auth_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();
  // Checked against when the job number is unknown, so both failures cost the same.
  auto dummy_hash = std::make_shared<const std::string>(auth::hash_password(auth::random_password()));

  router.add(
      "POST", "/api/v1/auth/login", Permission::public_access, "Log in with job number and password",
      [&ctx, dummy_hash](HttpRequest& request) -> awaitable<HttpResponse> {
        auto body = parse_json_body(request);
        auto job_number = required_string(body, "job_number");
        auto password = required_string(body, "password");
        auto ip = request.remote_ip;
        auto find_candidate = [job_number](store::Database& db) {
          LoginCandidate c;
          c.user = auth::find_user_by_job_number(db, job_number);
          if (c.user) c.hash = auth::password_hash_of(db, c.user->id).value_or("");
          return c;
        };
        auto candidate = co_await ctx.store.read(std::move(find_candidate), use_awaitable);
        auto actor = sanitized_login_name(job_number);
        auto audit_failure = [&](const char* reason, std::optional<std::int64_t> id) {
          return auth::AuditEntry{id, actor, "auth.login_failed", actor, nlohmann::json{{"reason", reason}}.dump(), ip};
        };

        if (!candidate.user) {
          // Spend the same time as a real check so the answer time tells nothing.
          auto spend_equal_time = [dummy_hash, password](CpuContext&) { auth::verify_password(*dummy_hash, password); };
          co_await run_on(ctx.cpu, std::move(spend_equal_time), use_awaitable);
          auto entry = audit_failure("unknown_user", std::nullopt);
          co_await record_audit(ctx, entry);
          spdlog::info("event=auth.login_failed reason=unknown_user ip={}", ip);
          co_return bad_credentials();
        }
        auto user = *candidate.user;
        if (user.locked_until && *user.locked_until > now_ms()) {
          auto entry = audit_failure("locked", user.id);
          co_await record_audit(ctx, entry);
          co_return HttpResponse::error(423, "locked",
                                        "账号已锁定 / account locked until " + format_utc(*user.locked_until));
        }
        auto check_password = [hash = candidate.hash, password](CpuContext&) {
          return auth::verify_password(hash, password);
        };
        bool ok = co_await run_on(ctx.cpu, std::move(check_password), use_awaitable);
        if (!ok) {
          auto entry = audit_failure("wrong_password", user.id);
          auto threshold = ctx.config.auth.lockout_threshold;
          std::int64_t lockout_ms = std::int64_t{ctx.config.auth.lockout_seconds} * 1000;
          auto count_failure = [entry, id = user.id, threshold, lockout_ms](store::Database& db) {
            auth::append_audit(db, entry);
            bool now_locked = auth::record_login_failure(db, id, threshold, lockout_ms);
            if (now_locked) {
              auto lock = entry;
              lock.action = "auth.account_locked";
              auth::append_audit(db, lock);
            }
            return now_locked;
          };
          bool locked = co_await ctx.store.write(std::move(count_failure), use_awaitable);
          spdlog::info("event=auth.login_failed reason=wrong_password user={} ip={} locked={}", user.job_number, ip,
                       locked);
          if (locked) co_return HttpResponse::error(423, "locked", "账号已锁定 / too many failures, account locked");
          co_return bad_credentials();
        }
        if (!user.enabled) {
          auto entry = audit_failure("disabled", user.id);
          co_await record_audit(ctx, entry);
          co_return HttpResponse::error(403, "account_disabled", "账号已停用 / this account is disabled");
        }

        auto token = auth::new_session_token();
        auto digest = auth::token_digest(token);
        auto expires_at = now_ms() + std::int64_t{ctx.config.auth.session_ttl_seconds} * 1000;
        auth::Principal principal{user.id,    user.job_number, user.display_name, user.roles, user.department_id,
                                  expires_at, digest};
        auto entry = audit_by(principal, "auth.login", user.job_number, nullptr, ip);
        auto open_session = [digest, id = user.id, expires_at, ip, entry](store::Database& db) {
          auth::record_login_success(db, id);
          auth::insert_session(db, digest, id, expires_at, ip);
          auth::append_audit(db, entry);
        };
        co_await ctx.store.write(std::move(open_session), use_awaitable);
        ctx.sessions.put(principal);
        spdlog::info("event=auth.login user={} ip={}", user.job_number, ip);
        user.failed_logins = 0;
        user.locked_until.reset();
        auto response = HttpResponse::json(
            200, {{"token", token}, {"expires_at", format_utc(expires_at)}, {"user", user_view(user)}});
        response.headers.emplace_back("Set-Cookie", session_cookie(ctx, token, ctx.config.auth.session_ttl_seconds));
        co_return response;
      });

  router.add("POST", "/api/v1/auth/logout", Permission::authenticated, "End this session",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto principal = *request.principal;
               auto entry = audit_by(principal, "auth.logout", principal.job_number, nullptr, request.remote_ip);
               auto end_session = [digest = principal.token_digest, entry](store::Database& db) {
                 auth::delete_session(db, digest);
                 auth::append_audit(db, entry);
               };
               co_await ctx.store.write(std::move(end_session), use_awaitable);
               ctx.sessions.erase(principal.token_digest);
               ctx.hub.close_sessions_where(
                   [&](const auth::Principal& p) { return p.token_digest == principal.token_digest; });
               auto response = HttpResponse::json(200, {{"ok", true}});
               response.headers.emplace_back("Set-Cookie", session_cookie(ctx, "", 0));
               co_return response;
             });

  router.add("GET", "/api/v1/auth/me", Permission::authenticated, "The logged-in user",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = request.principal->user_id;
               auto find = [id](store::Database& db) { return auth::find_user(db, id); };
               auto user = co_await ctx.store.read(std::move(find), use_awaitable);
               if (!user) throw Error(Errc::unauthenticated, "the user no longer exists");
               auto view = user_view(*user);
               view["session_expires_at"] = format_utc(request.principal->expires_at);
               co_return HttpResponse::json(200, view);
             });

  router.add(
      "POST", "/api/v1/auth/password", Permission::authenticated, "Change my own password",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        auto body = parse_json_body(request);
        auto current = required_string(body, "current_password");
        auto next = required_string(body, "new_password");
        auth::validate_password(next, ctx.config.auth.password_min_length);
        auto principal = *request.principal;
        auto read_hash = [id = principal.user_id](store::Database& db) {
          return auth::password_hash_of(db, id).value_or("");
        };
        auto hash = co_await ctx.store.read(std::move(read_hash), use_awaitable);
        auto check_and_hash = [hash, current, next](CpuContext&) -> std::optional<std::string> {
          if (!auth::verify_password(hash, current)) return std::nullopt;
          return auth::hash_password(next);
        };
        auto checked = co_await run_on(ctx.cpu, std::move(check_and_hash), use_awaitable);
        if (!checked) {
          // A wrong current password counts like a failed login, so a stolen
          // session cannot be used to guess the password without limit.
          auto failure =
              audit_by(principal, "auth.password_change_failed", principal.job_number, nullptr, request.remote_ip);
          auto threshold = ctx.config.auth.lockout_threshold;
          std::int64_t lockout_ms = std::int64_t{ctx.config.auth.lockout_seconds} * 1000;
          auto count_failure = [principal, failure, threshold, lockout_ms](store::Database& db) {
            auth::append_audit(db, failure);
            bool locked = auth::record_login_failure(db, principal.user_id, threshold, lockout_ms);
            if (locked) auth::delete_user_sessions(db, principal.user_id);
            return locked;
          };
          bool locked = co_await ctx.store.write(std::move(count_failure), use_awaitable);
          if (locked) {
            ctx.sessions.erase_user(principal.user_id);
            ctx.hub.close_sessions_where([&](const auth::Principal& p) { return p.user_id == principal.user_id; });
            throw Error(Errc::locked, "账号已锁定 / too many failures, account locked");
          }
          throw Error(Errc::forbidden, "current_password: wrong password");
        }
        auto new_hash = *checked;
        auto entry = audit_by(principal, "auth.password_changed", principal.job_number, nullptr, request.remote_ip);
        auto store_password = [principal, new_hash, entry](store::Database& db) {
          auth::set_password_hash(db, principal.user_id, new_hash);
          // Other sessions of this user end; this one stays.
          auto& s = db.prepare("DELETE FROM sessions WHERE user_id = ? AND token_hash != ?");
          s.bind(1, principal.user_id).bind_blob(2, principal.token_digest.data(), principal.token_digest.size());
          s.run();
          auth::append_audit(db, entry);
        };
        co_await ctx.store.write(std::move(store_password), use_awaitable);
        ctx.sessions.erase_user(principal.user_id);
        ctx.sessions.put(principal);
        ctx.hub.close_sessions_where([&](const auth::Principal& p) {
          return p.user_id == principal.user_id && p.token_digest != principal.token_digest;
        });
        co_return HttpResponse::json(200, {{"ok", true}});
      });
}

}  // namespace hotline::api
