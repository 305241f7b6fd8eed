#pragma once
// One call leg's media: an RTP and an RTCP socket on the session's media
// thread, the peer's address (from SDP, then latched), the stream we send
// to the peer and the statistics of what it sends us. Everything here runs
// on the media thread except the constructor (add_leg binds synchronously).
//
// The receive handlers own a shared_ptr to the leg, so a leg lives until
// its sockets are closed and their last handlers have run.
#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "call_recording.hpp"
#include "dtmf_listener.hpp"
#include "frame_clock.hpp"
#include "hotline/media/engine.hpp"
#include "inband_dtmf.hpp"
#include "media_thread.hpp"
#include "output_stream.hpp"
#include "player.hpp"
#include "port_pool.hpp"
#include "receive_stats.hpp"
#include "rtp_packet.hpp"
#include "telephone_event_receiver.hpp"
#include "telephone_event_sender.hpp"
#include "webrtc/transport.hpp"

namespace hotline::media {

// A browser leg is this same class with a webrtc::Transport between the
// socket and the RTP path (enable_webrtc): its own receive loop demuxes
// and unprotects, and what it sends is protected on the way out; plain
// legs never touch the transport.
class Leg final : public DtmfListener, private webrtc::Transport::Events {
 public:
  using udp = boost::asio::ip::udp;
  using Clock = std::chrono::steady_clock;
  // Decoded audio from the leg's peer, for a recorder or a mix: linear
  // samples and the packet's SSRC and RTP timestamp.
  using AudioTap = std::function<void(std::span<const std::int16_t> samples, std::uint32_t ssrc, std::uint32_t timestamp)>;

  // Takes a port pair from the pool and binds both sockets (throws
  // Error(unavailable) when the pool has none left).
  Leg(LegId id, boost::asio::io_context& io, std::shared_ptr<PortPool> pool, const boost::asio::ip::address& address,
      RelayCounters& counters, FrameClock& clock, std::string cname, std::chrono::milliseconds rtcp_interval);
  ~Leg();
  Leg(const Leg&) = delete;
  Leg& operator=(const Leg&) = delete;

  LegId id() const { return id_; }
  std::uint16_t local_port() const { return port_; }

  // Makes this a browser leg; before start(), on the thread that made the leg.
  void enable_webrtc(std::shared_ptr<const webrtc::DtlsContext> dtls, webrtc::IceCredentials local,
                     webrtc::Transport::Options options, WebRtcStateHandler on_state);
  std::uint32_t output_ssrc() const { return output_.ssrc(); }

  void start(const std::shared_ptr<Leg>& self);
  void set_remote(const std::string& address, std::uint16_t port, LegCodec codec);
  void set_webrtc_remote(const WebRtcRemote& remote, LegCodec codec);
  WebRtcState webrtc_state() const { return webrtc_ ? webrtc_->state() : WebRtcState{}; }
  void set_flow(Flow flow);
  // Where this leg's media goes: another leg, itself (echo) or nowhere.
  void route_to(Leg* target) { target_ = target; }
  Leg* target() const { return target_; }
  // Audio we make for the peer (see Session::play): replaces relayed media while it lasts.
  void play(std::vector<AudioPtr> clips, PlayOptions options, PlayDone done);
  void stop_playing() { end_play(PlayEnd::stopped, 0); }
  bool playing() const { return player_ != nullptr; }
  void watch_digits(DigitHandler on_digit);
  void digit_from_signalling(const DtmfEvent& event);
  void send_digits(const std::string& digits);
  // What the peer says, decoded, for a recorder or a mix (empty: nobody listens).
  void set_audio_tap(AudioTap tap) { audio_tap_ = std::move(tap); }
  // This leg is the citizen's: what it says and hears goes into the recording (null: none).
  void set_recording(CallRecording* recording) { recording_ = recording; }
  const CallRecording* recording() const { return recording_; }
  // Sends one 20 ms frame of our own audio (a mix's output) in the leg's codec.
  void send_frame(std::span<const std::int16_t, Player::kFrameSamples> samples, Clock::time_point now);
  const LegCodec& codec() const { return codec_; }
  // DtmfListener: from this leg's receiver or detector.
  void on_dtmf_begin(char digit, DtmfSource source) override;
  void on_dtmf(const DtmfEvent& event) override;

  // Closes the sockets and returns the ports; the leg relays nothing after.
  LegStats close();
  LegStats stats() const;

 private:

