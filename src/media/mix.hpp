#pragma once
// A session's mix: the legs in it hear each other through the Mixer (who
// hears whom is the mixer's matrix: conference, or a supervisor listening,
// whispering or barging into an agent's call) instead of being relayed.
// Each leg's decoded audio goes into a short queue; every beat of the media
// thread's frame clock takes one 20 ms frame from each queue (a leg whose
// packet has not come is silence for that beat), mixes, and sends each leg
// its own mix. Media thread only.
#include <array>
#include <cstdint>
#include <map>
#include <vector>

#include "frame_clock.hpp"
#include "hotline/media/engine.hpp"
#include "mixer.hpp"

namespace hotline::media {

class Leg;

class Mix {
 public:
  explicit Mix(FrameClock& clock) : clock_(clock) {}
  ~Mix();
  Mix(const Mix&) = delete;
  Mix& operator=(const Mix&) = delete;

  // conference: hears and is heard by every other conference member; else by nobody until supervise().
  void add(Leg& leg, bool conference);
  void remove(LegId id);
  bool contains(LegId id) const { return members_.count(id) != 0; }
  bool empty() const { return members_.empty(); }
  void supervise(LegId supervisor, LegId agent, LegId citizen, Supervision mode);

 private:
  static constexpr std::size_t kFrame = Mixer::kFrameSamples;
  static constexpr std::size_t kQueue = 4 * kFrame;  // 80 ms: more means the sender's clock runs fast

  struct Member {
    Leg* leg = nullptr;
    std::array<std::int16_t, kQueue> queue{};
    std::size_t head = 0;  // first queued sample
    std::size_t size = 0;
  };
  void hear(Member& member, std::span<const std::int16_t> samples);
  void on_beat(FrameClock::Clock::time_point now);

  FrameClock& clock_;
  FrameClock::Subscription beat_;
  Mixer mixer_;
  std::map<LegId, Member> members_;
};

}  // namespace hotline::media
