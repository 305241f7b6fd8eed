#include "srtp_openssl.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <srtp2/auth.h>
#include <srtp2/cipher.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include "hotline/core/error.hpp"

namespace hotline::media::webrtc {
namespace {

// ---- AES-128 in integer counter mode (RFC 3711 4.1.1) ----
//
// libsrtp's key is the 16-byte AES key then the 14-byte salt; the counter
// of a packet is (salt << 16) XOR the IV libsrtp gives, and the low 16 bits
// count blocks. That is AES-CTR with a 128-bit big-endian counter as long
// as no packet is longer than 2^16 blocks (1 MiB), which SRTP forbids.

constexpr int kIcmKeyWithSalt = 30;  // SRTP_AES_ICM_128_KEY_LEN_WSALT
constexpr int kAesKey = 16;

struct IcmState {
  EVP_CIPHER_CTX* ctx = nullptr;
  std::array<std::uint8_t, 16> offset{};  // salt, then two zero bytes
};

extern const srtp_cipher_type_t kOpenSslAesIcm128;

srtp_err_status_t icm_alloc(srtp_cipher_pointer_t* cp, int key_len, int) {
  if (key_len != kIcmKeyWithSalt) return srtp_err_status_bad_param;
  auto* cipher = static_cast<srtp_cipher_t*>(std::calloc(1, sizeof(srtp_cipher_t)));
  auto* state = new (std::nothrow) IcmState;
  EVP_CIPHER_CTX* ctx = state ? EVP_CIPHER_CTX_new() : nullptr;
  if (!cipher || !state || !ctx) {
    std::free(cipher);
    delete state;
    return srtp_err_status_alloc_fail;
  }
  state->ctx = ctx;
  cipher->type = &kOpenSslAesIcm128;
  cipher->state = state;
  cipher->key_len = key_len;
  cipher->algorithm = SRTP_AES_ICM_128;
  *cp = cipher;
  return srtp_err_status_ok;
}

srtp_err_status_t icm_dealloc(srtp_cipher_pointer_t cipher) {
  if (!cipher) return srtp_err_status_bad_param;
  auto* state = static_cast<IcmState*>(cipher->state);
  if (state) {
    EVP_CIPHER_CTX_free(state->ctx);
    OPENSSL_cleanse(state->offset.data(), state->offset.size());
    delete state;
  }
  std::free(cipher);
  return srtp_err_status_ok;
}

srtp_err_status_t icm_init(void* s, const std::uint8_t* key) {
  auto* state = static_cast<IcmState*>(s);
  state->offset.fill(0);
  std::memcpy(state->offset.data(), key + kAesKey, kIcmKeyWithSalt - kAesKey);
  if (EVP_EncryptInit_ex(state->ctx, EVP_aes_128_ctr(), nullptr, key, nullptr) != 1) {
    return srtp_err_status_init_fail;
  }
  return srtp_err_status_ok;
}

srtp_err_status_t icm_set_iv(void* s, std::uint8_t* iv, srtp_cipher_direction_t) {
  auto* state = static_cast<IcmState*>(s);
  std::array<std::uint8_t, 16> counter;
  for (std::size_t i = 0; i < counter.size(); ++i) counter[i] = state->offset[i] ^ iv[i];
  // Same key, new counter: the context keeps its key schedule.
  if (EVP_EncryptInit_ex(state->ctx, nullptr, nullptr, nullptr, counter.data()) != 1) {
    return srtp_err_status_cipher_fail;
  }
  return srtp_err_status_ok;
}

srtp_err_status_t icm_encrypt(void* s, std::uint8_t* buffer, unsigned int* length) {
  auto* state = static_cast<IcmState*>(s);
  int written = 0;
  if (*length > 0x7FFFFFFFu ||
      EVP_EncryptUpdate(state->ctx, buffer, &written, buffer, static_cast<int>(*length)) != 1 ||
      written != static_cast<int>(*length)) {
    return srtp_err_status_cipher_fail;
  }
  return srtp_err_status_ok;
}

// RFC 3711 B.2: session key, salt, and the first 32 bytes of keystream.
const std::uint8_t kIcmKey[kIcmKeyWithSalt] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7,
                                               0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c, 0xf0, 0xf1, 0xf2, 0xf3,
                                               0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd};
std::uint8_t icm_nonce[16] = {};  // libsrtp's test case type wants a non-const pointer; never written
const std::uint8_t kIcmPlaintext[32] = {};
const std::uint8_t kIcmCiphertext[32] = {0xe0, 0x3e, 0xad, 0x09, 0x35, 0xc9, 0x5e, 0x80, 0xe1, 0x66, 0xb1,
                                         0x6d, 0xd9, 0x2b, 0x4e, 0xb4, 0xd2, 0x35, 0x13, 0x16, 0x2b, 0x02,
                                         0xd0, 0xf7, 0x2a, 0x43, 0xa2, 0xfe, 0x4a, 0x5f, 0x97, 0xab};
const srtp_cipher_test_case_t kIcmTest = {kIcmKeyWithSalt, kIcmKey, icm_nonce, 32, kIcmPlaintext, 32,
                                          kIcmCiphertext, 0, nullptr, 0, nullptr};

const srtp_cipher_type_t kOpenSslAesIcm128 = {icm_alloc,  icm_dealloc, icm_init,
                                              nullptr,    icm_encrypt, icm_encrypt,
                                              icm_set_iv, nullptr,     "AES-128 ICM (OpenSSL, hotlined)",
                                              &kIcmTest,  SRTP_AES_ICM_128};

// ---- HMAC-SHA1 (RFC 3711 4.2.1) ----

constexpr int kSha1Size = 20;

struct HmacState {
  EVP_MAC_CTX* ctx = nullptr;
};

extern const srtp_auth_type_t kOpenSslHmacSha1;

// Fetched once; an EVP_MAC is reference-counted and read-only after.
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_HMAC, nullptr);
  return mac;
}

