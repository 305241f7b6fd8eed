// The ACD over HTTP (issue 6; docs/acd.md): an agent's login, states and
// call control; live queues and agents for supervisors, their actions
// (force a state, force release; audited); queues and members; the queue
// event log. Router questions run on the ACD strand and call control on the
// SIP strand (run_in); the io threads never wait on either.
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "audit_trail.hpp"
#include "hotline/acd/service.hpp"
#include "hotline/api/api.hpp"
#include "hotline/core/async.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/privacy.hpp"
#include "hotline/pbx/calls.hpp"
#include "json_body.hpp"
#include "rpc.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using nlohmann::json;

namespace {

acd::Service& acd_of(ApiContext& ctx) {
  if (!ctx.acd) throw Error(Errc::unavailable, "the ACD is not running in this process");
  return *ctx.acd;
}

pbx::CallManager& calls_of(ApiContext& ctx) {
  if (!ctx.calls) throw Error(Errc::unavailable, "calls are not handled in this process");
  return *ctx.calls;
}

// A Router Result as the API's error.
void check(const acd::Result& r) {
  if (r.ok) return;
  if (r.error == "no_such_agent" || r.error == "not_logged_in") throw Error(Errc::conflict, r.error);
  throw Error(Errc::conflict, r.error);
}

std::string text_field(const json& body, const char* key, bool required) {
  if (!body.contains(key)) {
    if (required) throw Error(Errc::invalid_argument, std::string(key) + ": required");
    return {};
  }
  if (!body[key].is_string()) throw Error(Errc::invalid_argument, std::string(key) + ": expected a string");
  return body[key].get<std::string>();
}

bool valid_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == std::string::npos;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 32 && s.find_first_not_of("0123456789*#+") == std::string::npos;
}

// Runs fn(router, now) on the ACD strand and hands back its value.
// (Forwarding references: GCC 12 miscompiles closures passed by value from a co_await expression.)
template <class Fn>
auto on_router(acd::Service& acd, Fn&& fn) {
  auto job = [&acd, fn = std::decay_t<Fn>(fn)]() mutable { return fn(acd.router_for_strand(), now_ms()); };
  return run_in(acd.strand(), std::move(job), use_awaitable);
}

template <class Fn>
auto on_calls(ApiContext& ctx, Fn&& fn) {
  auto& calls = calls_of(ctx);
  auto job = [&calls, fn = std::decay_t<Fn>(fn)]() mutable { return fn(calls); };
  return run_in(ctx.sip_strand, std::move(job), use_awaitable);
}

acd::AgentState state_named(const std::string& s) {
  auto state = acd::agent_state_from(s);
  if (!state) throw Error(Errc::invalid_argument, "state: expected ready, not_ready or logged_out");
  return *state;
}

awaitable<json> agent_json(ApiContext& ctx, const std::string& agent) {
  auto view = [agent](acd::Router& router, acd::Ms) { return router.agent(agent); };
  auto found = co_await on_router(acd_of(ctx), view);
  if (!found) co_return json{{"agent", agent}, {"state", "logged_out"}};
  co_return acd::to_json(*found);
}


// ---- what an agent does, by REST or over the WebSocket ----

awaitable<json> agent_login(ApiContext& ctx, const auth::Principal& who, const std::string& remote_ip,
                            const json& body) {
  auto extension = text_field(body, "extension", true);
  if (!all_digits(extension)) throw Error(Errc::invalid_argument, "extension: digits only");
  auto agent = who.job_number;
  auto device = "extension:" + extension;
  auto login = [agent, device](acd::Router& r, acd::Ms now) {
    for (const auto& other : r.agents()) {
      if (other.device == device && other.agent != agent && other.state != acd::AgentState::logged_out)
        return acd::Result::fail("device_in_use");
    }
    return r.login(agent, device, now);
  };
  check(co_await on_router(acd_of(ctx), login));
  // (Named first: GCC 12 rejects a braced initializer inside a co_await expression.)
  json detail = {{"device", device}};
  co_await record_audit(ctx, audit_by(who, "agent.login", agent, detail, remote_ip));
  co_return co_await agent_json(ctx, agent);
}

awaitable<json> agent_logout(ApiContext& ctx, const auth::Principal& who, const std::string& remote_ip) {
  auto agent = who.job_number;
  auto logout = [agent](acd::Router& r, acd::Ms now) { return r.logout(agent, "logout", now); };
  check(co_await on_router(acd_of(ctx), logout));
  co_await record_audit(ctx, audit_by(who, "agent.logout", agent, nullptr, remote_ip));
  co_return co_await agent_json(ctx, agent);
}

