// A browser leg's transport without sockets: ICE-lite checks, the DTLS
// handshake with an independent OpenSSL "browser", SRTP both ways, path
// selection, consent freshness and deadlines, on a clock the test moves.
#include <gtest/gtest.h>

#include <thread>

#include "../../src/media/webrtc/transport.hpp"
#include "webrtc_peer.hpp"

using namespace hotline::media;
using namespace hotline::media::webrtc;
using namespace std::chrono_literals;
using webrtc_test::Bytes;
using webrtc_test::DtlsPeer;
using Endpoint = boost::asio::ip::udp::endpoint;
using TimePoint = Transport::TimePoint;

namespace {

struct Recorder final : Transport::Events {
  struct Sent {
    Bytes bytes;
    Endpoint to;
  };
  std::vector<Sent> sent;
  std::vector<Endpoint> selected;
  std::vector<WebRtcState> states;
  void send_datagram(std::span<const std::uint8_t> d, const Endpoint& to) override {
    sent.push_back({Bytes(d.begin(), d.end()), to});
  }
  void path_selected(const Endpoint& peer) override { selected.push_back(peer); }
  void state_changed(const WebRtcState& state) override { states.push_back(state); }
};

class TransportTest : public ::testing::Test {
 protected:
  static std::shared_ptr<const DtlsContext> context() {
    static const auto c = std::make_shared<const DtlsContext>(DtlsIdentity::generate());
    return c;
  }

  void make(DtlsPeer::Role browser_role = DtlsPeer::Role::client) {
    browser = std::make_unique<DtlsPeer>(browser_role, context()->identity().fingerprint());
    transport = std::make_unique<Transport>(context(), IceCredentials{"ourufrag", "our-password-0123456789ab"}, events,
                                            Transport::Options{});
  }
  void SetUp() override { make(); }

  WebRtcRemote remote(DtlsSetup setup = DtlsSetup::actpass) const {
    return WebRtcRemote{"brws", "browser-password-0123456789", browser->fingerprint(), setup};
  }
  Transport::Received feed(Bytes datagram, const Endpoint& from, TimePoint at) {
    last_received = std::move(datagram);
    return transport->receive(last_received, from, at);
  }
  Transport::Received check(const Endpoint& from, TimePoint at, bool nominate = true) {
    return feed(webrtc_test::binding_request("ourufrag:brws", "our-password-0123456789ab", nominate, ++seed), from, at);
  }
  // DTLS our transport sent goes to the browser, the browser's comes back from `from`.
  void pump(const Endpoint& from, TimePoint at) {
    for (int round = 0; round < 20; ++round) {
      bool moved = false;
      for (; delivered < events.sent.size(); ++delivered) {
        const auto& s = events.sent[delivered];
        if (classify(s.bytes) == PacketKind::dtls) {
          EXPECT_EQ(s.to, from);
          browser->receive(s.bytes);
          moved = true;
        }
      }
      auto out = browser->take_output();
      if (!out.empty()) {
        feed(std::move(out), from, at);
        moved = true;
      }
      if (!moved) return;
    }
  }
  void connect(TimePoint at) {
    transport->set_remote(remote(), at);
    ASSERT_EQ(check(a, at).verdict, Transport::Verdict::consumed);
    browser->start();
    pump(a, at);
    ASSERT_TRUE(browser->connected());
    ASSERT_TRUE(transport->state().dtls_connected) << transport->state().failure;
  }

  Recorder events;
  std::unique_ptr<DtlsPeer> browser;
  std::unique_ptr<Transport> transport;
  std::size_t delivered = 0;
  std::uint8_t seed = 0;
  Bytes last_received;
  const TimePoint t0 = std::chrono::steady_clock::now();
  const Endpoint a{boost::asio::ip::make_address("127.0.0.1"), 50000};
  const Endpoint b{boost::asio::ip::make_address("127.0.0.1"), 50002};
};

}  // namespace

