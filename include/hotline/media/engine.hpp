#pragma once
// Anchored RTP for calls. The engine owns the media threads ("media-N", one
// io_context each) and the RTP port pool (rtp.ports). A Session is one call's
// media: all its legs live on one media thread, so relaying a packet from
// one leg to another takes no lock; calls are spread over the threads.
//
// Every Session method is thread-safe: it posts to the session's thread.
// Callbacks run on that media thread; the caller re-posts to its own strand.
// Engine::stop closes every open session; after it, Session methods do
// nothing (callbacks are not called) and add_leg throws unavailable.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hotline/core/metrics.hpp"
#include "hotline/media/dtmf.hpp"
#include "hotline/media/webrtc.hpp"

namespace hotline::media {

class RecordingWriter;
struct RecordingInfo;

struct MediaConfig {
  std::string address = "127.0.0.1";  // rtp.address: sockets bind here; SDP announces it
  std::uint16_t port_min = 20000;      // rtp.ports: even RTP ports, RTCP on port + 1
  std::uint16_t port_max = 29999;
  unsigned threads = 0;  // 0: one per core
  unsigned rtcp_interval_ms = 5000;  // our SR/RR to each leg's peer (RFC 3550 suggests 5 s)
  // Browser legs: the DTLS certificate lives in dtls_dir (the data dir:
  // dtls-cert.pem, dtls-key.pem, made at the first start); empty: a new
  // certificate in memory per engine (tests).
  std::filesystem::path dtls_dir;
  unsigned webrtc_consent_timeout_ms = 30'000;  // RFC 7675; shorter only in tests
};

// What the leg's peer and we agreed in SDP.
struct LegCodec {
  int payload_type = 0;              // 0 PCMU or 8 PCMA
  int telephone_event_type = -1;     // -1: not negotiated
};

enum class Flow { sendrecv, sendonly, recvonly, inactive };  // from our side of the leg

// Per-direction counters of one leg, for the call record and metrics.
struct LegStats {
  std::uint64_t packets_received = 0;  // from the leg's peer
  std::uint64_t packets_sent = 0;      // to the leg's peer
  std::uint64_t bytes_received = 0;
  std::uint64_t bytes_sent = 0;
  std::uint64_t packets_lost = 0;      // inbound, from sequence gaps (RFC 3550 A.3)
  double jitter_ms = 0;                // inbound interarrival jitter (RFC 3550 A.8)
  std::uint64_t remote_packets_lost = 0;  // outbound, as the peer's RTCP reports say
  double remote_jitter_ms = 0;
  std::string latched_address;  // where the peer's media really came from (symmetric RTP)
  std::uint16_t latched_port = 0;
};

using LegId = std::uint32_t;

// 8 kHz mono linear PCM: a prompt, a TTS rendering, music on hold. Immutable
// once made, so every call that plays it shares one copy.
struct Audio {
  std::vector<std::int16_t> samples;
};
using AudioPtr = std::shared_ptr<const Audio>;

struct PlayOptions {
  bool barge_in = false;  // a digit from the leg's peer stops the prompt
  bool loop = false;      // play the sequence again and again (music on hold) until stopped
};
// finished: played to the end; interrupted: a digit stopped it (barge-in,
// digit says which); stopped: stop_playing, a newer play, or the leg went;
// failed: there was nothing to play (the owner could not get the audio).
enum class PlayEnd { finished, interrupted, stopped, failed };
using PlayDone = std::function<void(PlayEnd end, char digit)>;
using DigitHandler = std::function<void(const DtmfEvent& event)>;
using StatsList = std::vector<std::pair<LegId, LegStats>>;

// A message the caller leaves (see Session::record_message).
struct MessageOptions {
  int max_ms = 120'000;   // the message ends at this length
  int silence_ms = 5'000;  // ... or after this long without speech (0: never)
};
enum class MessageEnd { stopped, silence, max_length, hangup };
using MessageDone = std::function<void(MessageEnd end, std::shared_ptr<const Audio> audio)>;

// A supervisor in an agent's call: listen (hears both, heard by nobody),
// whisper (only the agent hears the supervisor), barge (all three hear all).
enum class Supervision { listen, whisper, barge };

class Session {
 public:
  virtual ~Session() = default;
  // Allocates an RTP/RTCP port pair and opens the sockets (synchronously:
  // binding is not blocking). Throws hotline::Error(unavailable) when the
  // pool is empty. The returned port goes into our SDP.
  struct NewLeg {
    LegId id;
    std::uint16_t local_port;
  };
  virtual NewLeg add_leg() = 0;
  // A browser leg (see webrtc.hpp, docs/webrtc.md): like add_leg, plus
  // fresh ICE credentials and the engine's certificate fingerprint for our
  // SDP (webrtc_sdp.hpp). The port carries ICE, DTLS, SRTP and SRTCP
  // (rtcp-mux; the pair's RTCP port stays unused). No media flows until
  // set_webrtc_remote, the browser's ICE check and the DTLS handshake.
  // on_state (optional) runs on the media thread at each change of the
  // leg's WebRtcState: a failure (DTLS, fingerprint, consent lost) means
  // the leg carries no more media and its owner should end it.
  struct NewWebRtcLeg {
    LegId id;
    std::uint16_t local_port;
    WebRtcLocal local;
  };
  virtual NewWebRtcLeg add_webrtc_leg(WebRtcStateHandler on_state) = 0;
  // The browser's SDP values (parse_webrtc_sdp: WebRtcDescription::remote)
  // and the codec agreed (choose_webrtc_codec). Call again after a re-offer
  // to change the codec; ICE restarts and new DTLS certificates mid-call
  // are not supported. set_remote on a browser leg changes only its codec:
  // where its media goes is decided by ICE.
  virtual void set_webrtc_remote(LegId leg, WebRtcRemote remote, LegCodec codec) = 0;
  // The leg's state now (all false for a plain RTP leg or an unknown one).
  virtual void webrtc_state(LegId leg, std::function<void(WebRtcState)> done) = 0;
  // The peer's SDP address; replaced by the first packet's source (latching).
  virtual void set_remote(LegId leg, std::string address, std::uint16_t port, LegCodec codec) = 0;
  virtual void set_flow(LegId leg, Flow flow) = 0;  // hold: sendonly / inactive
  // Media from a goes to b and from b to a, with SSRC, sequence and
  // timestamp rewritten so each peer sees one continuous stream, and
  // payload types mapped between the legs' codecs (same G.711 law only).
  virtual void bridge(LegId a, LegId b) = 0;
  virtual void echo(LegId leg) = 0;     // send back what the leg sends us
  virtual void isolate(LegId leg) = 0;  // undo bridge/echo: the leg's media is dropped
  // Sends the clips one after the other to the leg's peer, paced by the
  // media thread's 20 ms clock, instead of what its partner says (the
  // partner's media resumes afterwards). A play replaces one in progress.
  virtual void play(LegId leg, std::vector<AudioPtr> clips, PlayOptions options, PlayDone done) = 0;
  virtual void stop_playing(LegId leg) = 0;
  // Digits the leg's peer keys, however they come: RFC 4733 events when
  // negotiated, else tones in the audio. An empty handler stops watching.
  // SIP INFO digits come through signalling: hand them in with digit_from_signalling.
  virtual void watch_digits(LegId leg, DigitHandler on_digit) = 0;
  virtual void digit_from_signalling(LegId leg, DtmfEvent event) = 0;
  // Keys digits towards the leg's peer (another hotline's IVR): as RFC 4733
  // events when the leg negotiated them, else as tones.
  virtual void send_digits(LegId leg, std::string digits) = 0;
  // Records the call from the citizen's leg until the session closes: left
  // channel what the citizen says, right what they hear (agent, prompts,
  // music on hold), through the writer thread. One recording per session;
  // a second call does nothing. The writer must outlive the session.
  virtual void record(LegId citizen, RecordingWriter& writer, RecordingInfo info) = 0;
  // Collects what the leg's peer says (decoded, 8 kHz) until max length or
  // silence, or stop_message (a key); done gets the audio, in memory: the
  // owner writes it out off the media thread. hangup when the leg closes.
  virtual void record_message(LegId leg, MessageOptions options, MessageDone done) = 0;
  virtual void stop_message(LegId leg) = 0;
  // Mixing instead of relaying. conference: the leg joins the session's
  // conference (everyone in it hears everyone else). supervise: the three
  // legs go into the mix with the supervisor's mode; call again to change
  // the mode. leave_mix: the leg is out of the mix (isolated: bridge it again).
  virtual void conference(LegId leg) = 0;
  virtual void supervise(LegId supervisor, LegId agent, LegId citizen, Supervision mode) = 0;
  virtual void leave_mix(LegId leg) = 0;
  // Closes some legs of a session that others share (a conference room, a
  // supervised call); done gets their final counters.
  virtual void remove_legs(std::vector<LegId> legs, std::function<void(StatsList)> done) = 0;
  // Final counters of every leg, after all sockets are closed and ports returned.
  virtual void close(std::function<void(std::vector<std::pair<LegId, LegStats>>)> done) = 0;
  virtual void stats(LegId leg, std::function<void(LegStats)> done) = 0;
};

class Engine {
 public:
  Engine(MediaConfig config, Metrics& metrics);
  ~Engine();  // stops and joins the threads
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start();
  void stop();
  std::shared_ptr<Session> open_session();  // thread-safe; round-robin over media threads
  const std::string& address() const;
  const DtlsFingerprint& dtls_fingerprint() const;  // of the certificate every browser leg presents
  std::size_t ports_in_use() const;  // ports, RTP and RTCP each counted
  std::size_t ports_free() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotline::media
