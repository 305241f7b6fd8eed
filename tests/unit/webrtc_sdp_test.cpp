// SDP for browser legs: Chromium's offers and answers in, ours out (and
// read back by the same parser).
#include <gtest/gtest.h>

#include <random>

#include "hotline/media/webrtc_sdp.hpp"

using namespace hotline::media;

namespace {

// What Chromium offers for getUserMedia({audio: true}) (trimmed of nothing
// we could trip on: Opus, RED, G722, CN, two telephone-events, extmaps,
// an mDNS host candidate).
const std::string kChromeOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS 6b3a3f7c-5e1d-4a57-9b39-1c2d3e4f5a6b\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=candidate:2999745851 1 udp 2122260223 8d0c5a1e-2f3b-4c5d-9e8f-0a1b2c3d4e5f.local 54400 typ host generation 0 "
    "network-id 1\r\n"
    "a=candidate:1138261913 1 udp 1686052607 203.0.113.7 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0\r\n"
    "a=ice-ufrag:Xy7+\r\n"
    "a=ice-pwd:Qw3rTy/uI0pAsDfGhJkL1z2x\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "1A:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8:09:1A:2B:3C:4D:5E:6F:70:81:92:A3:B4:C5:D6:E7:F8:09\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendrecv\r\n"
    "a=msid:6b3a3f7c-5e1d-4a57-9b39-1c2d3e4f5a6b 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:3735928559 cname:abcdEFGHijklMNOP\r\n"
    "a=ssrc:3735928559 msid:6b3a3f7c-5e1d-4a57-9b39-1c2d3e4f5a6b 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\r\n";

WebRtcSdpLocal our_side() {
  WebRtcSdpLocal l;
  l.address = "192.0.2.10";
  l.port = 20042;
  l.local = WebRtcLocal{"OurUfrag", "OurPasswordIs24CharsLong",
                        DtlsFingerprint{"sha-256", "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:"
                                                   "11:22:33:44:55:66:77:88:99"},
                        0x01020304, "hotlinecname"};
  l.session_id = 42;
  l.session_version = 1;
  return l;
}

WebRtcDescription parse_ok(const std::string& text) {
  auto parsed = parse_webrtc_sdp(text);
  if (auto* error = std::get_if<WebRtcSdpError>(&parsed)) ADD_FAILURE() << error->reason << "\n" << text;
  return std::get<WebRtcDescription>(std::move(parsed));
}

bool has_line(const std::string& sdp, const std::string& line) { return sdp.find(line + "\r\n") != std::string::npos; }

}  // namespace

