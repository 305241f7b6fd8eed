#include <gtest/gtest.h>

#include "hotline/sip/precheck.hpp"

using namespace hotline::sip;

namespace {
const std::string kOptions =
    "OPTIONS sip:12345@127.0.0.1 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-1\r\n"
    "From: <sip:a@127.0.0.1>;tag=1\r\n"
    "To: <sip:12345@127.0.0.1>\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 OPTIONS\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "body";
}

TEST(SipPrecheck, AcceptsAWellFormedDatagram) {
  auto p = precheck(kOptions, Framing::datagram, {});
  EXPECT_EQ(p.verdict, Verdict::accept) << p.reason;
  EXPECT_TRUE(p.is_request);
  EXPECT_EQ(p.body_length, 4u);
  EXPECT_EQ(p.message_length, kOptions.size());
}

TEST(SipPrecheck, StreamFramingWaitsForTheWholeMessageAndSplitsTwo) {
  auto half = precheck(std::string_view(kOptions).substr(0, 50), Framing::stream, {});
  EXPECT_EQ(half.verdict, Verdict::drop);
  EXPECT_EQ(half.reason, kIncomplete);
  auto no_body = precheck(std::string_view(kOptions).substr(0, kOptions.size() - 2), Framing::stream, {});
  EXPECT_EQ(no_body.reason, kIncomplete);
  std::string two = kOptions + kOptions;
  auto first = precheck(two, Framing::stream, {});
  EXPECT_EQ(first.verdict, Verdict::accept);
  EXPECT_EQ(first.message_length, kOptions.size());
}

TEST(SipPrecheck, StreamsNeedContentLength) {
  std::string no_cl = kOptions.substr(0, kOptions.find("Content-Length")) + "\r\n";
  EXPECT_EQ(precheck(no_cl, Framing::stream, {}).reason, "Content-Length is required over a stream");
  EXPECT_EQ(precheck(no_cl, Framing::datagram, {}).verdict, Verdict::accept);
}

TEST(SipPrecheck, KeepAlivesAreConsumedSilently) {
  auto p = precheck("\r\n\r\n", Framing::stream, {});
  EXPECT_EQ(p.verdict, Verdict::drop);
  EXPECT_EQ(p.reason, "keep-alive");
  EXPECT_EQ(p.message_length, 4u);
}

TEST(SipPrecheck, ResponsesAreDroppedNotAnswered) {
  std::string bad = "SIP/2.0 200 OK\r\nContent-Length: x\r\n\r\n";
  auto p = precheck(bad, Framing::datagram, {});
  EXPECT_EQ(p.verdict, Verdict::drop);
  EXPECT_EQ(p.reason, "Content-Length is not a number");
}

TEST(SipPrecheck, LimitsAreConfigurable) {
  Limits tight;
  tight.max_message_bytes = 100;
  EXPECT_EQ(precheck(kOptions, Framing::datagram, tight).verdict, Verdict::drop);
  tight = Limits{};
  tight.max_header_lines = 3;
  EXPECT_EQ(precheck(kOptions, Framing::datagram, tight).reason, "too many header lines");
}
