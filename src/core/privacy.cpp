#include "hotline/core/privacy.hpp"

namespace hotline {

std::string mask_phone(std::string_view number) {
  if (number.size() >= 7) {
    return std::string(number.substr(0, 3)) + std::string(number.size() - 7, '*') + "****" +
           std::string(number.substr(number.size() - 4));
  }
  if (number.empty()) return {};
  return std::string(number.size() - 1, '*') + number.back();
}

}  // namespace hotline