TEST(WebRtcSdp, ReadsChromiumsOffer) {
  const auto d = parse_ok(kChromeOffer);
  ASSERT_EQ(d.audio_line, 0);
  EXPECT_EQ(d.media_lines.size(), 1u);
  EXPECT_EQ(d.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(d.port, 9);
  EXPECT_EQ(d.address, "0.0.0.0");
  EXPECT_EQ(d.remote.ice_ufrag, "Xy7+");
  EXPECT_EQ(d.remote.ice_pwd, "Qw3rTy/uI0pAsDfGhJkL1z2x");
  EXPECT_EQ(d.remote.fingerprint.algorithm, "sha-256");
  EXPECT_EQ(d.remote.fingerprint.value.size(), 95u);
  EXPECT_EQ(d.remote.setup, DtlsSetup::actpass);
  EXPECT_TRUE(d.setup_given);
  EXPECT_EQ(d.mid, "0");
  EXPECT_EQ(d.bundle, std::vector<std::string>{"0"});
  EXPECT_TRUE(d.rtcp_mux);
  EXPECT_EQ(d.direction, Flow::sendrecv);
  EXPECT_FALSE(d.ice_lite);
  ASSERT_EQ(d.formats.size(), 8u);
  EXPECT_EQ(d.formats[0].encoding, "opus");
  EXPECT_EQ(d.formats[0].clock_rate, 48000);
  EXPECT_EQ(d.formats[0].channels, 2);
  EXPECT_EQ(d.formats[0].fmtp, "minptime=10;useinbandfec=1");
  ASSERT_EQ(d.candidates.size(), 2u);
  EXPECT_EQ(d.candidates[0].address, "8d0c5a1e-2f3b-4c5d-9e8f-0a1b2c3d4e5f.local");
  EXPECT_EQ(d.candidates[0].port, 54400);
  EXPECT_EQ(d.candidates[0].priority, 2122260223u);
  EXPECT_EQ(d.candidates[0].type, "host");
  EXPECT_EQ(d.candidates[1].type, "srflx");
  EXPECT_EQ(d.candidates[1].address, "203.0.113.7");

  const auto codec = choose_webrtc_codec(d);
  ASSERT_TRUE(codec);
  EXPECT_EQ(codec->payload_type, 0);
  EXPECT_EQ(codec->telephone_event_type, 126);  // the 8 kHz one, not 110 at 48 kHz
}

TEST(WebRtcSdp, OurAnswerToChromiumReadsBack) {
  const auto offer = parse_ok(kChromeOffer);
  const auto codec = *choose_webrtc_codec(offer);
  const auto answer = build_webrtc_answer(offer, our_side(), codec);
  EXPECT_TRUE(has_line(answer, "m=audio 20042 UDP/TLS/RTP/SAVPF 0 126"));
  EXPECT_TRUE(has_line(answer, "a=ice-lite"));
  EXPECT_TRUE(has_line(answer, "a=setup:passive"));
  EXPECT_TRUE(has_line(answer, "a=group:BUNDLE 0"));
  EXPECT_TRUE(has_line(answer, "a=rtcp-mux"));
  EXPECT_TRUE(has_line(answer, "a=candidate:1 1 udp 2130706431 192.0.2.10 20042 typ host"));
  EXPECT_TRUE(has_line(answer, "a=ssrc:16909060 cname:hotlinecname"));
  EXPECT_TRUE(has_line(answer, "a=fmtp:126 0-16"));
  EXPECT_EQ(answer.find("opus"), std::string::npos);

  const auto back = parse_ok(answer);
  EXPECT_TRUE(back.ice_lite);
  EXPECT_EQ(back.remote.ice_ufrag, "OurUfrag");
  EXPECT_EQ(back.remote.ice_pwd, "OurPasswordIs24CharsLong");
  EXPECT_EQ(back.remote.fingerprint, our_side().local.fingerprint);
  EXPECT_EQ(back.remote.setup, DtlsSetup::passive);
  EXPECT_EQ(back.mid, "0");
  EXPECT_EQ(back.address, "192.0.2.10");
  EXPECT_EQ(back.port, 20042);
  EXPECT_TRUE(back.rtcp_mux);
  ASSERT_EQ(back.candidates.size(), 1u);
  EXPECT_TRUE(back.end_of_candidates);
  const auto again = choose_webrtc_codec(back);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->payload_type, 0);
  EXPECT_EQ(again->telephone_event_type, 126);
}

TEST(WebRtcSdp, OtherMediaLinesAreRefusedWithTheirMids) {
  std::string offer = kChromeOffer;
  const auto bundle = offer.find("a=group:BUNDLE 0");
  offer.replace(bundle, 16, "a=group:BUNDLE 0 1 2");
  offer +=
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=mid:1\r\n"
      "a=ice-ufrag:ZZZZ\r\n"  // attributes of other m-lines are not the audio line's
      "a=rtpmap:96 VP8/90000\r\n"
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=mid:2\r\n";
  const auto d = parse_ok(offer);
  ASSERT_EQ(d.media_lines.size(), 3u);
  EXPECT_EQ(d.remote.ice_ufrag, "Xy7+");
  EXPECT_EQ(d.media_lines[1].mid, "1");
  EXPECT_EQ(d.media_lines[2].formats, "webrtc-datachannel");
  const auto answer = build_webrtc_answer(d, our_side(), *choose_webrtc_codec(d));
  EXPECT_TRUE(has_line(answer, "a=group:BUNDLE 0"));
  EXPECT_TRUE(has_line(answer, "m=video 0 UDP/TLS/RTP/SAVPF 96 97"));
  EXPECT_TRUE(has_line(answer, "a=mid:1"));
  EXPECT_TRUE(has_line(answer, "m=application 0 UDP/DTLS/SCTP webrtc-datachannel"));
  EXPECT_TRUE(has_line(answer, "a=mid:2"));
  const auto back = parse_ok(answer);
  ASSERT_EQ(back.media_lines.size(), 3u);
  EXPECT_EQ(back.audio_line, 0);
  EXPECT_EQ(back.media_lines[1].port, 0);
}

