#include "hotline/tickets/calendar.hpp"

#include <charconv>
#include <cstdio>

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

using namespace std::chrono;

// Floor division, so instants before 1970 still land on the right day.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

bool is_weekend(Day day) {
  weekday wd{day};
  return wd == Saturday || wd == Sunday;
}

int parse_part(std::string_view s, std::string_view text, std::string_view field) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) {
    throw Error(Errc::invalid_argument, std::string(field) + ": '" + std::string(text) + "' is not a YYYY-MM-DD date");
  }
  return v;
}

}  // namespace

Day local_day(std::int64_t unix_ms) { return Day{days{floor_div(unix_ms + kShanghaiOffsetMs, kDayMs)}}; }

std::int64_t start_of_day(Day day) {
  return static_cast<std::int64_t>(day.time_since_epoch().count()) * kDayMs - kShanghaiOffsetMs;
}

Day parse_day(std::string_view text, std::string_view field) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    throw Error(Errc::invalid_argument, std::string(field) + ": '" + std::string(text) + "' is not a YYYY-MM-DD date");
  }
  year_month_day ymd{year{parse_part(text.substr(0, 4), text, field)},
                     month{static_cast<unsigned>(parse_part(text.substr(5, 2), text, field))},
                     std::chrono::day{static_cast<unsigned>(parse_part(text.substr(8, 2), text, field))}};
  if (!ymd.ok()) throw Error(Errc::invalid_argument, std::string(field) + ": " + std::string(text) + " does not exist");
  return Day{ymd};
}

std::string compact_day(Day day) {
  year_month_day ymd{day};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02u%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

bool WorkCalendar::is_working_day(Day day) const {
  if (makeup_workdays.count(day)) return true;
  if (holidays.count(day)) return false;
  return !is_weekend(day);
}

WorkCalendar WorkCalendar::from_strings(const std::vector<std::string>& holidays,
                                        const std::vector<std::string>& makeup_workdays) {
  WorkCalendar c;
  for (const auto& h : holidays) c.holidays.insert(parse_day(h, "holidays"));
  for (const auto& w : makeup_workdays) {
    Day d = parse_day(w, "makeup_workdays");
    if (c.holidays.count(d)) throw Error(Errc::invalid_argument, "makeup_workdays: " + w + " is also a holiday");
    c.makeup_workdays.insert(d);
  }
  return c;
}

std::int64_t add_working_days(const WorkCalendar& calendar, std::int64_t from, int n) {
  if (n < 1) throw Error(Errc::invalid_argument, "working days: must be at least 1");
  Day d = local_day(from);
  // A generous bound: no configured calendar has a year of rest days in a row.
  for (int seen = 0, steps = 0; steps < 366 * 5; ++steps) {
    d += days{1};
    if (calendar.is_working_day(d) && ++seen == n) return start_of_day(d + days{1});
  }
  throw Error(Errc::invalid_argument, "working days: the calendar has no working day for years");
}

int working_days_late(const WorkCalendar& calendar, std::int64_t due, std::int64_t now) {
  if (now <= due) return 0;
  // A deadline at 00:00 means "by the end of the day before"; that day is not late.
  Day first = local_day(due - 1) + days{1};
  Day last = local_day(now);
  int late = 0;
  for (Day d = first; d <= last; d += days{1}) late += calendar.is_working_day(d) ? 1 : 0;
  return late;
}

}  // namespace hotline::tickets
