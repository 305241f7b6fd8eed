// The engine over real UDP on 127.0.0.1: two plain sockets play phones A and B.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <array>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "hotline/core/error.hpp"
#include "hotline/core/metrics.hpp"
#include "../../src/media/g711.hpp"
#include "../../src/media/inband_dtmf.hpp"
#include "hotline/media/engine.hpp"

using namespace hotline::media;
using namespace std::chrono_literals;

namespace {

constexpr std::uint8_t kPcmu = 0;
constexpr std::uint8_t kPcma = 8;

struct Rtp {
  bool marker = false;
  std::uint8_t payload_type = 0;
  std::uint16_t sequence = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  std::size_t size = 0;
};

std::vector<std::uint8_t> make_rtp(std::uint8_t type, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                                   std::size_t payload = 160) {
  std::vector<std::uint8_t> p(12 + payload, 0xd5);
  p[0] = 0x80;
  p[1] = type;
  p[2] = static_cast<std::uint8_t>(seq >> 8), p[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

Rtp read_rtp(const std::vector<std::uint8_t>& p) {
  Rtp r;
  if (p.size() < 12) return r;
  r.marker = (p[1] & 0x80) != 0;
  r.payload_type = p[1] & 0x7f;
  r.sequence = static_cast<std::uint16_t>((p[2] << 8) | p[3]);
  r.timestamp = be32(&p[4]);
  r.ssrc = be32(&p[8]);
  r.size = p.size();
  return r;
}

// A UDP socket on 127.0.0.1 with a bounded wait for what arrives.
class Phone {
 public:
  explicit Phone(std::uint16_t port = 0) : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a = address(port);
    bound_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Phone() { ::close(fd_); }
  Phone(const Phone&) = delete;
  Phone& operator=(const Phone&) = delete;

  bool bound() const { return bound_; }
  std::uint16_t port() const { return port_; }
  void send(std::uint16_t to, const std::vector<std::uint8_t>& bytes) const {
    sockaddr_in a = address(to);
    ::sendto(fd_, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  struct Datagram {
    std::vector<std::uint8_t> bytes;
    std::uint16_t from_port;
  };
  std::optional<Datagram> receive(std::chrono::milliseconds timeout = 1000ms) const {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    Datagram d{std::vector<std::uint8_t>(2048), 0};
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const auto n = ::recvfrom(fd_, d.bytes.data(), d.bytes.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return std::nullopt;
    d.bytes.resize(static_cast<std::size_t>(n));
    d.from_port = ntohs(from.sin_port);
    return d;
  }
  // After the engine has provably handled a packet (stats say so) the
  // relayed copy is already in our socket buffer: loopback delivers inside
  // sendto. So "nothing arrived" needs no waiting.
  bool nothing_waiting() const { return !receive(0ms); }

 private:
  static sockaddr_in address(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }
  int fd_;
  bool bound_ = false;
  std::uint16_t port_ = 0;
};

// A range per test process (ctest runs them in parallel), below the
// kernel's ephemeral ports; a port someone else holds is skipped anyway.
MediaConfig test_config(unsigned threads = 2) {
  MediaConfig c;
  c.port_min = static_cast<std::uint16_t>(20000 + (::getpid() % 500) * 24);
  c.port_max = static_cast<std::uint16_t>(c.port_min + 19);
  c.threads = threads;
  c.rtcp_interval_ms = 60'000;  // out of the way unless a test wants reports
  return c;
}

LegStats stats_of(Session& session, LegId leg) {
  std::promise<LegStats> done;
  auto result = done.get_future();
  session.stats(leg, [&done](LegStats s) { done.set_value(std::move(s)); });
  EXPECT_EQ(result.wait_for(2s), std::future_status::ready);
  return result.get();
}

// Waits until the leg's stats satisfy condition (bounded).
template <class Condition>
LegStats wait_for(Session& session, LegId leg, Condition condition) {
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  LegStats s = stats_of(session, leg);
  while (!condition(s) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(2ms);
    s = stats_of(session, leg);
  }
  return s;
}

std::vector<std::pair<LegId, LegStats>> close_session(Session& session) {
  std::promise<std::vector<std::pair<LegId, LegStats>>> done;
  auto result = done.get_future();
  session.close([&done](auto stats) { done.set_value(std::move(stats)); });
  EXPECT_EQ(result.wait_for(2s), std::future_status::ready);
  return result.get();
}

std::uint64_t counter(hotline::Metrics& metrics, const char* name) { return metrics.counter(name, "").value(); }

class MediaEngineTest : public ::testing::Test {
 protected:
  void SetUp() override { engine.start(); }

  // A and B bridged: A's SDP says a_sdp_port (A's real port unless a test says otherwise).
  void open_bridge(LegCodec a_codec = {kPcmu, 101}, LegCodec b_codec = {kPcmu, 101},
                   std::optional<std::uint16_t> a_sdp_port = std::nullopt) {
    session = engine.open_session();
    a = session->add_leg();
    b = session->add_leg();
    session->set_remote(a.id, "127.0.0.1", a_sdp_port.value_or(phone_a.port()), a_codec);
    session->set_remote(b.id, "127.0.0.1", phone_b.port(), b_codec);
    session->bridge(a.id, b.id);
    stats_of(*session, a.id);  // the posts above have run
  }

  hotline::Metrics metrics;
  Engine engine{test_config(), metrics};
  Phone phone_a;
  Phone phone_b;
  std::shared_ptr<Session> session;
  Session::NewLeg a{};
  Session::NewLeg b{};
};

}  // namespace

TEST(MediaEngine, TakenPortIsSkipped) {
  hotline::Metrics metrics;
  MediaConfig config = test_config(1);
  config.port_max = static_cast<std::uint16_t>(config.port_min + 3);
  Phone squatter(config.port_min);  // another process holds the first RTP port
  if (!squatter.bound()) GTEST_SKIP() << "port already taken";
  Engine engine(config, metrics);
  engine.start();
  auto session = engine.open_session();
  EXPECT_EQ(session->add_leg().local_port, config.port_min + 2);
  EXPECT_EQ(engine.ports_in_use(), 2u);
  EXPECT_EQ(metrics.gauge("hotline_rtp_ports_in_use", "").value(), 2);
  try {
    session->add_leg();
    FAIL() << "the pool should be exhausted";
  } catch (const hotline::Error& e) {
    EXPECT_EQ(e.code(), hotline::Errc::unavailable);
  }
  close_session(*session);
  EXPECT_EQ(engine.ports_in_use(), 0u);
}

TEST(MediaEngine, InvalidConfigurationIsRejected) {
  hotline::Metrics metrics;
  MediaConfig bad_address = test_config(1);
  bad_address.address = "not-an-ip";
  EXPECT_THROW(Engine(bad_address, metrics), hotline::Error);
  MediaConfig empty = test_config(1);
  empty.port_max = empty.port_min;
  EXPECT_THROW(Engine(empty, metrics), hotline::Error);
}

TEST_F(MediaEngineTest, BridgeRelaysWithOurSsrcAndContinuousNumbers) {
  open_bridge();
  EXPECT_EQ(a.local_port % 2, 0);
  EXPECT_EQ(b.local_port % 2, 0);
  EXPECT_EQ(engine.ports_in_use(), 4u);

  std::vector<Rtp> at_b;
  for (std::uint16_t i = 0; i < 5; ++i) {
    phone_a.send(a.local_port, make_rtp(kPcmu, static_cast<std::uint16_t>(500 + i), 8000 + 160u * i, 0xa1a1a1a1));
    auto got = phone_b.receive();
    ASSERT_TRUE(got) << "packet " << i;
    EXPECT_EQ(got->from_port, b.local_port);  // symmetric: from the port in our SDP
    at_b.push_back(read_rtp(got->bytes));
  }
  for (std::size_t i = 0; i < at_b.size(); ++i) {
    EXPECT_NE(at_b[i].ssrc, 0xa1a1a1a1u);
    EXPECT_EQ(at_b[i].ssrc, at_b[0].ssrc);
    EXPECT_EQ(at_b[i].sequence, static_cast<std::uint16_t>(at_b[0].sequence + i));
    EXPECT_EQ(at_b[i].timestamp, at_b[0].timestamp + 160 * i);
    EXPECT_EQ(at_b[i].payload_type, kPcmu);
    EXPECT_EQ(at_b[i].size, 172u);
    EXPECT_EQ(at_b[i].marker, i == 0);
  }

  phone_b.send(b.local_port, make_rtp(kPcmu, 9, 99, 0xb2b2b2b2));
  auto back = phone_a.receive();
  ASSERT_TRUE(back);
  EXPECT_EQ(back->from_port, a.local_port);
  EXPECT_NE(read_rtp(back->bytes).ssrc, at_b[0].ssrc);  // one SSRC per direction

  auto stats = close_session(*session);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].first, a.id);
  EXPECT_EQ(stats[0].second.packets_received, 5u);
  EXPECT_EQ(stats[0].second.bytes_received, 5u * 172);
  EXPECT_EQ(stats[0].second.packets_sent, 1u);
  EXPECT_EQ(stats[1].second.packets_sent, 5u);
  EXPECT_EQ(stats[1].second.bytes_sent, 5u * 172);
  EXPECT_EQ(stats[1].second.packets_received, 1u);
  EXPECT_EQ(engine.ports_in_use(), 0u);
  EXPECT_EQ(counter(metrics, "hotline_rtp_packets_relayed_total"), 6u);
  EXPECT_EQ(metrics.gauge("hotline_media_sessions", "").value(), 0);
}

TEST_F(MediaEngineTest, LatchesOntoTheRealSource) {
  Phone sdp_said;  // where A's SDP points; A really sends from phone_a (a NAT, say)
  open_bridge({kPcmu, -1}, {kPcmu, -1}, sdp_said.port());

  // Before A has sent anything, B's media goes where the SDP says.
  phone_b.send(b.local_port, make_rtp(kPcmu, 1, 160, 0xb));
  ASSERT_TRUE(sdp_said.receive());

  phone_a.send(a.local_port, make_rtp(kPcmu, 1, 160, 0xa));
  ASSERT_TRUE(phone_b.receive());
  phone_b.send(b.local_port, make_rtp(kPcmu, 2, 320, 0xb));
  auto latched = phone_a.receive();
  ASSERT_TRUE(latched);
  EXPECT_EQ(latched->from_port, a.local_port);
  auto s = stats_of(*session, a.id);
  EXPECT_EQ(s.latched_address, "127.0.0.1");
  EXPECT_EQ(s.latched_port, phone_a.port());

  // Once latched, a stranger's packets are dropped.
  Phone stranger;
  stranger.send(a.local_port, make_rtp(kPcmu, 3, 480, 0xa));
  // A's next packet queues behind the stranger's on the same socket: once it is relayed, both were handled.
  phone_a.send(a.local_port, make_rtp(kPcmu, 4, 640, 0xa));
  auto relayed = phone_b.receive();
  ASSERT_TRUE(relayed);
  EXPECT_EQ(relayed->bytes.size(), 172u);
  EXPECT_TRUE(phone_b.nothing_waiting());
  close_session(*session);
  EXPECT_EQ(counter(metrics, "hotline_rtp_packets_dropped_total"), 1u);
}

TEST_F(MediaEngineTest, SetRemoteAgainLatchesAgain) {
  open_bridge({kPcmu, -1}, {kPcmu, -1});
  phone_a.send(a.local_port, make_rtp(kPcmu, 1, 160, 0xa));
  ASSERT_TRUE(phone_b.receive());
  // re-INVITE: A moved.
  Phone moved;
  session->set_remote(a.id, "127.0.0.1", moved.port(), {kPcmu, -1});
  moved.send(a.local_port, make_rtp(kPcmu, 2, 320, 0xa));
  ASSERT_TRUE(phone_b.receive());
  phone_b.send(b.local_port, make_rtp(kPcmu, 1, 160, 0xb));
  ASSERT_TRUE(moved.receive());
  EXPECT_TRUE(phone_a.nothing_waiting());
  EXPECT_EQ(stats_of(*session, a.id).latched_port, moved.port());
}

TEST_F(MediaEngineTest, NewSourceSsrcContinuesTheStream) {
  open_bridge();
  phone_a.send(a.local_port, make_rtp(kPcmu, 100, 1000, 0x1));
  phone_a.send(a.local_port, make_rtp(kPcmu, 101, 1160, 0x1));
  auto first = phone_b.receive();
  auto second = phone_b.receive();
  ASSERT_TRUE(first && second);
  // The other side re-INVITEd: new SSRC, sequence and timestamp from elsewhere.
  const auto before_switch = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(30ms);
  phone_a.send(a.local_port, make_rtp(kPcmu, 40000, 777777, 0x2));
  phone_a.send(a.local_port, make_rtp(kPcmu, 40001, 777937, 0x2));
  auto third = phone_b.receive();
  auto fourth = phone_b.receive();
  const auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before_switch).count();
  ASSERT_TRUE(third && fourth);
  const Rtp r2 = read_rtp(second->bytes), r3 = read_rtp(third->bytes), r4 = read_rtp(fourth->bytes);
  EXPECT_EQ(r3.ssrc, r2.ssrc);
  EXPECT_EQ(r3.sequence, static_cast<std::uint16_t>(r2.sequence + 1));
  EXPECT_EQ(r4.sequence, static_cast<std::uint16_t>(r2.sequence + 2));
  EXPECT_TRUE(r3.marker);
  EXPECT_FALSE(r4.marker);
  // Timestamp moved on by the wall-clock gap (8 per ms), at least the 30 ms slept.
  const std::uint32_t advance = r3.timestamp - r2.timestamp;
  EXPECT_GE(advance, 30u * 8);
  EXPECT_LE(advance, static_cast<std::uint32_t>(elapsed_ms + 5) * 8);
  EXPECT_EQ(r4.timestamp - r3.timestamp, 160u);
}

TEST_F(MediaEngineTest, EchoThenBridgeIsOneStreamToThePeer) {
  session = engine.open_session();
  a = session->add_leg();
  b = session->add_leg();
  session->set_remote(a.id, "127.0.0.1", phone_a.port(), {kPcmu, 101});
  session->set_remote(b.id, "127.0.0.1", phone_b.port(), {kPcmu, 101});
  session->echo(a.id);
  phone_a.send(a.local_port, make_rtp(kPcmu, 10, 1600, 0xa));
  auto echoed = phone_a.receive();
  ASSERT_TRUE(echoed);
  EXPECT_EQ(echoed->from_port, a.local_port);
  const Rtp e = read_rtp(echoed->bytes);
  EXPECT_NE(e.ssrc, 0xau);
  EXPECT_EQ(e.size, 172u);

  session->bridge(a.id, b.id);
  stats_of(*session, a.id);
  phone_b.send(b.local_port, make_rtp(kPcmu, 60000, 5, 0xb));
  auto bridged = phone_a.receive();
  ASSERT_TRUE(bridged);
  const Rtp r = read_rtp(bridged->bytes);
  EXPECT_EQ(r.ssrc, e.ssrc);
  EXPECT_EQ(r.sequence, static_cast<std::uint16_t>(e.sequence + 1));
  EXPECT_TRUE(r.marker);
}

TEST_F(MediaEngineTest, PayloadTypesAreMappedBetweenLegs) {
  open_bridge({kPcmu, 101}, {kPcmu, 96});
  phone_a.send(a.local_port, make_rtp(101, 1, 160, 0xa, 4));  // DTMF event
  auto event = phone_b.receive();
  ASSERT_TRUE(event);
  EXPECT_EQ(read_rtp(event->bytes).payload_type, 96);
  phone_b.send(b.local_port, make_rtp(96, 1, 160, 0xb, 4));
  auto back = phone_a.receive();
  ASSERT_TRUE(back);
  EXPECT_EQ(read_rtp(back->bytes).payload_type, 101);
  // Comfort noise (13) was not negotiated: dropped.
  phone_a.send(a.local_port, make_rtp(13, 2, 320, 0xa, 1));
  wait_for(*session, a.id, [](const LegStats& s) { return s.packets_received == 2; });
  EXPECT_TRUE(phone_b.nothing_waiting());
  close_session(*session);
  EXPECT_EQ(counter(metrics, "hotline_rtp_packets_dropped_total"), 1u);
}

TEST_F(MediaEngineTest, DifferentG711LawsAreTranscoded) {
  open_bridge({kPcmu, 101}, {kPcma, -1});
  auto from_a = make_rtp(kPcmu, 1, 160, 0xa);
  for (std::size_t i = 12; i < from_a.size(); ++i) from_a[i] = static_cast<std::uint8_t>(i);
  phone_a.send(a.local_port, from_a);
  phone_a.send(a.local_port, make_rtp(101, 2, 160, 0xa, 4));  // B has no telephone-event: dropped
  auto at_b = phone_b.receive();
  ASSERT_TRUE(at_b);
  EXPECT_EQ(read_rtp(at_b->bytes).payload_type, kPcma);
  ASSERT_EQ(at_b->bytes.size(), from_a.size());
  for (std::size_t i = 12; i < from_a.size(); ++i) {
    EXPECT_EQ(at_b->bytes[i], hotline::media::g711::ulaw_to_alaw(from_a[i])) << i;
  }
  wait_for(*session, a.id, [](const LegStats& s) { return s.packets_received == 2; });
  EXPECT_TRUE(phone_b.nothing_waiting());
  phone_b.send(b.local_port, make_rtp(kPcma, 1, 160, 0xb));
  auto at_a = phone_a.receive();
  ASSERT_TRUE(at_a);
  EXPECT_EQ(read_rtp(at_a->bytes).payload_type, kPcmu);
  EXPECT_EQ(at_a->bytes[12], hotline::media::g711::alaw_to_ulaw(0xd5));
  close_session(*session);
  EXPECT_EQ(counter(metrics, "hotline_rtp_packets_dropped_total"), 1u);
  EXPECT_EQ(counter(metrics, "hotline_rtp_packets_relayed_total"), 2u);
}

TEST_F(MediaEngineTest, IsolatedLegIsHeardByNoOne) {
  open_bridge();
  phone_a.send(a.local_port, make_rtp(kPcmu, 1, 160, 0xa));
  ASSERT_TRUE(phone_b.receive());
  session->isolate(a.id);
  phone_a.send(a.local_port, make_rtp(kPcmu, 2, 320, 0xa));
  phone_b.send(b.local_port, make_rtp(kPcmu, 1, 160, 0xb));
  wait_for(*session, a.id, [](const LegStats& s) { return s.packets_received == 2; });
  wait_for(*session, b.id, [](const LegStats& s) { return s.packets_received == 1; });
  EXPECT_TRUE(phone_b.nothing_waiting());
  EXPECT_TRUE(phone_a.nothing_waiting());
}

TEST_F(MediaEngineTest, HoldFlowsStopOneDirection) {
  open_bridge();
  int sequence = 0;
  auto a_to_b = [&] {
    ++sequence;
    phone_a.send(a.local_port, make_rtp(kPcmu, static_cast<std::uint16_t>(sequence), 160u * sequence, 0xa));
    const auto n = static_cast<std::uint64_t>(sequence);
    wait_for(*session, a.id, [n](const LegStats& s) { return s.packets_received == n; });
    return !phone_b.nothing_waiting();
  };
  int b_sequence = 0;
  auto b_to_a = [&] {
    ++b_sequence;
    phone_b.send(b.local_port, make_rtp(kPcmu, static_cast<std::uint16_t>(b_sequence), 160u * b_sequence, 0xb));
    const auto n = static_cast<std::uint64_t>(b_sequence);
    wait_for(*session, b.id, [n](const LegStats& s) { return s.packets_received == n; });
    return !phone_a.nothing_waiting();
  };
  EXPECT_TRUE(a_to_b());
  EXPECT_TRUE(b_to_a());
  // A put us on hold with a=sendonly; we answer recvonly: we stop sending to A, A's music still goes to B.
  session->set_flow(a.id, Flow::recvonly);
  EXPECT_TRUE(a_to_b());
  EXPECT_FALSE(b_to_a());
  // We hold A (we send music, ignore what A sends).
  session->set_flow(a.id, Flow::sendonly);
  EXPECT_FALSE(a_to_b());
  EXPECT_TRUE(b_to_a());
  session->set_flow(a.id, Flow::inactive);
  EXPECT_FALSE(a_to_b());
  EXPECT_FALSE(b_to_a());
  session->set_flow(a.id, Flow::sendrecv);
  EXPECT_TRUE(a_to_b());
  EXPECT_TRUE(b_to_a());
}

TEST_F(MediaEngineTest, ResumeAfterHoldContinuesTheSequence) {
  open_bridge();
  phone_b.send(b.local_port, make_rtp(kPcmu, 1, 160, 0xb));
  auto before = phone_a.receive();
  ASSERT_TRUE(before);
  session->set_flow(a.id, Flow::recvonly);  // A holds us: B's packets 2..10 are not sent to A
  for (std::uint16_t seq = 2; seq <= 10; ++seq) phone_b.send(b.local_port, make_rtp(kPcmu, seq, 160u * seq, 0xb));
  wait_for(*session, b.id, [](const LegStats& s) { return s.packets_received == 10; });
  session->set_flow(a.id, Flow::sendrecv);
  phone_b.send(b.local_port, make_rtp(kPcmu, 11, 160u * 11, 0xb));
  auto after = phone_a.receive();
  ASSERT_TRUE(after);
  const Rtp r1 = read_rtp(before->bytes), r2 = read_rtp(after->bytes);
  EXPECT_EQ(r2.sequence, static_cast<std::uint16_t>(r1.sequence + 1));  // A sees no loss
  EXPECT_TRUE(r2.marker);
  EXPECT_EQ(r2.ssrc, r1.ssrc);
}

TEST_F(MediaEngineTest, CountsLossAndJitter) {
  open_bridge();
  std::uint64_t sent = 0;
  for (std::uint16_t seq = 1; seq <= 20; ++seq) {
    if (seq == 5 || seq == 6 || seq == 7) continue;
    // A burst: timestamps 20 ms apart arriving together, so jitter grows towards 160 units.
    phone_a.send(a.local_port, make_rtp(kPcmu, seq, 160u * seq, 0xa));
    ++sent;
  }
  auto s = wait_for(*session, a.id, [sent](const LegStats& x) { return x.packets_received == sent; });
  EXPECT_EQ(s.packets_received, 17u);
  EXPECT_EQ(s.packets_lost, 3u);
  // Sent in a burst, so each D is the timestamp step: 160 units, 640 across the gap.
  // A.8 then gives J of about 117 units (14.6 ms), less whatever spacing the sends had.
  EXPECT_GT(s.jitter_ms, 5.0);
  EXPECT_LT(s.jitter_ms, 20.0);
  close_session(*session);
  EXPECT_EQ(counter(metrics, "hotline_rtp_packets_lost_total"), 3u);
}

TEST_F(MediaEngineTest, RtcpReportAboutUsUpdatesRemoteStats) {
  open_bridge();
  phone_a.send(a.local_port, make_rtp(kPcmu, 1, 160, 0xa));
  auto relayed = phone_b.receive();
  ASSERT_TRUE(relayed);
  const std::uint32_t our_ssrc = read_rtp(relayed->bytes).ssrc;

  // B's RR (RTCP from B's own RTCP socket): 7 lost, jitter 80 units (10 ms) about our stream.
  std::vector<std::uint8_t> rr{0x81, 201, 0, 7, 0, 0, 0, 0xb};
  const std::uint8_t block[24] = {static_cast<std::uint8_t>(our_ssrc >> 24),
                                  static_cast<std::uint8_t>(our_ssrc >> 16),
                                  static_cast<std::uint8_t>(our_ssrc >> 8),
                                  static_cast<std::uint8_t>(our_ssrc),
                                  0x10,
                                  0,
                                  0,
                                  7,
                                  0,
                                  0,
                                  0,
                                  1,
                                  0,
                                  0,
                                  0,
                                  80};
  rr.insert(rr.end(), block, block + 24);
  // A second block about someone else must not be taken.
  Phone rtcp_b;
  rtcp_b.send(static_cast<std::uint16_t>(b.local_port + 1), std::vector<std::uint8_t>{0x80, 201, 0, 0});  // malformed
  rtcp_b.send(static_cast<std::uint16_t>(b.local_port + 1), rr);
  auto s = wait_for(*session, b.id, [](const LegStats& x) { return x.remote_packets_lost > 0; });
  EXPECT_EQ(s.remote_packets_lost, 7u);
  EXPECT_DOUBLE_EQ(s.remote_jitter_ms, 10.0);
}

TEST(MediaEngine, SendsSenderReportsToTheLatchedRtcpAddress) {
  hotline::Metrics metrics;
  MediaConfig config = test_config(1);
  config.rtcp_interval_ms = 50;
  Engine engine(config, metrics);
  engine.start();
  auto session = engine.open_session();
  Phone phone_a, phone_b, rtcp_b;
  auto a = session->add_leg();
  auto b = session->add_leg();
  session->set_remote(a.id, "127.0.0.1", phone_a.port(), {kPcmu, -1});
  session->set_remote(b.id, "127.0.0.1", phone_b.port(), {kPcmu, -1});
  session->bridge(a.id, b.id);
  stats_of(*session, a.id);
  // B sends an empty RR first: its RTCP source is where our reports go.
  rtcp_b.send(static_cast<std::uint16_t>(b.local_port + 1), std::vector<std::uint8_t>{0x80, 201, 0, 1, 0, 0, 0, 0xb});
  wait_for(*session, b.id, [](const LegStats&) { return true; });
  for (std::uint16_t seq = 1; seq <= 3; ++seq) phone_a.send(a.local_port, make_rtp(kPcmu, seq, 160u * seq, 0xa));
  std::uint32_t our_ssrc = 0;
  for (int i = 0; i < 3; ++i) {
    auto p = phone_b.receive();
    ASSERT_TRUE(p);
    our_ssrc = read_rtp(p->bytes).ssrc;
  }
  // Reports keep coming every 50 ms; the first SR with all three packets counted.
  std::optional<Phone::Datagram> sr;
  for (int i = 0; i < 20 && !sr; ++i) {
    auto report = rtcp_b.receive(500ms);
    ASSERT_TRUE(report);
    if (report->bytes.size() >= 28 && report->bytes[1] == 200 && be32(&report->bytes[20]) == 3) sr = report;
  }
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->from_port, b.local_port + 1);
  const auto& r = sr->bytes;
  EXPECT_EQ(r[0] & 0xc0, 0x80);
  EXPECT_EQ(be32(&r[4]), our_ssrc);
  EXPECT_EQ(be32(&r[24]), 3u * 160);  // payload octets
  const std::size_t sr_size = (std::size_t{r[2]} << 8 | r[3]) * 4 + 4;
  ASSERT_GT(r.size(), sr_size + 10);
  EXPECT_EQ(r[sr_size + 1], 202);  // SDES
  EXPECT_EQ(r[sr_size + 8], 1);    // CNAME
  EXPECT_EQ(r.size() % 4, 0u);

  // A's leg received but never sent: its reports are RRs about A's stream, to A's RTP port + 1.
  engine.stop();
}

TEST_F(MediaEngineTest, InvalidPacketsAreDropped) {
  open_bridge();
  phone_a.send(a.local_port, std::vector<std::uint8_t>{0x80, 0, 1});  // too short
  auto v1 = make_rtp(kPcmu, 1, 160, 0xa);
  v1[0] = 0x40;
  phone_a.send(a.local_port, v1);  // version 1
  auto csrc = make_rtp(kPcmu, 1, 160, 0xa, 8);
  csrc[0] = 0x8f;
  phone_a.send(a.local_port, csrc);                                   // CSRCs past the end
  phone_a.send(a.local_port, std::vector<std::uint8_t>(3000, 0x80));  // too large for RTP
  phone_a.send(a.local_port, make_rtp(kPcmu, 1, 160, 0xa));
  auto got = phone_b.receive();
  ASSERT_TRUE(got);
  EXPECT_EQ(read_rtp(got->bytes).size, 172u);
  EXPECT_TRUE(phone_b.nothing_waiting());
  auto stats = close_session(*session);
  EXPECT_EQ(stats[0].second.packets_received, 1u);
  EXPECT_EQ(counter(metrics, "hotline_rtp_packets_dropped_total"), 4u);
}

TEST_F(MediaEngineTest, CloseReturnsStatsFreesPortsAndIsIdempotent) {
  open_bridge();
  EXPECT_EQ(metrics.gauge("hotline_media_sessions", "").value(), 1);
  EXPECT_EQ(metrics.gauge("hotline_rtp_ports_in_use", "").value(), 4);
  phone_a.send(a.local_port, make_rtp(kPcmu, 1, 160, 0xa));
  ASSERT_TRUE(phone_b.receive());
  auto stats = close_session(*session);
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].second.latched_port, phone_a.port());
  EXPECT_EQ(engine.ports_in_use(), 0u);
  EXPECT_EQ(metrics.gauge("hotline_rtp_ports_in_use", "").value(), 0);
  EXPECT_EQ(metrics.gauge("hotline_media_sessions", "").value(), 0);
  // Sockets are closed: the ports can be bound by anyone again.
  Phone reuse(a.local_port);
  EXPECT_TRUE(reuse.bound());
  EXPECT_EQ(close_session(*session).size(), 2u);
  EXPECT_EQ(stats_of(*session, b.id).packets_sent, 1u);  // final stats stay readable
  EXPECT_THROW(session->add_leg(), hotline::Error);
}

