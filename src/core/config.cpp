#include "hotline/core/config.hpp"

#include "hotline/core/dial_pattern.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace hotline {
namespace {

using nlohmann::json;

std::string join_problems(const std::vector<std::string>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += "\n";
    out += p;
  }
  return out;
}

// Walks one JSON object, reading known keys into fields and recording every
// problem with its full key path. Keys never read are reported as unknown.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string path, std::vector<std::string>& problems)
      : object_(object), path_(std::move(path)), problems_(problems) {}

  ~ObjectReader() {
    if (!object_.is_object()) return;
    for (auto it = object_.begin(); it != object_.end(); ++it) {
      if (!seen_.count(it.key())) problems_.push_back(key_path(it.key()) + ": unknown key");
    }
  }

  void string(const char* key, std::string& out) {
    if (const json* v = find(key)) {
      if (v->is_string())
        out = v->get<std::string>();
      else
        bad(key, "expected a string");
    }
  }

  void boolean(const char* key, bool& out) {
    if (const json* v = find(key)) {
      if (v->is_boolean())
        out = v->get<bool>();
      else
        bad(key, "expected true or false");
    }
  }

  template <class Int>
  void integer(const char* key, Int& out, long long min, long long max) {
    if (const json* v = find(key)) {
      if (!v->is_number_integer()) return bad(key, "expected an integer");
      long long n = v->get<long long>();
      if (n < min || n > max) {
        return bad(key, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                            std::to_string(n));
      }
      out = static_cast<Int>(n);
    }
  }

  void one_of(const char* key, std::string& out, const std::set<std::string>& allowed) {
    std::string value = out;
    string(key, value);
    if (!allowed.count(value)) {
      std::string list;
      for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
      return bad(key, "must be one of " + list + ", got \"" + value + "\"");
    }
    out = value;
  }

  void endpoint(const char* key, Endpoint& out) {
    std::string text;
    const json* v = find(key);
    if (!v) return;
    if (!v->is_string()) return bad(key, "expected a string such as \"127.0.0.1:8080\"");
    text = v->get<std::string>();
    auto parsed = Endpoint::parse(text);
    if (!parsed) return bad(key, "expected \"address:port\" with a numeric IP address, got \"" + text + "\"");
    out = *parsed;
  }

  void cidr_list(const char* key, std::vector<Cidr>& out) {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_array()) return bad(key, "expected an array of networks such as \"127.0.0.0/8\"");
    std::vector<Cidr> parsed;
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      auto c = item.is_string() ? Cidr::parse(item.get<std::string>()) : std::nullopt;
      if (!c) {
        problems_.push_back(key_path(key) + "[" + std::to_string(i) + "]: expected a network such as \"10.0.0.0/8\"");
        continue;
      }
      parsed.push_back(*c);
    }
    out = std::move(parsed);
  }

  // A non-empty list of distinct values, each one of `allowed`.
  void string_list(const char* key, std::vector<std::string>& out, const std::set<std::string>& allowed) {
    const json* v = find(key);
    if (!v) return;
    std::vector<std::string> list;
    if (v->is_array()) {
      for (const auto& item : *v) {
        if (!item.is_string() || !allowed.count(item.get<std::string>()))
          return bad(key, "unknown value " + item.dump());
        if (std::find(list.begin(), list.end(), item.get<std::string>()) != list.end())
          return bad(key, "repeated value " + item.dump());
        list.push_back(item.get<std::string>());
      }
    }
    if (list.empty()) return bad(key, "expected a non-empty array of strings");
    out = std::move(list);
  }

  void object(const char* key, const std::function<void(ObjectReader&)>& read) {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_object()) return bad(key, "expected an object");
    ObjectReader child(*v, key_path(key), problems_);
    read(child);
  }

  // An array of objects, each read by `read` under "key[i]".
  void objects(const char* key, const std::function<void(ObjectReader&, std::size_t)>& read) {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_array()) return bad(key, "expected an array of objects");
    for (std::size_t i = 0; i < v->size(); ++i) {
      std::string item_path = key_path(key) + "[" + std::to_string(i) + "]";
      if (!(*v)[i].is_object()) {
        problems_.push_back(item_path + ": expected an object");
        continue;
      }
      ObjectReader child((*v)[i], item_path, problems_);
      read(child, i);
    }
  }

  // An object whose every member is an array of strings.
  void string_lists(const char* key, std::map<std::string, std::vector<std::string>>& out) {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_object()) return bad(key, "expected an object of name: [patterns]");
    for (auto it = v->begin(); it != v->end(); ++it) {
      std::vector<std::string> list;
      if (!it->is_array()) {
        problems_.push_back(key_path(key) + "." + it.key() + ": expected an array of strings");
        continue;
      }
      for (const auto& item : *it) {
        if (!item.is_string()) {
          problems_.push_back(key_path(key) + "." + it.key() + ": expected an array of strings");
          break;
        }
        list.push_back(item.get<std::string>());
      }
      out[it.key()] = std::move(list);
    }
  }

  // An array of strings, each accepted by `check` (which returns a reason when not).
  void string_array(const char* key, std::vector<std::string>& out,
                    const std::function<std::optional<std::string>(const std::string&)>& check) {
    const json* v = find(key);
    if (!v) return;
    if (!v->is_array()) return bad(key, "expected an array of strings");
    std::vector<std::string> list;
    for (std::size_t i = 0; i < v->size(); ++i) {
      const json& item = (*v)[i];
      auto why = item.is_string() ? check(item.get<std::string>()) : std::optional<std::string>("expected a string");
      if (why) {
        problems_.push_back(key_path(key) + "[" + std::to_string(i) + "]: " + *why);
        continue;
      }
      list.push_back(item.get<std::string>());
    }
    out = std::move(list);
  }

  void bad(const char* key, const std::string& reason) { problems_.push_back(key_path(key) + ": " + reason); }
  const json& raw() const { return object_; }
  void bad_here(const std::string& reason) { problems_.push_back(path_ + ": " + reason); }
  const std::string& path() const { return path_; }

 private:
  const json* find(const char* key) {
    seen_.insert(key);
    auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  std::string key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

  const json& object_;
  std::string path_;
  std::vector<std::string>& problems_;
  std::set<std::string> seen_;
};

