#pragma once
// RTCP (RFC 3550 6.4): the little we need of a compound packet from a peer
// (its SR timestamp and the report block about our stream) and a compact
// compound of our own: SR or RR, one report block, SDES with CNAME.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "receive_stats.hpp"

namespace hotline::media {

struct ReportBlock {
  std::uint32_t ssrc = 0;  // the source the block is about
  ReportBlockValues values;
  std::uint32_t last_sr = 0;         // middle 32 bits of the NTP time of the last SR from that source
  std::uint32_t delay_since_sr = 0;  // 1/65536 s
};

struct RtcpSummary {
  std::optional<ReportBlock> about_us;  // the block whose ssrc is ours
  bool sender_report = false;
  std::uint32_t sender_ssrc = 0;
  std::uint32_t sender_ntp_middle = 0;  // for LSR in our next report
};

// nullopt unless the whole datagram is a well-formed compound: version 2
// everywhere, lengths adding up exactly, report counts fitting, padding
// only in the last packet, at most a handful of packets. Unlike A.2, the
// first packet need not be SR/RR (reduced-size RTCP, RFC 5506, does that).
std::optional<RtcpSummary> parse_rtcp(std::span<const std::uint8_t> packet, std::uint32_t our_ssrc);

struct SenderInfo {
  std::uint64_t ntp = 0;  // 32.32 fixed point seconds since 1900
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packets = 0;
  std::uint32_t octets = 0;  // payload octets
};

// SR when sender is given, else RR; block may be null (nothing received yet).
// Returns the size written, 0 when out is too small.
std::size_t build_rtcp(std::span<std::uint8_t> out, std::uint32_t our_ssrc, const SenderInfo* sender,
                       const ReportBlock* block, std::string_view cname);

// Now as NTP 32.32 fixed point (wall clock, as RFC 3550 wants).
std::uint64_t ntp_now();

}  // namespace hotline::media
