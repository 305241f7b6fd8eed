#include <gtest/gtest.h>

#include "hotline/sip/message.hpp"

using namespace hotline::sip;

namespace {

const std::string kInvite =
    "INVITE sip:12345@127.0.0.1:5060;transport=udp SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.5:5070;branch=z9hG4bK-abc;rport\r\n"
    "Via: SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK-first\r\n"
    "Max-Forwards: 70\r\n"
    "f: \"Citizen\" <sip:13812345678@10.0.0.5>;tag=from1\r\n"
    "t: <sip:12345@127.0.0.1>\r\n"
    "i: call-1@10.0.0.5\r\n"
    "CSeq: 314159 INVITE\r\n"
    "m: <sip:13812345678@10.0.0.5:5070>\r\n"
    "Subject: 投诉\r\n"
    "c: application/sdp\r\n"
    "l: 5\r\n"
    "\r\n"
    "v=0\r\n";

ParseResult parse_ok(const std::string& text) {
  auto r = parse(text, Framing::datagram);
  if (auto* e = std::get_if<ParseError>(&r)) ADD_FAILURE() << e->reason;
  return r;
}

}  // namespace

TEST(SipMessage, ParsesCompactFormsIntoFields) {
  auto r = parse_ok(kInvite);
  ASSERT_TRUE(std::holds_alternative<Message>(r));
  const auto& m = std::get<Message>(r);
  EXPECT_TRUE(m.is_request);
  EXPECT_EQ(m.method, "INVITE");
  EXPECT_EQ(m.request_uri.user, "12345");
  EXPECT_EQ(m.request_uri.host, "127.0.0.1");
  EXPECT_EQ(m.request_uri.port, 5060);
  ASSERT_EQ(m.vias.size(), 2u);
  EXPECT_EQ(m.vias[0].branch, "z9hG4bK-abc");
  EXPECT_EQ(m.vias[0].port, 5070);
  EXPECT_TRUE(m.vias[0].has_rport);
  EXPECT_EQ(m.vias[1].port, 0);
  EXPECT_EQ(m.from.tag, "from1");
  EXPECT_EQ(m.from.uri.user, "13812345678");
  EXPECT_EQ(m.from.display_name, "\"Citizen\"");
  EXPECT_TRUE(m.to.tag.empty());
  EXPECT_EQ(m.call_id, "call-1@10.0.0.5");
  EXPECT_EQ(m.cseq, 314159u);
  EXPECT_EQ(m.cseq_method, "INVITE");
  ASSERT_EQ(m.contacts.size(), 1u);
  EXPECT_EQ(m.contacts[0].uri.port, 5070);
  EXPECT_EQ(m.max_forwards, 70);
  EXPECT_EQ(m.content_type, "application/sdp");
  EXPECT_EQ(m.header("subject"), "投诉");
  EXPECT_EQ(m.body, "v=0\r\n");
}

TEST(SipMessage, SerializeRoundTrips) {
  auto m = std::get<Message>(parse_ok(kInvite));
  auto again = parse_ok(serialize(m));
  const auto& m2 = std::get<Message>(again);
  EXPECT_EQ(m2.call_id, m.call_id);
  EXPECT_EQ(m2.from.tag, m.from.tag);
  EXPECT_EQ(m2.vias.size(), 2u);
  EXPECT_EQ(m2.body, m.body);
  EXPECT_EQ(m2.header("Subject"), "投诉");
}

TEST(SipMessage, ResponseCopiesRoutingAndFillsRport) {
  auto m = std::get<Message>(parse_ok(kInvite));
  auto text = build_response(m, 486, "Busy Here", {"srv1", "192.0.2.7", 40000, {{"Retry-After", "30"}}, {}, {}});
  auto r = parse_ok(text);
  const auto& resp = std::get<Message>(r);
  EXPECT_FALSE(resp.is_request);
  EXPECT_EQ(resp.status, 486);
  EXPECT_EQ(resp.to.tag, "srv1");
  EXPECT_EQ(resp.cseq_method, "INVITE");
  ASSERT_EQ(resp.vias.size(), 2u);
  EXPECT_NE(resp.vias[0].text.find("received=192.0.2.7"), std::string::npos) << resp.vias[0].text;
  EXPECT_NE(resp.vias[0].text.find("rport=40000"), std::string::npos) << resp.vias[0].text;
  EXPECT_EQ(resp.vias[1].text.find("received"), std::string::npos);
  EXPECT_EQ(resp.header("Retry-After"), "30");
}

TEST(SipMessage, NoToTagOnA100) {
  auto m = std::get<Message>(parse_ok(kInvite));
  auto resp = std::get<Message>(parse_ok(build_response(m, 100, "Trying", {"srv1", {}, 0, {}, {}, {}})));
  EXPECT_TRUE(resp.to.tag.empty());
}

TEST(SipMessage, ParsesResponses) {
  std::string ok =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bK-9\r\nFrom: <sip:a@b>;tag=1\r\n"
      "To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
  auto m = std::get<Message>(parse_ok(ok));
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.reason, "OK");
  EXPECT_EQ(m.to.tag, "2");
  EXPECT_EQ(m.vias[0].transport, "TCP");
}