  void update_beat();
  void on_beat(Clock::time_point now);
  void end_play(PlayEnd end, char digit);
  void decode_payload(const RtpHeader& header, Clock::time_point now);
  bool needs_decoding() const { return digit_receiver_ || tone_detector_ || audio_tap_ || recording_; }
  bool generating() const { return player_ || (digit_sender_ && digit_sender_->busy()) || (tone_sender_ && tone_sender_->busy()); }
  void send_generated(bool marker, std::uint8_t payload_type, std::uint32_t timestamp, std::span<const std::uint8_t> payload,
                      Clock::time_point now);
  void set_codec(LegCodec codec);
  void receive_rtp(std::shared_ptr<Leg> self);
  void receive_rtcp(std::shared_ptr<Leg> self);
  void receive_webrtc(std::shared_ptr<Leg> self);
  void on_webrtc_datagram(std::size_t size);
  void arm_webrtc_timer();
  // webrtc::Transport::Events
  void send_datagram(std::span<const std::uint8_t> datagram, const udp::endpoint& to) override;
  void path_selected(const udp::endpoint& peer) override;
  void state_changed(const WebRtcState& state) override;
  // One RTP packet to the peer: as it is, or through SRTP on a browser leg.
  bool transmit_rtp(std::span<const std::uint8_t> packet, const udp::endpoint& to);
  void schedule_rtcp(std::shared_ptr<Leg> self);
  void on_rtp(std::size_t size);
  void on_rtcp(std::size_t size);
  void handle_rtcp(std::span<const std::uint8_t> packet, const udp::endpoint& from);
  // Called on the destination leg with the source's packet, rewritten in place.
  void send_media(const Leg& source, const RtpHeader& header, std::span<std::uint8_t> packet, Clock::time_point now);
  void send_rtcp();
  bool accept_source(const udp::endpoint& from);
  const udp::endpoint* rtp_destination() const;
  std::optional<udp::endpoint> rtcp_destination() const;
  bool we_receive() const { return flow_ == Flow::sendrecv || flow_ == Flow::recvonly; }
  bool we_send() const { return flow_ == Flow::sendrecv || flow_ == Flow::sendonly; }

  const LegId id_;
  std::shared_ptr<PortPool> pool_;
  RelayCounters& counters_;
  const std::string cname_;
  const std::chrono::milliseconds rtcp_interval_;
  udp::socket rtp_socket_;
  udp::socket rtcp_socket_;
  boost::asio::steady_timer rtcp_timer_;
  std::uint16_t port_ = 0;
  bool closed_ = false;

  Flow flow_ = Flow::sendrecv;
  LegCodec codec_;
  Leg* target_ = nullptr;

  std::optional<udp::endpoint> remote_;  // from SDP
  bool latched_ = false;
  udp::endpoint latched_endpoint_;
  bool rtcp_latched_ = false;
  udp::endpoint rtcp_peer_;

  OutputStream output_;
  FrameClock& clock_;
  FrameClock::Subscription beat_;  // held while we make audio
  std::unique_ptr<Player> player_;
  PlayOptions play_options_;
  PlayDone play_done_;
  std::unique_ptr<TelephoneEventSender> digit_sender_;
  std::unique_ptr<InbandDtmfGenerator> tone_sender_;
  // Our own numbering for what we make; the output stream maps it onto the peer's stream.
  std::uint32_t generated_ssrc_;
  std::uint16_t generated_sequence_ = 0;
  std::uint32_t generated_timestamp_ = 0;
  DigitHandler on_digit_;
  std::unique_ptr<TelephoneEventReceiver> digit_receiver_;
  std::unique_ptr<InbandDtmfDetector> tone_detector_;
  AudioTap audio_tap_;
  CallRecording* recording_ = nullptr;  // owned by the session
  void record_heard(std::span<const std::uint8_t> payload, std::uint8_t payload_type, std::uint32_t timestamp);
  std::array<std::int16_t, 2048> pcm_{};
  std::array<std::uint8_t, kRtpHeaderSize + 2048> generated_packet_{};
  ReceiveStats receive_;
  LegStats counts_;
  std::uint64_t octets_sent_ = 0;  // payload only, for the SR
  std::uint64_t lost_reported_ = 0;
  std::uint64_t invalid_ = 0;
  std::optional<std::uint32_t> peer_sr_ntp_middle_;
  Clock::time_point peer_sr_arrival_{};

  // Datagrams that fill the buffer were cut short by the kernel: dropped as invalid.
  std::array<std::uint8_t, 2048> rtp_buffer_{};
  udp::endpoint rtp_sender_;
  std::array<std::uint8_t, 1500> rtcp_buffer_{};
  udp::endpoint rtcp_sender_;
  std::array<std::uint8_t, 512> rtcp_out_{};

  // Browser legs only (null otherwise).
  std::unique_ptr<webrtc::Transport> webrtc_;
  std::unique_ptr<boost::asio::steady_timer> webrtc_timer_;
  Clock::time_point webrtc_timer_deadline_{};
  bool webrtc_timer_armed_ = false;
  std::weak_ptr<Leg> self_;  // for the transport's timer, armed from inside handlers
  WebRtcStateHandler on_webrtc_state_;
  WebRtcState reported_;  // what was logged last
};

}  // namespace hotline::media
