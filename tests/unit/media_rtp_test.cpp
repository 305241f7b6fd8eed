// The packet-level pieces of the relay, without sockets.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "../../src/media/output_stream.hpp"
#include "../../src/media/receive_stats.hpp"
#include "../../src/media/rtcp.hpp"
#include "../../src/media/rtp_packet.hpp"

using namespace hotline::media;

namespace {

std::vector<std::uint8_t> rtp_bytes(std::uint8_t first_byte, std::uint8_t second_byte, std::size_t total) {
  std::vector<std::uint8_t> p(total, 0);
  p[0] = first_byte;
  p[1] = second_byte;
  if (total >= 12) {
    p[2] = 0x12, p[3] = 0x34;                              // sequence
    p[4] = 0, p[5] = 0, p[6] = 0x01, p[7] = 0x00;          // timestamp 256
    p[8] = 0xde, p[9] = 0xad, p[10] = 0xbe, p[11] = 0xef;  // SSRC
  }
  return p;
}

}  // namespace

TEST(MediaRtpPacket, ParsesTheFixedHeader) {
  auto p = rtp_bytes(0x80, 0x80 | 8, 172);
  auto h = parse_rtp(p);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->marker);
  EXPECT_EQ(h->payload_type, 8);
  EXPECT_EQ(h->sequence, 0x1234);
  EXPECT_EQ(h->timestamp, 256u);
  EXPECT_EQ(h->ssrc, 0xdeadbeefu);
  EXPECT_EQ(h->header_size, 12u);
  EXPECT_EQ(h->payload_size, 160u);
}

TEST(MediaRtpPacket, AccountsForCsrcsExtensionAndPadding) {
  // Two CSRCs, an extension of one word, padding of 4.
  auto p = rtp_bytes(0x80 | 0x20 | 0x10 | 2, 0, 12 + 8 + 4 + 4 + 10 + 4);
  p[20 + 3] = 1;  // extension length: 1 word
  p.back() = 4;
  auto h = parse_rtp(p);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->header_size, 28u);
  EXPECT_EQ(h->payload_size, 10u);
}

TEST(MediaRtpPacket, RejectsWhatIsNotSaneRtp) {
  EXPECT_FALSE(parse_rtp(rtp_bytes(0x80, 0, 11)));         // short
  EXPECT_FALSE(parse_rtp(rtp_bytes(0x40, 0, 20)));         // version 1
  EXPECT_FALSE(parse_rtp(rtp_bytes(0x80 | 15, 0, 20)));    // CSRCs past the end
  EXPECT_FALSE(parse_rtp(rtp_bytes(0x80, 200, 20)));       // RTCP SR on the RTP port
  EXPECT_FALSE(parse_rtp(rtp_bytes(0x80 | 0x10, 0, 14)));  // extension header cut
  auto long_extension = rtp_bytes(0x80 | 0x10, 0, 20);
  long_extension[15] = 9;
  EXPECT_FALSE(parse_rtp(long_extension));
  auto zero_padding = rtp_bytes(0x80 | 0x20, 0, 20);
  EXPECT_FALSE(parse_rtp(zero_padding));
  auto too_much_padding = rtp_bytes(0x80 | 0x20, 0, 20);
  too_much_padding.back() = 9;
  EXPECT_FALSE(parse_rtp(too_much_padding));
  EXPECT_TRUE(parse_rtp(rtp_bytes(0x80, 0, 12)));  // empty payload is legal
}

TEST(MediaRtpPacket, RewritesOnlyTheHeaderFields) {
  auto p = rtp_bytes(0x80 | 1, 0, 12 + 4 + 3);
  p[16] = 7, p[17] = 8, p[18] = 9;
  rewrite_rtp(p, true, 101, 0xfffe, 0x01020304, 0x0a0b0c0d);
  auto h = parse_rtp(p);
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->marker);
  EXPECT_EQ(h->payload_type, 101);
  EXPECT_EQ(h->sequence, 0xfffe);
  EXPECT_EQ(h->timestamp, 0x01020304u);
  EXPECT_EQ(h->ssrc, 0x0a0b0c0du);
  EXPECT_EQ(p[0], 0x81);  // CSRC count kept
  EXPECT_EQ(p[18], 9);
}

