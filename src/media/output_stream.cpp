#include "output_stream.hpp"

#include <algorithm>

namespace hotline::media {
namespace {
constexpr std::int64_t kSamplesPerMs = 8;  // G.711

std::uint32_t samples_between(OutputStream::Clock::time_point from, OutputStream::Clock::time_point to) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
  return static_cast<std::uint32_t>(std::max<std::int64_t>(0, ms) * kSamplesPerMs);
}
}  // namespace

OutputStream::OutputStream(std::uint32_t ssrc, std::uint16_t first_sequence, std::uint32_t first_timestamp)
    : ssrc_(ssrc), last_sequence_(static_cast<std::uint16_t>(first_sequence - 1)), last_timestamp_(first_timestamp) {}

OutputStream::Header OutputStream::next(std::uint32_t source_leg, std::uint32_t source_ssrc, bool marker,
                                        std::uint16_t sequence, std::uint32_t timestamp, Clock::time_point now) {
  if (!started_ || !source_valid_ || source_leg != source_leg_ || source_ssrc != source_ssrc_) {
    const std::uint16_t continued_sequence = static_cast<std::uint16_t>(last_sequence_ + 1);
    // At least one sample on: two packets with one timestamp would be one frame to the peer.
    const std::uint32_t continued_timestamp =
        started_ ? last_timestamp_ + std::max<std::uint32_t>(1, samples_between(last_timestamp_time_, now))
                 : last_timestamp_;
    sequence_offset_ = static_cast<std::uint16_t>(continued_sequence - sequence);
    timestamp_offset_ = continued_timestamp - timestamp;
    source_leg_ = source_leg;
    source_ssrc_ = source_ssrc;
    marker = true;
    started_ = true;
    source_valid_ = true;
    last_sequence_ = static_cast<std::uint16_t>(continued_sequence - 1);
    last_timestamp_ = continued_timestamp;
    last_timestamp_time_ = now;
  }
  const Header out{marker, static_cast<std::uint16_t>(sequence + sequence_offset_), timestamp + timestamp_offset_};
  // Reordered packets keep their place; only newer ones move the reference.
  if (static_cast<std::int16_t>(out.sequence - last_sequence_) > 0) last_sequence_ = out.sequence;
  if (static_cast<std::int32_t>(out.timestamp - last_timestamp_) > 0) {
    last_timestamp_ = out.timestamp;
    last_timestamp_time_ = now;
  }
  return out;
}

std::uint32_t OutputStream::timestamp_at(Clock::time_point now) const {
  if (!started_) return last_timestamp_;
  return last_timestamp_ + samples_between(last_timestamp_time_, now);
}

}  // namespace hotline::media
