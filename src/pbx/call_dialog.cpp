// Within dialogs: BYE, re-INVITE (hold/resume), INFO (DTMF), REFER (blind
// transfer) and NOTIFY; and how legs and calls end, with their records.
#include <spdlog/spdlog.h>

#include "call.hpp"
#include "ivr_call.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/privacy.hpp"

namespace hotline::pbx {
namespace {

std::string side_of(const Leg& leg) { return leg.role == "caller" ? "caller" : "callee"; }

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != std::tolower(static_cast<unsigned char>(prefix[i])))
      return false;
  }
  return true;
}

// The user part of a Refer-To value: "<sip:8002@host;transport=udp>" -> "8002".
std::string refer_target_user(std::string_view value) {
  auto open = value.find('<');
  auto close = value.find('>', open == std::string_view::npos ? 0 : open);
  std::string_view uri = open == std::string_view::npos ? value : value.substr(open + 1, close - open - 1);
  auto colon = uri.find(':');
  if (colon == std::string_view::npos) return {};
  uri.remove_prefix(colon + 1);
  auto at = uri.find('@');
  if (at == std::string_view::npos) return {};
  std::string user(uri.substr(0, at));
  for (char c : user) {
    if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+')) return {};
  }
  return user;
}

}  // namespace

void CallManager::Impl::on_in_dialog(sip::TransactionId id, const sip::Message& request, const sip::Source&) {
  auto it = dialogs.find(dialog_key(request.call_id, request.to.tag));
  Call* call = nullptr;
  Leg* leg = it == dialogs.end() ? nullptr : find(it->second, &call);
  if (!leg || leg->ended) return refuse(id, 481, "no such dialog");
  if (!leg->dialog.accept_remote_cseq(request)) return refuse(id, 500, "CSeq lower than an earlier request's");
  const auto& m = request.method;
  if (m == "BYE") return on_bye(*call, *leg, id);
  if (m == "INVITE") return on_reinvite(*call, *leg, id, request);
  if (m == "INFO") return on_info(*call, *leg, id, request);
  if (m == "REFER") return on_refer(*call, *leg, id, request);
  if (m == "OPTIONS") return respond(id, nullptr, 200, {{"Accept", "application/sdp"}});
  if (m == "NOTIFY") return refuse(id, 481, "no subscription in this dialog");
  respond(id, nullptr, 501, {});
}

void CallManager::Impl::on_bye(Call& call, Leg& leg, sip::TransactionId id) {
  respond(id, nullptr, 200);
  if (leg.inbound && !leg.confirmed && leg.invite) {
    // A BYE in the early dialog ends the INVITE like a CANCEL.
    respond(leg.invite, &leg, 487);
    leg.status = 487;
    call.status = 487;
  }
  if (consult_party_left(call, leg, true)) return;
  Leg* partner = leg.partner >= 0 ? call.legs[leg.partner].get() : nullptr;
  end_leg(call, leg, leg.status ? leg.status : 200, "normal", side_of(leg));
  if (partner && partner->transfer_pending) return;  // the other party waits for its transfer target
  if (!partner) {
    bool transfer_in_progress = false;
    for (const auto& l : call.legs) transfer_in_progress |= !l->ended && l->transfer_pending;
    bool bridged = false;
    for (const auto& l : call.legs) bridged |= !l->ended && l->partner >= 0;
    if (transfer_in_progress || bridged) return;  // e.g. the transferor leaving after REFER
  }
  end_call(call, "normal", side_of(leg));
}

void CallManager::Impl::on_reinvite(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& request) {
  if (leg.invite && !leg.inbound) return refuse(id, 491, "our own INVITE on this leg is pending");
  auto sdp = sdp_of(request);
  if (sdp && sdp->audio) {
    auto chosen = sip::choose_formats(*sdp->audio);
    bool same_law = chosen && std::any_of(chosen->begin(), chosen->end(), [&](const sip::Format& f) {
                      return starts_with_ci(f.encoding, leg.codec_name) && f.encoding.size() == leg.codec_name.size();
                    });
    if (!same_law) {
      // No transcoding: the other party keeps the law it answered with.
      return respond(id, nullptr, 488, {{"Warning", "305 hotlined \"only " + leg.codec_name + " on this call\""}});
    }
    leg.formats = *chosen;
    std::string name;
    leg.codec.payload_type = leg.formats.front().payload_type;
    for (const auto& f : leg.formats) {
      if (starts_with_ci(f.encoding, "telephone-event")) leg.codec.telephone_event_type = f.payload_type;
    }
    bool held_old_style = sdp->audio->address == "0.0.0.0";  // RFC 2543 hold
    leg.direction = held_old_style ? sip::Direction::inactive : sip::answer_direction(sdp->audio->direction);
    if (!held_old_style && (sdp->audio->address != leg.remote_address || sdp->audio->port != leg.remote_port)) {
      leg.remote_address = sdp->audio->address;
      leg.remote_port = sdp->audio->port;
      call.media->set_remote(leg.media, leg.remote_address, leg.remote_port, leg.codec);
    }
    call.media->set_flow(leg.media, to_flow(leg.direction));
    const bool was_holding = leg.holding;
    update_hold_music(call, leg);
    if (leg.holding != was_holding) on_agent_hold(call, leg, leg.holding);
    spdlog::info("event=call.reinvite call={} leg={} direction={}", call.uuid, leg.index,
                 sip::to_string(leg.direction));
  }
  leg.dialog.refresh_target(request);
  ++leg.sdp_version;
  server_invites[id] = {call.id, leg.index};
  leg.answered_invites.push_back(id);
  respond(id, &leg, 200, {}, true);
}