TEST(MediaReceiveStats, CountsGapsAcrossTheSequenceWrap) {
  ReceiveStats s;
  for (std::uint32_t seq = 65530; seq < 65545; ++seq) {
    if (seq == 65534 || seq == 65536 || seq == 65537) continue;  // 3 lost, two after the wrap
    s.on_packet(1, static_cast<std::uint16_t>(seq));
  }
  EXPECT_EQ(s.packets_lost(), 3u);
  auto block = s.next_report_block();
  EXPECT_EQ(block.cumulative_lost, 3);
  EXPECT_EQ(block.extended_highest_sequence, 65536u + 8);  // 65544 with one wrap
  EXPECT_EQ(block.fraction_lost, (3 << 8) / 15);
  // Next interval without loss.
  s.on_packet(1, 9);
  EXPECT_EQ(s.next_report_block().fraction_lost, 0);
}

TEST(MediaReceiveStats, DuplicatesAndReorderingDoNotCountAsLoss) {
  ReceiveStats s;
  for (std::uint16_t seq : {10, 11, 13, 12, 14, 14, 15}) s.on_packet(7, seq);
  EXPECT_EQ(s.packets_lost(), 0u);
}

TEST(MediaReceiveStats, NewSsrcStartsAFreshSequenceAndKeepsEarlierLoss) {
  ReceiveStats s;
  for (std::uint16_t seq : {1, 2, 5}) s.on_packet(7, seq);              // 2 lost
  for (std::uint16_t seq : {40000, 40001, 40003}) s.on_packet(8, seq);  // 1 lost, no jump counted
  EXPECT_EQ(s.packets_lost(), 3u);
  EXPECT_EQ(s.source_ssrc(), 8u);
}

TEST(MediaReceiveStats, BigJumpRestartsOnlyWhenConfirmed) {
  ReceiveStats s;
  for (std::uint16_t seq : {100, 101, 102}) s.on_packet(7, seq);
  s.on_packet(7, 20000);  // stray: ignored
  s.on_packet(7, 103);
  EXPECT_EQ(s.packets_lost(), 0u);
  s.on_packet(7, 30000);
  s.on_packet(7, 30001);  // confirmed: the sender restarted its sequence
  s.on_packet(7, 30002);
  EXPECT_EQ(s.packets_lost(), 0u);
}

TEST(MediaReceiveStats, JitterFollowsRfc3550) {
  ReceiveStats s;
  // 20 ms packets (160 units) arriving alternately 0 and 80 units late: |D| = 80 each time after the first.
  double expected = 0;
  for (std::uint32_t i = 0; i < 50; ++i) {
    s.on_packet(1, static_cast<std::uint16_t>(i));
    s.on_timing(i * 160, 1000 + i * 160 + (i % 2 ? 80 : 0));
    if (i > 0) expected += (80 - expected) / 16;
  }
  EXPECT_NEAR(s.jitter_units(), expected, 1e-9);
  EXPECT_GT(s.jitter_units(), 75);
}

TEST(MediaRtcp, BuildsAnSrThatParsesBack) {
  std::array<std::uint8_t, 256> out{};
  SenderInfo sender{0x0102030405060708ull, 1234, 50, 8000};
  ReportBlock block;
  block.ssrc = 0x11111111;
  block.values = {64, -2, 70000, 80};
  block.last_sr = 0xabcd1234;
  block.delay_since_sr = 65536;
  const std::size_t size = build_rtcp(out, 0x22222222, &sender, &block, "abcdef0123456789");
  ASSERT_GT(size, 0u);
  EXPECT_EQ(size % 4, 0u);
  EXPECT_EQ(out[1], 200);
  EXPECT_EQ(out[0], 0x81);
  // SR 52 bytes, then SDES: 8 + 2 + 16 + end, rounded up to 28.
  EXPECT_EQ(size, 52u + 28u);
  EXPECT_EQ(out[52 + 1], 202);
  EXPECT_EQ(out[52 + 8], 1);  // CNAME
  EXPECT_EQ(out[52 + 9], 16);

  auto summary = parse_rtcp(std::span(out.data(), size), 0x11111111);
  ASSERT_TRUE(summary);
  ASSERT_TRUE(summary->about_us);
  EXPECT_EQ(summary->about_us->values.cumulative_lost, -2);
  EXPECT_EQ(summary->about_us->values.fraction_lost, 64);
  EXPECT_EQ(summary->about_us->values.extended_highest_sequence, 70000u);
  EXPECT_EQ(summary->about_us->values.jitter, 80u);
  EXPECT_EQ(summary->about_us->last_sr, 0xabcd1234u);
  EXPECT_TRUE(summary->sender_report);
  EXPECT_EQ(summary->sender_ssrc, 0x22222222u);
  EXPECT_EQ(summary->sender_ntp_middle, 0x03040506u);

  auto not_us = parse_rtcp(std::span(out.data(), size), 0x33333333);
  ASSERT_TRUE(not_us);
  EXPECT_FALSE(not_us->about_us);
}

