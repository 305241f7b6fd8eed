// User administration: list, create, change, disable, reset password, unlock.
#include <boost/asio/use_awaitable.hpp>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/auth/crypto.hpp"
#include "hotline/core/async.hpp"
#include "json_body.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

namespace {

std::set<auth::Role> parse_roles(const nlohmann::json& value) {
  if (!value.is_array()) throw Error(Errc::invalid_argument, "roles: must be an array of role names");
  std::set<auth::Role> roles;
  for (const auto& item : value) {
    auto role = item.is_string() ? auth::parse_role(item.get<std::string>()) : std::nullopt;
    if (!role) {
      throw Error(Errc::invalid_argument, "roles: unknown role " + item.dump() +
                                              " (agent, supervisor, entry_clerk, department_staff, admin, auditor)");
    }
    roles.insert(*role);
  }
  return roles;
}

std::int64_t count_enabled_admins(store::Database& db) {
  auto& s = db.prepare(
      "SELECT COUNT(*) FROM users u JOIN user_roles r ON r.user_id = u.id WHERE r.role = 'admin' AND u.enabled = 1");
  s.step();
  auto n = s.int64(0);
  s.run();
  return n;
}

}  // namespace

void add_user_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/users", Permission::users_read, "List users",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto list = [](store::Database& db) { return auth::list_users(db); };
               auto users = co_await ctx.store.read(std::move(list), use_awaitable);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& u : users) items.push_back(user_view(u));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/users/{id}", Permission::users_read, "One user",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto find = [id](store::Database& db) { return auth::find_user(db, id); };
               auto user = co_await ctx.store.read(std::move(find), use_awaitable);
               if (!user) throw Error(Errc::not_found, "no user " + std::to_string(id));
               co_return HttpResponse::json(200, user_view(*user));
             });

  router.add("POST", "/api/v1/users", Permission::users_manage, "Create a user",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auth::NewUser user;
               user.job_number = required_string(body, "job_number");
               user.display_name = required_string(body, "display_name");
               auto password = required_string(body, "password");
               if (!body.contains("roles")) throw Error(Errc::invalid_argument, "roles: required");
               user.roles = parse_roles(body["roles"]);
               user.department_id = optional_int(body, "department_id");
               user.enabled = optional_bool(body, "enabled").value_or(true);
               // Cheap checks first, so a bad request costs no hashing.
               auth::validate_job_number(user.job_number);
               auth::validate_display_name(user.display_name);
               auth::validate_password(password, ctx.config.auth.password_min_length);
               auth::validate_roles(user.roles, user.department_id);
               auto hash_it = [password](CpuContext&) { return auth::hash_password(password); };
               user.password_hash = co_await run_on(ctx.cpu, std::move(hash_it), use_awaitable);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto create = [user, principal, ip](store::Database& db) {
                 auto u = auth::insert_user(db, user);
                 nlohmann::json roles = nlohmann::json::array();
                 for (auto r : u.roles) roles.push_back(auth::to_string(r));
                 auth::append_audit(
                     db, audit_by(principal, "user.create", u.job_number, {{"id", u.id}, {"roles", roles}}, ip));
                 return u;
               };
               auto created = co_await ctx.store.write(std::move(create), use_awaitable);
               co_return HttpResponse::json(201, user_view(created));
             });

  router.add("PATCH", "/api/v1/users/{id}", Permission::users_manage,
             "Change display name, roles, department or enabled (disable)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto body = parse_json_body(request);
               auth::UserPatch patch;
               patch.display_name = optional_string(body, "display_name");
               if (body.contains("roles")) patch.roles = parse_roles(body["roles"]);
               patch.enabled = optional_bool(body, "enabled");
               if (body.contains("department_id")) patch.department_id = optional_int(body, "department_id");
               for (auto it = body.begin(); it != body.end(); ++it) {
                 static const std::set<std::string> known = {"display_name", "roles", "enabled", "department_id"};
                 if (!known.count(it.key())) throw Error(Errc::invalid_argument, it.key() + ": cannot be changed here");
               }
               auto principal = *request.principal;
               if (id == principal.user_id && patch.enabled == false) {
                 throw Error(Errc::conflict, "enabled: you cannot disable your own account");
               }
               auto ip = request.remote_ip;
               auto update = [id, patch, principal, ip, body](store::Database& db) {
                 auto u = auth::update_user(db, id, patch);
                 if (count_enabled_admins(db) == 0) {
                   throw Error(Errc::conflict, "at least one enabled admin must remain");
                 }
                 if (!u.enabled || patch.roles || patch.department_id) auth::delete_user_sessions(db, id);
                 auth::append_audit(db, audit_by(principal, patch.enabled == false ? "user.disable" : "user.update",
                                                 u.job_number, body, ip));
                 return u;
               };
               auto updated = co_await ctx.store.write(std::move(update), use_awaitable);
               // Cached sessions carry the name and roles: drop them, they reload on the next request.
               ctx.sessions.erase_user(id);
               if (!updated.enabled || patch.roles || patch.department_id) {
                 ctx.hub.close_sessions_where([id](const auth::Principal& p) { return p.user_id == id; });
               }
               co_return HttpResponse::json(200, user_view(updated));
             });

  router.add("POST", "/api/v1/users/{id}/reset-password", Permission::users_manage,
             "Set a new password, unlock, and end the user's sessions",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto body = parse_json_body(request);
               auto password = required_string(body, "password");
               auth::validate_password(password, ctx.config.auth.password_min_length);
               auto hash_it = [password](CpuContext&) { return auth::hash_password(password); };
               auto hash = co_await run_on(ctx.cpu, std::move(hash_it), use_awaitable);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto reset = [id, hash, principal, ip](store::Database& db) {
                 auto u = auth::find_user(db, id);
                 if (!u) throw Error(Errc::not_found, "no user " + std::to_string(id));
                 auth::set_password_hash(db, id, hash);
                 auth::delete_user_sessions(db, id);
                 auth::append_audit(db, audit_by(principal, "user.reset_password", u->job_number, nullptr, ip));
                 return *auth::find_user(db, id);
               };
               auto user = co_await ctx.store.write(std::move(reset), use_awaitable);
               ctx.sessions.erase_user(id);
               ctx.hub.close_sessions_where([id](const auth::Principal& p) { return p.user_id == id; });
               co_return HttpResponse::json(200, user_view(user));
             });

  router.add("POST", "/api/v1/users/{id}/unlock", Permission::users_manage, "Clear a lockout",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto unlock = [id, principal, ip](store::Database& db) {
                 auth::unlock_user(db, id);
                 auto u = *auth::find_user(db, id);
                 auth::append_audit(db, audit_by(principal, "user.unlock", u.job_number, nullptr, ip));
                 return u;
               };
               auto user = co_await ctx.store.write(std::move(unlock), use_awaitable);
               co_return HttpResponse::json(200, user_view(user));
             });
}

}  // namespace hotline::api
