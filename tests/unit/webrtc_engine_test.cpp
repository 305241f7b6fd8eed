// A browser leg in a real Session over UDP on 127.0.0.1: an in-process
// "browser" (webrtc_peer.hpp: ICE checks, DTLS client, libsrtp) and a plain
// RTP phone, bridged; audio both ways, RTCP over SRTCP on the same port,
// prompts through SRTP, and the failures the owner must hear about.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "../../src/media/g711.hpp"
#include "../../src/media/webrtc/transport.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/media/engine.hpp"
#include "webrtc_peer.hpp"

using namespace hotline::media;
using namespace std::chrono_literals;
using webrtc_test::Bytes;
using webrtc_test::DtlsPeer;

namespace {

class Udp {
 public:
  Udp() : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a = address(0);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t length = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &length);
    port_ = ntohs(a.sin_port);
  }
  ~Udp() { ::close(fd_); }
  Udp(const Udp&) = delete;
  Udp& operator=(const Udp&) = delete;

  std::uint16_t port() const { return port_; }
  void send(std::uint16_t to, const Bytes& bytes) const {
    sockaddr_in a = address(to);
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  std::optional<Bytes> receive(std::chrono::milliseconds timeout = 1000ms) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    Bytes bytes(4096);
    const auto n = ::recv(fd_, bytes.data(), bytes.size(), 0);
    if (n < 0) return std::nullopt;
    bytes.resize(static_cast<std::size_t>(n));
    return bytes;
  }

 private:
  static sockaddr_in address(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  int fd_;
  std::uint16_t port_ = 0;
};

MediaConfig test_config() {
  MediaConfig c;
  c.port_min = static_cast<std::uint16_t>(20000 + (::getpid() % 500) * 24);
  c.port_max = static_cast<std::uint16_t>(c.port_min + 19);
  c.threads = 1;
  c.rtcp_interval_ms = 60'000;
  return c;
}

// What the state handler saw, waited on from the test thread.
class StateLog {
 public:
  WebRtcStateHandler handler() {
    return [this](const WebRtcState& s) {
      std::lock_guard lock(mutex_);
      states_.push_back(s);
      changed_.notify_all();
    };
  }
  template <class Condition>
  std::optional<WebRtcState> wait_for(Condition condition, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mutex_);
    std::optional<WebRtcState> found;
    changed_.wait_for(lock, timeout, [&] {
      for (const auto& s : states_) {
        if (condition(s)) {
          found = s;
          return true;
        }
      }
      return false;
    });
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<WebRtcState> states_;
};

std::vector<std::pair<LegId, LegStats>> close_session(Session& session) {
  std::promise<std::vector<std::pair<LegId, LegStats>>> done;
  auto result = done.get_future();
  session.close([&done](auto stats) { done.set_value(std::move(stats)); });
  EXPECT_EQ(result.wait_for(2s), std::future_status::ready);
  return result.get();
}

class WebRtcEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { engine->start(); }

  // A browser leg (its DTLS peer checking our fingerprint) bridged to a phone leg.
  void open(DtlsPeer::Role browser_role = DtlsPeer::Role::client, bool announce_wrong_fingerprint = false) {
    session = engine->open_session();
    browser_leg = session->add_webrtc_leg(states.handler());
    phone_leg = session->add_leg();
    peer = std::make_unique<DtlsPeer>(browser_role, browser_leg.local.fingerprint);
    EXPECT_EQ(browser_leg.local.fingerprint, engine->dtls_fingerprint());
    session->set_remote(phone_leg.id, "127.0.0.1", phone.port(), LegCodec{0, -1});
    WebRtcRemote remote{"brws", "browser-password-0123456789", peer->fingerprint(),
                        browser_role == DtlsPeer::Role::client ? DtlsSetup::actpass : DtlsSetup::passive};
    if (announce_wrong_fingerprint) remote.fingerprint.value[0] = remote.fingerprint.value[0] == 'A' ? 'B' : 'A';
    session->set_webrtc_remote(browser_leg.id, remote, LegCodec{0, -1});
    session->bridge(browser_leg.id, phone_leg.id);
  }

  Bytes check(bool nominate = true) {
    static std::uint8_t seed = 0;
    return webrtc_test::binding_request(browser_leg.local.ice_ufrag + ":brws", browser_leg.local.ice_pwd, nominate,
                                        ++seed);
  }

  // The browser's ICE check, then the handshake until the browser is connected (or fails).
  void connect() {
    browser.send(browser_leg.local_port, check());
    const auto response = browser.receive();
    ASSERT_TRUE(response);
    const auto stun = webrtc::StunMessage::parse(*response);
    ASSERT_TRUE(stun);
    EXPECT_EQ(stun->klass(), webrtc::StunClass::success);
    EXPECT_EQ(stun->xor_mapped_address()->port(), browser.port());
    EXPECT_TRUE(stun->check_integrity(webrtc::as_bytes(browser_leg.local.ice_pwd)));
    peer->start();
    const auto deadline = std::chrono::steady_clock::now() + 3s;
    while (!peer->connected() && !peer->failed() && std::chrono::steady_clock::now() < deadline) {
      const auto out = peer->take_output();
      if (!out.empty()) browser.send(browser_leg.local_port, out);
      if (const auto d = browser.receive(100ms)) {
        ASSERT_EQ(webrtc::classify(*d), webrtc::PacketKind::dtls) << "media before DTLS was up";
        peer->receive(*d);
      }
    }
    const auto out = peer->take_output();  // the client's last flight, if any
    if (!out.empty()) browser.send(browser_leg.local_port, out);
  }

  // The next SRTP packet the browser gets (skipping anything else), decrypted.
  std::optional<Bytes> browser_hears(webrtc::PacketKind kind = webrtc::PacketKind::rtp,
                                     std::chrono::milliseconds timeout = 1000ms) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto d = browser.receive(100ms);
      if (!d || webrtc::classify(*d) != kind) continue;
      return kind == webrtc::PacketKind::rtp ? peer->unprotect_rtp(*d) : peer->unprotect_rtcp(*d);
    }
    return std::nullopt;
  }

  hotline::Metrics metrics;
  MediaConfig config = test_config();
  std::unique_ptr<Engine> engine = std::make_unique<Engine>(config, metrics);
  std::shared_ptr<Session> session;
  Session::NewWebRtcLeg browser_leg{};
  Session::NewLeg phone_leg{};
  StateLog states;
  std::unique_ptr<DtlsPeer> peer;
  Udp browser;
  Udp phone;
};

}  // namespace

