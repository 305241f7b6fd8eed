#pragma once
// Session descriptions (RFC 4566) as plain values, the offer/answer rules of
// RFC 3264 for one audio stream, and the codecs hotlined speaks: PCMU, PCMA
// and telephone-event (RFC 4733). Our own line parser: libosip2's
// sdp_message_parse reads past its buffer on malformed input (found by
// fuzzing; see docs/architecture.md), so it is not used.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hotline::sip {

enum class Direction { sendrecv, sendonly, recvonly, inactive };
std::string_view to_string(Direction d);

struct Format {
  int payload_type = 0;
  std::string encoding;  // "PCMU", "telephone-event"; from a=rtpmap or the static table
  int clock_rate = 8000;
  std::string fmtp;
};

struct AudioStream {
  std::string address;  // c= of the stream, else of the session
  std::uint16_t port = 0;
  std::string protocol;  // RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF
  std::vector<Format> formats;
  Direction direction = Direction::sendrecv;
  int ptime = 20;
  bool rtcp_mux = false;
};

struct SessionDescription {
  std::string origin_username = "-";
  std::string session_id;
  std::string session_version;
  std::string origin_address;
  std::optional<AudioStream> audio;  // the first m=audio line
  int media_lines = 0;
};

struct SdpError {
  std::string reason;
};

std::variant<SessionDescription, SdpError> parse_sdp(std::string_view text);

// The formats of an offer that hotlined accepts, in the offerer's order of
// preference: at most one of PCMU/PCMA (the first offered) plus
// telephone-event at 8000 Hz. nullopt when no G.711 is offered: answer 488.
std::optional<std::vector<Format>> choose_formats(const AudioStream& offer);

// An answer or offer with one audio stream from hotlined's own address.
struct LocalMedia {
  std::string address;
  std::uint16_t port = 0;
  std::vector<Format> formats;
  Direction direction = Direction::sendrecv;
  std::uint64_t session_id = 0;
  std::uint64_t session_version = 0;
};
std::string build_sdp(const LocalMedia& media);

// What we answer to a direction offered (RFC 3264 §6.1).
Direction answer_direction(Direction offered);

}  // namespace hotline::sip
