// In-band DTMF through G.711 µ-law: levels from -3 to -26 dBm0, the Q.24
// minimum timings (40 ms tone, 40 ms pause), white noise, packet loss, and
// talk-off against synthetic speech and music (fixed seeds).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "../../src/media/g711.hpp"
#include "../../src/media/inband_dtmf.hpp"
#include "../../src/media/tone.hpp"

using namespace hotline::media;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kFrame = 160;

struct Recorder final : DtmfListener {
  std::string begun;
  std::vector<DtmfEvent> events;
  void on_dtmf_begin(char digit, DtmfSource source) override {
    EXPECT_EQ(source, DtmfSource::inband);
    begun += digit;
  }
  void on_dtmf(const DtmfEvent& e) override { events.push_back(e); }
  std::string digits() const {
    std::string s;
    for (const auto& e : events) s += e.digit;
    return s;
  }
};

std::vector<std::int16_t> tones(std::string_view digits, InbandDtmfGenerator::Options options,
                                std::size_t lead_in = 800) {
  InbandDtmfGenerator gen(options);
  EXPECT_TRUE(gen.send(digits));
  std::vector<std::int16_t> audio(lead_in, 0);
  std::vector<std::int16_t> frame(kFrame);
  while (gen.busy()) {
    gen.fill(frame);
    audio.insert(audio.end(), frame.begin(), frame.end());
  }
  audio.resize(audio.size() + 1600, 0);  // let the last digit end
  return audio;
}

void add_noise(std::vector<std::int16_t>& audio, double level_dbm0, std::uint32_t seed = 7) {
  ComfortNoise noise(level_dbm0, seed);
  noise.add_to(audio);
}

// Through µ-law, as a leg would receive it, in 20 ms frames; frames listed in `lose` never arrive.
struct Detect {
  Recorder out;
  Clock::time_point t0 = Clock::time_point{} + 1h;
  std::uint32_t ts0 = 0x12345678;
  void operator()(const std::vector<std::int16_t>& audio, std::vector<std::size_t> lose = {}) {
    InbandDtmfDetector detector(out);
    std::vector<std::uint8_t> ulaw(kFrame);
    std::vector<std::int16_t> frame(kFrame);
    for (std::size_t i = 0; i + kFrame <= audio.size(); i += kFrame) {
      if (std::find(lose.begin(), lose.end(), i / kFrame) != lose.end()) {
        detector.lost(kFrame);
        continue;
      }
      g711::encode_ulaw(std::span(audio).subspan(i, kFrame), ulaw);
      g711::decode_ulaw(ulaw, frame);
      detector.process(frame, ts0 + static_cast<std::uint32_t>(i), t0 + std::chrono::microseconds(i * 125));
    }
  }
};

}  // namespace

TEST(MediaInbandDtmf, GeneratorLevelIsWhatItSays) {
  InbandDtmfGenerator gen({-10.0, 0.0, 1000, 0});
  ASSERT_TRUE(gen.send("5"));
  std::vector<std::int16_t> audio(8000);
  EXPECT_EQ(gen.fill(audio), 8000u);
  // Two tones at -10 dBm0 each: -7 dBm0 together.
  EXPECT_NEAR(level_dbm0(audio), -10.0 + 10 * std::log10(2.0), 0.2);
  EXPECT_FALSE(gen.busy());
  EXPECT_EQ(gen.fill(audio), 0u);  // idle: silence
  EXPECT_EQ(level_dbm0(audio), -120.0);
  EXPECT_FALSE(gen.send("5x"));
}

TEST(MediaInbandDtmf, AllSixteenDigitsWithTimestamps) {
  const std::string digits = "0123456789*#ABCD";
  auto audio = tones(digits, {-10.0, 2.0, 100, 100});
  Detect run;
  run(audio);
  EXPECT_EQ(run.out.digits(), digits);
  EXPECT_EQ(run.out.begun, digits);
  ASSERT_EQ(run.out.events.size(), digits.size());
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const auto& e = run.out.events[i];
    // True start: 800 samples of lead-in, then one digit every 200 ms.
    std::int64_t start = 800 + static_cast<std::int64_t>(i) * 1600;
    std::int64_t got = static_cast<std::int32_t>(e.rtp_timestamp - run.ts0);
    // spandsp reports at the end of 102-sample blocks: within about half a block.
    EXPECT_NEAR(static_cast<double>(got), static_cast<double>(start), 64.0) << i;
    auto start_time = run.t0 + std::chrono::microseconds(start * 125);
    EXPECT_LE(std::chrono::abs(e.start - start_time), 8ms) << i;
    EXPECT_NEAR(e.duration_ms, 100.0, 13.0) << i;
    EXPECT_EQ(e.source, DtmfSource::inband);
  }
}

