// The aggregate tables (migration 0014, kept by triggers) against the
// reference computation from the raw logs: equal after a random workload,
// differences found and repaired, the schema matching FamilySpec.
#include <gtest/gtest.h>

#include <set>

#include "hotline/reports/aggregates.hpp"
#include "hotline/reports/reference.hpp"
#include "reports_workload.hpp"

namespace reports_test {
namespace {

using namespace hotline::reports;

struct ReportsAggregates : ReportsDb {};

std::vector<std::string> columns_of(hotline::store::Database& db, const std::string& table) {
  std::vector<std::string> out;
  auto& s = db.prepare("SELECT name FROM pragma_table_info('" + table + "') ORDER BY cid");
  while (s.step()) out.push_back(s.text(0));
  return out;
}

TEST_F(ReportsAggregates, TablesHaveTheColumnsOfTheirFamily) {
  for (Family f : kAllFamilies) {
    const auto& s = spec(f);
    for (Level level : {Level::hourly, Level::daily}) {
      std::vector<std::string> want{std::string(s.time_column(level))};
      for (std::size_t d = 0; d < s.dim_count(level); ++d) want.emplace_back(s.dims[d]);
      for (auto m : s.measures) want.emplace_back(m);
      EXPECT_EQ(columns_of(*db, s.table(level)), want) << s.table(level);
    }
  }
}

TEST_F(ReportsAggregates, EqualTheRawLogsAfterARandomWorkload) {
  // Three days and a bit, across two midnights, starting 20:00 local.
  Workload(*this, 20260301, cst(2026, 3, 1, 20), 52).run(400, 12, 60);

  std::vector<std::string> differences;
  CheckOptions options;
  options.on_difference = [&](const Difference& d) {
    if (differences.size() < 20) differences.push_back(d.describe());
  };
  auto result = check_aggregates(*db, options);
  EXPECT_EQ(result.differences, 0);
  for (const auto& d : differences) ADD_FAILURE() << d;
  EXPECT_GE(result.days, 4);

  // Every family has rows, and the workload reached the interesting cases.
  DayRange all{day(2026, 2, 28), day(2026, 3, 20)};
  for (Family f : kAllFamilies) EXPECT_FALSE(table(f, Level::daily, all).empty()) << to_string(f);
  auto queue = table(Family::queue, Level::daily, all);
  const auto& qs = spec(Family::queue);
  std::set<std::string> seen;
  for (const auto& [key, v] : queue.rows()) {
    for (auto m : {"answered", "abandoned", "overflowed_queue", "callback_connected", "transferred", "wrap_ms",
                   "ab_lt_5", "refused"}) {
      if (v[qs.at(m)] > 0) seen.insert(m);
    }
  }
  EXPECT_EQ(seen.size(), 8u);
  auto tickets = table(Family::ticket, Level::daily, all);
  const auto& ts = spec(Family::ticket);
  std::int64_t closed = 0, first_pass = 0, late_signed = 0;
  for (const auto& [key, v] : tickets.rows()) {
    closed += v[ts.at("closed")];
    first_pass += v[ts.at("closed_first_pass")];
    late_signed += v[ts.at("signed")] - v[ts.at("signed_on_time")];
  }
  EXPECT_GT(closed, 0);
  EXPECT_GT(late_signed, 0);
  auto agents = table(Family::agent, Level::daily, all);
  std::int64_t rated = 0;
  for (const auto& [key, v] : agents.rows()) rated += v[spec(Family::agent).at("rated")];
  EXPECT_GT(rated, 0);
}

TEST_F(ReportsAggregates, AChangedBucketIsFoundAndRepaired) {
  Workload(*this, 7, cst(2026, 3, 1, 8), 30).run(120, 6, 20);
  ASSERT_EQ(check_aggregates(*db, {}).differences, 0);

  // A bucket off by one, a bucket the logs do not explain, a lost bucket.
  db->exec("UPDATE report_queue_daily SET offered = offered + 1 WHERE queue = 'human' AND day = (SELECT MIN(day) FROM "
           "report_queue_daily WHERE queue = 'human')");
  const std::int64_t stray = hour_of(cst(2026, 2, 27, 10));  // before any log row
  db->query("INSERT INTO report_ticket_hourly (hour, type, channel, created) VALUES (?, 'help', 'web', 3)", stray).run();
  db->exec("DELETE FROM report_agent_hourly WHERE agent = 'A101'");
  std::vector<Difference> found;
  CheckOptions check;
  check.on_difference = [&](const Difference& d) { found.push_back(d); };
  auto result = check_aggregates(*db, check);
  EXPECT_GT(result.differences, 2);
  bool off_by_one = false, unexplained = false, lost = false;
  for (const auto& d : found) {
    if (d.table == "report_queue_daily" && d.measure == "offered" && d.table_value == d.raw_value + 1) off_by_one = true;
    if (d.table == "report_ticket_hourly" && d.time == stray && d.table_value == 3 && d.raw_value == 0) unexplained = true;
    if (d.table == "report_agent_hourly" && d.dims == std::vector<std::string>{"A101"} && d.table_value == 0) lost = true;
  }
  EXPECT_TRUE(off_by_one);
  EXPECT_TRUE(unexplained);
  EXPECT_TRUE(lost);
  EXPECT_NE(found.front().describe().find("table "), std::string::npos);

  CheckOptions repair;
  repair.repair = true;
  auto repaired = check_aggregates(*db, repair);
  EXPECT_EQ(repaired.differences, result.differences);
  EXPECT_GT(repaired.days_repaired, 0);
  EXPECT_EQ(check_aggregates(*db, {}).differences, 0);
}

TEST_F(ReportsAggregates, RawRowsFromBeforeTheMigrationWaitForARebuild) {
  EXPECT_TRUE(aggregates_ready(*db));
  db->exec("INSERT INTO report_state (key, value, updated_at) VALUES ('rebuild_needed', '1', 0)");
  EXPECT_FALSE(aggregates_ready(*db));
  CheckOptions repair;
  repair.repair = true;
  check_aggregates(*db, repair);
  EXPECT_TRUE(aggregates_ready(*db));
}

}  // namespace
}  // namespace reports_test
