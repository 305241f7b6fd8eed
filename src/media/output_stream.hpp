#pragma once
// The stream we send to one leg's peer. Its SSRC is ours; sequence numbers
// and timestamps are the source's plus an offset, and the offset is reset
// whenever the source changes (another leg, or a new SSRC after a
// re-INVITE), so the peer sees one continuous stream: the sequence goes on
// at last + 1, the timestamp moves on by the wall-clock time since our
// last packet, and the marker bit tells its jitter buffer to resynchronise.
#include <chrono>
#include <cstdint>

namespace hotline::media {

class OutputStream {
 public:
  using Clock = std::chrono::steady_clock;

  OutputStream(std::uint32_t ssrc, std::uint16_t first_sequence, std::uint32_t first_timestamp);

  struct Header {
    bool marker;
    std::uint16_t sequence;
    std::uint32_t timestamp;
  };
  // source_leg tells apart two legs that happen to use the same SSRC.
  Header next(std::uint32_t source_leg, std::uint32_t source_ssrc, bool marker, std::uint16_t sequence,
              std::uint32_t timestamp, Clock::time_point now);

  // The next packet continues the stream as if from a new source, even if
  // it is not: after a pause (hold) the source's own numbers have moved on.
  void resync() { source_valid_ = false; }

  std::uint32_t ssrc() const { return ssrc_; }
  // Our RTP clock now, for the SR: the last timestamp sent plus the time since.
  std::uint32_t timestamp_at(Clock::time_point now) const;

 private:
  std::uint32_t ssrc_;
  bool started_ = false;
  bool source_valid_ = false;
  std::uint32_t source_leg_ = 0;
  std::uint32_t source_ssrc_ = 0;
  std::uint16_t sequence_offset_ = 0;
  std::uint32_t timestamp_offset_ = 0;
  std::uint16_t last_sequence_;
  std::uint32_t last_timestamp_;
  Clock::time_point last_timestamp_time_{};
};

}  // namespace hotline::media
