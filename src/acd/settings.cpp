// Queue settings between the config's words (seconds, strategy names) and
// the router's (milliseconds, enums), and as JSON for the API and the
// acd_queues table.
#include "hotline/acd/settings.hpp"

#include "hotline/core/error.hpp"

namespace hotline::acd {
namespace {

EmptyRule rule_from(const std::string& s) {
  if (s == "always") return EmptyRule::always;
  if (s == "no_agents_available") return EmptyRule::no_agents_available;
  return EmptyRule::no_agents_logged_in;
}

std::string rule_name(EmptyRule r) {
  switch (r) {
    case EmptyRule::always: return "always";
    case EmptyRule::no_agents_available: return "no_agents_available";
    case EmptyRule::no_agents_logged_in: break;
  }
  return "no_agents_logged_in";
}

Ms seconds(unsigned s) { return static_cast<Ms>(s) * 1000; }
unsigned to_seconds(Ms ms) { return static_cast<unsigned>(ms / 1000); }

}  // namespace

QueueSettings settings_from(const AcdQueueConfig& c) {
  QueueSettings s;
  s.name = c.name;
  s.display_name = c.display_name.empty() ? c.name : c.display_name;
  s.strategy = strategy_from(c.strategy).value_or(Strategy::skills);
  s.ring_timeout = seconds(c.ring_timeout_seconds);
  s.wrap_up = seconds(c.wrap_up_seconds);
  s.wrap_up_max = seconds(c.wrap_up_max_seconds);
  s.max_wait = seconds(c.max_wait_seconds);
  s.max_length = c.max_length;
  s.overflow = c.overflow;
  s.join_when = rule_from(c.join_when);
  s.leave_when = rule_from(c.leave_when);
  s.announce_job_number = c.announce_job_number;
  s.announce_every = seconds(c.announce_every_seconds);
  s.service_level = seconds(c.service_level_seconds);
  s.missed_offers_to_pause = static_cast<int>(c.missed_offers_to_pause);
  s.busy_delay = seconds(c.busy_delay_seconds);
  s.priority_aging = seconds(c.priority_aging_seconds);
  s.callback = c.callback;
  s.callback_attempts = static_cast<int>(c.callback_attempts);
  s.callback_retry_delay = seconds(c.callback_retry_seconds);
  return s;
}

AcdQueueConfig config_from(const QueueSettings& s) {
  AcdQueueConfig c;
  c.name = s.name;
  c.display_name = s.display_name;
  c.strategy = std::string(to_string(s.strategy));
  c.ring_timeout_seconds = to_seconds(s.ring_timeout);
  c.wrap_up_seconds = to_seconds(s.wrap_up);
  c.wrap_up_max_seconds = to_seconds(s.wrap_up_max);
  c.max_wait_seconds = to_seconds(s.max_wait);
  c.max_length = static_cast<unsigned>(s.max_length);
  c.overflow = s.overflow;
  c.join_when = rule_name(s.join_when);
  c.leave_when = rule_name(s.leave_when);
  c.announce_job_number = s.announce_job_number;
  c.announce_every_seconds = to_seconds(s.announce_every);
  c.service_level_seconds = to_seconds(s.service_level);
  c.missed_offers_to_pause = static_cast<unsigned>(s.missed_offers_to_pause);
  c.busy_delay_seconds = to_seconds(s.busy_delay);
  c.priority_aging_seconds = to_seconds(s.priority_aging);
  c.callback = s.callback;
  c.callback_attempts = static_cast<unsigned>(s.callback_attempts);
  c.callback_retry_seconds = to_seconds(s.callback_retry_delay);
  return c;
}

nlohmann::json to_json(const AcdQueueConfig& c) {
  return {{"name", c.name},
          {"display_name", c.display_name},
          {"strategy", c.strategy},
          {"ring_timeout_seconds", c.ring_timeout_seconds},
          {"wrap_up_seconds", c.wrap_up_seconds},
          {"wrap_up_max_seconds", c.wrap_up_max_seconds},
          {"max_wait_seconds", c.max_wait_seconds},
          {"max_length", c.max_length},
          {"overflow", c.overflow},
          {"join_when", c.join_when},
          {"leave_when", c.leave_when},
          {"announce_job_number", c.announce_job_number},
          {"announce_every_seconds", c.announce_every_seconds},
          {"service_level_seconds", c.service_level_seconds},
          {"missed_offers_to_pause", c.missed_offers_to_pause},
          {"busy_delay_seconds", c.busy_delay_seconds},
          {"priority_aging_seconds", c.priority_aging_seconds},
          {"callback", c.callback},
          {"callback_attempts", c.callback_attempts},
          {"callback_retry_seconds", c.callback_retry_seconds}};
}

AcdQueueConfig queue_config_from_json(const nlohmann::json& j, AcdQueueConfig c) {
  if (!j.is_object()) throw Error(Errc::invalid_argument, "expected a JSON object of queue settings");
  auto base = to_json(c);
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!base.contains(it.key())) throw Error(Errc::invalid_argument, it.key() + ": unknown queue setting");
  }
  auto text = [&](const char* key, std::string& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_string()) throw Error(Errc::invalid_argument, std::string(key) + ": expected a string");
    out = j[key].get<std::string>();
  };
  auto number = [&](const char* key, unsigned& out, unsigned min, unsigned max) {
    if (!j.contains(key)) return;
    if (!j[key].is_number_unsigned() || j[key].get<std::uint64_t>() < min || j[key].get<std::uint64_t>() > max)
      throw Error(Errc::invalid_argument,
                  std::string(key) + ": expected a whole number " + std::to_string(min) + ".." + std::to_string(max));
    out = j[key].get<unsigned>();
  };
  auto flag = [&](const char* key, bool& out) {
    if (!j.contains(key)) return;
    if (!j[key].is_boolean()) throw Error(Errc::invalid_argument, std::string(key) + ": expected true or false");
    out = j[key].get<bool>();
  };
  text("display_name", c.display_name);
  text("strategy", c.strategy);
  if (!strategy_from(c.strategy))
    throw Error(Errc::invalid_argument,
                "strategy: expected longest_idle, round_robin, fewest_calls, ring_all, random or skills");
  number("ring_timeout_seconds", c.ring_timeout_seconds, 3, 600);
  number("wrap_up_seconds", c.wrap_up_seconds, 0, 3600);
  number("wrap_up_max_seconds", c.wrap_up_max_seconds, 0, 4 * 3600);
  number("max_wait_seconds", c.max_wait_seconds, 0, 24 * 3600);
  number("max_length", c.max_length, 0, 100000);
  text("overflow", c.overflow);
  if (!c.overflow.empty() && c.overflow != "voicemail" && c.overflow.rfind("queue:", 0) != 0 &&
      c.overflow.rfind("ivr:", 0) != 0)
    throw Error(Errc::invalid_argument, "overflow: expected queue:NAME, ivr:FLOW, voicemail or \"\"");
  text("join_when", c.join_when);
  text("leave_when", c.leave_when);
  for (const auto* rule : {&c.join_when, &c.leave_when}) {
    if (*rule != "always" && *rule != "no_agents_logged_in" && *rule != "no_agents_available")
      throw Error(Errc::invalid_argument, "join_when/leave_when: expected always, no_agents_logged_in or no_agents_available");
  }
  flag("announce_job_number", c.announce_job_number);
  number("announce_every_seconds", c.announce_every_seconds, 0, 3600);
  number("service_level_seconds", c.service_level_seconds, 1, 3600);
  number("missed_offers_to_pause", c.missed_offers_to_pause, 0, 100);
  number("busy_delay_seconds", c.busy_delay_seconds, 0, 3600);
  number("priority_aging_seconds", c.priority_aging_seconds, 0, 24 * 3600);
  flag("callback", c.callback);
  number("callback_attempts", c.callback_attempts, 1, 20);
  number("callback_retry_seconds", c.callback_retry_seconds, 10, 24 * 3600);
  if (c.display_name.empty()) c.display_name = c.name;
  return c;
}

