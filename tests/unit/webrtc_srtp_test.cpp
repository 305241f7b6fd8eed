// SRTP/SRTCP with keys from a real DTLS handshake: what we protect the
// browser's own libsrtp context reads, and the other way round.
#include <gtest/gtest.h>

#include <random>

#include "../../src/media/webrtc/dtls_context.hpp"
#include "../../src/media/webrtc/dtls_session.hpp"
#include "../../src/media/webrtc/srtp_session.hpp"
#include "webrtc_peer.hpp"

using namespace hotline::media;
using namespace hotline::media::webrtc;
using webrtc_test::Bytes;
using webrtc_test::DtlsPeer;

namespace {

struct Keyed {
  std::shared_ptr<const DtlsContext> context = std::make_shared<const DtlsContext>(DtlsIdentity::generate());
  std::unique_ptr<DtlsPeer> browser;
  std::unique_ptr<DtlsSession> ours;

  explicit Keyed(const char* profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32") {
    browser = std::make_unique<DtlsPeer>(DtlsPeer::Role::client, context->identity().fingerprint(), profiles);
    ours = std::make_unique<DtlsSession>(*context, DtlsSession::Role::server, browser->fingerprint());
    browser->start();
    for (int round = 0; round < 20; ++round) {
      const auto out = browser->take_output();
      if (!out.empty()) ours->receive(out);
      for (const auto& d : ours->take_outgoing()) browser->receive(d);
    }
  }
};

Bytes protect(SrtpSession& s, const Bytes& plain, bool rtcp = false) {
  Bytes buffer(plain.size() + SrtpSession::kMaxTrailer);
  std::copy(plain.begin(), plain.end(), buffer.begin());
  const auto size = rtcp ? s.protect_rtcp(buffer, plain.size()) : s.protect_rtp(buffer, plain.size());
  if (!size) return {};
  buffer.resize(*size);
  return buffer;
}

std::optional<Bytes> unprotect(SrtpSession& s, Bytes packet, bool rtcp = false) {
  const auto size = rtcp ? s.unprotect_rtcp(packet) : s.unprotect_rtp(packet);
  if (!size) return std::nullopt;
  packet.resize(*size);
  return packet;
}

}  // namespace

// libsrtp's own validation packet (srtp_driver's srtp_validate), and an
// SRTCP packet protected by Debian's libsrtp with its NSS crypto: our
// OpenSSL AES-ICM and HMAC-SHA1 inside libsrtp give the same bytes.
TEST(WebRtcSrtp, KnownAnswersWithOpenSslCryptoInsideLibsrtp) {
  initialise_srtp();
  initialise_srtp();  // once is enough; twice is harmless
  const std::array<std::uint8_t, 30> key = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0, 0xd6, 0x4f,
                                            0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39, 0x0e, 0xc6, 0x75, 0xad,
                                            0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
  SrtpSession srtp(SrtpKeys{SrtpProfile::aes128_cm_sha1_80, key, key});
  const Bytes plain = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab,
                       0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
  const Bytes cipher = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e,
                        0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d,
                        0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};
  EXPECT_EQ(protect(srtp, plain), cipher);
  EXPECT_EQ(unprotect(srtp, cipher), plain);
  const Bytes sr = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab, 0xab, 0xab,
                    0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
  const Bytes srtcp = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b, 0xe4, 0x87,
                       0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00, 0x00, 0x01,
                       0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98};
  EXPECT_EQ(protect(srtp, sr, true), srtcp);
  EXPECT_EQ(unprotect(srtp, srtcp, true), sr);
}

TEST(WebRtcSrtp, WhatWeProtectTheBrowserReadsAndBack) {
  Keyed k;
  ASSERT_TRUE(k.browser->connected());
  ASSERT_TRUE(k.ours->keys());
  SrtpSession srtp(*k.ours->keys());
  for (std::uint16_t seq = 1000; seq < 1010; ++seq) {
    const auto plain = webrtc_test::make_rtp(0, seq, seq * 160u, 0xAABBCCDD, 160, static_cast<std::uint8_t>(seq));
    const auto sent = protect(srtp, plain);
    ASSERT_EQ(sent.size(), plain.size() + 10);  // 80-bit tag
    EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + 12, sent.begin()));  // the header stays clear
    EXPECT_FALSE(std::equal(plain.begin() + 12, plain.end(), sent.begin() + 12));  // the payload does not
    EXPECT_EQ(k.browser->unprotect_rtp(sent), plain);

    const auto from_browser = webrtc_test::make_rtp(8, seq, seq * 160u, 0x01020304, 160, 0x33);
    EXPECT_EQ(unprotect(srtp, k.browser->protect_rtp(from_browser)), from_browser);
  }
}

