#pragma once
#include <string_view>

namespace hotline {
std::string_view version();
std::string_view build_type();
}  // namespace hotline
