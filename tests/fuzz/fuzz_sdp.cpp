// Fuzzes the SDP parser and the offer/answer choice on what it returns.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hotline/sip/sdp.hpp"

using namespace hotline::sip;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto result = parse_sdp(input);
  if (auto* d = std::get_if<SessionDescription>(&result)) {
    if (d->audio) {
      if (auto formats = choose_formats(*d->audio)) {
        if (formats->empty() || formats->size() > 2) std::abort();
        auto answer = build_sdp({"127.0.0.1", 20000, *formats, answer_direction(d->audio->direction), 1, 1});
        auto reparsed = parse_sdp(answer);
        if (!std::holds_alternative<SessionDescription>(reparsed)) std::abort();
      }
    }
  }
  return 0;
}
