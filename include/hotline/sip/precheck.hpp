#pragma once
// The first look at bytes from the network, before any parser sees them: size
// caps, NUL bytes and control characters, a SIP start line, a header section
// that ends, sane and unique Content-Length. Pure function over bytes; fuzzed
// (tests/fuzz/fuzz_sip_message.cpp).
#include <cstddef>
#include <string>
#include <string_view>

namespace hotline::sip {

struct Limits {
  std::size_t max_message_bytes = 16384;
  std::size_t max_header_lines = 128;
  std::size_t max_line_bytes = 4096;
};

enum class Verdict {
  accept,  // hand it to the parser
  reject,  // a request worth a 400 if its routing headers can be read
  drop,    // not SIP, or not worth an answer (keep-alives, garbage, responses)
};

struct Precheck {
  Verdict verdict = Verdict::drop;
  std::string reason;              // for reject/drop: why (logged, and the 400's reason text)
  std::size_t message_length = 0;  // header section + body as framed by Content-Length
  std::size_t body_length = 0;
  bool is_request = false;
};

enum class Framing { datagram, stream };

// For a datagram: the whole payload. For a stream: the buffered bytes from
// the start of a message; message_length tells how much to consume, and
// verdict drop with reason "incomplete" means: wait for more bytes.
Precheck precheck(std::string_view bytes, Framing framing, const Limits& limits);

inline constexpr std::string_view kIncomplete = "incomplete";

}  // namespace hotline::sip
