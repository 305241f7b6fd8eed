#include "channel_aligner.hpp"

#include <algorithm>

namespace hotline::media {
namespace {

// One second of buffer per channel: far more than the reorder window, so a
// packet may arrive early (a sender's clock running fast) before we resync.
constexpr std::size_t kRingSamples = 8000;
// Late packets in a row that mean the sender's clock runs slow: re-anchor.
constexpr unsigned kLateBeforeResync = 5;

}  // namespace

ChannelAligner::ChannelAligner(unsigned reorder_packets)
    : delay_(static_cast<std::int64_t>(std::clamp(reorder_packets, 1u, 25u) * kFrameSamples)) {
  for (auto& lane : lanes_) lane.ring.assign(kRingSamples, 0);
}

void ChannelAligner::anchor(Lane& lane, std::uint32_t ssrc, std::uint32_t timestamp) {
  lane.anchored = true;
  lane.ssrc = ssrc;
  lane.anchor_timestamp = timestamp;
  lane.anchor_position = read_position_ + delay_;
  lane.late_in_a_row = 0;
  ++stats_.resyncs;
}

void ChannelAligner::reset(Channel channel) { lanes_[channel].anchored = false; }

void ChannelAligner::push(Channel channel, std::uint32_t ssrc, std::uint32_t timestamp,
                          std::span<const std::int16_t> samples) {
  if (samples.empty()) return;
  if (samples.size() > kRingSamples / 2) samples = samples.first(kRingSamples / 2);
  Lane& lane = lanes_[channel];
  if (!lane.anchored || lane.ssrc != ssrc) anchor(lane, ssrc, timestamp);
  // Signed distance on the 32-bit timestamp circle: wrap-around is free.
  auto offset = static_cast<std::int32_t>(timestamp - lane.anchor_timestamp);
  std::int64_t position = lane.anchor_position + offset;
  auto size = static_cast<std::int64_t>(samples.size());
  const auto ring = static_cast<std::int64_t>(kRingSamples);
  // Too far ahead for the buffer, or a jump backwards past anything we could
  // still hold: the stream's timestamps moved (a new talk spurt after hold,
  // a sender that restarted). Start again from here.
  if (position + size > read_position_ + ring || position + size <= read_position_ - ring) {
    anchor(lane, ssrc, timestamp);
    position = lane.anchor_position;
  }
  std::size_t skip = 0;
  if (position < read_position_) {  // (partly) late
    skip = static_cast<std::size_t>(std::min(read_position_ - position, size));
    stats_.late_samples += skip;
    if (skip == samples.size()) {
      if (++lane.late_in_a_row >= kLateBeforeResync) lane.anchored = false;
      return;
    }
  }
  lane.late_in_a_row = 0;
  for (std::size_t i = skip; i < samples.size(); ++i) {
    auto p = position + static_cast<std::int64_t>(i);
    lane.ring[static_cast<std::size_t>(p % ring)] = samples[i];
  }
  stats_.samples_in += samples.size() - skip;
}

void ChannelAligner::pull(std::span<std::int16_t, 2 * kFrameSamples> out) {
  const auto ring = static_cast<std::int64_t>(kRingSamples);
  for (std::size_t i = 0; i < kFrameSamples; ++i) {
    auto slot = static_cast<std::size_t>((read_position_ + static_cast<std::int64_t>(i)) % ring);
    for (int c = 0; c < 2; ++c) {
      out[2 * i + static_cast<std::size_t>(c)] = lanes_[static_cast<std::size_t>(c)].ring[slot];
      lanes_[static_cast<std::size_t>(c)].ring[slot] = 0;
    }
  }
  read_position_ += static_cast<std::int64_t>(kFrameSamples);
  ++stats_.frames_out;
}

}  // namespace hotline::media
