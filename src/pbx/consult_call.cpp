// Consulting (咨询转接): an agent puts the citizen on hold and calls a
// colleague (an agent's device: browser or desk phone), an extension or an
// outside number on the same call, talks to them, and then
//   - hands the call over (attended transfer): citizen and consulted party
//     talk, the agent leaves and goes to wrap-up as for a blind transfer;
//   - mixes the three (三方通话);
//   - or goes back to the citizen (cancel, no answer, the colleague hangs up).
// The consult leg is a leg of the citizen's own call, so recording, the call
// record and re-attaching a reloaded page keep working across all of it.
// If the agent hangs up while consulting the call is handed over (as in most
// PBXs); while the consulted party still rings, the citizen waits for it.
//
// Runs on the SIP strand like the rest of the CallManager.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "call.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/privacy.hpp"

namespace hotline::pbx {
namespace {

using nlohmann::json;

Leg* leg_at(Call& call, int index) {
  if (index < 0 || index >= static_cast<int>(call.legs.size())) return nullptr;
  return call.legs[static_cast<std::size_t>(index)].get();
}

std::string side_of(const Leg& leg) { return leg.role == "caller" ? "caller" : "callee"; }

bool route_is_extension(const std::string& target) { return target.rfind("extension:", 0) == 0; }

void play_hold_music(CallManager::Impl& pbx, Call& call, Leg& leg) {
  if (!pbx.hold_music) return;
  media::PlayOptions loop;
  loop.loop = true;
  call.media->play(leg.media, {pbx.hold_music}, loop, nullptr);
}

void push_state(CallManager::Impl& pbx, const Call& call, const Leg& leg, const std::string& state, json extra) {
  if (!leg.browser) return;
  extra["call"] = call.uuid;
  extra["state"] = state;
  pbx.push_to_browser(leg, "call.state", extra.dump());
}

}  // namespace

std::string CallManager::agent_consult(const std::string& agent, const ConsultTarget& to) {
  auto& pbx = *impl_;
  Call* call = nullptr;
  Leg* leg = pbx.live_agent_leg(agent, &call);
  if (!leg) return "no call";
  if (leg->consult >= 0) return "already consulting";
  if (leg->consulted_by >= 0) return "you are being consulted: the consulting agent decides";
  if (!call->callback_entry.empty() && leg->index == 0) return "a callback cannot be transferred";
  if (call->shared_media || !call->supervisors.empty()) return "not while a supervisor is on the call";
  Leg* held = leg_at(*call, leg->partner);
  if (!held || held->ended) return "nobody to hold";
  if (!to.agent.empty() && to.agent == agent) return "you cannot consult yourself";

  Leg* consult = nullptr;
  if (to.device.rfind("browser:", 0) == 0) {
    const std::string job = to.device.substr(8);
    auto bound = pbx.browser_agents.find(job);
    auto session = bound == pbx.browser_agents.end() ? pbx.browser_sessions.end() : pbx.browser_sessions.find(bound->second);
    if (session == pbx.browser_sessions.end() || !session->second.connected)
      return "agent " + to.agent + "'s console is not connected";
    consult = pbx.add_browser_leg(*call, "consult", job, session->first);
    if (!consult) return "no media ports free: try again shortly";
    json invite = {{"call", call->uuid},
                   {"sdp", pbx.browser_offer(*call, *consult)},
                   {"caller_masked", mask_phone(call->caller)},
                   {"consult", true},
                   {"from_agent", agent}};
    pbx.push_to_browser(*consult, "call.invite", invite.dump());
    pbx.arm_browser_ring_timer(*call, *consult);
  } else {
    Route route;
    std::string number = to.device.empty() ? to.target : to.device;
    if (number.rfind("extension:", 0) == 0) {
      route.kind = Route::Kind::extension;
      route.target = number.substr(10);
      route.number = route.target;
    } else {
      auto routed = pbx.dialplan.route(Caller{"acd", nullptr, "all"}, number);
      if (auto* refusal = std::get_if<Refusal>(&routed)) return refusal->reason;
      route = std::get<Route>(routed);
      if (route.kind != Route::Kind::extension && route.kind != Route::Kind::trunk)
        return number + " is not a person to consult (" + route.describe() + ")";
    }
    int status = 0;
    if (!pbx.dial(*call, held->formats, route, "consult", status))
      return "the consulted party cannot be reached (status " + std::to_string(status) + ")";
    consult = call->legs.back().get();
  }
  consult->consulted_by = leg->index;
  consult->agent = to.agent;
  if (!to.agent.empty()) {
    consult->consult_device = to.device;
    pbx.mark_devices_busy(*call, {to.device});
  } else if (route_is_extension(to.target)) {
    pbx.mark_devices_busy(*call, {to.target});
    consult->consult_device = to.target;
  }
  leg->consult = consult->index;
  leg->held_party = held->index;
  leg->consult_target = to.target;
  if (leg->holding) {
    // Held before consulting: the agent's own audio was switched off with the hold; the consultation needs it.
    leg->holding = false;
    call->media->set_flow(leg->media, to_flow(leg->direction));
  }
  // The citizen hears music and is not overheard; the agent hears nothing until the answer.
  call->media->isolate(held->media);
  held->partner = -1;
  leg->partner = -1;
  play_hold_music(pbx, *call, *held);
  pbx.on_agent_hold(*call, *leg, true);
  spdlog::info("event=call.consult call={} agent={} target={}", call->uuid, agent,
               to.agent.empty() ? mask_phone(to.target) : to.target);
  push_state(pbx, *call, *leg, "consult_ringing", {{"target", to.target}});
  return {};
}

std::string CallManager::agent_consult_cancel(const std::string& agent) {
  auto& pbx = *impl_;
  Call* call = nullptr;
  Leg* leg = pbx.live_agent_leg(agent, &call);
  if (!leg) return "no call";
  Leg* consult = leg_at(*call, leg->consult);
  if (!consult) return "no consultation";
  spdlog::info("event=call.consult_cancel call={} agent={}", call->uuid, agent);
  if (!consult->confirmed) {
    if (consult->invite) {
      pbx.layer.cancel(consult->invite);
      pbx.clients.erase(consult->invite);
      if (consult->outgoing_invite) pbx.orphans.emplace(consult->invite, std::move(*consult->outgoing_invite));
      consult->invite = 0;
    }
  } else {
    pbx.bye(*call, *consult);
  }
  pbx.end_leg(*call, *consult, consult->confirmed ? 200 : 487, "consult_cancelled", "system");
  pbx.release_consult_device(*call, *consult);
  pbx.back_to_held_party(*call, *leg, "consult_cancelled", 0);
  return {};
}

std::string CallManager::agent_transfer_complete(const std::string& agent) {
  auto& pbx = *impl_;
  Call* call = nullptr;
  Leg* leg = pbx.live_agent_leg(agent, &call);
  if (!leg) return "no call";
  Leg* consult = leg_at(*call, leg->consult);
  if (!consult) return "no consultation";
  if (!consult->confirmed) return "the consulted party has not answered yet";
  pbx.hand_over(*call, *leg, false);
  return {};
}

std::string CallManager::agent_conference(const std::string& agent) {
  auto& pbx = *impl_;
  Call* call = nullptr;
  Leg* leg = pbx.live_agent_leg(agent, &call);
  if (!leg) return "no call";
  Leg* consult = leg_at(*call, leg->consult);
  if (!consult) return "no consultation";
  if (!consult->confirmed) return "the consulted party has not answered yet";
  if (leg->conferenced) return {};
  Leg* held = leg_at(*call, leg->held_party);
  if (!held || held->ended) return "the caller is gone";
  call->media->stop_playing(held->media);
  for (Leg* l : {held, leg, consult}) call->media->conference(l->media);
  leg->conferenced = true;
  pbx.on_agent_hold(*call, *leg, false);
  spdlog::info("event=call.conference call={} agent={}", call->uuid, agent);
  push_state(pbx, *call, *leg, "conference", {{"target", leg->consult_target}});
  push_state(pbx, *call, *consult, "conference", json::object());
  return {};
}

// ---- inside ----

void CallManager::Impl::arm_browser_ring_timer(Call& call, Leg& consult) {
  call.ring_timer.expires_after(std::chrono::seconds(config.calls.ring_timeout_seconds));
  call.ring_timer.async_wait([this, ref = LegRef{call.id, consult.index}](boost::system::error_code ec) {
    if (ec) return;
    Call* c = nullptr;
    Leg* leg = find(ref, &c);
    if (!leg || leg->confirmed || leg->ended) return;
    if (leg->invite) layer.cancel(leg->invite);
    on_leg_failed(*c, *leg, 480, "no_answer");
  });
}

void CallManager::Impl::on_consult_answered(Call& call, Leg& consult) {
  call.ring_timer.cancel();
  Leg* agent = leg_at(call, consult.consulted_by);
  spdlog::info("event=call.consult_answered call={} leg={}", call.uuid, consult.index);
  if (!agent || agent->ended) {
    // The agent hung up while it rang: the citizen is handed over now.
    Leg* held = agent ? leg_at(call, agent->held_party) : nullptr;
    if (!held || held->ended) {
      bye(call, consult);
      end_leg(call, consult, 200, "caller_gone", "system");
      return end_call(call, "normal", "caller");
    }
    call.media->stop_playing(held->media);
    call.media->bridge(held->media, consult.media);
    held->partner = consult.index;
    consult.partner = held->index;
    consult.consulted_by = -1;
    agent->consult = -1;
    agent->held_party = -1;
    push_state(*this, call, consult, "connected", {{"cause", "transferred_to_you"}});
    return;
  }
  call.media->bridge(agent->media, consult.media);
  agent->partner = consult.index;
  consult.partner = agent->index;
  push_state(*this, call, *agent, "consulting", {{"target", agent->consult_target}});
  push_state(*this, call, consult, "connected", {{"consult", true}});
}

void CallManager::Impl::on_consult_failed(Call& call, Leg& consult, int status, const std::string& cause) {
  if (consult.ended) return;
  call.ring_timer.cancel();
  end_leg(call, consult, status, cause, "callee");
  release_consult_device(call, consult);
  Leg* agent = leg_at(call, consult.consulted_by);
  spdlog::info("event=call.consult_failed call={} status={} cause={}", call.uuid, status, cause);
  if (!agent) return;
  if (agent->ended) return end_call(call, "transfer_failed", "system");  // nobody left for the citizen
  back_to_held_party(call, *agent, "consult_failed", status);
}

void CallManager::Impl::back_to_held_party(Call& call, Leg& agent, const std::string& cause, int status) {
  Leg* held = leg_at(call, agent.held_party);
  if (agent.conferenced) {
    for (Leg* l : {held, &agent}) {
      if (l && !l->ended) call.media->leave_mix(l->media);
    }
  }
  agent.consult = -1;
  agent.held_party = -1;
  agent.conferenced = false;
  agent.consult_target.clear();
  if (!held || held->ended) return end_call(call, "normal", "caller");
  call.media->stop_playing(held->media);
  call.media->bridge(held->media, agent.media);
  held->partner = agent.index;
  agent.partner = held->index;
  on_agent_hold(call, agent, false);
  json extra = {{"cause", cause}};
  if (status) extra["status"] = status;
  push_state(*this, call, agent, "connected", extra);
}

void CallManager::Impl::hand_over(Call& call, Leg& agent, bool agent_gone) {
  Leg* consult = leg_at(call, agent.consult);
  Leg* held = leg_at(call, agent.held_party);
  if (!consult || !held) return;
  if (agent.conferenced) {
    for (Leg* l : {held, consult, &agent}) call.media->leave_mix(l->media);
  }
  const std::string target = agent.consult_target;
  spdlog::info("event=call.transfer_complete call={} agent={} answered={}", call.uuid, agent.agent,
               consult->confirmed);
  // The ACD counts the agent's part as transferred (wrap-up follows), as for a blind transfer.
  if (call.queued && !call.queued->waiting && call.queued->agent == agent.agent && acd) {
    acd->post([name = agent.agent, target](acd::Router& router, acd::Ms now) { router.transferred(name, target, now); });
    call.queued.reset();
  }
  if (!agent_gone) bye(call, agent);
  end_leg(call, agent, 200, "transferred", "callee");
  release_consult_device(call, agent);  // the agent was itself handed the call earlier
  agent.agent.clear();
  if (!consult->confirmed) {
    // Still ringing: the citizen waits (music goes on) and is connected on the answer.
    agent.conferenced = false;
    return;
  }
  call.media->stop_playing(held->media);
  call.media->bridge(held->media, consult->media);
  held->partner = consult->index;
  consult->partner = held->index;
  consult->consulted_by = -1;
  agent.consult = -1;
  agent.held_party = -1;
  agent.conferenced = false;
  push_state(*this, call, *consult, "connected", {{"cause", "transferred_to_you"}});
}

bool CallManager::Impl::consult_party_left(Call& call, Leg& leg, bool gone) {
  if (leg.ended) return false;
  // The consulted party hangs up (or is hung up) before the hand-over: back to the citizen.
  if (leg.role == "consult" && leg.consulted_by >= 0) {
    if (!leg.confirmed) {
      on_consult_failed(call, leg, 487, "cancel");
      return true;
    }
    Leg* agent = leg_at(call, leg.consulted_by);
    if (agent && agent->conferenced) call.media->leave_mix(leg.media);
    if (!gone) bye(call, leg);
    end_leg(call, leg, 200, "normal", "callee");
    release_consult_device(call, leg);
    if (agent && !agent->ended) {
      back_to_held_party(call, *agent, "consult_ended", 0);
    } else {
      end_call(call, "normal", "callee");
    }
    return true;
  }
  // The consulting agent leaves: the call is handed over.
  if (leg.consult >= 0) {
    hand_over(call, leg, gone);
    return true;
  }
  // The citizen hangs up while waiting: the consultation has no purpose left.
  for (auto& other : call.legs) {
    if (!other->ended && other->held_party == leg.index) {
      if (!gone) bye(call, leg);
      end_leg(call, leg, 200, "normal", side_of(leg));  // no BYE back to whoever just hung up
      end_call(call, "normal", side_of(leg));
      return true;
    }
  }
  return false;
}

void CallManager::Impl::release_consult_device(Call& call, Leg& consult) {
  if (consult.consult_device.empty()) return;
  const std::string device = std::move(consult.consult_device);
  consult.consult_device.clear();
  auto it = std::find(call.busy_devices.begin(), call.busy_devices.end(), device);
  if (it != call.busy_devices.end()) call.busy_devices.erase(it);
  if (!acd) return;
  acd->post([device](acd::Router& router, acd::Ms now) {
    for (const auto& a : router.agents()) {
      if (a.device == device && a.state != acd::AgentState::logged_out) router.device_busy(a.agent, false, now);
    }
  });
}

std::optional<CallManager::Impl::Supervised> CallManager::Impl::find_supervised_agent(const std::string& job) {
  for (auto& [id, owned] : calls) {
    Call& call = *owned;
    if (call.shared_media || !call.cause.empty()) continue;
    for (auto& leg : call.legs) {
      if (leg->agent != job || leg->ended || !leg->confirmed || leg->partner < 0 || leg->consult >= 0) continue;
      Leg& partner = *call.legs[static_cast<std::size_t>(leg->partner)];
      if (partner.ended) continue;
      return Supervised{&call, leg.get(), &partner};
    }
  }
  return std::nullopt;
}

}  // namespace hotline::pbx
