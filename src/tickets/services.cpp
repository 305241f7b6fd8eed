#include "hotline/tickets/services.hpp"

#include "hotline/core/error.hpp"

namespace hotline::tickets {

bool RateLimiter::allow(const std::string& key, std::int64_t now) {
  std::lock_guard lock(mutex_);
  if (windows_.size() > 100000) {
    // Forget finished windows so a scan from many addresses cannot grow the map without bound.
    for (auto it = windows_.begin(); it != windows_.end();) {
      it = now - it->second.start >= window_ms_ ? windows_.erase(it) : std::next(it);
    }
  }
  auto& w = windows_[key];
  if (now - w.start >= window_ms_) w = {now, 0};
  if (w.count >= limit_) return false;
  ++w.count;
  return true;
}

TicketRules rules_from(const TicketsConfig& c) {
  TicketRules r;
  r.calendar = WorkCalendar::from_strings(c.holidays, c.makeup_workdays);
  auto& p = r.policy;
  const auto& d = c.deadlines;
  p.extra_urgent_reply_ms = d.extra_urgent_reply_minutes * 60LL * 1000;
  p.urgent_reply_ms = d.urgent_reply_hours * 3600LL * 1000;
  for (const auto& [name, days] : d.reply_working_days) {
    if (auto type = parse_ticket_type(name)) p.reply_working_days[*type] = static_cast<int>(days);
  }
  p.complex_reply_working_days = static_cast<int>(d.complex_reply_working_days);
  p.extra_urgent_sign_ms = d.extra_urgent_sign_minutes * 60LL * 1000;
  p.urgent_sign_ms = d.urgent_sign_minutes * 60LL * 1000;
  p.sign_working_days = static_cast<int>(d.sign_working_days);
  p.close_working_days_after_reply = static_cast<int>(d.close_working_days_after_reply);
  return r;
}

Services::Services(const TicketsConfig& c, const std::string& master_key) : Services(c, MasterKey{1, master_key}) {}

Services::Services(const TicketsConfig& c, const MasterKey& master_key)
    : config(c),
      key(master_key),
      rules(rules_from(c)),
      yellow_fraction(c.escalation_yellow_percent / 100.0),
      citizen_lookups(c.citizen_lookups_per_minute, 60LL * 1000),
      mailbox_messages(c.mailbox_messages_per_hour, 3600LL * 1000) {}

}  // namespace hotline::tickets
