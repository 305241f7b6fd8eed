#pragma once
// SDP for browser legs (JSEP, RFC 8829; ICE-lite, RFC 8839; DTLS-SRTP,
// RFC 5763/8842): reading a browser's offer or answer (Chromium's, with
// Opus, video, data channels, trickle), and writing ours: one audio m-line,
// UDP/TLS/RTP/SAVPF, PCMU/PCMA + telephone-event, a=ice-lite, our ICE
// credentials and certificate fingerprint, a=setup, a=mid and a BUNDLE
// group, rtcp-mux, and our host candidate (the engine's address and the
// leg's port). Kept here rather than in src/sip/sdp.cpp: hotline_media
// does not depend on hotline_sip, and SIP's SDP has none of these lines.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hotline/media/engine.hpp"
#include "hotline/media/webrtc.hpp"

namespace hotline::media {

struct IceCandidate {
  std::string foundation;
  int component = 1;
  std::string transport;  // "udp", "tcp"
  std::uint32_t priority = 0;
  std::string address;  // an IP address or an mDNS name (xxx.local)
  std::uint16_t port = 0;
  std::string type;  // host, srflx, prflx, relay
};

struct WebRtcFormat {
  int payload_type = 0;
  std::string encoding;  // from a=rtpmap, or the static table (0 PCMU, 8 PCMA, 9 G722, 13 CN)
  int clock_rate = 8000;
  int channels = 1;
  std::string fmtp;
};

// Every m-line, so an answer can mirror them (refusing all but our audio).
struct SdpMediaLine {
  std::string media;  // audio, video, application
  std::uint16_t port = 0;
  std::string protocol;
  std::string formats;  // as written
  std::string mid;
};

struct WebRtcDescription {
  std::vector<SdpMediaLine> media_lines;
  int audio_line = -1;  // index of the first m=audio in media_lines; -1: none
  // Of that audio line:
  std::string address;  // c= (0.0.0.0 from a browser: it trickles or lists candidates)
  std::uint16_t port = 0;
  std::string protocol;
  std::vector<WebRtcFormat> formats;
  std::string mid;
  Flow direction = Flow::sendrecv;  // as its author wrote it (its own side)
  bool rtcp_mux = false;
  // ufrag, pwd, fingerprint, setup: the audio line's, else the session's.
  WebRtcRemote remote;
  bool setup_given = false;  // a=setup was present (else actpass in an offer, active in an answer: RFC 5763 5)
  bool ice_lite = false;
  std::vector<IceCandidate> candidates;  // of the audio line; ICE-lite needs none of them
  bool end_of_candidates = false;
  std::vector<std::string> bundle;  // mids of a=group:BUNDLE
};

struct WebRtcSdpError {
  std::string reason;
};

std::variant<WebRtcDescription, WebRtcSdpError> parse_webrtc_sdp(std::string_view text);

// The codec to use with this browser: the first of PCMU (0) / PCMA (8) it
// lists at 8000 Hz, and telephone-event/8000 when it lists one. nullopt:
// no G.711 (refuse the call, or its audio line).
std::optional<LegCodec> choose_webrtc_codec(const WebRtcDescription& description);

// What our SDP says about us.
struct WebRtcSdpLocal {
  std::string address;         // MediaConfig::address: c= and our host candidate
  std::uint16_t port = 0;      // Session::NewWebRtcLeg::local_port
  WebRtcLocal local;           // Session::NewWebRtcLeg::local
  Flow flow = Flow::sendrecv;  // our side: sendonly while we hold the browser, etc.
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
};

// Our offer: PCMU, PCMA and telephone-event/8000 (101), a=setup:actpass
// (the browser picks; usually active, making us the DTLS server), mid "0".
std::string build_webrtc_offer(const WebRtcSdpLocal& local);

// Our answer to a browser's offer, with the codec from choose_webrtc_codec:
// the offer's audio line accepted with its mid and a=setup per
// answer_setup, every other m-line refused (port 0, same mid), BUNDLE
// holding the audio mid when the offer bundled it.
std::string build_webrtc_answer(const WebRtcDescription& offer, const WebRtcSdpLocal& local, LegCodec codec);

// RFC 5763 5: actpass -> passive (we are the DTLS server), active -> passive, passive -> active.
DtlsSetup answer_setup(DtlsSetup offered);

}  // namespace hotline::media
