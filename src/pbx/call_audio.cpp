// What callers hear from us rather than from each other: prompts (recorded or
// TTS), music on hold, the keypad test; and the recording of every call.
// Prompts are resolved (key -> file, TTS rendered if need be) and loaded off
// the strand; the play itself runs on the call's media thread, and its end
// comes back here by post. A call may end meanwhile: every callback finds
// the call again by id.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cmath>
#include <numbers>

#include "call.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/media/audio_files.hpp"
#include "hotline/media/prompts.hpp"
#include "hotline/media/recording_writer.hpp"

namespace hotline::pbx {
namespace asio = boost::asio;

namespace {

constexpr auto kKeypadIdle = std::chrono::seconds(60);

// A quiet chime (a rising arpeggio, then rest) for when no hold music file
// is configured: 4 s, looped, about -20 dBFS, with soft note edges.
media::AudioPtr built_in_hold_music() {
  auto audio = std::make_shared<media::Audio>();
  constexpr double kRate = 8000;
  const double notes[] = {523.25, 659.25, 783.99, 1046.5};  // C5 E5 G5 C6
  for (double frequency : notes) {
    const int length = static_cast<int>(0.5 * kRate);
    for (int i = 0; i < length; ++i) {
      const double t = i / kRate;
      const double envelope = std::min(1.0, t / 0.02) * std::exp(-3.0 * t);
      audio->samples.push_back(
          static_cast<std::int16_t>(3000 * envelope * std::sin(2 * std::numbers::pi * frequency * t)));
    }
  }
  audio->samples.resize(static_cast<std::size_t>(4 * kRate), 0);
  return audio;
}

std::string digit_name(char digit) {
  switch (digit) {
    case '0': return "零";
    case '1': return "一";
    case '2': return "二";
    case '3': return "三";
    case '4': return "四";
    case '5': return "五";
    case '6': return "六";
    case '7': return "七";
    case '8': return "八";
    case '9': return "九";
    case '*': return "星号";
    case '#': return "井号";
    default: return std::string("字母") + digit;
  }
}

PromptSpec prompt(std::string key, std::string text) {
  PromptSpec spec;
  spec.key = std::move(key);
  spec.text = std::move(text);
  return spec;
}

std::string digit_key(char digit) {
  if (digit == '*') return "keypad_digit_star";
  if (digit == '#') return "keypad_digit_hash";
  return std::string("keypad_digit_") + static_cast<char>(std::tolower(static_cast<unsigned char>(digit)));
}

}  // namespace

void CallManager::use_media_services(MediaServices services) {
  impl_->services = std::move(services);
  impl_->load_hold_music();
}

void CallManager::Impl::load_hold_music() {
  hold_music = built_in_hold_music();
  if (services.hold_music.empty() || !services.audio) return;
  services.audio->load(services.hold_music, strand, [this](media::LoadedAudio loaded) {
    if (!loaded.audio) {
      spdlog::error("event=media.hold_music_unusable reason=\"{}\" fallback=built_in", loaded.error);
      return;
    }
    hold_music = std::move(loaded.audio);
  });
}

void CallManager::Impl::say(Call& call, Leg& leg, std::vector<PromptSpec> prompts, media::PlayOptions options,
                            SaidFn done, bool only_while_alone) {
  struct Gathering {
    std::vector<media::AudioPtr> clips;
    std::size_t remaining;
    std::string error;
  };
  auto finish = [this, call_id = call.id, leg_index = leg.index, options, only_while_alone,
                 done = std::move(done)](const std::shared_ptr<Gathering>& g) {
    Call* c = find_call(call_id);
    if (!c) return;
    Leg& l = *c->legs[static_cast<std::size_t>(leg_index)];
    // "Connecting you…" that TTS finished only after the other party answered would drown them out.
    const bool too_late = only_while_alone && l.partner >= 0;
    if (!g->error.empty() || l.ended || too_late) {
      if (!g->error.empty()) spdlog::error("event=call.prompt_failed call={} reason=\"{}\"", c->uuid, g->error);
      if (done) done(*c, g->error.empty() ? media::PlayEnd::stopped : media::PlayEnd::failed, 0);
      return;
    }
    auto played = [this, call_id, done](media::PlayEnd end, char digit) {
      asio::post(strand, [this, call_id, done, end, digit] {
        if (Call* again = find_call(call_id); again && done) done(*again, end, digit);
      });
    };
    c->media->play(l.media, std::move(g->clips), options, std::move(played));
  };
  auto gathering = std::make_shared<Gathering>();
  gathering->clips.resize(prompts.size());
  gathering->remaining = prompts.size();
  if (!services.prompts || !services.audio) gathering->error = "no prompt library on this server";
  if (prompts.empty() || !gathering->error.empty()) return finish(gathering);
  auto shared_finish = std::make_shared<decltype(finish)>(std::move(finish));
  for (std::size_t i = 0; i < prompts.size(); ++i) {
    auto loaded = [this, gathering, shared_finish, i](media::LoadedAudio a) {
      if (a.audio) {
        gathering->clips[i] = std::move(a.audio);
      } else if (gathering->error.empty()) {
        gathering->error = a.error;
      }
      if (--gathering->remaining == 0) (*shared_finish)(gathering);
    };
    auto resolved = [this, gathering, shared_finish, loaded](media::TtsResult r) {
      if (r.path.empty()) {
        if (gathering->error.empty()) gathering->error = r.error.empty() ? "no audio" : r.error;
        if (--gathering->remaining == 0) (*shared_finish)(gathering);
        return;
      }
      services.audio->load(r.path, strand, loaded);
    };
    if (!prompts[i].file.empty()) {
      services.audio->load(prompts[i].file, strand, loaded);
    } else {
      services.prompts->resolve(prompts[i].key, prompts[i].text, prompts[i].voice, strand, resolved);
    }
  }
}

void CallManager::Impl::update_hold_music(Call& call, Leg& leg) {
  Leg* partner = leg.partner >= 0 ? call.legs[static_cast<std::size_t>(leg.partner)].get() : nullptr;
  // Our side of a leg that holds us is recvonly (they send only) or inactive.
  const bool holds = leg.direction == sip::Direction::recvonly || leg.direction == sip::Direction::inactive;
  if (!partner || partner->ended || holds == leg.holding) return;
  leg.holding = holds;
  if (holds && hold_music) {
    media::PlayOptions loop;
    loop.loop = true;
    call.media->play(partner->media, {hold_music}, loop, nullptr);
  } else {
    call.media->stop_playing(partner->media);
  }
}

void CallManager::Impl::start_recording(Call& call, Leg& citizen) {
  if (!services.recorder) return;
  media::RecordingInfo info;
  info.call_id = call.uuid;
  info.legs = {citizen.sip_call_id};
  info.caller = call.caller;
  info.started_at_ms = call.started_at;
  call.media->record(citizen.media, *services.recorder, std::move(info));
}

void CallManager::Impl::arm_idle_timer(Call& call) {
  call.idle_timer.expires_after(kKeypadIdle);
  call.idle_timer.async_wait([this, call_id = call.id](boost::system::error_code ec) {
    if (ec) return;
    if (Call* c = find_call(call_id)) end_call(*c, "idle", "system");
  });
}

void CallManager::Impl::start_keypad_test(Call& call, Leg& a) {
  answer_caller(call, a, 200);
  arm_idle_timer(call);
  auto heard = [this, call_id = call.id, leg_index = a.index](const media::DtmfEvent& event) {
    asio::post(strand, [this, call_id, leg_index, event] { on_keypad_digit(call_id, leg_index, event); });
  };
  call.media->watch_digits(a.media, heard);
  media::PlayOptions barge_in;
  barge_in.barge_in = true;
  say(call, a, {prompt("keypad_test_intro", "您好，这里是按键测试。请按任意键，系统会读出您按的键；按井号键结束。")}, barge_in,
      nullptr);
}

void CallManager::Impl::on_keypad_digit(std::uint64_t call_id, int leg_index, const media::DtmfEvent& event) {
  Call* call = find_call(call_id);
  if (!call) return;
  Leg& a = *call->legs[static_cast<std::size_t>(leg_index)];
  if (a.ended) return;
  // Never the digit itself: it may be part of an ID or card number.
  spdlog::info("event=call.dtmf call={} source={} duration_ms={}", call->uuid, media::to_string(event.source),
               event.duration_ms);
  arm_idle_timer(*call);
  if (event.digit == '#') {
    say(*call, a, {prompt("keypad_test_goodbye", "再见。")}, {},
        [this](Call& c, media::PlayEnd, char) { end_call(c, "normal", "system"); });
    return;
  }
  media::PlayOptions barge_in;
  barge_in.barge_in = true;
  say(*call, a, {prompt(digit_key(event.digit), digit_name(event.digit))}, barge_in, nullptr);
}

}  // namespace hotline::pbx
