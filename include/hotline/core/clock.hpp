#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace hotline {

// Milliseconds since the Unix epoch, the time unit stored in the database.
inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "2026-11-28T04:05:06.123Z"
std::string format_utc(std::int64_t unix_ms);

}  // namespace hotline
