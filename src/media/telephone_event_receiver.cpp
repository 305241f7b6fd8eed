#include "telephone_event_receiver.hpp"

#include "telephone_event.hpp"

namespace hotline::media {
namespace {

// a is after b in RFC 3550 serial number arithmetic.
bool after16(std::uint16_t a, std::uint16_t b) { return static_cast<std::int16_t>(a - b) > 0; }

constexpr std::uint64_t kSegment = 0xFFFF;  // a segment's longest duration (§2.5.1.3)

}  // namespace

TelephoneEventReceiver::TelephoneEventReceiver(DtmfListener& listener, Options options)
    : listener_(listener), options_(options) {
  if (options_.clock_rate == 0) options_.clock_rate = 8000;
}

bool TelephoneEventReceiver::on_packet(std::uint32_t ssrc, std::uint16_t sequence, std::uint32_t timestamp,
                                       bool marker, std::span<const std::uint8_t> payload, Clock::time_point now) {
  (void)marker;  // the key says whether an event is new; a lost start packet leaves no marker anyway
  auto report = parse_telephone_event(payload);
  if (!report || dtmf_digit_of_event(report->event) == 0) return false;
  const Key key{ssrc, timestamp};
  if (finished(key)) return false;  // redundant end packet, or a late update of an ended digit

  // Is this report older than the newest one of its stream?
  bool stale = have_sequence_ && ssrc == sequence_ssrc_ && !after16(sequence, newest_sequence_);
  if (!have_sequence_ || ssrc != sequence_ssrc_ || after16(sequence, newest_sequence_)) {
    have_sequence_ = true;
    sequence_ssrc_ = ssrc;
    newest_sequence_ = sequence;
  }

  if (active_ && active_->key == key) {
    auto& a = *active_;
    if (report->duration < a.last_duration && a.last_duration - report->duration > 0x8000 && !stale) {
      a.base += 0x10000;  // the 16-bit duration wrapped in place
      a.last_duration = report->duration;
    } else if (report->duration > a.last_duration) {
      a.last_duration = report->duration;
    }
    a.last_report = now;
    if (report->end) finish();
    return true;
  }

  if (active_ && continues_long_press(key, report->event)) {
    auto& a = *active_;
    remember_finished(a.key);  // the old segment's repeated final reports are not news
    a.base += timestamp - a.key.timestamp;
    a.key = key;
    a.last_duration = report->duration;
    a.last_report = now;
    if (report->end) finish();
    return true;
  }

  // A new event. A late report of an earlier one must not start a digit.
  if (stale) return false;
  if (active_ && active_->key.ssrc == ssrc && static_cast<std::int32_t>(timestamp - active_->key.timestamp) < 0)
    return false;
  if (active_) finish();  // its end packets were lost: the new event ends it
  begin(key, report->event, report->duration, now);
  if (report->end) finish();
  return true;
}

void TelephoneEventReceiver::poll(Clock::time_point now) {
  if (active_ && now - active_->last_report >= options_.timeout) finish();
}

bool TelephoneEventReceiver::finished(const Key& key) const {
  for (std::size_t i = 0; i < finished_count_; ++i) {
    if (finished_[i] == key) return true;
  }
  return false;
}

void TelephoneEventReceiver::remember_finished(const Key& key) {
  finished_[finished_next_] = key;
  finished_next_ = (finished_next_ + 1) % finished_.size();
  if (finished_count_ < finished_.size()) ++finished_count_;
}

// The next segment of a press longer than 0xFFFF units starts where the
// last one ended: same SSRC and event, timestamp moved on by (about) the
// previous segment's full duration. We may have missed the last reports of
// the old segment, so allow for half a second of them.
bool TelephoneEventReceiver::continues_long_press(const Key& key, std::uint8_t event) const {
  const auto& a = *active_;
  if (key.ssrc != a.key.ssrc || event != a.event) return false;
  std::uint32_t advance = key.timestamp - a.key.timestamp;
  std::uint32_t slack = options_.clock_rate / 2;
  return advance <= kSegment && advance >= a.last_duration && a.last_duration + slack >= kSegment;
}

void TelephoneEventReceiver::begin(const Key& key, std::uint8_t event, std::uint16_t duration, Clock::time_point now) {
  auto elapsed = std::chrono::microseconds(std::uint64_t{duration} * 1'000'000 / options_.clock_rate);
  active_ = Active{key, key.timestamp, event, 0, duration,
                   now - std::chrono::duration_cast<Clock::duration>(elapsed), now};
  listener_.on_dtmf_begin(dtmf_digit_of_event(event), DtmfSource::rfc4733);
}

void TelephoneEventReceiver::finish() {
  const auto& a = *active_;
  DtmfEvent e;
  e.digit = dtmf_digit_of_event(a.event);
  e.rtp_timestamp = a.first_timestamp;
  e.start = a.start;
  e.duration_ms = static_cast<std::uint32_t>((a.base + a.last_duration) * 1000 / options_.clock_rate);
  e.source = DtmfSource::rfc4733;
  remember_finished(a.key);
  active_.reset();
  listener_.on_dtmf(e);  // last: the listener may feed us again
}

}  // namespace hotline::media
