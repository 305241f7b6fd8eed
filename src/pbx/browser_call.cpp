// Browser legs: a WebRTC leg of the media engine (ICE-lite, DTLS-SRTP; see
// docs/webrtc.md) signalled over the agent's WebSocket instead of SIP
// (docs/websocket-protocol.md, "The agent console"). An agent logged in with
// device "browser:JOB" is rung with a `call.invite` push carrying our offer
// and answers with `call.answer`; the test phone and the console's dial pad
// place calls with `call.invite` carrying the browser's offer. Such a leg has
// no SIP dialog: where a SIP leg would get a BYE, the browser gets a
// `call.state` push. Everything else (bridging, hold, recording, transfer,
// supervision) treats it as any other leg.
//
// A page reload must not drop the citizen: when the WebSocket closes, the
// agent's device and call wait `websocket.reattach_grace_seconds` (the
// citizen hears music) for a new connection's `session.attach`, which moves
// them over and offers the call again on a fresh WebRTC leg; the answer swaps
// the leg's media. After the grace the call ends and the device is lost.
//
// Runs on the SIP strand like the rest of the CallManager.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "call.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/core/privacy.hpp"
#include "hotline/media/webrtc_sdp.hpp"

namespace hotline::pbx {
namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr std::size_t kMaxDtmfDigits = 32;

media::WebRtcDescription parse_browser_sdp(const std::string& sdp) {
  auto parsed = media::parse_webrtc_sdp(sdp);
  if (auto* bad = std::get_if<media::WebRtcSdpError>(&parsed)) throw Error(Errc::invalid_argument, "sdp: " + bad->reason);
  return std::get<media::WebRtcDescription>(std::move(parsed));
}

media::LegCodec browser_codec(const media::WebRtcDescription& description) {
  auto codec = media::choose_webrtc_codec(description);
  if (!codec) throw Error(Errc::invalid_argument, "sdp: the audio line has neither PCMU nor PCMA at 8000 Hz");
  return *codec;
}

std::string law_of(const media::LegCodec& codec) { return codec.payload_type == 8 ? "PCMA" : "PCMU"; }

// What a SIP leg dialled for a browser caller is offered: the browser's law and telephone-event.
std::vector<sip::Format> formats_of(const media::LegCodec& codec) {
  std::vector<sip::Format> formats(1);
  formats[0].payload_type = codec.payload_type;
  formats[0].encoding = law_of(codec);
  sip::Format te;
  te.payload_type = 101;
  te.encoding = "telephone-event";
  te.fmtp = "0-16";
  formats.push_back(te);
  return formats;
}

bool valid_digits(const std::string& digits) {
  return !digits.empty() && digits.size() <= kMaxDtmfDigits &&
         digits.find_first_not_of("0123456789*#ABCD") == std::string::npos;
}

CallManager::BrowserCallAnswer place_browser_call(CallManager::Impl& pbx, const std::string& job,
                                                  const std::string& session, const std::string& number,
                                                  const media::WebRtcDescription& offer, const media::LegCodec& codec,
                                                  const Caller& caller, const Route& route,
                                                  const std::optional<CallManager::Impl::Supervised>& supervised);

}  // namespace

// ---- the public side (on the SIP strand) ----

void CallManager::use_browser_push(BrowserPush push) { impl_->browser_push = std::move(push); }

void CallManager::browser_bind(const std::string& job, const std::string& session) {
  auto& s = impl_->browser_sessions[session];
  s.user = job;
  s.agent = true;
  s.connected = true;
  impl_->browser_agents[job] = session;
  spdlog::info("event=browser.bound agent={}", job);
}

void CallManager::browser_unbind(const std::string& job) {
  auto it = impl_->browser_agents.find(job);
  if (it == impl_->browser_agents.end()) return;
  impl_->browser_sessions.erase(it->second);
  impl_->browser_agents.erase(it);
}