awaitable<json> agent_state(ApiContext& ctx, const auth::Principal& who, const json& body) {
  auto state = text_field(body, "state", true);
  auto reason = text_field(body, "reason", false);
  if (state != "ready" && state != "not_ready") throw Error(Errc::invalid_argument, "state: expected ready or not_ready");
  if (state == "not_ready" && !ctx.config.acd.not_ready_reasons.count(reason))
    throw Error(Errc::invalid_argument, "reason: expected one of acd.not_ready_reasons");
  auto agent = who.job_number;
  auto change = [agent, state, reason](acd::Router& r, acd::Ms now) {
    return state == "ready" ? r.set_ready(agent, now) : r.set_not_ready(agent, reason, now);
  };
  check(co_await on_router(acd_of(ctx), change));
  co_return co_await agent_json(ctx, agent);
}

awaitable<json> agent_wrapup(ApiContext& ctx, const auth::Principal& who, const json& body) {
  auto agent = who.job_number;
  std::int64_t extend = 0;
  for (const char* key : {"extend_seconds", "seconds"}) {
    if (!body.contains(key)) continue;
    if (!body[key].is_number_unsigned() || body[key].get<std::int64_t>() > 3600)
      throw Error(Errc::invalid_argument, std::string(key) + ": a whole number 0..3600");
    extend = body[key].get<std::int64_t>();
  }
  auto change = [agent, extend](acd::Router& r, acd::Ms now) {
    return extend ? r.extend_wrap_up(agent, extend * 1000, now) : r.wrap_up_done(agent, now);
  };
  check(co_await on_router(acd_of(ctx), change));
  co_return co_await agent_json(ctx, agent);
}

// Attended transfer, first step: agent:JOB is looked up in the ACD (its
// device, and whether that agent is free to take a consultation).
awaitable<void> agent_consult(ApiContext& ctx, const std::string& agent, const json& body) {
  pbx::CallManager::ConsultTarget to;
  to.target = text_field(body, "target", true);
  if (to.target.rfind("agent:", 0) == 0) {
    to.agent = to.target.substr(6);
    if (!valid_name(to.agent)) throw Error(Errc::invalid_argument, "target: agent:JOB with a job number");
    auto view = [job = to.agent](acd::Router& router, acd::Ms) { return router.agent(job); };
    auto found = co_await on_router(acd_of(ctx), view);
    if (!found || found->state == acd::AgentState::logged_out)
      throw Error(Errc::conflict, "agent " + to.agent + " is not logged in");
    if (found->state != acd::AgentState::ready && found->state != acd::AgentState::not_ready)
      throw Error(Errc::conflict, "agent " + to.agent + " is busy (" + std::string(acd::to_string(found->state)) + ")");
    to.device = found->device;
  } else if (to.target.rfind("queue:", 0) == 0) {
    throw Error(Errc::invalid_argument, "target: a consultation needs a person (agent:JOB, extension:NUM or a "
                                        "number); transfer to a queue blindly with transfer");
  } else {
    bool good = (to.target.rfind("extension:", 0) == 0 && all_digits(to.target.substr(10))) || all_digits(to.target);
    if (!good) throw Error(Errc::invalid_argument, "target: agent:JOB, extension:NUM or a number");
  }
  auto act = [agent, to](pbx::CallManager& calls) { return calls.agent_consult(agent, to); };
  auto why = co_await on_calls(ctx, act);
  if (!why.empty()) throw Error(Errc::conflict, why);
}

