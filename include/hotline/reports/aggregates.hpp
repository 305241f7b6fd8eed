#pragma once
// The aggregate tables of migration 0014: reading them, and proving them
// against the reference computation (hotlined rebuild-aggregates [--check]).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hotline/reports/facts.hpp"
#include "hotline/reports/time.hpp"
#include "hotline/store/database.hpp"

namespace hotline::reports {

// The rows of a table whose time key is in [from, to).
Facts read_table(store::Database& db, const TableRef& table, std::int64_t from, std::int64_t to);
// Of a family's base table.
Facts read_table(store::Database& db, Family family, Level level, std::int64_t from, std::int64_t to);

// One value that differs between a table and the raw logs.
struct Difference {
  TableRef table;
  std::int64_t time = 0;  // hour or day
  std::vector<std::string> dims;
  std::string measure;
  std::int64_t table_value = 0;
  std::int64_t raw_value = 0;
  std::string describe() const;  // "report_queue_hourly 2026-03-01 10:00 queue=human offered: table 5, raw logs 6"
};

// The differences between the facts a table should hold (from the raw logs)
// and what it holds; a missing row counts as zeros.
std::vector<Difference> compare(const Facts& expected, const Facts& actual);

struct CheckOptions {
  bool repair = false;  // rewrite the days that differ from the raw logs
  // Called for each difference found (before any repair), and after each day.
  std::function<void(const Difference&)> on_difference;
  std::function<void(std::int64_t day, std::int64_t days_done, std::int64_t days_total)> on_day;
};

struct CheckResult {
  std::int64_t days = 0;         // local days compared
  std::int64_t rows = 0;         // table rows compared
  std::int64_t differences = 0;  // values that differed
  std::int64_t days_repaired = 0;
  std::int64_t months_repaired = 0;
};

// Compares every family's tables, hourly, daily and monthly, with the
// reference computation, one local day at a time (and each month after its
// days), over the whole months from the first to the last day that has raw
// rows or aggregate rows. With repair, each differing day's (month's) rows are
// replaced in their own transaction, and the rebuild_needed flag is cleared at
// the end (the caller makes sure nothing else writes meanwhile). Without
// repair it reads only, in one read transaction.
CheckResult check_aggregates(store::Database& db, const CheckOptions& options);
// The same over the whole months holding some days.
CheckResult check_days(store::Database& db, const DayRange& days, const CheckOptions& options);

// False while raw rows from before migration 0014 wait for a rebuild.
bool aggregates_ready(store::Database& db);

}  // namespace hotline::reports
