#pragma once
// What one leg's peer sends us, as RFC 3550 counts it: extended highest
// sequence number and loss (A.3), interarrival jitter (A.8), and the
// per-interval values of an RTCP report block (6.4.1). Times are in RTP
// timestamp units of the 8 kHz G.711 clock.
#include <cstdint>

namespace hotline::media {

struct ReportBlockValues {
  std::uint8_t fraction_lost = 0;
  std::int32_t cumulative_lost = 0;  // 24-bit signed on the wire
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter = 0;  // timestamp units
};

class ReceiveStats {
 public:
  // A new SSRC starts a new sequence space; loss counted so far is kept.
  void on_packet(std::uint32_t ssrc, std::uint16_t sequence);
  // Only for packets of the audio clock (not telephone-event, whose
  // timestamp is the start of the event).
  void on_timing(std::uint32_t rtp_timestamp, std::uint32_t arrival);

  bool has_source() const { return started_; }
  std::uint32_t source_ssrc() const { return ssrc_; }
  std::uint64_t packets_lost() const;  // never negative (duplicates can outnumber gaps)
  double jitter_units() const { return jitter_; }
  // Advances the interval: call once per report sent.
  ReportBlockValues next_report_block();

 private:
  std::int64_t expected() const;
  std::int64_t lost_now() const;
  void restart(std::uint16_t sequence);

  bool started_ = false;
  std::uint32_t ssrc_ = 0;
  std::uint16_t max_seq_ = 0;
  std::uint32_t cycles_ = 0;  // shifted count of wraps
  std::uint32_t base_seq_ = 0;
  std::uint32_t bad_seq_ = 0;
  std::int64_t received_ = 0;  // packets that fit the sequence space
  std::int64_t expected_prior_ = 0;
  std::int64_t received_prior_ = 0;
  std::int64_t lost_before_ = 0;  // from earlier SSRCs or sequence restarts

  bool timing_started_ = false;
  std::uint32_t last_transit_ = 0;
  double jitter_ = 0;
};

}  // namespace hotline::media
