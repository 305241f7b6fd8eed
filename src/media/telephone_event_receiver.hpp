#pragma once
// Turns one leg's inbound RFC 4733 telephone-event packets into digits,
// each reported exactly once however the network treated its packets.
//
// An event is keyed by SSRC + RTP timestamp (the key-down instant, the same
// in every report of the event, §2.5.1.1). So:
//   - updates and the three redundant end packets of a digit are one digit;
//   - a digit whose start packets were lost begins at its first surviving
//     report, its start time estimated back from that report's duration;
//   - a digit whose end packets were all lost ends when the next event
//     begins, or `timeout` after its last report (poll);
//   - long presses: the 16-bit duration either wraps in place (some
//     senders) or the sender starts a new segment at timestamp + 0xFFFF
//     without an end bit (§2.5.1.3); both add up to one long digit;
//   - timestamps are compared modulo 2^32, so wrap-around is just another
//     new timestamp;
//   - reports of a finished event that arrive late (retransmitted ends,
//     reordered updates) are dropped by a short history of finished keys,
//     and a report older (by sequence number) than the newest one of its
//     SSRC cannot start a digit.
//
// Media thread only; no allocation after construction.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "dtmf_listener.hpp"

namespace hotline::media {

class TelephoneEventReceiver {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    unsigned clock_rate = 8000;  // telephone-event's clock (from the SDP rtpmap)
    // A digit with no report for this long has ended (its end packets were
    // lost). Senders update every 50 ms or so, so several in a row are lost.
    std::chrono::milliseconds timeout{500};
  };

  // listener must outlive the receiver.
  explicit TelephoneEventReceiver(DtmfListener& listener) : TelephoneEventReceiver(listener, Options{}) {}
  TelephoneEventReceiver(DtmfListener& listener, Options options);

  // One packet of the negotiated telephone-event payload type, its RTP
  // header fields and payload. Listener calls happen before this returns.
  // False when the packet taught us nothing: malformed, not a digit (flash,
  // modem tones), a duplicate or a late report.
  bool on_packet(std::uint32_t ssrc, std::uint16_t sequence, std::uint32_t timestamp, bool marker,
                 std::span<const std::uint8_t> payload, Clock::time_point now);

  // Ends a digit whose reports stopped `timeout` ago. Call from a timer
  // (every 100 ms is plenty) or with each audio packet.
  void poll(Clock::time_point now);

  // A digit is down (begun, not yet reported ended).
  bool in_digit() const { return active_.has_value(); }

 private:
  struct Key {
    std::uint32_t ssrc = 0;
    std::uint32_t timestamp = 0;
    bool operator==(const Key&) const = default;
  };
  struct Active {
    Key key;                          // the current segment
    std::uint32_t first_timestamp;    // of the first segment: the digit's start
    std::uint8_t event;
    std::uint64_t base;               // samples before the current segment / duration wrap
    std::uint16_t last_duration;      // highest duration seen in the current segment
    Clock::time_point start;
    Clock::time_point last_report;
  };

  bool finished(const Key& key) const;
  void remember_finished(const Key& key);
  bool continues_long_press(const Key& key, std::uint8_t event) const;
  void begin(const Key& key, std::uint8_t event, std::uint16_t duration, Clock::time_point now);
  void finish();

  DtmfListener& listener_;
  Options options_;
  std::optional<Active> active_;
  std::array<Key, 8> finished_{};  // ring buffer
  std::size_t finished_count_ = 0;
  std::size_t finished_next_ = 0;
  bool have_sequence_ = false;
  std::uint32_t sequence_ssrc_ = 0;
  std::uint16_t newest_sequence_ = 0;
};

}  // namespace hotline::media