void CallManager::browser_closed(const std::string& session) {
  auto& pbx = *impl_;
  // The test phone's and dial pad's own calls end with their page: nothing re-offers them.
  std::vector<std::uint64_t> ended;
  for (auto& [id, call] : pbx.calls) {
    for (auto& leg : call->legs) {
      if (!leg->browser || leg->ws_session != session || leg->ended) continue;
      if (!agent_side(*leg)) ended.push_back(id);
    }
  }
  // A consulted colleague's page goes: the consulting agent is back with the citizen.
  std::vector<LegRef> consulted;
  for (auto& [id, call] : pbx.calls) {
    for (auto& leg : call->legs) {
      if (leg->browser && leg->ws_session == session && !leg->ended && leg->consulted_by >= 0)
        consulted.push_back({id, leg->index});
    }
  }
  for (auto ref : consulted) {
    Call* c = nullptr;
    if (Leg* leg = pbx.find(ref, &c)) pbx.consult_party_left(*c, *leg, true);
  }
  for (auto id : ended) {
    if (Call* c = pbx.find_call(id)) pbx.end_call(*c, "browser_gone", "caller");
  }
  auto it = pbx.browser_sessions.find(session);
  // Offers ringing in the closed page go to the next agent; live calls wait for the grace.
  std::vector<LegRef> ringing;
  for (auto& [id, call] : pbx.calls) {
    for (auto& leg : call->legs) {
      if (!leg->browser || leg->ws_session != session || leg->ended) continue;
      if (!leg->confirmed) {
        ringing.push_back({id, leg->index});
      } else if (it == pbx.browser_sessions.end()) {
        ended.push_back(id);  // logged out meanwhile: nothing to re-attach to
      } else if (leg->partner >= 0 && !leg->holding && pbx.hold_music) {
        media::PlayOptions loop;
        loop.loop = true;
        call->media->play(call->legs[static_cast<std::size_t>(leg->partner)]->media, {pbx.hold_music}, loop, nullptr);
      }
    }
  }
  for (auto ref : ringing) {
    Call* c = nullptr;
    Leg* leg = pbx.find(ref, &c);
    if (!leg || leg->ended || leg->confirmed) continue;
    if (leg->role == "agent_out") {
      pbx.on_leg_failed(*c, *leg, 480, "browser_gone");
    } else {
      pbx.on_agent_failed(*c, *leg, 480, "browser_gone");
    }
  }
  for (auto id : ended) {
    if (Call* c = pbx.find_call(id)) pbx.end_call(*c, "browser_gone", "system");
  }
  if (it == pbx.browser_sessions.end()) return;
  it->second.connected = false;
  it->second.grace = std::make_unique<asio::steady_timer>(pbx.strand);
  it->second.grace->expires_after(std::chrono::seconds(pbx.config.websocket.reattach_grace_seconds));
  it->second.grace->async_wait([&pbx, session](boost::system::error_code ec) {
    if (!ec) pbx.browser_grace_over(session);
  });
  spdlog::info("event=browser.detached agent={} grace_s={}", it->second.user, pbx.config.websocket.reattach_grace_seconds);
}

