// Health, metrics, system information, supervisor notices, the audit log and
// departments.
#include <boost/asio/use_awaitable.hpp>

#include "audit_trail.hpp"
#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/version.hpp"
#include "hotline/store/migrations.hpp"
#include "json_body.hpp"
#include "notices.hpp"
#include "rpc.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;

awaitable<std::size_t> broadcast_notice(ApiContext& context, const auth::Principal& from, const std::string& remote_ip,
                                        const std::string& text, const std::string& level) {
  if (text.empty() || text.size() > 16384) throw Error(Errc::invalid_argument, "text: must be 1 to 16384 bytes");
  if (level != "info" && level != "warning" && level != "urgent") {
    throw Error(Errc::invalid_argument, "level: must be info, warning or urgent");
  }
  auto sent_at = now_ms();
  auto entry = audit_by(from, "notice.broadcast", "", {{"level", level}, {"length", text.size()}}, remote_ip);
  co_await record_audit(context, entry);
  auto message = std::make_shared<const std::string>(
      rpc_event("system.notice", {{"text", text},
                                  {"level", level},
                                  {"from", {{"job_number", from.job_number}, {"display_name", from.display_name}}},
                                  {"sent_at", format_utc(sent_at)},
                                  {"sent_at_ms", sent_at}}));
  co_return context.hub.broadcast(message);
}

void add_system_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/healthz", Permission::public_access, "Liveness and readiness",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               if (ctx.draining) co_return HttpResponse::json(503, {{"status", "stopping"}});
               co_return HttpResponse::json(200, {{"status", "ok"}, {"version", version()}});
             });

  router.add("GET", "/metrics", Permission::public_access, "Prometheus metrics (from metrics_allow addresses)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               bool allowed = false;
               for (const auto& net : ctx.config.http.metrics_allow)
                 allowed = allowed || net.contains(request.remote_ip);
               if (!allowed) co_return HttpResponse::error(403, "forbidden", "metrics are not served to this address");
               HttpResponse r;
               r.content_type = "text/plain; version=0.0.4; charset=utf-8";
               r.body = ctx.metrics.render();
               co_return r;
             });

  router.add("GET", "/api/v1/system/info", Permission::system_read, "Version, uptime, schema and connections",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto read_version = [](store::Database& db) { return store::schema_version(db); };
               auto schema = co_await ctx.store.read(std::move(read_version), use_awaitable);
               co_return HttpResponse::json(200, {{"version", version()},
                                                  {"build_type", build_type()},
                                                  {"started_at", format_utc(ctx.started_at_ms)},
                                                  {"uptime_seconds", (now_ms() - ctx.started_at_ms) / 1000},
                                                  {"schema_version", schema},
                                                  {"websocket_connections", ctx.hub.size()},
                                                  {"cached_sessions", ctx.sessions.size()}});
             });

  router.add("GET", "/api/v1/system/routes", Permission::system_read, "Every endpoint and the permission it needs",
             [&api](HttpRequest&) -> awaitable<HttpResponse> {
               nlohmann::json list = nlohmann::json::array();
               for (const auto& r : api.router().routes()) {
                 list.push_back({{"method", r.method},
                                 {"path", r.pattern},
                                 {"permission", auth::to_string(r.permission)},
                                 {"summary", r.summary}});
               }
               list.push_back({{"method", "GET"},
                               {"path", "/ws"},
                               {"permission", "authenticated"},
                               {"summary", "WebSocket (JSON-RPC 2.0, docs/websocket-protocol.md)"}});
               co_return HttpResponse::json(200, {{"routes", list}});
             });

  router.add("POST", "/api/v1/notices", Permission::notices_broadcast, "Push a notice to every open console",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auto text = required_string(body, "text");
               auto level = optional_string(body, "level").value_or("info");
               auto n = co_await broadcast_notice(ctx, *request.principal, request.remote_ip, text, level);
               co_return HttpResponse::json(200, {{"delivered_to", n}});
             });

  router.add("GET", "/api/v1/audit", Permission::audit_read, "Search the audit log (newest first)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auth::AuditFilter f;
               f.from = int_query(request, "from");
               f.to = int_query(request, "to");
               f.actor = string_query(request, "actor");
               f.action = string_query(request, "action");
               f.before_id = int_query(request, "before_id");
               auto limit = int_query(request, "limit").value_or(100);
               if (limit < 1 || limit > 1000) throw Error(Errc::invalid_argument, "limit: must be 1 to 1000");
               f.limit = static_cast<int>(limit);
               auto search = [f](store::Database& db) { return auth::list_audit(db, f); };
               auto rows = co_await ctx.store.read(std::move(search), use_awaitable);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& r : rows) items.push_back(audit_view(r));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/audit/verify", Permission::audit_read, "Check the audit log's hash chain",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto verify = [](store::Database& db) { return auth::verify_audit(db); };
               auto v = co_await ctx.store.read(std::move(verify), use_awaitable);
               co_return HttpResponse::json(
                   200, {{"intact", v.intact},
                         {"rows", v.rows},
                         {"first_bad_id", v.first_bad_id ? nlohmann::json(*v.first_bad_id) : nlohmann::json(nullptr)}});
             });

  router.add("GET", "/api/v1/departments", Permission::departments_read, "List departments",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto list_all = [](store::Database& db) { return auth::list_departments(db); };
               auto list = co_await ctx.store.read(std::move(list_all), use_awaitable);
               nlohmann::json items = nlohmann::json::array();
               for (const auto& d : list) {
                 items.push_back({{"id", d.id},
                                  {"code", d.code},
                                  {"name", d.name},
                                  {"parent_id", d.parent_id ? nlohmann::json(*d.parent_id) : nlohmann::json(nullptr)}});
               }
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("POST", "/api/v1/departments", Permission::departments_manage, "Create a department",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auth::Department d;
               d.code = required_string(body, "code");
               d.name = required_string(body, "name");
               d.parent_id = optional_int(body, "parent_id");
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto create = [d, principal, ip](store::Database& db) {
                 auto out = auth::insert_department(db, d);
                 auth::append_audit(db, audit_by(principal, "department.create", out.code, {{"id", out.id}}, ip));
                 return out;
               };
               auto created = co_await ctx.store.write(std::move(create), use_awaitable);
               co_return HttpResponse::json(201, {{"id", created.id},
                                                  {"code", created.code},
                                                  {"name", created.name},
                                                  {"parent_id", created.parent_id ? nlohmann::json(*created.parent_id)
                                                                                  : nlohmann::json(nullptr)}});
             });
}

}  // namespace hotline::api
