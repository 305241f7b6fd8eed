#pragma once
// The business-day calendar of the hotline (D4): weekends are rest days,
// configured public holidays are rest days too, and make-up working days (调休,
// e.g. a Saturday worked to bridge a holiday) are working days. Pure values;
// the daemon builds one from its configuration.
//
// Day boundaries are those of Asia/Shanghai. China has used UTC+8 all year
// since 1991 (no daylight saving), so a fixed offset is exact for every date a
// ticket can have, and no time-zone database is needed.
#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hotline::tickets {

using Day = std::chrono::sys_days;

inline constexpr std::int64_t kShanghaiOffsetMs = 8LL * 3600 * 1000;
inline constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

// The Shanghai calendar day a unix-ms instant falls on.
Day local_day(std::int64_t unix_ms);
// Unix ms of 00:00 Shanghai time on that day.
std::int64_t start_of_day(Day day);
// "2026-10-01" -> Day; throws Error(invalid_argument, "<field>: ...") on a bad date.
Day parse_day(std::string_view text, std::string_view field = "date");
// "20261001", the form used in ticket numbers.
std::string compact_day(Day day);

struct WorkCalendar {
  std::set<Day> holidays;         // rest days that would otherwise be working days
  std::set<Day> makeup_workdays;  // 调休: weekend days that are working days

  bool is_working_day(Day day) const;

  // Builds a calendar from "YYYY-MM-DD" strings; a day may not be in both lists.
  static WorkCalendar from_strings(const std::vector<std::string>& holidays,
                                   const std::vector<std::string>& makeup_workdays);
};

// The end (24:00 Shanghai time, i.e. the next day's 00:00) of the n-th working
// day after the day of `from`. The day of `from` itself never counts, as in the
// usual rule that a period starts the day after the event (期间开始的当日不计入).
// n must be >= 1.
std::int64_t add_working_days(const WorkCalendar& calendar, std::int64_t from, int n);

// Whole working days a ticket is late: the working days after the deadline's
// day (a deadline at 00:00 belongs to the day before) up to and including
// now's day. Used for "more than 5 working days overdue".
int working_days_late(const WorkCalendar& calendar, std::int64_t due, std::int64_t now);

}  // namespace hotline::tickets
