#include "telephone_event_sender.hpp"

#include <algorithm>

#include "hotline/media/dtmf.hpp"
#include "telephone_event.hpp"

namespace hotline::media {
namespace {

constexpr int kEndReports = 3;  // §2.5.1.4: the final report is sent three times
constexpr std::uint32_t kSegment = 0xFFFF;

// a is at or after b on a 32-bit RTP clock.
bool reached(std::uint32_t now, std::uint32_t due) { return static_cast<std::int32_t>(now - due) >= 0; }

}  // namespace

TelephoneEventSender::TelephoneEventSender(Options options) : options_(options) {
  if (options_.clock_rate == 0) options_.clock_rate = 8000;
  options_.volume = std::min<std::uint8_t>(options_.volume, 63);
  interval_ = std::max<std::uint32_t>(samples(options_.interval_ms), 1);
  tone_ = std::clamp<std::uint32_t>(samples(options_.tone_ms), interval_, kSegment);
  gap_ = std::max(samples(options_.pause_ms), (kEndReports - 1) * interval_);
  queue_.reserve(kMaxQueued);
}

bool TelephoneEventSender::send(std::string_view digits) {
  if (queue_.size() + digits.size() > kMaxQueued) return false;
  if (!std::all_of(digits.begin(), digits.end(), is_dtmf_digit)) return false;
  for (char d : digits) queue_ += dtmf_digit_of_event(dtmf_event_of_digit(d));
  return true;
}

std::optional<TelephoneEventSender::Packet> TelephoneEventSender::poll(std::uint32_t now) {
  if (!in_digit_) {
    if (queue_.empty()) return std::nullopt;
    // Still in the pause after the last key-up? (After a long idle time
    // next_start_ is far behind `now`, and the difference wraps: start now.)
    if (have_next_start_) {
      std::uint32_t wait = next_start_ - now;
      if (wait != 0 && wait <= gap_) return std::nullopt;
    }
    start_ = now;
    event_ = static_cast<std::uint8_t>(dtmf_event_of_digit(queue_.front()));
    queue_.erase(queue_.begin());
    in_digit_ = true;
    next_report_ = 0;
    ends_sent_ = 0;
  }
  if (!reached(now, start_ + next_report_)) return std::nullopt;

  TelephoneEvent report;
  report.event = event_;
  report.volume = options_.volume;
  Packet packet;
  packet.timestamp = start_;
  packet.marker = next_report_ == 0;
  if (next_report_ < tone_) {
    report.duration = static_cast<std::uint16_t>(next_report_);
    next_report_ = std::min(next_report_ + interval_, tone_);
  } else {
    report.end = true;
    report.duration = static_cast<std::uint16_t>(tone_);
    if (++ends_sent_ == kEndReports) {
      in_digit_ = false;
      have_next_start_ = true;
      next_start_ = start_ + tone_ + gap_;
    } else {
      next_report_ += interval_;
    }
  }
  packet.payload = build_telephone_event(report);
  return packet;
}

}  // namespace hotline::media