// "2026-10-01": a real calendar date.
std::optional<std::string> date_problem(const std::string& text) {
  int y = 0;
  unsigned m = 0, d = 0;
  char dash1 = 0, dash2 = 0;
  std::istringstream in(text);
  bool form = text.size() == 10 && (in >> y >> dash1 >> m >> dash2 >> d) && dash1 == '-' && dash2 == '-';
  auto ymd = std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d};
  if (!form || !ymd.ok()) return "expected a date \"YYYY-MM-DD\", got \"" + text + "\"";
  return std::nullopt;
}

void read_tickets(ObjectReader& t, TicketsConfig& c) {
  t.string_array("holidays", c.holidays, date_problem);
  t.string_array("makeup_workdays", c.makeup_workdays, date_problem);
  for (const auto& day : c.makeup_workdays) {
    if (std::find(c.holidays.begin(), c.holidays.end(), day) != c.holidays.end())
      t.bad("makeup_workdays", day + " is also a holiday");
  }
  t.object("deadlines", [&](ObjectReader& d) {
    auto& p = c.deadlines;
    d.integer("extra_urgent_reply_minutes", p.extra_urgent_reply_minutes, 1, 7 * 24 * 60);
    d.integer("urgent_reply_hours", p.urgent_reply_hours, 1, 30 * 24);
    d.object("reply_working_days", [&](ObjectReader& r) {
      for (auto& [type, days] : p.reply_working_days) r.integer(type.c_str(), days, 1, 365);
    });
    d.integer("complex_reply_working_days", p.complex_reply_working_days, 1, 365);
    d.integer("extra_urgent_sign_minutes", p.extra_urgent_sign_minutes, 1, 7 * 24 * 60);
    d.integer("urgent_sign_minutes", p.urgent_sign_minutes, 1, 30 * 24 * 60);
    d.integer("sign_working_days", p.sign_working_days, 1, 365);
    d.integer("close_working_days_after_reply", p.close_working_days_after_reply, 1, 365);
  });
  t.integer("escalation_yellow_percent", c.escalation_yellow_percent, 1, 99);
  t.integer("scheduler_interval_seconds", c.scheduler_interval_seconds, 1, 3600);
  t.integer("citizen_lookups_per_minute", c.citizen_lookups_per_minute, 1, 10000);
  t.integer("mailbox_messages_per_hour", c.mailbox_messages_per_hour, 1, 100000);
  t.string_array("open311_api_keys", c.open311_api_keys, [](const std::string& k) -> std::optional<std::string> {
    if (k.size() < 16 || k.size() > 128) return "an API key must be 16 to 128 characters";
    return std::nullopt;
  });
  t.string("letter_issuer", c.letter_issuer);
  if (c.letter_issuer.empty() || c.letter_issuer.size() > 200) t.bad("letter_issuer", "must be 1 to 200 bytes");
  t.integer("attachment_max_bytes", c.attachment_max_bytes, 1024, 1LL << 30);
}

