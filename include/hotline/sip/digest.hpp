#pragma once
// HTTP digest authentication for SIP (RFC 3261 §22, RFC 2617 qop=auth,
// RFC 8760 SHA-256). Nonces are stateless: a timestamp and an HMAC over it
// with a per-process secret, so a flood of REGISTERs costs no memory.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::sip {

enum class DigestAlgorithm { md5, sha256 };
std::string_view to_string(DigestAlgorithm a);  // "MD5", "SHA-256"

// Hex digest of text.
std::string digest_hex(DigestAlgorithm a, std::string_view text);
// H(username:realm:password)
std::string ha1(DigestAlgorithm a, std::string_view username, std::string_view realm, std::string_view password);

// The fields of an Authorization header value ("Digest k=v, k="v" ...").
std::optional<std::map<std::string, std::string>> parse_digest_credentials(std::string_view header_value);

class NonceFactory {
 public:
  explicit NonceFactory(std::string secret);  // 32 random bytes in practice
  std::string make(std::int64_t now_ms) const;
  // The nonce was made by us; its age in ms, or nullopt when forged.
  std::optional<std::int64_t> age(std::string_view nonce, std::int64_t now_ms) const;

 private:
  std::string secret_;
};

// The expected response for qop=auth (or none when qop is empty).
std::string expected_response(DigestAlgorithm a, std::string_view ha1_hex, std::string_view method,
                              std::string_view uri, std::string_view nonce, std::string_view nc,
                              std::string_view cnonce, std::string_view qop);

}  // namespace hotline::sip
