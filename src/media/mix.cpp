#include "mix.hpp"

#include "leg.hpp"

namespace hotline::media {

Mix::~Mix() {
  for (auto& [id, member] : members_) member.leg->set_audio_tap(nullptr);
}

void Mix::add(Leg& leg, bool conference) {
  const LegId id = leg.id();
  if (members_.count(id)) return;
  auto& member = members_[id];
  member.leg = &leg;
  if (!mixer_.add(id, conference)) {
    // Still ramping out from an earlier stay: finish that (no inputs are pending between beats).
    mixer_.mix();
    mixer_.add(id, conference);
  }
  // The map never moves its elements, so the tap may keep a pointer to the member.
  leg.set_audio_tap([this, m = &member](std::span<const std::int16_t> samples, std::uint32_t, std::uint32_t) {
    hear(*m, samples);
  });
  if (!beat_) beat_ = clock_.subscribe([this](FrameClock::Clock::time_point now) { on_beat(now); });
}

void Mix::remove(LegId id) {
  auto it = members_.find(id);
  if (it == members_.end()) return;
  it->second.leg->set_audio_tap(nullptr);
  members_.erase(it);
  mixer_.remove(id);  // ramps out over the next frame: no click for the others
  if (members_.empty()) {
    beat_.reset();
    mixer_ = Mixer();  // nobody is left to hear a ramp
  }
}

void Mix::supervise(LegId supervisor, LegId agent, LegId citizen, Supervision mode) {
  const auto m = mode == Supervision::listen    ? SupervisorMode::listen
                 : mode == Supervision::whisper ? SupervisorMode::whisper
                                                : SupervisorMode::barge;
  media::supervise(mixer_, supervisor, agent, citizen, m);
}

void Mix::hear(Member& member, std::span<const std::int16_t> samples) {
  for (auto sample : samples) {
    if (member.size == kQueue) {  // drop the oldest: keeps the delay bounded when the sender runs fast
      member.head = (member.head + 1) % kQueue;
      --member.size;
    }
    member.queue[(member.head + member.size) % kQueue] = sample;
    ++member.size;
  }
}

void Mix::on_beat(FrameClock::Clock::time_point now) {
  std::array<std::int16_t, kFrame> frame;
  for (auto& [id, member] : members_) {
    if (member.size < kFrame) continue;  // nothing came: silence this beat
    for (std::size_t i = 0; i < kFrame; ++i) frame[i] = member.queue[(member.head + i) % kQueue];
    member.head = (member.head + kFrame) % kQueue;
    member.size -= kFrame;
    mixer_.put(id, frame);
  }
  mixer_.mix();
  for (auto& [id, member] : members_) {
    if (member.leg->playing()) continue;  // a prompt to this leg wins over the mix
    member.leg->send_frame(mixer_.output(id), now);
  }
}

}  // namespace hotline::media
