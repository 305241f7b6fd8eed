#pragma once
// What a browser does on the other side of a browser leg, written directly
// on OpenSSL and libsrtp (not on src/media/webrtc's classes, so the tests
// check our side against an independent endpoint): DTLS 1.2 over memory
// BIOs with use_srtp, its own self-signed certificate, a check of our
// fingerprint, RFC 5764 key export into libsrtp contexts; and the STUN
// binding request of an ICE agent in the controlling role.
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "../../src/media/webrtc/dtls_identity.hpp"
#include "../../src/media/webrtc/stun.hpp"
#include "hotline/media/webrtc.hpp"

namespace webrtc_test {

using hotline::media::DtlsFingerprint;
using Bytes = std::vector<std::uint8_t>;

inline Bytes make_rtp(std::uint8_t type, std::uint16_t seq, std::uint32_t ts, std::uint32_t ssrc,
                      std::size_t payload = 160, std::uint8_t fill = 0x55) {
  Bytes p(12 + payload, fill);
  p[0] = 0x80;
  p[1] = type;
  p[2] = static_cast<std::uint8_t>(seq >> 8);
  p[3] = static_cast<std::uint8_t>(seq);
  for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<std::uint8_t>(ts >> (24 - 8 * i));
  for (int i = 0; i < 4; ++i) p[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
  return p;
}

// A receiver report with no blocks, as RTCP's smallest valid compound.
inline Bytes make_rtcp_rr(std::uint32_t ssrc) {
  return {0x80, 201, 0x00, 0x01, static_cast<std::uint8_t>(ssrc >> 24), static_cast<std::uint8_t>(ssrc >> 16),
          static_cast<std::uint8_t>(ssrc >> 8), static_cast<std::uint8_t>(ssrc)};
}

// The browser's connectivity check: USERNAME "our_ufrag:browser_ufrag",
// signed with our password, controlling, optionally nominating.
inline Bytes binding_request(const std::string& username, const std::string& password, bool use_candidate,
                             std::uint8_t id_seed = 1) {
  using namespace hotline::media::webrtc;
  TransactionId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(id_seed * 31 + i);
  std::array<std::uint8_t, 512> buffer{};
  StunBuilder b(buffer, kStunBinding, StunClass::request, id);
  b.add_string(stun_attribute::username, username);
  b.add_u32(stun_attribute::priority, 0x6e7f1eff);
  b.add_u64(stun_attribute::ice_controlling, 0x1122334455667788ull);
  if (use_candidate) b.add_flag(stun_attribute::use_candidate);
  b.add_message_integrity(as_bytes(password));
  b.add_fingerprint();
  const auto bytes = b.finish();
  return Bytes(bytes.begin(), bytes.end());
}

class DtlsPeer {
 public:
  enum class Role { client, server };

  explicit DtlsPeer(Role role, DtlsFingerprint expected,
                    const char* profiles = "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32")
      : role_(role), expected_(std::move(expected)), identity_(hotline::media::webrtc::DtlsIdentity::generate()) {
    srtp_init();  // a second call fails harmlessly (see srtp_session.cpp)
    ctx_.reset(SSL_CTX_new(DTLS_method()));
    SSL_CTX_use_certificate(ctx_.get(), identity_->certificate());
    SSL_CTX_use_PrivateKey(ctx_.get(), identity_->key());
    if (profiles) SSL_CTX_set_tlsext_use_srtp(ctx_.get(), profiles);
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, &DtlsPeer::verify);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_app_data(ssl_.get(), this);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(in, -1);
    BIO_set_mem_eof_return(out, -1);
    SSL_set_bio(ssl_.get(), in, out);
    if (role_ == Role::client) {
      SSL_set_connect_state(ssl_.get());
    } else {
      SSL_set_accept_state(ssl_.get());
    }
  }
  ~DtlsPeer() {
    if (outbound_) srtp_dealloc(outbound_);
    if (inbound_) srtp_dealloc(inbound_);
  }
  DtlsPeer(const DtlsPeer&) = delete;
  DtlsPeer& operator=(const DtlsPeer&) = delete;

  DtlsFingerprint fingerprint() const { return identity_->fingerprint(); }
  bool connected() const { return connected_; }
  bool failed() const { return failed_; }
  bool closed_by_peer() const { return closed_by_peer_; }
  std::string profile_name() const {
    const auto* p = SSL_get_selected_srtp_profile(ssl_.get());
    return p ? p->name : "";
  }
  // Client key | server key | client salt | server salt, as exported.
  const std::array<std::uint8_t, 60>& material() const { return material_; }

  void start() { step(); }
  void receive(std::span<const std::uint8_t> datagram) {
    BIO_write(SSL_get_rbio(ssl_.get()), datagram.data(), static_cast<int>(datagram.size()));
    step();
  }
  // Everything OpenSSL wrote since the last call, as one datagram (a
  // memory BIO glues records; DTLS records delimit themselves).
  Bytes take_output() {
    BIO* out = SSL_get_wbio(ssl_.get());
    Bytes bytes(static_cast<std::size_t>(BIO_ctrl_pending(out)));
    if (!bytes.empty()) BIO_read(out, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }
  void close() { SSL_shutdown(ssl_.get()); }

  Bytes protect_rtp(Bytes plain) {
    int length = static_cast<int>(plain.size());
    plain.resize(plain.size() + SRTP_MAX_TRAILER_LEN + 4);
    if (srtp_protect(outbound_, plain.data(), &length) != srtp_err_status_ok) return {};
    plain.resize(static_cast<std::size_t>(length));
    return plain;
  }
  Bytes protect_rtcp(Bytes plain) {
    int length = static_cast<int>(plain.size());
    plain.resize(plain.size() + SRTP_MAX_TRAILER_LEN + 4);
    if (srtp_protect_rtcp(outbound_, plain.data(), &length) != srtp_err_status_ok) return {};
    plain.resize(static_cast<std::size_t>(length));
    return plain;
  }
  std::optional<Bytes> unprotect_rtp(Bytes packet) {
    int length = static_cast<int>(packet.size());
    if (srtp_unprotect(inbound_, packet.data(), &length) != srtp_err_status_ok) return std::nullopt;
    packet.resize(static_cast<std::size_t>(length));
    return packet;
  }
  std::optional<Bytes> unprotect_rtcp(Bytes packet) {
    int length = static_cast<int>(packet.size());
    if (srtp_unprotect_rtcp(inbound_, packet.data(), &length) != srtp_err_status_ok) return std::nullopt;
    packet.resize(static_cast<std::size_t>(length));
    return packet;
  }

 private:
  struct Free {
    void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
    void operator()(SSL* p) const { SSL_free(p); }
  };

  static int verify(int, X509_STORE_CTX* store) {
    auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
    auto* self = static_cast<DtlsPeer*>(SSL_get_app_data(ssl));
    if (X509_STORE_CTX_get_error_depth(store) > 0) return 1;
    X509* certificate = X509_STORE_CTX_get_current_cert(store);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned length = 0;
    X509_digest(certificate, EVP_sha256(), digest, &length);
    std::string hex;
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (unsigned i = 0; i < length; ++i) {
      if (i) hex += ':';
      hex += kHex[digest[i] >> 4];
      hex += kHex[digest[i] & 15];
    }
    return hex == self->expected_.value ? 1 : 0;
  }

  void step() {
    if (failed_) return;
    if (!connected_) {
      ERR_clear_error();
      const int r = SSL_do_handshake(ssl_.get());
      if (r == 1) {
        connected_ = true;
        make_srtp();
      } else {
        const int e = SSL_get_error(ssl_.get(), r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) failed_ = true;
        ERR_clear_error();
        return;
      }
    }
    std::array<std::uint8_t, 2048> sink;
    for (;;) {
      const int n = SSL_read(ssl_.get(), sink.data(), static_cast<int>(sink.size()));
      if (n > 0) continue;
      if (SSL_get_error(ssl_.get(), n) == SSL_ERROR_ZERO_RETURN) closed_by_peer_ = true;
      ERR_clear_error();
      break;
    }
  }

  void make_srtp() {
    const char label[] = "EXTRACTOR-dtls_srtp";
    if (SSL_export_keying_material(ssl_.get(), material_.data(), material_.size(), label, sizeof label - 1, nullptr,
                                   0, 0) != 1) {
      failed_ = true;
      return;
    }
    const auto* profile = SSL_get_selected_srtp_profile(ssl_.get());
    if (!profile) {
      failed_ = true;
      return;
    }
    const bool client = role_ == Role::client;
    auto key = [&](bool of_client) {
      std::array<std::uint8_t, 30> k{};
      std::copy_n(material_.begin() + (of_client ? 0 : 16), 16, k.begin());
      std::copy_n(material_.begin() + (of_client ? 32 : 46), 14, k.begin() + 16);
      return k;
    };
    auto create = [&](std::array<std::uint8_t, 30> k, bool outbound) {
      srtp_policy_t policy{};
      if (profile->id == SRTP_AES128_CM_SHA1_32) {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
      } else {
        srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      }
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
      policy.key = k.data();
      policy.window_size = 128;
      srtp_t session = nullptr;
      srtp_create(&session, &policy);
      return session;
    };
    outbound_ = create(key(client), true);
    inbound_ = create(key(!client), false);
  }

  Role role_;
  DtlsFingerprint expected_;
  std::shared_ptr<const hotline::media::webrtc::DtlsIdentity> identity_;
  std::unique_ptr<SSL_CTX, Free> ctx_;
  std::unique_ptr<SSL, Free> ssl_;
  bool connected_ = false;
  bool failed_ = false;
  bool closed_by_peer_ = false;
  std::array<std::uint8_t, 60> material_{};
  srtp_t outbound_ = nullptr;
  srtp_t inbound_ = nullptr;
};

}  // namespace webrtc_test