std::string CallManager::browser_attach(const std::string& job, const std::string& old_session,
                                        const std::string& new_session) {
  auto& pbx = *impl_;
  auto it = pbx.browser_sessions.find(old_session);
  if (it == pbx.browser_sessions.end() || it->second.user != job)
    throw Error(Errc::not_found, "session_id: nothing to re-attach (the grace period is over, or it is not yours)");
  std::string live;
  if (old_session != new_session) {
    auto moved = std::move(it->second);
    pbx.browser_sessions.erase(it);
    if (moved.grace) moved.grace->cancel();
    moved.grace.reset();
    moved.connected = true;
    if (moved.agent) pbx.browser_agents[job] = new_session;
    pbx.browser_sessions[new_session] = std::move(moved);
  }
  for (auto& [id, call] : pbx.calls) {
    for (auto& leg : call->legs) {
      if (!leg->browser || leg->ws_session != old_session || leg->ended) continue;
      leg->ws_session = new_session;
      if (!agent_side(*leg)) continue;
      if (!leg->confirmed) {
        // Still ringing: the same offer stands (nothing of it was used yet).
        json invite = {{"call", call->uuid}, {"sdp", pbx.browser_offer(*call, *leg)},
                       {"caller_masked", mask_phone(call->caller)}};
        if (leg->role == "consult") {
          Leg* by = leg->consulted_by >= 0 ? call->legs[static_cast<std::size_t>(leg->consulted_by)].get() : nullptr;
          invite["consult"] = true;
          invite["from_agent"] = by ? by->agent : std::string();
        } else if (leg->role == "agent_out") {
          invite["caller_masked"] = mask_phone(call->dialled);
          invite["outbound"] = true;
        } else {
          invite["queue"] = call->queued ? call->queued->queue : std::string();
          invite["offer"] = leg->offer;
        }
        pbx.push_to_browser(*leg, "call.invite", invite.dump());
        continue;
      }
      // A fresh WebRTC leg for the new page; the answer swaps it in (take_over_agent_leg).
      auto state = [&pbx, call_id = call->id, index = leg->index](const media::WebRtcState& s) {
        asio::post(pbx.strand, [&pbx, call_id, index, s] { pbx.on_browser_media(call_id, index, s); });
      };
      try {
        auto fresh = call->media->add_webrtc_leg(state);
        if (leg->pending_media) call->media->remove_legs({leg->pending_media}, nullptr);
        leg->pending_media = fresh.id;
        leg->pending_port = fresh.local_port;
        leg->pending_webrtc = fresh.local;
      } catch (const Error& e) {
        spdlog::warn("event=browser.reattach_no_ports call={} reason=\"{}\"", call->uuid, e.what());
        continue;
      }
      media::WebRtcSdpLocal local;
      local.address = pbx.media.address();
      local.port = leg->pending_port;
      local.local = leg->pending_webrtc;
      local.session_id = leg->sdp_session;
      local.session_version = ++leg->sdp_version;
      json invite = {{"call", call->uuid}, {"sdp", media::build_webrtc_offer(local)},
                     {"caller_masked", mask_phone(call->caller)},
                     {"queue", call->queued ? call->queued->queue : std::string()}, {"reattach", true}};
      pbx.push_to_browser(*leg, "call.invite", invite.dump());
      live = call->uuid;
    }
  }
  spdlog::info("event=browser.attached agent={} live_call={}", job, !live.empty());
  return live;
}

CallManager::BrowserCallAnswer CallManager::browser_invite(const std::string& job, const std::string& session,
                                                           const std::string& number, const std::string& sdp) {
  auto& pbx = *impl_;
  if (number.empty() || number.size() > 32 || number.find_first_not_of("0123456789*#+") != std::string::npos)
    throw Error(Errc::invalid_argument, "number: digits, * # + only (1-32)");
  auto offer = parse_browser_sdp(sdp);
  auto codec = browser_codec(offer);
  if (pbx.calls.size() >= pbx.config.calls.max_calls) {
    pbx.calls_refused.inc();
    throw Error(Errc::unavailable, "too many calls: try again shortly");
  }
  Caller caller{"browser:" + job, nullptr, "all"};
  auto routed = pbx.dialplan.route(caller, number);
  if (auto* refusal = std::get_if<Refusal>(&routed)) {
    pbx.calls_refused.inc();
    throw Error(Errc::invalid_argument, "number: " + refusal->reason);
  }
  auto route = std::get<Route>(routed);
  std::optional<Impl::Supervised> supervised;
  if (route.kind == Route::Kind::listen || route.kind == Route::Kind::whisper || route.kind == Route::Kind::barge) {
    supervised = pbx.find_supervised(route.target);
    if (!supervised) throw Error(Errc::conflict, "no call to supervise at that extension");
  }
  return place_browser_call(pbx, job, session, number, offer, codec, caller, route, supervised);
}