TEST(WebRtcSrtp, RtcpBothWays) {
  Keyed k;
  SrtpSession srtp(*k.ours->keys());
  const auto rr = webrtc_test::make_rtcp_rr(0x11111111);
  const auto sent = protect(srtp, rr, true);
  ASSERT_EQ(sent.size(), rr.size() + 4 + 10);  // E-flag and index, 80-bit tag
  EXPECT_EQ(k.browser->unprotect_rtcp(sent), rr);
  EXPECT_EQ(unprotect(srtp, k.browser->protect_rtcp(webrtc_test::make_rtcp_rr(0x2222)), true),
            webrtc_test::make_rtcp_rr(0x2222));
}

TEST(WebRtcSrtp, TheOtherSidesKeysReadWhatOneSideProtects) {
  Keyed k;
  SrtpSession ours(*k.ours->keys());
  const SrtpKeys mirrored{k.ours->keys()->profile, k.ours->keys()->remote, k.ours->keys()->local};
  SrtpSession theirs(mirrored);
  const auto plain = webrtc_test::make_rtp(0, 1, 160, 5);
  const auto sent = protect(ours, plain);
  EXPECT_EQ(unprotect(theirs, sent), plain);
  EXPECT_FALSE(unprotect(ours, sent));  // our inbound context has the browser's key, not ours
}

TEST(WebRtcSrtp, ForgedReplayedAndShortPacketsAreRefused) {
  Keyed k;
  SrtpSession srtp(*k.ours->keys());
  const auto good = k.browser->protect_rtp(webrtc_test::make_rtp(0, 7, 1120, 9));
  auto forged = good;
  forged[20] ^= 1;
  EXPECT_FALSE(unprotect(srtp, forged));
  auto forged_tag = good;
  forged_tag.back() ^= 0x80;
  EXPECT_FALSE(unprotect(srtp, forged_tag));
  EXPECT_TRUE(unprotect(srtp, good));
  EXPECT_FALSE(unprotect(srtp, good));  // replay
  for (std::size_t n = 0; n < 23; ++n) EXPECT_FALSE(unprotect(srtp, Bytes(good.begin(), good.begin() + n))) << n;
  // A header extension running past the end.
  auto extension = webrtc_test::make_rtp(0, 8, 1280, 9, 0);
  extension[0] |= 0x10;
  extension.insert(extension.end(), {0xbe, 0xde, 0x40, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_FALSE(unprotect(srtp, extension));
  EXPECT_FALSE(unprotect(srtp, webrtc_test::make_rtcp_rr(1), true));  // plain RTCP is not SRTCP
}

TEST(WebRtcSrtp, TheShortTagProfileHasAFourByteTagButAFullRtcpTag) {
  Keyed k("SRTP_AES128_CM_SHA1_32");
  ASSERT_EQ(k.ours->keys()->profile, SrtpProfile::aes128_cm_sha1_32);
  SrtpSession srtp(*k.ours->keys());
  const auto plain = webrtc_test::make_rtp(0, 1, 160, 5);
  const auto sent = protect(srtp, plain);
  EXPECT_EQ(sent.size(), plain.size() + 4);
  EXPECT_EQ(k.browser->unprotect_rtp(sent), plain);
  const auto rr = webrtc_test::make_rtcp_rr(3);
  EXPECT_EQ(protect(srtp, rr, true).size(), rr.size() + 14);
}

TEST(WebRtcSrtp, ProtectNeedsRoomForTheTrailer) {
  Keyed k;
  SrtpSession srtp(*k.ours->keys());
  auto plain = webrtc_test::make_rtp(0, 1, 160, 5);
  Bytes tight(plain.size() + 10);
  std::copy(plain.begin(), plain.end(), tight.begin());
  EXPECT_FALSE(srtp.protect_rtp(tight, plain.size()));
  EXPECT_FALSE(srtp.protect_rtp(tight, 11));
}

TEST(WebRtcSrtp, RandomBytesAreRefusedWithoutHarm) {
  Keyed k;
  SrtpSession srtp(*k.ours->keys());
  std::mt19937 random(99);
  for (int i = 0; i < 5000; ++i) {
    Bytes data(random() % 300);
    for (auto& b : data) b = static_cast<std::uint8_t>(random());
    if (!data.empty()) data[0] = static_cast<std::uint8_t>(0x80 | (data[0] & 0x3f));
    EXPECT_FALSE(unprotect(srtp, data, i % 2 == 0));
  }
}
