#pragma once
// One DTLS-SRTP association over memory: datagrams go in with receive(),
// the datagrams OpenSSL wants sent come out of take_outgoing() (one entry
// per datagram: the write BIO keeps OpenSSL's record boundaries), and no
// socket is ever seen by OpenSSL. Handshake retransmissions are the
// caller's to drive: timeout() says when, handle_timeout() does it (the
// media thread's timer, see transport.hpp).
//
// The peer's certificate must have the fingerprint of its SDP, checked
// inside the handshake, so a mismatch fails it (and the peer gets an
// alert). When done, keys() holds the SRTP master keys and salts exported
// per RFC 5764 4.2, ours (what we send with) and the peer's.
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dtls_context.hpp"
#include "hotline/media/webrtc.hpp"

namespace hotline::media::webrtc {

enum class SrtpProfile { aes128_cm_sha1_80, aes128_cm_sha1_32 };

struct SrtpKeys {
  static constexpr std::size_t kKeySize = 16;
  static constexpr std::size_t kSaltSize = 14;
  SrtpProfile profile = SrtpProfile::aes128_cm_sha1_80;
  std::array<std::uint8_t, kKeySize + kSaltSize> local{};   // master key then salt, for what we send
  std::array<std::uint8_t, kKeySize + kSaltSize> remote{};  // for what the peer sends
};

class DtlsSession {
 public:
  enum class Role { client, server };
  enum class State { handshaking, connected, failed, closed };

  DtlsSession(const DtlsContext& context, Role role, DtlsFingerprint expected_peer);
  ~DtlsSession();
  DtlsSession(const DtlsSession&) = delete;
  DtlsSession& operator=(const DtlsSession&) = delete;

  Role role() const { return role_; }
  State state() const { return state_; }
  const std::string& failure() const { return failure_; }
  const std::optional<SrtpKeys>& keys() const { return keys_; }

  // The client sends its first flight; the server waits for it.
  void start();
  // One datagram from the peer (records of the handshake, alerts, or
  // application data, which WebRTC without data channels never sends).
  void receive(std::span<const std::uint8_t> datagram);
  // How long until a handshake retransmission is due; nullopt when none.
  std::optional<std::chrono::microseconds> timeout();
  void handle_timeout();
  // Sends close_notify (once) when connected.
  void close();
  // The datagrams to send, in order; taken once.
  std::vector<std::vector<std::uint8_t>> take_outgoing();

  // For the BIO and the verify callback (dtls_session.cpp); not for callers.
  void queue_datagram(std::span<const std::uint8_t> datagram);
  bool accept_peer_certificate(X509* certificate);

 private:
  void advance();
  void finish_handshake();
  void fail(std::string reason);

  Role role_;
  DtlsFingerprint expected_peer_;
  OpenSslPtr<SSL> ssl_;
  State state_ = State::handshaking;
  bool started_ = false;
  bool fingerprint_mismatch_ = false;
  std::string failure_;
  std::optional<SrtpKeys> keys_;
  std::vector<std::vector<std::uint8_t>> outgoing_;
};

}  // namespace hotline::media::webrtc
