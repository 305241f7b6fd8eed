#include "hotline/sip/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

namespace hotline::sip {
namespace {

std::string hex(const unsigned char* data, unsigned size) {
  std::string out(size * 2, '\0');
  static constexpr char digits[] = "0123456789abcdef";
  for (unsigned i = 0; i < size; ++i) {
    out[2 * i] = digits[data[i] >> 4];
    out[2 * i + 1] = digits[data[i] & 15];
  }
  return out;
}

std::string hmac_hex(const std::string& key, std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
       text.size(), out, &size);
  return hex(out, 16);  // 128 bits are plenty to stop forgery
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

std::string_view to_string(DigestAlgorithm a) { return a == DigestAlgorithm::md5 ? "MD5" : "SHA-256"; }

std::string digest_hex(DigestAlgorithm a, std::string_view text) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  EVP_Digest(text.data(), text.size(), out, &size, a == DigestAlgorithm::md5 ? EVP_md5() : EVP_sha256(), nullptr);
  return hex(out, size);
}

std::string ha1(DigestAlgorithm a, std::string_view username, std::string_view realm, std::string_view password) {
  return digest_hex(a, std::string(username) + ":" + std::string(realm) + ":" + std::string(password));
}

std::optional<std::map<std::string, std::string>> parse_digest_credentials(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  if (v.size() < 7) return std::nullopt;
  std::string scheme(v.substr(0, 6));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "digest" || (v[6] != ' ' && v[6] != '\t')) return std::nullopt;
  v.remove_prefix(7);
  std::map<std::string, std::string> fields;
  while (!v.empty()) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == ',')) v.remove_prefix(1);
    if (v.empty()) break;
    auto eq = v.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    std::string key(v.substr(0, eq));
    while (!key.empty() && key.back() == ' ') key.pop_back();
    for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    v.remove_prefix(eq + 1);
    while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
    std::string value;
    if (!v.empty() && v.front() == '"') {
      v.remove_prefix(1);
      auto close = v.find('"');
      if (close == std::string_view::npos) return std::nullopt;
      value = v.substr(0, close);
      v.remove_prefix(close + 1);
    } else {
      auto comma = v.find(',');
      value = v.substr(0, comma);
      while (!value.empty() && value.back() == ' ') value.pop_back();
      v = comma == std::string_view::npos ? std::string_view() : v.substr(comma);
    }
    if (fields.count(key)) return std::nullopt;  // a repeated field is an attack on some parser
    fields[key] = value;
  }
  return fields;
}

NonceFactory::NonceFactory(std::string secret) : secret_(std::move(secret)) {}

std::string NonceFactory::make(std::int64_t now_ms) const {
  std::string stamp = std::to_string(now_ms);
  return stamp + "." + hmac_hex(secret_, stamp);
}

std::optional<std::int64_t> NonceFactory::age(std::string_view nonce, std::int64_t now_ms) const {
  auto dot = nonce.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot > 19) return std::nullopt;
  std::string stamp(nonce.substr(0, dot));
  if (stamp.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  if (!constant_time_equal(nonce.substr(dot + 1), hmac_hex(secret_, stamp))) return std::nullopt;
  auto made = std::stoll(stamp);
  if (made > now_ms) return std::nullopt;
  return now_ms - made;
}

std::string expected_response(DigestAlgorithm a, std::string_view ha1_hex, std::string_view method,
                              std::string_view uri, std::string_view nonce, std::string_view nc,
                              std::string_view cnonce, std::string_view qop) {
  std::string ha2 = digest_hex(a, std::string(method) + ":" + std::string(uri));
  std::string text = std::string(ha1_hex) + ":" + std::string(nonce) + ":";
  if (!qop.empty()) text += std::string(nc) + ":" + std::string(cnonce) + ":" + std::string(qop) + ":";
  return digest_hex(a, text + ha2);
}

}  // namespace hotline::sip