TEST(MediaInbandDtmf, LevelsFromMinus3ToMinus26Dbm0) {
  for (double level : {-3.0, -6.0, -10.0, -15.0, -20.0, -24.0, -26.0}) {
    Detect run;
    run(tones("159#", {level, 0.0, 100, 100}));
    EXPECT_EQ(run.out.digits(), "159#") << level << " dBm0";
  }
}

TEST(MediaInbandDtmf, TonesBelowTheThresholdAreIgnored) {
  // spandsp's default threshold takes tones down to about -40 dBm0 each.
  Detect weak;
  weak(tones("159#", {-50.0, 0.0, 100, 100}));
  EXPECT_EQ(weak.out.digits(), "");
  // A stricter threshold (an option) refuses what the default would take.
  Recorder out;
  InbandDtmfDetector strict(out, {.threshold_dbm0 = -20});
  auto audio = tones("159#", {-26.0, 0.0, 100, 100});
  for (std::size_t i = 0; i + kFrame <= audio.size(); i += kFrame) {
    strict.process(std::span(audio).subspan(i, kFrame), static_cast<std::uint32_t>(i), Clock::time_point{});
  }
  EXPECT_EQ(out.digits(), "");
}

TEST(MediaInbandDtmf, TwistWithinLimitsIsAccepted) {
  // spandsp's defaults: the low group up to 8 dB louder, the high group up to 4 dB.
  for (double twist : {-7.0, -4.0, 0.0, 3.0}) {
    Detect run;
    run(tones("2580", {-12.0, twist, 100, 100}));
    EXPECT_EQ(run.out.digits(), "2580") << twist << " dB";
  }
}

TEST(MediaInbandDtmf, Q24MinimumTimingIsDetected) {
  // 40 ms tone, 40 ms pause: the fastest dialling Q.24 asks receivers to take.
  Detect run;
  run(tones("1234567890", {-10.0, 2.0, 40, 40}));
  EXPECT_EQ(run.out.digits(), "1234567890");
  // The same digit repeated: each gap must be seen as a gap.
  Detect again;
  again(tones("5555", {-10.0, 2.0, 40, 40}));
  EXPECT_EQ(again.out.digits(), "5555");
}

TEST(MediaInbandDtmf, FarTooShortTonesAreIgnored) {
  for (unsigned ms : {10u, 20u}) {  // Q.24: half the 40 ms minimum or less must not count
    Detect run;
    run(tones("1234567890", {-10.0, 2.0, ms, 60}));
    EXPECT_EQ(run.out.digits(), "") << ms << " ms";
    EXPECT_EQ(run.out.begun, "") << ms << " ms";
  }
}

TEST(MediaInbandDtmf, DurationsAreMeasured) {
  for (unsigned ms : {40u, 60u, 200u, 1000u}) {
    Detect run;
    run(tones("8", {-10.0, 2.0, ms, 100}));
    ASSERT_EQ(run.out.digits(), "8") << ms;
    EXPECT_NEAR(run.out.events[0].duration_ms, ms, 13.0) << ms;
  }
}

TEST(MediaInbandDtmf, DetectedInWhiteNoise) {
  // Tones at -15 dBm0 each, noise at -35 dBm0 over the 4 kHz band: 20 dB SNR.
  auto audio = tones("147*2580369#", {-15.0, 0.0, 60, 60});
  add_noise(audio, -35.0);
  Detect run;
  run(audio);
  EXPECT_EQ(run.out.digits(), "147*2580369#");
}

TEST(MediaInbandDtmf, NoiseAloneIsNotADigit) {
  std::vector<std::int16_t> audio(8000 * 20, 0);
  add_noise(audio, -15.0, 1234);
  Detect run;
  run(audio);
  EXPECT_EQ(run.out.digits(), "");
}

TEST(MediaInbandDtmf, OneLostFrameDoesNotSplitADigit) {
  auto audio = tones("86", {-10.0, 2.0, 200, 100});
  Detect run;
  // Frame 10 (ms 200-220) is 100 ms into the 200 ms '8' (which starts at sample 800).
  run(audio, {10});
  EXPECT_EQ(run.out.digits(), "86");
  EXPECT_EQ(run.out.begun, "86");
}

