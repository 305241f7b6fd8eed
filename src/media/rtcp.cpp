#include "rtcp.hpp"

#include <chrono>

#include "bytes.hpp"

namespace hotline::media {
namespace {

constexpr std::uint8_t kSr = 200;
constexpr std::uint8_t kRr = 201;
constexpr std::uint8_t kSdes = 202;
constexpr std::size_t kMaxPacketsInCompound = 16;
constexpr std::size_t kReportBlockSize = 24;
constexpr std::size_t kSenderInfoSize = 20;

ReportBlock read_block(const std::uint8_t* p) {
  ReportBlock b;
  b.ssrc = load32(p);
  b.values.fraction_lost = p[4];
  // 24-bit two's complement.
  std::uint32_t lost = (std::uint32_t{p[5]} << 16) | (std::uint32_t{p[6]} << 8) | p[7];
  b.values.cumulative_lost = static_cast<std::int32_t>(lost << 8) >> 8;
  b.values.extended_highest_sequence = load32(p + 8);
  b.values.jitter = load32(p + 12);
  b.last_sr = load32(p + 16);
  b.delay_since_sr = load32(p + 20);
  return b;
}

void write_block(std::uint8_t* p, const ReportBlock& b) {
  store32(p, b.ssrc);
  p[4] = b.values.fraction_lost;
  const auto lost = static_cast<std::uint32_t>(b.values.cumulative_lost) & 0xffffff;
  p[5] = static_cast<std::uint8_t>(lost >> 16);
  p[6] = static_cast<std::uint8_t>(lost >> 8);
  p[7] = static_cast<std::uint8_t>(lost);
  store32(p + 8, b.values.extended_highest_sequence);
  store32(p + 12, b.values.jitter);
  store32(p + 16, b.last_sr);
  store32(p + 20, b.delay_since_sr);
}

}  // namespace

std::optional<RtcpSummary> parse_rtcp(std::span<const std::uint8_t> packet, std::uint32_t our_ssrc) {
  RtcpSummary summary;
  std::size_t offset = 0;
  std::size_t count = 0;
  while (offset < packet.size()) {
    if (++count > kMaxPacketsInCompound || packet.size() - offset < 4) return std::nullopt;
    const std::uint8_t* p = packet.data() + offset;
    if ((p[0] >> 6) != 2) return std::nullopt;
    const std::size_t length = (std::size_t{load16(p + 2)} + 1) * 4;
    if (length > packet.size() - offset) return std::nullopt;
    const bool last = offset + length == packet.size();
    std::size_t body = length;
    if (p[0] & 0x20) {
      if (!last) return std::nullopt;
      const std::size_t padding = p[length - 1];
      if (padding == 0 || padding > length - 4) return std::nullopt;
      body -= padding;
    }
    const std::size_t reports = p[0] & 0x1f;
    const std::uint8_t type = p[1];
    if (type == kSr || type == kRr) {
      const std::size_t fixed = 8 + (type == kSr ? kSenderInfoSize : 0);
      if (body < fixed + reports * kReportBlockSize) return std::nullopt;
      if (type == kSr && !summary.sender_report) {
        summary.sender_report = true;
        summary.sender_ssrc = load32(p + 4);
        summary.sender_ntp_middle = load32(p + 10);  // low 16 of seconds, high 16 of fraction
      }
      for (std::size_t i = 0; i < reports; ++i) {
        const std::uint8_t* block = p + fixed + i * kReportBlockSize;
        if (load32(block) == our_ssrc && !summary.about_us) summary.about_us = read_block(block);
      }
    }
    offset += length;
  }
  if (count == 0) return std::nullopt;
  return summary;
}

std::size_t build_rtcp(std::span<std::uint8_t> out, std::uint32_t our_ssrc, const SenderInfo* sender,
                       const ReportBlock* block, std::string_view cname) {
  const std::size_t report_size = 8 + (sender ? kSenderInfoSize : 0) + (block ? kReportBlockSize : 0);
  // SDES: header, SSRC, CNAME item (type, length, text), end-of-list zero(s) up to a 32-bit boundary.
  if (cname.size() > 255) cname = cname.substr(0, 255);
  const std::size_t sdes_size = (8 + 2 + cname.size() + 1 + 3) / 4 * 4;
  if (out.size() < report_size + sdes_size) return 0;

  std::uint8_t* p = out.data();
  p[0] = static_cast<std::uint8_t>(0x80 | (block ? 1 : 0));
  p[1] = sender ? kSr : kRr;
  store16(p + 2, static_cast<std::uint16_t>(report_size / 4 - 1));
  store32(p + 4, our_ssrc);
  std::size_t at = 8;
  if (sender) {
    store32(p + at, static_cast<std::uint32_t>(sender->ntp >> 32));
    store32(p + at + 4, static_cast<std::uint32_t>(sender->ntp));
    store32(p + at + 8, sender->rtp_timestamp);
    store32(p + at + 12, sender->packets);
    store32(p + at + 16, sender->octets);
    at += kSenderInfoSize;
  }
  if (block) write_block(p + at, *block);

  std::uint8_t* s = p + report_size;
  s[0] = 0x81;  // one chunk
  s[1] = kSdes;
  store16(s + 2, static_cast<std::uint16_t>(sdes_size / 4 - 1));
  store32(s + 4, our_ssrc);
  s[8] = 1;  // CNAME
  s[9] = static_cast<std::uint8_t>(cname.size());
  std::size_t i = 10;
  for (char c : cname) s[i++] = static_cast<std::uint8_t>(c);
  while (i < sdes_size) s[i++] = 0;
  return report_size + sdes_size;
}

std::uint64_t ntp_now() {
  using namespace std::chrono;
  constexpr std::uint64_t kUnixToNtp = 2208988800ull;
  const auto since_epoch = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
  const auto seconds = static_cast<std::uint64_t>(since_epoch / 1'000'000'000);
  const auto nanos = static_cast<std::uint64_t>(since_epoch % 1'000'000'000);
  return ((seconds + kUnixToNtp) << 32) | ((nanos << 32) / 1'000'000'000);
}

}  // namespace hotline::media
