#include "dtls_session.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <utility>

#include "hotline/core/error.hpp"

namespace hotline::media::webrtc {
namespace {

constexpr long kMtu = 1200;  // what browsers assume for DTLS over any path
constexpr std::size_t kMaxDatagram = 16 * 1024;
constexpr char kExporterLabel[] = "EXTRACTOR-dtls_srtp";  // RFC 5764 4.2

// Each BIO_write of OpenSSL's DTLS layer is one datagram: kept apart so no
// two are glued together as a memory BIO would.
int sink_write(BIO* bio, const char* data, int size) {
  auto* session = static_cast<DtlsSession*>(BIO_get_data(bio));
  if (!session || size < 0) return -1;
  session->queue_datagram({reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)});
  return size;
}

long sink_ctrl(BIO*, int command, long, void*) { return command == BIO_CTRL_FLUSH ? 1 : 0; }

int sink_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

int sink_destroy(BIO* bio) {
  if (bio) BIO_set_data(bio, nullptr);
  return 1;
}

// Made once and never changed: a read-only table of function pointers.
const BIO_METHOD* datagram_sink() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "hotline-dtls-datagrams");
    if (!m || BIO_meth_set_write(m, sink_write) != 1 || BIO_meth_set_ctrl(m, sink_ctrl) != 1 ||
        BIO_meth_set_create(m, sink_create) != 1 || BIO_meth_set_destroy(m, sink_destroy) != 1) {
      throw Error(Errc::internal, "BIO_meth_new failed");
    }
    return m;
  }();
  return method;
}

// The certificate is self-signed: what makes it good is only that its
// fingerprint is the one in the peer's SDP.
int verify_peer(int, X509_STORE_CTX* store) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* session = ssl ? static_cast<DtlsSession*>(SSL_get_app_data(ssl)) : nullptr;
  if (!session) return 0;
  if (X509_STORE_CTX_get_error_depth(store) > 0) return 1;  // the leaf decides; checked again at the end
  if (session->accept_peer_certificate(X509_STORE_CTX_get_current_cert(store))) {
    X509_STORE_CTX_set_error(store, X509_V_OK);
    return 1;
  }
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

// Retransmission: 400 ms, then doubling up to 6.4 s (OpenSSL's default starts at 1 s).
unsigned int next_timeout_us(SSL*, unsigned int previous_us) {
  if (previous_us == 0) return 400'000;
  return std::min(previous_us * 2, 6'400'000u);
}

}  // namespace

DtlsSession::DtlsSession(const DtlsContext& context, Role role, DtlsFingerprint expected_peer)
    : role_(role), expected_peer_(std::move(expected_peer)), ssl_(SSL_new(context.native())) {
  if (!ssl_) throw Error(Errc::internal, "SSL_new: " + take_openssl_error("?"));
  SSL* ssl = ssl_.get();
  SSL_set_app_data(ssl, this);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(datagram_sink());
  if (!in || !out) {
    BIO_free(in);
    BIO_free(out);
    throw Error(Errc::internal, "BIO_new: " + take_openssl_error("?"));
  }
  BIO_set_mem_eof_return(in, -1);  // empty means "wait for more", not end of stream
  BIO_set_data(out, this);
  SSL_set_bio(ssl, in, out);
  SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verify_peer);
  SSL_set_mtu(ssl, kMtu);
  DTLS_set_timer_cb(ssl, next_timeout_us);
  if (role_ == Role::client) {
    SSL_set_connect_state(ssl);
  } else {
    SSL_set_accept_state(ssl);
  }
}

DtlsSession::~DtlsSession() = default;

void DtlsSession::queue_datagram(std::span<const std::uint8_t> datagram) {
  outgoing_.emplace_back(datagram.begin(), datagram.end());
}

std::vector<std::vector<std::uint8_t>> DtlsSession::take_outgoing() { return std::exchange(outgoing_, {}); }

bool DtlsSession::accept_peer_certificate(X509* certificate) {
  const auto actual = certificate_fingerprint(certificate, expected_peer_.algorithm);
  if (actual && fingerprints_match(*actual, expected_peer_)) return true;
  fingerprint_mismatch_ = true;
  return false;
}

void DtlsSession::start() {
  if (started_) return;
  started_ = true;
  if (role_ == Role::client) advance();
}

