// G.711 against values from ITU-T G.711 (Tables 1a/2a: decoder outputs,
// here scaled to 16 bits) and, exhaustively, against spandsp's independent
// inline coder; then the round-trip properties the relay relies on.
#include "../../src/media/g711.hpp"

#include <gtest/gtest.h>
#include <spandsp.h>

#include <cstdlib>
#include <vector>

namespace g711 = hotline::media::g711;

TEST(G711, UlawKnownValues) {
  EXPECT_EQ(g711::ulaw_to_linear(0xFF), 0);        // positive zero
  EXPECT_EQ(g711::ulaw_to_linear(0x7F), 0);        // negative zero
  EXPECT_EQ(g711::ulaw_to_linear(0x00), -32124);   // most negative: -8031 in 14 bits, x4
  EXPECT_EQ(g711::ulaw_to_linear(0x80), 32124);
  EXPECT_EQ(g711::ulaw_to_linear(0xFE), 8);        // first step: 2 in 14 bits
  EXPECT_EQ(g711::ulaw_to_linear(0xF0), 120);      // end of segment 0: 30 in 14 bits
  EXPECT_EQ(g711::ulaw_to_linear(0xEF), 132);      // segment 1 starts at 33
  EXPECT_EQ(g711::linear_to_ulaw(0), 0xFF);
  EXPECT_EQ(g711::linear_to_ulaw(-1), 0x7F);
  EXPECT_EQ(g711::linear_to_ulaw(32767), 0x80);
  EXPECT_EQ(g711::linear_to_ulaw(-32768), 0x00);
  EXPECT_EQ(g711::kUlawSilence, 0xFF);
}

TEST(G711, AlawKnownValues) {
  EXPECT_EQ(g711::alaw_to_linear(0xD5), 8);        // smallest positive: 1 in 13 bits, x8
  EXPECT_EQ(g711::alaw_to_linear(0x55), -8);
  EXPECT_EQ(g711::alaw_to_linear(0xAA), 32256);    // largest: 4032 in 13 bits, x8
  EXPECT_EQ(g711::alaw_to_linear(0x2A), -32256);
  EXPECT_EQ(g711::alaw_to_linear(0xD4), 24);       // second step of segment 0
  EXPECT_EQ(g711::alaw_to_linear(0xC5), 264);      // segment 1 starts at 33 (13 bits)
  EXPECT_EQ(g711::linear_to_alaw(0), 0xD5);
  EXPECT_EQ(g711::linear_to_alaw(-1), 0x55);
  EXPECT_EQ(g711::linear_to_alaw(32767), 0xAA);
  EXPECT_EQ(g711::linear_to_alaw(-32768), 0x2A);
  EXPECT_EQ(g711::kAlawSilence, 0xD5);
}

TEST(G711, MatchesSpandspForEverySample) {
  for (int i = 0; i < 256; ++i) {
    auto c = static_cast<std::uint8_t>(i);
    ASSERT_EQ(g711::ulaw_to_linear(c), ulaw_to_linear(c)) << i;
    ASSERT_EQ(g711::alaw_to_linear(c), alaw_to_linear(c)) << i;
  }
  for (int x = -32768; x <= 32767; ++x) {
    auto s = static_cast<std::int16_t>(x);
    ASSERT_EQ(g711::linear_to_ulaw(s), linear_to_ulaw(x)) << x;
    ASSERT_EQ(g711::linear_to_alaw(s), linear_to_alaw(x)) << x;
  }
}

TEST(G711, EveryCodeSurvivesDecodeThenEncode) {
  for (int i = 0; i < 256; ++i) {
    auto c = static_cast<std::uint8_t>(i);
    if (c != 0x7F) {  // -0 encodes as +0
      EXPECT_EQ(g711::linear_to_ulaw(g711::ulaw_to_linear(c)), c) << i;
    }
    EXPECT_EQ(g711::linear_to_alaw(g711::alaw_to_linear(c)), c) << i;
  }
}

TEST(G711, QuantisationErrorIsHalfAStepAtMost) {
  // Each code's output lies in the middle of its decision interval, whose
  // width is the step of the code's segment: 8 << s (µ-law), 16 << (s - 1)
  // with segments 0 and 1 both 16 (A-law). Beyond the largest code: clipping.
  for (int x = -32768; x <= 32767; ++x) {
    auto s = static_cast<std::int16_t>(x);
    auto uc = g711::linear_to_ulaw(s);
    auto ac = g711::linear_to_alaw(s);
    int u = g711::ulaw_to_linear(uc);
    int a = g711::alaw_to_linear(ac);
    int u_step = 8 << ((~uc & 0x70) >> 4);
    int a_segment = ((ac ^ 0x55) & 0x70) >> 4;
    int a_step = a_segment == 0 ? 16 : 16 << (a_segment - 1);
    if (std::abs(x) <= 32124 + u_step / 2) {
      ASSERT_LE(std::abs(u - x), u_step / 2) << x;
    } else {
      ASSERT_EQ(u, x < 0 ? -32124 : 32124) << x;
    }
    if (std::abs(x) <= 32256 + a_step / 2) {
      ASSERT_LE(std::abs(a - x), a_step / 2) << x;
    } else {
      ASSERT_EQ(a, x < 0 ? -32256 : 32256) << x;
    }
  }
}