TEST(MediaEngine, StopClosesOpenSessionsAndSpreadsThemOverThreads) {
  hotline::Metrics metrics;
  Engine engine(test_config(2), metrics);
  engine.start();
  auto first = engine.open_session();
  auto second = engine.open_session();
  first->add_leg();
  second->add_leg();
  // Round robin: the two sessions run on different media threads.
  std::promise<std::thread::id> first_thread, second_thread;
  first->stats(1, [&](LegStats) { first_thread.set_value(std::this_thread::get_id()); });
  second->stats(1, [&](LegStats) { second_thread.set_value(std::this_thread::get_id()); });
  EXPECT_NE(first_thread.get_future().get(), second_thread.get_future().get());
  EXPECT_EQ(engine.ports_in_use(), 4u);
  engine.stop();
  EXPECT_EQ(engine.ports_in_use(), 0u);
  EXPECT_EQ(metrics.gauge("hotline_media_sessions", "").value(), 0);
  EXPECT_THROW(engine.open_session(), hotline::Error);
}

TEST(MediaEngine, DroppedSessionGivesItsPortsBack) {
  hotline::Metrics metrics;
  Engine engine(test_config(1), metrics);
  engine.start();
  engine.open_session()->add_leg();  // nobody closes it
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  while (engine.ports_in_use() != 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(2ms);
  EXPECT_EQ(engine.ports_in_use(), 0u);
  EXPECT_EQ(metrics.gauge("hotline_media_sessions", "").value(), 0);
}

// ---- audio we make: prompts, digits ----

namespace {

AudioPtr ramp_audio(std::size_t samples) {
  auto audio = std::make_shared<Audio>();
  for (std::size_t i = 0; i < samples; ++i) audio->samples.push_back(static_cast<std::int16_t>((i % 160) * 100 - 8000));
  return audio;
}

struct PlayResult {
  PlayEnd end;
  char digit;
};

std::vector<std::uint8_t> event_packet(std::uint16_t seq, std::uint32_t ts, std::uint8_t event, bool end,
                                       std::uint16_t duration, bool marker) {
  auto p = make_rtp(101, seq, ts, 0xa, 4);
  if (marker) p[1] |= 0x80;
  p[12] = event;
  p[13] = static_cast<std::uint8_t>((end ? 0x80 : 0) | 10);
  p[14] = static_cast<std::uint8_t>(duration >> 8);
  p[15] = static_cast<std::uint8_t>(duration);
  return p;
}

}  // namespace

TEST_F(MediaEngineTest, PlayedClipsArePacedEvery20MsAndDecodeToTheClip) {
  session = engine.open_session();
  a = session->add_leg();
  session->set_remote(a.id, "127.0.0.1", phone_a.port(), {kPcmu, 101});
  auto clip = ramp_audio(700);  // 4 frames and a bit: 5 packets, the last padded with silence
  std::promise<PlayResult> done;
  session->play(a.id, {clip, clip}, {}, [&done](PlayEnd end, char digit) { done.set_value({end, digit}); });
  std::vector<Rtp> headers;
  std::vector<std::vector<std::uint8_t>> payloads;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  while (auto d = phone_a.receive(500ms)) {
    headers.push_back(read_rtp(d->bytes));
    payloads.emplace_back(d->bytes.begin() + 12, d->bytes.end());
    arrivals.push_back(std::chrono::steady_clock::now());
  }
  ASSERT_EQ(headers.size(), 9u);  // 1400 samples = 8.75 frames
  for (std::size_t i = 1; i < headers.size(); ++i) {
    EXPECT_EQ(headers[i].payload_type, kPcmu);
    EXPECT_EQ(static_cast<std::uint16_t>(headers[i].sequence - headers[i - 1].sequence), 1);
    EXPECT_EQ(headers[i].timestamp - headers[i - 1].timestamp, 160u);
    EXPECT_EQ(headers[i].ssrc, headers[0].ssrc);
  }
  // Paced by the clock: 8 intervals of 20 ms (a busy machine may stretch one, never shrink them all).
  EXPECT_GE(arrivals.back() - arrivals.front(), 150ms);
  // The clips joined without a gap: sample 700 of the stream is sample 0 of the second clip.
  std::vector<std::int16_t> decoded;
  for (const auto& p : payloads) {
    for (auto byte : p) decoded.push_back(hotline::media::g711::ulaw_to_linear(byte));
  }
  for (std::size_t i = 0; i < 1400; ++i) {
    const auto expected = hotline::media::g711::ulaw_to_linear(hotline::media::g711::linear_to_ulaw(clip->samples[i % 700]));
    ASSERT_EQ(decoded[i], expected) << i;
  }
  for (std::size_t i = 1400; i < decoded.size(); ++i) EXPECT_EQ(decoded[i], 0) << i;
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(result.get().end, PlayEnd::finished);
  close_session(*session);
}

TEST_F(MediaEngineTest, APromptPlaysInsteadOfThePartnerWhoIsHeardAgainAfter) {
  open_bridge();
  std::promise<PlayResult> done;
  session->play(a.id, {ramp_audio(320)}, {}, [&done](PlayEnd end, char digit) { done.set_value({end, digit}); });
  // While the prompt plays, what B says does not reach A.
  phone_b.send(b.local_port, make_rtp(kPcmu, 1, 160, 0xb));
  auto first = phone_a.receive();
  ASSERT_TRUE(first);
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(1s), std::future_status::ready);
  while (phone_a.receive(50ms)) {
  }
  phone_b.send(b.local_port, make_rtp(kPcmu, 2, 320, 0xb));
  auto after = phone_a.receive();
  ASSERT_TRUE(after);
  EXPECT_EQ(after->bytes[12], 0xd5);  // B's payload, relayed again
  EXPECT_EQ(read_rtp(after->bytes).ssrc, read_rtp(first->bytes).ssrc);  // one stream to A throughout
  close_session(*session);
}

