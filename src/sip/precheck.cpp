#include "hotline/sip/precheck.hpp"

#include <array>
#include <charconv>
#include <optional>

#include "text.hpp"

namespace hotline::sip {
namespace {

using text::iequals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '!' || c == '%' || c == '*' || c == '_' || c == '+' || c == '`' || c == '\'' || c == '~';
}

// "INVITE sip:x SIP/2.0" or "SIP/2.0 200 OK"; nullopt when neither.
std::optional<bool> start_line_is_request(std::string_view line) {
  if (line.size() >= 12 && line.substr(0, 8) == "SIP/2.0 ") {
    auto code = line.substr(8, 3);
    for (char c : code) {
      if (c < '0' || c > '9') return std::nullopt;
    }
    if (code[0] < '1' || code[0] > '6' || (line.size() > 11 && line[11] != ' ')) return std::nullopt;
    return false;
  }
  auto sp1 = line.find(' ');
  if (sp1 == 0 || sp1 == std::string_view::npos) return std::nullopt;
  for (char c : line.substr(0, sp1)) {
    if (!is_token_char(c)) return std::nullopt;
  }
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return std::nullopt;
  if (line.substr(sp2 + 1) != "SIP/2.0") return std::nullopt;
  return true;
}

// Headers that may appear only once (RFC 3261 §7.3.1 lists which may repeat);
// a second copy is how request smuggling and desync attacks start.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kSingle = {{
    {"content-length", "l"},
    {"call-id", "i"},
    {"cseq", ""},
    {"from", "f"},
    {"to", "t"},
    {"max-forwards", ""},
}};

Precheck verdict(Verdict v, std::string reason, bool is_request) {
  Precheck p;
  p.verdict = v;
  p.reason = std::move(reason);
  p.is_request = is_request;
  return p;
}

}  // namespace

Precheck precheck(std::string_view bytes, Framing framing, const Limits& limits) {
  // RFC 5626 keep-alives (CRLF or CRLFCRLF) and stray line ends.
  std::size_t leading = 0;
  while (leading < bytes.size() && (bytes[leading] == '\r' || bytes[leading] == '\n')) ++leading;
  if (leading == bytes.size()) {
    auto p = verdict(Verdict::drop, "keep-alive", false);
    p.message_length = bytes.size();
    return p;
  }
  if (framing == Framing::datagram && leading > 0)
    return verdict(Verdict::drop, "line ends before the start line", false);
  std::string_view message = bytes.substr(leading);

  auto header_end = message.find("\r\n\r\n");
  std::size_t separator = 4;
  if (header_end == std::string_view::npos) {
    if (framing == Framing::stream && message.size() <= limits.max_message_bytes) {
      return verdict(Verdict::drop, std::string(kIncomplete), false);
    }
    header_end = message.size();
    separator = 0;
  }
  if (header_end > limits.max_message_bytes) return verdict(Verdict::drop, "header section too large", false);

  auto first_end = message.find("\r\n");
  std::string_view start_line = message.substr(0, std::min(first_end, header_end));
  auto kind = start_line_is_request(start_line);
  if (!kind) return verdict(Verdict::drop, "not a SIP start line", false);
  bool is_request = *kind;
  // From here on, problems in a request earn a 400; responses are dropped.
  Verdict bad = is_request ? Verdict::reject : Verdict::drop;
  if (separator == 0) return verdict(bad, "the header section does not end", is_request);

  std::string_view headers = message.substr(0, header_end);
  for (char c : headers) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0) return verdict(Verdict::drop, "NUL byte in the header section", is_request);
    if (u < 0x20 && c != '\r' && c != '\n' && c != '\t')
      return verdict(bad, "control character in a header", is_request);
    if (u == 0x7f) return verdict(bad, "control character in a header", is_request);
  }

  std::optional<std::size_t> content_length;
  std::array<int, kSingle.size()> seen{};
  std::size_t lines = 0;
  std::size_t pos = first_end == std::string_view::npos ? headers.size() : first_end + 2;
  while (pos < headers.size()) {
    auto eol = headers.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = headers.size();
    std::string_view line = headers.substr(pos, eol - pos);
    pos = eol + 2;
    if (++lines > limits.max_header_lines) return verdict(bad, "too many header lines", is_request);
    if (line.size() > limits.max_line_bytes) return verdict(bad, "header line too long", is_request);
    if (line.find('\n') != std::string_view::npos) return verdict(bad, "bare LF inside a header", is_request);
    if (line.find('\r') != std::string_view::npos) return verdict(bad, "bare CR inside a header", is_request);
    if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) continue;  // folded continuation
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return verdict(bad, "header line without a name", is_request);
    std::string_view name = trim(line.substr(0, colon));
    for (char c : name) {
      if (!is_token_char(c)) return verdict(bad, "bad character in a header name", is_request);
    }
    for (std::size_t i = 0; i < kSingle.size(); ++i) {
      if (iequals(name, kSingle[i].first) || (!kSingle[i].second.empty() && iequals(name, kSingle[i].second))) {
        if (++seen[i] > 1) return verdict(bad, "duplicate " + std::string(kSingle[i].first) + " header", is_request);
      }
    }
    if (iequals(name, "content-length") || iequals(name, "l")) {
      std::string_view value = trim(line.substr(colon + 1));
      std::size_t n = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc() || end != value.data() + value.size() || value.size() > 9) {
        return verdict(bad, "Content-Length is not a number", is_request);
      }
      content_length = n;
    }
  }

  std::size_t body_available = message.size() - header_end - separator;
  std::size_t body = 0;
  if (content_length) {
    if (*content_length > limits.max_message_bytes) return verdict(bad, "Content-Length too large", is_request);
    if (*content_length > body_available) {
      if (framing == Framing::stream) return verdict(Verdict::drop, std::string(kIncomplete), is_request);
      return verdict(bad, "Content-Length larger than the body", is_request);
    }
    body = *content_length;  // extra bytes in a datagram are ignored (RFC 3261 §18.3)
  } else {
    if (framing == Framing::stream) return verdict(bad, "Content-Length is required over a stream", is_request);
    body = body_available;
  }
  if (header_end + separator + body > limits.max_message_bytes)
    return verdict(Verdict::drop, "message too large", is_request);

  Precheck ok;
  ok.verdict = Verdict::accept;
  ok.is_request = is_request;
  ok.body_length = body;
  ok.message_length = leading + header_end + separator + body;
  return ok;
}

}  // namespace hotline::sip
