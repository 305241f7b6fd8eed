#pragma once
// DTMF as tones in the audio, for legs that did not negotiate
// telephone-event: a detector around spandsp's dtmf_rx (Q.23/Q.24
// compliant, good talk-off figures) and a generator of our own, for
// keying another hotline's IVR over a plain G.711 leg.
//
// Both take linear PCM at 8 kHz in frames of any length (a 20 ms RTP
// packet is 160 samples); decode G.711 first (g711.hpp). Media thread
// only; one instance per leg and direction.
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "dtmf_listener.hpp"
#include "tone.hpp"

struct dtmf_rx_state_s;  // spandsp, kept out of our headers

namespace hotline::media {

class InbandDtmfDetector {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    // Weakest tone (per frequency) accepted, dBm0. -99: spandsp's default,
    // which takes tones down to about -40 dBm0 (measured), well below the
    // -26 dBm0 that Q.24 asks receivers to accept.
    int threshold_dbm0 = -99;
    // Accepted level differences between the two tones, dB; -1: spandsp's
    // defaults: the low-group tone up to 8 dB louder ("normal" in spandsp),
    // the high-group tone up to 4 dB louder ("reverse").
    int normal_twist_db = -1;
    int reverse_twist_db = -1;
    // Notch out 350/440 Hz dial tone first (costs CPU; for lines where
    // dial tone can be heard under the digits).
    bool filter_dial_tone = false;
  };

  // listener must outlive the detector. Throws std::bad_alloc when spandsp cannot allocate.
  explicit InbandDtmfDetector(DtmfListener& listener) : InbandDtmfDetector(listener, Options{}) {}
  InbandDtmfDetector(DtmfListener& listener, Options options);
  ~InbandDtmfDetector();
  InbandDtmfDetector(const InbandDtmfDetector&) = delete;
  InbandDtmfDetector& operator=(const InbandDtmfDetector&) = delete;

  // One frame: `timestamp` is the RTP timestamp of samples[0], `now` when
  // it arrived. Listener calls happen before this returns; an event's
  // rtp_timestamp and start are placed back at the tone's estimated first
  // sample (detection needs about 25 ms of tone, so it comes that late).
  void process(std::span<const std::int16_t> samples, std::uint32_t timestamp, Clock::time_point now);
  // Samples that never came (a lost packet). The detector restarts its
  // analysis block rather than see a phase jump; a digit in progress
  // survives a single lost 20 ms frame.
  void lost(std::size_t samples);

  bool in_digit() const { return digit_ != 0; }

 private:
  static void on_report(void* self, int code, int level, int delay);
  void report(int code);
  void feed(std::span<const std::int16_t> samples);

  struct Deleter {
    void operator()(dtmf_rx_state_s* state) const;
  };

  DtmfListener& listener_;
  std::unique_ptr<dtmf_rx_state_s, Deleter> state_;
  // Where we are in the stream, counting every sample fed or lost, and in
  // spandsp's current analysis block (reports come at block ends only).
  std::uint64_t position_ = 0;
  unsigned in_block_ = 0;
  // The frame being processed: maps a stream position to RTP time and clock time.
  std::uint64_t frame_position_ = 0;
  std::uint32_t frame_timestamp_ = 0;
  Clock::time_point frame_time_{};
  std::uint64_t chunk_end_ = 0;  // stream position where the chunk being fed ends

  char digit_ = 0;  // the digit down, 0 when none
  std::int64_t digit_position_ = 0;  // its estimated first sample
  std::uint32_t digit_timestamp_ = 0;
  Clock::time_point digit_start_{};
};

// Dual tones for digits, ITU-T Q.23 frequencies, at a level and timing of
// our choice; the pause follows every digit.
class InbandDtmfGenerator {
 public:
  struct Options {
    double level_dbm0 = -8.0;  // low-group tone; Q.24 senders use about -8..-4 dBm0 per tone
    double twist_db = 2.0;     // high-group tone this much louder (cable loss is higher up)
    unsigned tone_ms = 100;
    unsigned pause_ms = 100;
  };

  InbandDtmfGenerator() : InbandDtmfGenerator(Options{}) {}
  explicit InbandDtmfGenerator(Options options, unsigned sample_rate = 8000);

  static constexpr std::size_t kMaxQueued = 64;
  // False, and nothing queued, for a non-digit or when the queue would pass kMaxQueued.
  bool send(std::string_view digits);
  // Writes the next out.size() samples: tones, pauses, then silence once
  // idle. Returns how many samples belong to digits (tone or pause); the
  // caller mixes or replaces its audio for that span.
  std::size_t fill(std::span<std::int16_t> out);
  bool busy() const { return remaining_ > 0 || !queue_.empty(); }

 private:
  void start_next();

  Options options_;
  unsigned sample_rate_;
  std::string queue_;
  SineGenerator low_{0, -99};
  SineGenerator high_{0, -99};
  std::size_t tone_samples_ = 0;
  std::size_t pause_samples_ = 0;
  std::size_t remaining_ = 0;  // of the current digit's tone + pause
};

}  // namespace hotline::media
