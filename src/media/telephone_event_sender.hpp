#pragma once
// Generates RFC 4733 telephone-event reports for a string of digits, to
// key an IVR of another hotline after a transfer. Per digit (§2.5.1):
//   - the first report at key-down, marker bit set, duration 0;
//   - an update every `interval_ms` with the duration so far;
//   - at key-up, the end report (E bit, final duration), sent three times
//     in all, one interval apart, same timestamp and duration;
//   - then `pause_ms` of nothing before the next digit's key-down.
// Every report of a digit carries the digit's start as its RTP timestamp.
//
// The sender owns no clock and no socket: the leg's 20 ms pacing timer
// calls poll() with its output stream's RTP timestamp now, and sends each
// returned report as an RTP packet with the next sequence number (audio to
// that peer pauses while busy()). Media thread only.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::media {

class TelephoneEventSender {
 public:
  struct Options {
    unsigned clock_rate = 8000;
    std::uint32_t tone_ms = 100;     // each key press; clamped to one segment (0xFFFF units, 8.19 s at 8 kHz)
    std::uint32_t pause_ms = 100;    // key-up to next key-down; at least two intervals (the end repeats)
    std::uint32_t interval_ms = 50;  // between reports
    std::uint8_t volume = 10;        // -dBm0 (0..63)
  };

  struct Packet {
    bool marker = false;
    std::uint32_t timestamp = 0;  // the digit's start, on the caller's RTP clock
    std::array<std::uint8_t, 4> payload{};
  };

  static constexpr std::size_t kMaxQueued = 64;

  TelephoneEventSender() : TelephoneEventSender(Options{}) {}
  explicit TelephoneEventSender(Options options);

  // Queues digits ('0'-'9', '*', '#', 'A'-'D', 'a'-'d'). False, and
  // nothing queued, if any is not a digit or the queue would pass kMaxQueued.
  bool send(std::string_view digits);
  // The next report due at RTP time `now`, if any: call until nullopt.
  // The first digit of an idle sender starts at the `now` of the first poll.
  std::optional<Packet> poll(std::uint32_t now);
  // Reports still to send (a digit in progress or queued).
  bool busy() const { return in_digit_ || !queue_.empty(); }
  // Drops what is queued; a digit in progress still ends properly.
  void cancel_queued() { queue_.clear(); }

 private:
  std::uint32_t samples(std::uint32_t ms) const {
    return static_cast<std::uint32_t>(std::uint64_t{ms} * options_.clock_rate / 1000);
  }

  Options options_;
  std::uint32_t tone_ = 0;      // samples
  std::uint32_t interval_ = 0;  // samples
  std::uint32_t gap_ = 0;       // samples from key-up to the next key-down
  std::string queue_;

  bool in_digit_ = false;
  bool have_next_start_ = false;
  std::uint32_t next_start_ = 0;  // earliest key-down of the next digit
  std::uint8_t event_ = 0;
  std::uint32_t start_ = 0;       // the digit's RTP timestamp
  std::uint32_t next_report_ = 0; // offset from start_ of the next report
  int ends_sent_ = 0;
};

}  // namespace hotline::media
