#include "hotline/reports/time.hpp"

#include <array>
#include <chrono>
#include <cstdio>

#include "hotline/core/error.hpp"

namespace hotline::reports {
namespace {

using namespace std::chrono;

year_month_day ymd_of(std::int64_t day) { return year_month_day{sys_days{days{day}}}; }

std::int64_t day_index(const year_month_day& ymd) { return sys_days{ymd}.time_since_epoch().count(); }

constexpr std::array<std::string_view, 7> kWeekdays{"周一", "周二", "周三", "周四", "周五", "周六", "周日"};

}  // namespace

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::int64_t month_of_day(std::int64_t day) {
  auto ymd = ymd_of(day);
  return static_cast<std::int64_t>(static_cast<int>(ymd.year())) * 12 + static_cast<unsigned>(ymd.month()) - 1;
}

std::int64_t first_day_of_month(std::int64_t month) {
  auto y = static_cast<int>(floor_div(month, 12));
  auto m = static_cast<unsigned>(month - static_cast<std::int64_t>(y) * 12 + 1);
  return day_index(year_month_day{year{y}, std::chrono::month{m}, std::chrono::day{1}});
}

std::int64_t parse_local_day(std::string_view text, std::string_view field) {
  return tickets::parse_day(text, field).time_since_epoch().count();
}

std::string day_label(std::int64_t day) {
  auto ymd = ymd_of(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()));
  return buf;
}

std::string format_local(Ms ms) {
  Ms local = ms + tickets::kShanghaiOffsetMs;
  std::int64_t day = floor_div(local, tickets::kDayMs);
  std::int64_t second = floor_div(local - day * tickets::kDayMs, 1000);
  char buf[16];
  std::snprintf(buf, sizeof buf, " %02d:%02d:%02d", static_cast<int>(second / 3600), static_cast<int>(second / 60 % 60),
                static_cast<int>(second % 60));
  return day_label(day) + buf;
}

std::int64_t today(Ms now) { return day_of(now); }

std::string DayRange::label() const {
  return first == last ? day_label(first) : day_label(first) + " ~ " + day_label(last);
}

DayRange parse_range(std::string_view from, std::string_view to, std::int64_t max_days) {
  DayRange r{parse_local_day(from, "from"), parse_local_day(to, "to")};
  if (r.last < r.first) throw Error(Errc::invalid_argument, "to: must not be before from");
  if (r.days() > max_days) {
    throw Error(Errc::invalid_argument, "the range is longer than " + std::to_string(max_days) + " days");
  }
  return r;
}

std::optional<Bucket> bucket_from(std::string_view name) {
  for (Bucket b : {Bucket::total, Bucket::hour, Bucket::day, Bucket::week, Bucket::month, Bucket::hour_of_day,
                   Bucket::day_of_week}) {
    if (to_string(b) == name) return b;
  }
  return std::nullopt;
}

std::string_view to_string(Bucket bucket) {
  switch (bucket) {
    case Bucket::total:
      return "total";
    case Bucket::hour:
      return "hour";
    case Bucket::day:
      return "day";
    case Bucket::week:
      return "week";
    case Bucket::month:
      return "month";
    case Bucket::hour_of_day:
      return "hour_of_day";
    case Bucket::day_of_week:
      return "day_of_week";
  }
  return "total";
}

bool needs_hours(Bucket bucket) { return bucket == Bucket::hour || bucket == Bucket::hour_of_day; }

BucketKey bucket_of_hour(Bucket bucket, std::int64_t hour) {
  if (bucket == Bucket::hour) {
    char buf[8];
    std::snprintf(buf, sizeof buf, " %02d:00", local_hour_of_day(hour));
    return {hour, day_label(day_of_hour(hour)) + buf};
  }
  if (bucket == Bucket::hour_of_day) {
    int h = local_hour_of_day(hour);
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d:00", h);
    return {h, buf};
  }
  return bucket_of_day(bucket, day_of_hour(hour));
}

BucketKey bucket_of_day(Bucket bucket, std::int64_t day) {
  switch (bucket) {
    case Bucket::total:
      return {0, "合计"};
    case Bucket::day:
      return {day, day_label(day)};
    case Bucket::week: {
      // ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday.
      std::int64_t monday = day - (iso_weekday(day) - 1);
      auto thursday = ymd_of(monday + 3);
      std::int64_t jan1 = day_index(year_month_day{thursday.year(), January, std::chrono::day{1}});
      int week = static_cast<int>((monday + 3 - jan1) / 7 + 1);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-W%02d", static_cast<int>(thursday.year()), week);
      return {monday, buf};
    }
    case Bucket::month: {
      auto ymd = ymd_of(day);
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
      return {month_of_day(day), buf};
    }
    case Bucket::day_of_week: {
      int wd = iso_weekday(day);
      return {wd, std::string(kWeekdays[static_cast<std::size_t>(wd - 1)])};
    }
    case Bucket::hour:
    case Bucket::hour_of_day:
      break;
  }
  throw Error(Errc::internal, "bucket_of_day: " + std::string(to_string(bucket)) + " needs hours");
}

std::int64_t days_in(Bucket bucket, std::int64_t order, const DayRange& range) {
  if (bucket == Bucket::hour_of_day) return range.days();
  if (bucket != Bucket::day_of_week) return 0;
  std::int64_t n = 0;
  for (std::int64_t d = range.first; d <= range.last && d < range.first + 7; ++d) {
    if (iso_weekday(d) == order) n = (range.last - d) / 7 + 1;
  }
  return n;
}

}  // namespace hotline::reports