TEST(WebRtcDemux, FirstByteRangesOfRfc7983) {
  EXPECT_EQ(classify(Bytes{}), PacketKind::other);
  EXPECT_EQ(classify(Bytes{0}), PacketKind::stun);
  EXPECT_EQ(classify(Bytes{3}), PacketKind::stun);
  EXPECT_EQ(classify(Bytes{4}), PacketKind::other);
  EXPECT_EQ(classify(Bytes{19}), PacketKind::other);
  EXPECT_EQ(classify(Bytes{20}), PacketKind::dtls);
  EXPECT_EQ(classify(Bytes{63}), PacketKind::dtls);
  EXPECT_EQ(classify(Bytes{64}), PacketKind::other);  // TURN channels: not ours
  EXPECT_EQ(classify(Bytes{127}), PacketKind::other);
  EXPECT_EQ(classify(Bytes{128, 0}), PacketKind::rtp);
  EXPECT_EQ(classify(Bytes{0x80, 0x80 | 111}), PacketKind::rtp);  // marker + dynamic type
  EXPECT_EQ(classify(Bytes{0x80, 191}), PacketKind::rtp);
  EXPECT_EQ(classify(Bytes{0x81, 192}), PacketKind::rtcp);
  EXPECT_EQ(classify(Bytes{0x80, 200}), PacketKind::rtcp);  // SR
  EXPECT_EQ(classify(Bytes{0x80, 223}), PacketKind::rtcp);
  EXPECT_EQ(classify(Bytes{0x80, 224}), PacketKind::rtp);
  EXPECT_EQ(classify(Bytes{191, 0}), PacketKind::rtp);
  EXPECT_EQ(classify(Bytes{192}), PacketKind::other);
}

TEST_F(TransportTest, AFullSessionCarriesMediaBothWays) {
  connect(t0);
  ASSERT_EQ(events.selected, std::vector<Endpoint>{a});
  ASSERT_GE(events.states.size(), 2u);
  EXPECT_TRUE(events.states.front().ice_connected);
  EXPECT_FALSE(events.states.front().dtls_connected);
  EXPECT_TRUE(events.states.back().dtls_connected);
  EXPECT_EQ(events.states.back().selected_port, 50000);
  EXPECT_FALSE(events.states.back().failed);

  const auto ours = webrtc_test::make_rtp(0, 10, 1600, 0xCAFE);
  const auto protected_packet = transport->protect_rtp(ours);
  ASSERT_TRUE(protected_packet);
  EXPECT_EQ(browser->unprotect_rtp(Bytes(protected_packet->begin(), protected_packet->end())), ours);

  const auto theirs = webrtc_test::make_rtp(0, 77, 999, 0xBEEF, 160, 0x42);
  const auto in = feed(browser->protect_rtp(theirs), a, t0);
  ASSERT_EQ(in.verdict, Transport::Verdict::rtp);
  EXPECT_EQ(Bytes(last_received.begin(), last_received.begin() + static_cast<long>(in.size)), theirs);

  const auto rr = webrtc_test::make_rtcp_rr(0xBEEF);
  const auto rtcp_in = feed(browser->protect_rtcp(rr), a, t0);
  ASSERT_EQ(rtcp_in.verdict, Transport::Verdict::rtcp);
  EXPECT_EQ(Bytes(last_received.begin(), last_received.begin() + static_cast<long>(rtcp_in.size)), rr);
  const auto rtcp_out = transport->protect_rtcp(webrtc_test::make_rtcp_rr(0xCAFE));
  ASSERT_TRUE(rtcp_out);
  EXPECT_EQ(browser->unprotect_rtcp(Bytes(rtcp_out->begin(), rtcp_out->end())), webrtc_test::make_rtcp_rr(0xCAFE));
}

TEST_F(TransportTest, NoMediaFlowsBeforeDtlsIsUp) {
  transport->set_remote(remote(), t0);
  check(a, t0);
  EXPECT_FALSE(transport->protect_rtp(webrtc_test::make_rtp(0, 1, 1, 1)));
  EXPECT_FALSE(transport->protect_rtcp(webrtc_test::make_rtcp_rr(1)));
  EXPECT_EQ(feed(webrtc_test::make_rtp(0, 1, 1, 1), a, t0).verdict, Transport::Verdict::dropped);
  EXPECT_EQ(feed(webrtc_test::make_rtcp_rr(1), a, t0).verdict, Transport::Verdict::dropped);
  EXPECT_EQ(feed(Bytes{100, 1, 2}, a, t0).verdict, Transport::Verdict::dropped);
}

