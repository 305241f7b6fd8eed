#pragma once
// The core of a conference or a supervised call: each 20 ms tick, every
// participant's frame in, every participant's mix out. Who hears whom is a
// matrix of gains, so one class does all the shapes of issue 4:
//   conference: everyone hears everyone else;
//   listen:     the supervisor hears agent and citizen, nobody hears the supervisor;
//   whisper:    as listen, and the agent (only) hears the supervisor;
//   barge:      all three hear each other.
// A participant never hears itself. A participant who sent nothing this
// tick (lost or late packet) is silence for that tick.
//
// Clicks: every change of the matrix (join, leave, a mode switch) moves the
// gain of each affected pair linearly from its old to its new value across
// the next mixed frame, so no output jumps by more than a full-scale
// step / 160 per sample on account of it.
//
// Pure computation on one thread (the conference's media thread): no
// locks, no I/O; allocation only when participants come and go.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace hotline::media {

class Mixer {
 public:
  static constexpr std::size_t kFrameSamples = 160;  // 20 ms at 8 kHz
  using Id = std::uint32_t;
  using Frame = std::array<std::int16_t, kFrameSamples>;

  // A new participant. conference: hears everyone present and is heard by
  // them (ramped in over the next frame); otherwise hears and is heard by
  // nobody until set_hears says so. False if id is present (a leaving
  // participant counts until its ramp-out frame is mixed).
  bool add(Id id, bool conference = true);
  // Ramps the participant out over the next mix(), after which it is gone.
  // Its output of that last mix is still readable until the mix after.
  void remove(Id id);
  // Present and not leaving.
  bool contains(Id id) const;
  std::size_t size() const;

  // Whether listener hears speaker, from the next frame on (ramped).
  // Ignored for unknown or leaving ids and for listener == speaker.
  void set_hears(Id listener, Id speaker, bool hears);
  bool hears(Id listener, Id speaker) const;

  // This tick's audio from a participant (decoded, linear). A second put
  // in the same tick replaces the first.
  void put(Id id, std::span<const std::int16_t, kFrameSamples> samples);
  // Mixes the tick: computes every output, then forgets the inputs.
  void mix();
  // Output of the last mix() for id; silence for an unknown id.
  std::span<const std::int16_t, kFrameSamples> output(Id id) const;

 private:
  struct Gain {
    float current = 0;  // at the end of the last mixed frame
    float target = 0;   // at the end of the next
  };
  struct Participant {
    Id id;
    bool leaving = false;  // ramping out in the next mix()
    bool gone = false;     // ramped out; erased at the start of the next mix()
    bool has_input = false;
    Frame input{};
    Frame output{};
    std::vector<Gain> hears;  // indexed like participants_: gain of each speaker
  };

  Participant* find(Id id);
  const Participant* find(Id id) const;
  std::size_t index_of(const Participant& p) const { return static_cast<std::size_t>(&p - participants_.data()); }
  bool hears_everyone_steadily(std::size_t listener) const;
  void erase_gone();

  std::vector<Participant> participants_;
  std::array<std::int32_t, kFrameSamples> total_{};  // sum of all inputs, for the common case
  std::array<float, kFrameSamples> acc_{};
};

enum class SupervisorMode { listen, whisper, barge };

// Sets who hears whom between a supervisor and the two parties of a call
// (all three already in the mixer). Agent and citizen keep hearing each
// other; the supervisor always hears both.
void supervise(Mixer& mixer, Mixer::Id supervisor, Mixer::Id agent, Mixer::Id citizen, SupervisorMode mode);

}  // namespace hotline::media
