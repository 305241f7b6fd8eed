#include "message_recorder.hpp"

#include <cmath>

namespace hotline::media {

namespace {
// Speech is well above this; line noise and comfort noise are below (about -45 dBFS).
constexpr double kVoiceRms = 180.0;
}  // namespace

MessageRecorder::MessageRecorder(FrameClock& clock, MessageOptions options, Done done)
    : options_(options), done_(std::move(done)), started_(Clock::now()), last_voice_(started_) {
  audio_->samples.reserve(static_cast<std::size_t>(std::min(options_.max_ms, 600'000)) * 8);
  beat_ = clock.subscribe([this](Clock::time_point now) { on_beat(now); });
}

MessageRecorder::~MessageRecorder() { stop(MessageEnd::stopped); }

void MessageRecorder::hear(std::span<const std::int16_t> samples) {
  if (!done_) return;
  const std::size_t room = static_cast<std::size_t>(options_.max_ms) * 8 - audio_->samples.size();
  const auto take = std::min(room, samples.size());
  audio_->samples.insert(audio_->samples.end(), samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(take));
  double sum = 0;
  for (auto s : samples) sum += double(s) * s;
  if (!samples.empty() && std::sqrt(sum / static_cast<double>(samples.size())) > kVoiceRms) {
    heard_voice_ = true;
    last_voice_ = Clock::now();
  }
  if (take < samples.size()) stop(MessageEnd::max_length);
}

void MessageRecorder::on_beat(Clock::time_point now) {
  if (now - started_ >= std::chrono::milliseconds(options_.max_ms)) return stop(MessageEnd::max_length);
  // Silence counts from the last speech, or from the start when nobody spoke at all.
  if (options_.silence_ms > 0 && now - last_voice_ >= std::chrono::milliseconds(options_.silence_ms)) {
    return stop(MessageEnd::silence);
  }
}

void MessageRecorder::stop(MessageEnd end) {
  if (!done_) return;
  beat_.reset();
  auto done = std::move(done_);
  done_ = nullptr;
  (void)heard_voice_;
  done(end, std::move(audio_));
}

}  // namespace hotline::media
