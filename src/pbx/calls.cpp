// Setting calls up: the caller's INVITE, routing, the callee's INVITE and its
// answers, and the answer to the caller.
#include <sodium.h>
#include <spdlog/spdlog.h>

#include "call.hpp"
#include "hotline/ivr/library.hpp"
#include "ivr_call.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/core/privacy.hpp"
#include "hotline/sip/digest.hpp"
#include "hotline/sip/endpoint.hpp"

namespace hotline::pbx {
namespace {

namespace asio = boost::asio;

std::string new_uuid() {
  unsigned char b[16];
  randombytes_buf(b, sizeof b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += hex[b[i] >> 4];
    out += hex[b[i] & 15];
  }
  return out;
}

bool equals_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

// The G.711 format (and telephone-event) of `formats` into the media engine's terms.
// What we offer when the caller made no offer: both laws and telephone-event.
std::vector<sip::Format> our_offer_formats() {
  std::vector<sip::Format> formats(3);
  formats[0].payload_type = 0;
  formats[0].encoding = "PCMU";
  formats[1].payload_type = 8;
  formats[1].encoding = "PCMA";
  formats[2].payload_type = 101;
  formats[2].encoding = "telephone-event";
  formats[2].fmtp = "0-16";
  return formats;
}

media::LegCodec codec_of(const std::vector<sip::Format>& formats, std::string& name) {
  media::LegCodec c;
  for (const auto& f : formats) {
    if (equals_ci(f.encoding, "telephone-event")) {
      c.telephone_event_type = f.payload_type;
    } else {
      c.payload_type = f.payload_type;
      name = f.encoding;
    }
  }
  return c;
}

// A Uri from "sip:user@host:port;params" (what a registrar binding holds).
sip::Uri uri_from_text(const std::string& text) {
  sip::Uri u;
  u.text = text;
  auto colon = text.find(':');
  u.scheme = text.substr(0, colon);
  auto rest = colon == std::string::npos ? std::string() : text.substr(colon + 1);
  auto at = rest.find('@');
  if (at != std::string::npos) {
    u.user = rest.substr(0, at);
    rest = rest.substr(at + 1);
  }
  auto end = rest.find_first_of(";?>");
  auto hostport = rest.substr(0, end);
  auto port_colon = hostport.rfind(':');
  if (port_colon != std::string::npos && hostport.find(']') == std::string::npos) {
    u.host = hostport.substr(0, port_colon);
    u.port = static_cast<std::uint16_t>(std::atoi(hostport.c_str() + port_colon + 1));
  } else {
    u.host = hostport;
  }
  return u;
}

}  // namespace

std::optional<sip::SessionDescription> sdp_of(const sip::Message& m) {
  if (m.body.empty() || !equals_ci(m.content_type.substr(0, m.content_type.find(';')), "application/sdp"))
    return std::nullopt;
  auto parsed = sip::parse_sdp(m.body);
  if (auto* sdp = std::get_if<sip::SessionDescription>(&parsed)) return *sdp;
  return std::nullopt;
}

media::Flow to_flow(sip::Direction d) {
  switch (d) {
    case sip::Direction::sendonly:
      return media::Flow::sendonly;
    case sip::Direction::recvonly:
      return media::Flow::recvonly;
    case sip::Direction::inactive:
      return media::Flow::inactive;
    case sip::Direction::sendrecv:
      break;
  }
  return media::Flow::sendrecv;
}

CallManager::Impl::Impl(const Config& config, asio::any_io_executor strand, sip::TransactionLayer& layer,
                        sip::Registrar& registrar, media::Engine& media, Metrics& metrics, RecordSink records)
    : config(config),
      strand(std::move(strand)),
      layer(layer),
      registrar(registrar),
      media(media),
      dialplan(config),
      records(std::move(records)),
      calls_active(metrics.gauge("hotline_calls_active", "Calls in progress.")),
      legs_active(metrics.gauge("hotline_call_legs_active", "Call legs (SIP dialogs of calls) in progress.")),
      calls_refused(metrics.counter("hotline_calls_refused_total",
                                    "Calls refused before routing (overload, media ports, auth, dial plan).")),
      calls_answered(metrics.counter("hotline_calls_total", "Finished calls, by result.", {{"result", "answered"}})),
      calls_unanswered(
          metrics.counter("hotline_calls_total", "Finished calls, by result.", {{"result", "unanswered"}})) {}

CallManager::CallManager(const Config& config, asio::any_io_executor strand, sip::TransactionLayer& layer,
                         sip::Registrar& registrar, media::Engine& media, Metrics& metrics, RecordSink records)
    : impl_(std::make_unique<Impl>(config, std::move(strand), layer, registrar, media, metrics, std::move(records))) {}

CallManager::~CallManager() = default;

Call::~Call() = default;

void CallManager::use_ivr(IvrServices ivr) { impl_->ivr_services = std::move(ivr); }

void CallManager::Impl::start_ivr(Call& call, Leg& a, const Route& route) {
  answer_caller(call, a, 200);
  call.ivr = std::make_unique<IvrCall>(*this, call, a, ivr_services.flows->get(route.target));
  spdlog::info("event=ivr.start call={} flow={}", call.uuid, route.target);
  call.ivr->start();
}

std::size_t CallManager::active_calls() const { return impl_->calls.size(); }

ChannelUse CallManager::channel_use() const {
  ChannelUse use;
  use.calls = impl_->calls.size();
  for (const auto& [id, call] : impl_->calls) {
    for (const auto& leg : call->legs) {
      if (leg->ended) continue;
      ++use.legs;
      const auto& e = leg->endpoint;
      if (e.rfind("trunk:", 0) == 0) {
        ++use.by_endpoint[e];
      } else if (e.rfind("extension:", 0) == 0) {
        ++use.by_endpoint["extension"];
      } else if (e.rfind("browser:", 0) == 0) {
        ++use.by_endpoint["browser"];
      }
    }
  }
  return use;
}

void CallManager::on_request(sip::TransactionId id, const sip::Message& request, const sip::Source& source) {
  if (!request.to.tag.empty()) return impl_->on_in_dialog(id, request, source);
  if (request.method == "INVITE") return impl_->on_invite(id, request, source);
  // BYE, INFO, REFER, NOTIFY outside any dialog.
  impl_->refuse(id, 481, "no such dialog");
}

void CallManager::on_ack(const sip::Message& ack, const sip::Source&) {
  auto it = impl_->dialogs.find(Impl::dialog_key(ack.call_id, ack.to.tag));
  if (it == impl_->dialogs.end()) return;  // an ACK for a call already over: nothing to do
  Call* call = nullptr;
  Leg* leg = impl_->find(it->second, &call);
  if (!leg) return;
  leg->dialog.accept_remote_cseq(ack);
  if (leg->late_offer && leg->confirmed) impl_->on_late_answer(*call, *leg, ack);
}

void CallManager::Impl::on_late_answer(Call& call, Leg& leg, const sip::Message& ack) {
  leg.late_offer = false;
  auto answer = sdp_of(ack);
  auto chosen = answer && answer->audio ? sip::choose_formats(*answer->audio) : std::nullopt;
  if (!chosen) {
    // §13.2.1: an ACK must carry the answer to an offer in the 2xx; without one there is no media.
    spdlog::warn("event=call.late_offer_unanswered call={} leg={}", call.uuid, leg.index);
    return end_call(call, "no_sdp_answer", "system");
  }
  leg.formats = *chosen;
  leg.codec = codec_of(leg.formats, leg.codec_name);
  leg.remote_address = answer->audio->address;
  leg.remote_port = answer->audio->port;
  leg.direction = sip::answer_direction(answer->audio->direction);
  call.media->set_remote(leg.media, leg.remote_address, leg.remote_port, leg.codec);
  call.media->set_flow(leg.media, to_flow(leg.direction));
}

void CallManager::on_cancel(sip::TransactionId invite, const sip::Message&) {
  auto it = impl_->server_invites.find(invite);
  if (it == impl_->server_invites.end()) {
    // Cancelled while the caller was being authenticated: no call yet.
    impl_->layer.respond(invite, 487, "Request Terminated");
    impl_->cancelled_early.insert(invite);
    return;
  }
  Call* call = nullptr;
  Leg* leg = impl_->find(it->second, &call);
  if (!leg || leg->confirmed) return;
  impl_->respond(invite, leg, 487);
  leg->status = 487;
  call->status = 487;
  impl_->end_call(*call, "cancel", "caller");
}

void CallManager::on_response(sip::TransactionId id, const sip::Message& response) {
  if (id == 0) {
    // A 2xx again: our ACK was lost. ACK it again from the dialog.
    auto it = impl_->dialogs.find(Impl::dialog_key(response.call_id, response.from.tag));
    if (it != impl_->dialogs.end()) {
      if (Leg* leg = impl_->find(it->second)) impl_->layer.send_ack(leg->dialog.ack(response.cseq), leg->peer);
    }
    return;
  }
  if (impl_->orphans.count(id)) return impl_->on_orphan_answer(id, response);
  auto it = impl_->clients.find(id);
  if (it == impl_->clients.end()) return;
  Pending pending = it->second;
  if (response.status >= 200) impl_->clients.erase(it);
  Call* call = nullptr;
  Leg* leg = impl_->find(pending.ref, &call);
  if (!leg) return;
  switch (pending.purpose) {
    case Purpose::invite:
      return impl_->on_invite_response(*call, *leg, id, response);
    case Purpose::bye:
    case Purpose::info:
    case Purpose::notify:
    case Purpose::reinvite:
      return;
  }
}

void CallManager::on_timeout(sip::TransactionId id) {
  auto orphan = impl_->orphans.find(id);
  if (orphan != impl_->orphans.end()) {
    impl_->orphans.erase(orphan);
    return;
  }
  auto it = impl_->clients.find(id);
  if (it == impl_->clients.end()) return;
  Pending pending = it->second;
  impl_->clients.erase(it);
  Call* call = nullptr;
  Leg* leg = impl_->find(pending.ref, &call);
  if (!leg) return;
  if (pending.purpose == Purpose::invite) {
    leg->invite = 0;
    leg->outgoing_invite.reset();
    return impl_->on_leg_failed(*call, *leg, 408, "timeout");
  }
  if (pending.purpose == Purpose::bye) return;  // the leg is over for us either way
  spdlog::info("event=call.request_timeout call={} leg={}", call->uuid, leg->index);
}

void CallManager::on_ack_timeout(sip::TransactionId id) {
  auto it = impl_->server_invites.find(id);
  if (it == impl_->server_invites.end()) return;
  Call* call = nullptr;
  Leg* leg = impl_->find(it->second, &call);
  impl_->server_invites.erase(it);
  if (!leg) return;
  spdlog::warn("event=call.ack_timeout call={} leg={}", call->uuid, leg->index);
  impl_->end_call(*call, "ack_timeout", "system");
}

void CallManager::hang_up_all() {
  std::vector<std::uint64_t> ids;
  for (const auto& [id, call] : impl_->calls) ids.push_back(id);
  for (auto id : ids) {
    if (Call* call = impl_->find_call(id)) impl_->end_call(*call, "shutdown", "system");
  }
}

// ---- the caller's INVITE ----

void CallManager::Impl::on_invite(sip::TransactionId id, const sip::Message& request, const sip::Source& source) {
  for (const auto& [name, value] : request.headers) {
    if (equals_ci(name, "Require")) {
      // We support no extension (no 100rel, no timers): §8.2.2.3.
      return respond(id, nullptr, 420, {{"Unsupported", value}});
    }
  }
  if (calls.size() >= config.calls.max_calls || layer.overloaded()) {
    calls_refused.inc();
    return respond(id, nullptr, 503, {{"Retry-After", "5"}});
  }
  if (const TrunkConfig* trunk = dialplan.trunk_for_address(source.address)) {
    return start_call(id, request, source, Caller{"trunk:" + trunk->name, trunk, trunk->class_of_service});
  }
  // Phones and extensions prove who they are, as for REGISTER (RFC 3261 §22.3: 407).
  registrar.authenticate(
      request, source, now_ms(), true,
      [this, id, request, source](const std::string& username, const sip::AccountSecrets& account) {
        start_call(id, request, source, Caller{"extension:" + username, nullptr, account.class_of_service});
      },
      [this, id](int status, std::string, std::vector<std::pair<std::string, std::string>> headers) {
        if (status >= 400 && status != 407) calls_refused.inc();
        respond(id, nullptr, status, std::move(headers));
      });
}

void CallManager::Impl::start_call(sip::TransactionId id, const sip::Message& request, const sip::Source& source,
                                   const Caller& caller) {
  if (cancelled_early.erase(id)) return;
  if (!layer.request_of(id)) return;  // the transaction is gone meanwhile
  auto offer = sdp_of(request);
  // No body at all is a late offer: we offer in the 200 and the ACK answers.
  const bool late_offer = request.body.empty();
  if (!late_offer && (!offer || !offer->audio)) {
    calls_refused.inc();
    return respond(id, nullptr, 488, {{"Warning", "304 hotlined \"an SDP offer with audio is required\""}});
  }
  auto chosen = late_offer ? std::optional(our_offer_formats()) : sip::choose_formats(*offer->audio);
  if (!chosen) {
    calls_refused.inc();
    return respond(id, nullptr, 488, {{"Warning", "305 hotlined \"PCMU, PCMA or telephone-event only\""}});
  }
  const std::string number = request.request_uri.user;
  auto routed = dialplan.route(caller, number);
  if (auto* refusal = std::get_if<Refusal>(&routed)) {
    calls_refused.inc();
    spdlog::info("event=call.refused source={} number={} status={} reason=\"{}\"", caller.source, mask_phone(number),
                 refusal->status, refusal->reason);
    return respond(id, nullptr, refusal->status, {{"Warning", "399 hotlined \"" + refusal->reason + "\""}});
  }
  auto route = std::get<Route>(routed);
  const bool supervisor = route.kind == Route::Kind::listen || route.kind == Route::Kind::whisper ||
                          route.kind == Route::Kind::barge;
  std::optional<Supervised> supervised;
  if (supervisor) {
    supervised = find_supervised(route.target);
    if (!supervised) {
      calls_refused.inc();
      return respond(id, nullptr, 480, {{"Warning", "399 hotlined \"no call to supervise at that extension\""}});
    }
  }

  Call& call = create_call(request.from.uri.user, number, caller, route, supervised);

  Leg& a = add_leg(call, "caller", caller.source, true);
  a.invite = id;
  a.peer = source;
  a.from_uri = request.from.uri.text;
  a.to_uri = request.to.uri.text;
  a.dialog = sip::Dialog::from_request(request, source, sip::TransactionLayer::new_tag(), contact_for(source));
  a.sip_call_id = a.dialog.call_id;
  a.our_tag = a.dialog.local_tag;
  dialogs[dialog_key(a.sip_call_id, a.our_tag)] = {call.id, a.index};
  server_invites[id] = {call.id, a.index};
  a.formats = *chosen;
  a.codec = codec_of(a.formats, a.codec_name);
  a.late_offer = late_offer;
  if (late_offer) {
    a.codec = {0, 101};  // what we expect the answer to pick first; the ACK says for sure
    a.codec_name = "PCMU";
  } else {
    a.remote_address = offer->audio->address;
    a.remote_port = offer->audio->port;
    a.direction = sip::answer_direction(offer->audio->direction);
  }
  spdlog::info("event=call.start call={} source={} caller={} number={} route={}", call.uuid, call.source,
               mask_phone(call.caller), mask_phone(number), call.route);
  try {
    auto leg = call.media->add_leg();
    a.media = leg.id;
    a.local_port = leg.local_port;
  } catch (const Error& e) {
    spdlog::warn("event=call.no_media_ports call={} reason=\"{}\"", call.uuid, e.what());
    call.status = 503;
    respond(id, &a, 503, {{"Retry-After", "5"}});
    return end_call(call, "no_media_ports", "system");
  }
  call.media->set_remote(a.media, a.remote_address, a.remote_port, a.codec);
  call.media->set_flow(a.media, to_flow(a.direction));
  route_call(call, a, route, caller, supervised);
}

Call& CallManager::Impl::create_call(const std::string& caller_number, const std::string& number,
                                     const Caller& caller, const Route& route,
                                     const std::optional<Supervised>& supervised) {
  auto owned = std::make_unique<Call>(strand);
  Call& call = *owned;
  call.id = next_call++;
  call.uuid = new_uuid();
  call.caller = caller_number;
  call.dialled = number;
  call.source = caller.source;
  call.route = route.describe();
  call.class_of_service = caller.class_of_service;
  call.started_at = now_ms();
  if (route.kind == Route::Kind::conference) {
    join_room(call, route.target);
  } else if (supervised) {
    call.media = supervised->call->media;  // the supervisor's leg joins the agent's call's media
    call.shared_media = true;
    call.supervising = supervised->call->id;
  } else {
    call.media = media.open_session();
  }
  calls.emplace(call.id, std::move(owned));
  calls_by_uuid[call.uuid] = call.id;
  calls_active.set(static_cast<std::int64_t>(calls.size()));
  return call;
}

// The caller's leg `a` is set up (its media too): where the route takes it.
void CallManager::Impl::route_call(Call& call, Leg& a, const Route& route, const Caller& caller,
                                   const std::optional<Supervised>& supervised) {
  const sip::TransactionId id = a.invite;  // 0 for a browser caller: respond() then does nothing
  if (route.kind != Route::Kind::reject && !call.shared_media) start_recording(call, a);
  call.limit_timer.expires_after(std::chrono::seconds(config.calls.max_call_seconds));
  call.limit_timer.async_wait([this, call_id = call.id](boost::system::error_code ec) {
    if (ec) return;
    if (Call* c = find_call(call_id)) end_call(*c, "max_duration", "system");
  });

  switch (route.kind) {
    case Route::Kind::echo:
      call.media->echo(a.media);
      return answer_caller(call, a, 200);
    case Route::Kind::keypad_test:
      return start_keypad_test(call, a);
    case Route::Kind::extension:
    case Route::Kind::trunk: {
      std::vector<std::string> devices;
      if (caller.source.rfind("extension:", 0) == 0 || caller.source.rfind("browser:", 0) == 0)
        devices.push_back(caller.source);
      if (route.kind == Route::Kind::extension) devices.push_back("extension:" + route.target);
      mark_devices_busy(call, std::move(devices));
      int status = 0;
      if (!dial(call, a.formats, route, "callee", status)) {
        call.status = status;
        respond(id, &a, status);
        a.status = status;
        return end_call(call, status == 480 ? "unavailable" : "failed", "system");
      }
      return;
    }
    case Route::Kind::reject:
      call.status = route.status;
      respond(id, &a, route.status);
      a.status = route.status;
      return end_call(call, "rejected", "system");
    case Route::Kind::conference:
      answer_caller(call, a, 200);
      call.media->conference(a.media);
      return;
    case Route::Kind::listen:
    case Route::Kind::whisper:
    case Route::Kind::barge:
      answer_caller(call, a, 200);
      return start_supervision(call, a, route, *supervised);
    case Route::Kind::ivr:
      if (ivr_services.flows && ivr_services.services && ivr_services.flows->get(route.target)) {
        return start_ivr(call, a, route);
      }
      break;
    case Route::Kind::queue:
      if (acd) {
        answer_caller(call, a, 200);
        auto wait = std::make_unique<QueueWait>();
        wait->queue = route.target;
        return enter_queue(call, a, std::move(wait), [this, call_id = call.id](bool ok, std::string why) {
          Call* c = find_call(call_id);
          if (ok || !c) return;
          media::PlayOptions plain;
          PromptSpec sorry;
          sorry.key = "queue_sorry";
          sorry.text = "对不起，现在坐席全忙，请您稍后再拨，再见。";
          spdlog::info("event=acd.refused call={} reason={}", c->uuid, why);
          say(*c, *c->legs[0], {sorry}, plain, [this](Call& again, media::PlayEnd, char) {
            end_call(again, "queue_refused", "system");
          });
        });
      }
      break;
  }
  {
    // No such flow, or no ACD on this server: say so.
    call.status = 480;
    respond(id, &a, 480, {{"Warning", "399 hotlined \"" + call.route + " is not available on this server\""}});
    a.status = 480;
    return end_call(call, "unavailable", "system");
  }
}

// Starts a leg towards route's target with `from`'s codec; false with a
// status for the caller when it cannot even be tried.
bool CallManager::Impl::dial(Call& call, const std::vector<sip::Format>& formats, const Route& route,
                             const std::string& role, int& status) {
  sip::Source destination;
  sip::Uri target;
  std::string endpoint;
  std::string to_host;
  if (route.kind == Route::Kind::extension) {
    auto bindings = registrar.bindings(route.target, now_ms());
    if (bindings.empty()) {
      status = 480;
      return false;
    }
    const auto& newest = *std::max_element(bindings.begin(), bindings.end(), [](const auto& x, const auto& y) {
      return x.expires_at_ms < y.expires_at_ms;
    });
    destination = newest.source;
    target = uri_from_text(newest.contact);
    endpoint = "extension:" + route.target;
    to_host = layer.local().host;
  } else if (route.kind == Route::Kind::trunk) {
    const TrunkConfig* trunk = dialplan.trunk(route.target);
    if (!trunk || !trunk->address) {
      status = 503;
      return false;
    }
    auto protocol = trunk->transport == "tls"   ? sip::Protocol::tls
                    : trunk->transport == "tcp" ? sip::Protocol::tcp
                                                : sip::Protocol::udp;
    destination = {protocol, trunk->address->host, trunk->address->port, 0};
    target = uri_from_text("sip:" + route.number + "@" + trunk->address->to_string());
    endpoint = "trunk:" + trunk->name;
    to_host = trunk->address->to_string();
  } else {
    status = 500;
    return false;
  }

  Leg& b = add_leg(call, role, endpoint, false);
  b.peer = destination;
  b.formats = formats;
  b.codec = codec_of(b.formats, b.codec_name);
  try {
    auto leg = call.media->add_leg();
    b.media = leg.id;
    b.local_port = leg.local_port;
  } catch (const Error&) {
    b.ended = true;
    status = 503;
    return false;
  }
  sip::Message invite;
  invite.is_request = true;
  invite.method = "INVITE";
  invite.request_uri = target;
  const std::string local = layer.local().host + ":" + std::to_string(layer.local().port);
  std::string tag = sip::TransactionLayer::new_tag();
  invite.from.uri = uri_from_text("sip:" + (call.caller.empty() ? "anonymous" : call.caller) + "@" + local);
  invite.from.text = "<" + invite.from.uri.text + ">;tag=" + tag;
  invite.from.tag = tag;
  invite.to.uri = uri_from_text("sip:" + route.number + "@" + to_host);
  invite.to.text = "<" + invite.to.uri.text + ">";
  invite.call_id = sip::TransactionLayer::new_tag() + sip::TransactionLayer::new_tag() + "@" + layer.local().host;
  invite.cseq = 1;
  invite.cseq_method = "INVITE";
  sip::NameAddr contact;
  contact.text = contact_for(destination);
  invite.contacts.push_back(contact);
  invite.headers = {{"Max-Forwards", "70"}, {"User-Agent", "hotlined"}, {"Allow", sip::Endpoint::kAllow}};
  invite.content_type = "application/sdp";
  invite.body = sdp_for(b);
  b.from_uri = invite.from.uri.text;
  b.to_uri = invite.to.uri.text;
  b.last_invite_cseq = 1;
  b.sip_call_id = invite.call_id;
  b.our_tag = tag;
  dialogs[dialog_key(b.sip_call_id, b.our_tag)] = {call.id, b.index};
  b.outgoing_invite = invite;
  b.invite = layer.send_request(std::move(invite), destination);
  clients[b.invite] = {{call.id, b.index}, Purpose::invite};
  spdlog::info("event=call.dial call={} leg={} endpoint={}", call.uuid, b.index, endpoint);
  if (role == "agent") return true;  // the ACD times its offers itself

  call.ring_timer.expires_after(std::chrono::seconds(config.calls.ring_timeout_seconds));
  call.ring_timer.async_wait([this, ref = LegRef{call.id, b.index}](boost::system::error_code ec) {
    if (ec) return;
    Call* c = nullptr;
    Leg* leg = find(ref, &c);
    if (!leg || leg->confirmed || leg->ended || !leg->invite) return;
    layer.cancel(leg->invite);
    on_leg_failed(*c, *leg, 480, "no_answer");
  });
  return true;
}

void CallManager::Impl::on_invite_response(Call& call, Leg& leg, sip::TransactionId id, const sip::Message& response) {
  if (leg.ended) {
    if (response.status >= 200 && response.status < 300) {
      // Answered after we gave up on it: take the call and end it at once.
      sip::Dialog d = sip::Dialog::from_response(*leg.outgoing_invite, response, leg.peer, contact_for(leg.peer));
      layer.send_ack(d.ack(response.cseq), leg.peer);
      layer.send_request(d.request("BYE"), leg.peer);
    }
    return;
  }
  if (response.status < 200) {
    if (response.status == 100) return;
    auto sdp = sdp_of(response);
    Leg* a = leg.role == "callee" ? call.legs[0].get() : nullptr;
    if (sdp && sdp->audio && !leg.early_media) {
      // Early media (announcements, ringback from a trunk): anchored like the call itself.
      leg.early_media = true;
      leg.remote_address = sdp->audio->address;
      leg.remote_port = sdp->audio->port;
      call.media->set_remote(leg.media, leg.remote_address, leg.remote_port, leg.codec);
      if (a && !a->ended) {
        call.media->bridge(a->media, leg.media);
        a->partner = leg.index;
        leg.partner = a->index;
        // A late-offer caller cannot get our offer in an unreliable 183: it hears ringing.
        respond(a->invite, a, a->late_offer ? 180 : 183, {}, !a->late_offer);
      }
      return;
    }
    if (a && !a->ended && !leg.early_media) respond(a->invite, a, 180);
    return;
  }
  call.ring_timer.cancel();
  leg.invite = 0;
  if (response.status < 300) return on_leg_answered(call, leg, response);
  if ((response.status == 401 || response.status == 407) && !leg.auth_retried && leg.endpoint.rfind("trunk:", 0) == 0) {
    const TrunkConfig* trunk = dialplan.trunk(leg.endpoint.substr(6));
    if (trunk && !trunk->username.empty()) {
      leg.auth_retried = true;
      std::string header = response.status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate";
      auto challenge = sip::parse_digest_credentials(response.header(header));
      if (challenge) {
        auto field = [&](const char* k) {
          auto f = challenge->find(k);
          return f == challenge->end() ? std::string() : f->second;
        };
        auto algorithm =
            equals_ci(field("algorithm"), "SHA-256") ? sip::DigestAlgorithm::sha256 : sip::DigestAlgorithm::md5;
        sip::Message retry = *leg.outgoing_invite;
        retry.vias.clear();
        retry.cseq += 1;
        std::string uri = retry.request_uri.text;
        std::string qop = field("qop").find("auth") != std::string::npos ? "auth" : "";
        std::string cnonce = sip::TransactionLayer::new_tag();
        auto ha1 = sip::ha1(algorithm, trunk->username, field("realm"), trunk->password);
        auto digest = sip::expected_response(algorithm, ha1, "INVITE", uri, field("nonce"), "00000001", cnonce, qop);
        std::string credentials = "Digest username=\"" + trunk->username + "\", realm=\"" + field("realm") +
                                  "\", nonce=\"" + field("nonce") + "\", uri=\"" + uri + "\", response=\"" + digest +
                                  "\", algorithm=" + std::string(sip::to_string(algorithm));
        if (!qop.empty()) credentials += ", qop=auth, nc=00000001, cnonce=\"" + cnonce + "\"";
        if (!field("opaque").empty()) credentials += ", opaque=\"" + field("opaque") + "\"";
        retry.headers.emplace_back(response.status == 401 ? "Authorization" : "Proxy-Authorization", credentials);
        leg.last_invite_cseq = retry.cseq;
        leg.outgoing_invite = retry;
        leg.invite = layer.send_request(std::move(retry), leg.peer);
        clients[leg.invite] = {{call.id, leg.index}, Purpose::invite};
        return;
      }
    }
  }
  (void)id;
  leg.outgoing_invite.reset();
  std::string cause = response.status == 486 || response.status == 600   ? "busy"
                      : response.status == 487                           ? "cancel"
                      : response.status == 480 || response.status == 408 ? "no_answer"
                                                                         : "rejected";
  on_leg_failed(call, leg, response.status, cause);
}

void CallManager::Impl::on_leg_answered(Call& call, Leg& leg, const sip::Message& response) {
  leg.dialog = sip::Dialog::from_response(*leg.outgoing_invite, response, leg.peer, contact_for(leg.peer));
  leg.outgoing_invite.reset();
  leg.confirmed = true;
  leg.answered_at = now_ms();
  leg.status = response.status;
  layer.send_ack(leg.dialog.ack(response.cseq), leg.peer);

  auto sdp = sdp_of(response);
  std::optional<std::vector<sip::Format>> answered;
  if (sdp && sdp->audio) answered = sip::choose_formats(*sdp->audio);
  // The answer must pick a law we offered (we offer one, except to agents' phones of callbacks: both).
  bool same_law = answered && std::any_of(answered->begin(), answered->end(), [&](const sip::Format& f) {
                    return !equals_ci(f.encoding, "telephone-event") &&
                           std::any_of(leg.formats.begin(), leg.formats.end(),
                                       [&](const sip::Format& ours) { return equals_ci(f.encoding, ours.encoding); });
                  });
  if (!same_law) {
    spdlog::warn("event=call.answer_without_our_codec call={} leg={}", call.uuid, leg.index);
    bye(call, leg);
    return on_leg_failed(call, leg, 488, "codec");
  }
  leg.formats = *answered;
  leg.codec = codec_of(leg.formats, leg.codec_name);
  leg.remote_address = sdp->audio->address;
  leg.remote_port = sdp->audio->port;
  call.media->set_remote(leg.media, leg.remote_address, leg.remote_port, leg.codec);

  if (leg.role == "agent") return on_agent_answered(call, leg);
  if (leg.role == "consult") return on_consult_answered(call, leg);
  if (leg.role == "agent_out") return on_outbound_agent_answered(call, leg);
  if (leg.role == "transfer") {
    Leg* keep = leg.transfer_for >= 0 ? call.legs[leg.transfer_for].get() : nullptr;
    Leg* referrer = leg.refer_from >= 0 ? call.legs[leg.refer_from].get() : nullptr;
    if (!keep || keep->ended) {
      bye(call, leg);
      end_leg(call, leg, 200, "normal", "system");
      return end_call(call, "normal", "system");
    }
    call.media->bridge(keep->media, leg.media);
    keep->partner = leg.index;
    keep->transfer_pending = false;
    leg.partner = keep->index;
    spdlog::info("event=call.transferred call={} leg={} to={}", call.uuid, keep->index, leg.endpoint);
    if (referrer && !referrer->ended) {
      notify_transfer(call, *referrer, 200, true);
      bye(call, *referrer);
      end_leg(call, *referrer, 200, "transferred", "system");
    }
    return;
  }
  Leg& a = *call.legs[0];
  if (a.ended) {
    bye(call, leg);
    end_leg(call, leg, 200, "normal", "system");
    return end_call(call, "cancel", "caller");
  }
  if (a.confirmed) call.media->stop_playing(a.media);  // e.g. the music of a transfer from an agent
  call.media->bridge(a.media, leg.media);
  a.partner = leg.index;
  leg.partner = a.index;
  if (!a.confirmed) answer_caller(call, a, 200);  // an IVR caller was answered already
  if (!call.callback_entry.empty()) on_callback_citizen(call, true);
  // An agent's browser that called out (click-to-call, callback): the citizen is on the line now.
  if (a.browser && agent_side(a)) push_call_state(call, a, "connected", "callee_answered");
}

void CallManager::Impl::answer_caller(Call& call, Leg& a, int status) {
  respond(a.invite, &a, status, {}, true);
  a.confirmed = true;
  a.answered_at = now_ms();
  a.status = status;
  call.answered_at = a.answered_at;
  call.status = status;
  spdlog::info("event=call.answered call={} route={}", call.uuid, call.route);
  if (a.browser) push_call_state(call, a, "connected");
}

void CallManager::Impl::on_leg_failed(Call& call, Leg& leg, int status, const std::string& cause) {
  if (leg.role == "agent") return on_agent_failed(call, leg, status, cause);
  if (leg.role == "consult") return on_consult_failed(call, leg, status, cause);
  end_leg(call, leg, status, cause, leg.role == "callee" ? "callee" : "system");
  if (leg.role == "transfer") {
    Leg* keep = leg.transfer_for >= 0 ? call.legs[leg.transfer_for].get() : nullptr;
    Leg* referrer = leg.refer_from >= 0 ? call.legs[leg.refer_from].get() : nullptr;
    if (referrer && !referrer->ended) notify_transfer(call, *referrer, status, true);
    if (keep) keep->transfer_pending = false;
    if (keep && !keep->ended && referrer && !referrer->ended) {
      // The transfer failed and both are still there: they talk again.
      call.media->bridge(keep->media, referrer->media);
      keep->partner = referrer->index;
      referrer->partner = keep->index;
      return;
    }
    return end_call(call, "transfer_failed", "system");
  }
  Leg& a = *call.legs[0];
  if (!a.confirmed && !a.ended) {
    // Callee failures reach the caller as they are, except what only concerns us.
    int to_caller = status == 401 || status == 407 || status == 488 ? 503
                    : status >= 300 && status < 400                 ? 480
                                                                    : status;
    respond(a.invite, &a, to_caller);
    a.status = to_caller;
    call.status = to_caller;
  }
  end_call(call, cause, leg.role == "callee" ? "callee" : "system");
}

void CallManager::Impl::on_orphan_answer(sip::TransactionId id, const sip::Message& response) {
  if (response.status < 200) return;
  auto node = orphans.extract(id);
  if (response.status >= 300) return;
  sip::Message& invite = node.mapped();
  sip::Source peer;
  peer.protocol = sip::Protocol::udp;
  if (!response.contacts.empty()) {
    peer.address = response.contacts.front().uri.host;
    peer.port = response.contacts.front().uri.port ? response.contacts.front().uri.port : 5060;
  }
  sip::Dialog d = sip::Dialog::from_response(invite, response, peer, contact_for(peer));
  layer.send_ack(d.ack(response.cseq), peer);
  layer.send_request(d.request("BYE"), peer);
}

// ---- helpers ----

Call* CallManager::Impl::find_call(std::uint64_t id) {
  auto it = calls.find(id);
  return it == calls.end() ? nullptr : it->second.get();
}

Leg* CallManager::Impl::find(const LegRef& ref, Call** call_out) {
  Call* call = find_call(ref.call);
  if (!call || ref.leg < 0 || ref.leg >= static_cast<int>(call->legs.size())) return nullptr;
  if (call_out) *call_out = call;
  return call->legs[ref.leg].get();
}

Leg& CallManager::Impl::add_leg(Call& call, const std::string& role, const std::string& endpoint, bool inbound) {
  auto leg = std::make_unique<Leg>();
  leg->index = static_cast<int>(call.legs.size());
  leg->role = role;
  leg->endpoint = endpoint;
  leg->inbound = inbound;
  leg->started_at = now_ms();
  unsigned char r[8];
  randombytes_buf(r, sizeof r);
  std::uint64_t session = 0;
  for (unsigned char b : r) session = (session << 8) | b;
  leg->sdp_session = session >> 2;  // fits in a signed 64-bit SDP field
  leg->sdp_version = 1;
  call.legs.push_back(std::move(leg));
  legs_active.set(++legs_open);
  return *call.legs.back();
}

std::string CallManager::Impl::contact_for(const sip::Source& peer) const {
  std::string transport;
  if (peer.protocol == sip::Protocol::tcp) transport = ";transport=tcp";
  if (peer.protocol == sip::Protocol::tls) transport = ";transport=tls";
  return "<sip:hotline@" + layer.local().host + ":" + std::to_string(layer.local().port_for(peer.protocol)) +
         transport + ">";
}

std::string CallManager::Impl::sdp_for(Leg& leg) {
  sip::LocalMedia m;
  m.address = media.address();
  m.port = leg.local_port;
  m.formats = leg.formats;
  m.direction = leg.direction;
  m.session_id = leg.sdp_session;
  m.session_version = leg.sdp_version;
  return sip::build_sdp(m);
}

void CallManager::Impl::respond(sip::TransactionId id, Leg* leg, int status,
                                std::vector<std::pair<std::string, std::string>> extra, bool with_sdp) {
  if (!id) return;
  sip::ResponseOptions o;
  if (leg) {
    o.to_tag = leg->dialog.local_tag;
    if (status >= 101 && status < 300) o.extra_headers.emplace_back("Contact", leg->dialog.local_contact);
    if (with_sdp) {
      o.content_type = "application/sdp";
      o.body = sdp_for(*leg);
    }
  }
  if (status == 200 || status == 405 || status == 501) o.extra_headers.emplace_back("Allow", sip::Endpoint::kAllow);
  for (auto& h : extra) o.extra_headers.push_back(std::move(h));
  layer.respond(id, status, sip::reason_phrase(status), std::move(o));
}

void CallManager::Impl::refuse(sip::TransactionId id, int status, const std::string& why) {
  respond(id, nullptr, status, {{"Warning", "399 hotlined \"" + why + "\""}});
}

}  // namespace hotline::pbx
