// In-band DTMF detection cost: STREAMS simultaneous 8 kHz µ-law streams
// (as a media thread gets them: 20 ms frames, round-robin over the
// streams), each decoded to linear and run through InbandDtmfDetector
// (spandsp dtmf_rx), for SECONDS of audio per stream. One thread, CPU time
// from CLOCK_THREAD_CPUTIME_ID.
//
// The audio is synthetic speech (harmonics of a wandering pitch shaped by
// two formants, syllables and pauses) at about -12 dBm0 plus -55 dBm0 line
// noise; every DIGIT_EVERY-th stream also carries "0123456789*#" at -10
// dBm0 (100 ms tone, 400 ms apart). Streams share a handful of clips,
// each starting at its own offset so caches see a spread of data.
//
// Prints the figures and a final RESULT line:
//   us_per_stream_second  CPU µs per stream per second of audio
//   core_pct_1000         % of one core that 1,000 real-time streams take
//   digits_expected/found, false_digits (speech streams reporting a digit)
// Exits 1 when a digit stream missed or garbled a digit.
//
// Usage: dtmf_inband_bench [--streams N] [--seconds S] [--digit-every K] [--detect-only]
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "g711.hpp"
#include "inband_dtmf.hpp"
#include "tone.hpp"

using namespace hotline::media;

