#pragma once
// Small signal sources for the media path and for tests: a sine (test
// tones, beeps) and comfort noise (a held or silent leg still hears that
// the line is alive, and the mixer's silence is not "dead air").
//
// Levels are in dBm0 the way spandsp counts them: a sine at +3.14 dBm0
// peaks at full scale (32767), so the detectors' thresholds and these
// levels agree. Media thread only (state per instance).
#include <cstdint>
#include <span>

namespace hotline::media {

// Peak amplitude of a sine at `dbm0`.
double sine_amplitude_dbm0(double dbm0);
// RMS level, in dBm0, of 16-bit samples (a sine's RMS counted as its level).
double level_dbm0(std::span<const std::int16_t> samples);

class SineGenerator {
 public:
  SineGenerator(double frequency_hz, double level_dbm0, unsigned sample_rate = 8000);
  // Overwrites out with the next samples; the phase runs on across calls.
  void fill(std::span<std::int16_t> out);
  // Adds the next samples to out, saturating.
  void add_to(std::span<std::int16_t> out);

 private:
  double step_;       // radians per sample
  double phase_ = 0;
  double amplitude_;
};

// White noise, roughly Gaussian (sum of four uniforms), at an RMS level.
// Deterministic for a seed. -60 dBm0 or so is typical comfort noise.
class ComfortNoise {
 public:
  explicit ComfortNoise(double level_dbm0 = -60.0, std::uint32_t seed = 0x2545F491u);
  void fill(std::span<std::int16_t> out);
  void add_to(std::span<std::int16_t> out);

 private:
  std::int32_t next();
  std::uint32_t state_;
  double scale_;
};

}  // namespace hotline::media
