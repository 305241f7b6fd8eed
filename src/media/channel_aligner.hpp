#pragma once
// The recorder's two channels on one 8 kHz clock. Left is the citizen, right
// the agent or the IVR. The media thread pushes each leg's decoded audio with
// its RTP timestamp and, from its 20 ms timer, pulls one stereo frame that it
// hands to the RecordingWriter.
//
// Each channel maps RTP timestamps to positions on the common clock: the
// first packet of a stream (and of a new SSRC, or after a jump) is anchored
// `reorder_packets` frames after the current read position, so packets that
// arrive out of order within that window land in their slots. Anything not
// filled when it is read (losses, hold, a channel that has not started) is
// silence, so the two channels never drift apart: the clock is the pull, not
// the packets.
//
// Not thread-safe: it lives on the call's media thread.
#include <array>
#include <cstdint>
#include <span>
#include <vector>

namespace hotline::media {

class ChannelAligner {
 public:
  static constexpr std::size_t kFrameSamples = 160;  // 20 ms at 8 kHz, per channel
  enum Channel : int { left = 0, right = 1 };        // left: citizen; right: agent / IVR

  struct Stats {
    std::uint64_t samples_in = 0;   // accepted into the buffer
    std::uint64_t late_samples = 0;  // arrived after their slot had been read: dropped
    std::uint64_t resyncs = 0;       // re-anchored: first packet, new SSRC, timestamp jump, drift
    std::uint64_t frames_out = 0;
  };

  // reorder_packets: how many 20 ms packets of reordering are absorbed (the
  // recording lags the call by as much). 1 .. 25.
  explicit ChannelAligner(unsigned reorder_packets = 4);

  // One packet's linear samples. rtp_timestamp counts 8 kHz samples (G.711).
  void push(Channel channel, std::uint32_t ssrc, std::uint32_t rtp_timestamp, std::span<const std::int16_t> samples);
  // The next 20 ms: 160 interleaved pairs (L R L R ...) into out (320 samples).
  void pull(std::span<std::int16_t, 2 * kFrameSamples> out);
  // The stream on a channel ended (hold, re-INVITE, transfer): the next
  // packet is anchored anew instead of being matched to the old timestamps.
  void reset(Channel channel);

  const Stats& stats() const { return stats_; }

 private:
  struct Lane {
    std::vector<std::int16_t> ring;  // indexed by position % ring.size(); read slots are zeroed
    bool anchored = false;
    std::uint32_t ssrc = 0;
    std::uint32_t anchor_timestamp = 0;
    std::int64_t anchor_position = 0;  // on the common clock
    unsigned late_in_a_row = 0;
  };

  void anchor(Lane& lane, std::uint32_t ssrc, std::uint32_t timestamp);

  std::array<Lane, 2> lanes_;
  std::int64_t read_position_ = 0;
  std::int64_t delay_ = 0;  // samples
  Stats stats_;
};

}  // namespace hotline::media