TEST_F(TransportTest, BadChecksAreAnsweredButChangeNothing) {
  transport->set_remote(remote(), t0);
  const auto r = feed(webrtc_test::binding_request("ourufrag:brws", "wrong-password-00000000000", true), a, t0);
  EXPECT_EQ(r.verdict, Transport::Verdict::dropped);
  ASSERT_EQ(events.sent.size(), 1u);
  EXPECT_EQ(events.sent[0].to, a);
  EXPECT_EQ(StunMessage::parse(events.sent[0].bytes)->error_code()->code, 401);
  EXPECT_TRUE(events.selected.empty());
  EXPECT_FALSE(transport->state().ice_connected);
}

TEST_F(TransportTest, DtlsFromASourceThatPassedNoCheckIsDropped) {
  transport->set_remote(remote(), t0);
  browser->start();
  EXPECT_EQ(feed(browser->take_output(), a, t0).verdict, Transport::Verdict::dropped);
  EXPECT_TRUE(events.sent.empty());
}

TEST_F(TransportTest, AClientHelloBeforeTheBrowsersSdpWaitsForIt) {
  check(a, t0);  // the browser's checks and handshake may overtake its answer
  browser->start();
  EXPECT_EQ(feed(browser->take_output(), a, t0).verdict, Transport::Verdict::consumed);
  const auto sent_before = events.sent.size();
  transport->set_remote(remote(), t0);
  EXPECT_GT(events.sent.size(), sent_before);  // now answered
  delivered = 1;  // the STUN response
  pump(a, t0);
  EXPECT_TRUE(transport->state().dtls_connected) << transport->state().failure;
}

TEST_F(TransportTest, MediaFromAnyOtherSourceIsDropped) {
  connect(t0);
  check(b, t0, false);  // b passed a check but is not nominated
  EXPECT_EQ(events.selected.size(), 1u);
  EXPECT_EQ(feed(browser->protect_rtp(webrtc_test::make_rtp(0, 1, 1, 1)), b, t0).verdict,
            Transport::Verdict::dropped);
  EXPECT_EQ(feed(browser->protect_rtp(webrtc_test::make_rtp(0, 2, 2, 1)), a, t0).verdict, Transport::Verdict::rtp);
}

TEST_F(TransportTest, ANominationMovesThePath) {
  connect(t0);
  check(b, t0, true);
  ASSERT_EQ(events.selected.size(), 2u);
  EXPECT_EQ(events.selected.back(), b);
  EXPECT_EQ(transport->state().selected_port, 50002);
  EXPECT_EQ(feed(browser->protect_rtp(webrtc_test::make_rtp(0, 3, 3, 1)), b, t0).verdict, Transport::Verdict::rtp);
  EXPECT_EQ(feed(browser->protect_rtp(webrtc_test::make_rtp(0, 4, 4, 1)), a, t0).verdict,
            Transport::Verdict::dropped);
}

TEST_F(TransportTest, ChecksKeepConsentAndTheirAbsenceLosesIt) {
  connect(t0);
  TimePoint now = t0;
  for (int i = 0; i < 12; ++i) {  // a minute of checks every 5 s
    now += 5s;
    transport->on_timer(now);
    check(a, now, false);
    EXPECT_FALSE(transport->state().failed);
    EXPECT_LE(transport->deadline(), now + 30s);
  }
  transport->on_timer(now + 29s);
  EXPECT_FALSE(transport->state().failed);
  EXPECT_TRUE(transport->protect_rtp(webrtc_test::make_rtp(0, 1, 1, 1)));
  const auto states_before = events.states.size();
  transport->on_timer(now + 30s);
  EXPECT_TRUE(transport->state().consent_lost);
  EXPECT_TRUE(transport->state().failed);
  EXPECT_NE(transport->state().failure.find("consent"), std::string::npos);
  ASSERT_EQ(events.states.size(), states_before + 1);
  EXPECT_TRUE(events.states.back().consent_lost);
  EXPECT_FALSE(transport->protect_rtp(webrtc_test::make_rtp(0, 2, 2, 1)));  // we stop sending (RFC 7675 5.1)
  EXPECT_EQ(feed(browser->protect_rtp(webrtc_test::make_rtp(0, 3, 3, 1)), a, now + 31s).verdict,
            Transport::Verdict::dropped);
  check(a, now + 32s);  // too late: the owner ends the leg
  EXPECT_TRUE(transport->state().failed);
  EXPECT_EQ(transport->deadline(), TimePoint::max());
}

