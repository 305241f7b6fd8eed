#pragma once
// Case-insensitive ASCII comparisons, as SIP header names, methods' tokens
// and SDP encoding names need (RFC 3261 §7.3.1). Internal to src/sip.
#include <cctype>
#include <string>
#include <string_view>

namespace hotline::sip::text {

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

inline std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace hotline::sip::text
