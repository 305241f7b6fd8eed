#include "hotline/core/net.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace hotline {
namespace {

// Parses an IPv4 or IPv6 literal into 16 bytes; returns whether it is v6.
std::optional<bool> parse_address(std::string_view text, std::array<std::uint8_t, 16>& out) {
  std::string s(text);
  out.fill(0);
  if (inet_pton(AF_INET, s.c_str(), out.data()) == 1) return false;
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) {
    // An IPv4-mapped v6 address (::ffff:a.b.c.d) is matched as IPv4.
    static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(out.data(), mapped, 12) == 0) {
      std::memmove(out.data(), out.data() + 12, 4);
      std::memset(out.data() + 4, 0, 12);
      return false;
    }
    return true;
  }
  return std::nullopt;
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') return std::nullopt;
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return std::nullopt;
  }
  if (host.empty() || port.empty()) return std::nullopt;
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) return std::nullopt;
  std::array<std::uint8_t, 16> ignored{};
  if (!parse_address(host, ignored)) return std::nullopt;
  return Endpoint{std::string(host), static_cast<std::uint16_t>(value)};
}

std::string Endpoint::to_string() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  Cidr cidr;
  auto slash = text.find('/');
  auto addr = text.substr(0, slash);
  auto v6 = parse_address(addr, cidr.bytes_);
  if (!v6) return std::nullopt;
  cidr.v6_ = *v6;
  unsigned max_prefix = cidr.v6_ ? 128 : 32;
  cidr.prefix_ = max_prefix;
  if (slash != std::string_view::npos) {
    auto p = text.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), cidr.prefix_);
    if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || cidr.prefix_ > max_prefix) return std::nullopt;
  }
  return cidr;
}

bool Cidr::contains(std::string_view address) const {
  std::array<std::uint8_t, 16> bytes{};
  auto v6 = parse_address(address, bytes);
  if (!v6 || *v6 != v6_) return false;
  unsigned full = prefix_ / 8;
  if (std::memcmp(bytes.data(), bytes_.data(), full) != 0) return false;
  unsigned rest = prefix_ % 8;
  if (rest == 0) return true;
  std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (bytes[full] & mask) == (bytes_[full] & mask);
}

std::string Cidr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6_ ? AF_INET6 : AF_INET, bytes_.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(prefix_);
}

}  // namespace hotline
