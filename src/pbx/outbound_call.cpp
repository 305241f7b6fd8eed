// Click-to-call (外呼): an agent calls a citizen from the console, e.g. a
// ticket's callback (回访). The agent's own device rings first (the desk
// phone, or the console's call.invite with "outbound"); when the agent
// answers, the citizen is dialled through the callback trunk (or the dial
// plan) with the hotline's caller ID and bridged on answer. The number may
// come from a ticket on the server, so the agent's page never needs the
// citizen's full number. The agent is busy_elsewhere for the ACD meanwhile.
//
// Runs on the SIP strand like the rest of the CallManager.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "call.hpp"
#include "hotline/core/error.hpp"
#include "hotline/core/privacy.hpp"

namespace hotline::pbx {

std::string CallManager::agent_dial(const std::string& agent, const std::string& device, const std::string& number) {
  auto& pbx = *impl_;
  if (number.empty() || number.size() > 32 || number.find_first_not_of("0123456789*#+") != std::string::npos)
    throw Error(Errc::invalid_argument, "number: digits, * # + only (1-32)");
  Call* busy = nullptr;
  if (pbx.live_agent_leg(agent, &busy)) throw Error(Errc::conflict, "you are on a call");
  if (pbx.calls.size() >= pbx.config.calls.max_calls) {
    pbx.calls_refused.inc();
    throw Error(Errc::unavailable, "too many calls: try again shortly");
  }
  std::string why;
  Route route = pbx.outbound_route(number, why);
  if (!why.empty()) throw Error(Errc::invalid_argument, "number: " + why);

  Call& call = pbx.create_call(pbx.config.acd.callback_caller_id, number, Caller{"agent:" + agent, nullptr, "all"},
                               route, std::nullopt);
  const std::string uuid = call.uuid;
  call.limit_timer.expires_after(std::chrono::seconds(pbx.config.calls.max_call_seconds));
  call.limit_timer.async_wait([impl = impl_.get(), id = call.id](boost::system::error_code ec) {
    if (ec) return;
    if (Call* c = impl->find_call(id)) impl->end_call(*c, "max_duration", "system");
  });
  pbx.mark_devices_busy(call, {device});
  Leg* leg = nullptr;
  if (device.rfind("browser:", 0) == 0) {
    const std::string job = device.substr(8);
    auto bound = pbx.browser_agents.find(job);
    auto session = bound == pbx.browser_agents.end() ? pbx.browser_sessions.end() : pbx.browser_sessions.find(bound->second);
    if (session == pbx.browser_sessions.end() || !session->second.connected) {
      pbx.end_call(call, "agent_unreachable", "system");
      throw Error(Errc::conflict, "your console is not connected");
    }
    leg = pbx.add_browser_leg(call, "agent_out", job, session->first);
    if (!leg) {
      pbx.end_call(call, "no_media_ports", "system");
      throw Error(Errc::unavailable, "no media ports free: try again shortly");
    }
    nlohmann::json invite = {
        {"call", uuid}, {"sdp", pbx.browser_offer(call, *leg)}, {"caller_masked", mask_phone(number)}, {"outbound", true}};
    pbx.push_to_browser(*leg, "call.invite", invite.dump());
    pbx.arm_browser_ring_timer(call, *leg);
  } else if (device.rfind("extension:", 0) == 0) {
    Route phone;
    phone.kind = Route::Kind::extension;
    phone.target = device.substr(10);
    phone.number = phone.target;
    int status = 0;
    if (!pbx.dial(call, agent_offer({}), phone, "agent_out", status)) {
      pbx.end_call(call, "agent_unreachable", "system");
      throw Error(Errc::conflict, "your phone cannot be reached (status " + std::to_string(status) + ")");
    }
    leg = call.legs.back().get();
  } else {
    pbx.end_call(call, "agent_unreachable", "system");
    throw Error(Errc::conflict, "no device to ring: log in first");
  }
  leg->agent = agent;
  spdlog::info("event=call.outbound call={} agent={} number={} device={}", uuid, agent, mask_phone(number),
               device.substr(0, device.find(':')));
  return uuid;
}

void CallManager::Impl::on_outbound_agent_answered(Call& call, Leg& agent) {
  call.ring_timer.cancel();
  std::string why;
  Route route = outbound_route(call.dialled, why);
  int status = 0;
  if (!why.empty() || !dial(call, agent.formats, route, "callee", status)) {
    spdlog::warn("event=call.outbound_no_route call={} reason=\"{}\" status={}", call.uuid, why, status);
    return end_call(call, "outbound_no_route", "system");
  }
  PromptSpec dialling;
  dialling.key = "outbound_dialling";
  dialling.text = "正在为您接通，请稍候。";
  media::PlayOptions plain;
  say(call, agent, {dialling}, plain, nullptr, true);
  if (agent.browser) push_call_state(call, agent, "connected");
}

}  // namespace hotline::pbx
