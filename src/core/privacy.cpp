#include "hotline/core/privacy.hpp"

namespace hotline {

std::string mask_phone(std::string_view number) {
  if (number.size() >= 8) {
    return std::string(number.substr(0, 3)) + std::string(number.size() - 7, '*') +
           std::string(number.substr(number.size() - 4));
  }
  std::size_t keep = number.size() > 2 ? 2 : 0;
  return std::string(number.size() - keep, '*') + std::string(number.substr(number.size() - keep));
}

}  // namespace hotline
