// Digit codes and SIP INFO DTMF bodies (include/hotline/media/dtmf.hpp).
// The bodies come from the network: every byte is checked, nothing is
// assumed about lengths, and numbers are parsed without overflow.
#include "hotline/media/dtmf.hpp"


namespace hotline::media {
namespace {

constexpr std::string_view kEventDigits = "0123456789*#ABCD";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Only printable ASCII, tabs and line ends: a NUL or an escape in a body
// means something is wrong upstream, so the whole body is refused.
bool clean(std::string_view body) {
  if (body.size() > kMaxInfoDtmfBody) return false;
  for (char c : body) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x7f || (u < 0x20 && c != '\t' && c != '\r' && c != '\n')) return false;
  }
  return true;
}

// Decimal without sign, clamped at `limit`; nullopt for anything else.
std::optional<std::uint32_t> parse_number(std::string_view s, std::uint32_t limit) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > limit) value = limit + 1ull;  // keeps counting without overflow
  }
  return static_cast<std::uint32_t>(value > limit ? limit : value);
}

// "5", "*", "a", or the numeric event codes 10/11 that some phones send.
std::optional<char> parse_signal(std::string_view s) {
  if (s.size() == 1) {
    int code = dtmf_event_of_digit(s[0]);
    if (code < 0) return std::nullopt;
    return dtmf_digit_of_event(code);
  }
  if (s == "10") return '*';
  if (s == "11") return '#';
  return std::nullopt;
}

}  // namespace

const char* to_string(DtmfSource source) {
  switch (source) {
    case DtmfSource::rfc4733: return "rfc4733";
    case DtmfSource::info: return "info";
    case DtmfSource::inband: return "inband";
  }
  return "unknown";
}

char dtmf_digit_of_event(int event_code) {
  if (event_code < 0 || event_code >= static_cast<int>(kEventDigits.size())) return 0;
  return kEventDigits[static_cast<std::size_t>(event_code)];
}

int dtmf_event_of_digit(char digit) {
  if (digit >= 'a' && digit <= 'd') digit = static_cast<char>(digit - 'a' + 'A');
  if (digit == 0) return -1;
  auto at = kEventDigits.find(digit);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

std::optional<InfoDtmf> parse_dtmf_relay(std::string_view body) {
  if (!clean(body)) return std::nullopt;
  std::optional<char> digit;
  std::optional<std::uint32_t> duration;
  while (!body.empty()) {
    auto end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim(line);
    if (line.empty()) continue;
    auto eq = line.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto key = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    // A repeated key is ambiguous: which press did the phone mean?
    if (iequals(key, "Signal")) {
      if (digit) return std::nullopt;
      digit = parse_signal(value);
      if (!digit) return std::nullopt;
    } else if (iequals(key, "Duration")) {
      if (duration) return std::nullopt;
      duration = parse_number(value, kMaxInfoDtmfDurationMs);
      if (!duration) return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  return InfoDtmf{*digit, duration.value_or(kDefaultInfoDtmfDurationMs)};
}

std::optional<InfoDtmf> parse_dtmf_body(std::string_view body) {
  if (!clean(body)) return std::nullopt;
  // Trailing CRLF is common; anything else around the digit is not.
  while (!body.empty() && (body.back() == '\r' || body.back() == '\n')) body.remove_suffix(1);
  auto digit = parse_signal(trim(body));
  if (!digit) return std::nullopt;
  return InfoDtmf{*digit, kDefaultInfoDtmfDurationMs};
}

std::optional<InfoDtmf> parse_info_dtmf(std::string_view content_type, std::string_view body) {
  auto type = trim(content_type.substr(0, content_type.find(';')));
  if (iequals(type, "application/dtmf-relay")) return parse_dtmf_relay(body);
  if (iequals(type, "application/dtmf")) return parse_dtmf_body(body);
  return std::nullopt;
}

std::string build_dtmf_relay(char digit, std::uint32_t duration_ms) {
  if (!is_dtmf_digit(digit)) return {};
  std::string body = "Signal=";
  body += dtmf_digit_of_event(dtmf_event_of_digit(digit));
  body += "\r\nDuration=";
  body += std::to_string(duration_ms);
  body += "\r\n";
  return body;
}

std::string build_dtmf_body(char digit) {
  if (!is_dtmf_digit(digit)) return {};
  return std::string(1, dtmf_digit_of_event(dtmf_event_of_digit(digit)));
}

}  // namespace hotline::media
