// Fuzzes what peers send us about DTMF: SIP INFO bodies (both content
// types) and streams of RFC 4733 telephone-event packets through the
// receiver. The first byte picks the target.
//
// Invariants checked beyond "no crash": a parsed INFO digit builds into a
// body that parses back the same; the receiver calls on_dtmf_begin once
// before each on_dtmf, never reports a non-digit, and never reports a
// digit twice without a begin in between.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string_view>

#include "hotline/media/dtmf.hpp"
#include "telephone_event_receiver.hpp"

using namespace hotline::media;

namespace {

struct Checker final : DtmfListener {
  bool open = false;
  char digit = 0;
  void on_dtmf_begin(char d, DtmfSource) override {
    if (open || !is_dtmf_digit(d)) std::abort();
    open = true;
    digit = d;
  }
  void on_dtmf(const DtmfEvent& e) override {
    if (!open || e.digit != digit || e.source != DtmfSource::rfc4733) std::abort();
    open = false;
  }
};

void fuzz_info(std::string_view content_type, std::string_view body) {
  auto parsed = parse_info_dtmf(content_type, body);
  if (!parsed) return;
  if (!is_dtmf_digit(parsed->digit) || parsed->duration_ms > kMaxInfoDtmfDurationMs) std::abort();
  auto again = parse_dtmf_relay(build_dtmf_relay(parsed->digit, parsed->duration_ms));
  if (!again || again->digit != parsed->digit || again->duration_ms != parsed->duration_ms) std::abort();
  auto plain = parse_dtmf_body(build_dtmf_body(parsed->digit));
  if (!plain || plain->digit != parsed->digit) std::abort();
}

// 13-byte records: SSRC selector, sequence (2), timestamp (4), marker,
// payload (4), milliseconds since the previous packet.
void fuzz_receiver(std::span<const std::uint8_t> data) {
  Checker checker;
  TelephoneEventReceiver receiver(checker);
  auto now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
  while (data.size() >= 13) {
    std::uint32_t ssrc = 0x1000u + (data[0] & 3);
    auto sequence = static_cast<std::uint16_t>(data[1] << 8 | data[2]);
    std::uint32_t timestamp = std::uint32_t{data[3]} << 24 | std::uint32_t{data[4]} << 16 | data[5] << 8 | data[6];
    bool marker = data[7] & 1;
    now += std::chrono::milliseconds(data[12]);
    receiver.on_packet(ssrc, sequence, timestamp, marker, data.subspan(8, 4), now);
    if (data[0] & 0x80) receiver.poll(now);
    data = data.subspan(13);
  }
  receiver.poll(now + std::chrono::hours(1));
  if (checker.open || receiver.in_digit()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_info("application/dtmf-relay", rest); break;
    case 1: fuzz_info("application/dtmf", rest); break;
    default: fuzz_receiver({data + 1, size - 1}); break;
  }
  return 0;
}
