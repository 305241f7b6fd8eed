#include "dtls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "hotline/core/error.hpp"

namespace hotline::media::webrtc {

DtlsContext::DtlsContext(std::shared_ptr<const DtlsIdentity> identity)
    : identity_(std::move(identity)), context_(SSL_CTX_new(DTLS_method())) {
  SSL_CTX* ctx = context_.get();
  auto fail = [](const char* what) {
    throw Error(Errc::internal, std::string("DTLS context: ") + what + ": " + take_openssl_error("?"));
  };
  if (!ctx) fail("SSL_CTX_new");
  if (SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1) fail("DTLS 1.2");
  if (SSL_CTX_use_certificate(ctx, identity_->certificate()) != 1) fail("certificate");
  if (SSL_CTX_use_PrivateKey(ctx, identity_->key()) != 1) fail("private key");
  if (SSL_CTX_check_private_key(ctx) != 1) fail("key and certificate differ");
  // use_srtp (RFC 5764 4.1.1); returns 0 on success, unlike most of OpenSSL.
  if (SSL_CTX_set_tlsext_use_srtp(ctx, "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32") != 0) fail("use_srtp");
  // No resumption between calls, no renegotiation; MTU from us (the write BIO knows none).
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_QUERY_MTU);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_read_ahead(ctx, 1);
}

}  // namespace hotline::media::webrtc