// "08:00-20:00": minutes of the day, start < end <= 24:00.
std::optional<std::string> hours_problem(const std::string& text) {
  unsigned h1 = 0, m1 = 0, h2 = 0, m2 = 0;
  char c1 = 0, dash = 0, c2 = 0;
  std::istringstream in(text);
  bool form = text.size() == 11 && (in >> h1 >> c1 >> m1 >> dash >> h2 >> c2 >> m2) && c1 == ':' && dash == '-' &&
              c2 == ':' && m1 < 60 && m2 < 60;
  unsigned from = h1 * 60 + m1, until = h2 * 60 + m2;
  if (!form || from >= until || until > 24 * 60)
    return "expected \"HH:MM-HH:MM\" with the start before the end, within 00:00-24:00, got \"" + text + "\"";
  return std::nullopt;
}

void read_acd(ObjectReader& a, AcdConfig& c) {
  const std::set<std::string> rules = {"always", "no_agents_logged_in", "no_agents_available"};
  if (a.raw().contains("queues")) c.queues.clear();  // the configured set replaces the default "human"
  a.objects("queues", [&](ObjectReader& q, std::size_t) {
    AcdQueueConfig queue;
    q.string("name", queue.name);
    if (queue.name.empty() || queue.name.size() > 64 ||
        queue.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
            std::string::npos)
      q.bad("name", "letters, digits, _ and - (1-64)");
    for (const auto& other : c.queues) {
      if (other.name == queue.name) q.bad("name", "another queue has this name");
    }
    q.string("display_name", queue.display_name);
    if (queue.display_name.empty()) queue.display_name = queue.name;
    q.one_of("strategy", queue.strategy, {"longest_idle", "round_robin", "fewest_calls", "ring_all", "random", "skills"});
    q.integer("ring_timeout_seconds", queue.ring_timeout_seconds, 3, 600);
    q.integer("wrap_up_seconds", queue.wrap_up_seconds, 0, 3600);
    q.integer("wrap_up_max_seconds", queue.wrap_up_max_seconds, 0, 4 * 3600);
    q.integer("max_wait_seconds", queue.max_wait_seconds, 0, 24 * 3600);
    q.integer("max_length", queue.max_length, 0, 100000);
    q.string("overflow", queue.overflow);
    if (!queue.overflow.empty() && queue.overflow != "voicemail" && queue.overflow.rfind("queue:", 0) != 0 &&
        queue.overflow.rfind("ivr:", 0) != 0)
      q.bad("overflow", "expected queue:NAME, ivr:FLOW, voicemail or \"\"");
    q.one_of("join_when", queue.join_when, rules);
    q.one_of("leave_when", queue.leave_when, rules);
    q.boolean("announce_job_number", queue.announce_job_number);
    q.integer("announce_every_seconds", queue.announce_every_seconds, 0, 3600);
    q.integer("service_level_seconds", queue.service_level_seconds, 1, 3600);
    q.integer("missed_offers_to_pause", queue.missed_offers_to_pause, 0, 100);
    q.integer("busy_delay_seconds", queue.busy_delay_seconds, 0, 3600);
    q.integer("priority_aging_seconds", queue.priority_aging_seconds, 0, 24 * 3600);
    q.boolean("callback", queue.callback);
    q.integer("callback_attempts", queue.callback_attempts, 1, 20);
    q.integer("callback_retry_seconds", queue.callback_retry_seconds, 10, 24 * 3600);
    c.queues.push_back(std::move(queue));
  });
  a.objects("members", [&](ObjectReader& m, std::size_t) {
    AcdMemberConfig member;
    m.string("queue", member.queue);
    m.string("agent", member.agent);
    m.integer("penalty", member.penalty, 0, 100);
    if (member.agent.empty()) m.bad("agent", "the agent's job number is required");
    if (std::none_of(c.queues.begin(), c.queues.end(), [&](const AcdQueueConfig& q) { return q.name == member.queue; }))
      m.bad("queue", "no queue named \"" + member.queue + "\" in acd.queues");
    c.members.push_back(std::move(member));
  });
  a.object("not_ready_reasons", [&](ObjectReader& r) {
    c.not_ready_reasons.clear();
    for (const auto& [code, label] : r.raw().items()) {
      std::string text;
      r.string(code.c_str(), text);
      c.not_ready_reasons[code] = text;
    }
  });
  a.string("job_number_announcement", c.job_number_announcement);
  a.string("callback_caller_id", c.callback_caller_id);
  a.string("callback_trunk", c.callback_trunk);
}

