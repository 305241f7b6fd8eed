#include "ivr_call.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <cmath>
#include <numbers>

#include "call.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/ivr/library.hpp"
#include "hotline/media/audio_files.hpp"
#include "hotline/media/tts_mandarin.hpp"

namespace hotline::pbx {
namespace asio = boost::asio;

namespace {

// 400 ms of 1 kHz before a message is recorded: the tone callers know.
media::AudioPtr beep() {
  static const media::AudioPtr audio = [] {
    auto a = std::make_shared<media::Audio>();
    for (int i = 0; i < 3200; ++i) {
      const double edge = std::min({1.0, i / 80.0, (3200 - i) / 80.0});
      a->samples.push_back(static_cast<std::int16_t>(6000 * edge * std::sin(2 * std::numbers::pi * 1000 * i / 8000.0)));
    }
    return media::AudioPtr(std::move(a));
  }();
  return audio;
}

ivr::PlayEnd to_ivr(media::PlayEnd end) {
  switch (end) {
    case media::PlayEnd::finished: return ivr::PlayEnd::finished;
    case media::PlayEnd::interrupted: return ivr::PlayEnd::interrupted;
    case media::PlayEnd::stopped: return ivr::PlayEnd::stopped;
    case media::PlayEnd::failed: break;
  }
  return ivr::PlayEnd::failed;
}

// A value read out in Mandarin (say items of flows).
std::string say_text(ivr::SayKind kind, const std::string& value) {
  try {
    switch (kind) {
      case ivr::SayKind::number: {
        auto dot = value.find('.');
        std::string text = media::mandarin_number(std::stoll(value.substr(0, dot)));
        if (dot != std::string::npos && dot + 1 < value.size()) text += "点" + media::mandarin_digits(value.substr(dot + 1), true);
        return text;
      }
      case ivr::SayKind::digits:
      case ivr::SayKind::ticket_number:
        return media::mandarin_digits(value);
      case ivr::SayKind::date: {
        int y = 0;
        unsigned m = 0, d = 0;
        if (std::sscanf(value.c_str(), "%d-%u-%u", &y, &m, &d) == 3) return media::mandarin_date(y, m, d);
        return value;
      }
      case ivr::SayKind::time: {
        int h = 0, m = 0;
        if (std::sscanf(value.c_str(), "%d:%d", &h, &m) == 2) {
          return media::mandarin_number(h) + "点" + (m ? media::mandarin_number(m) + "分" : std::string("整"));
        }
        return value;
      }
      case ivr::SayKind::money:
        return media::mandarin_money(value).value_or(value);
    }
  } catch (const std::exception&) {
    // Not a number after all: read out as it is.
  }
  return value;
}

// Where a message goes when its call has ended (see start_message).
struct OrphanMessage {
  ivr::Services* services;
  media::AudioFiles* audio;
  std::filesystem::path messages_dir;
  std::string call_uuid;
  std::string caller;
  std::string flow;
  std::string store_as;
};

constexpr std::size_t kShortestMessage = 2 * 8000;  // 2 s: less is a hang-up, not a message

void keep_orphan_message(const OrphanMessage& m, std::shared_ptr<const media::Audio> audio,
                         boost::asio::any_io_executor strand) {
  if (!audio || audio->samples.size() < kShortestMessage || !m.services || !m.audio) return;
  auto path = m.messages_dir / (m.call_uuid + "-hangup.wav");
  const auto ms = static_cast<std::int64_t>(audio->samples.size() / 8);
  auto saved = [m, path, ms](std::string error) {
    if (!error.empty()) return spdlog::error("event=ivr.message_not_saved reason=\"{}\"", error);
    ivr::IvrTicket ticket;
    ticket.type = m.store_as == "mailbox" ? "mailbox" : m.store_as == "complaint" ? "complaint" : "other";
    ticket.caller_phone = m.caller;
    ticket.summary = "电话留言（来电者留言后挂机）";
    ticket.recording_path = path.string();
    ticket.recording_ms = ms;
    ticket.call_id = m.call_uuid;
    ticket.flow = m.flow;
    m.services->create_ticket(ticket, [uuid = m.call_uuid](ivr::ServiceStatus status, ivr::CreatedTicket created) {
      if (!status.ok) return spdlog::error("event=ivr.message_ticket_failed call={}", uuid);
      spdlog::info("event=ivr.message_kept_after_hangup call={} ticket={}", uuid, created.number);
    });
  };
  m.audio->save(path, std::move(audio), strand, std::move(saved));
}

}  // namespace

IvrCall::IvrCall(CallManager::Impl& pbx, Call& call, Leg& citizen, std::shared_ptr<const ivr::Flow> flow)
    : pbx_(pbx), call_id_(call.id), leg_index_(citizen.index), timer_(pbx.strand) {
  ivr::CallInfo info;
  info.call_id = call.uuid;
  info.caller = call.caller;
  info.called = call.dialled;
  ivr::InterpreterOptions options;
  options.variables = pbx.config.ivr.variables;
  options.schedules = pbx.ivr_services.schedules;
  options.stats = pbx.ivr_services.flows->stats(flow->name);
  interpreter_ = std::make_unique<ivr::Interpreter>(std::move(flow), *this, *pbx.ivr_services.services, pbx.strand,
                                                    std::move(info), std::move(options));
}

IvrCall::~IvrCall() = default;

void IvrCall::start() {
  Call* call = pbx_.find_call(call_id_);
  if (!call) return;
  auto heard = [&pbx = pbx_, call_id = call_id_](const media::DtmfEvent& event) {
    asio::post(pbx.strand, [&pbx, call_id, digit = event.digit] {
      Call* c = pbx.find_call(call_id);
      if (c && c->ivr) c->ivr->on_digit(digit);
    });
  };
  call->media->watch_digits(call->legs[static_cast<std::size_t>(leg_index_)]->media, heard);
  interpreter_->start();
}

void IvrCall::on_digit(char digit) {
  if (recording_) {
    if (record_options_.end_digits.find(digit) != std::string::npos) {
      record_end_ = ivr::RecordEnd::digit;
      if (Call* call = pbx_.find_call(call_id_)) {
        call->media->stop_message(call->legs[static_cast<std::size_t>(leg_index_)]->media);
      }
    }
    return;  // the message's own keys are not the flow's
  }
  interpreter_->on_digit(digit);
}

void IvrCall::on_hangup() {
  timer_.cancel();
  interpreter_->on_hangup();
}

PromptSpec IvrCall::spec_of(const ivr::PromptItem& item) const {
  PromptSpec spec;
  const bool english = item.lang == "en";
  spec.voice = english ? "en" : pbx_.config.prompts.voice;
  switch (item.kind) {
    case ivr::PromptSpec::Kind::speech:
      // English recordings are <prompts>/en/KEY.wav; without one, TTS of the English text.
      if (!item.key.empty()) spec.key = english ? "en/" + item.key : item.key;
      spec.text = item.text;
      break;
    case ivr::PromptSpec::Kind::file:
      spec.file = pbx_.ivr_services.prompts_dir / item.file;
      break;
    case ivr::PromptSpec::Kind::say:
      spec.text = english ? item.value : say_text(item.say, item.value);
      break;
  }
  return spec;
}

void IvrCall::play(std::vector<ivr::PromptItem> items, bool barge_in, std::function<void(ivr::PlayEnd)> done) {
  Call* call = pbx_.find_call(call_id_);
  if (!call) return;
  std::vector<PromptSpec> specs;
  specs.reserve(items.size());
  for (const auto& item : items) specs.push_back(spec_of(item));
  media::PlayOptions options;
  options.barge_in = barge_in;
  pbx_.say(*call, *call->legs[static_cast<std::size_t>(leg_index_)], std::move(specs), options,
           [done = std::move(done)](Call&, media::PlayEnd end, char) {
             if (done) done(to_ivr(end));
           });
}

void IvrCall::stop_playing() {
  if (Call* call = pbx_.find_call(call_id_)) {
    call->media->stop_playing(call->legs[static_cast<std::size_t>(leg_index_)]->media);
  }
}

void IvrCall::start_timer(std::chrono::milliseconds after, std::function<void()> fired) {
  timer_.expires_after(after);
  timer_.async_wait([fired = std::move(fired)](boost::system::error_code ec) {
    if (!ec && fired) fired();
  });
}

void IvrCall::cancel_timer() { timer_.cancel(); }

void IvrCall::record(ivr::RecordOptions options, std::function<void(ivr::RecordResult)> done) {
  Call* call = pbx_.find_call(call_id_);
  if (!call) return;
  record_options_ = std::move(options);
  record_done_ = std::move(done);
  record_end_ = ivr::RecordEnd::failed;
  recording_ = true;
  if (!record_options_.beep) return start_message();
  auto after_beep = [&pbx = pbx_, call_id = call_id_](media::PlayEnd, char) {
    asio::post(pbx.strand, [&pbx, call_id] {
      Call* c = pbx.find_call(call_id);
      if (c && c->ivr) c->ivr->start_message();
    });
  };
  call->media->play(call->legs[static_cast<std::size_t>(leg_index_)]->media, {beep()}, {}, after_beep);
}

void IvrCall::start_message() {
  Call* call = pbx_.find_call(call_id_);
  if (!call || !recording_) return;
  media::MessageOptions options;
  options.max_ms = std::max(1, record_options_.max_seconds) * 1000;
  options.silence_ms = std::max(0, record_options_.silence_seconds) * 1000;
  // Callers often say their piece and hang up instead of pressing #: then
  // the call (and the flow) is gone when the audio arrives, and the message
  // is kept here, as a ticket of its kind, rather than lost.
  OrphanMessage orphan{pbx_.ivr_services.services, pbx_.services.audio, pbx_.ivr_services.messages_dir, call->uuid,
                       call->caller, interpreter_->flow()->name, record_options_.store_as};
  auto finished = [&pbx = pbx_, call_id = call_id_, orphan = std::move(orphan)](
                      media::MessageEnd end, std::shared_ptr<const media::Audio> audio) {
    asio::post(pbx.strand, [&pbx, call_id, end, audio = std::move(audio), orphan]() mutable {
      Call* c = pbx.find_call(call_id);
      if (c && c->ivr) return c->ivr->message_done(end, std::move(audio));
      keep_orphan_message(orphan, std::move(audio), pbx.strand);
    });
  };
  call->media->record_message(call->legs[static_cast<std::size_t>(leg_index_)]->media, options, finished);
}

void IvrCall::stop_recording() {
  if (!recording_) return;
  if (record_end_ == ivr::RecordEnd::failed) record_end_ = ivr::RecordEnd::hangup;
  if (Call* call = pbx_.find_call(call_id_)) {
    call->media->stop_message(call->legs[static_cast<std::size_t>(leg_index_)]->media);
  }
}

void IvrCall::message_done(media::MessageEnd end, std::shared_ptr<const media::Audio> audio) {
  if (!recording_) return;
  recording_ = false;
  ivr::RecordResult result;
  switch (end) {
    case media::MessageEnd::silence: result.ended_by = ivr::RecordEnd::silence; break;
    case media::MessageEnd::max_length: result.ended_by = ivr::RecordEnd::max_length; break;
    case media::MessageEnd::hangup: result.ended_by = ivr::RecordEnd::hangup; break;
    case media::MessageEnd::stopped: result.ended_by = record_end_; break;
  }
  auto done = std::move(record_done_);
  record_done_ = nullptr;
  Call* call = pbx_.find_call(call_id_);
  if (!call || !audio || !pbx_.services.audio) {
    result.ended_by = ivr::RecordEnd::failed;
    if (done) done(result);
    return;
  }
  result.duration_ms = static_cast<std::int64_t>(audio->samples.size() / 8);
  auto path = pbx_.ivr_services.messages_dir / (call->uuid + "-" + std::to_string(++messages_) + ".wav");
  result.path = path.string();
  auto saved = [done = std::move(done), result](std::string error) mutable {
    if (!error.empty()) {
      spdlog::error("event=ivr.message_not_saved reason=\"{}\"", error);
      result.ended_by = ivr::RecordEnd::failed;
    }
    if (done) done(result);
  };
  pbx_.services.audio->save(path, std::move(audio), pbx_.strand, std::move(saved));
}

void IvrCall::to_queue(ivr::QueueRequest request, std::function<void(ivr::HandOff)> done) {
  Call* call = pbx_.find_call(call_id_);
  if (!call) return;
  auto wait = std::make_unique<QueueWait>();
  wait->queue = request.queue;
  wait->priority = request.priority;
  for (const auto& item : request.announcements) wait->announcements.push_back(spec_of(item));
  pbx_.enter_queue(*call, *call->legs[static_cast<std::size_t>(leg_index_)], std::move(wait),
                   [done = std::move(done)](bool accepted, std::string reason) { done({accepted, std::move(reason)}); });
}

void IvrCall::transfer(ivr::TransferRequest request, std::function<void(ivr::HandOff)> done) {
  Call* call = pbx_.find_call(call_id_);
  if (!call) return;
  Leg& citizen = *call->legs[static_cast<std::size_t>(leg_index_)];
  Route route;
  if (!request.trunk.empty()) {
    route.kind = Route::Kind::trunk;
    route.target = request.trunk;
    route.number = request.number;
  } else {
    // The dial plan decides, with the caller's class of service (no trunk's inbound mapping: this is outbound).
    auto routed = pbx_.dialplan.route(Caller{call->source, nullptr, call->class_of_service}, request.number);
    if (auto* refusal = std::get_if<Refusal>(&routed)) return done({false, refusal->reason});
    route = std::get<Route>(routed);
    if (route.kind != Route::Kind::trunk && route.kind != Route::Kind::extension) {
      return done({false, "the dial plan sends " + request.number + " to " + route.describe()});
    }
  }
  int status = 0;
  if (!pbx_.dial(*call, citizen.formats, route, "callee", status)) return done({false, "status " + std::to_string(status)});
  spdlog::info("event=ivr.transfer call={} to={}", call->uuid, route.describe());
  done({true, {}});
}

void IvrCall::hangup() {
  asio::post(pbx_.strand, [&pbx = pbx_, call_id = call_id_] {
    if (Call* c = pbx.find_call(call_id)) pbx.end_call(*c, "normal", "system");
  });
}

}  // namespace hotline::pbx
