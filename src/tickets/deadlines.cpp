#include "hotline/tickets/deadlines.hpp"

#include <algorithm>

namespace hotline::tickets {

Deadlines compute_deadlines(const WorkCalendar& calendar, const DeadlinePolicy& policy, TicketType type,
                            Urgency urgency, bool complex, std::int64_t from) {
  Deadlines d;
  switch (urgency) {
    case Urgency::extra_urgent:
      d.reply_due = from + policy.extra_urgent_reply_ms;
      d.sign_due = from + policy.extra_urgent_sign_ms;
      break;
    case Urgency::urgent:
      d.reply_due = from + policy.urgent_reply_ms;
      d.sign_due = from + policy.urgent_sign_ms;
      break;
    case Urgency::normal: {
      int n = complex ? policy.complex_reply_working_days : 5;
      if (!complex) {
        auto it = policy.reply_working_days.find(type);
        if (it != policy.reply_working_days.end()) n = it->second;
      }
      d.reply_due = add_working_days(calendar, from, n);
      d.sign_due = add_working_days(calendar, from, policy.sign_working_days);
      break;
    }
  }
  d.sign_due = std::min(d.sign_due, d.reply_due);
  // reply_due - 1: a deadline at 00:00 belongs to the day that just ended.
  d.close_due = add_working_days(calendar, d.reply_due - 1, policy.close_working_days_after_reply);
  return d;
}

Escalation escalation(std::int64_t start, std::int64_t due, std::int64_t now, double yellow_fraction) {
  if (now >= due) return Escalation::red;
  auto window = static_cast<double>(due - start);
  if (window <= 0 || static_cast<double>(now - start) >= window * yellow_fraction) return Escalation::yellow;
  return Escalation::none;
}

}  // namespace hotline::tickets
