#pragma once
// SRTP and SRTCP (RFC 3711) with libsrtp2 for one browser leg: one context
// protects what we send with our keys, one unprotects what the peer sends
// with its keys (as DTLS exported them). Packets are changed in place:
// protect needs kMaxTrailer bytes of room after the packet.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "dtls_session.hpp"

struct srtp_ctx_t_;

namespace hotline::media::webrtc {

// libsrtp's one-time set-up, with OpenSSL's AES and HMAC in its kernel (see
// srtp_openssl.hpp). Thread-safe; throws hotline::Error. SrtpSession calls
// it; the engine calls it at construction so a failure shows at start-up.
void initialise_srtp();

class SrtpSession {
 public:
  // libsrtp may write up to SRTP_MAX_TRAILER_LEN (tag and MKI) past the packet, + 4 for the SRTCP index.
  static constexpr std::size_t kMaxTrailer = 16 + 128 + 4;

  explicit SrtpSession(const SrtpKeys& keys);  // throws hotline::Error
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // buffer holds the plain packet in its first `size` bytes; returns the protected size.
  std::optional<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t size);
  std::optional<std::size_t> protect_rtcp(std::span<std::uint8_t> buffer, std::size_t size);
  // Authenticates and decrypts; returns the plain size, nullopt for a
  // forgery, a replay, or anything too short to be SRTP.
  std::optional<std::size_t> unprotect_rtp(std::span<std::uint8_t> packet);
  std::optional<std::size_t> unprotect_rtcp(std::span<std::uint8_t> packet);

 private:
  std::size_t rtp_tag_size_;
  srtp_ctx_t_* outbound_ = nullptr;
  srtp_ctx_t_* inbound_ = nullptr;
};

}  // namespace hotline::media::webrtc