TEST_F(MediaEngineTest, ADigitStopsABargeInPromptAndReachesTheWatcherOnce) {
  session = engine.open_session();
  a = session->add_leg();
  session->set_remote(a.id, "127.0.0.1", phone_a.port(), {kPcmu, 101});
  std::promise<PlayResult> done;
  std::mutex m;
  std::vector<DtmfEvent> digits;
  session->watch_digits(a.id, [&](const DtmfEvent& e) {
    std::lock_guard lock(m);
    digits.push_back(e);
  });
  session->play(a.id, {ramp_audio(8000 * 10)}, {.barge_in = true},
                [&done](PlayEnd end, char digit) { done.set_value({end, digit}); });
  ASSERT_TRUE(phone_a.receive());  // the prompt is playing
  phone_a.send(a.local_port, event_packet(1, 8000, 5, false, 160, true));
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(1s), std::future_status::ready);
  auto r = result.get();
  EXPECT_EQ(r.end, PlayEnd::interrupted);
  EXPECT_EQ(r.digit, '5');
  phone_a.send(a.local_port, event_packet(2, 8000, 5, false, 800, false));
  for (std::uint16_t i = 0; i < 3; ++i) phone_a.send(a.local_port, event_packet(3 + i, 8000, 5, true, 960, false));
  wait_for(*session, a.id, [](const LegStats& s) { return s.packets_received == 5; });
  stats_of(*session, a.id);
  {
    std::lock_guard lock(m);
    ASSERT_EQ(digits.size(), 1u);
    EXPECT_EQ(digits[0].digit, '5');
    EXPECT_EQ(digits[0].duration_ms, 120u);
    EXPECT_EQ(digits[0].source, DtmfSource::rfc4733);
  }
  close_session(*session);
}

