// SIP accounts: desk phones and extensions that register with hotlined.
#include <boost/asio/use_awaitable.hpp>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/pbx/sip_accounts.hpp"
#include "json_body.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

namespace {

nlohmann::json account_view(const pbx::SipAccount& a) {
  return {{"id", a.id},
          {"username", a.username},
          {"display_name", a.display_name},
          {"realm", a.realm},
          {"enabled", a.enabled},
          {"user_id", a.user_id ? nlohmann::json(*a.user_id) : nlohmann::json(nullptr)},
          {"created_at", format_utc(a.created_at)},
          {"updated_at", format_utc(a.updated_at)}};
}

}  // namespace

void add_sip_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/sip/accounts", Permission::sip_accounts_read, "List SIP accounts (phones, extensions)",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto list_all = [](store::Database& db) { return pbx::list_sip_accounts(db); };
               auto accounts = co_await ctx.store.read(std::move(list_all), use_awaitable);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& a : accounts) items.push_back(account_view(a));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("POST", "/api/v1/sip/accounts", Permission::sip_accounts_manage, "Create a SIP account",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auto username = required_string(body, "username");
               auto password = required_string(body, "password");
               auto display_name = optional_string(body, "display_name").value_or(username);
               auto user_id = optional_int(body, "user_id");
               auto realm = ctx.config.sip.realm;
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto create = [=](store::Database& db) {
                 auto a = pbx::insert_sip_account(db, username, display_name, password, realm, user_id);
                 auth::append_audit(db, audit_by(principal, "sip_account.create", a.username, {{"id", a.id}}, ip));
                 return a;
               };
               auto created = co_await ctx.store.write(std::move(create), use_awaitable);
               co_return HttpResponse::json(201, account_view(created));
             });

  router.add("PATCH", "/api/v1/sip/accounts/{id}", Permission::sip_accounts_manage,
             "Change display name, enable/disable, or set a new password",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto body = parse_json_body(request);
               for (auto it = body.begin(); it != body.end(); ++it) {
                 if (it.key() != "display_name" && it.key() != "enabled" && it.key() != "password") {
                   throw Error(Errc::invalid_argument, it.key() + ": cannot be changed here");
                 }
               }
               pbx::SipAccountPatch patch{optional_string(body, "display_name"), optional_bool(body, "enabled"),
                                          optional_string(body, "password")};
               nlohmann::json detail = {{"id", id}, {"password_changed", patch.password.has_value()}};
               if (patch.enabled) detail["enabled"] = *patch.enabled;
               auto realm = ctx.config.sip.realm;
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto update = [=](store::Database& db) {
                 auto a = pbx::update_sip_account(db, id, patch, realm);
                 auth::append_audit(db, audit_by(principal, "sip_account.update", a.username, detail, ip));
                 return a;
               };
               auto updated = co_await ctx.store.write(std::move(update), use_awaitable);
               co_return HttpResponse::json(200, account_view(updated));
             });
}

}  // namespace hotline::api
