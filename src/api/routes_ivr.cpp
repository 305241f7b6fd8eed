// IVR flows for admins (issue 5): list the flows, read one's source and load
// errors, replace it (validated first: 422 with every error, the running
// version untouched), reload the folder, and see live per-node counts.
// Validation and file writes run on the cpu pool, not on the io threads.
#include <boost/asio/use_awaitable.hpp>

#include "audit_trail.hpp"
#include "hotline/api/api.hpp"
#include "hotline/core/async.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/ivr/library.hpp"
#include "json_body.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using nlohmann::json;

namespace {

ivr::FlowLibrary& flows(ApiContext& ctx) {
  if (!ctx.ivr_flows) throw Error(Errc::unavailable, "IVR flows are not enabled in this process");
  return *ctx.ivr_flows;
}

json errors_json(const std::vector<ivr::Diagnostic>& errors) {
  json out = json::array();
  for (const auto& e : errors) {
    out.push_back({{"file", e.file}, {"line", e.pos.line}, {"column", e.pos.col}, {"message", e.message},
                   {"text", e.to_string()}});
  }
  return out;
}

json info_json(const ivr::FlowInfo& i) {
  return {{"name", i.name},
          {"file", i.file},
          {"version", i.version},
          {"running", i.version > 0},
          {"loaded_at", i.loaded_at ? json(format_utc(i.loaded_at)) : json(nullptr)},
          {"checked_at", i.checked_at ? json(format_utc(i.checked_at)) : json(nullptr)},
          {"digest", i.digest},
          {"nodes", i.nodes},
          {"errors", errors_json(i.errors)}};
}

std::string flow_name(const HttpRequest& request) {
  const auto& name = request.params.at("name");
  if (!ivr::valid_flow_name(name)) throw Error(Errc::invalid_argument, "name: letters, digits, _ and - (1-64)");
  return name;
}

ivr::FlowInfo require_info(ivr::FlowLibrary& lib, const std::string& name) {
  auto info = lib.info(name);
  if (!info) throw Error(Errc::not_found, "no flow named " + name);
  return *info;
}

}  // namespace

void add_ivr_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/ivr/flows", Permission::ivr_read, "IVR flows with version and load errors",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               json items = json::array();
               for (const auto& i : flows(ctx).list()) items.push_back(info_json(i));
               co_return HttpResponse::json(200, {{"items", items}, {"dir", flows(ctx).dir().string()}});
             });

  router.add("GET", "/api/v1/ivr/flows/{name}", Permission::ivr_read,
             "One IVR flow: the running version's source and nodes, the last load errors",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = flow_name(request);
               auto& lib = flows(ctx);
               auto out = info_json(require_info(lib, name));
               auto flow = lib.get(name);
               out["source"] = flow ? json(flow->source) : json(nullptr);
               json nodes = json::array();
               if (flow) {
                 for (const auto& n : flow->nodes)
                   nodes.push_back({{"id", n.id}, {"type", ivr::to_string(n.type)}, {"line", n.pos.line}});
               }
               out["node_list"] = nodes;
               out["start"] = flow ? json(flow->start) : json(nullptr);
               co_return HttpResponse::json(200, out);
             });

  router.add("PUT", "/api/v1/ivr/flows/{name}", Permission::ivr_manage,
             "Replace (or create) a flow: {\"source\": YAML}; validated first, 422 with every error",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = flow_name(request);
               auto body = parse_json_body(request);
               auto source = required_string(body, "source");
               auto& lib = flows(ctx);
               auto task0 = [&lib, name, source](CpuContext&) { return lib.put(name, source); };
               auto outcome = co_await run_on(ctx.cpu, std::move(task0), use_awaitable);
               if (outcome.failed) {
                 co_return HttpResponse::json(
                     422, {{"error",
                            {{"code", "invalid_flow"},
                             {"message", "the flow has " + std::to_string(outcome.errors.size()) +
                                             " error(s); the running version is unchanged"},
                             {"errors", errors_json(outcome.errors)}}}});
               }
               auto info = require_info(lib, name);
               auto entry = audit_by(*request.principal, "ivr.flow_put", name,
                                     {{"version", info.version}, {"digest", info.digest}, {"changed", outcome.changed}},
                                     request.remote_ip);
               co_await record_audit(ctx, entry);
               co_return HttpResponse::json(200, info_json(info));
             });

  router.add("GET", "/api/v1/ivr/flows/{name}/errors", Permission::ivr_read,
             "Errors of the flow's last load attempt (empty when it is running as on disk)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto info = require_info(flows(ctx), flow_name(request));
               co_return HttpResponse::json(200, {{"name", info.name},
                                                  {"version", info.version},
                                                  {"checked_at", info.checked_at ? json(format_utc(info.checked_at))
                                                                                 : json(nullptr)},
                                                  {"errors", errors_json(info.errors)}});
             });

  router.add("GET", "/api/v1/ivr/flows/{name}/nodes", Permission::ivr_read,
             "Live per-node counts: calls that entered each node, calls there now",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = flow_name(request);
               auto& lib = flows(ctx);
               auto info = require_info(lib, name);
               auto flow = lib.get(name);
               auto stats = lib.stats(name);
               json items = json::array();
               std::map<std::string, ivr::FlowStats::Row> rows;
               if (stats)
                 for (auto& r : stats->snapshot()) rows[r.node] = r;
               if (flow) {
                 for (const auto& n : flow->nodes) {
                   auto it = rows.find(n.id);
                   items.push_back({{"id", n.id},
                                    {"type", ivr::to_string(n.type)},
                                    {"entered", it == rows.end() ? 0 : it->second.entered},
                                    {"active", it == rows.end() ? 0 : it->second.active}});
                 }
               }
               co_return HttpResponse::json(200, {{"name", name}, {"version", info.version}, {"items", items}});
             });

  router.add("POST", "/api/v1/ivr/reload", Permission::ivr_manage,
             "Reload the flows folder: changed files are validated; an invalid one keeps its running version",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& lib = flows(ctx);
               auto task0 = [&lib](CpuContext&) { return lib.reload_all(); };
               auto outcomes = co_await run_on(ctx.cpu, std::move(task0), use_awaitable);
               json items = json::array();
               json changed = json::array();
               for (const auto& o : outcomes) {
                 items.push_back({{"name", o.name}, {"changed", o.changed}, {"failed", o.failed},
                                  {"errors", errors_json(o.errors)}});
                 if (o.changed) changed.push_back(o.name);
               }
               auto entry = audit_by(*request.principal, "ivr.reload", lib.dir().string(), {{"changed", changed}},
                                     request.remote_ip);
               co_await record_audit(ctx, entry);
               co_return HttpResponse::json(200, {{"items", items}});
             });
}

}  // namespace hotline::api
