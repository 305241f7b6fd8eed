#pragma once
// The engine's DTLS certificate: ECDSA P-256, self-signed (WebRTC trusts a
// certificate by the fingerprint in the SDP, not by a CA). Made at the
// first start and kept in the data dir, so the fingerprint stays the same
// across restarts: dtls-key.pem and dtls-cert.pem, both mode 0600.
#include <openssl/ossl_typ.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>

#include "hotline/media/webrtc.hpp"
#include "openssl_ptr.hpp"

namespace hotline::media::webrtc {

class DtlsIdentity {
 public:
  // A new key and certificate, in memory only.
  static std::shared_ptr<const DtlsIdentity> generate();
  // dir/dtls-key.pem and dir/dtls-cert.pem: loaded when both exist (the key
  // must not be readable by group or others, and must match the
  // certificate), else a new pair is made and written (0600, through
  // temporary files renamed into place). Throws hotline::Error.
  static std::shared_ptr<const DtlsIdentity> load_or_create(const std::filesystem::path& dir);

  DtlsIdentity(OpenSslPtr<EVP_PKEY> key, OpenSslPtr<X509> certificate);

  EVP_PKEY* key() const { return key_.get(); }
  X509* certificate() const { return certificate_.get(); }
  const DtlsFingerprint& fingerprint() const { return fingerprint_; }  // sha-256

 private:
  OpenSslPtr<EVP_PKEY> key_;
  OpenSslPtr<X509> certificate_;
  DtlsFingerprint fingerprint_;
};

// The certificate's digest with the SDP hash name ("sha-1", "sha-224",
// "sha-256", "sha-384", "sha-512"); nullopt for any other name (RFC 8122
// forbids md5 and md2).
std::optional<DtlsFingerprint> certificate_fingerprint(X509* certificate, std::string_view algorithm);
// Same hash name (case-insensitive) and digest (hex case and colons as written).
bool fingerprints_match(const DtlsFingerprint& a, const DtlsFingerprint& b);

}  // namespace hotline::media::webrtc
