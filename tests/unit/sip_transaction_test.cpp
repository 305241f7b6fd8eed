// The transaction layer over a real UDP socket on 127.0.0.1, with a plain
// socket as the peer and short timers (T1 = 40 ms).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <thread>

#include "hotline/core/metrics.hpp"
#include "hotline/sip/transaction.hpp"
#include "hotline/sip/transport.hpp"

using namespace hotline;
using namespace hotline::sip;

namespace {

class Peer {
 public:
  Peer() : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~Peer() { close(fd_); }
  std::uint16_t port() const { return port_; }
  void send(std::uint16_t to, const std::string& text) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(to);
    sendto(fd_, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  // The next datagram within ms, or "".
  std::string receive(int ms) {
    timeval tv{ms / 1000, (ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[65536];
    auto n = recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }
  // Every datagram in the next ms.
  std::vector<std::string> receive_all(int ms) {
    std::vector<std::string> out;
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - std::chrono::steady_clock::now());
      auto m = receive(std::max<int>(1, static_cast<int>(left.count())));
      if (!m.empty()) out.push_back(m);
    }
    return out;
  }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

std::string request(const std::string& method, std::uint16_t from_port, const std::string& branch,
                    const std::string& to_tag = "", int cseq = 1, const std::string& call_id = "") {
  return method + " sip:8001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:" + std::to_string(from_port) +
         ";branch=" + branch + ";rport\r\nFrom: <sip:a@127.0.0.1>;tag=from1\r\nTo: <sip:8001@127.0.0.1>" +
         (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\nCall-ID: " + (call_id.empty() ? "call-" + branch : call_id) +
         "\r\nCSeq: " + std::to_string(cseq) + " " + method + "\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n";
}

struct Recorder : TransactionUser {
  std::vector<std::string> events;
  std::function<void(TransactionId, const Message&)> on_new;
  void on_request(TransactionId id, const Message& m, const Source&) override {
    events.push_back("request " + m.method);
    if (on_new) on_new(id, m);
  }
  void on_ack(const Message&, const Source&) override { events.push_back("ack"); }
  void on_cancel(TransactionId, const Message&) override { events.push_back("cancel"); }
  void on_response(TransactionId, const Message& m) override {
    events.push_back("response " + std::to_string(m.status));
  }
  void on_timeout(TransactionId) override { events.push_back("timeout"); }
  void on_ack_timeout(TransactionId) override { events.push_back("ack_timeout"); }
};

class TransactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    layer = std::make_unique<TransactionLayer>(metrics, Timing{40, 320, 400}, nullptr);
    layer->set_user(user);
    transport = std::make_unique<Transport>(io, TransportConfig{{"127.0.0.1", 0}, {}, 60, {}}, *layer, metrics);
    layer->attach(*transport);
    transport->start();
    layer->set_local({"127.0.0.1", transport->port()});
    thread = std::thread([this] { io.run(); });
  }
  void TearDown() override {
    transport->stop();
    work.reset();
    io.stop();
    thread.join();
  }
  // Runs fn on the SIP strand and waits for it.
  template <class Fn>
  auto on_strand(Fn fn) {
    std::promise<decltype(fn())> p;
    boost::asio::post(transport->strand(), [&] {
      if constexpr (std::is_void_v<decltype(fn())>) {
        fn();
        p.set_value();
      } else {
        p.set_value(fn());
      }
    });
    return p.get_future().get();
  }
  std::vector<std::string> events() {
    return on_strand([this] { return user.events; });
  }
  std::size_t count(const std::vector<std::string>& messages, const std::string& start) {
    return static_cast<std::size_t>(
        std::count_if(messages.begin(), messages.end(), [&](const std::string& m) { return m.rfind(start, 0) == 0; }));
  }

  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work = boost::asio::make_work_guard(io);
  Metrics metrics;
  Recorder user;
  std::unique_ptr<TransactionLayer> layer;
  std::unique_ptr<Transport> transport;
  std::thread thread;
  Peer peer;
};

}  // namespace

TEST_F(TransactionTest, InviteGetsTryingThenFinalRetransmittedUntilAck) {
  user.on_new = [this](TransactionId id, const Message&) { layer->respond(id, 486, "Busy Here"); };
  peer.send(transport->port(), request("INVITE", peer.port(), "z9hG4bK-i1"));
  EXPECT_EQ(peer.receive(1000).rfind("SIP/2.0 100 Trying", 0), 0u);
  auto finals = peer.receive_all(200);  // at 0, 40, 120 ms (timer G doubling)
  EXPECT_GE(count(finals, "SIP/2.0 486"), 3u);
  peer.send(transport->port(), request("ACK", peer.port(), "z9hG4bK-i1", "x", 1, "call-z9hG4bK-i1"));
  peer.receive_all(100);
  EXPECT_EQ(count(peer.receive_all(400), "SIP/2.0 486"), 0u);  // the ACK stopped them
  auto e = events();
  EXPECT_EQ(e, (std::vector<std::string>{"request INVITE"}));  // the TU never saw the ACK of the 486
}

TEST_F(TransactionTest, RetransmittedRequestIsAbsorbedAndAnsweredAgain) {
  user.on_new = [this](TransactionId id, const Message&) { layer->respond(id, 200, "OK"); };
  auto options = request("OPTIONS", peer.port(), "z9hG4bK-o1");
  peer.send(transport->port(), options);
  EXPECT_EQ(peer.receive(1000).rfind("SIP/2.0 200", 0), 0u);
  peer.send(transport->port(), options);
  EXPECT_EQ(peer.receive(1000).rfind("SIP/2.0 200", 0), 0u);
  EXPECT_EQ(events(), (std::vector<std::string>{"request OPTIONS"}));
}

TEST_F(TransactionTest, CancelIsAnsweredAndReachesTheUser) {
  peer.send(transport->port(), request("INVITE", peer.port(), "z9hG4bK-c1"));
  EXPECT_EQ(peer.receive(1000).rfind("SIP/2.0 100", 0), 0u);
  peer.send(transport->port(), request("CANCEL", peer.port(), "z9hG4bK-c1", "", 1, "call-z9hG4bK-c1"));
  auto reply = peer.receive(1000);
  EXPECT_EQ(reply.rfind("SIP/2.0 200", 0), 0u) << reply;
  EXPECT_NE(reply.find("CSeq: 1 CANCEL"), std::string::npos);
  EXPECT_EQ(events(), (std::vector<std::string>{"request INVITE", "cancel"}));
  // A CANCEL for nothing: 481.
  peer.send(transport->port(), request("CANCEL", peer.port(), "z9hG4bK-none"));
  EXPECT_EQ(peer.receive(1000).rfind("SIP/2.0 481", 0), 0u);
}

TEST_F(TransactionTest, TwoHundredIsRepeatedUntilAckElseAckTimeout) {
  user.on_new = [this](TransactionId id, const Message&) { layer->respond(id, 200, "OK"); };
  peer.send(transport->port(), request("INVITE", peer.port(), "z9hG4bK-a1"));
  auto got = peer.receive_all(300);
  EXPECT_GE(count(got, "SIP/2.0 200"), 3u);
  // No ACK at all: after 64*T1 the user hears of it.
  std::this_thread::sleep_for(std::chrono::milliseconds(64 * 40 + 300));
  auto e = events();
  EXPECT_EQ(e.back(), "ack_timeout");
  // With an ACK (its own branch, same Call-ID and CSeq), the 2xx stops and the user sees the ACK.
  peer.send(transport->port(), request("INVITE", peer.port(), "z9hG4bK-a2"));
  peer.receive_all(100);
  peer.send(transport->port(), request("ACK", peer.port(), "z9hG4bK-a3", "x", 1, "call-z9hG4bK-a2"));
  peer.receive_all(100);
  EXPECT_EQ(count(peer.receive_all(300), "SIP/2.0 200"), 0u);
  EXPECT_EQ(events().back(), "ack");
}

TEST_F(TransactionTest, ClientRequestIsRetransmittedThenTimesOut) {
  Message options;
  options.is_request = true;
  options.method = "OPTIONS";
  options.request_uri.text = "sip:peer@127.0.0.1";
  options.from.text = "<sip:hotline@127.0.0.1>;tag=t";
  options.to.text = "<sip:peer@127.0.0.1>";
  options.call_id = "c-opt";
  options.cseq = 1;
  options.cseq_method = "OPTIONS";
  on_strand([&] { layer->send_request(options, Source{Protocol::udp, "127.0.0.1", peer.port(), 0}); });
  auto sent = peer.receive_all(64 * 40 + 300);
  EXPECT_GE(count(sent, "OPTIONS "), 5u);  // timer E: 0, 40, 120, 280, 600, 920, ...
  EXPECT_EQ(events(), (std::vector<std::string>{"timeout"}));
}

TEST_F(TransactionTest, ClientInviteAcknowledgesAFailureItself) {
  Message invite;
  invite.is_request = true;
  invite.method = "INVITE";
  invite.request_uri.text = "sip:8001@127.0.0.1";
  invite.from.text = "<sip:hotline@127.0.0.1>;tag=t";
  invite.to.text = "<sip:8001@127.0.0.1>";
  invite.call_id = "c-inv";
  invite.cseq = 1;
  invite.cseq_method = "INVITE";
  on_strand([&] { layer->send_request(invite, Source{Protocol::udp, "127.0.0.1", peer.port(), 0}); });
  auto got = peer.receive(1000);
  ASSERT_EQ(got.rfind("INVITE ", 0), 0u);
  auto via_start = got.find("Via: ") + 5;
  auto via = got.substr(via_start, got.find("\r\n", via_start) - via_start);
  std::string busy = "SIP/2.0 486 Busy Here\r\nVia: " + via +
                     "\r\nFrom: <sip:hotline@127.0.0.1>;tag=t\r\nTo: <sip:8001@127.0.0.1>;tag=callee\r\n"
                     "Call-ID: c-inv\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  peer.send(transport->port(), busy);
  std::string ack;
  for (int i = 0; i < 5 && ack.rfind("ACK ", 0) != 0; ++i) ack = peer.receive(500);
  ASSERT_EQ(ack.rfind("ACK ", 0), 0u) << ack;
  EXPECT_NE(ack.find(via), std::string::npos);  // the INVITE's branch
  EXPECT_NE(ack.find(";tag=callee"), std::string::npos);
  peer.send(transport->port(), busy);  // a retransmitted 486 gets the ACK again, not the user
  EXPECT_EQ(peer.receive(500).rfind("ACK ", 0), 0u);
  EXPECT_EQ(events(), (std::vector<std::string>{"response 486"}));
}
