// The engine's DTLS certificate and DTLS-SRTP handshakes against an
// independent OpenSSL endpoint (webrtc_peer.hpp), both over memory BIOs.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include <openssl/x509v3.h>

#include "../../src/media/webrtc/dtls_context.hpp"
#include "../../src/media/webrtc/dtls_identity.hpp"
#include "../../src/media/webrtc/dtls_session.hpp"
#include "hotline/core/error.hpp"
#include "webrtc_peer.hpp"

using namespace hotline::media;
using namespace hotline::media::webrtc;
using webrtc_test::DtlsPeer;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() / ("hotline-dtls-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return st.st_mode & 0777;
}

std::shared_ptr<const DtlsContext> our_context() {
  static const auto context = std::make_shared<const DtlsContext>(DtlsIdentity::generate());
  return context;
}

// Carries datagrams both ways until both sides are quiet.
void exchange(DtlsSession& ours, DtlsPeer& peer) {
  for (int round = 0; round < 20; ++round) {
    bool moved = false;
    for (const auto& d : ours.take_outgoing()) {
      peer.receive(d);
      moved = true;
    }
    const auto out = peer.take_output();
    if (!out.empty()) {
      ours.receive(out);
      moved = true;
    }
    if (!moved) return;
  }
}

std::array<std::uint8_t, 30> key_and_salt(const std::array<std::uint8_t, 60>& m, bool client) {
  std::array<std::uint8_t, 30> k{};
  std::copy_n(m.begin() + (client ? 0 : 16), 16, k.begin());
  std::copy_n(m.begin() + (client ? 32 : 46), 14, k.begin() + 16);
  return k;
}

}  // namespace

// ---- the certificate ----

TEST(WebRtcDtlsIdentity, AGeneratedCertificateIsP256SelfSignedWithItsSha256Fingerprint) {
  const auto identity = DtlsIdentity::generate();
  EXPECT_EQ(EVP_PKEY_get_base_id(identity->key()), EVP_PKEY_EC);
  char group[64] = {};
  std::size_t length = 0;
  ASSERT_EQ(EVP_PKEY_get_group_name(identity->key(), group, sizeof group, &length), 1);
  EXPECT_STREQ(group, "prime256v1");
  EXPECT_EQ(X509_check_issued(identity->certificate(), identity->certificate()), X509_V_OK);
  EXPECT_EQ(identity->fingerprint().algorithm, "sha-256");
  EXPECT_TRUE(std::regex_match(identity->fingerprint().value, std::regex("([0-9A-F]{2}:){31}[0-9A-F]{2}")));
  EXPECT_NE(DtlsIdentity::generate()->fingerprint(), identity->fingerprint());
  const auto sha1 = certificate_fingerprint(identity->certificate(), "SHA-1");
  ASSERT_TRUE(sha1);
  EXPECT_EQ(sha1->value.size(), 20u * 3 - 1);
  EXPECT_FALSE(certificate_fingerprint(identity->certificate(), "md5"));
}

TEST(WebRtcDtlsIdentity, TheCertificateIsKeptInTheDataDirAcrossStarts) {
  TempDir dir;
  const auto first = DtlsIdentity::load_or_create(dir.path());
  EXPECT_EQ(mode_of(dir.path() / "dtls-key.pem"), 0600u);
  EXPECT_EQ(mode_of(dir.path() / "dtls-cert.pem"), 0600u);
  const auto second = DtlsIdentity::load_or_create(dir.path());
  EXPECT_EQ(second->fingerprint(), first->fingerprint());
  EXPECT_EQ(EVP_PKEY_eq(second->key(), first->key()), 1);
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp"), std::string::npos);  // no leftovers
  }
}

TEST(WebRtcDtlsIdentity, AKeyOthersCanReadIsRefused) {
  TempDir dir;
  DtlsIdentity::load_or_create(dir.path());
  ::chmod((dir.path() / "dtls-key.pem").c_str(), 0644);
  try {
    DtlsIdentity::load_or_create(dir.path());
    FAIL() << "a world-readable key was accepted";
  } catch (const hotline::Error& e) {
    EXPECT_EQ(e.code(), hotline::Errc::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("0600"), std::string::npos);
  }
}