void read_ivr(ObjectReader& v, IvrConfig& c) {
  v.string("flows_dir", c.flows_dir);
  if (c.flows_dir.empty()) v.bad("flows_dir", "must not be empty");
  v.object("variables", [&](ObjectReader& vars) {
    for (const auto& [name, value] : vars.raw().items()) {
      bool good_name = !name.empty() && name.size() <= 64 &&
                       name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") ==
                           std::string::npos;
      if (!good_name) {
        vars.bad(name.c_str(), "variable names are letters, digits, _ and . (at most 64)");
        continue;
      }
      std::string text;
      vars.string(name.c_str(), text);
      c.variables[name] = text;
    }
  });
  v.object("schedules", [&](ObjectReader& all) {
    for (const auto& [name, value] : all.raw().items()) {
      IvrSchedule schedule;
      all.object(name.c_str(), [&](ObjectReader& s) {
        std::vector<std::string> days = schedule.days;
        s.string_array("days", days, [](const std::string& d) -> std::optional<std::string> {
          static const std::set<std::string> names = {"mon", "tue", "wed", "thu", "fri", "sat", "sun", "all", "working"};
          if (!names.count(d)) return "expected mon..sun, all or working, got \"" + d + "\"";
          return std::nullopt;
        });
        if (days.empty()) s.bad("days", "must not be empty");
        bool word = std::find(days.begin(), days.end(), "all") != days.end() ||
                    std::find(days.begin(), days.end(), "working") != days.end();
        if (word && days.size() > 1) s.bad("days", "\"all\" and \"working\" stand alone");
        schedule.days = days;
        s.string_array("hours", schedule.hours, hours_problem);
        if (schedule.hours.empty()) s.bad("hours", "must not be empty");
        s.boolean("closed_on_holidays", schedule.closed_on_holidays);
      });
      c.schedules[name] = std::move(schedule);
    }
  });
}

bool known_target(const std::string& to) {
  if (to == "echo" || to == "keypad-test" || to == "extension" || to == "listen" || to == "whisper" || to == "barge")
    return true;
  for (const char* prefix :
       {"extension:", "trunk:", "ivr:", "queue:", "conference:", "listen:", "whisper:", "barge:", "reject:"}) {
    std::string_view p(prefix);
    if (to.size() > p.size() && to.compare(0, p.size(), p) == 0) return true;
  }
  return false;
}

void read_rule(ObjectReader& r, DialRule& rule) {
  r.string("match", rule.match);
  r.string("to", rule.to);
  r.integer("strip", rule.strip, 0, 32);
  r.string("prepend", rule.prepend);
  if (auto why = dial_pattern_problem(rule.match)) r.bad("match", *why);
  if (!known_target(rule.to)) {
    r.bad("to",
          "expected echo, keypad-test, extension, extension:NUM, trunk:NAME, ivr:FLOW, queue:NAME, conference:ROOM, "
          "listen, whisper, barge (optionally :NUM) or reject:CODE, got \"" +
              rule.to + "\"");
  }
  if (rule.to.rfind("reject:", 0) == 0) {
    auto code = rule.to.substr(7);
    if (code.size() != 3 || code < "400" || code > "699") r.bad("to", "reject: needs a status code 400..699");
  }
  for (char c : rule.prepend) {
    if (!((c >= '0' && c <= '9') || c == '*' || c == '#' || c == '+')) r.bad("prepend", "digits, *, # and + only");
  }
}