void DtlsSession::receive(std::span<const std::uint8_t> datagram) {
  if (state_ == State::failed || state_ == State::closed) return;
  if (datagram.empty() || datagram.size() > kMaxDatagram) return;
  started_ = true;
  ERR_clear_error();
  if (BIO_write(SSL_get_rbio(ssl_.get()), datagram.data(), static_cast<int>(datagram.size())) <= 0) return;
  advance();
}

void DtlsSession::advance() {
  SSL* ssl = ssl_.get();
  if (state_ == State::handshaking) {
    ERR_clear_error();
    const int result = SSL_do_handshake(ssl);
    if (result == 1) {
      finish_handshake();
    } else {
      const int error = SSL_get_error(ssl, result);
      if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) fail(take_openssl_error("handshake failed"));
    }
  }
  if (state_ != State::connected) return;
  // After the handshake: alerts, a retransmitted Finished (OpenSSL answers
  // it), application data (none in WebRTC without data channels: dropped).
  std::array<std::uint8_t, 2048> discard;
  for (;;) {
    ERR_clear_error();
    const int n = SSL_read(ssl, discard.data(), static_cast<int>(discard.size()));
    if (n > 0) continue;
    const int error = SSL_get_error(ssl, n);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) break;
    if (error == SSL_ERROR_ZERO_RETURN) {
      state_ = State::closed;
      failure_ = "the peer closed DTLS (close_notify)";
    } else {
      fail(take_openssl_error("DTLS read failed"));
    }
    break;
  }
}

void DtlsSession::finish_handshake() {
  SSL* ssl = ssl_.get();
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (!peer || !accept_peer_certificate(peer)) {
    fail("no peer certificate");
    return;
  }
  const SRTP_PROTECTION_PROFILE* profile = SSL_get_selected_srtp_profile(ssl);
  if (!profile) {
    fail("the peer did not negotiate use_srtp");
    return;
  }
  SrtpKeys keys;
  if (profile->id == SRTP_AES128_CM_SHA1_80) {
    keys.profile = SrtpProfile::aes128_cm_sha1_80;
  } else if (profile->id == SRTP_AES128_CM_SHA1_32) {
    keys.profile = SrtpProfile::aes128_cm_sha1_32;
  } else {
    fail("unexpected SRTP profile");
    return;
  }
  // client key | server key | client salt | server salt (RFC 5764 4.2).
  constexpr std::size_t k = SrtpKeys::kKeySize;
  constexpr std::size_t s = SrtpKeys::kSaltSize;
  std::array<std::uint8_t, 2 * (k + s)> material{};
  if (SSL_export_keying_material(ssl, material.data(), material.size(), kExporterLabel, sizeof kExporterLabel - 1,
                                 nullptr, 0, 0) != 1) {
    fail(take_openssl_error("keying material export failed"));
    return;
  }
  auto fill = [&](std::array<std::uint8_t, k + s>& out, std::size_t key_at, std::size_t salt_at) {
    std::copy_n(material.begin() + static_cast<std::ptrdiff_t>(key_at), k, out.begin());
    std::copy_n(material.begin() + static_cast<std::ptrdiff_t>(salt_at), s, out.begin() + k);
  };
  const bool client = role_ == Role::client;
  fill(keys.local, client ? 0 : k, client ? 2 * k : 2 * k + s);
  fill(keys.remote, client ? k : 0, client ? 2 * k + s : 2 * k);
  OPENSSL_cleanse(material.data(), material.size());
  keys_ = keys;
  state_ = State::connected;
}

void DtlsSession::fail(std::string reason) {
  if (state_ == State::failed) return;
  state_ = State::failed;
  failure_ = fingerprint_mismatch_ ? "the peer's certificate does not match the fingerprint in its SDP"
                                   : "DTLS handshake failed: " + reason;
}

std::optional<std::chrono::microseconds> DtlsSession::timeout() {
  if (state_ != State::handshaking || !started_) return std::nullopt;
  timeval left{};
  if (DTLSv1_get_timeout(ssl_.get(), &left) != 1) return std::nullopt;
  return std::chrono::seconds(left.tv_sec) + std::chrono::microseconds(left.tv_usec);
}

void DtlsSession::handle_timeout() {
  if (state_ != State::handshaking) return;
  ERR_clear_error();
  if (DTLSv1_handle_timeout(ssl_.get()) < 0) fail("handshake timed out (" + take_openssl_error("no answer") + ")");
}

void DtlsSession::close() {
  if (state_ != State::connected) return;
  ERR_clear_error();
  SSL_shutdown(ssl_.get());
  ERR_clear_error();
  state_ = State::closed;
  failure_ = "closed";
}

}  // namespace hotline::media::webrtc