CallManager::BrowserCallAnswer CallManager::browser_monitor(const std::string& job, const std::string& session,
                                                            const std::string& agent, media::Supervision mode,
                                                            const std::string& sdp) {
  auto& pbx = *impl_;
  auto offer = parse_browser_sdp(sdp);
  auto codec = browser_codec(offer);
  auto supervised = pbx.find_supervised_agent(agent);
  if (!supervised) throw Error(Errc::not_found, "agent " + agent + " has no live call to join");
  if (pbx.calls.size() >= pbx.config.calls.max_calls) {
    pbx.calls_refused.inc();
    throw Error(Errc::unavailable, "too many calls: try again shortly");
  }
  Route route;
  route.kind = mode == media::Supervision::listen    ? Route::Kind::listen
               : mode == media::Supervision::whisper ? Route::Kind::whisper
                                                     : Route::Kind::barge;
  route.target = agent;
  route.number = agent;
  Caller caller{"browser:" + job, nullptr, "all"};
  return place_browser_call(pbx, job, session, "monitor:" + agent, offer, codec, caller, route, supervised);
}

namespace {

CallManager::BrowserCallAnswer place_browser_call(CallManager::Impl& pbx, const std::string& job,
                                                  const std::string& session, const std::string& number,
                                                  const media::WebRtcDescription& offer, const media::LegCodec& codec,
                                                  const Caller& caller, const Route& route,
                                                  const std::optional<CallManager::Impl::Supervised>& supervised) {
  Call& call = pbx.create_call(job, number, caller, route, supervised);
  const std::string uuid = call.uuid;
  Leg* a = pbx.add_browser_leg(call, "caller", job, session);
  if (!a) {
    call.status = 503;
    pbx.end_call(call, "no_media_ports", "system");
    throw Error(Errc::unavailable, "no media ports free: try again shortly");
  }
  call.media->set_webrtc_remote(a->media, offer.remote, codec);
  a->codec = codec;
  a->codec_name = law_of(codec);
  a->formats = formats_of(codec);
  media::WebRtcSdpLocal local;
  local.address = pbx.media.address();
  local.port = a->local_port;
  local.local = a->webrtc;
  local.session_id = a->sdp_session;
  local.session_version = a->sdp_version;
  CallManager::BrowserCallAnswer answer{uuid, media::build_webrtc_answer(offer, local, codec)};
  spdlog::info("event=call.start call={} source=browser:{} number={} route={}", uuid, job, mask_phone(number),
               call.route);
  pbx.route_call(call, *a, route, caller, supervised);
  if (!pbx.find_call(uuid)) {
    // Ended at once (an extension not registered, a busy destination): say why instead of an answer.
    throw Error(Errc::conflict, "the call ended at once: " + (pbx.last_end.uuid == uuid ? pbx.last_end.cause : "?"));
  }
  return answer;
}

}  // namespace

void CallManager::browser_answer(const std::string& job, const std::string& session, const std::string& uuid,
                                 const std::string& sdp) {
  auto& pbx = *impl_;
  Call* call = pbx.find_call(uuid);
  Leg* leg = call ? pbx.browser_leg(*call, session) : nullptr;
  const bool offered = leg && agent_side(*leg);
  if (!offered || (leg->confirmed && !leg->pending_media))
    throw Error(Errc::not_found, "call: no offer of that call is waiting for your answer");
  auto answer = parse_browser_sdp(sdp);
  auto codec = browser_codec(answer);
  if (leg->confirmed) {
    // A re-attached page answers the fresh offer: its leg takes the media over.
    call->media->set_webrtc_remote(leg->pending_media, answer.remote, codec);
    leg->codec = codec;
    leg->codec_name = law_of(codec);
    return pbx.take_over_agent_leg(*call, *leg);
  }
  call->media->set_webrtc_remote(leg->media, answer.remote, codec);
  leg->codec = codec;
  leg->codec_name = law_of(codec);
  leg->formats = formats_of(codec);  // a callback's citizen is offered the same law
  leg->confirmed = true;
  leg->answered_at = now_ms();
  leg->status = 200;
  spdlog::info("event=browser.answered call={} agent={}", uuid, job);
  if (leg->role == "consult") return pbx.on_consult_answered(*call, *leg);
  if (leg->role == "agent_out") return pbx.on_outbound_agent_answered(*call, *leg);
  pbx.on_agent_answered(*call, *leg);
}

