#pragma once
// What a leg hears instead of its partner while a prompt plays: a sequence
// of audio clips read out in 20 ms frames, clips joined without a gap, the
// last frame padded with silence; or looped for ever (music on hold). Pure:
// the leg's frame clock pulls from it and the leg encodes and sends.
#include <cstdint>
#include <span>
#include <vector>

#include "hotline/media/engine.hpp"

namespace hotline::media {

class Player {
 public:
  static constexpr std::size_t kFrameSamples = 160;

  Player(std::vector<AudioPtr> sequence, bool loop);
  // The next 20 ms into frame; false (frame untouched) once everything was played.
  bool next(std::span<std::int16_t, kFrameSamples> frame);
  std::uint64_t frames_played() const { return frames_; }

 private:
  std::vector<AudioPtr> sequence_;
  bool loop_;
  std::size_t clip_ = 0;
  std::size_t offset_ = 0;
  std::uint64_t frames_ = 0;
};

}  // namespace hotline::media
