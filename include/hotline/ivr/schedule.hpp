#pragma once
// Service schedules (日服/夜服, PRODUCT A8) that flows test with
// `if: {schedule: NAME}`, and the time tests of condition nodes. Times are
// Asia/Shanghai (UTC+8, no daylight saving), as in the tickets calendar,
// whose holidays and make-up working days are reused here.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hotline/core/config.hpp"
#include "hotline/tickets/calendar.hpp"

namespace hotline::ivr {

struct Schedule {
  enum class Days { listed, all, working };
  Days days = Days::all;
  std::set<int> weekdays;                  // 0 = Sunday .. 6 = Saturday, when listed
  std::vector<std::pair<int, int>> hours;  // minutes of the day [from, until)
  bool closed_on_holidays = false;
};

struct Schedules {
  std::map<std::string, Schedule> named;
  tickets::WorkCalendar calendar;

  // Throws Error(invalid_argument) on a malformed entry (the config checks them first).
  static Schedules from_config(const IvrConfig& ivr, const TicketsConfig& tickets);
  std::set<std::string> names() const;
  bool open(const std::string& name, std::int64_t unix_ms) const;  // false for an unknown name
};

// Shanghai local time of an instant.
struct LocalTime {
  tickets::Day day;
  int weekday = 0;  // 0 = Sunday
  int minute = 0;   // of the day
};
LocalTime local_time(std::int64_t unix_ms);
bool is_holiday(const tickets::WorkCalendar& calendar, tickets::Day day);
bool in_hours(const std::vector<std::pair<int, int>>& hours, int minute);
bool schedule_open(const Schedule& schedule, const tickets::WorkCalendar& calendar, std::int64_t unix_ms);

// "08:00-20:00" -> {480, 1200}; false when malformed.
bool parse_hours(const std::string& text, std::pair<int, int>& out);
// "mon".."sun" -> 1..6, 0; -1 when unknown.
int parse_weekday(const std::string& text);

}  // namespace hotline::ivr
