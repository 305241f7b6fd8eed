#pragma once
// The RFC 4733 §2.3 telephone-event payload: 4 bytes per report.
//
//   0                   1                   2                   3
//   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//  |     event     |E|R| volume    |          duration             |
//  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace hotline::media {

constexpr std::size_t kTelephoneEventSize = 4;

struct TelephoneEvent {
  std::uint8_t event = 0;      // 0-15 are DTMF digits (RFC 4733 §3.2)
  bool end = false;            // E: this report is the event's last
  std::uint8_t volume = 0;     // 0..63, -dBm0
  std::uint16_t duration = 0;  // in RTP timestamp units since the event's timestamp
};

// nullopt when shorter than 4 bytes. Bytes after the first report are
// ignored: RFC 4733 §2.5 puts one event in a packet (redundancy comes as
// RFC 2198, another payload type). The R bit is ignored, as §2.3.3 says.
std::optional<TelephoneEvent> parse_telephone_event(std::span<const std::uint8_t> payload);

std::array<std::uint8_t, kTelephoneEventSize> build_telephone_event(const TelephoneEvent& event);

}  // namespace hotline::media
