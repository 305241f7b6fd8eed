// The aggregate tables (migration 0014, kept by triggers) against the
// reference computation from the raw logs: equal after a random workload,
// differences found and repaired, the schema matching FamilySpec.
#include <gtest/gtest.h>

#include <set>

#include "hotline/reports/aggregates.hpp"
#include "hotline/reports/query.hpp"
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
  std::set<std::string> described;
  for (Family f : kAllFamilies) {
    const auto& s = spec(f);
    for (const auto& t : tables_of(f)) {
      std::vector<std::string> want{std::string(t.time_column())};
      for (auto d : t.dims()) want.emplace_back(d);
      for (auto m : s.measures) want.emplace_back(m);
      EXPECT_EQ(columns_of(*db, t.name()), want) << t.name();
      described.insert(t.name());
    }
  }
  // And no aggregate table that FamilySpec does not describe.
  auto& st = db->prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'report\\_%' ESCAPE '\\' "
                         "AND name NOT IN ('report_numbers', 'report_state')");
  std::set<std::string> tables;
  while (st.step()) tables.insert(st.text(0));
  EXPECT_EQ(tables, described);
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

// Grouped queries answer the same from the tables (months, days around them,
// hours) as from the raw logs, for every family and bucket.
TEST_F(ReportsAggregates, QueriesEqualTheRawLogs) {
  Workload(*this, 99, cst(2026, 3, 30, 18), 80).run(300, 8, 80);
  struct Case {
    Family family;
    std::vector<std::string> group;
    std::map<std::string, std::vector<std::string>> only;
  };
  const std::vector<Case> cases{
      {Family::queue, {"queue"}, {}},
      {Family::queue, {}, {{"queue", {"human", "english"}}}},
      {Family::agent, {"agent"}, {}},
      {Family::reason, {"agent", "reason"}, {{"agent", {"A101", "A103"}}}},
      {Family::ticket, {"category", "department"}, {}},
      {Family::ticket, {"type"}, {{"department", {"1", "2", "0"}}}},
      // The rollups: no dimension, type and channel, category, department.
      {Family::ticket, {}, {}},
      {Family::ticket, {"type", "channel"}, {}},
      {Family::ticket, {"category"}, {}},
      {Family::ticket, {"department"}, {{"department", {"1", "3"}}}},
      {Family::call, {"direction"}, {}},
  };
  // Whole months with days around them; days only; a single month.
  const std::vector<DayRange> ranges{
      {day(2026, 3, 20), day(2026, 6, 10)}, {day(2026, 4, 2), day(2026, 4, 3)}, {day(2026, 4, 1), day(2026, 4, 30)}};
  int compared = 0;
  for (const auto& c : cases) {
    for (const auto& range : ranges) {
      // The long range with fewer buckets: the raw side reads it day by day each time.
      std::vector<Bucket> buckets{Bucket::total, Bucket::month, Bucket::day_of_week};
      if (range.days() < 40) {
        buckets.insert(buckets.end(), {Bucket::week, Bucket::day, Bucket::hour, Bucket::hour_of_day});
      }
      for (Bucket b : buckets) {
        FactQuery q{c.family, range, b, c.group, c.only, {}, {}, Source::aggregates};
        if (!aggregates_can_answer(q)) continue;  // categories and departments are not kept by the hour
        auto from_tables = query_facts(*db, q);
        q.source = Source::raw;
        auto from_logs = query_facts(*db, q);
        ASSERT_EQ(from_tables.rows.size(), from_logs.rows.size()) << to_string(c.family) << " " << to_string(b);
        for (std::size_t i = 0; i < from_tables.rows.size(); ++i) {
          EXPECT_EQ(from_tables.rows[i].bucket.order, from_logs.rows[i].bucket.order);
          EXPECT_EQ(from_tables.rows[i].dims, from_logs.rows[i].dims);
          EXPECT_EQ(from_tables.rows[i].values, from_logs.rows[i].values) << to_string(c.family) << " " << to_string(b);
        }
        compared += static_cast<int>(from_tables.rows.size());
      }
    }
  }
  EXPECT_GT(compared, 500);
  // Ticket categories by the hour are not in the tables.
  FactQuery hourly{Family::ticket, ranges[1], Bucket::hour, {"category"}, {}, {}, {}, Source::aggregates};
  EXPECT_THROW(query_facts(*db, hourly), hotline::Error);
}

TEST_F(ReportsAggregates, AChangedBucketIsFoundAndRepaired) {
  Workload(*this, 7, cst(2026, 3, 1, 8), 30).run(120, 6, 20);
  ASSERT_EQ(check_aggregates(*db, {}).differences, 0);

  // A bucket off by one, a bucket the logs do not explain, a lost bucket.
  db->exec(
      "UPDATE report_queue_daily SET offered = offered + 1 WHERE queue = 'human' AND day = (SELECT MIN(day) FROM "
      "report_queue_daily WHERE queue = 'human')");
  const std::int64_t stray = hour_of(cst(2026, 2, 27, 10));  // before any log row
  db->query("INSERT INTO report_ticket_hourly (hour, type, channel, created) VALUES (?, 'help', 'web', 3)", stray)
      .run();
  db->exec("DELETE FROM report_agent_hourly WHERE agent = 'A101'");
  db->exec("UPDATE report_reason_monthly SET not_ready_count = not_ready_count * 2");
  std::vector<Difference> found;
  CheckOptions check;
  check.on_difference = [&](const Difference& d) { found.push_back(d); };
  auto result = check_aggregates(*db, check);
  EXPECT_GT(result.differences, 2);
  bool off_by_one = false, unexplained = false, lost = false, monthly = false;
  for (const auto& d : found) {
    if (d.table.name() == "report_queue_daily" && d.measure == "offered" && d.table_value == d.raw_value + 1)
      off_by_one = true;
    if (d.table.name() == "report_ticket_hourly" && d.time == stray && d.table_value == 3 && d.raw_value == 0)
      unexplained = true;
    if (d.table.name() == "report_agent_hourly" && d.dims == std::vector<std::string>{"A101"} && d.table_value == 0)
      lost = true;
    if (d.table.name() == "report_reason_monthly" && d.table_value == 2 * d.raw_value) monthly = true;
  }
  EXPECT_TRUE(off_by_one);
  EXPECT_TRUE(unexplained);
  EXPECT_TRUE(lost);
  EXPECT_TRUE(monthly);
  EXPECT_NE(found.front().describe().find("table "), std::string::npos);

  CheckOptions repair;
  repair.repair = true;
  auto repaired = check_aggregates(*db, repair);
  EXPECT_EQ(repaired.differences, result.differences);
  EXPECT_GT(repaired.days_repaired, 0);
  EXPECT_GT(repaired.months_repaired, 0);
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