TEST(MediaRtcp, BuildsAnRrWithoutBlocks) {
  std::array<std::uint8_t, 64> out{};
  const std::size_t size = build_rtcp(out, 5, nullptr, nullptr, "x");
  ASSERT_EQ(size, 8u + 12u);
  EXPECT_EQ(out[0], 0x80);
  EXPECT_EQ(out[1], 201);
  EXPECT_TRUE(parse_rtcp(std::span(out.data(), size), 5));
  EXPECT_EQ(build_rtcp(std::span(out.data(), 10), 5, nullptr, nullptr, "x"), 0u);  // too small
}

TEST(MediaRtcp, RejectsMalformedCompounds) {
  std::array<std::uint8_t, 128> out{};
  ReportBlock block;
  block.ssrc = 9;
  const std::size_t size = build_rtcp(out, 5, nullptr, &block, "cname");
  std::vector<std::uint8_t> good(out.begin(), out.begin() + static_cast<long>(size));
  ASSERT_TRUE(parse_rtcp(good, 9));

  auto truncated = good;
  truncated.pop_back();
  EXPECT_FALSE(parse_rtcp(truncated, 9));
  auto trailing = good;
  trailing.insert(trailing.end(), {0, 0, 0, 0, 0});
  EXPECT_FALSE(parse_rtcp(trailing, 9));
  auto version = good;
  version[0] = 0x41;
  EXPECT_FALSE(parse_rtcp(version, 9));
  auto too_many_blocks = good;
  too_many_blocks[0] = 0x80 | 3;  // three blocks claimed in an RR of one
  EXPECT_FALSE(parse_rtcp(too_many_blocks, 9));
  auto padding_first = good;
  padding_first[0] |= 0x20;  // padding on a packet that is not the last
  EXPECT_FALSE(parse_rtcp(padding_first, 9));
  auto long_length = good;
  long_length[3] = 200;
  EXPECT_FALSE(parse_rtcp(long_length, 9));
  EXPECT_FALSE(parse_rtcp({}, 9));
}

TEST(MediaOutputStream, SourceChangeContinuesSequenceAndTimestamp) {
  using Clock = OutputStream::Clock;
  const auto t0 = Clock::time_point(std::chrono::seconds(100));
  OutputStream out(0xaaaa, 1000, 50000);
  auto first = out.next(1, 0x1111, false, 7, 700, t0);
  EXPECT_EQ(first.sequence, 1000);
  EXPECT_EQ(first.timestamp, 50000u);
  EXPECT_TRUE(first.marker);
  auto second = out.next(1, 0x1111, false, 8, 860, t0 + std::chrono::milliseconds(20));
  EXPECT_EQ(second.sequence, 1001);
  EXPECT_EQ(second.timestamp, 50160u);
  EXPECT_FALSE(second.marker);
  // Another source 100 ms later: sequence + 1, timestamp + 800 (8 per ms), marker.
  auto switched = out.next(2, 0x2222, false, 40000, 9, t0 + std::chrono::milliseconds(120));
  EXPECT_EQ(switched.sequence, 1002);
  EXPECT_EQ(switched.timestamp, 50160u + 800);
  EXPECT_TRUE(switched.marker);
  auto after = out.next(2, 0x2222, false, 40001, 169, t0 + std::chrono::milliseconds(140));
  EXPECT_EQ(after.sequence, 1003);
  EXPECT_EQ(after.timestamp, 50160u + 800 + 160);
  // A late packet of the same source keeps its place.
  auto late = out.next(2, 0x2222, false, 39999, 0xffffff69u, t0 + std::chrono::milliseconds(141));
  EXPECT_EQ(late.sequence, 1001);
  EXPECT_EQ(out.timestamp_at(t0 + std::chrono::milliseconds(160)), 50160u + 800 + 160 + 160);
}

TEST(MediaOutputStream, ResyncTreatsTheSameSourceAsNew) {
  using Clock = OutputStream::Clock;
  const auto t0 = Clock::time_point(std::chrono::seconds(5));
  OutputStream out(1, 10, 1000);
  out.next(1, 7, false, 100, 16000, t0);
  out.resync();
  // The source went on for 1 s (50 packets) while we did not send.
  auto resumed = out.next(1, 7, false, 151, 16000 + 51 * 160, t0 + std::chrono::milliseconds(1020));
  EXPECT_EQ(resumed.sequence, 11);
  EXPECT_EQ(resumed.timestamp, 1000u + 1020 * 8);
  EXPECT_TRUE(resumed.marker);
}