awaitable<void> agent_call_action(ApiContext& ctx, const auth::Principal& who, const std::string& action,
                                  const json& body) {
  auto agent = who.job_number;
  std::string target;
  if (action == "transfer") {
    target = text_field(body, "target", true);
    bool good = (target.rfind("queue:", 0) == 0 && valid_name(target.substr(6))) ||
                (target.rfind("extension:", 0) == 0 && all_digits(target.substr(10))) || all_digits(target);
    if (!good) throw Error(Errc::invalid_argument, "target: queue:NAME, extension:NUM or a number");
  } else if (action == "survey") {
    target = body.contains("flow") ? text_field(body, "flow", true) : std::string("satisfaction");
    if (!valid_name(target)) throw Error(Errc::invalid_argument, "flow: letters, digits, _ and -");
  } else if (action == "consult") {
    co_await agent_consult(ctx, agent, body);
    co_return;
  } else if (action != "hangup" && action != "hold" && action != "resume" && action != "consult_cancel" &&
             action != "transfer_complete" && action != "conference") {
    throw Error(Errc::not_found, "no call action " + action +
                                     " (hangup, hold, resume, transfer, survey, consult, consult_cancel, "
                                     "transfer_complete, conference)");
  }
  auto act = [agent, action, target](pbx::CallManager& calls) {
    if (action == "survey") return calls.agent_to_flow(agent, target);
    if (action == "consult_cancel") return calls.agent_consult_cancel(agent);
    if (action == "transfer_complete") return calls.agent_transfer_complete(agent);
    if (action == "conference") return calls.agent_conference(agent);
    if (action == "hangup") return calls.agent_hang_up(agent);
    if (action == "hold") return calls.agent_hold(agent, true);
    if (action == "resume") return calls.agent_hold(agent, false);
    return calls.agent_transfer(agent, target);
  };
  auto why = co_await on_calls(ctx, act);
  if (!why.empty()) throw Error(Errc::conflict, why);
}

// ---- the browser softphone (WebSocket only: its calls are tied to the connection) ----

awaitable<json> browser_login(ApiContext& ctx, const auth::Principal& who, const std::string& remote_ip,
                              const std::string& ws_session) {
  auto agent = who.job_number;
  auto device = "browser:" + agent;
  // Bound first, so that an offer made right after the login finds the page.
  auto bind = [agent, ws_session](pbx::CallManager& calls) { calls.browser_bind(agent, ws_session); };
  co_await on_calls(ctx, bind);
  auto login = [agent, device](acd::Router& r, acd::Ms now) { return r.login(agent, device, now); };
  auto result = co_await on_router(acd_of(ctx), login);
  if (!result.ok) {
    auto unbind = [agent](pbx::CallManager& calls) { calls.browser_unbind(agent); };
    co_await on_calls(ctx, unbind);
    check(result);
  }
  json detail = {{"device", device}};
  co_await record_audit(ctx, audit_by(who, "agent.login", agent, detail, remote_ip));
  co_return co_await agent_json(ctx, agent);
}

std::string call_param(const json& params) {
  auto call = text_field(params, "call", true);
  if (call.empty() || call.size() > 80) throw Error(Errc::invalid_argument, "call: a call's uuid");
  return call;
}

// call.invite, call.answer, call.reject, call.dtmf and call.bye of a browser leg;
// nullopt when call.bye names no call (a desk-phone agent's hang-up: the agent's live call).
awaitable<std::optional<json>> browser_call_rpc(ApiContext& ctx, const auth::Principal& who,
                                                const std::string& ws_session, const std::string& method,
                                                const json& params) {
  const auto job = who.job_number;
  if (method == "call.invite") {
    auto number = text_field(params, "number", true);
    auto sdp = text_field(params, "sdp", true);
    auto place = [job, ws_session, number, sdp](pbx::CallManager& calls) {
      return calls.browser_invite(job, ws_session, number, sdp);
    };
    auto answer = co_await on_calls(ctx, place);
    co_return json{{"call", answer.call}, {"sdp", answer.sdp}};
  }
  if (method == "call.bye" && !params.contains("call")) co_return std::nullopt;
  auto call = call_param(params);
  if (method == "call.answer") {
    auto sdp = text_field(params, "sdp", true);
    auto answer = [job, ws_session, call, sdp](pbx::CallManager& calls) {
      calls.browser_answer(job, ws_session, call, sdp);
    };
    co_await on_calls(ctx, answer);
  } else if (method == "call.reject") {
    auto reject = [job, ws_session, call](pbx::CallManager& calls) { calls.browser_reject(job, ws_session, call); };
    co_await on_calls(ctx, reject);
  } else if (method == "call.dtmf") {
    auto digits = text_field(params, "digits", true);
    auto keys = [job, ws_session, call, digits](pbx::CallManager& calls) {
      calls.browser_dtmf(job, ws_session, call, digits);
    };
    co_await on_calls(ctx, keys);
  } else {
    auto bye = [job, ws_session, call](pbx::CallManager& calls) { calls.browser_bye(job, ws_session, call); };
    co_await on_calls(ctx, bye);
  }
  co_return json{{"ok", true}};
}