TEST(WebRtcSdp, AnAudioLineThatIsNotFirstKeepsItsMid) {
  const std::string offer =
      "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE v a\r\n"
      "a=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsession1\r\n"
      "a=fingerprint:SHA-256 01:02\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:v\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 8\r\nc=IN IP4 0.0.0.0\r\na=mid:a\r\na=setup:active\r\na=recvonly\r\n";
  const auto d = parse_ok(offer);
  EXPECT_EQ(d.audio_line, 1);
  EXPECT_EQ(d.mid, "a");
  EXPECT_EQ(d.remote.ice_ufrag, "sess");  // from the session level
  EXPECT_EQ(d.remote.fingerprint.algorithm, "sha-256");
  EXPECT_EQ(d.remote.setup, DtlsSetup::active);
  EXPECT_EQ(d.direction, Flow::recvonly);
  EXPECT_FALSE(d.rtcp_mux);
  const auto codec = choose_webrtc_codec(d);
  ASSERT_TRUE(codec);
  EXPECT_EQ(codec->payload_type, 8);
  EXPECT_EQ(codec->telephone_event_type, -1);
  auto local = our_side();
  local.flow = Flow::sendonly;
  const auto answer = build_webrtc_answer(d, local, *codec);
  EXPECT_TRUE(has_line(answer, "a=group:BUNDLE a"));
  EXPECT_TRUE(has_line(answer, "a=mid:a"));
  EXPECT_TRUE(has_line(answer, "a=sendonly"));
  EXPECT_TRUE(has_line(answer, "a=setup:passive"));
  EXPECT_TRUE(has_line(answer, "m=audio 20042 UDP/TLS/RTP/SAVPF 8"));
  EXPECT_LT(answer.find("m=video 0"), answer.find("m=audio 20042"));
}

TEST(WebRtcSdp, OurOfferLetsTheBrowserChooseItsRole) {
  const auto offer = build_webrtc_offer(our_side());
  EXPECT_TRUE(has_line(offer, "m=audio 20042 UDP/TLS/RTP/SAVPF 0 8 101"));
  EXPECT_TRUE(has_line(offer, "a=setup:actpass"));
  EXPECT_TRUE(has_line(offer, "a=group:BUNDLE 0"));
  EXPECT_TRUE(has_line(offer, "a=rtpmap:101 telephone-event/8000"));
  const auto d = parse_ok(offer);
  EXPECT_EQ(d.remote.setup, DtlsSetup::actpass);
  EXPECT_EQ(d.formats.size(), 3u);
  EXPECT_TRUE(d.ice_lite);

  // Chromium's answer to it: active, PCMU, telephone-event.
  const std::string chrome_answer =
      "v=0\r\no=- 99 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 0 101\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:brws\r\na=ice-pwd:browserpassword123456789\r\n"
      "a=fingerprint:sha-256 AB:CD\r\na=setup:active\r\na=mid:0\r\na=sendrecv\r\na=rtcp-mux\r\n"
      "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
  const auto answer = parse_ok(chrome_answer);
  EXPECT_EQ(answer.remote.setup, DtlsSetup::active);
  EXPECT_EQ(choose_webrtc_codec(answer)->telephone_event_type, 101);
}

