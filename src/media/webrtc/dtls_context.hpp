#pragma once
// The engine's one SSL_CTX for DTLS-SRTP, shared by every browser leg on
// every media thread (SSL_new on a shared context is thread-safe): DTLS 1.2,
// our certificate, use_srtp with SRTP_AES128_CM_SHA1_80 and _32 (RFC 5764),
// a client certificate required (RFC 5763 5), and a verify callback that
// accepts the self-signed certificate only when its fingerprint is the one
// the peer's SDP announced (the session's, see dtls_session.hpp).
#include <memory>

#include "dtls_identity.hpp"
#include "openssl_ptr.hpp"

namespace hotline::media::webrtc {

class DtlsContext {
 public:
  explicit DtlsContext(std::shared_ptr<const DtlsIdentity> identity);

  SSL_CTX* native() const { return context_.get(); }
  const DtlsIdentity& identity() const { return *identity_; }

 private:
  std::shared_ptr<const DtlsIdentity> identity_;
  OpenSslPtr<SSL_CTX> context_;
};

}  // namespace hotline::media::webrtc
