// The flow loader and validator: yaml-cpp turns the text into nodes with
// marks; this file reads them into a Flow and collects every problem with
// its position, then checks the graph (references, reachability, loops).
#include "hotline/ivr/flow.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>

#include "hotline/ivr/schedule.hpp"
#include "hotline/tickets/kb.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::ivr {
namespace {

constexpr std::size_t kMaxNodes = 5000;
constexpr std::size_t kMaxPromptItems = 100;

const char* const kTypeNames = "play, menu, collect, record, queue, transfer, condition, set, goto, action, hangup";

std::optional<NodeType> parse_node_type(std::string_view s) {
  static const std::pair<const char*, NodeType> names[] = {
      {"play", NodeType::play},       {"menu", NodeType::menu},         {"collect", NodeType::collect},
      {"record", NodeType::record},   {"queue", NodeType::queue},       {"transfer", NodeType::transfer},
      {"condition", NodeType::condition}, {"set", NodeType::set},       {"goto", NodeType::goto_node},
      {"action", NodeType::action},   {"hangup", NodeType::hangup}};
  for (const auto& [name, type] : names) {
    if (s == name) return type;
  }
  return std::nullopt;
}

bool is_key(char c) { return (c >= '0' && c <= '9') || c == '*' || c == '#'; }

bool valid_identifier(std::string_view s, std::string_view extra) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              extra.find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string fnv1a_hex(std::string_view text) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Reads one file's YAML into a Flow, collecting diagnostics.
class Reader {
 public:
  Reader(const std::string& file, const ValidationContext& context, std::vector<Diagnostic>& errors)
      : file_(file), context_(context), errors_(errors) {}

  SourcePos pos(const YAML::Node& n, SourcePos fallback = {}) const {
    if (!n.IsDefined()) return fallback;
    auto m = n.Mark();
    if (m.is_null()) return fallback;
    return {m.line + 1, m.column + 1};
  }
  void error(SourcePos p, std::string message) { errors_.push_back({file_, p, std::move(message)}); }
  void error(const YAML::Node& n, std::string message, SourcePos fallback = {}) {
    error(pos(n, fallback), std::move(message));
  }

