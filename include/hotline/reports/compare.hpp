#pragma once
// Period comparison (同期比, seed §3.2.7 and E3): one report over two ranges
// side by side, each measure with the base value, the change and the change
// rate. Rows are matched by their keys (queue, agent, category...) and by
// their bucket's place in its range (the 3rd day with the 3rd day, March with
// March of the year before), so any two ranges compare.
#include <optional>
#include <string>
#include <vector>

#include "hotline/reports/table.hpp"
#include "hotline/reports/time.hpp"

namespace hotline::reports {

enum class Preset {
  yoy,       // 同比: the same dates a year before (29 Feb -> 28 Feb)
  mom,       // 环比 by month: the month(s) before for whole months, else the dates a month before
  previous,  // the days just before, as many
};
std::optional<Preset> preset_from(std::string_view name);
DayRange base_range(const DayRange& current, Preset preset);

// The change from base to current: absolute (current − base; for rates in
// percentage points as a fraction) and relative ((current − base) / base,
// none when base is 0 or either is missing).
struct Change {
  std::optional<double> absolute;
  std::optional<double> relative;
};
Change change(std::optional<double> current, std::optional<double> base);

// The bucket's place in its range: 0 for the first day/week/month/hour of
// the range; the order itself for hour_of_day and day_of_week; 0 for total.
std::int64_t bucket_offset(Bucket bucket, std::int64_t order, const DayRange& range);

// A comparison table: the key columns of `current`, then for each measure
// (default: all measure columns) its current value, base value, change and
// change rate; data rows matched as above, then the total. Rows found only
// in one range show the other as empty.
Table compare_tables(const Table& current, const DayRange& current_range, const Table& base, const DayRange& base_range,
                     Bucket bucket, const std::vector<std::string>& measures = {});

}  // namespace hotline::reports