void read_rules(ObjectReader& r, const char* key, std::vector<DialRule>& out) {
  bool present = false;
  std::vector<DialRule> rules;
  r.objects(key, [&](ObjectReader& item, std::size_t) {
    present = true;
    DialRule rule;
    read_rule(item, rule);
    rules.push_back(std::move(rule));
  });
  if (present) out = std::move(rules);
}

void check_references(const Config& c, std::vector<std::string>& problems) {
  auto trunk_exists = [&](const std::string& name) {
    for (const auto& t : c.trunks) {
      if (t.name == name) return true;
    }
    return false;
  };
  auto check_rules = [&](const std::vector<DialRule>& rules, const std::string& path) {
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const auto& to = rules[i].to;
      if (to.rfind("trunk:", 0) == 0 && !trunk_exists(to.substr(6)))
        problems.push_back(path + "[" + std::to_string(i) + "].to: no trunk named \"" + to.substr(6) + "\"");
      if (to.rfind("trunk:", 0) == 0) {
        for (const auto& t : c.trunks) {
          if (t.name == to.substr(6) && !t.address)
            problems.push_back(path + "[" + std::to_string(i) + "].to: trunk \"" + t.name + "\" has no address");
        }
      }
    }
  };
  check_rules(c.dialplan, "dialplan");
  for (std::size_t i = 0; i < c.trunks.size(); ++i) {
    check_rules(c.trunks[i].inbound, "trunks[" + std::to_string(i) + "].inbound");
    if (c.trunks[i].transport == "tls" && !c.sip.tls.enabled)
      problems.push_back("trunks[" + std::to_string(i) + "].transport: \"tls\" needs sip.tls.enabled");
    if (!c.classes_of_service.count(c.trunks[i].class_of_service))
      problems.push_back("trunks[" + std::to_string(i) + "].class_of_service: no class named \"" +
                         c.trunks[i].class_of_service + "\" in classes_of_service");
    for (std::size_t j = 0; j < i; ++j) {
      if (c.trunks[j].name == c.trunks[i].name)
        problems.push_back("trunks[" + std::to_string(i) + "].name: \"" + c.trunks[i].name + "\" is used twice");
    }
  }
  if (!c.acd.callback_trunk.empty() &&
      std::none_of(c.trunks.begin(), c.trunks.end(), [&](const TrunkConfig& t) { return t.name == c.acd.callback_trunk; }))
    problems.push_back("acd.callback_trunk: no trunk named \"" + c.acd.callback_trunk + "\" in trunks");
  for (const auto& [name, patterns] : c.classes_of_service) {
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      if (auto why = dial_pattern_problem(patterns[i]))
        problems.push_back("classes_of_service." + name + "[" + std::to_string(i) + "]: " + *why);
    }
  }
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

std::filesystem::path Config::recordings_path() const {
  std::filesystem::path p = recordings.directory;
  return p.is_absolute() ? p : data_dir / p;
}

std::filesystem::path Config::prompts_path() const {
  std::filesystem::path p = prompts.directory;
  return p.is_absolute() ? p : data_dir / p;
}

std::filesystem::path Config::log_path() const {
  std::filesystem::path p = log.file;
  return p.is_absolute() ? p : data_dir / p;
}


