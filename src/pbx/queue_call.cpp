// The ACD's side of calls: a citizen waiting in a queue (music, the flow's
// "please hold", position and wait announcements, the "press 1 to be called
// back" menu), offers ringing at agents' phones, the connection with the
// agent who answers (自动报工号), overflows, callbacks (the agent first, then
// the citizen through the trunk) and the events the ACD needs back.
//
// Everything here runs on the SIP strand. The ACD runs on its own strand:
// requests go there with acd->post(), answers come back with asio::post.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "call.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/privacy.hpp"
#include "hotline/ivr/library.hpp"
#include "hotline/media/tts_mandarin.hpp"

namespace hotline::pbx {
namespace asio = boost::asio;

namespace {

constexpr std::size_t kMaxCallbackDigits = 20;

// The ACD's requests, handed to the SIP strand.
class AcdCalls final : public acd::CallControl {
 public:
  explicit AcdCalls(CallManager::Impl& pbx) : pbx_(pbx) {}
  void ring_agent(const acd::Offer& offer) override {
    asio::post(pbx_.strand, [&pbx = pbx_, offer] { pbx.ring_agent(offer); });
  }
  void stop_ringing(acd::OfferId offer) override {
    asio::post(pbx_.strand, [&pbx = pbx_, offer] { pbx.stop_ringing(offer); });
  }
  void overflow(const acd::Entry& entry, const std::string& target, const std::string& reason) override {
    asio::post(pbx_.strand, [&pbx = pbx_, entry, target, reason] { pbx.queue_overflow(entry, target, reason); });
  }
  void announce(const acd::Entry& entry, int position, acd::Ms estimated_wait) override {
    asio::post(pbx_.strand,
               [&pbx = pbx_, entry, position, estimated_wait] { pbx.queue_announce(entry, position, estimated_wait); });
  }