TEST(MediaInbandDtmf, TimestampWrapsWithTheStream) {
  Detect run;
  run.ts0 = 0xFFFFFF00;
  run(tones("7", {-10.0, 2.0, 100, 100}));
  ASSERT_EQ(run.out.digits(), "7");
  EXPECT_NEAR(static_cast<double>(static_cast<std::int32_t>(run.out.events[0].rtp_timestamp - run.ts0)), 800.0, 120.0);
}

namespace {

// Voiced "speech": a glottal source with a wandering pitch (90-250 Hz) and
// harmonics shaped by two moving formants, in syllables with pauses.
std::vector<std::int16_t> speech_like(double seconds, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::int16_t> out;
  const double amp = sine_amplitude_dbm0(-12.0);
  while (out.size() < seconds * 8000) {
    std::size_t syllable = 800 + static_cast<std::size_t>(u(rng) * 2400);
    double f0 = 90 + u(rng) * 160, f0_end = 90 + u(rng) * 160;
    double f1 = 300 + u(rng) * 600, f2 = 900 + u(rng) * 1600;
    double phase = 0;
    for (std::size_t n = 0; n < syllable; ++n) {
      double progress = double(n) / double(syllable);
      double f = f0 + (f0_end - f0) * progress;
      phase += 2 * std::numbers::pi * f / 8000;
      double envelope = std::sin(std::numbers::pi * progress);
      double s = 0, norm = 0;
      for (int h = 1; f * h < 3800; ++h) {
        double fh = f * h;
        double w = std::exp(-std::pow((fh - f1) / 150, 2)) + 0.6 * std::exp(-std::pow((fh - f2) / 200, 2)) + 0.05;
        s += w * std::sin(h * phase);
        norm += w;
      }
      out.push_back(static_cast<std::int16_t>(amp * envelope * s / std::sqrt(norm)));
    }
    out.resize(out.size() + 400 + static_cast<std::size_t>(u(rng) * 1600), 0);  // pause
  }
  return out;
}

// "Music": notes and two-note chords on the tempered scale (A4 = 440 Hz),
// each note with a few decaying harmonics, 150-400 ms each.
std::vector<std::int16_t> music_like(double seconds, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<int> semitone(-12, 19);  // A3 .. E6
  std::vector<std::int16_t> out;
  const double amp = sine_amplitude_dbm0(-10.0);
  while (out.size() < seconds * 8000) {
    std::size_t length = 1200 + static_cast<std::size_t>(u(rng) * 2000);
    double notes[2] = {440 * std::pow(2.0, semitone(rng) / 12.0), 440 * std::pow(2.0, semitone(rng) / 12.0)};
    int count = u(rng) < 0.5 ? 1 : 2;
    for (std::size_t n = 0; n < length; ++n) {
      double t = double(n) / 8000;
      double envelope = std::min(1.0, t * 50) * std::exp(-t * 3);
      double s = 0;
      for (int k = 0; k < count; ++k) {
        for (int h = 1; h <= 4 && notes[k] * h < 3800; ++h) s += std::sin(2 * std::numbers::pi * notes[k] * h * t) / (h * h);
      }
      out.push_back(static_cast<std::int16_t>(amp * envelope * s / count));
    }
  }
  return out;
}

}  // namespace

TEST(MediaInbandDtmf, SpeechDoesNotTalkOff) {
  Detect run;
  run(speech_like(60, 20240601));
  EXPECT_EQ(run.out.digits(), "");
}

TEST(MediaInbandDtmf, MusicDoesNotTalkOff) {
  Detect run;
  run(music_like(60, 20240602));
  EXPECT_EQ(run.out.digits(), "");
}

TEST(MediaInbandDtmf, DigitsOverSpeechAreStillFound) {
  auto audio = tones("3690", {-8.0, 2.0, 80, 80}, 8000);
  auto speech = speech_like(double(audio.size()) / 8000 + 1, 99);
  for (std::size_t i = 0; i < audio.size(); ++i) {
    audio[i] = static_cast<std::int16_t>(std::clamp(audio[i] + speech[i] / 8, -32768, 32767));  // speech 18 dB down
  }
  Detect run;
  run(audio);
  EXPECT_EQ(run.out.digits(), "3690");
}
