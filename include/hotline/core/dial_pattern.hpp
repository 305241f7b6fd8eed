#pragma once
// Dial plan patterns, as PBX admins know them from Asterisk: a literal number
// ("12345"), or "_" followed by X (0-9), Z (1-9), N (2-9), a set such as
// [1-5] or [136], and a final "." (one or more of anything) or "!" (zero or
// more). Literal digits, *, # and + match themselves.
#include <optional>
#include <string>
#include <string_view>

namespace hotline {

// nullopt when the pattern is well formed, else why not.
std::optional<std::string> dial_pattern_problem(std::string_view pattern);
bool dial_pattern_matches(std::string_view pattern, std::string_view number);

}  // namespace hotline
