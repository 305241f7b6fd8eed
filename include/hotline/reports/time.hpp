#pragma once
// Report time: Unix hours (the hourly buckets, UTC), local days of the
// hotline (Asia/Shanghai, UTC+8 all year: the same fixed offset as the
// tickets' calendar, src/tickets/calendar.hpp), and the buckets a report can
// group by. Ranges are whole local days, both ends included.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "hotline/tickets/calendar.hpp"

namespace hotline::reports {

using Ms = std::int64_t;
inline constexpr Ms kHourMs = 3'600'000;
inline constexpr std::int64_t kLocalOffsetHours = tickets::kShanghaiOffsetMs / kHourMs;  // 8
static_assert(tickets::kShanghaiOffsetMs % kHourMs == 0, "hourly buckets need a whole-hour offset");

std::int64_t floor_div(std::int64_t a, std::int64_t b);
inline std::int64_t hour_of(Ms ms) { return floor_div(ms, kHourMs); }
inline Ms hour_start(std::int64_t hour) { return hour * kHourMs; }
// The local day (days since 1970-01-01, local calendar) an hour falls in.
inline std::int64_t day_of_hour(std::int64_t hour) { return floor_div(hour + kLocalOffsetHours, 24); }
inline std::int64_t day_of(Ms ms) { return day_of_hour(hour_of(ms)); }
inline std::int64_t first_hour_of_day(std::int64_t day) { return day * 24 - kLocalOffsetHours; }
inline Ms day_start(std::int64_t day) { return hour_start(first_hour_of_day(day)); }
// 0..23 local, and 1 (Monday) .. 7 (Sunday).
inline int local_hour_of_day(std::int64_t hour) {
  return static_cast<int>(hour + kLocalOffsetHours - day_of_hour(hour) * 24);
}
inline int iso_weekday(std::int64_t day) {  // 1970-01-01 was a Thursday
  return static_cast<int>(day + 3 - floor_div(day + 3, 7) * 7) + 1;
}

// Months as year × 12 + month − 1 (the month bucket's order, the monthly tables' key).
std::int64_t month_of_day(std::int64_t day);
std::int64_t first_day_of_month(std::int64_t month);

std::int64_t parse_local_day(std::string_view text, std::string_view field);  // "2026-03-01"
std::string day_label(std::int64_t day);                                      // "2026-03-01"
std::string format_local(Ms ms);                                              // "2026-03-01 10:00:00"
std::int64_t today(Ms now);

// Whole local days [first, last].
struct DayRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
  std::int64_t days() const { return last - first + 1; }
  Ms start_ms() const { return day_start(first); }
  Ms end_ms() const { return day_start(last + 1); }  // exclusive
  std::int64_t first_hour() const { return first_hour_of_day(first); }
  std::int64_t end_hour() const { return first_hour_of_day(last + 1); }  // exclusive
  std::string label() const;                                             // "2026-03-01 ~ 2026-03-31"
  bool operator==(const DayRange&) const = default;
};
// from/to as YYYY-MM-DD; the range must not be reversed nor longer than max_days.
DayRange parse_range(std::string_view from, std::string_view to, std::int64_t max_days = 3700);

enum class Bucket { total, hour, day, week, month, hour_of_day, day_of_week };
std::optional<Bucket> bucket_from(std::string_view name);
std::string_view to_string(Bucket bucket);
// Whether the bucket needs hourly rows (hour, hour_of_day) or days suffice.
bool needs_hours(Bucket bucket);

struct BucketKey {
  std::int64_t order = 0;  // sorts the buckets in time (or 0..23, 1..7)
  std::string label;       // "2026-03-01 10:00", "2026-03-01", "2026-W09", "2026-03", "10:00", "周一", "合计"
  auto operator<=>(const BucketKey& o) const { return order <=> o.order; }
  bool operator==(const BucketKey& o) const { return order == o.order; }
};
BucketKey bucket_of_hour(Bucket bucket, std::int64_t hour);
BucketKey bucket_of_day(Bucket bucket, std::int64_t day);  // not for hour and hour_of_day
// How many days of the range fall in the bucket (averages per day): all days
// for hour_of_day, the number of that weekday for day_of_week, else 0.
std::int64_t days_in(Bucket bucket, std::int64_t order, const DayRange& range);

}  // namespace hotline::reports
