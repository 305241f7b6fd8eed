// Fuzzes what hotlined's own code parses out of an HTTP request: the query
// string, percent-decoding, the Cookie header and the static-file path check.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hotline/api/http.hpp"
#include "static_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto query = hotline::api::parse_query(input);
  for (const auto& [key, value] : query) {
    if (key.empty() && value.empty() && input.find('=') == std::string_view::npos) std::abort();
  }
  hotline::api::cookie_value(input, "hotline_session");
  if (auto decoded = hotline::api::percent_decode(input)) {
    if (decoded->size() > input.size()) std::abort();  // decoding never grows
    if (hotline::api::is_safe_path(*decoded)) {
      // A path judged safe never climbs out of the root.
      std::string_view p = *decoded;
      if (p.find("/../") != std::string_view::npos || p.ends_with("/..") || p.find('\0') != std::string_view::npos) {
        std::abort();
      }
    }
  }
  return 0;
}
