// SIP INFO DTMF bodies: what phones and gateways send, and what a hostile
// peer could.
#include <gtest/gtest.h>

#include <string>

#include "hotline/media/dtmf.hpp"

using namespace hotline::media;

TEST(MediaDtmfInfo, ParsesDtmfRelay) {
  auto d = parse_dtmf_relay("Signal=5\r\nDuration=160\r\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digit, '5');
  EXPECT_EQ(d->duration_ms, 160u);

  d = parse_dtmf_relay("signal = *\nduration= 250");  // LF only, spaces, lower case, no final newline
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digit, '*');
  EXPECT_EQ(d->duration_ms, 250u);

  d = parse_dtmf_relay("Signal=#\r\n");  // no Duration
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digit, '#');
  EXPECT_EQ(d->duration_ms, kDefaultInfoDtmfDurationMs);

  d = parse_dtmf_relay("Signal=10\r\nDuration=100\r\n");  // numeric event codes
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digit, '*');
  EXPECT_EQ(parse_dtmf_relay("Signal=11\r\n")->digit, '#');
  EXPECT_EQ(parse_dtmf_relay("Signal=d\r\n")->digit, 'D');

  d = parse_dtmf_relay("\r\nVolume=10\r\nSignal=0\r\nDuration=100\r\n\r\n");  // unknown keys, blank lines
  ASSERT_TRUE(d);
  EXPECT_EQ(d->digit, '0');
}

TEST(MediaDtmfInfo, RefusesMalformedDtmfRelay) {
  EXPECT_FALSE(parse_dtmf_relay(""));
  EXPECT_FALSE(parse_dtmf_relay("Duration=160\r\n"));        // no Signal
  EXPECT_FALSE(parse_dtmf_relay("Signal=\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal=12\r\n"));           // only 10 and 11 come as numbers
  EXPECT_FALSE(parse_dtmf_relay("Signal=55\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal=E\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal=5\r\nSignal=6\r\n")); // ambiguous
  EXPECT_FALSE(parse_dtmf_relay("Signal=5\r\nDuration=-1\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal=5\r\nDuration=1e3\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal=5\r\nDuration=\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal=5\r\nDuration=100\r\nDuration=200\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal 5\r\n"));            // no '='
  EXPECT_FALSE(parse_dtmf_relay(std::string("Signal=5\0\r\n", 11)));
  EXPECT_FALSE(parse_dtmf_relay("Signal=5\x1b[2J\r\n"));
  EXPECT_FALSE(parse_dtmf_relay("Signal=\xef\xbc\x95\r\n"));  // a full-width 5
  EXPECT_FALSE(parse_dtmf_relay("Signal=5\r\n" + std::string(kMaxInfoDtmfBody, ' ')));
}

TEST(MediaDtmfInfo, ClampsHugeDurations) {
  auto d = parse_dtmf_relay("Signal=1\r\nDuration=99999999999999999999999999\r\n");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->duration_ms, kMaxInfoDtmfDurationMs);
  EXPECT_EQ(parse_dtmf_relay("Signal=1\r\nDuration=0\r\n")->duration_ms, 0u);
}

TEST(MediaDtmfInfo, ParsesApplicationDtmf) {
  EXPECT_EQ(parse_dtmf_body("5")->digit, '5');
  EXPECT_EQ(parse_dtmf_body(" # \r\n")->digit, '#');
  EXPECT_EQ(parse_dtmf_body("11")->digit, '#');
  EXPECT_EQ(parse_dtmf_body("5")->duration_ms, kDefaultInfoDtmfDurationMs);
  EXPECT_FALSE(parse_dtmf_body(""));
  EXPECT_FALSE(parse_dtmf_body("55"));
  EXPECT_FALSE(parse_dtmf_body("5\r\n6"));
  EXPECT_FALSE(parse_dtmf_body("Signal=5"));
}

TEST(MediaDtmfInfo, PicksTheParserByContentType) {
  EXPECT_EQ(parse_info_dtmf("application/dtmf-relay", "Signal=4\r\nDuration=100\r\n")->digit, '4');
  EXPECT_EQ(parse_info_dtmf("Application/DTMF-Relay; charset=us-ascii", "Signal=4\r\n")->digit, '4');
  EXPECT_EQ(parse_info_dtmf("application/dtmf", "7")->digit, '7');
  EXPECT_EQ(parse_info_dtmf(" application/dtmf ", "7")->digit, '7');
  EXPECT_FALSE(parse_info_dtmf("application/dtmf", "Signal=7"));
  EXPECT_FALSE(parse_info_dtmf("application/dtmf-relayx", "Signal=7"));
  EXPECT_FALSE(parse_info_dtmf("text/plain", "Signal=7"));
  EXPECT_FALSE(parse_info_dtmf("", "7"));
}

TEST(MediaDtmfInfo, BuildsBodiesThatParseBack) {
  EXPECT_EQ(build_dtmf_relay('5', 160), "Signal=5\r\nDuration=160\r\n");
  EXPECT_EQ(build_dtmf_relay('a', 100), "Signal=A\r\nDuration=100\r\n");
  EXPECT_EQ(build_dtmf_body('#'), "#");
  EXPECT_EQ(build_dtmf_relay('x', 100), "");
  EXPECT_EQ(build_dtmf_body('\0'), "");
  for (char c : std::string("0123456789*#ABCD")) {
    auto d = parse_info_dtmf("application/dtmf-relay", build_dtmf_relay(c, 120));
    ASSERT_TRUE(d) << c;
    EXPECT_EQ(d->digit, c);
    EXPECT_EQ(d->duration_ms, 120u);
    EXPECT_EQ(parse_info_dtmf("application/dtmf", build_dtmf_body(c))->digit, c);
  }
}
