// Calls whose media is mixed rather than relayed: conference rooms from the
// dial plan (every caller of conference:ROOM joins one media session and
// hears the others), and supervisors who listen to, whisper into or barge
// into an agent's call (the supervisor's leg joins that call's session).
// Such calls share a session, so ending one removes its own legs only.
#include <spdlog/spdlog.h>

#include "call.hpp"

namespace hotline::pbx {

std::optional<CallManager::Impl::Supervised> CallManager::Impl::find_supervised(const std::string& extension) {
  const std::string endpoint = "extension:" + extension;
  for (auto& [id, owned] : calls) {
    Call& call = *owned;
    if (call.shared_media || !call.cause.empty()) continue;  // not into a room or another supervision
    for (auto& leg : call.legs) {
      if (leg->endpoint != endpoint || leg->ended || !leg->confirmed || leg->partner < 0) continue;
      Leg& partner = *call.legs[static_cast<std::size_t>(leg->partner)];
      if (partner.ended) continue;
      return Supervised{&call, leg.get(), &partner};
    }
  }
  return std::nullopt;
}

void CallManager::Impl::join_room(Call& call, const std::string& name) {
  Room& room = rooms[name];
  if (!room.session) room.session = media.open_session();
  ++room.members;
  call.media = room.session;
  call.shared_media = true;
  call.room = name;
  spdlog::info("event=conference.join call={} room={} members={}", call.uuid, name, room.members);
}

void CallManager::Impl::start_supervision(Call& call, Leg& supervisor, const Route& route, const Supervised& target) {
  const auto mode = route.kind == Route::Kind::listen    ? media::Supervision::listen
                    : route.kind == Route::Kind::whisper ? media::Supervision::whisper
                                                         : media::Supervision::barge;
  target.call->supervisors.push_back(call.id);
  call.media->supervise(supervisor.media, target.agent->media, target.citizen->media, mode);
  spdlog::info("event=call.supervise call={} supervised={} mode={} agent={}", call.uuid, target.call->uuid,
               route.describe().substr(0, route.describe().find(':')), target.agent->endpoint);
}

void CallManager::Impl::end_mixing(Call& call) {
  // A supervised call ends: its supervisors' calls end with it.
  auto supervisors = std::move(call.supervisors);
  call.supervisors.clear();
  for (auto id : supervisors) {
    if (Call* s = find_call(id)) end_call(*s, "supervised_call_ended", "system");
  }
  if (call.supervising) {
    Call* target = find_call(call.supervising);
    call.supervising = 0;
    if (target) {
      std::erase(target->supervisors, call.id);
      if (target->cause.empty() && target->supervisors.empty()) {
        // The supervisor left: agent and citizen talk directly again.
        for (auto& leg : target->legs) {
          if (leg->ended || leg->partner < 0 || leg->index > leg->partner) continue;
          Leg& partner = *target->legs[static_cast<std::size_t>(leg->partner)];
          if (partner.ended) continue;
          target->media->leave_mix(leg->media);
          target->media->leave_mix(partner.media);
          target->media->bridge(leg->media, partner.media);
        }
      }
    }
  }
  if (!call.room.empty()) {
    auto it = rooms.find(call.room);
    if (it != rooms.end() && --it->second.members <= 0) rooms.erase(it);
    spdlog::info("event=conference.leave call={} room={}", call.uuid, call.room);
    call.room.clear();
  }
}

}  // namespace hotline::pbx