namespace {

constexpr std::size_t kFrame = 160;
constexpr unsigned kRate = 8000;
const std::string kDigits = "0123456789*#";

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

std::vector<std::int16_t> speech(std::size_t samples, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::int16_t> out;
  out.reserve(samples + 4000);
  const double amp = sine_amplitude_dbm0(-12.0);
  while (out.size() < samples) {
    std::size_t syllable = 800 + static_cast<std::size_t>(u(rng) * 2400);
    double f0 = 90 + u(rng) * 160, f0_end = 90 + u(rng) * 160;
    double f1 = 300 + u(rng) * 600, f2 = 900 + u(rng) * 1600;
    // Harmonic weights for this syllable (formants do not move within it).
    double phase = 0;
    for (std::size_t n = 0; n < syllable; ++n) {
      double progress = double(n) / double(syllable);
      double f = f0 + (f0_end - f0) * progress;
      phase += 2 * std::numbers::pi * f / kRate;
      double s = 0, norm = 0;
      for (int h = 1; f * h < 3800; ++h) {
        double fh = f * h;
        double w = std::exp(-std::pow((fh - f1) / 150, 2)) + 0.6 * std::exp(-std::pow((fh - f2) / 200, 2)) + 0.05;
        s += w * std::sin(h * phase);
        norm += w;
      }
      out.push_back(static_cast<std::int16_t>(amp * std::sin(std::numbers::pi * progress) * s / std::sqrt(norm)));
    }
    out.resize(out.size() + 400 + static_cast<std::size_t>(u(rng) * 1600), 0);
  }
  out.resize(samples);
  ComfortNoise(-55.0, seed ^ 0x9E3779B9u).add_to(out);
  return out;
}

std::vector<std::uint8_t> to_ulaw(const std::vector<std::int16_t>& pcm) {
  std::vector<std::uint8_t> out(pcm.size());
  g711::encode_ulaw(pcm, out);
  return out;
}

struct Counter final : DtmfListener {
  std::string digits;
  void on_dtmf(const DtmfEvent& e) override { digits += e.digit; }
};

struct Stream {
  const std::vector<std::uint8_t>* clip;
  std::size_t offset;
  bool has_digits;
  Counter counter;
  std::unique_ptr<InbandDtmfDetector> detector;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t streams = 1000;
  double seconds = 10;
  std::size_t digit_every = 10;
  bool detect_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "missing value for %s\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--streams") streams = std::strtoul(next(), nullptr, 10);
    else if (a == "--seconds") seconds = std::strtod(next(), nullptr);
    else if (a == "--digit-every") digit_every = std::strtoul(next(), nullptr, 10);
    else if (a == "--detect-only") detect_only = true;
    else {
      std::fprintf(stderr, "usage: %s [--streams N] [--seconds S] [--digit-every K] [--detect-only]\n", argv[0]);
      return 2;
    }
  }
  if (streams == 0 || seconds <= 0 || digit_every == 0) return 2;

  const std::size_t frames = static_cast<std::size_t>(seconds * kRate / kFrame);
  const std::size_t clip_samples = frames * kFrame;
  const std::size_t clip_count = 8;
  std::fprintf(stderr, "generating %zu clips of %.0f s...\n", clip_count, seconds);

  // Speech clips, and the same clips with the digit string laid over them
  // (one digit every 500 ms from 0.5 s on, as often as fits).
  std::vector<std::vector<std::uint8_t>> plain, with_digits;
  std::size_t digits_per_clip = 0;
  for (std::size_t c = 0; c < clip_count; ++c) {
    auto pcm = speech(clip_samples, static_cast<std::uint32_t>(1000 + c));
    plain.push_back(to_ulaw(pcm));
    InbandDtmfGenerator gen({-10.0, 2.0, 100, 400});
    std::string sequence;
    while ((sequence.size() + 1) * 4000 + 4000 <= clip_samples && sequence.size() < InbandDtmfGenerator::kMaxQueued)
      sequence += kDigits[sequence.size() % kDigits.size()];
    gen.send(sequence);
    digits_per_clip = sequence.size();
    std::vector<std::int16_t> tones(kFrame);
    for (std::size_t at = 4000; at + kFrame <= clip_samples && gen.busy(); at += kFrame) {
      gen.fill(tones);
      for (std::size_t k = 0; k < kFrame; ++k) {
        // Speech continues under the tones, 12 dB down (the caller's TV).
        int mixed = tones[k] + pcm[at + k] / 4;
        pcm[at + k] = static_cast<std::int16_t>(std::max(-32768, std::min(32767, mixed)));
      }
    }
    with_digits.push_back(to_ulaw(pcm));
  }

  // Talk-off on distinct audio: each speech clip once, from its start
  // (the streams below replay these clips, so their false digits are
  // these spots counted many times over).
  std::size_t talk_off = 0;
  {
    std::vector<std::int16_t> frame(kFrame);
    for (const auto& clip : plain) {
      Counter counter;
      InbandDtmfDetector detector(counter);
      for (std::size_t at = 0; at + kFrame <= clip.size(); at += kFrame) {
        g711::decode_ulaw(std::span(clip).subspan(at, kFrame), frame);
        detector.process(frame, static_cast<std::uint32_t>(at), std::chrono::steady_clock::now());
      }
      talk_off += counter.digits.size();
    }
  }

  std::vector<Stream> all(streams);
  std::size_t digit_streams = 0;
  for (std::size_t i = 0; i < streams; ++i) {
    auto& s = all[i];
    s.has_digits = i % digit_every == 0;
    digit_streams += s.has_digits;
    s.clip = s.has_digits ? &with_digits[i % clip_count] : &plain[i % clip_count];
    // Speech streams start anywhere (frame-aligned); digit streams at 0 so every digit is whole.
    s.offset = s.has_digits ? 0 : (i * 7919 % frames) * kFrame;
    s.detector = std::make_unique<InbandDtmfDetector>(s.counter);
  }

  std::vector<std::int16_t> linear(kFrame);
  // Decoding is part of the per-packet cost unless --detect-only (then each
  // stream's clip is decoded up front and only the detector is timed).
  std::vector<std::vector<std::int16_t>> decoded_plain, decoded_digits;
  if (detect_only) {
    for (std::size_t c = 0; c < clip_count; ++c) {
      decoded_plain.emplace_back(clip_samples);
      g711::decode_ulaw(plain[c], decoded_plain.back());
      decoded_digits.emplace_back(clip_samples);
      g711::decode_ulaw(with_digits[c], decoded_digits.back());
    }
  }

  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = thread_cpu_seconds();
  for (std::size_t f = 0; f < frames; ++f) {
    for (std::size_t i = 0; i < streams; ++i) {
      auto& s = all[i];
      std::size_t at = (s.offset + f * kFrame) % clip_samples;
      auto ts = static_cast<std::uint32_t>(f * kFrame);
      if (detect_only) {
        const auto& pcm = s.has_digits ? decoded_digits[i % clip_count] : decoded_plain[i % clip_count];
        s.detector->process(std::span(pcm).subspan(at, kFrame), ts, t0);
      } else {
        g711::decode_ulaw(std::span(*s.clip).subspan(at, kFrame), linear);
        s.detector->process(linear, ts, t0);
      }
    }
  }
  const double cpu = thread_cpu_seconds() - cpu0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::size_t found = 0, expected = 0, false_digits = 0, wrong = 0;
  for (const auto& s : all) {
    if (s.has_digits) {
      expected += digits_per_clip;
      found += s.counter.digits.size();
      std::string want;
      for (std::size_t k = 0; k < digits_per_clip; ++k) want += kDigits[k % kDigits.size()];
      if (s.counter.digits != want) ++wrong;
    } else {
      false_digits += s.counter.digits.size();
    }
  }
  const double audio_seconds = double(frames * kFrame) / kRate;
  const double us_per_stream_second = cpu * 1e6 / (double(streams) * audio_seconds);
  const double core_pct_1000 = us_per_stream_second * 1000 / 1e6 * 100;
  std::printf("streams=%zu (%zu with digits), %.1f s of audio each, %s\n", streams, digit_streams, audio_seconds,
              detect_only ? "detector only" : "µ-law decode + detector");
  std::printf("CPU %.3f s (wall %.3f s) for %.0f stream-seconds\n", cpu, wall, double(streams) * audio_seconds);
  std::printf("%.2f µs CPU per stream per second of audio; 1,000 real-time streams take %.2f %% of one core\n",
              us_per_stream_second, core_pct_1000);
  std::printf("digits: %zu of %zu found (%zu digit streams not exactly right); %zu false digits in %zu speech streams\n",
              found, expected, wrong, false_digits, streams - digit_streams);
  std::printf("talk-off: %zu false digits in %.0f s of distinct synthetic speech (%zu clips, each once)\n", talk_off,
              double(clip_count) * audio_seconds, clip_count);
  std::printf("RESULT streams=%zu seconds=%.1f cpu_s=%.3f us_per_stream_second=%.2f core_pct_1000=%.2f digits_expected=%zu "
              "digits_found=%zu wrong_streams=%zu false_digits=%zu talk_off=%zu talk_off_seconds=%.0f\n",
              streams, audio_seconds, cpu, us_per_stream_second, core_pct_1000, expected, found, wrong, false_digits,
              talk_off, double(clip_count) * audio_seconds);
  // False digits are reported, not fatal: synthetic speech has the odd
  // talk-off spot too (a figure to watch, not a broken build).
  return (found == expected && wrong == 0) ? 0 : 1;
}