srtp_err_status_t hmac_alloc(srtp_auth_pointer_t* ap, int key_len, int out_len) {
  if (key_len < 0 || key_len > kSha1Size || out_len < 0 || out_len > kSha1Size || !hmac_algorithm()) {
    return srtp_err_status_bad_param;
  }
  auto* auth = static_cast<srtp_auth_t*>(std::calloc(1, sizeof(srtp_auth_t)));
  auto* state = new (std::nothrow) HmacState;
  EVP_MAC_CTX* ctx = state ? EVP_MAC_CTX_new(hmac_algorithm()) : nullptr;
  if (!auth || !state || !ctx) {
    std::free(auth);
    delete state;
    return srtp_err_status_alloc_fail;
  }
  state->ctx = ctx;
  auth->type = &kOpenSslHmacSha1;
  auth->state = state;
  auth->out_len = out_len;
  auth->key_len = key_len;
  auth->prefix_len = 0;
  *ap = auth;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_dealloc(srtp_auth_pointer_t auth) {
  if (!auth) return srtp_err_status_bad_param;
  auto* state = static_cast<HmacState*>(auth->state);
  if (state) {
    EVP_MAC_CTX_free(state->ctx);
    delete state;
  }
  std::free(auth);
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_init(void* s, const std::uint8_t* key, int key_len) {
  auto* state = static_cast<HmacState*>(s);
  char digest[] = "SHA1";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(state->ctx, key, static_cast<std::size_t>(key_len), params) != 1) return srtp_err_status_auth_fail;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_start(void* s) {
  // A new MAC with the key given to init (OpenSSL keeps its padded key).
  if (EVP_MAC_init(static_cast<HmacState*>(s)->ctx, nullptr, 0, nullptr) != 1) return srtp_err_status_auth_fail;
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_update(void* s, const std::uint8_t* buffer, int length) {
  if (length < 0 || EVP_MAC_update(static_cast<HmacState*>(s)->ctx, buffer, static_cast<std::size_t>(length)) != 1) {
    return srtp_err_status_auth_fail;
  }
  return srtp_err_status_ok;
}

srtp_err_status_t hmac_compute(void* s, const std::uint8_t* buffer, int length, int tag_len, std::uint8_t* tag) {
  if (tag_len < 0 || tag_len > kSha1Size) return srtp_err_status_bad_param;
  if (hmac_update(s, buffer, length) != srtp_err_status_ok) return srtp_err_status_auth_fail;
  std::array<std::uint8_t, kSha1Size> mac{};
  std::size_t written = 0;
  if (EVP_MAC_final(static_cast<HmacState*>(s)->ctx, mac.data(), &written, mac.size()) != 1 ||
      written != mac.size()) {
    return srtp_err_status_auth_fail;
  }
  std::memcpy(tag, mac.data(), static_cast<std::size_t>(tag_len));
  return srtp_err_status_ok;
}

// RFC 2202 test case 1.
const std::uint8_t kHmacKey[20] = {0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b,
                                   0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b, 0x0b};
const std::uint8_t kHmacData[8] = {'H', 'i', ' ', 'T', 'h', 'e', 'r', 'e'};
const std::uint8_t kHmacTag[20] = {0xb6, 0x17, 0x31, 0x86, 0x55, 0x05, 0x72, 0x64, 0xe2, 0x8b,
                                   0xc0, 0xb6, 0xfb, 0x37, 0x8c, 0x8e, 0xf1, 0x46, 0xbe, 0x00};
const srtp_auth_test_case_t kHmacTest = {20, kHmacKey, 8, kHmacData, 20, kHmacTag, nullptr};

const srtp_auth_type_t kOpenSslHmacSha1 = {hmac_alloc,  hmac_dealloc, hmac_init,
                                           hmac_compute, hmac_update, hmac_start,
                                           "HMAC-SHA1 (OpenSSL, hotlined)", &kHmacTest, SRTP_HMAC_SHA1};

}  // namespace

void install_openssl_srtp_crypto() {
  const auto cipher = srtp_replace_cipher_type(&kOpenSslAesIcm128, SRTP_AES_ICM_128);
  if (cipher != srtp_err_status_ok) {
    throw Error(Errc::internal, "libsrtp refused OpenSSL's AES-ICM (status " + std::to_string(cipher) + ")");
  }
  const auto auth = srtp_replace_auth_type(&kOpenSslHmacSha1, SRTP_HMAC_SHA1);
  if (auth != srtp_err_status_ok) {
    throw Error(Errc::internal, "libsrtp refused OpenSSL's HMAC-SHA1 (status " + std::to_string(auth) + ")");
  }
}

}  // namespace hotline::media::webrtc