nlohmann::json to_json(const QueueView& q) {
  return {{"name", q.name},
          {"display_name", q.display_name},
          {"waiting", q.waiting},
          {"callbacks_waiting", q.callbacks_waiting},
          {"longest_wait_ms", q.longest_wait},
          {"agents",
           {{"logged_in", q.agents_logged_in},
            {"ready", q.ready},
            {"busy", q.busy},
            {"not_ready", q.not_ready},
            {"wrap_up", q.wrap_up}}},
          {"today",
           {{"offered", q.offered},
            {"answered", q.answered},
            {"abandoned", q.abandoned},
            {"answered_within_sl", q.answered_within_sl},
            {"overflowed", q.overflowed},
            {"service_level", q.answered ? static_cast<double>(q.answered_within_sl) / q.answered : 0.0},
            {"answer_rate", q.offered ? static_cast<double>(q.answered) / q.offered : 0.0}}},
          {"estimated_wait_ms", q.estimated_wait}};
}

nlohmann::json to_json(const AgentView& a) {
  return {{"agent", a.agent},
          {"device", a.device},
          {"state", std::string(to_string(a.state))},
          {"reason", a.reason},
          {"since", a.since},
          {"call", a.call},
          {"queue", a.queue},
          {"calls_today", a.calls_today},
          {"missed_in_row", a.missed_in_row},
          {"wrap_up_until", a.wrap_up_until}};
}

nlohmann::json to_json(const QueueEvent& e) {
  return {{"at", e.at},         {"kind", std::string(to_string(e.kind))},
          {"queue", e.queue},   {"call", e.call},
          {"agent", e.agent},   {"priority", e.priority},
          {"position", e.position}, {"wait_ms", e.wait_ms},
          {"talk_ms", e.talk_ms},   {"hold_ms", e.hold_ms},
          {"detail", e.detail}};
}

}  // namespace hotline::acd
