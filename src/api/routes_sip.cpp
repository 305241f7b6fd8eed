// SIP accounts: desk phones and extensions that register with hotlined.
#include <boost/asio/use_awaitable.hpp>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/pbx/cdr.hpp"
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
          {"class_of_service", a.class_of_service},
          {"user_id", a.user_id ? nlohmann::json(*a.user_id) : nlohmann::json(nullptr)},
          {"created_at", format_utc(a.created_at)},
          {"updated_at", format_utc(a.updated_at)}};
}

}  // namespace

void check_class(const Config& config, const std::string& name) {
  if (!config.classes_of_service.count(name))
    throw Error(Errc::invalid_argument, "class_of_service: no class \"" + name + "\" in the configuration");
}

nlohmann::json leg_view(const pbx::LegRecord& l) {
  return {{"index", l.index},
          {"role", l.role},
          {"sip_call_id", l.sip_call_id},
          {"from", l.from_uri},
          {"to", l.to_uri},
          {"endpoint", l.endpoint},
          {"started_at", format_utc(l.started_at)},
          {"answered_at", l.answered_at ? nlohmann::json(format_utc(l.answered_at)) : nlohmann::json(nullptr)},
          {"ended_at", format_utc(l.ended_at)},
          {"duration_ms", l.ended_at - l.started_at},
          {"status", l.status},
          {"hangup_cause", l.hangup_cause},
          {"hangup_side", l.hangup_side},
          {"codec", l.codec},
          {"media_address", l.media_address},
          {"rtp",
           {{"packets_in", l.packets_in},
            {"packets_out", l.packets_out},
            {"bytes_in", l.bytes_in},
            {"bytes_out", l.bytes_out},
            {"lost_in", l.lost_in},
            {"jitter_in_ms", l.jitter_in_ms},
            {"lost_out", l.lost_out},
            {"jitter_out_ms", l.jitter_out_ms}}}};
}

nlohmann::json call_view(const pbx::CallRecord& r) {
  nlohmann::json legs = nlohmann::json::array();
  for (const auto& l : r.legs) legs.push_back(leg_view(l));
  return {{"uuid", r.uuid},
          {"caller", r.caller},
          {"dialled", r.dialled},
          {"source", r.source},
          {"route", r.route},
          {"started_at", format_utc(r.started_at)},
          {"answered_at", r.answered_at ? nlohmann::json(format_utc(r.answered_at)) : nlohmann::json(nullptr)},
          {"ended_at", format_utc(r.ended_at)},
          {"duration_ms", r.ended_at - r.started_at},
          {"talk_ms", r.answered_at ? r.ended_at - r.answered_at : 0},
          {"status", r.status},
          {"hangup_cause", r.hangup_cause},
          {"hangup_side", r.hangup_side},
          {"legs", legs}};
}

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
               auto cos = optional_string(body, "class_of_service").value_or("all");
               check_class(ctx.config, cos);
               auto realm = ctx.config.sip.realm;
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto create = [=](store::Database& db) {
                 auto a = pbx::insert_sip_account(db, username, display_name, password, realm, user_id, cos);
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
                 if (it.key() != "display_name" && it.key() != "enabled" && it.key() != "password" &&
                     it.key() != "class_of_service") {
                   throw Error(Errc::invalid_argument, it.key() + ": cannot be changed here");
                 }
               }
               pbx::SipAccountPatch patch{optional_string(body, "display_name"), optional_bool(body, "enabled"),
                                          optional_string(body, "password"), optional_string(body, "class_of_service")};
               if (patch.class_of_service) check_class(ctx.config, *patch.class_of_service);
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

  router.add("GET", "/api/v1/calls", Permission::call_records_read,
             "Call records with their legs, newest first (?from=&to= in ms, ?caller=, ?limit= 1..1000)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               pbx::CallQuery q;
               q.from_ms = int_query(request, "from").value_or(0);
               q.to_ms = int_query(request, "to").value_or(0);
               q.caller = string_query(request, "caller").value_or("");
               auto limit = int_query(request, "limit").value_or(100);
               if (limit < 1 || limit > 1000) throw Error(Errc::invalid_argument, "limit: must be 1 to 1000");
               q.limit = static_cast<int>(limit);
               auto find = [q](store::Database& db) { return pbx::find_call_records(db, q); };
               auto records = co_await ctx.store.read(std::move(find), use_awaitable);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& r : records) items.push_back(call_view(r));
               co_return HttpResponse::json(200, {{"items", items}});
             });
}

}  // namespace hotline::api
