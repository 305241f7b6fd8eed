#include "hotline/pbx/dialplan.hpp"

#include "hotline/core/dial_pattern.hpp"

namespace hotline::pbx {
namespace {

std::optional<Route> apply(const DialRule& rule, std::string_view number) {
  if (!dial_pattern_matches(rule.match, number)) return std::nullopt;
  Route r;
  std::string rest(number.substr(std::min<std::size_t>(rule.strip, number.size())));
  r.number = rule.prepend + rest;
  auto colon = rule.to.find(':');
  std::string kind = rule.to.substr(0, colon);
  std::string target = colon == std::string::npos ? std::string() : rule.to.substr(colon + 1);
  if (kind == "echo") {
    r.kind = Route::Kind::echo;
  } else if (kind == "keypad-test") {
    r.kind = Route::Kind::keypad_test;
  } else if (kind == "extension") {
    r.kind = Route::Kind::extension;
    r.target = target.empty() ? r.number : target;
  } else if (kind == "trunk") {
    r.kind = Route::Kind::trunk;
    r.target = target;
  } else if (kind == "ivr") {
    r.kind = Route::Kind::ivr;
    r.target = target;
  } else if (kind == "queue") {
    r.kind = Route::Kind::queue;
    r.target = target;
  } else if (kind == "conference") {
    r.kind = Route::Kind::conference;
    r.target = target;
  } else if (kind == "listen" || kind == "whisper" || kind == "barge") {
    // A supervisor joins the call of the extension named (or dialled after the prefix).
    r.kind = kind == "listen" ? Route::Kind::listen : kind == "whisper" ? Route::Kind::whisper : Route::Kind::barge;
    r.target = target.empty() ? r.number : target;
  } else {
    r.kind = Route::Kind::reject;
    r.status = std::stoi(target);
  }
  return r;
}

}  // namespace

std::string Route::describe() const {
  switch (kind) {
    case Kind::echo:
      return "echo";
    case Kind::keypad_test:
      return "keypad-test";
    case Kind::extension:
      return "extension:" + target;
    case Kind::trunk:
      return "trunk:" + target;
    case Kind::ivr:
      return "ivr:" + target;
    case Kind::queue:
      return "queue:" + target;
    case Kind::conference:
      return "conference:" + target;
    case Kind::listen:
      return "listen:" + target;
    case Kind::whisper:
      return "whisper:" + target;
    case Kind::barge:
      return "barge:" + target;
    case Kind::reject:
      return "reject:" + std::to_string(status);
  }
  return "unknown";
}

DialPlan::DialPlan(const Config& config)
    : trunks_(config.trunks), rules_(config.dialplan), classes_(config.classes_of_service) {}

bool DialPlan::allowed(const std::string& class_of_service, std::string_view number) const {
  auto it = classes_.find(class_of_service);
  if (it == classes_.end()) return false;  // an unknown class allows nothing: fail closed
  for (const auto& pattern : it->second) {
    if (dial_pattern_matches(pattern, number)) return true;
  }
  return false;
}

std::variant<Route, Refusal> DialPlan::route(const Caller& caller, std::string_view number) const {
  if (number.empty()) return Refusal{484, "no number dialled"};
  if (caller.trunk) {
    for (const auto& rule : caller.trunk->inbound) {
      if (auto r = apply(rule, number)) return *r;
    }
  }
  if (!allowed(caller.class_of_service, number))
    return Refusal{403, "class of service \"" + caller.class_of_service + "\" may not dial this number"};
  for (const auto& rule : rules_) {
    if (auto r = apply(rule, number)) return *r;
  }
  return Refusal{404, "no dial plan rule matches"};
}

const TrunkConfig* DialPlan::trunk_for_address(std::string_view address) const {
  for (const auto& t : trunks_) {
    for (const auto& net : t.acl) {
      if (net.contains(address)) return &t;
    }
  }
  return nullptr;
}

const TrunkConfig* DialPlan::trunk(std::string_view name) const {
  for (const auto& t : trunks_) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace hotline::pbx