void CallManager::Impl::on_info(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& request) {
  bool dtmf = starts_with_ci(request.content_type, "application/dtmf-relay") ||
              starts_with_ci(request.content_type, "application/dtmf");
  if (!dtmf) return respond(id, nullptr, 415, {{"Accept", "application/dtmf-relay, application/dtmf"}});
  auto digit = media::parse_info_dtmf(request.content_type, request.body);
  if (!digit) return refuse(id, 400, "the body names no DTMF digit");
  respond(id, nullptr, 200);
  // Whoever watches this leg's digits (the keypad test, the IVR) hears it as from RTP.
  media::DtmfEvent event;
  event.digit = digit->digit;
  event.duration_ms = digit->duration_ms;
  event.start = std::chrono::steady_clock::now();
  event.source = media::DtmfSource::info;
  call.media->digit_from_signalling(leg.media, event);
  Leg* partner = leg.partner >= 0 ? call.legs[leg.partner].get() : nullptr;
  // Digits may be an ID number: never logged, only passed on.
  if (partner && partner->confirmed && !partner->ended && partner->browser) {
    call.media->send_digits(partner->media, std::string(1, digit->digit));
  } else if (partner && partner->confirmed && !partner->ended) {
    auto info = partner->dialog.request("INFO");
    info.content_type = request.content_type;
    info.body = request.body;
    send_in_dialog(call, *partner, std::move(info), Purpose::info);
  }
}

void CallManager::Impl::on_refer(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& request) {
  auto number = refer_target_user(request.header("Refer-To"));
  if (number.empty()) return refuse(id, 400, "Refer-To needs a sip: URI with a number");
  Leg* other = leg.partner >= 0 ? call.legs[leg.partner].get() : nullptr;
  if (!other || other->ended || !leg.confirmed) return refuse(id, 403, "nobody to transfer in this dialog");
  std::string cos = "all";
  const TrunkConfig* trunk = nullptr;
  if (leg.endpoint.rfind("trunk:", 0) == 0) {
    trunk = dialplan.trunk(leg.endpoint.substr(6));
    if (trunk) cos = trunk->class_of_service;
  }
  auto routed = dialplan.route(Caller{leg.endpoint, nullptr, cos}, number);
  if (auto* refusal = std::get_if<Refusal>(&routed)) return refuse(id, refusal->status, refusal->reason);
  const auto& route = std::get<Route>(routed);
  if (route.kind != Route::Kind::extension && route.kind != Route::Kind::trunk)
    return refuse(id, 501, "transfers go to extensions and trunks only, for now");

  respond(id, nullptr, 202);
  notify_transfer(call, leg, 100, false);
  call.media->isolate(other->media);
  call.media->isolate(leg.media);
  other->partner = -1;
  leg.partner = -1;
  other->transfer_pending = true;
  spdlog::info("event=call.refer call={} from_leg={} party_leg={} route={}", call.uuid, leg.index, other->index,
               route.describe());
  int status = 0;
  if (!dial(call, other->formats, route, "transfer", status)) {
    notify_transfer(call, leg, status, true);
    other->transfer_pending = false;
    call.media->bridge(other->media, leg.media);
    other->partner = leg.index;
    leg.partner = other->index;
    return;
  }
  Leg& target = *call.legs.back();
  target.refer_from = leg.index;
  target.transfer_for = other->index;
}

void CallManager::Impl::notify_transfer(Call& call, Leg& referrer, int status, bool final) {
  auto notify = referrer.dialog.request("NOTIFY");
  notify.headers.emplace_back("Event", "refer");
  notify.headers.emplace_back("Subscription-State", final ? "terminated;reason=noresource" : "active;expires=60");
  notify.content_type = "message/sipfrag;version=2.0";
  notify.body = "SIP/2.0 " + std::to_string(status) + " " + std::string(sip::reason_phrase(status)) + "\r\n";
  send_in_dialog(call, referrer, std::move(notify), Purpose::notify);
}

void CallManager::Impl::send_in_dialog(Call& call, Leg& leg, sip::Message request, Purpose purpose) {
  auto id = layer.send_request(std::move(request), leg.peer);
  clients[id] = {{call.id, leg.index}, purpose};
}