  // The map's keys: each a plain scalar, none twice, each one of `allowed`.
  // Returns the key nodes by name.
  std::map<std::string, YAML::Node> keys(const YAML::Node& map, const std::set<std::string>& allowed,
                                         const std::string& where, bool check_allowed = true) {
    std::map<std::string, YAML::Node> out;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) {
        error(key, "keys must be plain words" + where);
        continue;
      }
      const std::string& k = key.Scalar();
      if (out.count(k)) {
        error(key, "key " + quote(k) + " appears twice" + where);
        continue;
      }
      out.emplace(k, key);
      if (check_allowed && !allowed.count(k)) error(key, "unknown key " + quote(k) + where);
    }
    return out;
  }

  std::optional<std::string> text(const YAML::Node& map, const char* key, SourcePos fallback) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    if (!v.IsScalar()) {
      error(v, quote(key) + " must be a text", fallback);
      return std::nullopt;
    }
    std::string problem;
    if (!check_substitutions(v.Scalar(), &problem)) error(v, quote(key) + ": " + problem, fallback);
    return v.Scalar();
  }

  std::string required_text(const YAML::Node& map, const char* key, SourcePos where, const std::string& what) {
    auto t = text(map, key, where);
    if (!t || t->empty()) {
      if (!t) error(where, what + " needs " + quote(key));
      else error(pos(map[key], where), what + ": " + quote(key) + " must not be empty");
      return {};
    }
    return *t;
  }

  std::optional<bool> boolean(const YAML::Node& map, const char* key, SourcePos fallback) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return std::nullopt;
    if (v.IsScalar() && (v.Scalar() == "true" || v.Scalar() == "false")) return v.Scalar() == "true";
    error(v, quote(key) + " must be true or false", fallback);
    return std::nullopt;
  }

  void integer(const YAML::Node& map, const char* key, int& out, int min, int max, SourcePos fallback) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return;
    if (v.IsScalar()) {
      const std::string& s = v.Scalar();
      char* end = nullptr;
      long n = std::strtol(s.c_str(), &end, 10);
      if (!s.empty() && end && *end == 0 && n >= min && n <= max) {
        out = static_cast<int>(n);
        return;
      }
    }
    error(v, quote(key) + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max),
          fallback);
  }

  // Seconds, decimals allowed: "timeout: 2.5".
  void seconds(const YAML::Node& map, const char* key, std::chrono::milliseconds& out, double min, double max,
               SourcePos fallback) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) return;
    if (v.IsScalar()) {
      const std::string& s = v.Scalar();
      char* end = nullptr;
      double d = std::strtod(s.c_str(), &end);
      if (!s.empty() && end && *end == 0 && d >= min && d <= max) {
        out = std::chrono::milliseconds(static_cast<long long>(d * 1000 + 0.5));
        return;
      }
    }
    char range[64];
    std::snprintf(range, sizeof range, "%g to %g", min, max);
    error(v, quote(key) + " must be a number of seconds from " + range, fallback);
  }

  std::optional<char> single_key(const YAML::Node& v, const std::string& what, SourcePos fallback) {
    if (!v.IsScalar() || v.Scalar().size() != 1 || !is_key(v.Scalar()[0])) {
      error(v, what + ": " + quote(v.IsScalar() ? v.Scalar() : std::string("?")) +
                   " is not a key (one of 0-9, * or #)",
            fallback);
      return std::nullopt;
    }
    return v.Scalar()[0];
  }

  // A node reference: recorded for the graph check.
  std::string ref(const YAML::Node& map, const char* key, SourcePos fallback, const std::string& node, bool required,
                  const std::string& what) {
    const YAML::Node v = map[key];
    if (!v.IsDefined() || v.IsNull()) {
      if (required) error(fallback, what + " needs " + quote(key));
      return {};
    }
    return ref_value(v, key, fallback, node);
  }
  std::string ref_value(const YAML::Node& v, const std::string& label, SourcePos fallback, const std::string& node) {
    if (!v.IsScalar() || v.Scalar().empty()) {
      error(v, quote(label) + " must name a node", fallback);
      return {};
    }
    refs_.push_back({node, label, v.Scalar(), pos(v, fallback)});
    return v.Scalar();
  }

  Prompt prompt(const YAML::Node& v, const std::string& what, SourcePos fallback) {
    Prompt out;
    if (!v.IsDefined() || v.IsNull()) return out;
    if (v.IsSequence()) {
      if (v.size() == 0) error(v, what + ": an empty list says nothing", fallback);
      if (v.size() > kMaxPromptItems) {
        error(v, what + ": more than " + std::to_string(kMaxPromptItems) + " items", fallback);
        return out;
      }
      for (const auto& item : v) prompt_item(item, what, pos(v, fallback), out);
    } else {
      prompt_item(v, what, fallback, out);
    }
    return out;
  }

  void prompt_item(const YAML::Node& v, const std::string& what, SourcePos fallback, Prompt& out) {
    PromptSpec p;
    p.pos = pos(v, fallback);
    if (v.IsScalar()) {
      std::string problem;
      if (!check_substitutions(v.Scalar(), &problem)) error(v, what + ": " + problem, fallback);
      if (v.Scalar().empty()) error(v, what + ": an empty text says nothing", fallback);
      p.text = v.Scalar();
      out.push_back(std::move(p));
      return;
    }
    if (!v.IsMap()) {
      error(v, what + ": a prompt item is a text or a mapping (key/text/en, file, or say/value)", fallback);
      return;
    }
    auto k = keys(v, {"key", "text", "en", "file", "say", "value"}, " in a prompt item");
    if (k.count("file")) {
      p.kind = PromptSpec::Kind::file;
      if (k.size() > 1) error(v, what + ": a file item has nothing but file:", fallback);
      p.file = text(v, "file", p.pos).value_or("");
      check_file(v["file"], p.file, p.pos);
    } else if (k.count("say")) {
      p.kind = PromptSpec::Kind::say;
      auto kind = text(v, "say", p.pos).value_or("");
      auto parsed = parse_say_kind(kind);
      if (!parsed)
        error(v["say"], "say: unknown kind " + quote(kind) + " (number, digits, date, time, money, ticket_number)",
              p.pos);
      else
        p.say = *parsed;
      p.value = text(v, "value", p.pos).value_or("");
      if (!k.count("value")) error(p.pos, what + ": a say item needs value:");
      if (k.count("key") || k.count("text") || k.count("en") || k.count("file"))
        error(v, what + ": a say item has say: and value: only", fallback);
    } else {
      p.kind = PromptSpec::Kind::speech;
      p.key = text(v, "key", p.pos).value_or("");
      p.text = text(v, "text", p.pos).value_or("");
      p.text_en = text(v, "en", p.pos).value_or("");
      if (k.count("value")) error(k["value"], what + ": value: belongs to a say item", p.pos);
      if (!p.key.empty() && !valid_identifier(p.key, "-"))
        error(v["key"], what + ": prompt key " + quote(p.key) + " must be letters, digits, _ and - (a file name)",
              p.pos);
      if (p.text.empty())
        error(p.pos, what + (p.key.empty() ? ": a prompt item needs text:"
                                           : ": prompt " + quote(p.key) + " needs text: (spoken while no recording of it exists)"));
    }
    out.push_back(std::move(p));
  }

  void check_file(const YAML::Node& v, const std::string& file, SourcePos fallback) {
    if (file.empty()) {
      error(v, "file: must name a file under the prompts folder", fallback);
      return;
    }
    std::filesystem::path p(file);
    bool escapes = p.is_absolute();
    for (const auto& part : p) {
      if (part == "..") escapes = true;
    }
    if (escapes) {
      error(v, "file: " + quote(file) + " must be relative to the prompts folder, without ..", fallback);
      return;
    }
    if (file.find("${") != std::string::npos || context_.prompts_dir.empty()) return;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(context_.prompts_dir / p, ec))
      error(v, "prompt file " + quote(file) + " does not exist in the prompts folder", fallback);
  }

  RetryRules retry(const YAML::Node& map, SourcePos where, const std::string& id, const std::string& what) {
    RetryRules r;
    seconds(map, "timeout", r.timeout, 0.5, 600, where);
    integer(map, "retries", r.retries, 0, 20, where);
    r.invalid_prompt = prompt(map["invalid_prompt"], what + " invalid_prompt", where);
    r.timeout_prompt = prompt(map["timeout_prompt"], what + " timeout_prompt", where);
    r.fallback = ref(map, "fallback", where, id, false, what);
    return r;
  }

  ConditionTest condition_test(const YAML::Node& v, SourcePos where, const std::string& what) {
    ConditionTest t;
    if (!v.IsMap()) {
      error(v, what + ": if: must be a mapping of tests", where);
      return t;
    }
    auto k = keys(v,
                  {"schedule", "time", "days", "holiday", "working_day", "repeat_caller", "var", "equals",
                   "not_equals", "in", "empty"},
                  " in a condition");
    if (k.empty()) error(v, what + ": if: needs at least one test", where);
    SourcePos here = pos(v, where);
    if (auto s = text(v, "schedule", here)) {
      t.schedule = *s;
      if (context_.check_schedules && !context_.schedules.count(*s))
        error(v["schedule"], what + ": no schedule named " + quote(*s) + " in the configuration (ivr.schedules)",
              here);
    }
    if (k.count("time")) {
      const YAML::Node tv = v["time"];
      std::vector<YAML::Node> items;
      if (tv.IsSequence()) {
        for (const auto& i : tv) items.push_back(i);
      } else {
        items.push_back(tv);
      }
      for (const auto& i : items) {
        std::pair<int, int> range;
        if (!i.IsScalar() || !parse_hours(i.Scalar(), range))
          error(i, what + ": time: expected \"HH:MM-HH:MM\" with the start before the end", here);
        else
          t.times.push_back(range);
      }
    }
    if (k.count("days")) {
      const YAML::Node dv = v["days"];
      std::set<int> days;
      if (!dv.IsSequence() || dv.size() == 0) {
        error(dv, what + ": days: expected a list such as [mon, tue, wed, thu, fri]", here);
      } else {
        for (const auto& d : dv) {
          int w = d.IsScalar() ? parse_weekday(d.Scalar()) : -1;
          if (w < 0)
            error(d, what + ": days: " + quote(d.IsScalar() ? d.Scalar() : "?") + " is not one of mon..sun", here);
          else
            days.insert(w);
        }
      }
      t.weekdays = days;
    }
    t.holiday = boolean(v, "holiday", here);
    t.working_day = boolean(v, "working_day", here);
    t.repeat_caller = boolean(v, "repeat_caller", here);
    if (auto s = text(v, "var", here)) {
      t.var = *s;
      if (!valid_identifier(*s, ".")) error(v["var"], what + ": var: " + quote(*s) + " is not a variable name", here);
    }
    t.equals = text(v, "equals", here);
    t.not_equals = text(v, "not_equals", here);
    if (k.count("in")) {
      const YAML::Node iv = v["in"];
      std::vector<std::string> list;
      if (!iv.IsSequence()) {
        error(iv, what + ": in: expected a list of texts", here);
      } else {
        for (const auto& i : iv) {
          if (!i.IsScalar())
            error(i, what + ": in: expected a list of texts", here);
          else
            list.push_back(i.Scalar());
        }
      }
      t.in = list;
    }
    t.empty = boolean(v, "empty", here);
    bool compares = t.equals || t.not_equals || t.in || t.empty;
    if (t.var && !compares) error(here, what + ": var: needs equals, not_equals, in or empty");
    if (!t.var && compares) error(here, what + ": equals, not_equals, in and empty need var:");
    return t;
  }

  void read_node(const std::string& id, const YAML::Node& key, const YAML::Node& v, Flow& flow) {
    Node node;
    node.id = id;
    node.pos = pos(key);
    if (!valid_identifier(id, "-.")) error(key, "node name " + quote(id) + " must be letters, digits, _, - and .");
    if (!v.IsMap()) {
      error(v, "node " + quote(id) + " must be a mapping with type:", node.pos);
      return;
    }
    const YAML::Node type_node = v["type"];
    if (!type_node.IsDefined() || !type_node.IsScalar()) {
      error(node.pos, "node " + quote(id) + " needs a type (" + kTypeNames + ")");
      keys(v, {}, "", false);  // still reports duplicates
      return;
    }
    auto type = parse_node_type(type_node.Scalar());
    if (!type) {
      error(type_node, "node " + quote(id) + ": unknown type " + quote(type_node.Scalar()) + " (" + kTypeNames + ")");
      return;
    }
    node.type = *type;
    std::string what = std::string(to_string(node.type)) + " node " + quote(id);
    std::string where = " in " + what;
    SourcePos here = node.pos;
    std::set<std::string> common = {"type", "description"};
    auto allow = [&](std::initializer_list<const char*> more) {
      auto all = common;
      for (const char* m : more) all.insert(m);
      return keys(v, all, where);
    };
    if (auto d = text(v, "description", here)) node.description = *d;
    const std::initializer_list<const char*> retry_keys = {"timeout", "retries", "invalid_prompt", "timeout_prompt",
                                                           "fallback"};
    auto with_retry = [&](std::initializer_list<const char*> more) {
      auto all = common;
      for (const char* m : more) all.insert(m);
      for (const char* m : retry_keys) all.insert(m);
      return keys(v, all, where);
    };
    switch (node.type) {
      case NodeType::play: {
        allow({"prompt", "barge_in", "next"});
        PlayNode n;
        n.prompt = prompt(v["prompt"], what, here);
        if (n.prompt.empty()) error(here, what + " needs \"prompt\"");
        n.barge_in = boolean(v, "barge_in", here).value_or(false);
        n.next = ref(v, "next", here, id, true, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::menu: {
        with_retry({"prompt", "choices", "barge_in"});
        MenuNode n;
        n.prompt = prompt(v["prompt"], what, here);
        if (n.prompt.empty()) error(here, what + " needs \"prompt\"");
        n.barge_in = boolean(v, "barge_in", here).value_or(true);
        const YAML::Node choices = v["choices"];
        if (!choices.IsDefined() || !choices.IsMap() || choices.size() == 0) {
          error(choices.IsDefined() ? pos(choices, here) : here,
                what + " needs \"choices\": a mapping of keys to nodes, such as \"1\": human");
        } else {
          keys(choices, {}, " in the choices of " + what, false);  // duplicates; each key is checked below
          for (auto it = choices.begin(); it != choices.end(); ++it) {
            auto digit = single_key(it->first, what + " choices", here);
            auto target = ref_value(it->second, std::string("choice ") + (digit ? std::string(1, *digit) : "?"),
                                    pos(it->first, here), id);
            if (digit) n.choices[*digit] = target;
          }
        }
        n.retry = retry(v, here, id, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::collect: {
        with_retry({"prompt", "min_digits", "max_digits", "terminator", "inter_digit_timeout", "into", "barge_in",
                    "next"});
        CollectNode n;
        n.prompt = prompt(v["prompt"], what, here);
        if (n.prompt.empty()) error(here, what + " needs \"prompt\"");
        integer(v, "min_digits", n.min_digits, 0, 64, here);
        integer(v, "max_digits", n.max_digits, 1, 64, here);
        if (n.min_digits > n.max_digits) error(here, what + ": min_digits is more than max_digits");
        const YAML::Node term = v["terminator"];
        if (term.IsDefined()) {
          if (term.IsNull() || (term.IsScalar() && (term.Scalar() == "none" || term.Scalar().empty())))
            n.terminator.reset();
          else
            n.terminator = single_key(term, what + " terminator", here);
        }
        seconds(v, "inter_digit_timeout", n.inter_digit_timeout, 0.5, 60, here);
        n.into = required_text(v, "into", here, what);
        if (!n.into.empty() && !valid_identifier(n.into, "."))
          error(v["into"], what + ": into: " + quote(n.into) + " is not a variable name", here);
        n.barge_in = boolean(v, "barge_in", here).value_or(true);
        n.next = ref(v, "next", here, id, true, what);
        n.retry = retry(v, here, id, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::record: {
        keys(v,
             {"type", "description", "prompt", "beep", "max_seconds", "silence_seconds", "min_seconds", "end_digits",
              "store_as", "next", "retries", "invalid_prompt", "fallback"},
             where);
        RecordNode n;
        n.prompt = prompt(v["prompt"], what, here);
        n.beep = boolean(v, "beep", here).value_or(true);
        integer(v, "max_seconds", n.max_seconds, 1, 3600, here);
        integer(v, "silence_seconds", n.silence_seconds, 0, 60, here);
        integer(v, "min_seconds", n.min_seconds, 0, 60, here);
        if (n.min_seconds > n.max_seconds) error(here, what + ": min_seconds is more than max_seconds");
        if (auto d = text(v, "end_digits", here)) {
          n.end_digits = *d;
          for (char c : *d) {
            if (!is_key(c)) {
              error(v["end_digits"], what + ": end_digits: " + quote(std::string(1, c)) +
                                         " is not a key (one of 0-9, * or #)",
                    here);
              break;
            }
          }
        }
        if (auto s = text(v, "store_as", here)) {
          n.store_as = *s;
          if (*s != "message" && *s != "complaint" && *s != "mailbox")
            error(v["store_as"], what + ": store_as: expected message, complaint or mailbox", here);
        }
        n.next = ref(v, "next", here, id, true, what);
        integer(v, "retries", n.retry.retries, 0, 20, here);
        n.retry.invalid_prompt = prompt(v["invalid_prompt"], what + " invalid_prompt", here);
        n.retry.fallback = ref(v, "fallback", here, id, false, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::queue: {
        allow({"queue", "priority", "announcements", "on_failure"});
        QueueNode n;
        n.queue = required_text(v, "queue", here, what);
        n.priority = text(v, "priority", here).value_or("0");
        if (n.priority.find("${") == std::string::npos) {
          char* end = nullptr;
          long p = std::strtol(n.priority.c_str(), &end, 10);
          if (n.priority.empty() || *end != 0 || p < 0 || p > 100)
            error(v["priority"], what + ": priority must be a whole number from 0 to 100", here);
        }
        n.announcements = prompt(v["announcements"], what + " announcements", here);
        n.on_failure = ref(v, "on_failure", here, id, false, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::transfer: {
        allow({"prompt", "number", "trunk", "mode", "on_failure"});
        TransferNode n;
        n.prompt = prompt(v["prompt"], what, here);
        n.number = required_text(v, "number", here, what);
        if (!n.number.empty() && n.number.find("${") == std::string::npos) {
          for (char c : n.number) {
            if (!is_key(c) && c != '+') {
              error(v["number"], what + ": number: " + quote(n.number) + " is not a phone number (digits, *, #, +)",
                    here);
              break;
            }
          }
        }
        n.trunk = text(v, "trunk", here).value_or("");
        auto mode = text(v, "mode", here).value_or("blind");
        if (mode == "attended")
          n.mode = TransferMode::attended;
        else if (mode != "blind")
          error(v["mode"], what + ": mode: expected blind or attended", here);
        n.on_failure = ref(v, "on_failure", here, id, false, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::condition: {
        allow({"branches", "otherwise"});
        ConditionNode n;
        const YAML::Node branches = v["branches"];
        if (!branches.IsDefined() || !branches.IsSequence() || branches.size() == 0) {
          error(branches.IsDefined() ? pos(branches, here) : here,
                what + " needs \"branches\": a list of {if: {...}, goto: NODE}");
        } else {
          for (const auto& b : branches) {
            SourcePos bpos = pos(b, here);
            if (!b.IsMap()) {
              error(bpos, what + ": a branch is a mapping {if: {...}, goto: NODE}");
              continue;
            }
            keys(b, {"if", "goto"}, " in a branch of " + what);
            ConditionBranch branch;
            branch.pos = bpos;
            if (!b["if"].IsDefined())
              error(bpos, what + ": a branch needs if:");
            else
              branch.test = condition_test(b["if"], bpos, what);
            branch.target = ref(b, "goto", bpos, id, true, what + " branch");
            n.branches.push_back(std::move(branch));
          }
        }
        n.otherwise = ref(v, "otherwise", here, id, true, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::set: {
        allow({"values", "next"});
        SetNode n;
        const YAML::Node values = v["values"];
        if (!values.IsDefined() || !values.IsMap() || values.size() == 0) {
          error(values.IsDefined() ? pos(values, here) : here, what + " needs \"values\": a mapping of name: text");
        } else {
          for (auto it = values.begin(); it != values.end(); ++it) {
            if (!it->first.IsScalar() || !valid_identifier(it->first.Scalar(), ".")) {
              error(it->first, what + ": " + quote(it->first.IsScalar() ? it->first.Scalar() : "?") +
                                   " is not a variable name",
                    here);
              continue;
            }
            if (!it->second.IsScalar()) {
              error(it->second, what + ": the value of " + it->first.Scalar() + " must be a text", here);
              continue;
            }
            std::string problem;
            if (!check_substitutions(it->second.Scalar(), &problem)) error(it->second, what + ": " + problem, here);
            n.values.emplace_back(it->first.Scalar(), it->second.Scalar());
          }
        }
        n.next = ref(v, "next", here, id, true, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::goto_node: {
        allow({"target"});
        GotoNode n;
        n.target = ref(v, "target", here, id, true, what);
        node.body = std::move(n);
        break;
      }
      case NodeType::action:
        read_action(id, v, here, what, where, node);
        break;
      case NodeType::hangup: {
        allow({"prompt"});
        HangupNode n;
        n.prompt = prompt(v["prompt"], what, here);
        node.body = std::move(n);
        break;
      }
    }
    add(std::move(node), flow);
  }

  void read_action(const std::string& id, const YAML::Node& v, SourcePos here, const std::string& what,
                   const std::string& where, Node& node) {
    keys(v,
         {"type", "description", "action", "args", "results", "next", "timeout", "retries", "invalid_prompt",
          "timeout_prompt"},
         where);
    ActionNode n;
    auto name = required_text(v, "action", here, what);
    auto kind = parse_action_kind(name);
    if (!name.empty() && !kind)
      error(v["action"],
            what + ": unknown action " + quote(name) +
                " (ticket_lookup, create_ticket, kb_playback, survey, survey_answer, missed_call)",
            here);
    if (kind) n.action = *kind;
    static const std::map<ActionKind, std::pair<std::set<std::string>, std::set<std::string>>> arg_rules = {
        {ActionKind::ticket_lookup, {{"number", "phone_last4"}, {"number"}}},
        {ActionKind::create_ticket, {{"type", "recording", "recording_ms", "summary"}, {"type"}}},
        {ActionKind::kb_playback, {{"section", "limit"}, {"section"}}},
        {ActionKind::survey, {{}, {}}},
        {ActionKind::survey_answer, {{"survey", "question", "answer"}, {"survey", "question", "answer"}}},
        {ActionKind::missed_call, {{"reason"}, {}}},
    };
    const YAML::Node args = v["args"];
    if (args.IsDefined() && !args.IsNull() && !args.IsMap()) {
      error(args, what + ": args: must be a mapping of name: value", here);
    } else if (args.IsDefined() && args.IsMap()) {
      const auto& allowed = kind ? arg_rules.at(*kind).first : std::set<std::string>{};
      auto k = keys(args, allowed, " in the args of " + what, kind.has_value());
      for (const auto& [arg, key_node] : k) {
        if (auto t = text(args, arg.c_str(), here)) n.args[arg] = *t;
      }
    }
    if (kind) {
      for (const auto& req : arg_rules.at(*kind).second) {
        if (!n.args.count(req)) error(here, what + ": args: needs " + quote(req));
      }
      if (*kind == ActionKind::create_ticket && n.args.count("type") && n.args["type"].find("${") == std::string::npos &&
          !tickets::parse_ticket_type(n.args["type"]))
        error(pos(args["type"], here), what + ": type: unknown ticket type " + quote(n.args["type"]));
      if (*kind == ActionKind::kb_playback && n.args.count("section") &&
          n.args["section"].find("${") == std::string::npos && !tickets::parse_kb_section(n.args["section"]))
        error(pos(args["section"], here),
              what + ": section: unknown section " + quote(n.args["section"]) +
                  " (policy, city_guide, office_guide, investment_guide, department_functions, news, faq)");
      if (*kind == ActionKind::kb_playback && n.args.count("limit")) {
        char* end = nullptr;
        long l = std::strtol(n.args["limit"].c_str(), &end, 10);
        if (n.args["limit"].empty() || *end != 0 || l < 1 || l > 50)
          error(pos(args["limit"], here), what + ": limit must be a whole number from 1 to 50");
      }
    }
    const YAML::Node results = v["results"];
    if (results.IsDefined() && !results.IsMap()) {
      error(results, what + ": results: must be a mapping of result: node", here);
    } else if (results.IsDefined()) {
      std::set<std::string> allowed;
      if (kind)
        for (const auto& r : action_results(*kind)) allowed.insert(r);
      auto k = keys(results, allowed, " in the results of " + what, kind.has_value());
      for (const auto& [result, key_node] : k) {
        n.results[result] = ref_value(results[result], result, pos(key_node, here), id);
      }
    }
    n.next = ref(v, "next", here, id, false, what);
    if (kind && n.next.empty()) {
      for (const auto& r : action_results(*kind)) {
        if (!n.results.count(r))
          error(here, what + ": result " + quote(r) + " goes nowhere (add it to results: or give next:)");
      }
    }
    seconds(v, "timeout", n.retry.timeout, 0.5, 600, here);
    integer(v, "retries", n.retry.retries, 0, 20, here);
    n.retry.invalid_prompt = prompt(v["invalid_prompt"], what + " invalid_prompt", here);
    n.retry.timeout_prompt = prompt(v["timeout_prompt"], what + " timeout_prompt", here);
    node.body = std::move(n);
  }

  void add(Node node, Flow& flow) {
    if (flow.index.count(node.id)) return;  // reported as a duplicate key
    flow.index.emplace(node.id, flow.nodes.size());
    flow.nodes.push_back(std::move(node));
  }

  void read_globals(const YAML::Node& g, Flow& flow) {
    SourcePos here = pos(g);
    if (!g.IsMap()) {
      error(g, "globals: must be a mapping");
      return;
    }
    keys(g, {"back", "operator", "invalid_prompt", "timeout_prompt", "goodbye", "missed_call"}, " in globals");
    auto& G = flow.globals;
    if (g["back"].IsDefined() && !g["back"].IsNull()) G.back = single_key(g["back"], "globals back", here);
    const YAML::Node op = g["operator"];
    if (op.IsDefined() && !op.IsNull()) {
      if (!op.IsMap()) {
        error(op, "globals operator: expected {digit: \"0\", goto: NODE}", here);
      } else {
        keys(op, {"digit", "goto"}, " in globals operator");
        SourcePos opos = pos(op, here);
        if (!op["digit"].IsDefined())
          error(opos, "globals operator needs digit:");
        else
          G.operator_digit = single_key(op["digit"], "globals operator digit", opos);
        G.operator_target = ref(op, "goto", opos, "", true, "globals operator");
      }
    }
    if (G.back && G.operator_digit && *G.back == *G.operator_digit)
      error(here, "globals: back and operator use the same key");
    G.invalid_prompt = prompt(g["invalid_prompt"], "globals invalid_prompt", here);
    G.timeout_prompt = prompt(g["timeout_prompt"], "globals timeout_prompt", here);
    G.goodbye = prompt(g["goodbye"], "globals goodbye", here);
    const YAML::Node mc = g["missed_call"];
    if (mc.IsDefined() && !mc.IsNull()) {
      if (mc.IsScalar() && (mc.Scalar() == "true" || mc.Scalar() == "false")) {
        G.missed_call = mc.Scalar() == "true";
      } else if (mc.IsMap()) {
        keys(mc, {"unless_reached"}, " in globals missed_call");
        G.missed_call = true;
        const YAML::Node list = mc["unless_reached"];
        if (list.IsDefined()) {
          if (!list.IsSequence()) {
            error(list, "globals missed_call unless_reached: expected a list of nodes", here);
          } else {
            for (const auto& item : list) G.missed_unless.push_back(ref_value(item, "unless_reached", here, ""));
          }
        }
      } else {
        error(mc, "globals missed_call: expected true, false or {unless_reached: [NODE, ...]}", here);
      }
    }
  }

  void read(const YAML::Node& root, Flow& flow) {
    if (!root.IsMap()) {
      error(root, "a flow file is a mapping with start:, nodes: and optionally description:, globals:, variables:",
            SourcePos{1, 1});
      return;
    }
    keys(root, {"description", "start", "globals", "variables", "nodes"}, " at the top level");
    if (auto d = text(root, "description", {1, 1})) flow.description = *d;
    const YAML::Node vars = root["variables"];
    if (vars.IsDefined() && !vars.IsNull()) {
      if (!vars.IsMap()) {
        error(vars, "variables: must be a mapping of name: text");
      } else {
        for (auto it = vars.begin(); it != vars.end(); ++it) {
          if (!it->first.IsScalar() || !valid_identifier(it->first.Scalar(), ".")) {
            error(it->first, "variables: " + quote(it->first.IsScalar() ? it->first.Scalar() : "?") +
                                 " is not a variable name");
          } else if (!it->second.IsScalar()) {
            error(it->second, "variables: the value of " + it->first.Scalar() + " must be a text");
          } else {
            flow.variables[it->first.Scalar()] = it->second.Scalar();
          }
        }
      }
    }
    if (root["globals"].IsDefined() && !root["globals"].IsNull()) read_globals(root["globals"], flow);
    const YAML::Node nodes = root["nodes"];
    if (!nodes.IsDefined() || !nodes.IsMap() || nodes.size() == 0) {
      error(nodes.IsDefined() ? pos(nodes) : SourcePos{1, 1}, "a flow needs nodes: a mapping of name: {type: ...}");
    } else if (nodes.size() > kMaxNodes) {
      error(nodes, "a flow may have at most " + std::to_string(kMaxNodes) + " nodes");
    } else {
      keys(nodes, {}, " under nodes", false);
      for (auto it = nodes.begin(); it != nodes.end(); ++it) {
        if (!it->first.IsScalar()) continue;
        if (flow.index.count(it->first.Scalar())) continue;
        read_node(it->first.Scalar(), it->first, it->second, flow);
      }
    }
    const YAML::Node start = root["start"];
    if (!start.IsDefined() || start.IsNull()) {
      error(SourcePos{1, 1}, "a flow needs start: the node callers begin at");
    } else {
      flow.start = ref_value(start, "start", {1, 1}, "");
    }
    check_graph(flow);
  }

  // ---- the graph ----
  struct Ref {
    std::string from;  // node id; empty for start/globals
    std::string label;
    std::string to;
    SourcePos pos;
  };

  void check_graph(Flow& flow) {
    // Every reference names a node of a known type.
    std::set<std::string> defined;
    for (const auto& n : flow.nodes) defined.insert(n.id);
    std::set<std::string> bad_type;  // nodes given but not read (bad type): not "dangling"
    for (const auto& r : refs_) {
      if (defined.count(r.to) || declared_.count(r.to)) continue;
      std::string who = r.from.empty() ? "" : "node " + quote(r.from) + ": ";
      error(r.pos, who + quote(r.label) + " refers to " + quote(r.to) + ", which is not a node");
    }
    if (flow.nodes.empty() || !defined.count(flow.start)) return;

    // Edges, by node index.
    std::size_t n = flow.nodes.size();
    std::vector<std::vector<std::size_t>> edges(n);
    for (const auto& r : refs_) {
      if (r.from.empty()) continue;
      auto a = flow.index.find(r.from);
      auto b = flow.index.find(r.to);
      if (a == flow.index.end() || b == flow.index.end()) continue;
      edges[a->second].push_back(b->second);
    }
    // Reachability from start and the operator's target (reachable from any menu).
    std::vector<bool> seen(n, false);
    std::vector<std::size_t> stack;
    auto push = [&](const std::string& id) {
      auto it = flow.index.find(id);
      if (it != flow.index.end() && !seen[it->second]) {
        seen[it->second] = true;
        stack.push_back(it->second);
      }
    };
    push(flow.start);
    if (!flow.globals.operator_target.empty()) push(flow.globals.operator_target);
    while (!stack.empty()) {
      auto i = stack.back();
      stack.pop_back();
      for (auto j : edges[i]) {
        if (!seen[j]) {
          seen[j] = true;
          stack.push_back(j);
        }
      }
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!seen[i])
        error(flow.nodes[i].pos,
              "node " + quote(flow.nodes[i].id) + " cannot be reached from start " + quote(flow.start));
    }
    check_loops(flow, edges);
  }

  // Tarjan's strongly connected components (iterative). A cycle is a trap
  // when nothing in it waits for the caller (menu, collect), hands the call
  // off or hangs up (queue, transfer, hangup), and no edge leaves it.
  void check_loops(const Flow& flow, const std::vector<std::vector<std::size_t>>& edges) {
    std::size_t n = edges.size();
    std::vector<int> index(n, -1), low(n, 0), comp(n, -1);
    std::vector<bool> on_stack(n, false);
    std::vector<std::size_t> stack;
    int counter = 0, comps = 0;
    struct Frame {
      std::size_t v;
      std::size_t next_edge;
    };
    for (std::size_t root = 0; root < n; ++root) {
      if (index[root] >= 0) continue;
      std::vector<Frame> calls{{root, 0}};
      index[root] = low[root] = counter++;
      stack.push_back(root);
      on_stack[root] = true;
      while (!calls.empty()) {
        auto& f = calls.back();
        if (f.next_edge < edges[f.v].size()) {
          auto w = edges[f.v][f.next_edge++];
          if (index[w] < 0) {
            index[w] = low[w] = counter++;
            stack.push_back(w);
            on_stack[w] = true;
            calls.push_back({w, 0});
          } else if (on_stack[w]) {
            low[f.v] = std::min(low[f.v], index[w]);
          }
          continue;
        }
        auto v = f.v;
        calls.pop_back();
        if (!calls.empty()) low[calls.back().v] = std::min(low[calls.back().v], low[v]);
        if (low[v] == index[v]) {
          std::size_t w;
          do {
            w = stack.back();
            stack.pop_back();
            on_stack[w] = false;
            comp[w] = comps;
          } while (w != v);
          ++comps;
        }
      }
    }
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(comps));
    for (std::size_t i = 0; i < n; ++i) members[static_cast<std::size_t>(comp[i])].push_back(i);
    for (auto& m : members) {
      bool cycle = m.size() > 1;
      if (m.size() == 1) {
        for (auto j : edges[m[0]]) cycle = cycle || j == m[0];
      }
      if (!cycle) continue;
      bool way_out = false;
      for (auto i : m) {
        auto t = flow.nodes[i].type;
        if (t == NodeType::menu || t == NodeType::collect || t == NodeType::queue || t == NodeType::transfer ||
            t == NodeType::hangup)
          way_out = true;
        for (auto j : edges[i]) {
          if (comp[j] != comp[i]) way_out = true;
        }
      }
      if (way_out) continue;
      std::sort(m.begin(), m.end());
      std::string chain;
      for (auto i : m) chain += (chain.empty() ? "" : ", ") + flow.nodes[i].id;
      error(flow.nodes[m[0]].pos, "nodes " + chain +
                                      " loop for ever: the loop waits for no key, has no exit and never hangs up");
    }
  }

  std::vector<Ref> refs_;
  std::set<std::string> declared_;  // node keys present in the file whose node could not be read

  void declare_all(const YAML::Node& root) {
    if (!root.IsMap()) return;
    const YAML::Node nodes = root["nodes"];
    if (!nodes.IsMap()) return;
    for (auto it = nodes.begin(); it != nodes.end(); ++it) {
      if (it->first.IsScalar()) declared_.insert(it->first.Scalar());
    }
  }

 private:
  const std::string& file_;
  const ValidationContext& context_;
  std::vector<Diagnostic>& errors_;
};

}  // namespace

std::string Diagnostic::to_string() const {
  return file + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.col) + ": " + message;
}

std::string_view to_string(SayKind kind) {
  switch (kind) {
    case SayKind::number:
      return "number";
    case SayKind::digits:
      return "digits";
    case SayKind::date:
      return "date";
    case SayKind::time:
      return "time";
    case SayKind::money:
      return "money";
    case SayKind::ticket_number:
      return "ticket_number";
  }
  return "number";
}

std::optional<SayKind> parse_say_kind(std::string_view text) {
  for (auto k : {SayKind::number, SayKind::digits, SayKind::date, SayKind::time, SayKind::money,
                 SayKind::ticket_number}) {
    if (to_string(k) == text) return k;
  }
  return std::nullopt;
}

std::string_view to_string(ActionKind kind) {
  switch (kind) {
    case ActionKind::ticket_lookup:
      return "ticket_lookup";
    case ActionKind::create_ticket:
      return "create_ticket";
    case ActionKind::kb_playback:
      return "kb_playback";
    case ActionKind::survey:
      return "survey";
    case ActionKind::survey_answer:
      return "survey_answer";
    case ActionKind::missed_call:
      return "missed_call";
  }
  return "ticket_lookup";
}

std::optional<ActionKind> parse_action_kind(std::string_view text) {
  for (auto k : {ActionKind::ticket_lookup, ActionKind::create_ticket, ActionKind::kb_playback, ActionKind::survey,
                 ActionKind::survey_answer, ActionKind::missed_call}) {
    if (to_string(k) == text) return k;
  }
  return std::nullopt;
}

const std::vector<std::string>& action_results(ActionKind kind) {
  static const std::vector<std::string> lookup = {"found", "not_found", "error"};
  static const std::vector<std::string> create = {"created", "error"};
  static const std::vector<std::string> kb = {"done", "empty", "error"};
  static const std::vector<std::string> survey = {"done", "none", "error"};
  static const std::vector<std::string> stored = {"stored", "error"};
  static const std::vector<std::string> missed = {"recorded", "error"};
  switch (kind) {
    case ActionKind::ticket_lookup:
      return lookup;
    case ActionKind::create_ticket:
      return create;
    case ActionKind::kb_playback:
      return kb;
    case ActionKind::survey:
      return survey;
    case ActionKind::survey_answer:
      return stored;
    case ActionKind::missed_call:
      return missed;
  }
  return lookup;
}

const std::string& ActionNode::target_of(const std::string& result) const {
  auto it = results.find(result);
  return it != results.end() ? it->second : next;
}

std::string_view to_string(NodeType type) {
  switch (type) {
    case NodeType::play:
      return "play";
    case NodeType::menu:
      return "menu";
    case NodeType::collect:
      return "collect";
    case NodeType::record:
      return "record";
    case NodeType::queue:
      return "queue";
    case NodeType::transfer:
      return "transfer";
    case NodeType::condition:
      return "condition";
    case NodeType::set:
      return "set";
    case NodeType::goto_node:
      return "goto";
    case NodeType::action:
      return "action";
    case NodeType::hangup:
      return "hangup";
  }
  return "play";
}

const Node* Flow::find(std::string_view id) const {
  auto it = index.find(id);
  return it == index.end() ? nullptr : &nodes[it->second];
}

std::size_t Flow::index_of(std::string_view id) const {
  auto it = index.find(id);
  return it == index.end() ? std::string::npos : it->second;
}

bool valid_flow_name(std::string_view name) { return valid_identifier(name, "-"); }

bool check_substitutions(std::string_view text, std::string* problem) {
  std::size_t i = 0;
  while ((i = text.find("${", i)) != std::string_view::npos) {
    auto end = text.find('}', i + 2);
    if (end == std::string_view::npos) {
      if (problem) *problem = "\"${\" is not closed with \"}\"";
      return false;
    }
    auto name = text.substr(i + 2, end - i - 2);
    if (!valid_identifier(name, ".")) {
      if (problem) *problem = "\"${" + std::string(name) + "}\" is not a variable name";
      return false;
    }
    i = end + 1;
  }
  return true;
}

LoadResult parse_flow(std::string_view text, const std::string& display_name, const std::string& flow_name,
                      const ValidationContext& context) {
  LoadResult result;
  auto flow = std::make_shared<Flow>();
  flow->name = flow_name;
  flow->file = display_name;
  flow->source = std::string(text);
  flow->digest = fnv1a_hex(text);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    SourcePos p{e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1};
    result.errors.push_back({display_name, p, "YAML syntax error: " + e.msg});
    return result;
  }
  Reader reader(display_name, context, result.errors);
  try {
    reader.declare_all(root);
    reader.read(root, *flow);
  } catch (const YAML::Exception& e) {
    SourcePos p{e.mark.is_null() ? 1 : e.mark.line + 1, e.mark.is_null() ? 1 : e.mark.column + 1};
    result.errors.push_back({display_name, p, "YAML error: " + e.msg});
  }
  if (!valid_flow_name(flow_name))
    result.errors.push_back({display_name, {1, 1}, "the file name must be NAME.yaml with NAME of letters, digits, _ and -"});
  std::stable_sort(result.errors.begin(), result.errors.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.pos.line, a.pos.col) < std::tie(b.pos.line, b.pos.col);
  });
  result.errors.erase(std::unique(result.errors.begin(), result.errors.end(),
                                  [](const Diagnostic& a, const Diagnostic& b) {
                                    return a.pos.line == b.pos.line && a.pos.col == b.pos.col && a.message == b.message;
                                  }),
                      result.errors.end());
  if (result.errors.empty()) result.flow = std::move(flow);
  return result;
}

LoadResult load_flow_file(const std::filesystem::path& path, const ValidationContext& context,
                          const std::string& display_name) {
  std::string shown = display_name.empty() ? path.string() : display_name;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult r;
    r.errors.push_back({shown, {1, 1}, "cannot read the file"});
    return r;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_flow(text.str(), shown, path.stem().string(), context);
}

}  // namespace hotline::ivr
