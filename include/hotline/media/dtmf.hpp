#pragma once
// DTMF digits as the rest of the daemon sees them, whichever way they came:
// RFC 4733 telephone-event packets, SIP INFO bodies or tones in the audio.
// Also the SIP INFO bodies themselves (application/dtmf-relay and
// application/dtmf), parsed and built here so the pbx never hand-rolls them.
//
// Digits may be an ID number or a bank card: log that a digit came, never
// which one.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotline::media {

enum class DtmfSource : std::uint8_t { rfc4733, info, inband };

const char* to_string(DtmfSource source);

struct DtmfEvent {
  char digit = 0;  // '0'-'9', '*', '#', 'A'-'D'
  // Where the digit began in the sender's RTP clock (8 kHz): the event's
  // timestamp for RFC 4733, the first tone sample's for in-band; 0 for INFO.
  std::uint32_t rtp_timestamp = 0;
  // Local time the digit began, as told by the caller's `now` (estimated
  // back from the packet that first revealed the digit when its start was lost).
  std::chrono::steady_clock::time_point start{};
  std::uint32_t duration_ms = 0;
  DtmfSource source = DtmfSource::rfc4733;
};

// RFC 4733 §3.2 event codes 0-15 <-> digits. Other codes (flash, modem
// tones) are not digits: 0 / -1.
char dtmf_digit_of_event(int event_code);
int dtmf_event_of_digit(char digit);  // accepts 'a'-'d' too
inline bool is_dtmf_digit(char digit) { return dtmf_event_of_digit(digit) >= 0; }

// One key press carried in a SIP INFO request.
struct InfoDtmf {
  char digit = 0;
  std::uint32_t duration_ms = 0;
};

// Bodies longer than this are refused without being read.
constexpr std::size_t kMaxInfoDtmfBody = 1024;
// A Duration beyond this is clamped (a stuck key is not a 49-day press).
constexpr std::uint32_t kMaxInfoDtmfDurationMs = 60'000;
// When application/dtmf-relay has no Duration line, or for application/dtmf.
constexpr std::uint32_t kDefaultInfoDtmfDurationMs = 250;

// application/dtmf-relay: "Signal=5\r\nDuration=160\r\n". Keys are
// case-insensitive, spaces around '=' and bare LF line ends are accepted,
// unknown keys are ignored, Signal=10/11 mean '*'/'#' (some phones).
// nullopt when there is no valid Signal, a line is malformed, or the body
// is too long or holds control characters.
std::optional<InfoDtmf> parse_dtmf_relay(std::string_view body);
// application/dtmf: the digit alone ("5", also "10"/"11"), spaces around it allowed.
std::optional<InfoDtmf> parse_dtmf_body(std::string_view body);
// Picks the parser from the Content-Type's media type (parameters ignored,
// case-insensitive); nullopt for any other type.
std::optional<InfoDtmf> parse_info_dtmf(std::string_view content_type, std::string_view body);

// "Signal=<digit>\r\nDuration=<ms>\r\n"; empty when digit is not a DTMF digit.
std::string build_dtmf_relay(char digit, std::uint32_t duration_ms);
std::string build_dtmf_body(char digit);  // "<digit>"; empty when not a DTMF digit

}  // namespace hotline::media
