#include "leg.hpp"

#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include <spdlog/spdlog.h>
#include <boost/asio/ip/address.hpp>
#include <random>

#include "g711.hpp"
#include "rtcp.hpp"

namespace hotline::media {
namespace asio = boost::asio;

namespace {

constexpr std::uint8_t kPcmu = 0;
constexpr std::uint8_t kPcma = 8;

// Seeded once per thread (see session.cpp: a random_device per leg was costly).
std::uint32_t random32() {
  thread_local std::mt19937 engine{std::random_device{}()};
  return static_cast<std::uint32_t>(engine());
}

bool is_g711(int type) { return type == kPcmu || type == kPcma; }

// Payload type of the destination leg for a source packet, or nullopt when
// it cannot go there: audio between G.711 legs (µ-law and A-law are
// transcoded on the way, see send_media), telephone-event only where both
// sides negotiated it.
std::optional<std::uint8_t> map_payload_type(const LegCodec& from, const LegCodec& to, std::uint8_t type) {
  if (type == from.payload_type) {
    if (!is_g711(type) || !is_g711(to.payload_type)) return std::nullopt;
    return static_cast<std::uint8_t>(to.payload_type);
  }
  if (from.telephone_event_type >= 0 && type == from.telephone_event_type && to.telephone_event_type >= 0) {
    return static_cast<std::uint8_t>(to.telephone_event_type);
  }
  return std::nullopt;
}

// Arrival time on the 8 kHz RTP clock, for the jitter of A.8.
std::uint32_t arrival_units(std::chrono::steady_clock::time_point now) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  return static_cast<std::uint32_t>(ns / 125'000);
}

void mark_expedited_forwarding(asio::ip::udp::socket& socket, bool v6) {
  const int tos = 46 << 2;  // DSCP EF for voice (RFC 4594); failure is harmless
  if (v6) {
    ::setsockopt(socket.native_handle(), IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
  } else {
    ::setsockopt(socket.native_handle(), IPPROTO_IP, IP_TOS, &tos, sizeof tos);
  }
}

}  // namespace

Leg::Leg(LegId id, asio::io_context& io, std::shared_ptr<PortPool> pool, const asio::ip::address& address,
         RelayCounters& counters, FrameClock& clock, std::string cname, std::chrono::milliseconds rtcp_interval)
    : id_(id),
      pool_(std::move(pool)),
      counters_(counters),
      cname_(std::move(cname)),
      rtcp_interval_(rtcp_interval),
      rtp_socket_(io),
      rtcp_socket_(io),
      rtcp_timer_(io),
      output_(random32(), static_cast<std::uint16_t>(random32()), random32()),
      clock_(clock),
      generated_ssrc_(random32()) {
  const udp protocol = address.is_v6() ? udp::v6() : udp::v4();
  port_ = pool_->acquire([&](std::uint16_t port) {
    boost::system::error_code ec;
    rtp_socket_.open(protocol, ec);
    if (!ec) rtp_socket_.bind({address, port}, ec);
    if (!ec) rtcp_socket_.open(protocol, ec);
    if (!ec) rtcp_socket_.bind({address, static_cast<std::uint16_t>(port + 1)}, ec);
    // Sends from the receive handler must never wait: a full socket buffer drops the packet.
    if (!ec) rtp_socket_.non_blocking(true, ec);
    if (!ec) rtcp_socket_.non_blocking(true, ec);
    if (ec) {
      boost::system::error_code ignored;
      rtp_socket_.close(ignored);
      rtcp_socket_.close(ignored);
      return false;
    }
    mark_expedited_forwarding(rtp_socket_, address.is_v6());
    return true;
  });
}

Leg::~Leg() {
  // A leg whose adoption never ran (engine stopped) still gives its ports back.
  if (!closed_) pool_->release(port_);
}

void Leg::enable_webrtc(std::shared_ptr<const webrtc::DtlsContext> dtls, webrtc::IceCredentials local,
                        webrtc::Transport::Options options, WebRtcStateHandler on_state) {
  webrtc::Transport::Events& events = *this;  // a private base: converted here, where it is accessible
  webrtc_ = std::make_unique<webrtc::Transport>(std::move(dtls), std::move(local), events, options);
  webrtc_timer_ = std::make_unique<asio::steady_timer>(rtp_socket_.get_executor());
  on_webrtc_state_ = std::move(on_state);
}

void Leg::start(const std::shared_ptr<Leg>& self) {
  if (webrtc_) {
    // rtcp-mux: everything comes to the RTP port; the RTCP socket only holds its port.
    self_ = self;
    receive_webrtc(self);
  } else {
    receive_rtp(self);
    receive_rtcp(self);
  }
  schedule_rtcp(self);
}

void Leg::receive_rtp(std::shared_ptr<Leg> self) {
  // The handler is small and moves its shared_ptr on: Asio recycles the
  // operation's memory, so the loop allocates nothing per packet.
  rtp_socket_.async_receive_from(
      asio::buffer(rtp_buffer_), rtp_sender_,
      [self = std::move(self)](const boost::system::error_code& ec, std::size_t size) mutable {
        Leg& leg = *self;
        if (leg.closed_ || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return;
        if (!ec) leg.on_rtp(size);
        leg.receive_rtp(std::move(self));
      });
}

void Leg::receive_rtcp(std::shared_ptr<Leg> self) {
  rtcp_socket_.async_receive_from(
      asio::buffer(rtcp_buffer_), rtcp_sender_,
      [self = std::move(self)](const boost::system::error_code& ec, std::size_t size) mutable {
        Leg& leg = *self;
        if (leg.closed_ || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return;
        if (!ec) leg.on_rtcp(size);
        leg.receive_rtcp(std::move(self));
      });
}

void Leg::schedule_rtcp(std::shared_ptr<Leg> self) {
  rtcp_timer_.expires_after(rtcp_interval_);
  rtcp_timer_.async_wait([self = std::move(self)](const boost::system::error_code& ec) mutable {
    Leg& leg = *self;
    if (ec || leg.closed_) return;
    leg.send_rtcp();
    leg.schedule_rtcp(std::move(self));
  });
}

void Leg::set_codec(LegCodec codec) {
  const bool events_changed = codec.telephone_event_type != codec_.telephone_event_type;
  codec_ = codec;
  if (events_changed && on_digit_) watch_digits(std::move(on_digit_));  // RFC 4733 or tones, as now negotiated
}

void Leg::set_remote(const std::string& address, std::uint16_t port, LegCodec codec) {
  set_codec(codec);
  if (webrtc_) return;  // ICE decides where a browser's media goes
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  // 0.0.0.0 is the old way of saying hold (RFC 3264 8.4): nowhere to send.
  if (ec || port == 0 || ip.is_unspecified()) {
    remote_.reset();
  } else {
    remote_ = udp::endpoint(ip, port);
  }
  // A new offer or answer may move the peer (re-INVITE): latch afresh.
  latched_ = false;
  rtcp_latched_ = false;
}

void Leg::set_flow(Flow flow) {
  // Whatever we did not send while on hold is not loss: the peer gets a continuous stream.
  if (flow != flow_) output_.resync();
  flow_ = flow;
}

bool Leg::accept_source(const udp::endpoint& from) {
  if (latched_) return from == latched_endpoint_;
  latched_ = true;
  latched_endpoint_ = from;
  counts_.latched_address = from.address().to_string();
  counts_.latched_port = from.port();
  return true;
}

const Leg::udp::endpoint* Leg::rtp_destination() const {
  if (latched_) return &latched_endpoint_;
  if (remote_) return &*remote_;
  return nullptr;
}

std::optional<Leg::udp::endpoint> Leg::rtcp_destination() const {
  if (rtcp_latched_) return rtcp_peer_;
  const udp::endpoint* rtp = rtp_destination();
  if (!rtp) return std::nullopt;
  return udp::endpoint(rtp->address(), static_cast<std::uint16_t>(rtp->port() + 1));
}

void Leg::on_rtp(std::size_t size) {
  const auto header = size < rtp_buffer_.size() ? parse_rtp(std::span(rtp_buffer_.data(), size)) : std::nullopt;
  // Until the first packet latches, anyone may be the peer; after, only the peer is.
  if (!header || !accept_source(rtp_sender_)) {
    ++invalid_;
    ++counters_.dropped;
    return;
  }
  const auto now = Clock::now();
  ++counts_.packets_received;
  counts_.bytes_received += size;
  receive_.on_packet(header->ssrc, header->sequence);
  if (header->payload_type == codec_.payload_type) receive_.on_timing(header->timestamp, arrival_units(now));
  const std::uint64_t lost = receive_.packets_lost();
  if (lost > lost_reported_) {
    counters_.lost += lost - lost_reported_;
    lost_reported_ = lost;
  }
  if (needs_decoding()) decode_payload(*header, now);
  if (!we_receive() || !target_) return;
  target_->send_media(*this, *header, std::span(rtp_buffer_.data(), size), now);
}

void Leg::decode_payload(const RtpHeader& header, Clock::time_point now) {
  const std::span<const std::uint8_t> payload(rtp_buffer_.data() + header.header_size, header.payload_size);
  if (digit_receiver_) {
    if (header.payload_type == codec_.telephone_event_type) {
      digit_receiver_->on_packet(header.ssrc, header.sequence, header.timestamp, header.marker, payload, now);
      return;
    }
    digit_receiver_->poll(now);  // a digit whose end packets were all lost ends here
  }
  if (header.payload_type != codec_.payload_type || !is_g711(header.payload_type) || !we_receive()) return;
  const std::span<std::int16_t> samples(pcm_.data(), std::min(payload.size(), pcm_.size()));
  if (header.payload_type == kPcmu) {
    g711::decode_ulaw(payload.first(samples.size()), samples);
  } else {
    g711::decode_alaw(payload.first(samples.size()), samples);
  }
  if (tone_detector_) tone_detector_->process(samples, header.timestamp, now);
  if (audio_tap_) audio_tap_(samples, header.ssrc, header.timestamp);
  if (recording_) recording_->said(samples, header.ssrc, header.timestamp);
}

void Leg::record_heard(std::span<const std::uint8_t> payload, std::uint8_t payload_type, std::uint32_t timestamp) {
  if (!is_g711(payload_type)) return;  // digits we key are not audio
  std::array<std::int16_t, 2048> samples;
  const auto count = std::min(payload.size(), samples.size());
  if (payload_type == kPcmu) {
    g711::decode_ulaw(payload.first(count), std::span(samples.data(), count));
  } else {
    g711::decode_alaw(payload.first(count), std::span(samples.data(), count));
  }
  recording_->heard(std::span<const std::int16_t>(samples.data(), count), output_.ssrc(), timestamp);
}

void Leg::send_media(const Leg& source, const RtpHeader& header, std::span<std::uint8_t> packet,
                     Clock::time_point now) {
  if (closed_ || !we_send() || generating()) return;  // a prompt or digits go to the peer instead
  const udp::endpoint* destination = rtp_destination();
  if (!destination) return;
  const auto type = map_payload_type(source.codec_, codec_, header.payload_type);
  if (!type) {
    ++counters_.dropped;
    return;
  }
  if (header.payload_type != *type && is_g711(*type)) {
    auto payload = packet.subspan(header.header_size, header.payload_size);
    if (*type == kPcma) {
      g711::ulaw_to_alaw(payload);
    } else {
      g711::alaw_to_ulaw(payload);
    }
  }
  const auto out = output_.next(source.id_, header.ssrc, header.marker, header.sequence, header.timestamp, now);
  rewrite_rtp(packet, out.marker, *type, out.sequence, out.timestamp, output_.ssrc());
  if (recording_) record_heard(packet.subspan(header.header_size, header.payload_size), *type, out.timestamp);
  if (!transmit_rtp(packet, *destination)) {
    ++counters_.dropped;
    return;
  }
  ++counters_.relayed;
  ++counts_.packets_sent;
  counts_.bytes_sent += packet.size();
  octets_sent_ += header.payload_size;
}

bool Leg::transmit_rtp(std::span<const std::uint8_t> packet, const udp::endpoint& to) {
  boost::system::error_code ec;
  if (webrtc_) [[unlikely]] {
    const auto protected_packet = webrtc_->protect_rtp(packet);
    if (!protected_packet) return false;  // DTLS not up yet, or the leg failed
    rtp_socket_.send_to(asio::buffer(protected_packet->data(), protected_packet->size()), to, 0, ec);
  } else {
    rtp_socket_.send_to(asio::buffer(packet.data(), packet.size()), to, 0, ec);
  }
  return !ec;
}

// ---- browser legs ----

void Leg::receive_webrtc(std::shared_ptr<Leg> self) {
  rtp_socket_.async_receive_from(
      asio::buffer(rtp_buffer_), rtp_sender_,
      [self = std::move(self)](const boost::system::error_code& ec, std::size_t size) mutable {
        Leg& leg = *self;
        if (leg.closed_ || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return;
        if (!ec) leg.on_webrtc_datagram(size);
        leg.receive_webrtc(std::move(self));
      });
}

void Leg::on_webrtc_datagram(std::size_t size) {
  if (size >= rtp_buffer_.size()) {  // cut short by the kernel
    ++invalid_;
    ++counters_.dropped;
    return;
  }
  const auto received = webrtc_->receive(std::span(rtp_buffer_.data(), size), rtp_sender_, Clock::now());
  switch (received.verdict) {
    case webrtc::Transport::Verdict::rtp:
      on_rtp(received.size);  // decrypted in place: the plain RTP path from here
      break;
    case webrtc::Transport::Verdict::rtcp:
      handle_rtcp(std::span(rtp_buffer_.data(), received.size), rtp_sender_);
      break;
    case webrtc::Transport::Verdict::consumed:
      arm_webrtc_timer();  // a check or a handshake step may move a deadline
      break;
    case webrtc::Transport::Verdict::dropped:
      ++invalid_;
      ++counters_.dropped;
      break;
  }
}

void Leg::set_webrtc_remote(const WebRtcRemote& remote, LegCodec codec) {
  set_codec(codec);
  if (!webrtc_ || closed_) return;
  webrtc_->set_remote(remote, Clock::now());
  arm_webrtc_timer();
}

// One timer for the transport's deadlines. Moved earlier when a deadline
// comes nearer; a later deadline (consent renewed by each check) waits for
// the armed wait to fire, which re-arms: no timer work per check.
void Leg::arm_webrtc_timer() {
  if (closed_ || !webrtc_) return;
  const auto deadline = webrtc_->deadline();
  if (deadline == Clock::time_point::max()) return;
  if (webrtc_timer_armed_ && deadline >= webrtc_timer_deadline_) return;
  webrtc_timer_armed_ = true;
  webrtc_timer_deadline_ = deadline;
  webrtc_timer_->expires_at(deadline);
  webrtc_timer_->async_wait([weak = self_](const boost::system::error_code& ec) {
    if (ec == asio::error::operation_aborted) return;  // re-armed or closed
    const auto self = weak.lock();
    if (!self || self->closed_) return;
    self->webrtc_timer_armed_ = false;
    self->webrtc_->on_timer(Clock::now());
    self->arm_webrtc_timer();
  });
}

void Leg::send_datagram(std::span<const std::uint8_t> datagram, const udp::endpoint& to) {
  boost::system::error_code ec;
  rtp_socket_.send_to(asio::buffer(datagram.data(), datagram.size()), to, 0, ec);
}

void Leg::path_selected(const udp::endpoint& peer) {
  latched_ = true;
  latched_endpoint_ = peer;
  rtcp_latched_ = true;  // rtcp-mux: RTCP comes and goes on the same path
  rtcp_peer_ = peer;
  counts_.latched_address = peer.address().to_string();
  counts_.latched_port = peer.port();
}

void Leg::state_changed(const WebRtcState& state) {
  if (state.ice_connected && !reported_.ice_connected) {
    spdlog::info("event=webrtc.ice_connected port={} peer={}:{}", port_, state.selected_address, state.selected_port);
  }
  if (state.dtls_connected && !reported_.dtls_connected) spdlog::info("event=webrtc.dtls_connected port={}", port_);
  if (state.failed && !reported_.failed) {
    spdlog::warn("event=webrtc.failed port={} consent_lost={} reason=\"{}\"", port_, state.consent_lost, state.failure);
  }
  reported_ = state;
  if (on_webrtc_state_) on_webrtc_state_(state);
}

// ---- audio we make ----

void Leg::play(std::vector<AudioPtr> clips, PlayOptions options, PlayDone done) {
  end_play(PlayEnd::stopped, 0);
  if (closed_) {
    if (done) done(PlayEnd::stopped, 0);
    return;
  }
  player_ = std::make_unique<Player>(std::move(clips), options.loop);
  ++counters_.players;
  play_options_ = options;
  play_done_ = std::move(done);
  output_.resync();  // the prompt's timestamps start where the wall clock is
  update_beat();
}

void Leg::end_play(PlayEnd end, char digit) {
  if (!player_) return;
  player_.reset();
  --counters_.players;
  auto done = std::move(play_done_);
  play_done_ = nullptr;
  output_.resync();  // the partner's stream continues from now, not from where it stopped
  update_beat();
  if (done) done(end, digit);
}

void Leg::update_beat() {
  if (generating() && !closed_) {
    if (!beat_) beat_ = clock_.subscribe([this](Clock::time_point now) { on_beat(now); });
  } else {
    beat_.reset();
  }
}

void Leg::on_beat(Clock::time_point now) {
  if (digit_sender_ && digit_sender_->busy()) {
    generated_timestamp_ += Player::kFrameSamples;
    while (auto report = digit_sender_->poll(generated_timestamp_)) {
      send_generated(report->marker, static_cast<std::uint8_t>(codec_.telephone_event_type), report->timestamp,
                     report->payload, now);
    }
  } else if (tone_sender_ && tone_sender_->busy()) {
    std::array<std::int16_t, Player::kFrameSamples> frame{};
    tone_sender_->fill(frame);
    send_frame(frame, now);
  } else if (player_) {
    std::array<std::int16_t, Player::kFrameSamples> frame{};
    if (player_->next(frame)) {
      send_frame(frame, now);
    } else {
      end_play(PlayEnd::finished, 0);
      return;  // end_play updated the beat
    }
  }
  if (!generating()) update_beat();
}

void Leg::send_frame(std::span<const std::int16_t, Player::kFrameSamples> samples, Clock::time_point now) {
  if (!is_g711(codec_.payload_type)) return;
  generated_timestamp_ += Player::kFrameSamples;
  std::array<std::uint8_t, Player::kFrameSamples> payload{};
  if (codec_.payload_type == kPcmu) {
    g711::encode_ulaw(samples, payload);
  } else {
    g711::encode_alaw(samples, payload);
  }
  send_generated(false, static_cast<std::uint8_t>(codec_.payload_type), generated_timestamp_, payload, now);
}

void Leg::send_generated(bool marker, std::uint8_t payload_type, std::uint32_t timestamp,
                         std::span<const std::uint8_t> payload, Clock::time_point now) {
  if (closed_ || !we_send()) return;
  const udp::endpoint* destination = rtp_destination();
  if (!destination || payload.size() + kRtpHeaderSize > generated_packet_.size()) return;
  auto& packet = generated_packet_;
  packet[0] = 0x80;  // version 2, no padding, extension or CSRCs
  std::copy(payload.begin(), payload.end(), packet.begin() + kRtpHeaderSize);
  const auto out = output_.next(0, generated_ssrc_, marker, ++generated_sequence_, timestamp, now);
  const std::span<std::uint8_t> bytes(packet.data(), kRtpHeaderSize + payload.size());
  rewrite_rtp(bytes, out.marker, payload_type, out.sequence, out.timestamp, output_.ssrc());
  if (recording_) record_heard(payload, payload_type, out.timestamp);
  if (!transmit_rtp(bytes, *destination)) return;
  ++counters_.played;
  ++counts_.packets_sent;
  counts_.bytes_sent += bytes.size();
  octets_sent_ += payload.size();
}

// ---- digits ----

void Leg::watch_digits(DigitHandler on_digit) {
  on_digit_ = std::move(on_digit);
  digit_receiver_.reset();
  tone_detector_.reset();
  if (!on_digit_) return;
  if (codec_.telephone_event_type >= 0) {
    digit_receiver_ = std::make_unique<TelephoneEventReceiver>(*this);
  } else {
    tone_detector_ = std::make_unique<InbandDtmfDetector>(*this);
  }
}

void Leg::digit_from_signalling(const DtmfEvent& event) {
  on_dtmf_begin(event.digit, event.source);
  on_dtmf(event);
}

void Leg::on_dtmf_begin(char digit, DtmfSource) {
  if (player_ && play_options_.barge_in) end_play(PlayEnd::interrupted, digit);
}

void Leg::on_dtmf(const DtmfEvent& event) {
  ++counters_.digits;
  if (on_digit_) on_digit_(event);
}

void Leg::send_digits(const std::string& digits) {
  if (codec_.telephone_event_type >= 0) {
    if (!digit_sender_) digit_sender_ = std::make_unique<TelephoneEventSender>();
    if (!digit_sender_->send(digits)) spdlog::warn("event=media.send_digits_refused port={}", port_);
  } else {
    if (!tone_sender_) tone_sender_ = std::make_unique<InbandDtmfGenerator>();
    if (!tone_sender_->send(digits)) spdlog::warn("event=media.send_digits_refused port={}", port_);
  }
  update_beat();
}

void Leg::on_rtcp(std::size_t size) {
  if (size >= rtcp_buffer_.size()) {
    ++invalid_;
    ++counters_.dropped;
    return;
  }
  handle_rtcp(std::span(rtcp_buffer_.data(), size), rtcp_sender_);
}

void Leg::handle_rtcp(std::span<const std::uint8_t> packet, const udp::endpoint& from) {
  const auto summary = parse_rtcp(packet, output_.ssrc());
  if (!summary) {
    ++invalid_;
    ++counters_.dropped;
    return;
  }
  if (!rtcp_latched_) {
    rtcp_latched_ = true;
    rtcp_peer_ = from;
  } else if (from != rtcp_peer_) {
    ++invalid_;
    ++counters_.dropped;
    return;
  }
  if (summary->about_us) {
    counts_.remote_packets_lost =
        static_cast<std::uint64_t>(std::max<std::int32_t>(0, summary->about_us->values.cumulative_lost));
    counts_.remote_jitter_ms = summary->about_us->values.jitter / 8.0;
  }
  if (summary->sender_report) {
    peer_sr_ntp_middle_ = summary->sender_ntp_middle;
    peer_sr_arrival_ = Clock::now();
  }
}

void Leg::send_rtcp() {
  const auto destination = rtcp_destination();
  if (!destination) return;
  const auto now = Clock::now();
  SenderInfo sender;
  const bool we_sent = counts_.packets_sent > 0;
  if (we_sent) {
    sender.ntp = ntp_now();
    sender.rtp_timestamp = output_.timestamp_at(now);
    sender.packets = static_cast<std::uint32_t>(counts_.packets_sent);
    sender.octets = static_cast<std::uint32_t>(octets_sent_);
  }
  ReportBlock block;
  const bool we_received = receive_.has_source();
  if (we_received) {
    block.ssrc = receive_.source_ssrc();
    block.values = receive_.next_report_block();
    if (peer_sr_ntp_middle_) {
      block.last_sr = *peer_sr_ntp_middle_;
      const auto since = std::chrono::duration_cast<std::chrono::microseconds>(now - peer_sr_arrival_).count();
      block.delay_since_sr = static_cast<std::uint32_t>(since * 65536 / 1'000'000);
    }
  }
  const std::size_t size =
      build_rtcp(rtcp_out_, output_.ssrc(), we_sent ? &sender : nullptr, we_received ? &block : nullptr, cname_);
  if (size == 0) return;
  boost::system::error_code ec;
  if (webrtc_) {
    const auto protected_packet = webrtc_->protect_rtcp(std::span(rtcp_out_.data(), size));
    if (protected_packet) rtp_socket_.send_to(asio::buffer(protected_packet->data(), protected_packet->size()), *destination, 0, ec);
    return;
  }
  rtcp_socket_.send_to(asio::buffer(rtcp_out_.data(), size), *destination, 0, ec);
}

LegStats Leg::stats() const {
  LegStats s = counts_;
  s.packets_lost = receive_.packets_lost();
  s.jitter_ms = receive_.jitter_units() / 8.0;
  return s;
}

LegStats Leg::close() {
  if (!closed_) {
    if (webrtc_) {
      webrtc_->close();  // close_notify to the browser, while the socket is still open
      webrtc_timer_->cancel();
      on_webrtc_state_ = nullptr;
    }
    closed_ = true;
    boost::system::error_code ignored;
    rtp_socket_.close(ignored);
    rtcp_socket_.close(ignored);
    rtcp_timer_.cancel();
    target_ = nullptr;
    end_play(PlayEnd::stopped, 0);
    beat_.reset();
    on_digit_ = nullptr;
    audio_tap_ = nullptr;
    recording_ = nullptr;
    pool_->release(port_);
    if (invalid_) spdlog::debug("event=media.leg_closed port={} invalid_packets={}", port_, invalid_);
  }
  return stats();
}

}  // namespace hotline::media
