// Fuzzes what a browser leg does with the datagrams that reach its port:
// RFC 7983 demultiplexing, the ICE-lite responder, DTLS and SRTP/SRTCP in
// webrtc::Transport, then the RTP and RTCP parsers the leg hands plain
// packets to. The first byte picks the mode:
//   0: a fresh leg (the browser's SDP known, our DTLS role from bit 1):
//      handshake input from checked and unchecked sources;
//   1: an established leg: each input first runs a real DTLS handshake with
//      an in-process browser (our DtlsSession as client, its own
//      certificate), so SRTP keys are in place; the browser can protect
//      fuzzed RTP/RTCP with its keys, so the path after a successful
//      unprotect is reached as well as the forgery checks;
//   2: the browser-SDP reader and our answer to it.
// The rest is records: [op 1][length 2][bytes].
//
// Invariants beyond "no crash": a plain packet handed back is no longer
// than the datagram; what the browser protected comes back unchanged or
// not at all (replay); what we protect the browser's keys open unchanged;
// media never flows before DTLS is up; an answer to a parsed offer reads
// back with our credentials.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "hotline/media/webrtc_sdp.hpp"
#include "rtcp.hpp"
#include "rtp_packet.hpp"
#include "webrtc/dtls_context.hpp"
#include "webrtc/dtls_session.hpp"
#include "webrtc/srtp_session.hpp"
#include "webrtc/transport.hpp"

using namespace hotline::media;
using namespace hotline::media::webrtc;
using Endpoint = boost::asio::ip::udp::endpoint;
using Bytes = std::vector<std::uint8_t>;

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

const IceCredentials kOurs{"ourufrag", "ourpassword0123456789abc"};  // ice-chars only: it goes into SDP
const Endpoint kBrowser(boost::asio::ip::make_address("192.0.2.7"), 40000);
const Endpoint kStranger(boost::asio::ip::make_address("192.0.2.66"), 40001);

// Certificates are made once per process: key generation is not what is fuzzed.
std::shared_ptr<const DtlsContext> our_context() {
  static const auto c = std::make_shared<const DtlsContext>(DtlsIdentity::generate());
  return c;
}
const DtlsContext& browser_context() {
  static const DtlsContext c(DtlsIdentity::generate());
  return c;
}

struct Sink final : Transport::Events {
  std::vector<Bytes> to_browser;
  void send_datagram(std::span<const std::uint8_t> d, const Endpoint& to) override {
    if (to == kBrowser && to_browser.size() < 64) to_browser.emplace_back(d.begin(), d.end());
  }
  void path_selected(const Endpoint&) override {}
  void state_changed(const WebRtcState&) override {}
};

Bytes check_request(bool nominate, std::uint8_t seed) {
  TransactionId id{};
  id.fill(seed);
  std::array<std::uint8_t, 256> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::request, id);
  b.add_string(stun_attribute::username, "ourufrag:brws");
  b.add_u32(stun_attribute::priority, 1);
  b.add_u64(stun_attribute::ice_controlling, 2);
  if (nominate) b.add_flag(stun_attribute::use_candidate);
  b.add_message_integrity(as_bytes(kOurs.pwd));
  b.add_fingerprint();
  const auto bytes = b.finish();
  return Bytes(bytes.begin(), bytes.end());
}

struct Leg {
  Sink sink;
  Transport transport{our_context(), kOurs, sink, Transport::Options{}};
  Transport::TimePoint now = Transport::TimePoint{} + std::chrono::hours(1);
  std::unique_ptr<DtlsSession> browser;
  std::unique_ptr<SrtpSession> browser_srtp;

  Transport::Received feed(Bytes& datagram, const Endpoint& from) {
    const bool ready_before = transport.media_ready();
    const auto r = transport.receive(datagram, from, now);
    if (r.verdict == Transport::Verdict::rtp || r.verdict == Transport::Verdict::rtcp) {
      check(ready_before && r.size <= datagram.size());
      const std::span<const std::uint8_t> plain(datagram.data(), r.size);
      if (r.verdict == Transport::Verdict::rtp) {
        (void)parse_rtp(plain);
      } else {
        (void)parse_rtcp(plain, 0x12345678);
      }
    }
    return r;
  }

  // A real handshake with the browser as DTLS client; false if it did not complete.
  bool establish() {
    transport.set_remote(WebRtcRemote{"brws", "browser-password-0123456789",
                                      browser_context().identity().fingerprint(), DtlsSetup::actpass},
                         now);
    auto request = check_request(true, 1);
    feed(request, kBrowser);
    browser = std::make_unique<DtlsSession>(browser_context(), DtlsSession::Role::client,
                                            our_context()->identity().fingerprint());
    browser->start();
    for (int round = 0; round < 20 && browser->state() == DtlsSession::State::handshaking; ++round) {
      for (auto& d : browser->take_outgoing()) feed(d, kBrowser);
      for (const auto& d : std::exchange(sink.to_browser, {})) {
        if (classify(d) == PacketKind::dtls) browser->receive(d);
      }
    }
    for (auto& d : browser->take_outgoing()) feed(d, kBrowser);
    if (browser->state() != DtlsSession::State::connected || !transport.media_ready()) return false;
    browser_srtp = std::make_unique<SrtpSession>(*browser->keys());
    sink.to_browser.clear();
    return true;
  }

