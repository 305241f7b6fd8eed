#include "telephone_event.hpp"

#include "bytes.hpp"

namespace hotline::media {

std::optional<TelephoneEvent> parse_telephone_event(std::span<const std::uint8_t> payload) {
  if (payload.size() < kTelephoneEventSize) return std::nullopt;
  TelephoneEvent e;
  e.event = payload[0];
  e.end = (payload[1] & 0x80) != 0;
  e.volume = payload[1] & 0x3F;
  e.duration = load16(payload.data() + 2);
  return e;
}

std::array<std::uint8_t, kTelephoneEventSize> build_telephone_event(const TelephoneEvent& event) {
  std::array<std::uint8_t, kTelephoneEventSize> out{};
  out[0] = event.event;
  out[1] = static_cast<std::uint8_t>((event.end ? 0x80 : 0) | (event.volume & 0x3F));
  store16(out.data() + 2, event.duration);
  return out;
}

}  // namespace hotline::media
