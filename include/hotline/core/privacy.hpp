#pragma once
// Masking of personal data for logs and for roles that may not see it.
#include <string>
#include <string_view>

namespace hotline {

// "13812345678" -> "138****5678"; numbers under 8 digits keep only their last two.
std::string mask_phone(std::string_view number);

}  // namespace hotline