TEST(WebRtcSdp, Ipv6AddressesUseIp6) {
  auto local = our_side();
  local.address = "2001:db8::10";
  const auto offer = build_webrtc_offer(local);
  EXPECT_TRUE(has_line(offer, "c=IN IP6 2001:db8::10"));
  EXPECT_EQ(parse_ok(offer).address, "2001:db8::10");
}

TEST(WebRtcSdp, SetupRolesOfRfc5763) {
  EXPECT_EQ(answer_setup(DtlsSetup::actpass), DtlsSetup::passive);
  EXPECT_EQ(answer_setup(DtlsSetup::active), DtlsSetup::passive);
  EXPECT_EQ(answer_setup(DtlsSetup::passive), DtlsSetup::active);
  EXPECT_EQ(parse_dtls_setup("holdconn"), std::nullopt);
  EXPECT_EQ(to_string(DtlsSetup::actpass), "actpass");
}

TEST(WebRtcSdp, NoG711MeansNoCodec) {
  const std::string opus_only =
      "v=0\r\ns=-\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 96\r\nc=IN IP4 0.0.0.0\r\n"
      "a=rtpmap:111 opus/48000/2\r\na=rtpmap:96 PCMU/8000\r\n";  // PCMU on a dynamic type: not ours
  EXPECT_FALSE(choose_webrtc_codec(parse_ok(opus_only)));
  const auto no_audio = parse_ok("v=0\r\ns=-\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n");
  EXPECT_EQ(no_audio.audio_line, -1);
  EXPECT_FALSE(choose_webrtc_codec(no_audio));
}

TEST(WebRtcSdp, MalformedSdpIsRefusedWithAReason) {
  for (const std::string& bad : {
           std::string(""),
           std::string("x=0\r\n"),
           std::string("v=0\r\nnot a line\r\n"),
           std::string("v=0\r\nm=audio\r\n"),
           std::string("v=0\r\nm=audio 70000 UDP/TLS/RTP/SAVPF 0\r\n"),
           std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 300\r\n"),
           std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:ab\r\n"),
           std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-ufrag:abc def\r\n"),
           std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=ice-pwd:short\r\n"),
           std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=setup:holdconn\r\n"),
           std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=fingerprint:sha-256\r\n"),
           std::string("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0\r\n"),
           std::string("v=0\r\nc=IN IP4\r\n"),
           std::string("v=0\r\ns=\x01\r\n"),
           std::string(70 * 1024, 'a'),
       }) {
    const auto parsed = parse_webrtc_sdp(bad);
    ASSERT_TRUE(std::holds_alternative<WebRtcSdpError>(parsed)) << bad.substr(0, 80);
    EXPECT_FALSE(std::get<WebRtcSdpError>(parsed).reason.empty());
  }
  // Unusable candidates are skipped, not fatal (ICE-lite does not need them).
  const auto d = parse_ok("v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=candidate:1 1 udp x 1.2.3.4 5 typ host\r\n");
  EXPECT_TRUE(d.candidates.empty());
}

TEST(WebRtcSdp, MutatedOffersNeverCrash) {
  std::mt19937 random(2024);
  for (int i = 0; i < 3000; ++i) {
    std::string text = kChromeOffer;
    const int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits; ++e) {
      const auto at = random() % text.size();
      switch (random() % 3) {
        case 0:
          text[at] = static_cast<char>(random());
          break;
        case 1:
          text.erase(at, random() % 20);
          break;
        default:
          text.insert(at, text.substr(random() % text.size(), random() % 40));
          break;
      }
      if (text.empty()) text = "v";
    }
    const auto parsed = parse_webrtc_sdp(text);
    if (const auto* d = std::get_if<WebRtcDescription>(&parsed)) {
      if (const auto codec = choose_webrtc_codec(*d)) (void)build_webrtc_answer(*d, our_side(), *codec);
    }
  }
}
