#pragma once
// The aggregate families (migration 0014): what each one counts, by which
// dimensions, in which tables. The single C++ description of the tables'
// columns; reports_aggregates_test checks it against the schema.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotline::reports {

enum class Family { queue, agent, reason, ticket, call };
inline constexpr std::array<Family, 5> kAllFamilies{Family::queue, Family::agent, Family::reason, Family::ticket,
                                                    Family::call};

// hourly: keyed by the Unix hour; daily: by the hotline's local day;
// monthly: by its local month (year × 12 + month − 1).
enum class Level { hourly, daily, monthly };
inline constexpr std::array<Level, 3> kAllLevels{Level::hourly, Level::daily, Level::monthly};

// A smaller table of a family: its measures summed over fewer dimensions,
// for the reports that group and filter by those only (a year of tickets by
// category reads 12 × 300 monthly rows instead of one per type, channel,
// category and department).
struct Rollup {
  std::string_view name;               // "by_category": report_ticket_by_category_daily
  std::vector<std::string_view> dims;  // a subset of the family's, in its order
  std::vector<Level> levels;
};

struct FamilySpec {
  Family family;
  std::string_view name;                   // "queue"
  std::vector<std::string_view> dims;      // of the daily and monthly tables (and of the facts)
  std::size_t hourly_dims;                 // the hourly table has the first N of them
  std::vector<std::string_view> measures;  // column order of both tables
  std::vector<bool> is_max;                // per measure: kept as a maximum, not a sum
  std::vector<Rollup> rollups;

  std::string table(Level level) const;  // report_queue_hourly
  std::string_view time_column(Level level) const {
    return level == Level::hourly ? "hour" : level == Level::daily ? "day" : "month";
  }
  std::size_t dim_count(Level level) const { return level == Level::hourly ? hourly_dims : dims.size(); }
  // Index of a measure or dimension by name; nullopt when absent.
  std::optional<std::size_t> measure(std::string_view name) const;
  std::optional<std::size_t> dim(std::string_view name) const;
  // Index of a measure that must exist (a programming error otherwise).
  std::size_t at(std::string_view name) const;
};

const FamilySpec& spec(Family family);

// One aggregate table: a family's base table at a level, or one of its
// rollups; or (every_dimension) the shape of the facts the reference
// computation produces, which no table has.
struct TableRef {
  static constexpr int kBase = -1;
  static constexpr int kEveryDimension = -2;
  Family family = Family::queue;
  Level level = Level::hourly;
  int rollup = kBase;  // index into FamilySpec::rollups, or kBase, or kEveryDimension

  std::string name() const;  // report_ticket_by_category_daily
  std::string_view time_column() const;
  std::vector<std::string_view> dims() const;
  std::vector<std::size_t> dim_indexes() const;  // their positions in FamilySpec::dims
  bool operator==(const TableRef&) const = default;
};
// Every table of a family: the base table at each level, then each rollup at its levels.
std::vector<TableRef> tables_of(Family family);
std::string_view to_string(Family family);
std::optional<Family> family_from(std::string_view name);

// The thresholds the queue family keeps counts for (seconds): service level
// "answered within T" (and abandoned within T), and short abandons "< S".
inline constexpr std::array<int, 8> kServiceLevelSeconds{10, 15, 20, 30, 45, 60, 90, 120};
inline constexpr std::array<int, 6> kShortAbandonSeconds{3, 5, 10, 15, 20, 30};

}  // namespace hotline::reports