 private:
  CallManager::Impl& pbx_;
};

PromptSpec speech(std::string key, std::string text) {
  PromptSpec p;
  p.key = std::move(key);
  p.text = std::move(text);
  return p;
}

std::string minutes_text(acd::Ms wait) {
  const auto minutes = std::max<acd::Ms>(1, (wait + 59'999) / 60'000);
  return media::mandarin_number(minutes) + "分钟";
}

std::string job_announcement(const std::string& pattern, const std::string& job) {
  std::string out = pattern;
  auto at = out.find("{job}");
  if (at != std::string::npos) out.replace(at, 5, media::mandarin_digits(job));
  return out;
}

acd::HangupSide side_for_acd(const std::string& side, bool agent_is_first_leg) {
  if (side == "system" || side.empty()) return acd::HangupSide::system;
  const bool first = side == "caller";
  return first == agent_is_first_leg ? acd::HangupSide::agent : acd::HangupSide::citizen;
}

// "extension:8001" -> the agent logged in on it, if any (on the ACD strand).
std::string agent_on_device(const acd::Router& router, const std::string& device) {
  for (const auto& a : router.agents()) {
    if (a.device == device && a.state != acd::AgentState::logged_out) return a.agent;
  }
  return {};
}

}  // namespace

// What an agent's phone is offered: the citizen's law first, the other one
// too (the relay transcodes), and telephone-event.
std::vector<sip::Format> agent_offer(const std::vector<sip::Format>& citizen) {
  std::vector<sip::Format> formats;
  for (const auto& f : citizen) {
    if (f.encoding == "PCMU" || f.encoding == "PCMA") formats.push_back(f);
  }
  for (auto [type, name] : {std::pair{0, "PCMU"}, std::pair{8, "PCMA"}}) {
    if (std::none_of(formats.begin(), formats.end(), [&](const sip::Format& f) { return f.encoding == name; })) {
      sip::Format f;
      f.payload_type = type;
      f.encoding = name;
      formats.push_back(f);
    }
  }
  sip::Format te;
  te.payload_type = 101;
  te.encoding = "telephone-event";
  te.fmtp = "0-16";
  formats.push_back(te);
  return formats;
}

void CallManager::use_acd(acd::Service& acd) {
  impl_->acd = &acd;
  impl_->acd_control = std::make_unique<AcdCalls>(*impl_);
  acd.attach(*impl_->acd_control);
}

Call* CallManager::Impl::find_call(const std::string& uuid) {
  auto it = calls_by_uuid.find(uuid);
  return it == calls_by_uuid.end() ? nullptr : find_call(it->second);
}

// ---- joining and waiting ----

void CallManager::Impl::enter_queue(Call& call, Leg& citizen, std::unique_ptr<QueueWait> wait,
                                    std::function<void(bool, std::string)> done) {
  if (!acd) return done(false, "no ACD on this server");
  if (!wait->entered_at) wait->entered_at = now_ms();
  acd::Entry entry;
  entry.id = call.uuid;
  entry.queue = wait->queue;
  entry.priority = wait->priority;
  entry.caller = call.caller;
  entry.entered_at = wait->entered_at;
  entry.ivr_path_json = call.ivr ? call.ivr->path_json() : call.ivr_path;
  call.queued = std::move(wait);
  auto join = [this, entry, call_id = call.id, leg = citizen.index, done = std::move(done)](acd::Router& router,
                                                                                          acd::Ms now) {
    auto admission = router.enter(entry, now);
    asio::post(strand, [this, call_id, leg, admission, done] {
      Call* c = find_call(call_id);
      // Gone meanwhile: its hang-up already told the ACD (abandon, posted after this enter).
      if (!c || !c->queued) return;
      if (!admission.accepted) {
        c->queued.reset();
        spdlog::info("event=acd.refused call={} reason={}", c->uuid, admission.reason);
        return done(false, admission.reason);
      }
      c->queued->admitted = true;
      spdlog::info("event=acd.queued call={} queue={} position={} estimated_wait_ms={}", c->uuid, c->queued->queue,
                   admission.position, admission.estimated_wait);
      auto heard = [this, call_id](const media::DtmfEvent& event) {
        asio::post(strand, [this, call_id, digit = event.digit] { on_queue_digit(call_id, digit); });
      };
      c->media->watch_digits(c->legs[static_cast<std::size_t>(leg)]->media, heard);
      done(true, {});
      if (c->queued && c->queued->waiting) hold_in_queue(*c);
    });
  };
  acd->post(std::move(join));
}

// The citizen hears the flow's "please hold" once, then music until an
// agent answers (announcements interrupt it now and then).
void CallManager::Impl::hold_in_queue(Call& call) {
  Leg& citizen = *call.legs[0];
  if (citizen.ended || !call.queued || !call.queued->waiting) return;
  auto music = [this](Call& c, media::PlayEnd end, char) {
    if (end == media::PlayEnd::stopped || !c.queued || !c.queued->waiting || c.queued->menu != QueueWait::Menu::none)
      return;
    if (c.legs[0]->ended || !hold_music) return;
    media::PlayOptions loop;
    loop.loop = true;
    loop.barge_in = true;
    c.media->play(c.legs[0]->media, {hold_music}, loop, nullptr);
  };
  auto first = std::move(call.queued->announcements);
  call.queued->announcements.clear();
  media::PlayOptions options;
  options.barge_in = true;
  if (first.empty()) return music(call, media::PlayEnd::finished, 0);
  say(call, citizen, std::move(first), options, music);
}

void CallManager::Impl::queue_announce(const acd::Entry& entry, int position, acd::Ms estimated_wait) {
  Call* call = find_call(entry.id);
  if (!call || !call->queued || !call->queued->waiting || call->queued->menu != QueueWait::Menu::none) return;
  std::vector<PromptSpec> prompts;
  prompts.push_back(speech("", "您前面还有" + media::mandarin_number(std::max(0, position - 1)) + "位来电者，预计等待" +
                                   minutes_text(estimated_wait) + "。"));
  prompts.push_back(speech("queue_callback_offer", "如需挂机后由我们回电，请按1。"));
  media::PlayOptions options;
  options.barge_in = true;
  say(*call, *call->legs[0], std::move(prompts), options, [this](Call& c, media::PlayEnd end, char) {
    if (end != media::PlayEnd::stopped && c.queued && c.queued->menu == QueueWait::Menu::none) hold_in_queue(c);
  });
}

// ---- the callback menu: 1 asks for a callback; confirm the number or key another ----

void CallManager::Impl::on_queue_digit(std::uint64_t call_id, char digit) {
  Call* call = find_call(call_id);
  if (!call || !call->queued || !call->queued->waiting || !call->queued->admitted) return;
  QueueWait& q = *call->queued;
  Leg& citizen = *call->legs[0];
  media::PlayOptions options;
  options.barge_in = true;
  auto confirm = [this](Call& c) {
    std::vector<PromptSpec> prompts;
    prompts.push_back(speech("", "我们将回电到" + media::mandarin_digits(c.queued->number) + "。"));
    prompts.push_back(speech("queue_callback_confirm", "确认请按1，输入其他号码请按2，继续等待请按星号键。"));
    c.queued->menu = QueueWait::Menu::confirm;
    media::PlayOptions o;
    o.barge_in = true;
    say(c, *c.legs[0], std::move(prompts), o, nullptr);
  };
  switch (q.menu) {
    case QueueWait::Menu::none:
      if (digit != '1') return;
      q.number = call->caller;
      if (q.number.empty() || q.number == "anonymous") {
        q.menu = QueueWait::Menu::keying;
        q.number.clear();
        return say(*call, citizen, {speech("queue_callback_key", "请输入回电号码，以井号键结束。")}, options, nullptr);
      }
      return confirm(*call);
    case QueueWait::Menu::keying:
      if (digit == '#') {
        if (q.number.empty()) return;
        return confirm(*call);
      }
      if (digit == '*') {
        q.menu = QueueWait::Menu::none;
        return hold_in_queue(*call);
      }
      if (q.number.size() < kMaxCallbackDigits && digit >= '0' && digit <= '9') q.number += digit;
      return;
    case QueueWait::Menu::confirm:
      if (digit == '2') {
        q.menu = QueueWait::Menu::keying;
        q.number.clear();
        return say(*call, citizen, {speech("queue_callback_key", "请输入回电号码，以井号键结束。")}, options, nullptr);
      }
      if (digit == '*') {
        q.menu = QueueWait::Menu::none;
        return hold_in_queue(*call);
      }
      if (digit != '1') return;
      q.menu = QueueWait::Menu::closing;
      {
        auto ask = [this, call_id, uuid = call->uuid, number = q.number](acd::Router& router, acd::Ms now) {
          auto result = router.to_callback(uuid, number, now);
          asio::post(strand, [this, call_id, result] {
            Call* c = find_call(call_id);
            if (!c || !c->queued) return;
            media::PlayOptions plain;
            if (!result.ok) {
              spdlog::info("event=acd.callback_refused call={} reason={}", c->uuid, result.error);
              c->queued->menu = QueueWait::Menu::none;
              return say(*c, *c->legs[0], {speech("queue_callback_unavailable", "暂时无法登记回电，请您继续等待。")},
                         plain, [this](Call& again, media::PlayEnd, char) { hold_in_queue(again); });
            }
            c->queued->callback_requested = true;
            spdlog::info("event=acd.callback_requested call={} number={}", c->uuid, mask_phone(c->queued->number));
            say(*c, *c->legs[0],
                {speech("queue_callback_done", "已为您登记回电，您的排队位置将为您保留，请挂机等候我们的来电，再见。")},
                plain, [this](Call& again, media::PlayEnd, char) { end_call(again, "callback_requested", "system"); });
          });
        };
        acd->post(std::move(ask));
      }
      return;
    case QueueWait::Menu::closing:
      return;
  }
}

// ---- offers ----

void CallManager::Impl::ring_agent(const acd::Offer& offer) {
  auto failed = [this, id = offer.id](acd::OfferFailure why) {
    acd->post([id, why](acd::Router& router, acd::Ms now) { router.offer_failed(id, why, now); });
  };
  if (offer.entry.callback) return start_callback_call(offer);
  Call* call = find_call(offer.entry.id);
  if (!call || call->legs[0]->ended) return failed(acd::OfferFailure::no_answer);  // the ACD hears of the hang-up
  if (offer.device.rfind("browser:", 0) == 0) return ring_browser_agent(*call, offer);
  if (offer.device.rfind("extension:", 0) != 0) return failed(acd::OfferFailure::unreachable);
  Route route;
  route.kind = Route::Kind::extension;
  route.target = offer.device.substr(10);
  route.number = route.target;
  int status = 0;
  if (!dial(*call, agent_offer(call->legs[0]->formats), route, "agent", status)) {
    spdlog::info("event=acd.agent_unreachable call={} agent={} status={}", call->uuid, offer.agent, status);
    return failed(acd::OfferFailure::unreachable);
  }
  Leg& leg = *call->legs.back();
  leg.offer = offer.id;
  leg.agent = offer.agent;
  offer_legs[offer.id] = {call->id, leg.index};
}

void CallManager::Impl::stop_ringing(acd::OfferId offer) {
  auto it = offer_legs.find(offer);
  if (it == offer_legs.end()) return;
  LegRef ref = it->second;
  offer_legs.erase(it);
  Call* call = nullptr;
  Leg* leg = find(ref, &call);
  if (!leg || leg->ended || leg->confirmed) return;
  if (leg->invite) {
    layer.cancel(leg->invite);
    clients.erase(leg->invite);
    if (leg->outgoing_invite) orphans.emplace(leg->invite, std::move(*leg->outgoing_invite));
    leg->invite = 0;
  }
  end_leg(*call, *leg, 487, "offer_withdrawn", "system");
  // A callback call that only had its agent's leg is over.
  if (!call->callback_entry.empty() && leg->index == 0) end_call(*call, "offer_withdrawn", "system");
}

void CallManager::Impl::on_agent_failed(Call& call, Leg& leg, int status, const std::string& cause) {
  end_leg(call, leg, status, cause, "callee");
  if (offer_legs.erase(leg.offer)) {
    auto why = status == 486 || status == 600 ? acd::OfferFailure::busy
               : status == 603              ? acd::OfferFailure::rejected
               : status == 480 || status == 408 || status == 487 ? acd::OfferFailure::no_answer
               : status == 404 || status == 410 || status == 503 ? acd::OfferFailure::unreachable
                                                                 : acd::OfferFailure::rejected;
    spdlog::info("event=acd.offer_failed call={} agent={} status={}", call.uuid, leg.agent, status);
    acd->post([id = leg.offer, why](acd::Router& router, acd::Ms now) { router.offer_failed(id, why, now); });
  }
  if (!call.callback_entry.empty()) end_call(call, cause, "system");  // a callback whose agent did not take it
}

void CallManager::Impl::on_agent_answered(Call& call, Leg& leg) {
  offer_legs.erase(leg.offer);
  auto taken = [this, call_id = call.id, index = leg.index, offer = leg.offer](acd::Router& router, acd::Ms now) {
    const bool ok = router.answered(offer, now);
    asio::post(strand, [this, call_id, index, ok] {
      Call* c = find_call(call_id);
      if (!c) return;
      Leg& agent = *c->legs[static_cast<std::size_t>(index)];
      if (agent.ended) return;
      if (!ok) {
        // The ACD gave up on this offer meanwhile (timeout, another agent first): not this agent's call.
        bye(*c, agent);
        end_leg(*c, agent, 200, "offer_withdrawn", "system");
        if (!c->callback_entry.empty()) end_call(*c, "offer_withdrawn", "system");
        return;
      }
      if (!c->callback_entry.empty()) {
        // A callback: the agent is on the line; now the citizen.
        c->callback_agent_up = true;
        std::string why;
        Route route = outbound_route(c->dialled, why);
        int status = 0;
        if (!why.empty() || !dial(*c, agent.formats, route, "callee", status)) {
          spdlog::warn("event=acd.callback_no_route call={} reason=\"{}\" status={}", c->uuid, why, status);
          return end_call(*c, "callback_no_route", "system");
        }
        media::PlayOptions plain;
        say(*c, agent, {speech("callback_dialling", "正在为您回拨市民电话，请稍候。")}, plain, nullptr, true);
        if (agent.browser) push_call_state(*c, agent, "connected");
        return;
      }
      Leg& citizen = *c->legs[0];
      if (!c->queued || citizen.ended) {
        bye(*c, agent);
        end_leg(*c, agent, 200, "caller_gone", "system");
        return;
      }
      c->queued->waiting = false;
      c->queued->agent = agent.agent;
      c->queued->agent_leg = agent.index;
      c->queued->menu = QueueWait::Menu::none;
      c->media->stop_playing(citizen.media);
      c->media->bridge(citizen.media, agent.media);
      citizen.partner = agent.index;
      agent.partner = citizen.index;
      spdlog::info("event=acd.connected call={} agent={}", c->uuid, agent.agent);
      if (agent.browser) push_call_state(*c, agent, "connected");
      // Other agents still ringing for this caller (ring-all) were stopped by the ACD; any left go now.
      for (auto& other : c->legs) {
        if (other->role == "agent" && other->index != agent.index && !other->ended && !other->confirmed) {
          if (other->invite) layer.cancel(other->invite);
          offer_legs.erase(other->offer);
          end_leg(*c, *other, 487, "answered_elsewhere", "system");
        }
      }
      bool announce = config.acd.job_number_announcement.find("{job}") != std::string::npos;
      for (const auto& q : config.acd.queues) {
        if (q.name == c->queued->queue) announce = announce && q.announce_job_number;
      }
      if (announce) {
        media::PlayOptions plain;
        say(*c, citizen,
            {speech("", job_announcement(config.acd.job_number_announcement, agent.agent))}, plain, nullptr);
      }
    });
  };
  acd->post(std::move(taken));
}

void CallManager::Impl::on_agent_hold(Call& call, Leg& leg, bool on) {
  if (leg.agent.empty()) return;
  acd->post([agent = leg.agent, on](acd::Router& router, acd::Ms now) { router.hold(agent, on, now); });
  (void)call;
}

// ---- callbacks: the agent's phone first, then the citizen's ----

void CallManager::Impl::start_callback_call(const acd::Offer& offer) {
  auto failed = [this, id = offer.id](acd::OfferFailure why) {
    acd->post([id, why](acd::Router& router, acd::Ms now) { router.offer_failed(id, why, now); });
  };
  const bool browser = offer.device.rfind("browser:", 0) == 0;
  if (!browser && offer.device.rfind("extension:", 0) != 0) return failed(acd::OfferFailure::unreachable);
  auto owned = std::make_unique<Call>(strand);
  Call& call = *owned;
  call.id = next_call++;
  call.uuid = offer.entry.id + "-cb" + std::to_string(call.id);  // unique per try: a CDR each
  call.caller = config.acd.callback_caller_id;
  call.dialled = offer.entry.callback_number;
  call.source = "acd:callback";
  call.route = "callback:" + offer.entry.queue;
  call.started_at = now_ms();
  call.callback_entry = offer.entry.id;
  call.media = media.open_session();
  calls.emplace(call.id, std::move(owned));
  calls_by_uuid[call.uuid] = call.id;
  calls_active.set(static_cast<std::int64_t>(calls.size()));
  call.limit_timer.expires_after(std::chrono::seconds(config.calls.max_call_seconds));
  call.limit_timer.async_wait([this, call_id = call.id](boost::system::error_code ec) {
    if (ec) return;
    if (Call* c = find_call(call_id)) end_call(*c, "max_duration", "system");
  });
  if (browser) {
    // The console rings (call.invite with "callback"); its answer dials the citizen.
    ring_browser_agent(call, offer);
    if (call.legs.empty() || call.legs[0]->ended) return end_call(call, "agent_unreachable", "system");
    spdlog::info("event=acd.callback_call call={} entry={} agent={} attempt={} device=browser", call.uuid,
                 offer.entry.id, offer.agent, offer.entry.callback_attempts + 1);
    return;
  }
  Route route;
  route.kind = Route::Kind::extension;
  route.target = offer.device.substr(10);
  route.number = route.target;
  int status = 0;
  // The agent's phone chooses the law; the citizen's leg then offers the same one.
  if (!dial(call, agent_offer({}), route, "agent", status)) {
    end_call(call, "agent_unreachable", "system");
    return failed(acd::OfferFailure::unreachable);
  }
  Leg& leg = *call.legs.back();
  leg.offer = offer.id;
  leg.agent = offer.agent;
  offer_legs[offer.id] = {call.id, leg.index};
  spdlog::info("event=acd.callback_call call={} entry={} agent={} attempt={}", call.uuid, offer.entry.id, offer.agent,
               offer.entry.callback_attempts + 1);
}

void CallManager::Impl::on_callback_citizen(Call& call, bool answered) {
  if (call.callback_reported || call.callback_entry.empty()) return;
  // Only once the ACD took the agent's answer: before that the offer's own outcome tells it.
  if (!call.callback_agent_up) return;
  call.callback_reported = true;
  if (answered) {
    call.answered_at = now_ms();
    call.status = 200;
  }
  spdlog::info("event=acd.callback_result call={} answered={}", call.uuid, answered);
  acd->post([entry = call.callback_entry, answered](acd::Router& router, acd::Ms now) {
    router.callback_result(entry, answered, now);
  });
}

// ---- overflows and the end ----

void CallManager::Impl::queue_overflow(const acd::Entry& entry, const std::string& target, const std::string& reason) {
  Call* call = find_call(entry.id);
  if (!call || !call->queued) return;
  spdlog::info("event=acd.overflow call={} to={} reason={}", call->uuid, target, reason);
  call->media->stop_playing(call->legs[0]->media);
  auto entered_at = call->queued->entered_at;
  call->queued.reset();
  if (target.rfind("queue:", 0) == 0) {
    auto wait = std::make_unique<QueueWait>();
    wait->queue = target.substr(6);
    wait->priority = entry.priority;
    wait->entered_at = entered_at;
    return enter_queue(*call, *call->legs[0], std::move(wait), [this, id = call->id](bool ok, std::string why) {
      Call* c = find_call(id);
      if (!ok && c) {
        spdlog::info("event=acd.overflow_refused call={} reason={}", c->uuid, why);
        end_call(*c, "overflow_refused", "system");
      }
    });
  }
  std::string flow = target == "voicemail" ? "voicemail" : target.rfind("ivr:", 0) == 0 ? target.substr(4) : "";
  if (!flow.empty() && ivr_services.flows && ivr_services.services && ivr_services.flows->get(flow)) {
    if (call->ivr) call->ivr_path = call->ivr->path_json();
    call->ivr = std::make_unique<IvrCall>(*this, *call, *call->legs[0], ivr_services.flows->get(flow));
    spdlog::info("event=ivr.start call={} flow={} after=overflow", call->uuid, flow);
    return call->ivr->start();
  }
  media::PlayOptions plain;
  say(*call, *call->legs[0], {speech("queue_sorry", "对不起，现在坐席全忙，请您稍后再拨，再见。")}, plain,
      [this](Call& c, media::PlayEnd, char) { end_call(c, "overflow", "system"); });
}

void CallManager::Impl::queue_call_ended(Call& call) {
  calls_by_uuid.erase(call.uuid);
  // Offers still ringing: the ACD withdraws them when it hears of the hang-up (abandon).
  for (const auto& leg : call.legs) {
    if (leg->offer) offer_legs.erase(leg->offer);
  }
  if (!acd) return;
  if (!call.busy_devices.empty()) {
    acd->post([devices = call.busy_devices](acd::Router& router, acd::Ms now) {
      for (const auto& d : devices) {
        auto agent = agent_on_device(router, d);
        if (!agent.empty()) router.device_busy(agent, false, now);
      }
    });
  }
  if (!call.callback_entry.empty()) {
    on_callback_citizen(call, false);  // no-op once reported
    const Leg& agent = *call.legs[0];
    if (call.callback_agent_up && !agent.agent.empty()) {
      bool citizen_answered = call.legs.size() > 1 && call.legs[1]->confirmed;
      auto side = citizen_answered ? side_for_acd(call.side, true) : acd::HangupSide::system;
      acd->post([name = agent.agent, side](acd::Router& router, acd::Ms now) { router.call_ended(name, side, now); });
    }
    return;
  }
  if (!call.queued) return;
  QueueWait& q = *call.queued;
  if (q.callback_requested) return;  // the citizen hung up on purpose: their place is kept
  if (q.waiting) {
    acd->post([id = call.uuid](acd::Router& router, acd::Ms now) { router.abandon(id, now); });
    return;
  }
  auto side = side_for_acd(call.side, false);
  acd->post([name = q.agent, side](acd::Router& router, acd::Ms now) { router.call_ended(name, side, now); });
}

void CallManager::Impl::mark_devices_busy(Call& call, std::vector<std::string> devices) {
  if (!acd || devices.empty()) return;
  for (const auto& d : devices) call.busy_devices.push_back(d);
  acd->post([devices = std::move(devices)](acd::Router& router, acd::Ms now) {
    for (const auto& d : devices) {
      auto agent = agent_on_device(router, d);
      if (!agent.empty()) router.device_busy(agent, true, now);
    }
  });
}

// Where a call out to `number` goes: the callback trunk when configured, else the dial plan.
Route CallManager::Impl::outbound_route(const std::string& number, std::string& why) {
  if (!config.acd.callback_trunk.empty()) {
    Route route;
    route.kind = Route::Kind::trunk;
    route.target = config.acd.callback_trunk;
    route.number = number;
    return route;
  }
  auto routed = dialplan.route(Caller{"acd", nullptr, "all"}, number);
  if (auto* refusal = std::get_if<Refusal>(&routed)) {
    why = refusal->reason;
    return {};
  }
  auto route = std::get<Route>(routed);
  if (route.kind != Route::Kind::trunk && route.kind != Route::Kind::extension)
    why = "the dial plan sends " + number + " to " + route.describe();
  return route;
}

}  // namespace hotline::pbx
