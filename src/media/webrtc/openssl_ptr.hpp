#pragma once
// Owning pointers for the OpenSSL objects src/media/webrtc holds.
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

namespace hotline::media::webrtc {

struct OpenSslFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(SSL* p) const { SSL_free(p); }
};
template <class T>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree>;

// The oldest error on this thread's OpenSSL queue as text (and the queue
// cleared), for failure reasons and exceptions.
std::string take_openssl_error(const char* fallback);

}  // namespace hotline::media::webrtc
