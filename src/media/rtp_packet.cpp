#include "rtp_packet.hpp"

#include "bytes.hpp"

namespace hotline::media {

std::optional<RtpHeader> parse_rtp(std::span<const std::uint8_t> packet) {
  const std::size_t size = packet.size();
  if (size < kRtpHeaderSize) return std::nullopt;
  const std::uint8_t* p = packet.data();
  if ((p[0] >> 6) != 2) return std::nullopt;
  // Second byte 200..204 (marker set, PT 72..76) is RTCP SR/RR/SDES/BYE/APP (RFC 5761 4).
  if (p[1] >= 200 && p[1] <= 204) return std::nullopt;
  RtpHeader h;
  h.marker = (p[1] & 0x80) != 0;
  h.payload_type = p[1] & 0x7f;
  h.sequence = load16(p + 2);
  h.timestamp = load32(p + 4);
  h.ssrc = load32(p + 8);
  std::size_t header_size = kRtpHeaderSize + 4 * std::size_t{static_cast<std::uint8_t>(p[0] & 0x0f)};
  if (header_size > size) return std::nullopt;
  if (p[0] & 0x10) {
    if (header_size + 4 > size) return std::nullopt;
    header_size += 4 + 4 * std::size_t{load16(p + header_size + 2)};
    if (header_size > size) return std::nullopt;
  }
  std::size_t padding = 0;
  if (p[0] & 0x20) {
    padding = p[size - 1];
    if (padding == 0 || header_size + padding > size) return std::nullopt;
  }
  h.header_size = header_size;
  h.payload_size = size - header_size - padding;
  return h;
}

void rewrite_rtp(std::span<std::uint8_t> packet, bool marker, std::uint8_t payload_type, std::uint16_t sequence,
                 std::uint32_t timestamp, std::uint32_t ssrc) {
  std::uint8_t* p = packet.data();
  p[1] = static_cast<std::uint8_t>((marker ? 0x80 : 0) | (payload_type & 0x7f));
  store16(p + 2, sequence);
  store32(p + 4, timestamp);
  store32(p + 8, ssrc);
}

}  // namespace hotline::media