TEST_F(WebRtcEngineTest, ABrowserAndAPhoneHearEachOtherThroughABridge) {
  open();
  // The phone talks first: nothing of it may reach the browser before DTLS.
  phone.send(phone_leg.local_port, webrtc_test::make_rtp(0, 1, 160, 0x1111));
  connect();
  ASSERT_TRUE(peer->connected());
  const auto up = states.wait_for([](const WebRtcState& s) { return s.dtls_connected; });
  ASSERT_TRUE(up);
  EXPECT_TRUE(up->ice_connected);
  EXPECT_EQ(up->selected_port, browser.port());
  EXPECT_FALSE(up->failed);

  // Browser -> phone: SRTP in, plain RTP out, same audio.
  for (std::uint16_t i = 0; i < 5; ++i) {
    browser.send(browser_leg.local_port,
                 peer->protect_rtp(webrtc_test::make_rtp(0, static_cast<std::uint16_t>(100 + i), 16000u + 160u * i,
                                                         0xB0B0, 160, static_cast<std::uint8_t>(0x20 + i))));
    const auto heard = phone.receive();
    ASSERT_TRUE(heard) << i;
    ASSERT_EQ(heard->size(), 172u);
    EXPECT_EQ((*heard)[1] & 0x7f, 0);
    EXPECT_TRUE(std::all_of(heard->begin() + 12, heard->end(), [i](std::uint8_t b) { return b == 0x20 + i; }));
  }
  // Phone -> browser: plain in, SRTP out that the browser's own keys open.
  for (std::uint16_t i = 0; i < 5; ++i) {
    phone.send(phone_leg.local_port,
               webrtc_test::make_rtp(0, static_cast<std::uint16_t>(2 + i), 320u + 160u * i, 0x1111, 160,
                                     static_cast<std::uint8_t>(0x60 + i)));
    const auto heard = browser_hears();
    ASSERT_TRUE(heard) << i;
    ASSERT_EQ(heard->size(), 172u);
    EXPECT_TRUE(std::all_of(heard->begin() + 12, heard->end(), [i](std::uint8_t b) { return b == 0x60 + i; }));
  }
  std::promise<WebRtcState> polled;
  session->webrtc_state(browser_leg.id, [&polled](WebRtcState s) { polled.set_value(std::move(s)); });
  EXPECT_TRUE(polled.get_future().get().dtls_connected);
  std::promise<WebRtcState> plain;
  session->webrtc_state(phone_leg.id, [&plain](WebRtcState s) { plain.set_value(std::move(s)); });
  EXPECT_FALSE(plain.get_future().get().ice_connected);

  const auto stats = close_session(*session);
  for (const auto& [id, s] : stats) {
    if (id != browser_leg.id) continue;
    EXPECT_EQ(s.latched_port, browser.port());
    EXPECT_EQ(s.packets_received, 5u);
    EXPECT_EQ(s.packets_sent, 5u);
  }
  // Closing the leg told the browser (close_notify).
  while (const auto d = browser.receive(200ms)) {
    if (webrtc::classify(*d) == webrtc::PacketKind::dtls) peer->receive(*d);
  }
  EXPECT_TRUE(peer->closed_by_peer());
}