  // Plain RTP or RTCP from the fuzzer, protected by the browser, then received.
  void from_browser(Bytes plain, bool rtcp) {
    if (plain.size() < 12 || plain.size() > 1500) return;
    plain[0] = static_cast<std::uint8_t>(0x80 | (plain[0] & 0x3f));
    if (rtcp) {
      plain[1] = static_cast<std::uint8_t>(200 + plain[1] % 5);
    } else if (plain[1] >= 192 && plain[1] <= 223) {
      plain[1] = static_cast<std::uint8_t>(plain[1] & 0x7f);
    }
    Bytes buffer(plain.size() + SrtpSession::kMaxTrailer);
    std::copy(plain.begin(), plain.end(), buffer.begin());
    const auto size = rtcp ? browser_srtp->protect_rtcp(buffer, plain.size())
                           : browser_srtp->protect_rtp(buffer, plain.size());
    if (!size) return;
    buffer.resize(*size);
    const auto r = feed(buffer, kBrowser);
    if (r.verdict == Transport::Verdict::rtp || r.verdict == Transport::Verdict::rtcp) {
      check(r.size == plain.size() && std::equal(plain.begin(), plain.end(), buffer.begin()));
    }
  }

  // What we protect, the browser opens unchanged.
  void to_browser(const Bytes& plain, bool rtcp) {
    const auto sent = rtcp ? transport.protect_rtcp(plain) : transport.protect_rtp(plain);
    if (!sent) return;
    check(transport.media_ready());
    Bytes packet(sent->begin(), sent->end());
    const auto size = rtcp ? browser_srtp->unprotect_rtcp(packet) : browser_srtp->unprotect_rtp(packet);
    if (size) check(*size == plain.size() && std::equal(plain.begin(), plain.end(), packet.begin()));
  }
};

void run_records(Leg& leg, std::span<const std::uint8_t> data, bool established) {
  std::uint8_t seed = 2;
  while (data.size() >= 3) {
    const std::uint8_t op = data[0];
    const std::size_t length = std::min<std::size_t>(data[1] << 8 | data[2], data.size() - 3);
    Bytes bytes(data.begin() + 3, data.begin() + 3 + static_cast<std::ptrdiff_t>(length));
    data = data.subspan(3 + length);
    switch (op % 8) {
      case 0:
        leg.feed(bytes, kBrowser);
        break;
      case 1:
        leg.feed(bytes, kStranger);
        break;
      case 2:
        if (established) leg.from_browser(bytes, false);
        break;
      case 3:
        if (established) leg.from_browser(bytes, true);
        break;
      case 4: {
        auto request = check_request(op & 0x10, ++seed);
        leg.feed(request, (op & 0x20) ? kStranger : kBrowser);
        break;
      }
      case 5:
        leg.now += std::chrono::milliseconds(bytes.empty() ? 1000 : bytes[0] * 250);
        leg.transport.on_timer(leg.now);
        break;
      case 6:
        if (established && bytes.size() >= 12) leg.to_browser(bytes, op & 0x10);
        break;
      default:
        // Nothing goes out protected unless DTLS is up (and keyed SRTP).
        if (leg.transport.protect_rtp(bytes)) check(leg.transport.media_ready() && leg.transport.state().dtls_connected);
        break;
    }
  }
}

void fuzz_sdp(std::string_view text) {
  const auto parsed = parse_webrtc_sdp(text);
  const auto* offer = std::get_if<WebRtcDescription>(&parsed);
  if (!offer) return;
  const auto codec = choose_webrtc_codec(*offer);
  if (!codec) return;
  check(codec->payload_type == 0 || codec->payload_type == 8);
  WebRtcSdpLocal local;
  local.address = "192.0.2.10";
  local.port = 20000;
  local.local = WebRtcLocal{kOurs.ufrag, kOurs.pwd, our_context()->identity().fingerprint(), 1, "cname"};
  const auto answer = parse_webrtc_sdp(build_webrtc_answer(*offer, local, *codec));
  const auto* back = std::get_if<WebRtcDescription>(&answer);
  check(back != nullptr);
  check(back->remote.ice_ufrag == kOurs.ufrag && back->remote.ice_pwd == kOurs.pwd);
  check(back->remote.setup == answer_setup(offer->remote.setup));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      Leg leg;
      const bool we_are_client = data[0] & 0x08;
      leg.transport.set_remote(WebRtcRemote{"brws", "browser-password-0123456789",
                                            browser_context().identity().fingerprint(),
                                            we_are_client ? DtlsSetup::passive : DtlsSetup::active},
                               leg.now);
      run_records(leg, rest, false);
      check(!leg.transport.state().dtls_connected || leg.transport.state().ice_connected);
      break;
    }
    case 1: {
      Leg leg;
      check(leg.establish());
      run_records(leg, rest, true);
      leg.transport.close();
      break;
    }
    default:
      fuzz_sdp(std::string_view(reinterpret_cast<const char*>(rest.data()), rest.size()));
      break;
  }
  return 0;
}
