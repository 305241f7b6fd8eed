#include "hotline/ivr/schedule.hpp"

#include <cstdio>

#include "hotline/core/error.hpp"

namespace hotline::ivr {

LocalTime local_time(std::int64_t unix_ms) {
  LocalTime t;
  t.day = tickets::local_day(unix_ms);
  t.weekday = static_cast<int>(std::chrono::weekday(t.day).c_encoding());
  std::int64_t since_midnight = unix_ms - tickets::start_of_day(t.day);
  t.minute = static_cast<int>(since_midnight / 60000);
  return t;
}

bool is_holiday(const tickets::WorkCalendar& calendar, tickets::Day day) { return calendar.holidays.count(day) > 0; }

bool in_hours(const std::vector<std::pair<int, int>>& hours, int minute) {
  for (const auto& [from, until] : hours) {
    if (minute >= from && minute < until) return true;
  }
  return false;
}

bool schedule_open(const Schedule& schedule, const tickets::WorkCalendar& calendar, std::int64_t unix_ms) {
  auto t = local_time(unix_ms);
  bool day_open = false;
  switch (schedule.days) {
    case Schedule::Days::all:
      day_open = true;
      break;
    case Schedule::Days::working:
      day_open = calendar.is_working_day(t.day);
      break;
    case Schedule::Days::listed:
      day_open = schedule.weekdays.count(t.weekday) > 0;
      break;
  }
  if (schedule.closed_on_holidays && is_holiday(calendar, t.day)) day_open = false;
  return day_open && in_hours(schedule.hours, t.minute);
}

bool parse_hours(const std::string& text, std::pair<int, int>& out) {
  unsigned h1 = 0, m1 = 0, h2 = 0, m2 = 0;
  char tail = 0;
  if (text.size() != 11 || std::sscanf(text.c_str(), "%2u:%2u-%2u:%2u%c", &h1, &m1, &h2, &m2, &tail) != 4) return false;
  if (text[2] != ':' || text[5] != '-' || text[8] != ':') return false;
  if (m1 >= 60 || m2 >= 60) return false;
  int from = static_cast<int>(h1 * 60 + m1), until = static_cast<int>(h2 * 60 + m2);
  if (from >= until || until > 24 * 60) return false;
  out = {from, until};
  return true;
}

int parse_weekday(const std::string& text) {
  static const char* const names[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int i = 0; i < 7; ++i) {
    if (text == names[i]) return i;
  }
  return -1;
}

Schedules Schedules::from_config(const IvrConfig& ivr, const TicketsConfig& tickets) {
  Schedules out;
  out.calendar = tickets::WorkCalendar::from_strings(tickets.holidays, tickets.makeup_workdays);
  for (const auto& [name, c] : ivr.schedules) {
    Schedule s;
    if (c.days.size() == 1 && c.days[0] == "all") {
      s.days = Schedule::Days::all;
    } else if (c.days.size() == 1 && c.days[0] == "working") {
      s.days = Schedule::Days::working;
    } else {
      s.days = Schedule::Days::listed;
      for (const auto& d : c.days) {
        int w = parse_weekday(d);
        if (w < 0) throw Error(Errc::invalid_argument, "ivr.schedules." + name + ".days: unknown day " + d);
        s.weekdays.insert(w);
      }
    }
    for (const auto& h : c.hours) {
      std::pair<int, int> range;
      if (!parse_hours(h, range)) throw Error(Errc::invalid_argument, "ivr.schedules." + name + ".hours: bad range " + h);
      s.hours.push_back(range);
    }
    s.closed_on_holidays = c.closed_on_holidays;
    out.named[name] = std::move(s);
  }
  return out;
}

std::set<std::string> Schedules::names() const {
  std::set<std::string> out;
  for (const auto& [name, s] : named) out.insert(name);
  return out;
}

bool Schedules::open(const std::string& name, std::int64_t unix_ms) const {
  auto it = named.find(name);
  return it != named.end() && schedule_open(it->second, calendar, unix_ms);
}

}  // namespace hotline::ivr