TEST_F(WebRtcEngineTest, RtcpIsMultiplexedAndProtected) {
  config.rtcp_interval_ms = 100;
  engine = std::make_unique<Engine>(config, metrics);
  engine->start();
  open();
  connect();
  ASSERT_TRUE(states.wait_for([](const WebRtcState& s) { return s.dtls_connected; }));
  phone.send(phone_leg.local_port, webrtc_test::make_rtp(0, 1, 160, 0x1111));
  ASSERT_TRUE(browser_hears());
  const auto report = browser_hears(webrtc::PacketKind::rtcp, 2000ms);
  ASSERT_TRUE(report);
  EXPECT_EQ((*report)[1], 200);  // an SR: we have sent media
  // The browser's SRTCP report is read: it tells us its loss of our stream.
  Bytes rr = {0x81, 201, 0x00, 0x07, 0x00, 0x00, 0xB0, 0xB0};  // RR with one block
  const std::uint32_t our_ssrc = browser_leg.local.ssrc;
  for (int i = 0; i < 4; ++i) rr.push_back(static_cast<std::uint8_t>(our_ssrc >> (24 - 8 * i)));
  rr.insert(rr.end(), {0x00, 0x00, 0x00, 0x07, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0});
  browser.send(browser_leg.local_port, peer->protect_rtcp(rr));
  LegStats s;
  for (int i = 0; i < 100 && s.remote_packets_lost == 0; ++i) {
    std::promise<LegStats> got;
    session->stats(browser_leg.id, [&got](LegStats x) { got.set_value(std::move(x)); });
    s = got.get_future().get();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(s.remote_packets_lost, 7u);
  close_session(*session);
}

TEST_F(WebRtcEngineTest, PromptsReachTheBrowserThroughSrtp) {
  open();
  connect();
  ASSERT_TRUE(states.wait_for([](const WebRtcState& s) { return s.dtls_connected; }));
  auto clip = std::make_shared<Audio>();
  for (int i = 0; i < 480; ++i) clip->samples.push_back(static_cast<std::int16_t>((i % 40) * 400 - 8000));
  session->play(browser_leg.id, {clip}, {}, nullptr);
  std::vector<std::int16_t> decoded;
  for (int frame = 0; frame < 3; ++frame) {
    const auto packet = browser_hears();
    ASSERT_TRUE(packet) << frame;
    ASSERT_EQ(packet->size(), 172u);
    for (std::size_t i = 12; i < packet->size(); ++i) decoded.push_back(g711::ulaw_to_linear((*packet)[i]));
  }
  for (std::size_t i = 0; i < 480; ++i) {
    ASSERT_EQ(decoded[i], g711::ulaw_to_linear(g711::linear_to_ulaw(clip->samples[i]))) << i;
  }
  close_session(*session);
}

TEST_F(WebRtcEngineTest, WeAreTheDtlsClientWhenTheBrowserIsPassive) {
  open(DtlsPeer::Role::server);
  connect();
  EXPECT_TRUE(peer->connected());
  ASSERT_TRUE(states.wait_for([](const WebRtcState& s) { return s.dtls_connected; }));
  browser.send(browser_leg.local_port, peer->protect_rtp(webrtc_test::make_rtp(0, 1, 160, 0xB0B0, 160, 0x31)));
  const auto heard = phone.receive();
  ASSERT_TRUE(heard);
  EXPECT_EQ(heard->back(), 0x31);
  close_session(*session);
}

TEST_F(WebRtcEngineTest, ACertificateOtherThanTheSdpsIsReportedAsAFailure) {
  open(DtlsPeer::Role::client, true);
  connect();
  EXPECT_FALSE(peer->connected());
  const auto failed = states.wait_for([](const WebRtcState& s) { return s.failed; });
  ASSERT_TRUE(failed);
  EXPECT_FALSE(failed->dtls_connected);
  EXPECT_NE(failed->failure.find("fingerprint"), std::string::npos) << failed->failure;
  // And no media goes to the browser.
  phone.send(phone_leg.local_port, webrtc_test::make_rtp(0, 1, 160, 0x1111));
  EXPECT_FALSE(browser_hears(webrtc::PacketKind::rtp, 300ms));
  close_session(*session);
}

TEST_F(WebRtcEngineTest, ABrowserThatStopsCheckingLosesConsent) {
  config.webrtc_consent_timeout_ms = 300;
  engine = std::make_unique<Engine>(config, metrics);
  engine->start();
  open();
  connect();
  ASSERT_TRUE(states.wait_for([](const WebRtcState& s) { return s.dtls_connected; }));
  // Checks within the timeout keep it.
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(150ms);
    browser.send(browser_leg.local_port, check(false));
  }
  EXPECT_FALSE(states.wait_for([](const WebRtcState& s) { return s.failed; }, 0ms));
  const auto lost = states.wait_for([](const WebRtcState& s) { return s.consent_lost; }, 2000ms);
  ASSERT_TRUE(lost);
  EXPECT_TRUE(lost->failed);
  while (browser.receive(50ms)) {
  }
  phone.send(phone_leg.local_port, webrtc_test::make_rtp(0, 1, 160, 0x1111));
  EXPECT_FALSE(browser_hears(webrtc::PacketKind::rtp, 300ms));
  close_session(*session);
}

TEST_F(WebRtcEngineTest, StrangersGetNothingButErrors) {
  open();
  Udp stranger;
  // A check with the wrong password: a 401, and the path is not taken.
  stranger.send(browser_leg.local_port,
                webrtc_test::binding_request(browser_leg.local.ice_ufrag + ":brws", "not-the-password-1234567", true));
  const auto answer = stranger.receive();
  ASSERT_TRUE(answer);
  EXPECT_EQ(webrtc::StunMessage::parse(*answer)->error_code()->code, 401);
  // DTLS and SRTP-looking packets from it are dropped without an answer.
  stranger.send(browser_leg.local_port, Bytes{22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  stranger.send(browser_leg.local_port, webrtc_test::make_rtp(0, 1, 1, 1));
  EXPECT_FALSE(stranger.receive(200ms));
  EXPECT_FALSE(phone.receive(100ms));
  // The real browser still connects.
  connect();
  EXPECT_TRUE(peer->connected());
  close_session(*session);
}