TEST(WebRtcDtlsIdentity, AMissingHalfMakesANewPair) {
  TempDir dir;
  const auto first = DtlsIdentity::load_or_create(dir.path());
  fs::remove(dir.path() / "dtls-cert.pem");
  const auto second = DtlsIdentity::load_or_create(dir.path());
  EXPECT_NE(second->fingerprint(), first->fingerprint());
  EXPECT_EQ(DtlsIdentity::load_or_create(dir.path())->fingerprint(), second->fingerprint());
}

TEST(WebRtcDtlsIdentity, MismatchedOrBrokenFilesAreRefused) {
  TempDir a, b;
  DtlsIdentity::load_or_create(a.path());
  DtlsIdentity::load_or_create(b.path());
  fs::copy_file(b.path() / "dtls-key.pem", a.path() / "dtls-key.pem", fs::copy_options::overwrite_existing);
  EXPECT_THROW(DtlsIdentity::load_or_create(a.path()), hotline::Error);
  std::ofstream(b.path() / "dtls-cert.pem") << "not a certificate\n";
  EXPECT_THROW(DtlsIdentity::load_or_create(b.path()), hotline::Error);
}

// ---- handshakes ----

TEST(WebRtcDtls, AsServerWithABrowserClientBothSidesExportTheSameKeys) {
  const auto context = our_context();
  DtlsPeer browser(DtlsPeer::Role::client, context->identity().fingerprint());
  DtlsSession ours(*context, DtlsSession::Role::server, browser.fingerprint());
  ours.start();
  EXPECT_TRUE(ours.take_outgoing().empty());  // the server waits for the ClientHello
  EXPECT_FALSE(ours.timeout());
  browser.start();
  exchange(ours, browser);
  ASSERT_EQ(ours.state(), DtlsSession::State::connected) << ours.failure();
  ASSERT_TRUE(browser.connected());
  ASSERT_TRUE(ours.keys());
  EXPECT_EQ(ours.keys()->profile, SrtpProfile::aes128_cm_sha1_80);
  EXPECT_EQ(browser.profile_name(), "SRTP_AES128_CM_SHA1_80");
  // We are the server: we send with the server's key and salt, and read the client's.
  EXPECT_EQ(ours.keys()->local, key_and_salt(browser.material(), false));
  EXPECT_EQ(ours.keys()->remote, key_and_salt(browser.material(), true));
  EXPECT_NE(ours.keys()->local, ours.keys()->remote);
}

TEST(WebRtcDtls, AsClientWithABrowserServer) {
  const auto context = our_context();
  DtlsPeer browser(DtlsPeer::Role::server, context->identity().fingerprint());
  DtlsSession ours(*context, DtlsSession::Role::client, browser.fingerprint());
  ours.start();
  exchange(ours, browser);
  ASSERT_EQ(ours.state(), DtlsSession::State::connected) << ours.failure();
  ASSERT_TRUE(browser.connected());
  EXPECT_EQ(ours.keys()->local, key_and_salt(browser.material(), true));
  EXPECT_EQ(ours.keys()->remote, key_and_salt(browser.material(), false));
}

TEST(WebRtcDtls, ACertificateOtherThanTheSdpSaysFailsTheHandshake) {
  const auto context = our_context();
  DtlsPeer browser(DtlsPeer::Role::client, context->identity().fingerprint());
  DtlsFingerprint announced = browser.fingerprint();
  announced.value[0] = announced.value[0] == 'A' ? 'B' : 'A';  // the SDP said something else
  DtlsSession ours(*context, DtlsSession::Role::server, announced);
  browser.start();
  exchange(ours, browser);
  EXPECT_EQ(ours.state(), DtlsSession::State::failed);
  EXPECT_NE(ours.failure().find("fingerprint"), std::string::npos) << ours.failure();
  EXPECT_FALSE(ours.keys());
  EXPECT_FALSE(browser.connected());
  EXPECT_TRUE(browser.failed());  // it got our alert
}

TEST(WebRtcDtls, ABrowserThatRefusesOurCertificateFailsUsToo) {
  const auto context = our_context();
  DtlsFingerprint wrong = context->identity().fingerprint();
  wrong.value[1] = wrong.value[1] == '0' ? '1' : '0';
  DtlsPeer browser(DtlsPeer::Role::server, wrong);
  DtlsSession ours(*context, DtlsSession::Role::client, browser.fingerprint());
  ours.start();
  exchange(ours, browser);
  EXPECT_TRUE(browser.failed());
  EXPECT_EQ(ours.state(), DtlsSession::State::failed);
  EXPECT_FALSE(ours.keys());
}

