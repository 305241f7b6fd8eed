#pragma once
// RTP fixed header (RFC 3550 5.1): validation of what arrives and in-place
// rewriting of what we relay. No copies and no allocation: the relay calls
// these for every packet.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace hotline::media {

constexpr std::size_t kRtpHeaderSize = 12;

struct RtpHeader {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::size_t header_size = 0;   // fixed header, CSRCs and extension
  std::size_t payload_size = 0;  // without padding
};

// nullopt for anything that is not a sane RTP version 2 packet: too short,
// CSRC list, extension or padding running past the end, or an RTCP packet
// type (a peer multiplexing RTCP on the RTP port, which we did not offer).
std::optional<RtpHeader> parse_rtp(std::span<const std::uint8_t> packet);

// Overwrites marker, payload type, sequence number, timestamp and SSRC;
// CSRCs, extension and payload stay. packet must have passed parse_rtp.
void rewrite_rtp(std::span<std::uint8_t> packet, bool marker, std::uint8_t payload_type, std::uint16_t sequence,
                 std::uint32_t timestamp, std::uint32_t ssrc);

}  // namespace hotline::media
