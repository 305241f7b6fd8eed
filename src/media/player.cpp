#include "player.hpp"

#include <algorithm>

namespace hotline::media {

Player::Player(std::vector<AudioPtr> sequence, bool loop) : sequence_(std::move(sequence)), loop_(loop) {
  std::erase_if(sequence_, [](const AudioPtr& clip) { return !clip || clip->samples.empty(); });
  if (sequence_.empty()) loop_ = false;  // looping nothing would never end and never sound
}

bool Player::next(std::span<std::int16_t, kFrameSamples> frame) {
  if (clip_ >= sequence_.size()) return false;
  std::size_t filled = 0;
  while (filled < kFrameSamples && clip_ < sequence_.size()) {
    const auto& samples = sequence_[clip_]->samples;
    const std::size_t take = std::min(kFrameSamples - filled, samples.size() - offset_);
    std::copy_n(samples.begin() + static_cast<std::ptrdiff_t>(offset_), take, frame.begin() + static_cast<std::ptrdiff_t>(filled));
    filled += take;
    offset_ += take;
    if (offset_ == samples.size()) {
      offset_ = 0;
      ++clip_;
      if (clip_ == sequence_.size() && loop_) clip_ = 0;
    }
  }
  std::fill(frame.begin() + static_cast<std::ptrdiff_t>(filled), frame.end(), std::int16_t{0});
  ++frames_;
  return true;
}

}  // namespace hotline::media
