#pragma once
// Channels in use now, for the wallboard (the calls.stats push): calls in
// progress, their live legs, and legs by endpoint kind ("trunk:NAME",
// "extension", "browser"). Kept apart from calls.hpp so the API can name it
// without pulling the call model in.
#include <cstddef>
#include <map>
#include <string>

namespace hotline::pbx {

struct ChannelUse {
  std::size_t calls = 0;
  std::size_t legs = 0;
  std::map<std::string, std::size_t> by_endpoint;
  friend bool operator==(const ChannelUse&, const ChannelUse&) = default;
};

}  // namespace hotline::pbx