void CallManager::browser_reject(const std::string&, const std::string& session, const std::string& uuid) {
  auto& pbx = *impl_;
  Call* call = pbx.find_call(uuid);
  Leg* leg = call ? pbx.browser_leg(*call, session) : nullptr;
  const bool offered = leg && agent_side(*leg);
  if (!offered || leg->confirmed) throw Error(Errc::not_found, "call: no offer of that call is ringing for you");
  if (leg->role == "consult") return pbx.on_consult_failed(*call, *leg, 603, "rejected");
  if (leg->role == "agent_out") return pbx.on_leg_failed(*call, *leg, 603, "rejected");
  pbx.on_agent_failed(*call, *leg, 603, "rejected");
}

void CallManager::browser_bye(const std::string& job, const std::string& session, const std::string& uuid) {
  auto& pbx = *impl_;
  Call* call = pbx.find_call(uuid);
  if (!call) throw Error(Errc::not_found, "call: no such call");
  Leg* leg = pbx.browser_leg(*call, session);
  if (!leg) {
    // A desk-phone agent hanging up from the console.
    for (auto& l : call->legs) {
      if (!l->browser && l->agent == job && l->confirmed && !l->ended) leg = l.get();
    }
  }
  if (!leg) throw Error(Errc::not_found, "call: not yours");
  if (leg->role == "agent" && !leg->confirmed) return pbx.on_agent_failed(*call, *leg, 603, "rejected");
  if (leg->role == "consult" && !leg->confirmed) return pbx.on_consult_failed(*call, *leg, 603, "rejected");
  if (leg->role == "agent_out" && !leg->confirmed) return pbx.on_leg_failed(*call, *leg, 603, "rejected");
  spdlog::info("event=browser.bye call={} user={}", uuid, job);
  if (pbx.consult_party_left(*call, *leg, true)) return;
  pbx.end_call(*call, "normal", leg->index == 0 ? "caller" : "callee");
}

void CallManager::browser_dtmf(const std::string&, const std::string& session, const std::string& uuid,
                               const std::string& digits) {
  auto& pbx = *impl_;
  if (!valid_digits(digits)) throw Error(Errc::invalid_argument, "digits: 1-32 of 0-9 * # A-D");
  Call* call = pbx.find_call(uuid);
  Leg* leg = call ? pbx.browser_leg(*call, session) : nullptr;
  if (!leg || !leg->confirmed) throw Error(Errc::not_found, "call: no live call of yours");
  // Whoever watches the leg (an IVR flow, the keypad test, a queue's callback menu) hears them;
  // a bridged party gets them as RFC 4733 events or tones. Digits are never logged.
  for (char d : digits) {
    media::DtmfEvent event;
    event.digit = d;
    event.duration_ms = 100;
    event.start = std::chrono::steady_clock::now();
    event.source = media::DtmfSource::info;
    call->media->digit_from_signalling(leg->media, event);
  }
  Leg* partner = leg->partner >= 0 ? call->legs[static_cast<std::size_t>(leg->partner)].get() : nullptr;
  if (partner && !partner->ended && !partner->browser) call->media->send_digits(partner->media, digits);
}

// ---- inside ----

void CallManager::Impl::bye(Call& call, Leg& leg) {
  if (leg.browser) return;  // end_leg tells the browser
  send_in_dialog(call, leg, leg.dialog.request("BYE"), Purpose::bye);
}

void CallManager::Impl::push_to_browser(const Leg& leg, const std::string& method, const std::string& params_json) {
  if (browser_push && !leg.ws_session.empty()) browser_push(leg.ws_session, method, params_json);
}

void CallManager::Impl::push_call_state(const Call& call, const Leg& leg, const std::string& state,
                                        const std::string& cause) {
  json params = {{"call", call.uuid}, {"state", state}};
  if (!cause.empty()) params["cause"] = cause;
  push_to_browser(leg, "call.state", params.dump());
}

Leg* CallManager::Impl::browser_leg(Call& call, const std::string& ws_session) {
  for (auto& leg : call.legs) {
    if (leg->browser && leg->ws_session == ws_session && !leg->ended) return leg.get();
  }
  return nullptr;
}

