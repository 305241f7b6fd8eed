#include "transport.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"

namespace hotline::media::webrtc {

Transport::Transport(std::shared_ptr<const DtlsContext> dtls, IceCredentials local, Events& events, Options options)
    : dtls_context_(std::move(dtls)), events_(events), options_(options), ice_(std::move(local)) {}

Transport::~Transport() = default;

bool Transport::checked(const Endpoint& from) const {
  return std::find(checked_paths_.begin(), checked_paths_.end(), from) != checked_paths_.end();
}

Transport::Received Transport::receive(std::span<std::uint8_t> datagram, const Endpoint& from, TimePoint now) {
  if (closed_) return {};
  switch (classify(datagram)) {
    case PacketKind::stun: {
      const auto message = StunMessage::parse(datagram);
      if (!message) return {};
      const auto outcome = ice_.handle(*message, from);
      if (!outcome.response.empty()) events_.send_datagram(outcome.response, from);
      if (!outcome.authenticated) return {};
      on_valid_check(from, outcome.use_candidate, now);
      return {Verdict::consumed, 0};
    }
    case PacketKind::dtls: {
      // Only from a path the browser proved with its ICE password.
      if (!checked(from) || state_.failed) return {};
      if (!dtls_) {
        if (early_dtls_.size() >= kMaxEarlyDatagrams) return {};
        early_dtls_.emplace_back(datagram.begin(), datagram.end());
        return {Verdict::consumed, 0};
      }
      dtls_->receive(datagram);
      after_dtls(now);
      return {Verdict::consumed, 0};
    }
    case PacketKind::rtp: {
      if (!media_ready() || !selected_ || from != *selected_) return {};
      const auto size = srtp_->unprotect_rtp(datagram);
      if (!size) return {};
      return {Verdict::rtp, *size};
    }
    case PacketKind::rtcp: {
      if (!media_ready() || !selected_ || from != *selected_) return {};
      const auto size = srtp_->unprotect_rtcp(datagram);
      if (!size) return {};
      return {Verdict::rtcp, *size};
    }
    case PacketKind::other:
      break;
  }
  return {};
}

void Transport::on_valid_check(const Endpoint& from, bool nominated, TimePoint now) {
  if (!checked(from)) {
    if (checked_paths_.size() == kMaxCheckedPaths) checked_paths_.erase(checked_paths_.begin());
    checked_paths_.push_back(from);
  }
  if (state_.failed) return;  // consent once lost stays lost: the owner ends the leg
  consent_deadline_ = now + options_.consent_timeout;
  if (selected_ && (!nominated || *selected_ == from)) return;
  selected_ = from;
  const bool first = !state_.ice_connected;
  state_.ice_connected = true;
  state_.selected_address = from.address().to_string();
  state_.selected_port = from.port();
  if (first) handshake_deadline_ = now + options_.handshake_timeout;
  events_.path_selected(from);
  if (dtls_ && dtls_->role() == DtlsSession::Role::client) {
    dtls_->start();
    after_dtls(now);
  }
  notify();
}

void Transport::set_remote(const WebRtcRemote& remote, TimePoint now) {
  if (closed_) return;
  ice_.set_remote_ufrag(remote.ice_ufrag);
  if (remote_known_) return;
  remote_known_ = true;
  if (consent_deadline_ == TimePoint::max()) consent_deadline_ = now + options_.consent_timeout;
  if (remote.fingerprint.empty()) {
    fail("the browser's SDP has no a=fingerprint");
    return;
  }
  // RFC 5763 5: the browser active (or offering actpass, which we answer passive): we serve.
  const auto role = remote.setup == DtlsSetup::passive ? DtlsSession::Role::client : DtlsSession::Role::server;
  try {
    dtls_ = std::make_unique<DtlsSession>(*dtls_context_, role, remote.fingerprint);
  } catch (const Error& e) {
    fail(e.what());
    return;
  }
  if (role == DtlsSession::Role::client && selected_) dtls_->start();
  for (const auto& datagram : std::exchange(early_dtls_, {})) dtls_->receive(datagram);
  after_dtls(now);
}

void Transport::after_dtls(TimePoint now) {
  if (!dtls_) return;
  for (const auto& datagram : dtls_->take_outgoing()) {
    if (selected_) events_.send_datagram(datagram, *selected_);
  }
  const auto timeout = dtls_->timeout();
  dtls_timer_ = timeout ? now + *timeout : TimePoint::max();
  switch (dtls_->state()) {
    case DtlsSession::State::handshaking:
      break;
    case DtlsSession::State::connected:
      if (!srtp_ && !state_.failed) {
        try {
          srtp_ = std::make_unique<SrtpSession>(*dtls_->keys());
        } catch (const Error& e) {
          fail(e.what());
          return;
        }
        state_.dtls_connected = true;
        notify();
      }
      break;
    case DtlsSession::State::failed:
    case DtlsSession::State::closed:
      fail(dtls_->failure());
      break;
  }
}

void Transport::fail(std::string reason) {
  if (state_.failed) return;
  state_.failed = true;
  state_.failure = std::move(reason);
  dtls_timer_ = TimePoint::max();
  notify();
}

Transport::TimePoint Transport::deadline() const {
  if (state_.failed || closed_) return TimePoint::max();
  TimePoint next = std::min(consent_deadline_, dtls_timer_);
  if (!state_.dtls_connected) next = std::min(next, handshake_deadline_);
  return next;
}

void Transport::on_timer(TimePoint now) {
  if (closed_ || state_.failed) return;
  if (dtls_ && now >= dtls_timer_) {
    dtls_->handle_timeout();
    after_dtls(now);
  }
  if (state_.failed) return;
  if (now >= consent_deadline_) {
    state_.consent_lost = true;
    fail(state_.ice_connected ? "consent lost: no valid ICE check from the browser for " +
                                    std::to_string(options_.consent_timeout.count() / 1000) + " s"
                              : "no valid ICE check from the browser");
  } else if (!state_.dtls_connected && now >= handshake_deadline_) {
    fail("DTLS handshake did not finish in time");
  }
}

void Transport::close() {
  if (closed_) return;
  closed_ = true;
  if (dtls_ && dtls_->state() == DtlsSession::State::connected && selected_) {
    dtls_->close();
    for (const auto& datagram : dtls_->take_outgoing()) events_.send_datagram(datagram, *selected_);
  }
}

std::optional<std::span<const std::uint8_t>> Transport::protect(std::span<const std::uint8_t> packet, bool rtcp) {
  if (!media_ready() || closed_ || packet.size() > out_.size() - SrtpSession::kMaxTrailer) return std::nullopt;
  std::copy(packet.begin(), packet.end(), out_.begin());
  const auto size = rtcp ? srtp_->protect_rtcp(out_, packet.size()) : srtp_->protect_rtp(out_, packet.size());
  if (!size) return std::nullopt;
  return std::span<const std::uint8_t>(out_.data(), *size);
}

std::optional<std::span<const std::uint8_t>> Transport::protect_rtp(std::span<const std::uint8_t> packet) {
  return protect(packet, false);
}

std::optional<std::span<const std::uint8_t>> Transport::protect_rtcp(std::span<const std::uint8_t> packet) {
  return protect(packet, true);
}

}  // namespace hotline::media::webrtc
