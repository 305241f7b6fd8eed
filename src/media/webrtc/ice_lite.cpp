#include "ice_lite.hpp"

#include <openssl/rand.h>

#include "hotline/core/error.hpp"

namespace hotline::media::webrtc {
namespace {

std::string random_ice_chars(std::size_t count) {
  // ice-char = ALPHA / DIGIT / "+" / "/" (RFC 8839 5.4): 64 symbols, so one byte's low 6 bits pick one.
  static constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::array<unsigned char, 64> random{};
  if (count > random.size() || RAND_bytes(random.data(), static_cast<int>(count)) != 1) {
    throw Error(Errc::internal, "RAND_bytes failed for ICE credentials");
  }
  std::string out(count, 'A');
  for (std::size_t i = 0; i < count; ++i) out[i] = kAlphabet[random[i] & 0x3F];
  return out;
}

}  // namespace

IceCredentials random_ice_credentials() { return {random_ice_chars(8), random_ice_chars(24)}; }

IceLiteResponder::IceLiteResponder(IceCredentials local) : local_(std::move(local)) {}

bool IceLiteResponder::username_matches(std::string_view username) const {
  const auto colon = username.find(':');
  if (colon == std::string_view::npos || username.substr(0, colon) != local_.ufrag) return false;
  const auto theirs = username.substr(colon + 1);
  if (theirs.empty()) return false;
  return remote_ufrag_.empty() || theirs == remote_ufrag_;
}

std::span<const std::uint8_t> IceLiteResponder::error(const StunMessage& request, int code, std::string_view reason,
                                                      bool sign, std::span<const std::uint16_t> unknown) {
  StunBuilder b(out_, request.method(), StunClass::error, request.transaction_id());
  b.add_error_code(code, reason);
  if (!unknown.empty()) b.add_unknown_attributes(unknown);
  if (sign) b.add_message_integrity(as_bytes(local_.pwd));
  b.add_fingerprint();
  return b.finish();
}

IceLiteResponder::Outcome IceLiteResponder::handle(const StunMessage& m, const Endpoint& from) {
  Outcome outcome;
  // Indications and responses: we send no requests, so nothing to match.
  if (m.klass() != StunClass::request) return outcome;
  if (m.method() != kStunBinding) {
    outcome.response = error(m, 400, "Bad Request", false);
    return outcome;
  }
  // ICE checks carry FINGERPRINT, USERNAME, MESSAGE-INTEGRITY and PRIORITY (RFC 8445 7.1.1, 7.2.2).
  const auto username = m.username();
  if (!m.has_fingerprint() || !username || !m.has(stun_attribute::message_integrity)) {
    outcome.response = error(m, 400, "Bad Request", false);
    return outcome;
  }
  if (!username_matches(*username) || !m.check_integrity(as_bytes(local_.pwd))) {
    outcome.response = error(m, 401, "Unauthorized", false);
    return outcome;
  }
  const auto unknown = m.unknown_required();
  if (unknown.count > 0) {
    outcome.response = error(m, 420, "Unknown Attribute", true, std::span(unknown.types.data(), unknown.count));
    return outcome;
  }
  if (!m.priority()) {
    outcome.response = error(m, 400, "Bad Request", true);
    return outcome;
  }
  if (m.has(stun_attribute::ice_controlled) && !m.has(stun_attribute::ice_controlling)) {
    // Both sides controlled: a lite agent cannot take the controlling role (RFC 8445 6.1.1).
    outcome.response = error(m, 487, "Role Conflict", true);
    return outcome;
  }
  StunBuilder b(out_, kStunBinding, StunClass::success, m.transaction_id());
  b.add_xor_mapped_address(from);
  b.add_message_integrity(as_bytes(local_.pwd));
  b.add_fingerprint();
  outcome.response = b.finish();
  outcome.authenticated = !outcome.response.empty();
  outcome.use_candidate = outcome.authenticated && m.has(stun_attribute::use_candidate);
  return outcome;
}

}  // namespace hotline::media::webrtc
