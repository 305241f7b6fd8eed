#include <gtest/gtest.h>

#include "hotline/sip/sdp.hpp"

using namespace hotline::sip;

namespace {
const std::string kOffer =
    "v=0\r\n"
    "o=alice 2890844526 2890844526 IN IP4 10.0.0.5\r\n"
    "s=-\r\n"
    "c=IN IP4 10.0.0.5\r\n"
    "t=0 0\r\n"
    "m=audio 49170 RTP/AVP 9 8 0 101\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:101 telephone-event/8000\r\n"
    "a=fmtp:101 0-15\r\n"
    "a=sendonly\r\n"
    "m=video 51372 RTP/AVP 31\r\n";
}

TEST(Sdp, ParsesTheAudioStream) {
  auto r = parse_sdp(kOffer);
  ASSERT_TRUE(std::holds_alternative<SessionDescription>(r)) << std::get<SdpError>(r).reason;
  const auto& d = std::get<SessionDescription>(r);
  EXPECT_EQ(d.media_lines, 2);
  ASSERT_TRUE(d.audio);
  EXPECT_EQ(d.audio->address, "10.0.0.5");
  EXPECT_EQ(d.audio->port, 49170);
  EXPECT_EQ(d.audio->direction, Direction::sendonly);
  ASSERT_EQ(d.audio->formats.size(), 4u);
  EXPECT_EQ(d.audio->formats[1].encoding, "PCMA");
  EXPECT_EQ(d.audio->formats[3].encoding, "telephone-event");
  EXPECT_EQ(d.audio->formats[3].fmtp, "0-15");
}

TEST(Sdp, ChoosesTheFirstG711AndTelephoneEvent) {
  auto d = std::get<SessionDescription>(parse_sdp(kOffer));
  auto chosen = choose_formats(*d.audio);
  ASSERT_TRUE(chosen);
  ASSERT_EQ(chosen->size(), 2u);
  EXPECT_EQ((*chosen)[0].payload_type, 8);
  EXPECT_EQ((*chosen)[1].payload_type, 101);
  EXPECT_EQ(answer_direction(d.audio->direction), Direction::recvonly);
}

TEST(Sdp, NoG711MeansNoAnswer) {
  std::string opus =
      "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\n"
      "m=audio 4000 RTP/AVP 111\r\na=rtpmap:111 opus/48000/2\r\n";
  auto d = std::get<SessionDescription>(parse_sdp(opus));
  EXPECT_FALSE(choose_formats(*d.audio));
}

TEST(Sdp, BuildsAnAnswerThatParses) {
  auto text = build_sdp(
      {"127.0.0.1", 20002, {{0, "PCMU", 8000, {}}, {101, "telephone-event", 8000, {}}}, Direction::sendrecv, 7, 8});
  auto d = std::get<SessionDescription>(parse_sdp(text));
  EXPECT_EQ(d.session_id, "7");
  EXPECT_EQ(d.audio->port, 20002);
  EXPECT_EQ(d.audio->formats[0].encoding, "PCMU");
  EXPECT_EQ(d.audio->formats[1].fmtp, "0-16");
}

TEST(Sdp, RejectsBrokenDescriptions) {
  EXPECT_TRUE(std::holds_alternative<SdpError>(parse_sdp("this is not sdp")));
  EXPECT_TRUE(std::holds_alternative<SdpError>(
      parse_sdp("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n")));  // no c=
  EXPECT_TRUE(std::holds_alternative<SdpError>(
      parse_sdp("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 99999 RTP/AVP 0\r\n")));
}