Leg* CallManager::Impl::add_browser_leg(Call& call, const std::string& role, const std::string& user,
                                        const std::string& ws_session) {
  Leg& leg = add_leg(call, role, "browser:" + user, role == "caller");
  leg.browser = true;
  leg.ws_session = ws_session;
  leg.user = user;
  auto state = [this, call_id = call.id, index = leg.index](const media::WebRtcState& s) {
    asio::post(strand, [this, call_id, index, s] { on_browser_media(call_id, index, s); });
  };
  try {
    auto fresh = call.media->add_webrtc_leg(state);
    leg.media = fresh.id;
    leg.local_port = fresh.local_port;
    leg.webrtc = fresh.local;
  } catch (const Error& e) {
    spdlog::warn("event=browser.no_media_ports call={} reason=\"{}\"", call.uuid, e.what());
    end_leg(call, leg, 503, "no_media_ports", "system");
    return nullptr;
  }
  return &leg;
}

std::string CallManager::Impl::browser_offer(Call&, Leg& leg) {
  media::WebRtcSdpLocal local;
  local.address = media.address();
  local.port = leg.local_port;
  local.local = leg.webrtc;
  local.session_id = leg.sdp_session;
  local.session_version = leg.sdp_version;
  return media::build_webrtc_offer(local);
}

void CallManager::Impl::ring_browser_agent(Call& call, const acd::Offer& offer) {
  auto failed = [this, id = offer.id](acd::OfferFailure why) {
    acd->post([id, why](acd::Router& router, acd::Ms now) { router.offer_failed(id, why, now); });
  };
  const std::string job = offer.device.substr(8);
  auto bound = browser_agents.find(job);
  auto session = bound == browser_agents.end() ? browser_sessions.end() : browser_sessions.find(bound->second);
  if (session == browser_sessions.end() || !session->second.connected) {
    spdlog::info("event=acd.agent_unreachable call={} agent={} device=browser", call.uuid, offer.agent);
    return failed(acd::OfferFailure::unreachable);
  }
  Leg* leg = add_browser_leg(call, "agent", job, session->first);
  if (!leg) return failed(acd::OfferFailure::unreachable);
  leg->offer = offer.id;
  leg->agent = offer.agent;
  offer_legs[offer.id] = {call.id, leg->index};
  const bool callback = !call.callback_entry.empty();
  json invite = {{"call", call.uuid},
                 {"sdp", browser_offer(call, *leg)},
                 {"caller_masked", mask_phone(callback ? call.dialled : call.caller)},
                 {"queue", offer.entry.queue},
                 {"offer", offer.id}};
  if (callback) invite["callback"] = true;  // answering calls the citizen back
  push_to_browser(*leg, "call.invite", invite.dump());
}

void CallManager::Impl::take_over_agent_leg(Call& call, Leg& leg) {
  const media::LegId old = leg.media;
  Leg* partner = leg.partner >= 0 ? call.legs[static_cast<std::size_t>(leg.partner)].get() : nullptr;
  if (partner) call.media->isolate(old);
  leg.media = leg.pending_media;
  leg.local_port = leg.pending_port;
  leg.webrtc = leg.pending_webrtc;
  leg.pending_media = 0;
  leg.media_grace.reset();  // cancels its wait
  call.media->remove_legs({old}, nullptr);
  if (leg.conferenced) {
    call.media->conference(leg.media);  // a three-way call: back into the mix
  } else if (partner && !partner->ended) {
    call.media->bridge(partner->media, leg.media);
    if (leg.holding) {
      call.media->set_flow(leg.media, media::Flow::inactive);
    } else {
      call.media->stop_playing(partner->media);
    }
  }
  spdlog::info("event=browser.reattached call={} agent={}", call.uuid, leg.agent);
  if (leg.consult >= 0) {
    // Consulting: the reloaded page gets the consultation's state back, as when it began.
    const Leg& consult = *call.legs[static_cast<std::size_t>(leg.consult)];
    json params = {{"call", call.uuid},
                   {"state", leg.conferenced ? "conference" : consult.confirmed ? "consulting" : "consult_ringing"},
                   {"target", leg.consult_target}};
    return push_to_browser(leg, "call.state", params.dump());
  }
  push_call_state(call, leg, leg.holding ? "held" : "connected");
}

