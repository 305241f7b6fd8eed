#pragma once
// The one error type of hotlined. Subsystems throw hotline::Error at their
// boundaries; the API edge turns it into a JSON error and the CLI into a message
// and an exit code. Nothing catches it only to drop it.
#include <stdexcept>
#include <string>
#include <string_view>

namespace hotline {

enum class Errc {
  invalid_argument,  // the caller sent something malformed or out of range
  not_found,
  conflict,  // the state of the thing forbids the operation (or a unique key clash)
  unauthenticated,
  forbidden,
  locked,  // account locked after repeated failures
  too_large,
  rate_limited,
  unavailable,  // shutting down, overloaded
  internal,
};

std::string_view to_string(Errc code);
int http_status(Errc code);

class Error : public std::runtime_error {
 public:
  Error(Errc code, std::string message) : std::runtime_error(std::move(message)), code_(code) {}
  Errc code() const noexcept { return code_; }

 private:
  Errc code_;
};

}  // namespace hotline
