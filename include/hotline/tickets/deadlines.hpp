#pragma once
// Deadlines of a ticket by type and urgency (D4), in the spirit of published
// local rules: 特急 2 hours and 紧急 24 hours of wall-clock time; otherwise
// working days on the calendar: consultation and suggestion 1, help,
// complaint and report 5, complex cases 15. Pure functions.
#include <cstdint>
#include <map>

#include "hotline/tickets/calendar.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::tickets {

struct DeadlinePolicy {
  std::int64_t extra_urgent_reply_ms = 2LL * 3600 * 1000;
  std::int64_t urgent_reply_ms = 24LL * 3600 * 1000;
  std::map<TicketType, int> reply_working_days = {
      {TicketType::consultation, 1}, {TicketType::suggestion, 1}, {TicketType::help, 5},    {TicketType::complaint, 5},
      {TicketType::report, 5},       {TicketType::praise, 5},     {TicketType::mailbox, 5}, {TicketType::other, 5}};
  int complex_reply_working_days = 15;
  // Signing for a dispatched ticket (签收).
  std::int64_t extra_urgent_sign_ms = 30LL * 60 * 1000;
  std::int64_t urgent_sign_ms = 2LL * 3600 * 1000;
  int sign_working_days = 1;
  // From the reply deadline to the callback and closing (回访, 办结).
  int close_working_days_after_reply = 2;
};

struct Deadlines {
  std::int64_t sign_due = 0;
  std::int64_t reply_due = 0;
  std::int64_t close_due = 0;
};

// Deadlines of a ticket opened at `from` (unix ms). Urgent ones count wall
// clock, so a 特急 ticket filed on a holiday is still due within 2 hours; the
// sign deadline never falls after the reply deadline.
Deadlines compute_deadlines(const WorkCalendar& calendar, const DeadlinePolicy& policy, TicketType type,
                            Urgency urgency, bool complex, std::int64_t from);

// 督办 levels: yellow once `yellow_fraction` of the time from start to due has
// passed (e.g. 0.8), red once the deadline has passed.
enum class Escalation { none, yellow, red };
Escalation escalation(std::int64_t start, std::int64_t due, std::int64_t now, double yellow_fraction);

}  // namespace hotline::tickets