void CallManager::Impl::end_leg(Call& call, Leg& leg, int status, const std::string& cause, const std::string& side) {
  if (leg.ended) return;
  leg.ended = true;
  leg.ended_at = now_ms();
  if (!leg.status) leg.status = status;
  leg.cause = cause;
  leg.side = side;
  if (leg.partner >= 0) {
    Leg& p = *call.legs[leg.partner];
    if (p.partner == leg.index) p.partner = -1;
    call.media->isolate(leg.media);
    leg.partner = -1;
  }
  legs_active.set(--legs_open);
  if (leg.browser) push_call_state(call, leg, "ended", cause);
}

void CallManager::Impl::end_call(Call& call, const std::string& cause, const std::string& side) {
  if (call.cause.empty()) {
    call.cause = cause;
    call.side = side;
  }
  last_end = {call.uuid, call.cause};
  call.ring_timer.cancel();
  call.limit_timer.cancel();
  call.idle_timer.cancel();
  queue_call_ended(call);
  end_mixing(call);
  if (call.ivr) {
    call.ivr->on_hangup();  // a missed call is recorded if the flow asks for it
    call.ivr_path = call.ivr->path_json();
    call.ivr.reset();
  }
  for (auto& owned : call.legs) {
    Leg& leg = *owned;
    if (!leg.ended) {
      if (leg.confirmed) {
        bye(call, leg);
      } else if (!leg.inbound && leg.invite) {
        layer.cancel(leg.invite);
        clients.erase(leg.invite);
        if (leg.outgoing_invite) orphans.emplace(leg.invite, std::move(*leg.outgoing_invite));
        leg.status = 487;
      } else if (leg.inbound && leg.invite) {
        int status = call.status >= 300 ? call.status : cause == "shutdown" ? 503 : 480;
        respond(leg.invite, &leg, status);
        leg.status = status;
        call.status = status;
      }
      end_leg(call, leg, leg.status ? leg.status : 200, cause, side);
    }
    dialogs.erase(dialog_key(leg.sip_call_id, leg.our_tag));
  }
  for (const auto& leg : call.legs) {
    for (auto id : leg->answered_invites) server_invites.erase(id);
    if (leg->inbound && leg->invite) server_invites.erase(leg->invite);
  }

  auto now = now_ms();
  CallRecord record;
  record.uuid = call.uuid;
  record.caller = call.caller;
  record.dialled = call.dialled;
  record.source = call.source;
  record.route = call.route;
  record.started_at = call.started_at;
  record.answered_at = call.answered_at;
  record.ended_at = now;
  record.status = call.status ? call.status : 487;
  record.hangup_cause = call.cause;
  record.hangup_side = call.side;
  record.ivr_path = call.ivr_path;
  std::vector<std::pair<media::LegId, int>> media_legs;
  for (const auto& leg : call.legs) {
    LegRecord l;
    l.index = leg->index;
    l.role = leg->role;
    l.sip_call_id = leg->sip_call_id;
    l.from_uri = leg->from_uri;
    l.to_uri = leg->to_uri;
    l.endpoint = leg->endpoint;
    l.started_at = leg->started_at;
    l.answered_at = leg->answered_at;
    l.ended_at = leg->ended_at ? leg->ended_at : now;
    l.status = leg->status;
    l.hangup_cause = leg->cause;
    l.hangup_side = leg->side;
    l.codec = leg->codec_name;
    record.legs.push_back(std::move(l));
    if (leg->local_port) media_legs.emplace_back(leg->media, leg->index);
  }
  spdlog::info("event=call.end call={} cause={} side={} status={} duration_ms={} legs={}", call.uuid,
               record.hangup_cause, record.hangup_side, record.status, now - call.started_at, call.legs.size());
  (record.answered_at ? calls_answered : calls_unanswered).inc();
  bool keep_record = config.calls.cdr;
  auto sink = records;
  auto with_stats = [record = std::move(record), media_legs, sink,
                     keep_record](std::vector<std::pair<media::LegId, media::LegStats>> stats) mutable {
    for (const auto& [media_id, s] : stats) {
      for (const auto& [id, index] : media_legs) {
        if (id != media_id) continue;
        auto& l = record.legs[static_cast<std::size_t>(index)];
        l.packets_in = s.packets_received;
        l.packets_out = s.packets_sent;
        l.bytes_in = s.bytes_received;
        l.bytes_out = s.bytes_sent;
        l.lost_in = s.packets_lost;
        l.jitter_in_ms = s.jitter_ms;
        l.lost_out = s.remote_packets_lost;
        l.jitter_out_ms = s.remote_jitter_ms;
        l.media_address = s.latched_address.empty() ? "" : s.latched_address + ":" + std::to_string(s.latched_port);
      }
    }
    if (keep_record && sink) sink(std::move(record));
  };
  if (call.shared_media) {
    // Others still use the session (a room, the supervised call): only our legs go.
    std::vector<media::LegId> ours;
    for (const auto& [id, index] : media_legs) ours.push_back(id);
    call.media->remove_legs(std::move(ours), std::move(with_stats));
  } else {
    call.media->close(std::move(with_stats));
  }
  calls.erase(call.id);
  calls_active.set(static_cast<std::int64_t>(calls.size()));
}

}  // namespace hotline::pbx
