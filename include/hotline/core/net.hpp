#pragma once
// Small address types shared by every listener and allowlist.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hotline {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  // "127.0.0.1:8080", "[::1]:8080"; nullopt when malformed.
  static std::optional<Endpoint> parse(std::string_view text);
  std::string to_string() const;
};

// An IPv4 or IPv6 network, e.g. 10.0.0.0/8 or ::1/128.
class Cidr {
 public:
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(std::string_view address) const;
  std::string to_string() const;

 private:
  bool v6_ = false;
  std::array<std::uint8_t, 16> bytes_{};
  unsigned prefix_ = 0;
};

}  // namespace hotline