TEST_F(MediaEngineTest, InbandDigitsAreHeardWhenTelephoneEventWasNotNegotiated) {
  session = engine.open_session();
  a = session->add_leg();
  session->set_remote(a.id, "127.0.0.1", phone_a.port(), {kPcmu, -1});
  std::promise<DtmfEvent> got;
  session->watch_digits(a.id, [&got](const DtmfEvent& e) { got.set_value(e); });
  stats_of(*session, a.id);
  hotline::media::InbandDtmfGenerator tones;
  ASSERT_TRUE(tones.send("7"));
  std::uint16_t seq = 1;
  std::uint32_t ts = 0;
  for (int frame = 0; frame < 25; ++frame) {
    std::array<std::int16_t, 160> pcm{};
    tones.fill(pcm);
    auto p = make_rtp(kPcmu, seq++, ts, 0xa);
    hotline::media::g711::encode_ulaw(pcm, std::span(p.data() + 12, 160));
    ts += 160;
    phone_a.send(a.local_port, p);
  }
  auto result = got.get_future();
  ASSERT_EQ(result.wait_for(2s), std::future_status::ready);
  auto e = result.get();
  EXPECT_EQ(e.digit, '7');
  EXPECT_EQ(e.source, DtmfSource::inband);
  EXPECT_NEAR(static_cast<double>(e.duration_ms), 100.0, 25.0);
  close_session(*session);
}

