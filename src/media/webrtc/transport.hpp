#pragma once
// The transport of one browser leg, without sockets or timers of its own so
// that tests and fuzzers drive it directly (the leg gives it datagrams, the
// time and a timer; see leg.cpp). What arrives is told apart by its first
// byte (RFC 7983): STUN goes to the ICE-lite responder, DTLS to the
// handshake, SRTP and SRTCP (rtcp-mux, RFC 5761) are unprotected in place
// and handed back to the leg's plain RTP path. What the leg sends is
// protected here. Until DTLS is up, media is dropped both ways.
//
// Paths: the source of a valid check becomes the selected path when it is
// the first, or when the check carries USE-CANDIDATE (the browser's
// nomination); DTLS is accepted from any source that passed a check, SRTP
// only from the selected one. Consent (RFC 7675): no valid check for
// consent_timeout (counted from set_remote or the last check) ends the leg.
#include <array>
#include <boost/asio/ip/udp.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "dtls_context.hpp"
#include "dtls_session.hpp"
#include "hotline/media/webrtc.hpp"
#include "ice_lite.hpp"
#include "srtp_session.hpp"

namespace hotline::media::webrtc {

// RFC 7983 9: 0-3 STUN, 20-63 DTLS, 128-191 RTP or RTCP (RTCP when the
// second byte is a payload type of 192-223, RFC 5761 4).
enum class PacketKind { stun, dtls, rtp, rtcp, other };
inline PacketKind classify(std::span<const std::uint8_t> p) {
  if (p.empty()) return PacketKind::other;
  const std::uint8_t b = p[0];
  if (b <= 3) return PacketKind::stun;
  if (b >= 20 && b <= 63) return PacketKind::dtls;
  if (b >= 128 && b <= 191) return p.size() >= 2 && p[1] >= 192 && p[1] <= 223 ? PacketKind::rtcp : PacketKind::rtp;
  return PacketKind::other;
}

class Transport {
 public:
  using Endpoint = boost::asio::ip::udp::endpoint;
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;

  // The leg's side, called from inside receive, set_remote, on_timer and close.
  class Events {
   public:
    virtual void send_datagram(std::span<const std::uint8_t> datagram, const Endpoint& to) = 0;
    virtual void path_selected(const Endpoint& peer) = 0;  // media goes there, and comes only from there
    virtual void state_changed(const WebRtcState& state) = 0;

   protected:
    ~Events() = default;
  };

  struct Options {
    std::chrono::milliseconds consent_timeout{30'000};
    std::chrono::milliseconds handshake_timeout{30'000};  // from the path's selection to DTLS up
  };

  Transport(std::shared_ptr<const DtlsContext> dtls, IceCredentials local, Events& events, Options options);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  const IceCredentials& local() const { return ice_.local(); }
  const WebRtcState& state() const { return state_; }
  bool media_ready() const { return srtp_ && !state_.failed; }

  enum class Verdict { consumed, dropped, rtp, rtcp };
  struct Received {
    Verdict verdict = Verdict::dropped;
    std::size_t size = 0;  // rtp, rtcp: the plain packet's size, at the start of the datagram
  };
  // The datagram is decrypted in place when it is SRTP or SRTCP.
  Received receive(std::span<std::uint8_t> datagram, const Endpoint& from, TimePoint now);

  // The browser's credentials, fingerprint and role. The first call sets up
  // DTLS; later ones (re-offers) only update the ufrag checks must carry:
  // a new fingerprint or DTLS role mid-call is not supported.
  void set_remote(const WebRtcRemote& remote, TimePoint now);

  // Copies the plain packet into this transport's buffer and protects it
  // there; the result is valid until the next protect. nullopt until DTLS is
  // up, after a failure, or when the packet is too big.
  std::optional<std::span<const std::uint8_t>> protect_rtp(std::span<const std::uint8_t> packet);
  std::optional<std::span<const std::uint8_t>> protect_rtcp(std::span<const std::uint8_t> packet);

  // When on_timer wants to run next (DTLS retransmission, consent, handshake
  // deadline); TimePoint::max() when nothing is pending.
  TimePoint deadline() const;
  void on_timer(TimePoint now);
  // Sends close_notify to the peer when DTLS is up. The transport is done after.
  void close();

 private:
  void on_valid_check(const Endpoint& from, bool nominated, TimePoint now);
  void after_dtls(TimePoint now);
  void fail(std::string reason);
  void notify() { events_.state_changed(state_); }
  bool checked(const Endpoint& from) const;
  std::optional<std::span<const std::uint8_t>> protect(std::span<const std::uint8_t> packet, bool rtcp);

  static constexpr std::size_t kMaxCheckedPaths = 8;
  static constexpr std::size_t kMaxEarlyDatagrams = 8;

  std::shared_ptr<const DtlsContext> dtls_context_;
  Events& events_;
  Options options_;
  IceLiteResponder ice_;
  bool remote_known_ = false;
  std::optional<Endpoint> selected_;
  std::vector<Endpoint> checked_paths_;
  std::unique_ptr<DtlsSession> dtls_;
  std::vector<std::vector<std::uint8_t>> early_dtls_;  // before the remote's role and fingerprint are known
  std::unique_ptr<SrtpSession> srtp_;
  TimePoint consent_deadline_ = TimePoint::max();
  TimePoint handshake_deadline_ = TimePoint::max();
  TimePoint dtls_timer_ = TimePoint::max();
  WebRtcState state_;
  bool closed_ = false;
  std::array<std::uint8_t, 2048 + SrtpSession::kMaxTrailer> out_{};
};

}  // namespace hotline::media::webrtc
