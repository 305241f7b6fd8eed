#include "receive_stats.hpp"

#include <algorithm>
#include <cmath>

namespace hotline::media {
namespace {
constexpr std::uint32_t kSeqMod = 1u << 16;
constexpr std::uint16_t kMaxDropout = 3000;
constexpr std::uint16_t kMaxMisorder = 100;
}  // namespace

void ReceiveStats::restart(std::uint16_t sequence) {
  lost_before_ += std::max<std::int64_t>(0, lost_now());
  base_seq_ = sequence;
  max_seq_ = sequence;
  bad_seq_ = kSeqMod + 1;
  cycles_ = 0;
  received_ = 0;
  expected_prior_ = 0;
  received_prior_ = 0;
}

void ReceiveStats::on_packet(std::uint32_t ssrc, std::uint16_t sequence) {
  // No probation (A.1's MIN_SEQUENTIAL): latching already picked the source.
  if (!started_ || ssrc != ssrc_) {
    restart(sequence);
    started_ = true;
    ssrc_ = ssrc;
    timing_started_ = false;
    ++received_;
    return;
  }
  const std::uint16_t udelta = static_cast<std::uint16_t>(sequence - max_seq_);
  if (udelta < kMaxDropout) {
    if (sequence < max_seq_) cycles_ += kSeqMod;
    max_seq_ = sequence;
  } else if (udelta <= kSeqMod - kMaxMisorder) {
    // A big jump: restart only when the next packet confirms it (A.1).
    if (sequence == bad_seq_) {
      restart(sequence);
    } else {
      bad_seq_ = (sequence + 1u) & (kSeqMod - 1);
      return;
    }
  }
  // else: duplicate or reordered; counted, the maximum stays.
  ++received_;
}

void ReceiveStats::on_timing(std::uint32_t rtp_timestamp, std::uint32_t arrival) {
  const std::uint32_t transit = arrival - rtp_timestamp;
  if (timing_started_) {
    const auto d = static_cast<std::int32_t>(transit - last_transit_);
    jitter_ += (std::abs(static_cast<double>(d)) - jitter_) / 16.0;
  }
  timing_started_ = true;
  last_transit_ = transit;
}

std::int64_t ReceiveStats::expected() const {
  if (!started_) return 0;
  return static_cast<std::int64_t>(cycles_) + max_seq_ - base_seq_ + 1;
}

std::int64_t ReceiveStats::lost_now() const { return expected() - received_; }

std::uint64_t ReceiveStats::packets_lost() const {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, lost_before_ + lost_now()));
}

ReportBlockValues ReceiveStats::next_report_block() {
  ReportBlockValues v;
  const std::int64_t expected_now = expected();
  const std::int64_t expected_interval = expected_now - expected_prior_;
  const std::int64_t received_interval = received_ - received_prior_;
  const std::int64_t lost_interval = expected_interval - received_interval;
  expected_prior_ = expected_now;
  received_prior_ = received_;
  if (expected_interval > 0 && lost_interval > 0) {
    v.fraction_lost = static_cast<std::uint8_t>(std::min<std::int64_t>(255, (lost_interval << 8) / expected_interval));
  }
  v.cumulative_lost =
      static_cast<std::int32_t>(std::clamp<std::int64_t>(lost_before_ + lost_now(), -(1 << 23), (1 << 23) - 1));
  v.extended_highest_sequence = cycles_ + max_seq_;
  v.jitter = static_cast<std::uint32_t>(jitter_);
  return v;
}

}  // namespace hotline::media
