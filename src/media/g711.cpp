// G.711 after the classic Sun/CCITT reference coder: the same biasing,
// segment and rounding rules, with the tables computed at compile time.
#include "g711.hpp"

#include <bit>
#include <cassert>

namespace hotline::media::g711 {
namespace {

constexpr int kUlawBias = 0x84;  // 33 << 2: makes every segment start at a power of two

constexpr std::int16_t decode_ulaw_code(std::uint8_t code) {
  int u = static_cast<std::uint8_t>(~code);
  int t = (((u & 0x0F) << 3) + kUlawBias) << ((u & 0x70) >> 4);
  return static_cast<std::int16_t>((u & 0x80) ? kUlawBias - t : t - kUlawBias);
}

constexpr std::int16_t decode_alaw_code(std::uint8_t code) {
  int a = code ^ 0x55;  // even bits are inverted on the line
  int t = (a & 0x0F) << 4;
  int segment = (a & 0x70) >> 4;
  t = segment == 0 ? t + 8 : (t + 0x108) << (segment - 1);
  return static_cast<std::int16_t>((a & 0x80) ? t : -t);
}

constexpr std::uint8_t encode_ulaw_sample(int linear) {
  int mask = 0xFF;
  if (linear < 0) {
    linear = -linear;
    mask = 0x7F;
  }
  linear += kUlawBias;  // at most 32768 + 132: fits, and segment 8+ means clip
  // The biased value's top bit is the segment: bit 7 for segment 0 ... bit 14 for 7.
  int segment = std::bit_width(static_cast<unsigned>(linear | 0xFF)) - 8;
  if (segment >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  return static_cast<std::uint8_t>(((segment << 4) | ((linear >> (segment + 3)) & 0x0F)) ^ mask);
}

constexpr std::uint8_t encode_alaw_sample(int linear) {
  int mask = 0xD5;  // sign bit set for positive, then the even-bit inversion
  if (linear < 0) {
    mask = 0x55;
    linear = -linear - 1;  // -1 so that -1 .. -16 land in the first step, as +0 .. +15 do
  }
  int segment = std::bit_width(static_cast<unsigned>(linear | 0xFF)) - 8;
  if (segment >= 8) return static_cast<std::uint8_t>(0x7F ^ mask);
  int step = (linear >> (segment == 0 ? 4 : segment + 3)) & 0x0F;
  return static_cast<std::uint8_t>(((segment << 4) | step) ^ mask);
}

template <class F>
constexpr auto table(F f) {
  std::array<decltype(f(std::uint8_t{})), 256> out{};
  for (int i = 0; i < 256; ++i) out[static_cast<std::size_t>(i)] = f(static_cast<std::uint8_t>(i));
  return out;
}

}  // namespace

namespace detail {
constexpr std::array<std::int16_t, 256> kUlawToLinear = table(decode_ulaw_code);
constexpr std::array<std::int16_t, 256> kAlawToLinear = table(decode_alaw_code);
constexpr std::array<std::uint8_t, 256> kUlawToAlaw =
    table([](std::uint8_t c) { return encode_alaw_sample(decode_ulaw_code(c)); });
constexpr std::array<std::uint8_t, 256> kAlawToUlaw =
    table([](std::uint8_t c) { return encode_ulaw_sample(decode_alaw_code(c)); });
}  // namespace detail

// Compile-time checks of the ITU-T G.711 extremes and zeros.
static_assert(decode_ulaw_code(0xFF) == 0 && decode_ulaw_code(0x7F) == 0);
static_assert(decode_ulaw_code(0x00) == -32124 && decode_ulaw_code(0x80) == 32124);
static_assert(decode_alaw_code(0xD5) == 8 && decode_alaw_code(0x55) == -8);
static_assert(decode_alaw_code(0xAA) == 32256 && decode_alaw_code(0x2A) == -32256);
static_assert(encode_ulaw_sample(0) == 0xFF && encode_alaw_sample(0) == 0xD5);
static_assert(encode_ulaw_sample(32767) == 0x80 && encode_ulaw_sample(-32768) == 0x00);
static_assert(encode_alaw_sample(32767) == 0xAA && encode_alaw_sample(-32768) == 0x2A);

std::uint8_t linear_to_ulaw(std::int16_t sample) { return encode_ulaw_sample(sample); }
std::uint8_t linear_to_alaw(std::int16_t sample) { return encode_alaw_sample(sample); }

void decode_ulaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  assert(out.size() >= in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::kUlawToLinear[in[i]];
}

void decode_alaw(std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  assert(out.size() >= in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::kAlawToLinear[in[i]];
}

void encode_ulaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  assert(out.size() >= in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = encode_ulaw_sample(in[i]);
}

void encode_alaw(std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  assert(out.size() >= in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = encode_alaw_sample(in[i]);
}

void ulaw_to_alaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  assert(out.size() >= in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::kUlawToAlaw[in[i]];
}

void alaw_to_ulaw(std::span<const std::uint8_t> in, std::span<std::uint8_t> out) {
  assert(out.size() >= in.size());
  for (std::size_t i = 0; i < in.size(); ++i) out[i] = detail::kAlawToUlaw[in[i]];
}

bool decode(int payload_type, std::span<const std::uint8_t> in, std::span<std::int16_t> out) {
  if (payload_type == kPayloadPcmu) return decode_ulaw(in, out), true;
  if (payload_type == kPayloadPcma) return decode_alaw(in, out), true;
  return false;
}

bool encode(int payload_type, std::span<const std::int16_t> in, std::span<std::uint8_t> out) {
  if (payload_type == kPayloadPcmu) return encode_ulaw(in, out), true;
  if (payload_type == kPayloadPcma) return encode_alaw(in, out), true;
  return false;
}

bool transcode(int from_payload_type, int to_payload_type, std::span<std::uint8_t> payload) {
  auto g711 = [](int pt) { return pt == kPayloadPcmu || pt == kPayloadPcma; };
  if (!g711(from_payload_type) || !g711(to_payload_type)) return false;
  if (from_payload_type == to_payload_type) return true;
  if (from_payload_type == kPayloadPcmu) {
    ulaw_to_alaw(payload);
  } else {
    alaw_to_ulaw(payload);
  }
  return true;
}

}  // namespace hotline::media::g711