Config parse_config(const std::string& text, const std::string& source_name) {
  json root;
  try {
    root = json::parse(text, nullptr, true, /*ignore_comments=*/true);
  } catch (const json::parse_error& e) {
    throw ConfigError({source_name + ": not valid JSON: " + e.what()});
  }
  if (!root.is_object()) throw ConfigError({source_name + ": the top level must be a JSON object"});

  Config c;
  std::vector<std::string> problems;
  {
    ObjectReader r(root, "", problems);
    std::string data_dir = c.data_dir.string();
    r.string("data_dir", data_dir);
    if (data_dir.empty()) r.bad("data_dir", "must not be empty");
    c.data_dir = data_dir;
    r.object("http", [&](ObjectReader& h) {
      h.endpoint("listen", c.http.listen);
      h.string("static_dir", c.http.static_dir);
      h.integer("max_body_bytes", c.http.max_body_bytes, 1024, 1LL << 30);
      h.integer("request_timeout_seconds", c.http.request_timeout_seconds, 1, 3600);
      h.integer("threads", c.http.threads, 0, 256);
      h.cidr_list("metrics_allow", c.http.metrics_allow);
      h.object("tls", [&](ObjectReader& t) {
        t.boolean("enabled", c.http.tls.enabled);
        t.string("certificate", c.http.tls.certificate);
        t.string("private_key", c.http.tls.private_key);
        if (c.http.tls.enabled && (c.http.tls.certificate.empty() || c.http.tls.private_key.empty())) {
          t.bad("enabled", "TLS needs both http.tls.certificate and http.tls.private_key");
        }
      });
    });
    r.object("sip", [&](ObjectReader& s) {
      s.endpoint("listen", c.sip.listen);
      s.integer("max_message_bytes", c.sip.max_message_bytes, 1024, 65535);
      s.integer("tcp_idle_seconds", c.sip.tcp_idle_seconds, 1, 86400);
      s.string("realm", c.sip.realm);
      if (c.sip.realm.empty() || c.sip.realm.find('"') != std::string::npos)
        s.bad("realm", "must be a non-empty name without quotes");
      s.string_list("digest_algorithms", c.sip.digest_algorithms, {"MD5", "SHA-256"});
      s.integer("register_min_expires", c.sip.register_min_expires, 1, 86400);
      s.integer("register_max_expires", c.sip.register_max_expires, 1, 604800);
      if (c.sip.register_max_expires < c.sip.register_min_expires) {
        s.bad("register_max_expires", "must not be below sip.register_min_expires");
      }
      s.integer("auth_failures_before_ban", c.sip.auth_failures_before_ban, 1, 10000);
      s.integer("ban_seconds", c.sip.ban_seconds, 1, 604800);
      s.integer("max_requests_per_second", c.sip.max_requests_per_second, 1, 1000000);
      s.integer("overload_lag_ms", c.sip.overload_lag_ms, 0, 60000);
      s.object("tls", [&](ObjectReader& t) {
        t.boolean("enabled", c.sip.tls.enabled);
        t.endpoint("listen", c.sip.tls.listen);
        t.string("certificate", c.sip.tls.certificate);
        t.string("private_key", c.sip.tls.private_key);
        t.string("ca_file", c.sip.tls.ca_file);
        t.boolean("verify_peer", c.sip.tls.verify_peer);
        if (c.sip.tls.enabled && (c.sip.tls.certificate.empty() || c.sip.tls.private_key.empty())) {
          t.bad("enabled", "TLS needs both sip.tls.certificate and sip.tls.private_key");
        }
      });
    });
    r.object("rtp", [&](ObjectReader& m) {
      m.string("address", c.rtp.address);
      if (!Endpoint::parse(c.rtp.address + ":1")) m.bad("address", "expected a numeric IP address");
      std::string ports = std::to_string(c.rtp.port_min) + "-" + std::to_string(c.rtp.port_max);
      m.string("ports", ports);
      unsigned lo = 0, hi = 0;
      char dash = 0;
      std::istringstream in(ports);
      if (!(in >> lo >> dash >> hi) || dash != '-' || !in.eof() || lo < 1024 || hi > 65535 || lo + 3 > hi) {
        m.bad("ports", "expected \"LOW-HIGH\" within 1024-65535 with at least 4 ports, got \"" + ports + "\"");
      } else {
        c.rtp.port_min = static_cast<std::uint16_t>(lo);
        c.rtp.port_max = static_cast<std::uint16_t>(hi);
      }
      m.integer("threads", c.rtp.threads, 0, 256);
    });
    r.objects("trunks", [&](ObjectReader& t, std::size_t) {
      TrunkConfig trunk;
      t.string("name", trunk.name);
      if (trunk.name.empty()) t.bad("name", "every trunk needs a name");
      t.cidr_list("acl", trunk.acl);
      Endpoint address;
      t.endpoint("address", address);
      if (!address.host.empty()) trunk.address = address;
      t.string("username", trunk.username);
      t.string("password", trunk.password);
      t.string("class_of_service", trunk.class_of_service);
      t.one_of("transport", trunk.transport, {"udp", "tcp", "tls"});
      read_rules(t, "inbound", trunk.inbound);
      if (trunk.acl.empty() && !trunk.address) t.bad_here("a trunk needs an acl (inbound) or an address (outbound)");
      c.trunks.push_back(std::move(trunk));
    });
    read_rules(r, "dialplan", c.dialplan);
    r.string_lists("classes_of_service", c.classes_of_service);
    c.classes_of_service.try_emplace("all", std::vector<std::string>{"_."});
    r.object("calls", [&](ObjectReader& k) {
      k.integer("max_calls", c.calls.max_calls, 1, 100000);
      k.integer("ring_timeout_seconds", c.calls.ring_timeout_seconds, 1, 600);
      k.integer("max_call_seconds", c.calls.max_call_seconds, 60, 86400);
      k.boolean("cdr", c.calls.cdr);
    });
    r.object("websocket", [&](ObjectReader& w) {
      w.integer("send_queue_messages", c.websocket.send_queue_messages, 1, 1000000);
      w.integer("send_queue_bytes", c.websocket.send_queue_bytes, 1024, 1LL << 30);
      w.integer("max_message_bytes", c.websocket.max_message_bytes, 256, 16 << 20);
      w.integer("ping_interval_seconds", c.websocket.ping_interval_seconds, 1, 3600);
      w.integer("max_connections", c.websocket.max_connections, 1, 1000000);
      w.integer("reattach_grace_seconds", c.websocket.reattach_grace_seconds, 1, 600);
    });
    r.object("auth", [&](ObjectReader& a) {
      a.integer("session_ttl_seconds", c.auth.session_ttl_seconds, 1, 30 * 86400);
      a.integer("lockout_threshold", c.auth.lockout_threshold, 1, 100);
      a.integer("lockout_seconds", c.auth.lockout_seconds, 1, 86400);
      a.integer("password_min_length", c.auth.password_min_length, 6, 128);
    });
    r.object("store", [&](ObjectReader& s) {
      s.integer("readers", c.store.readers, 1, 64);
      s.integer("busy_timeout_ms", c.store.busy_timeout_ms, 0, 600000);
      s.integer("writer_cache_mib", c.store.writer_cache_mib, 2, 65536);
    });
    r.object("tickets", [&](ObjectReader& t) { read_tickets(t, c.tickets); });
    r.object("recordings", [&](ObjectReader& m) {
      m.boolean("enabled", c.recordings.enabled);
      m.string("directory", c.recordings.directory);
      if (c.recordings.directory.empty()) m.bad("directory", "must not be empty");
      m.integer("retention_days", c.recordings.retention_days, 0, 36500);
      m.integer("header_update_seconds", c.recordings.header_update_seconds, 1, 300);
      m.integer("disk_alarm_free_mb", c.recordings.disk_alarm_free_mb, 0, 100 * 1024 * 1024);
    });
    r.object("prompts", [&](ObjectReader& p) {
      p.string("directory", c.prompts.directory);
      if (c.prompts.directory.empty()) p.bad("directory", "must not be empty");
      p.string("voice", c.prompts.voice);
      bool voice_ok = !c.prompts.voice.empty() && c.prompts.voice.size() <= 40;
      for (char ch : c.prompts.voice) {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '+'))
          voice_ok = false;
      }
      if (!voice_ok) p.bad("voice", "expected an espeak-ng voice name such as \"cmn\" or \"en\"");
      p.integer("tts_rate", c.prompts.tts_rate, 80, 450);
      p.string("hold_music", c.prompts.hold_music);
    });
    r.object("ivr", [&](ObjectReader& v) { read_ivr(v, c.ivr); });
    r.object("acd", [&](ObjectReader& a) { read_acd(a, c.acd); });
    r.object("log", [&](ObjectReader& l) {
      l.one_of("level", c.log.level, {"trace", "debug", "info", "warn", "error", "critical", "off"});
      l.string("file", c.log.file);
      if (c.log.file.empty()) l.bad("file", "must not be empty");
      l.integer("max_size_mb", c.log.max_size_mb, 1, 10240);
      l.integer("max_files", c.log.max_files, 1, 1000);
      l.boolean("console", c.log.console);
    });
  }
  check_references(c, problems);
  if (!problems.empty()) {
    for (auto& p : problems) p = source_name + ": " + p;
    throw ConfigError(std::move(problems));
  }
  return c;
}

Config load_config_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError({path.string() + ": cannot read the file"});
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path.string());
}

}  // namespace hotline