TEST(G711, DecodeIsMonotonic) {
  // Codes in order of value: µ-law 0x00..0x7F are -32124..-0, 0xFF..0x80 are 0..32124.
  std::vector<int> u;
  for (int i = 0; i < 128; ++i) u.push_back(g711::ulaw_to_linear(static_cast<std::uint8_t>(i)));
  for (int i = 255; i >= 128; --i) u.push_back(g711::ulaw_to_linear(static_cast<std::uint8_t>(i)));
  for (std::size_t i = 1; i < u.size(); ++i) EXPECT_LE(u[i - 1], u[i]) << i;
}

TEST(G711, TranscodingPicksTheNearestCodeAndRoundTrips) {
  for (int i = 0; i < 256; ++i) {
    auto c = static_cast<std::uint8_t>(i);
    int linear = g711::ulaw_to_linear(c);
    int via_alaw = g711::alaw_to_linear(g711::ulaw_to_alaw(c));
    // No other A-law code is closer to the µ-law value.
    for (int j = 0; j < 256; ++j) {
      int other = g711::alaw_to_linear(static_cast<std::uint8_t>(j));
      ASSERT_LE(std::abs(via_alaw - linear), std::abs(other - linear) + 1) << i << " " << j;
    }
    // A-law -> µ-law -> A-law is transparent (µ-law is finer near zero,
    // A-law has the larger range, so a code may move by at most one step).
    auto a = c;
    auto back = g711::ulaw_to_alaw(g711::alaw_to_ulaw(a));
    EXPECT_LE(std::abs(g711::alaw_to_linear(back) - g711::alaw_to_linear(a)), 1024) << i;
  }
}

TEST(G711, BufferTranscodingInPlace) {
  std::vector<std::uint8_t> payload;
  for (int i = 0; i < 256; ++i) payload.push_back(static_cast<std::uint8_t>(i));
  auto copy = payload;
  g711::ulaw_to_alaw(std::span<std::uint8_t>(payload));
  for (int i = 0; i < 256; ++i) EXPECT_EQ(payload[i], g711::ulaw_to_alaw(copy[i]));
  std::vector<std::int16_t> pcm(256);
  g711::decode_alaw(payload, pcm);
  std::vector<std::uint8_t> encoded(256);
  g711::encode_alaw(pcm, encoded);
  EXPECT_EQ(encoded, payload);
  g711::decode_ulaw(copy, pcm);
  g711::encode_ulaw(pcm, encoded);
  for (int i = 0; i < 256; ++i) {
    if (copy[i] != 0x7F) {
      EXPECT_EQ(encoded[i], copy[i]);
    }
  }
}

TEST(G711, ByPayloadType) {
  std::vector<std::uint8_t> payload = {0xFF, 0x00, 0x80, 0x7F};
  std::vector<std::int16_t> pcm(4);
  ASSERT_TRUE(g711::decode(g711::kPayloadPcmu, payload, pcm));
  EXPECT_EQ(pcm, (std::vector<std::int16_t>{0, -32124, 32124, 0}));
  ASSERT_TRUE(g711::transcode(g711::kPayloadPcmu, g711::kPayloadPcma, payload));
  EXPECT_EQ(payload[0], 0xD5);  // µ-law silence is A-law silence
  ASSERT_TRUE(g711::decode(g711::kPayloadPcma, payload, pcm));
  EXPECT_EQ(pcm[1], -32256);    // µ-law -32124 becomes the nearest A-law code
  std::vector<std::uint8_t> out(4);
  ASSERT_TRUE(g711::encode(g711::kPayloadPcma, pcm, out));
  EXPECT_EQ(out, payload);
  EXPECT_TRUE(g711::transcode(8, 8, payload));
  EXPECT_EQ(out, payload);
  EXPECT_FALSE(g711::decode(9, payload, pcm));  // G.722
  EXPECT_FALSE(g711::encode(18, pcm, out));
  EXPECT_FALSE(g711::transcode(0, 101, payload));
}