// A supervisor's browser joins an agent's live call (listen, whisper, barge).
awaitable<json> browser_monitor(ApiContext& ctx, const auth::Principal& who, const std::string& ws_session,
                                const json& params) {
  if (!auth::roles_have(who.roles, Permission::acd_supervise))
    throw Error(Errc::forbidden, "this needs the permission acd.supervise");
  auto agent = text_field(params, "agent", true);
  if (!valid_name(agent)) throw Error(Errc::invalid_argument, "agent: a job number");
  auto mode_name = text_field(params, "mode", true);
  media::Supervision mode = media::Supervision::listen;
  if (mode_name == "whisper") {
    mode = media::Supervision::whisper;
  } else if (mode_name == "barge") {
    mode = media::Supervision::barge;
  } else if (mode_name != "listen") {
    throw Error(Errc::invalid_argument, "mode: listen, whisper or barge");
  }
  auto sdp = text_field(params, "sdp", true);
  auto job = who.job_number;
  auto join = [job, ws_session, agent, mode, sdp](pbx::CallManager& calls) {
    return calls.browser_monitor(job, ws_session, agent, mode, sdp);
  };
  auto answer = co_await on_calls(ctx, join);
  co_return json{{"call", answer.call}, {"sdp", answer.sdp}};
}

awaitable<json> session_attach(ApiContext& ctx, const auth::Principal& who, const std::string& ws_session,
                               const json& params) {
  auto old_session = text_field(params, "session_id", true);
  if (old_session.empty() || old_session.size() > 64)
    throw Error(Errc::invalid_argument, "session_id: the session_id of an earlier session.ready");
  auto job = who.job_number;
  auto attach = [job, old_session, ws_session](pbx::CallManager& calls) {
    return calls.browser_attach(job, old_session, ws_session);
  };
  auto live = co_await on_calls(ctx, attach);
  json out = {{"session_id", ws_session}, {"call", live.empty() ? json(nullptr) : json(live)}};
  if (ctx.acd) out["agent"] = co_await agent_json(ctx, job);
  co_return out;
}

}  // namespace

awaitable<std::optional<json>> acd_rpc(ApiContext& ctx, const auth::Principal& who, const std::string& remote_ip,
                                       const std::string& ws_session, const std::string& method, const json& params) {
  static const std::set<std::string> known = {
      "agent.login", "agent.logout", "agent.state", "agent.wrapup_done", "agent.wrapup_extend", "agent.get",
      "call.bye",    "call.hold",    "call.transfer", "call.survey",   "call.invite",         "call.answer",
      "call.reject", "call.dtmf",    "session.attach", "call.consult", "call.consult_cancel",
      "call.transfer_complete", "call.conference", "call.monitor"};
  if (!known.count(method)) co_return std::nullopt;  // the caller answers method_not_found
  // The browser's own calls (test phone, dial pad) and re-attaching are not only agents' business.
  if (method == "session.attach") co_return co_await session_attach(ctx, who, ws_session, params);
  if (method == "call.monitor") co_return co_await browser_monitor(ctx, who, ws_session, params);
  const bool own_call = method == "call.invite" || method == "call.dtmf" || method == "call.bye";
  if (own_call && auth::roles_have(who.roles, Permission::calls_place)) {
    if (auto handled = co_await browser_call_rpc(ctx, who, ws_session, method, params)) co_return handled;
  }
  if (!auth::roles_have(who.roles, Permission::agent_work))
    throw Error(Errc::forbidden, "this needs the permission agent.work");
  if (method == "call.answer" || method == "call.reject") {
    if (auto handled = co_await browser_call_rpc(ctx, who, ws_session, method, params)) co_return handled;
  }
  if (method == "agent.login") {
    auto device = params.value("device", "extension");
    if (device == "browser") co_return co_await browser_login(ctx, who, remote_ip, ws_session);
    if (device != "extension") throw Error(Errc::invalid_argument, "device: \"browser\" or \"extension\"");
    co_return co_await agent_login(ctx, who, remote_ip, params);
  }
  if (method == "agent.logout") {
    auto out = co_await agent_logout(ctx, who, remote_ip);
    auto job = who.job_number;
    auto unbind = [job](pbx::CallManager& calls) { calls.browser_unbind(job); };
    co_await on_calls(ctx, unbind);
    co_return out;
  }
  if (method == "agent.state") co_return co_await agent_state(ctx, who, params);
  if (method == "agent.wrapup_done") co_return co_await agent_wrapup(ctx, who, json::object());
  if (method == "agent.wrapup_extend") {
    if (!params.contains("seconds")) throw Error(Errc::invalid_argument, "seconds: required");
    co_return co_await agent_wrapup(ctx, who, params);
  }
  if (method == "agent.get") co_return co_await agent_json(ctx, who.job_number);
  static const std::map<std::string, std::string> actions = {
      {"call.bye", "hangup"},
      {"call.transfer", "transfer"},
      {"call.survey", "survey"},
      {"call.consult", "consult"},
      {"call.consult_cancel", "consult_cancel"},
      {"call.transfer_complete", "transfer_complete"},
      {"call.conference", "conference"}};
  if (method == "call.hold") {
    if (!params.contains("hold") || !params["hold"].is_boolean())
      throw Error(Errc::invalid_argument, "hold: true or false");
    const std::string action = params["hold"].get<bool>() ? "hold" : "resume";
    co_await agent_call_action(ctx, who, action, params);
    co_return json{{"ok", true}};
  }
  const std::string action = actions.at(method);
  co_await agent_call_action(ctx, who, action, params);
  co_return json{{"ok", true}};
}

