#include "resample.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

namespace hotline::media {
namespace {

constexpr int kDecimatorTaps = 95;

double blackman(double n, double length) {
  // n in [0, length - 1]
  double x = 2 * std::numbers::pi * n / (length - 1);
  return 0.42 - 0.5 * std::cos(x) + 0.08 * std::cos(2 * x);
}

double sinc(double x) { return x == 0 ? 1.0 : std::sin(std::numbers::pi * x) / (std::numbers::pi * x); }

std::int16_t clamp16(double v) {
  return static_cast<std::int16_t>(std::lround(std::clamp(v, -32768.0, 32767.0)));
}

const std::array<double, kDecimatorTaps>& decimator_taps() {
  static const auto taps = [] {
    std::array<double, kDecimatorTaps> h{};
    const double cutoff = 3500.0 / 16000.0;  // of the input rate
    double sum = 0;
    for (int n = 0; n < kDecimatorTaps; ++n) {
      double m = n - (kDecimatorTaps - 1) / 2.0;
      h[n] = 2 * cutoff * sinc(2 * cutoff * m) * blackman(n, kDecimatorTaps);
      sum += h[n];
    }
    for (auto& v : h) v /= sum;  // unity gain at DC
    return h;
  }();
  return taps;
}

}  // namespace

std::vector<std::int16_t> decimate_16k_to_8k(std::span<const std::int16_t> in) {
  const auto& h = decimator_taps();
  constexpr int half = (kDecimatorTaps - 1) / 2;
  std::vector<std::int16_t> out;
  out.reserve(in.size() / 2);
  const auto size = static_cast<std::ptrdiff_t>(in.size());
  for (std::ptrdiff_t centre = 0; centre < size; centre += 2) {
    double acc = 0;
    for (int k = 0; k < kDecimatorTaps; ++k) {
      std::ptrdiff_t i = centre + k - half;
      if (i >= 0 && i < size) acc += h[k] * in[static_cast<std::size_t>(i)];
    }
    out.push_back(clamp16(acc));
  }
  return out;
}

std::vector<std::int16_t> resample(std::span<const std::int16_t> in, unsigned in_rate, unsigned out_rate) {
  if (in.empty() || in_rate == 0 || out_rate == 0) return {};
  if (in_rate == out_rate) return {in.begin(), in.end()};
  if (in_rate == 2 * out_rate && out_rate == 8000) return decimate_16k_to_8k(in);
  // Cut-off as a fraction of the input rate; the kernel spans `zeros` zero
  // crossings of the (possibly widened) sinc on each side.
  const double cutoff = 0.45 * std::min(in_rate, out_rate) / in_rate;
  const int zeros = 12;
  const double half_width = zeros / (2 * cutoff);  // in input samples
  const double step = static_cast<double>(in_rate) / out_rate;
  const auto count = static_cast<std::size_t>(static_cast<double>(in.size()) * out_rate / in_rate);
  const auto size = static_cast<std::ptrdiff_t>(in.size());
  std::vector<std::int16_t> out;
  out.reserve(count);
  for (std::size_t m = 0; m < count; ++m) {
    double t = static_cast<double>(m) * step;
    auto first = static_cast<std::ptrdiff_t>(std::ceil(t - half_width));
    auto last = static_cast<std::ptrdiff_t>(std::floor(t + half_width));
    double acc = 0, gain = 0;
    for (std::ptrdiff_t k = std::max<std::ptrdiff_t>(first, 0); k <= std::min(last, size - 1); ++k) {
      double d = static_cast<double>(k) - t;
      double w = blackman(d + half_width, 2 * half_width + 1);
      double c = 2 * cutoff * sinc(2 * cutoff * d) * w;
      acc += c * in[static_cast<std::size_t>(k)];
      gain += c;
    }
    // Normalising by the kernel's own sum keeps DC exact at the edges too.
    out.push_back(clamp16(gain > 1e-9 ? acc / gain : 0));
  }
  return out;
}

}  // namespace hotline::media