TEST_F(MediaEngineTest, SentDigitsAreRfc4733EventsWithThreeEnds) {
  session = engine.open_session();
  a = session->add_leg();
  session->set_remote(a.id, "127.0.0.1", phone_a.port(), {kPcmu, 101});
  session->send_digits(a.id, "9");
  std::vector<std::vector<std::uint8_t>> packets;
  while (auto d = phone_a.receive(300ms)) packets.push_back(d->bytes);
  ASSERT_GE(packets.size(), 5u);
  EXPECT_TRUE(read_rtp(packets[0]).marker);
  int ends = 0;
  for (const auto& p : packets) {
    EXPECT_EQ(read_rtp(p).payload_type, 101);
    EXPECT_EQ(p[12], 9);
    EXPECT_EQ(read_rtp(p).timestamp, read_rtp(packets[0]).timestamp);
    if (p[13] & 0x80) ++ends;
  }
  EXPECT_EQ(ends, 3);
  close_session(*session);
}

TEST_F(MediaEngineTest, SignalledDigitsStopABargeInPromptToo) {
  session = engine.open_session();
  a = session->add_leg();
  session->set_remote(a.id, "127.0.0.1", phone_a.port(), {kPcmu, 101});
  std::promise<PlayResult> done;
  session->play(a.id, {ramp_audio(8000 * 10)}, {.barge_in = true},
                [&done](PlayEnd end, char digit) { done.set_value({end, digit}); });
  ASSERT_TRUE(phone_a.receive());
  DtmfEvent e;
  e.digit = '#';
  e.source = DtmfSource::info;
  session->digit_from_signalling(a.id, e);
  auto result = done.get_future();
  ASSERT_EQ(result.wait_for(1s), std::future_status::ready);
  EXPECT_EQ(result.get().digit, '#');
  close_session(*session);
}
