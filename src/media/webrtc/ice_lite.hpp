#pragma once
// The ICE-lite side of a browser leg (RFC 8445 2.5): we never send checks,
// we answer the browser's binding requests. A request counts when its
// USERNAME is "our_ufrag:their_ufrag" and its MESSAGE-INTEGRITY checks
// with our password; the answer is a success with XOR-MAPPED-ADDRESS,
// MESSAGE-INTEGRITY and FINGERPRINT. What does not count gets 400 (malformed),
// 401 (wrong credentials, unsigned), 420 (unknown comprehension-required
// attribute) or 487 (the browser thinks it is controlled too: a lite agent
// is always controlled), or nothing (not a request).
#include <array>
#include <boost/asio/ip/udp.hpp>
#include <cstdint>
#include <span>
#include <string>

#include "stun.hpp"

namespace hotline::media::webrtc {

struct IceCredentials {
  std::string ufrag;  // 8 ice-chars (RFC 8839: at least 4)
  std::string pwd;    // 24 ice-chars (at least 22)
};
// Fresh random credentials from OpenSSL's RAND_bytes.
IceCredentials random_ice_credentials();

class IceLiteResponder {
 public:
  using Endpoint = boost::asio::ip::udp::endpoint;

  explicit IceLiteResponder(IceCredentials local);

  const IceCredentials& local() const { return local_; }
  // The browser's ufrag: until it is known, any sender part is accepted
  // (its checks may come before its answer reaches us).
  void set_remote_ufrag(std::string ufrag) { remote_ufrag_ = std::move(ufrag); }

  struct Outcome {
    std::span<const std::uint8_t> response;  // to send to the request's source; empty: nothing
    bool authenticated = false;              // a valid check: consent, and a candidate path
    bool use_candidate = false;              // the browser nominates this path
  };
  // The response points into this responder's buffer, valid until the next call.
  Outcome handle(const StunMessage& message, const Endpoint& from);

 private:
  std::span<const std::uint8_t> error(const StunMessage& request, int code, std::string_view reason, bool sign,
                                      std::span<const std::uint16_t> unknown = {});
  bool username_matches(std::string_view username) const;

  IceCredentials local_;
  std::string remote_ufrag_;
  std::array<std::uint8_t, 256> out_{};
};

}  // namespace hotline::media::webrtc