TEST_F(TransportTest, ABrowserThatNeverChecksLosesConsent) {
  transport->set_remote(remote(), t0);
  EXPECT_EQ(transport->deadline(), t0 + 30s);
  transport->on_timer(t0 + 30s);
  EXPECT_TRUE(transport->state().consent_lost);
  EXPECT_NE(transport->state().failure.find("no valid ICE check"), std::string::npos);
}

TEST_F(TransportTest, AHandshakeThatNeverFinishesFails) {
  transport->set_remote(remote(), t0);
  TimePoint now = t0;
  check(a, now);
  for (int i = 0; i < 6; ++i) {
    now += 5s;
    check(a, now, false);
    transport->on_timer(now);
  }
  EXPECT_TRUE(transport->state().failed);
  EXPECT_FALSE(transport->state().consent_lost);
  EXPECT_NE(transport->state().failure.find("DTLS handshake"), std::string::npos);
}

TEST_F(TransportTest, AFingerprintOtherThanTheSdpsFailsTheLeg) {
  auto r = remote();
  r.fingerprint.value[0] = r.fingerprint.value[0] == 'F' ? 'E' : 'F';
  transport->set_remote(r, t0);
  check(a, t0);
  browser->start();
  pump(a, t0);
  EXPECT_TRUE(transport->state().failed);
  EXPECT_FALSE(transport->state().dtls_connected);
  EXPECT_NE(transport->state().failure.find("fingerprint"), std::string::npos);
  EXPECT_FALSE(transport->protect_rtp(webrtc_test::make_rtp(0, 1, 1, 1)));
}

TEST_F(TransportTest, AnSdpWithoutFingerprintFailsAtOnce) {
  auto r = remote();
  r.fingerprint = {};
  transport->set_remote(r, t0);
  EXPECT_TRUE(transport->state().failed);
}

TEST_F(TransportTest, WeOpenTheHandshakeWhenTheBrowserIsPassiveAndRetransmitOnOurTimer) {
  make(DtlsPeer::Role::server);
  transport->set_remote(remote(DtlsSetup::passive), t0);
  EXPECT_TRUE(events.sent.empty());  // no path yet: nowhere to send a ClientHello
  check(a, t0);
  ASSERT_EQ(events.sent.size(), 2u);  // the check's success, then our ClientHello
  EXPECT_EQ(classify(events.sent[1].bytes), PacketKind::dtls);
  EXPECT_EQ(events.sent[1].to, a);
  const auto deadline = transport->deadline();
  EXPECT_GT(deadline, t0);
  EXPECT_LE(deadline, t0 + 400ms);
  // The ClientHello is lost; the transport resends it when its deadline comes.
  delivered = events.sent.size();
  std::this_thread::sleep_for(450ms);  // OpenSSL's own clock must see the time pass too
  transport->on_timer(std::chrono::steady_clock::now());
  ASSERT_EQ(events.sent.size(), 3u);
  EXPECT_EQ(classify(events.sent[2].bytes), PacketKind::dtls);
  delivered = 2;
  pump(a, t0);
  EXPECT_TRUE(browser->connected());
  EXPECT_TRUE(transport->state().dtls_connected) << transport->state().failure;
}

TEST_F(TransportTest, CloseSendsCloseNotifyAndEndsEverything) {
  connect(t0);
  transport->close();
  ASSERT_GT(events.sent.size(), delivered);
  for (; delivered < events.sent.size(); ++delivered) browser->receive(events.sent[delivered].bytes);
  EXPECT_TRUE(browser->closed_by_peer());
  EXPECT_FALSE(transport->protect_rtp(webrtc_test::make_rtp(0, 1, 1, 1)));
  EXPECT_EQ(check(a, t0).verdict, Transport::Verdict::dropped);
  EXPECT_EQ(transport->deadline(), TimePoint::max());
}

TEST_F(TransportTest, TheBrowserClosingDtlsFailsTheLeg) {
  connect(t0);
  browser->close();
  feed(browser->take_output(), a, t0);
  EXPECT_TRUE(transport->state().failed);
  EXPECT_NE(transport->state().failure.find("close_notify"), std::string::npos);
}
