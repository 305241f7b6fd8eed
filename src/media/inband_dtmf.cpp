#include "inband_dtmf.hpp"

#include <spandsp.h>

#include <algorithm>
#include <mutex>
#include <new>

#include "hotline/media/dtmf.hpp"

namespace hotline::media {
namespace {

// spandsp analyses blocks of 102 samples (DTMF_SAMPLES_PER_BLOCK in
// dtmf.c, not exported) and reports only at a block's end. We feed it in
// chunks that end on its block boundaries, so a report's position in the
// stream is known to the sample.
constexpr unsigned kBlock = 102;
// How far behind the tone's edges spandsp's reports come, measured with
// our generator through µ-law (unit test AllSixteenDigitsWithTimestamps):
// key-down is confirmed after two blocks that agree, so on average 2.3
// blocks after the first tone sample (±half a block, depending on where
// the tone starts in a block); key-up after 1.5 blocks, since a block that
// is partly tone already misses.
constexpr std::int64_t kOnsetLatency = 235;
constexpr std::int64_t kReleaseLatency = 153;
constexpr unsigned kRate = 8000;

// dtmf_rx_init fills spandsp's shared Goertzel descriptors on first use,
// guarded by a plain static flag: two media threads creating their first
// detectors at once would race on them. One init under call_once settles
// the tables (and the flag) before any other thread gets there.
void init_spandsp_tables_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (auto* s = dtmf_rx_init(nullptr, nullptr, nullptr)) dtmf_rx_free(s);
  });
}

constexpr const char* kRows = "123A456B789C*0#D";
constexpr double kRowHz[4] = {697, 770, 852, 941};
constexpr double kColumnHz[4] = {1209, 1336, 1477, 1633};

}  // namespace

void InbandDtmfDetector::Deleter::operator()(dtmf_rx_state_s* state) const { dtmf_rx_free(state); }

InbandDtmfDetector::InbandDtmfDetector(DtmfListener& listener, Options options) : listener_(listener) {
  init_spandsp_tables_once();
  state_.reset(dtmf_rx_init(nullptr, nullptr, nullptr));
  if (!state_) throw std::bad_alloc();
  dtmf_rx_parms(state_.get(), options.filter_dial_tone ? 1 : 0, options.normal_twist_db, options.reverse_twist_db,
                options.threshold_dbm0);
  // The realtime callback reports key-down and key-up (code 0) as they are
  // confirmed, instead of collecting digits in a string.
  dtmf_rx_set_realtime_callback(state_.get(), &InbandDtmfDetector::on_report, this);
}

InbandDtmfDetector::~InbandDtmfDetector() = default;

void InbandDtmfDetector::process(std::span<const std::int16_t> samples, std::uint32_t timestamp,
                                 Clock::time_point now) {
  frame_position_ = position_;
  frame_timestamp_ = timestamp;
  frame_time_ = now;
  feed(samples);
}

void InbandDtmfDetector::lost(std::size_t samples) {
  if (samples == 0) return;
  dtmf_rx_fillin(state_.get(), static_cast<int>(std::min<std::size_t>(samples, 1u << 20)));
  position_ += samples;
  in_block_ = 0;  // fillin restarts the analysis block
}

void InbandDtmfDetector::feed(std::span<const std::int16_t> samples) {
  while (!samples.empty()) {
    auto n = std::min<std::size_t>(samples.size(), kBlock - in_block_);
    chunk_end_ = position_ + n;
    dtmf_rx(state_.get(), samples.data(), static_cast<int>(n));
    position_ += n;
    in_block_ = static_cast<unsigned>((in_block_ + n) % kBlock);
    samples = samples.subspan(n);
  }
}

void InbandDtmfDetector::on_report(void* self, int code, int level, int delay) {
  (void)level;
  (void)delay;  // we count positions ourselves: spandsp's count skips lost samples
  static_cast<InbandDtmfDetector*>(self)->report(code);
}

void InbandDtmfDetector::report(int code) {
  // Tone edges, placed back from the confirming block's end by the latency.
  const auto reported = static_cast<std::int64_t>(chunk_end_);
  if (digit_ != 0) {
    const std::int64_t key_up = reported - kReleaseLatency;
    DtmfEvent e;
    e.digit = digit_;
    e.rtp_timestamp = digit_timestamp_;
    e.start = digit_start_;
    e.duration_ms = static_cast<std::uint32_t>(std::max<std::int64_t>(key_up - digit_position_, 0) * 1000 / kRate);
    e.source = DtmfSource::inband;
    digit_ = 0;
    listener_.on_dtmf(e);
  }
  if (code == 0) return;
  char digit = static_cast<char>(code);
  if (!is_dtmf_digit(digit)) return;
  const std::int64_t edge = reported - kOnsetLatency;
  const std::int64_t from_frame = edge - static_cast<std::int64_t>(frame_position_);  // may be < 0
  digit_ = digit;
  digit_position_ = edge;
  digit_timestamp_ = frame_timestamp_ + static_cast<std::uint32_t>(from_frame);
  digit_start_ = frame_time_ + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::microseconds(from_frame * 1'000'000 / kRate));
  listener_.on_dtmf_begin(digit, DtmfSource::inband);
}

InbandDtmfGenerator::InbandDtmfGenerator(Options options, unsigned sample_rate)
    : options_(options), sample_rate_(sample_rate ? sample_rate : 8000) {
  tone_samples_ = std::size_t{options_.tone_ms} * sample_rate_ / 1000;
  pause_samples_ = std::size_t{options_.pause_ms} * sample_rate_ / 1000;
  queue_.reserve(kMaxQueued);
}

bool InbandDtmfGenerator::send(std::string_view digits) {
  if (queue_.size() + digits.size() > kMaxQueued) return false;
  if (!std::all_of(digits.begin(), digits.end(), is_dtmf_digit)) return false;
  for (char d : digits) queue_ += dtmf_digit_of_event(dtmf_event_of_digit(d));
  return true;
}

void InbandDtmfGenerator::start_next() {
  char digit = queue_.front();
  queue_.erase(queue_.begin());
  auto at = std::string_view(kRows).find(digit);
  low_ = SineGenerator(kRowHz[at / 4], options_.level_dbm0, sample_rate_);
  high_ = SineGenerator(kColumnHz[at % 4], options_.level_dbm0 + options_.twist_db, sample_rate_);
  remaining_ = tone_samples_ + pause_samples_;
}

std::size_t InbandDtmfGenerator::fill(std::span<std::int16_t> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    if (remaining_ == 0) {
      if (queue_.empty()) break;
      start_next();
      if (remaining_ == 0) continue;  // zero-length tone and pause
    }
    std::size_t position = tone_samples_ + pause_samples_ - remaining_;
    std::size_t n;
    if (position < tone_samples_) {
      n = std::min(tone_samples_ - position, out.size() - done);
      low_.fill(out.subspan(done, n));
      high_.add_to(out.subspan(done, n));
    } else {
      n = std::min(remaining_, out.size() - done);
      std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(done), n, std::int16_t{0});
    }
    done += n;
    remaining_ -= n;
  }
  std::fill(out.begin() + static_cast<std::ptrdiff_t>(done), out.end(), std::int16_t{0});
  return done;
}

}  // namespace hotline::media
