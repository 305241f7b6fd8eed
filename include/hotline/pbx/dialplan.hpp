#pragma once
// Where a dialled number goes: trunk inbound mapping first, then the dial
// plan, each rule a pattern and a target; and whether the caller's class of
// service allows the number at all. Pure: built from the config, tested alone.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hotline/core/config.hpp"

namespace hotline::pbx {

struct Route {
  enum class Kind { echo, keypad_test, extension, trunk, ivr, queue, conference, listen, whisper, barge, reject };
  Kind kind = Kind::reject;
  std::string target;            // extension number, trunk name, flow, queue or room
  std::string number;            // the number to send on (after strip and prepend)
  int status = 0;                // reject: the SIP status
  std::string describe() const;  // "extension:8001", "trunk:carrier", "echo"
};

struct Caller {
  std::string source;                  // "trunk:NAME" or "extension:NUM"
  const TrunkConfig* trunk = nullptr;  // for trunk calls: its inbound mapping comes first
  std::string class_of_service = "all";
};

struct Refusal {
  int status = 404;
  std::string reason;
};

class DialPlan {
 public:
  explicit DialPlan(const Config& config);

  std::variant<Route, Refusal> route(const Caller& caller, std::string_view number) const;
  // The trunk whose ACL holds this source address, if any.
  const TrunkConfig* trunk_for_address(std::string_view address) const;
  const TrunkConfig* trunk(std::string_view name) const;
  bool allowed(const std::string& class_of_service, std::string_view number) const;

 private:
  std::vector<TrunkConfig> trunks_;
  std::vector<DialRule> rules_;
  std::map<std::string, std::vector<std::string>> classes_;
};

}  // namespace hotline::pbx
