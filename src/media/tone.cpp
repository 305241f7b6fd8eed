#include "tone.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hotline::media {
namespace {

constexpr double kMaxSineDbm0 = 3.14;  // spandsp's DBM0_MAX_SINE_POWER

std::int16_t saturate(double v) { return static_cast<std::int16_t>(std::clamp(std::lround(v), -32768l, 32767l)); }

}  // namespace

double sine_amplitude_dbm0(double dbm0) { return 32767.0 * std::pow(10.0, (dbm0 - kMaxSineDbm0) / 20.0); }

double level_dbm0(std::span<const std::int16_t> samples) {
  if (samples.empty()) return -120.0;
  double sum = 0;
  for (auto s : samples) sum += double(s) * s;
  double rms = std::sqrt(sum / double(samples.size()));
  if (rms <= 0) return -120.0;
  // A sine of peak A has RMS A / sqrt 2.
  return 20.0 * std::log10(rms * std::numbers::sqrt2 / 32767.0) + kMaxSineDbm0;
}

SineGenerator::SineGenerator(double frequency_hz, double level, unsigned sample_rate)
    : step_(2 * std::numbers::pi * frequency_hz / sample_rate), amplitude_(sine_amplitude_dbm0(level)) {}

void SineGenerator::fill(std::span<std::int16_t> out) {
  for (auto& s : out) {
    s = saturate(amplitude_ * std::sin(phase_));
    phase_ += step_;
  }
  phase_ = std::fmod(phase_, 2 * std::numbers::pi);  // keeps precision over hours
}

void SineGenerator::add_to(std::span<std::int16_t> out) {
  for (auto& s : out) {
    s = saturate(s + amplitude_ * std::sin(phase_));
    phase_ += step_;
  }
  phase_ = std::fmod(phase_, 2 * std::numbers::pi);
}

ComfortNoise::ComfortNoise(double level, std::uint32_t seed) : state_(seed ? seed : 1u) {
  // next() returns a sum of four uniforms on [-32768, 32768): RMS 2 * 32768 / sqrt 3.
  double rms = sine_amplitude_dbm0(level) / std::numbers::sqrt2;
  scale_ = rms / (2.0 * 32768.0 / std::numbers::sqrt3);
}

std::int32_t ComfortNoise::next() {
  std::int32_t sum = 0;
  for (int i = 0; i < 4; ++i) {
    // xorshift32: cheap, and good enough for noise nobody analyses
    state_ ^= state_ << 13;
    state_ ^= state_ >> 17;
    state_ ^= state_ << 5;
    sum += static_cast<std::int32_t>(state_ >> 16) - 32768;
  }
  return sum;
}

void ComfortNoise::fill(std::span<std::int16_t> out) {
  for (auto& s : out) s = saturate(next() * scale_);
}

void ComfortNoise::add_to(std::span<std::int16_t> out) {
  for (auto& s : out) s = saturate(s + next() * scale_);
}

}  // namespace hotline::media