void push_acd_notice(WsHub& hub, const acd::Notice& notice) {
  auto message = std::make_shared<const std::string>(rpc_event(notice.method, json::parse(notice.params)));
  if (notice.to_agent.empty()) {
    hub.broadcast(message);
  } else {
    hub.send_to_job_number(notice.to_agent, message);
  }
}

void push_channel_use(WsHub& hub, const pbx::ChannelUse& use, std::size_t max_calls,
                      const std::vector<TrunkConfig>& trunks) {
  json by_trunk = json::array();
  for (const auto& t : trunks) {
    auto it = use.by_endpoint.find("trunk:" + t.name);
    by_trunk.push_back({{"trunk", t.name}, {"legs", it == use.by_endpoint.end() ? 0 : it->second}});
  }
  auto count = [&use](const char* kind) {
    auto it = use.by_endpoint.find(kind);
    return it == use.by_endpoint.end() ? std::size_t{0} : it->second;
  };
  json params = {{"calls", use.calls},         {"max_calls", max_calls},
                 {"legs", use.legs},           {"trunks", by_trunk},
                 {"extensions", count("extension")}, {"browsers", count("browser")},
                 {"at", now_ms()}};
  hub.broadcast(std::make_shared<const std::string>(rpc_event("calls.stats", params)));
}

void push_to_session(WsHub& hub, const std::string& session, const std::string& method, const std::string& params) {
  hub.send_to_session(session, std::make_shared<const std::string>(rpc_event(method, json::parse(params))));
}

