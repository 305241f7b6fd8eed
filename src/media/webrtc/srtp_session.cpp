#include "srtp_session.hpp"

#include <srtp2/srtp.h>

#include <mutex>
#include <string>

#include "../bytes.hpp"
#include "srtp_openssl.hpp"
#include "hotline/core/error.hpp"

namespace hotline::media::webrtc {
namespace {

static_assert(SrtpSession::kMaxTrailer == SRTP_MAX_TRAILER_LEN + 4);

constexpr std::size_t kRtcpTagSize = 10;  // SRTCP is HMAC-SHA1-80 with either profile (RFC 5764 4.1.2)
constexpr std::size_t kSrtcpIndexSize = 4;

}  // namespace

void initialise_srtp() {
  // libsrtp's crypto kernel is process-wide: set up once, only read after.
  // srtp_init is not idempotent: when another part of the process called it
  // first, it fails re-registering its debug module although the kernel is
  // ready, so its result is not the verdict; installing our crypto is
  // (it needs a working kernel, and throws otherwise). An exception leaves
  // the flag unset: the next call tries again.
  static std::once_flag once;
  std::call_once(once, [] {
    (void)srtp_init();
    install_openssl_srtp_crypto();
  });
}

namespace {

srtp_t create(const SrtpKeys& keys, bool outbound) {
  srtp_policy_t policy{};
  if (keys.profile == SrtpProfile::aes128_cm_sha1_32) {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
  }
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  policy.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
  // libsrtp reads the key through a non-const pointer but does not change it.
  auto key = outbound ? keys.local : keys.remote;
  policy.key = key.data();
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;  // a resent packet (same sequence) must not fail the call
  policy.next = nullptr;
  srtp_t session = nullptr;
  const auto status = srtp_create(&session, &policy);
  std::fill(key.begin(), key.end(), std::uint8_t{0});
  if (status != srtp_err_status_ok) {
    throw Error(Errc::internal, "srtp_create failed: status " + std::to_string(static_cast<int>(status)));
  }
  return session;
}

// What libsrtp must be able to read without going past the end: the fixed
// header, the CSRCs and the extension header's words.
bool plausible_srtp(std::span<const std::uint8_t> p, std::size_t tag) {
  if (p.size() < 12 + tag || (p[0] >> 6) != 2) return false;
  std::size_t header = 12 + 4 * std::size_t{p[0] & 0x0Fu};
  if (p[0] & 0x10) {
    if (p.size() < header + 4) return false;
    header += 4 + 4 * std::size_t{load16(p.data() + header + 2)};
  }
  return header + tag <= p.size();
}

}  // namespace

SrtpSession::SrtpSession(const SrtpKeys& keys)
    : rtp_tag_size_(keys.profile == SrtpProfile::aes128_cm_sha1_32 ? 4 : 10) {
  initialise_srtp();
  outbound_ = create(keys, true);
  try {
    inbound_ = create(keys, false);
  } catch (...) {
    srtp_dealloc(outbound_);
    throw;
  }
}

SrtpSession::~SrtpSession() {
  srtp_dealloc(outbound_);
  srtp_dealloc(inbound_);
}

std::optional<std::size_t> SrtpSession::protect_rtp(std::span<std::uint8_t> buffer, std::size_t size) {
  if (size < 12 || size > buffer.size() || buffer.size() - size < kMaxTrailer) return std::nullopt;
  int length = static_cast<int>(size);
  if (srtp_protect(outbound_, buffer.data(), &length) != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(length);
}

std::optional<std::size_t> SrtpSession::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size) {
  if (size < 8 || size > buffer.size() || buffer.size() - size < kMaxTrailer) return std::nullopt;
  int length = static_cast<int>(size);
  if (srtp_protect_rtcp(outbound_, buffer.data(), &length) != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(length);
}

std::optional<std::size_t> SrtpSession::unprotect_rtp(std::span<std::uint8_t> packet) {
  if (!plausible_srtp(packet, rtp_tag_size_) || packet.size() > 0xFFFF) return std::nullopt;
  int length = static_cast<int>(packet.size());
  if (srtp_unprotect(inbound_, packet.data(), &length) != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(length);
}

std::optional<std::size_t> SrtpSession::unprotect_rtcp(std::span<std::uint8_t> packet) {
  if (packet.size() < 8 + kSrtcpIndexSize + kRtcpTagSize || (packet[0] >> 6) != 2 || packet.size() > 0xFFFF) {
    return std::nullopt;
  }
  int length = static_cast<int>(packet.size());
  if (srtp_unprotect_rtcp(inbound_, packet.data(), &length) != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(length);
}

}  // namespace hotline::media::webrtc