TEST(WebRtcDtls, TheShortTagProfileIsUsedWhenItIsAllTheBrowserOffers) {
  const auto context = our_context();
  DtlsPeer browser(DtlsPeer::Role::client, context->identity().fingerprint(), "SRTP_AES128_CM_SHA1_32");
  DtlsSession ours(*context, DtlsSession::Role::server, browser.fingerprint());
  browser.start();
  exchange(ours, browser);
  ASSERT_EQ(ours.state(), DtlsSession::State::connected) << ours.failure();
  EXPECT_EQ(ours.keys()->profile, SrtpProfile::aes128_cm_sha1_32);
}

TEST(WebRtcDtls, ABrowserWithoutUseSrtpIsRefused) {
  const auto context = our_context();
  DtlsPeer browser(DtlsPeer::Role::client, context->identity().fingerprint(), nullptr);
  DtlsSession ours(*context, DtlsSession::Role::server, browser.fingerprint());
  browser.start();
  exchange(ours, browser);
  EXPECT_EQ(ours.state(), DtlsSession::State::failed);
  EXPECT_NE(ours.failure().find("use_srtp"), std::string::npos) << ours.failure();
}

TEST(WebRtcDtls, ALostFlightIsSentAgainWhenTheCallerDrivesTheTimer) {
  const auto context = our_context();
  DtlsPeer browser(DtlsPeer::Role::server, context->identity().fingerprint());
  DtlsSession ours(*context, DtlsSession::Role::client, browser.fingerprint());
  ours.start();
  const auto lost = ours.take_outgoing();
  ASSERT_FALSE(lost.empty());  // the ClientHello, never delivered
  const auto wait = ours.timeout();
  ASSERT_TRUE(wait);
  EXPECT_GT(*wait, std::chrono::milliseconds(0));
  EXPECT_LE(*wait, std::chrono::milliseconds(400));
  ours.handle_timeout();  // too early: nothing
  EXPECT_TRUE(ours.take_outgoing().empty());
  std::this_thread::sleep_for(*wait + std::chrono::milliseconds(20));
  ours.handle_timeout();
  const auto again = ours.take_outgoing();
  ASSERT_FALSE(again.empty());
  EXPECT_EQ(again.front().front(), lost.front().front());  // a handshake record again
  for (const auto& d : again) browser.receive(d);
  exchange(ours, browser);
  EXPECT_EQ(ours.state(), DtlsSession::State::connected) << ours.failure();
  EXPECT_FALSE(ours.timeout());
}

TEST(WebRtcDtls, CloseNotifyGoesBothWays) {
  const auto context = our_context();
  {
    DtlsPeer browser(DtlsPeer::Role::client, context->identity().fingerprint());
    DtlsSession ours(*context, DtlsSession::Role::server, browser.fingerprint());
    browser.start();
    exchange(ours, browser);
    ASSERT_EQ(ours.state(), DtlsSession::State::connected);
    ours.close();
    for (const auto& d : ours.take_outgoing()) browser.receive(d);
    EXPECT_TRUE(browser.closed_by_peer());
  }
  {
    DtlsPeer browser(DtlsPeer::Role::client, context->identity().fingerprint());
    DtlsSession ours(*context, DtlsSession::Role::server, browser.fingerprint());
    browser.start();
    exchange(ours, browser);
    browser.close();
    ours.receive(browser.take_output());
    EXPECT_EQ(ours.state(), DtlsSession::State::closed);
    EXPECT_NE(ours.failure().find("close_notify"), std::string::npos);
  }
}

TEST(WebRtcDtls, GarbageNeverCrashesAndNeverConnects) {
  const auto context = our_context();
  std::mt19937 random(7);
  for (int i = 0; i < 300; ++i) {
    DtlsSession ours(*context, DtlsSession::Role::server, DtlsFingerprint{"sha-256", "00"});
    for (int n = 0; n < 4; ++n) {
      std::vector<std::uint8_t> datagram(3 + random() % 300);
      for (auto& b : datagram) b = static_cast<std::uint8_t>(random());
      datagram[0] = 22;  // handshake content type, so the record layer reads it
      datagram[1] = 0xfe;
      datagram[2] = 0xfd;
      ours.receive(datagram);
      (void)ours.take_outgoing();
    }
    EXPECT_NE(ours.state(), DtlsSession::State::connected);
  }
}