void add_acd_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  // ---- the agent's own ----
  router.add("GET", "/api/v1/agent", Permission::agent_work, "The agent's ACD state, reasons to choose, live call",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto out = co_await agent_json(ctx, request.principal->job_number);
               json reasons = json::object();
               for (const auto& [code, label] : ctx.config.acd.not_ready_reasons) reasons[code] = label;
               out["not_ready_reasons"] = reasons;
               auto job = request.principal->job_number;
               auto live = [job](pbx::CallManager& calls) { return calls.agent_call(job); };
               out["live_call"] = co_await on_calls(ctx, live);
               co_return HttpResponse::json(200, out);
             });

  router.add("POST", "/api/v1/agent/login", Permission::agent_work,
             "Log in to the ACD with a device: {\"extension\": \"8001\"} (desk phone or softphone)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auto out = co_await agent_login(ctx, *request.principal, request.remote_ip, body);
               co_return HttpResponse::json(200, out);
             });

  router.add("POST", "/api/v1/agent/logout", Permission::agent_work, "Log out of the ACD",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto out = co_await agent_logout(ctx, *request.principal, request.remote_ip);
               co_return HttpResponse::json(200, out);
             });

  router.add("POST", "/api/v1/agent/state", Permission::agent_work,
             "Ready, or not ready with a reason: {\"state\": \"not_ready\", \"reason\": \"break\"}",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auto out = co_await agent_state(ctx, *request.principal, body);
               co_return HttpResponse::json(200, out);
             });

  router.add("POST", "/api/v1/agent/wrapup", Permission::agent_work,
             "End after-call work now ({\"done\": true}) or extend it ({\"extend_seconds\": 30})",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auto out = co_await agent_wrapup(ctx, *request.principal, body);
               co_return HttpResponse::json(200, out);
             });

  router.add("POST", "/api/v1/agent/call/{action}", Permission::agent_work,
             "The agent's live call: hangup, hold, resume, transfer ({\"target\": \"queue:NAME\" | \"extension:NUM\" | "
             "number}), survey (人工转自动: the citizen goes on to the flow {\"flow\"}, default satisfaction), consult "
             "({\"target\": \"agent:JOB\" | \"extension:NUM\" | number}: attended transfer), consult_cancel, "
             "transfer_complete, conference",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto action = request.params.at("action");
               json body = action == "transfer" || action == "consult" || (action == "survey" && !request.body.empty())
                               ? parse_json_body(request)
                               : json::object();
               co_await agent_call_action(ctx, *request.principal, action, body);
               co_return HttpResponse::json(200, {{"ok", true}, {"action", action}});
             });

  // ---- supervisors ----
  router.add("GET", "/api/v1/acd/queues", Permission::acd_read, "Live queues: waiting, agents by state, today's figures",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto& acd = acd_of(ctx);
               auto views = [&acd](acd::Router& r, acd::Ms now) {
                 json items = json::array();
                 std::map<std::string, AcdQueueConfig> settings;
                 for (const auto& q : acd.queue_settings()) settings[q.name] = q;
                 for (const auto& q : r.queues(now)) {
                   auto item = acd::to_json(q);
                   if (settings.count(q.name)) item["settings"] = acd::to_json(settings[q.name]);
                   json members = json::array();
                   for (const auto& m : r.memberships()) {
                     if (m.queue == q.name) members.push_back({{"agent", m.agent}, {"penalty", m.penalty}});
                   }
                   item["members"] = members;
                   items.push_back(item);
                 }
                 return items;
               };
               auto items = co_await on_router(acd, views);
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/acd/queues/{name}/waiting", Permission::acd_read,
             "Callers waiting in a queue, in the order they will be served (numbers masked)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = request.params.at("name");
               auto list = [name](acd::Router& r, acd::Ms now) {
                 json items = json::array();
                 int position = 0;
                 for (const auto& e : r.waiting(name)) {
                   items.push_back({{"position", ++position},
                                    {"call", e.id},
                                    {"priority", e.priority},
                                    {"caller_masked", mask_phone(e.callback ? e.callback_number : e.caller)},
                                    {"callback", e.callback},
                                    {"waited_ms", now - e.entered_at}});
                 }
                 return items;
               };
               json items = co_await on_router(acd_of(ctx), list);
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/acd/agents", Permission::acd_read, "Live agents: state, since, current call, calls today",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto list = [](acd::Router& r, acd::Ms) {
                 json items = json::array();
                 for (const auto& a : r.agents()) items.push_back(acd::to_json(a));
                 return items;
               };
               json items = co_await on_router(acd_of(ctx), list);
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("POST", "/api/v1/acd/agents/{agent}/state", Permission::acd_supervise,
             "Force an agent's state: {\"state\": \"ready\" | \"not_ready\" | \"logged_out\", \"reason\": ...} (audited)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto agent = request.params.at("agent");
               auto body = parse_json_body(request);
               auto state = state_named(text_field(body, "state", true));
               auto reason = text_field(body, "reason", false);
               if (state != acd::AgentState::ready && state != acd::AgentState::not_ready &&
                   state != acd::AgentState::logged_out)
                 throw Error(Errc::invalid_argument, "state: expected ready, not_ready or logged_out");
               auto by = request.principal->job_number;
               auto force = [agent, state, reason, by](acd::Router& r, acd::Ms now) {
                 return r.force_state(agent, state, reason, by, now);
               };
               check(co_await on_router(acd_of(ctx), force));
               json detail = {{"state", acd::to_string(state)}, {"reason", reason}};
               co_await record_audit(ctx, audit_by(*request.principal, "acd.force_state", agent, detail,
                                                   request.remote_ip));
               co_return HttpResponse::json(200, co_await agent_json(ctx, agent));
             });

  router.add("POST", "/api/v1/acd/calls/{uuid}/release", Permission::acd_supervise,
             "Force release (强拆) of a call (audited)", [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto uuid = request.params.at("uuid");
               auto act = [uuid](pbx::CallManager& calls) { return calls.release(uuid); };
               auto why = co_await on_calls(ctx, act);
               if (!why.empty()) throw Error(Errc::not_found, why);
               co_await record_audit(ctx, audit_by(*request.principal, "acd.force_release", uuid, nullptr,
                                                   request.remote_ip));
               co_return HttpResponse::json(200, {{"ok", true}});
             });

  router.add("GET", "/api/v1/acd/events", Permission::acd_read,
             "The queue event log: ?from=&to= (unix ms), &call=, &queue=, &limit= (at most 10000)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto number = [&](const char* key, std::int64_t fallback) {
                 auto it = request.query.find(key);
                 if (it == request.query.end()) return fallback;
                 try {
                   return static_cast<std::int64_t>(std::stoll(it->second));
                 } catch (const std::exception&) {
                   throw Error(Errc::invalid_argument, std::string(key) + ": expected a whole number");
                 }
               };
               auto from = number("from", 0);
               auto to = number("to", std::numeric_limits<std::int64_t>::max());
               auto limit = std::clamp<std::int64_t>(number("limit", 1000), 1, 10000);
               auto call = request.query.count("call") ? request.query.at("call") : std::string();
               auto queue = request.query.count("queue") ? request.query.at("queue") : std::string();
               auto read = [from, to, limit, call, queue](store::Database& db) {
                 json items = json::array();
                 auto& s = db.query(
                     "SELECT at, kind, queue, call, agent, priority, position, wait_ms, talk_ms, hold_ms, detail FROM "
                     "acd_queue_events WHERE at >= ? AND at < ? AND (? = '' OR call = ?) AND (? = '' OR queue = ?) "
                     "ORDER BY id LIMIT ?",
                     from, to, call, call, queue, queue, limit);
                 while (s.step()) {
                   items.push_back({{"at", s.int64(0)},
                                    {"kind", s.text(1)},
                                    {"queue", s.text(2)},
                                    {"call", s.text(3)},
                                    {"agent", s.text(4)},
                                    {"priority", s.int64(5)},
                                    {"position", s.int64(6)},
                                    {"wait_ms", s.int64(7)},
                                    {"talk_ms", s.int64(8)},
                                    {"hold_ms", s.int64(9)},
                                    {"detail", s.text(10)}});
                 }
                 return items;
               };
               auto items = co_await ctx.store.read(std::move(read), use_awaitable);
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/acd/agent-events", Permission::acd_read,
             "The agent state log: ?from=&to= (unix ms), &agent=, &limit= (at most 10000)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               std::int64_t from = 0, limit = 1000;
               try {
                 if (request.query.count("from")) from = std::stoll(request.query.at("from"));
                 if (request.query.count("limit")) limit = std::clamp<std::int64_t>(std::stoll(request.query.at("limit")), 1, 10000);
               } catch (const std::exception&) {
                 throw Error(Errc::invalid_argument, "from/limit: expected whole numbers");
               }
               auto agent = request.query.count("agent") ? request.query.at("agent") : std::string();
               auto read = [from, limit, agent](store::Database& db) {
                 json items = json::array();
                 auto& s = db.query(
                     "SELECT at, agent, from_state, to_state, reason, call, queue, device FROM acd_agent_events "
                     "WHERE at >= ? AND (? = '' OR agent = ?) ORDER BY id LIMIT ?",
                     from, agent, agent, limit);
                 while (s.step()) {
                   items.push_back({{"at", s.int64(0)},
                                    {"agent", s.text(1)},
                                    {"from", s.text(2)},
                                    {"to", s.text(3)},
                                    {"reason", s.text(4)},
                                    {"call", s.text(5)},
                                    {"queue", s.text(6)},
                                    {"device", s.text(7)}});
                 }
                 return items;
               };
               auto items = co_await ctx.store.read(std::move(read), use_awaitable);
               co_return HttpResponse::json(200, {{"items", items}});
             });

  // ---- queues and members (kept in the database; config queues are the starting set) ----
  router.add("PUT", "/api/v1/acd/queues/{name}", Permission::acd_manage,
             "Create or change a queue (settings as in docs/acd.md; unknown keys refused)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = request.params.at("name");
               if (!valid_name(name)) throw Error(Errc::invalid_argument, "name: letters, digits, _ and - (1-64)");
               auto body = parse_json_body(request);
               body.erase("name");
               AcdQueueConfig base;
               base.name = name;
               auto& acd = acd_of(ctx);
               auto current = [&acd, name](acd::Router&, acd::Ms) {
                 for (const auto& q : acd.queue_settings()) {
                   if (q.name == name) return std::optional<AcdQueueConfig>(q);
                 }
                 return std::optional<AcdQueueConfig>();
               };
               if (auto existing = co_await on_router(acd, current)) base = *existing;
               auto settings = acd::queue_config_from_json(body, base);
               auto text = acd::to_json(settings).dump();
               auto write = [name, text](store::Database& db) {
                 db.query(
                       "INSERT INTO acd_queues (name, settings, updated_at, deleted) VALUES (?, ?, ?, 0) "
                       "ON CONFLICT(name) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at, "
                       "deleted = 0",
                       name, text, now_ms())
                     .run();
                 return 0;
               };
               co_await ctx.store.write(std::move(write), use_awaitable);
               acd.set_queue(settings);
               co_await record_audit(ctx, audit_by(*request.principal, "acd.queue_put", name, json::parse(text),
                                                   request.remote_ip));
               co_return HttpResponse::json(200, acd::to_json(settings));
             });

  router.add("DELETE", "/api/v1/acd/queues/{name}", Permission::acd_manage,
             "Remove a queue (its waiting callers overflow)", [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = request.params.at("name");
               if (!valid_name(name)) throw Error(Errc::invalid_argument, "name: letters, digits, _ and - (1-64)");
               auto write = [name](store::Database& db) {
                 db.query(
                       "INSERT INTO acd_queues (name, settings, updated_at, deleted) VALUES (?, '{}', ?, 1) "
                       "ON CONFLICT(name) DO UPDATE SET deleted = 1, updated_at = excluded.updated_at",
                       name, now_ms())
                     .run();
                 db.query("DELETE FROM acd_members WHERE queue = ?", name).run();
                 return 0;
               };
               co_await ctx.store.write(std::move(write), use_awaitable);
               acd_of(ctx).remove_queue(name);
               co_await record_audit(ctx, audit_by(*request.principal, "acd.queue_delete", name, nullptr,
                                                   request.remote_ip));
               co_return HttpResponse::json(200, {{"ok", true}});
             });

  router.add("PUT", "/api/v1/acd/queues/{name}/members/{agent}", Permission::acd_manage,
             "Add an agent to a queue or change their skill level: {\"penalty\": 0} (0 best)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = request.params.at("name");
               auto agent = request.params.at("agent");
               if (!valid_name(name) || !valid_name(agent))
                 throw Error(Errc::invalid_argument, "queue and agent: letters, digits, _ and -");
               auto body = request.body.empty() ? json::object() : parse_json_body(request);
               int penalty = 0;
               if (body.contains("penalty")) {
                 if (!body["penalty"].is_number_unsigned() || body["penalty"].get<int>() > 100)
                   throw Error(Errc::invalid_argument, "penalty: a whole number 0..100");
                 penalty = body["penalty"].get<int>();
               }
               auto& acd = acd_of(ctx);
               auto exists = [&acd, name](acd::Router&, acd::Ms) {
                 for (const auto& q : acd.queue_settings()) {
                   if (q.name == name) return true;
                 }
                 return false;
               };
               if (!co_await on_router(acd, exists)) throw Error(Errc::not_found, "no queue named " + name);
               auto write = [name, agent, penalty](store::Database& db) {
                 db.query(
                       "INSERT INTO acd_members (queue, agent, penalty, updated_at) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT(queue, agent) DO UPDATE SET penalty = excluded.penalty, "
                       "updated_at = excluded.updated_at",
                       name, agent, penalty, now_ms())
                     .run();
                 return 0;
               };
               co_await ctx.store.write(std::move(write), use_awaitable);
               acd.set_member({name, agent, penalty});
               json detail = {{"penalty", penalty}};
               co_await record_audit(ctx, audit_by(*request.principal, "acd.member_put", name + "/" + agent, detail,
                                                   request.remote_ip));
               co_return HttpResponse::json(200, {{"queue", name}, {"agent", agent}, {"penalty", penalty}});
             });

  router.add("DELETE", "/api/v1/acd/queues/{name}/members/{agent}", Permission::acd_manage,
             "Take an agent out of a queue", [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto name = request.params.at("name");
               auto agent = request.params.at("agent");
               auto write = [name, agent](store::Database& db) {
                 db.query("DELETE FROM acd_members WHERE queue = ? AND agent = ?", name, agent).run();
                 return 0;
               };
               co_await ctx.store.write(std::move(write), use_awaitable);
               acd_of(ctx).remove_member(name, agent);
               co_await record_audit(ctx, audit_by(*request.principal, "acd.member_delete", name + "/" + agent,
                                                   nullptr, request.remote_ip));
               co_return HttpResponse::json(200, {{"ok", true}});
             });
}

}  // namespace hotline::api