void CallManager::Impl::on_browser_media(std::uint64_t call_id, int leg_index, const media::WebRtcState& state) {
  Call* call = find_call(call_id);
  if (!call || leg_index >= static_cast<int>(call->legs.size())) return;
  Leg& leg = *call->legs[static_cast<std::size_t>(leg_index)];
  if (leg.ended) return;
  if (state.dtls_connected && !state.failed) {
    spdlog::info("event=browser.media_up call={} leg={}", call->uuid, leg_index);
    return;
  }
  if (!state.failed) return;
  auto session = browser_sessions.find(leg.ws_session);
  const bool detached = session != browser_sessions.end() && !session->second.connected;
  // A page that went away is the grace period's business; a replaced leg's failure is nobody's.
  if (detached || leg.pending_media) return;
  spdlog::warn("event=browser.media_failed call={} leg={} reason=\"{}\"", call->uuid, leg_index, state.failure);
  if (leg.role == "agent" && !leg.confirmed) return on_agent_failed(*call, leg, 480, "media_failed");
  if (leg.role == "consult" && (!leg.confirmed || leg.consulted_by >= 0)) {
    if (!leg.confirmed) return on_consult_failed(*call, leg, 480, "media_failed");
    consult_party_left(*call, leg, true);
    return;
  }
  if (leg.role == "agent_out" && !leg.confirmed) return on_leg_failed(*call, leg, 480, "media_failed");
  if (!agent_side(leg) || session == browser_sessions.end()) {
    return end_call(*call, "media_failed", leg.index == 0 ? "caller" : "callee");
  }
  // Usually a reload: the page closes DTLS a moment before its WebSocket. Wait as for a disconnect.
  if (leg.media_grace) return;
  Leg* partner = leg.partner >= 0 ? call->legs[static_cast<std::size_t>(leg.partner)].get() : nullptr;
  if (partner && !partner->ended && !leg.holding && hold_music) {
    media::PlayOptions loop;
    loop.loop = true;
    call->media->play(partner->media, {hold_music}, loop, nullptr);
  }
  leg.media_grace = std::make_unique<asio::steady_timer>(strand);
  leg.media_grace->expires_after(std::chrono::seconds(config.websocket.reattach_grace_seconds));
  leg.media_grace->async_wait([this, call_id, leg_index](boost::system::error_code ec) {
    if (ec) return;
    Call* c = find_call(call_id);
    if (!c) return;
    Leg& lost = *c->legs[static_cast<std::size_t>(leg_index)];
    if (lost.ended || !lost.media_grace) return;
    end_call(*c, "media_failed", lost.index == 0 ? "caller" : "callee");
  });
}

void CallManager::Impl::browser_grace_over(const std::string& ws_session) {
  auto it = browser_sessions.find(ws_session);
  if (it == browser_sessions.end() || it->second.connected) return;
  const std::string job = it->second.user;
  const bool agent = it->second.agent;
  browser_sessions.erase(it);
  std::vector<std::uint64_t> ended;
  for (auto& [id, call] : calls) {
    for (auto& leg : call->legs) {
      if (leg->browser && leg->ws_session == ws_session && !leg->ended) ended.push_back(id);
    }
  }
  for (auto id : ended) {
    if (Call* c = find_call(id)) {
      Leg* leg = browser_leg(*c, ws_session);
      if (leg && consult_party_left(*c, *leg, true)) continue;  // consulting: the call is handed over
      end_call(*c, "agent_device_lost", leg && leg->index == 0 ? "caller" : "callee");
    }
  }
  spdlog::info("event=browser.grace_over agent={} calls_ended={}", job, ended.size());
  if (!agent) return;
  auto bound = browser_agents.find(job);
  if (bound != browser_agents.end() && bound->second == ws_session) browser_agents.erase(bound);
  if (acd) acd->post([job](acd::Router& router, acd::Ms now) { router.device_lost(job, now); });
}

}  // namespace hotline::pbx
