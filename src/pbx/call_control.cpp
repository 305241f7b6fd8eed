// What agents and supervisors do to calls through the API: hang up, hold,
// blind transfer, force release. On the SIP strand, like everything of the
// CallManager; the ACD hears of each change as for a phone's own action.
#include <spdlog/spdlog.h>

#include "call.hpp"
#include "hotline/ivr/library.hpp"

namespace hotline::pbx {
Leg* CallManager::Impl::live_agent_leg(const std::string& agent, Call** call_out) {
  for (auto& [id, call] : calls) {
    for (auto& leg : call->legs) {
      if (leg->agent == agent && leg->confirmed && !leg->ended) {
        *call_out = call.get();
        return leg.get();
      }
    }
  }
  return nullptr;
}

std::string CallManager::agent_call(const std::string& agent) const {
  Call* call = nullptr;
  if (!impl_->live_agent_leg(agent, &call)) return {};
  return call->uuid;
}

std::string CallManager::agent_hang_up(const std::string& agent) {
  Call* call = nullptr;
  Leg* leg = impl_->live_agent_leg(agent, &call);
  if (!leg) return "no call";
  spdlog::info("event=acd.agent_hangup call={} agent={}", call->uuid, agent);
  if (impl_->consult_party_left(*call, *leg, false)) return {};
  // The agent's side hung up: the first leg of a callback call, the second of a queue call.
  impl_->end_call(*call, "normal", leg->index == 0 ? "caller" : "callee");
  return {};
}

std::string CallManager::agent_hold(const std::string& agent, bool on) {
  Call* call = nullptr;
  Leg* leg = impl_->live_agent_leg(agent, &call);
  if (!leg) return "no call";
  if (leg->consult >= 0) return "consulting: finish the consultation first";
  Leg* other = leg->partner >= 0 ? call->legs[static_cast<std::size_t>(leg->partner)].get() : nullptr;
  if (!other || other->ended) return "nobody to hold";
  if (leg->holding == on) return {};
  leg->holding = on;
  if (on && impl_->hold_music) {
    media::PlayOptions loop;
    loop.loop = true;
    call->media->play(other->media, {impl_->hold_music}, loop, nullptr);
    call->media->set_flow(leg->media, media::Flow::inactive);  // the citizen is not overheard meanwhile
  } else {
    call->media->stop_playing(other->media);
    call->media->set_flow(leg->media, to_flow(leg->direction));
  }
  impl_->on_agent_hold(*call, *leg, on);
  if (leg->browser) impl_->push_call_state(*call, *leg, on ? "held" : "connected");
  return {};
}

std::string CallManager::agent_transfer(const std::string& agent, const std::string& target) {
  Call* call = nullptr;
  Leg* leg = impl_->live_agent_leg(agent, &call);
  if (!leg) return "no call";
  if (leg->consult >= 0) return "consulting: finish the consultation first";
  if (!call->callback_entry.empty() && leg->index == 0) return "a callback cannot be transferred";
  Leg& citizen = *call->legs[0];
  if (citizen.ended) return "the caller is gone";
  std::optional<Route> route;
  std::unique_ptr<QueueWait> wait;
  if (target.rfind("queue:", 0) == 0) {
    wait = std::make_unique<QueueWait>();
    wait->queue = target.substr(6);
    wait->priority = call->queued ? call->queued->priority : 0;
  } else {
    std::string number = target.rfind("extension:", 0) == 0 ? target.substr(10) : target;
    std::string why;
    route = impl_->outbound_route(number, why);
    if (!why.empty()) return why;
  }
  spdlog::info("event=acd.transfer call={} agent={} to={}", call->uuid, agent, target);
  // The agent's part ends here: the ACD counts the call as transferred and the agent goes to wrap-up.
  impl_->acd->post([agent, target](acd::Router& router, acd::Ms now) { router.transferred(agent, target, now); });
  call->queued.reset();
  impl_->bye(*call, *leg);
  impl_->end_leg(*call, *leg, 200, "transferred", "callee");
  leg->agent.clear();
  impl_->release_consult_device(*call, *leg);  // an agent the call was handed over to
  if (wait) {
    return impl_->enter_queue(*call, citizen, std::move(wait),
                              [impl = impl_.get(), id = call->id](bool ok, std::string why) {
                                Call* c = impl->find_call(id);
                                if (!ok && c) {
                                  spdlog::info("event=acd.transfer_refused call={} reason={}", c->uuid, why);
                                  impl->end_call(*c, "transfer_failed", "system");
                                }
                              }),
           std::string();
  }
  int status = 0;
  if (!impl_->dial(*call, citizen.formats, *route, "callee", status)) {
    impl_->end_call(*call, "transfer_failed", "system");
    return "the transfer target cannot be reached (status " + std::to_string(status) + ")";
  }
  if (impl_->hold_music) {
    media::PlayOptions loop;
    loop.loop = true;
    call->media->play(citizen.media, {impl_->hold_music}, loop, nullptr);
  }
  return {};
}

std::string CallManager::agent_to_flow(const std::string& agent, const std::string& flow) {
  Call* call = nullptr;
  Leg* leg = impl_->live_agent_leg(agent, &call);
  if (!leg) return "no call";
  if (leg->consult >= 0) return "consulting: finish the consultation first";
  if (!call->queued || leg->index == 0) return "only a queue call's citizen can be sent to a flow";
  auto& ivr = impl_->ivr_services;
  auto target = ivr.flows && ivr.services ? ivr.flows->get(flow) : nullptr;
  if (!target) return "no IVR flow named " + flow;
  Leg& citizen = *call->legs[0];
  if (citizen.ended) return "the caller is gone";
  spdlog::info("event=acd.to_flow call={} agent={} flow={}", call->uuid, agent, flow);
  impl_->acd->post([agent](acd::Router& router, acd::Ms now) { router.call_ended(agent, acd::HangupSide::agent, now); });
  call->queued.reset();
  impl_->bye(*call, *leg);
  impl_->end_leg(*call, *leg, 200, "to_flow", "callee");
  leg->agent.clear();
  if (call->ivr) call->ivr_path = call->ivr->path_json();
  call->ivr = std::make_unique<IvrCall>(*impl_, *call, citizen, std::move(target));
  call->ivr->start();
  return {};
}

std::string CallManager::release(const std::string& call_uuid) {
  Call* call = impl_->find_call(call_uuid);
  if (!call) {
    // A callback call is known by its own uuid; a queue entry's uuid may name it too.
    for (auto& [id, c] : impl_->calls) {
      if (c->callback_entry == call_uuid) call = c.get();
    }
  }
  if (!call) return "no such call";
  spdlog::info("event=call.force_release call={}", call->uuid);
  impl_->end_call(*call, "force_release", "system");
  return {};
}

}  // namespace hotline::pbx
