// Period comparison (同期比): base ranges of the presets, change arithmetic,
// and rows matched by key and by their bucket's place in the range.
#include <gtest/gtest.h>

#include "hotline/reports/compare.hpp"
#include "hotline/reports/report.hpp"
#include "reports_fixture.hpp"

namespace reports_test {
namespace {

using namespace hotline::reports;

std::int64_t d(std::string_view text) { return parse_local_day(text, "day"); }
DayRange range(std::string_view a, std::string_view b) { return {d(a), d(b)}; }

TEST(ReportsCompare, PresetRanges) {
  // Year over year: the same dates; 29 February becomes the 28th.
  EXPECT_EQ(base_range(range("2026-03-01", "2026-03-31"), Preset::yoy), range("2025-03-01", "2025-03-31"));
  EXPECT_EQ(base_range(range("2028-02-01", "2028-02-29"), Preset::yoy), range("2027-02-01", "2027-02-28"));
  // Month over month: whole months compare with as many whole months before.
  EXPECT_EQ(base_range(range("2026-03-01", "2026-03-31"), Preset::mom), range("2026-02-01", "2026-02-28"));
  EXPECT_EQ(base_range(range("2026-01-01", "2026-03-31"), Preset::mom), range("2025-10-01", "2025-12-31"));
  // Part of a month: the same days a month before, clamped to the month's end.
  EXPECT_EQ(base_range(range("2026-03-10", "2026-03-31"), Preset::mom), range("2026-02-10", "2026-02-28"));
  EXPECT_EQ(base_range(range("2026-05-31", "2026-05-31"), Preset::mom), range("2026-04-30", "2026-04-30"));
  // The days just before, as many.
  EXPECT_EQ(base_range(range("2026-03-08", "2026-03-14"), Preset::previous), range("2026-03-01", "2026-03-07"));
}

TEST(ReportsCompare, ChangeArithmetic) {
  auto c = change(120.0, 100.0);
  EXPECT_DOUBLE_EQ(*c.absolute, 20.0);
  EXPECT_DOUBLE_EQ(*c.relative, 0.2);
  c = change(80.0, 100.0);
  EXPECT_DOUBLE_EQ(*c.absolute, -20.0);
  EXPECT_DOUBLE_EQ(*c.relative, -0.2);
  // A rate: 0.95 against 0.90 is +5 percentage points, +5.56 % relative.
  c = change(0.95, 0.90);
  EXPECT_NEAR(*c.absolute, 0.05, 1e-12);
  EXPECT_NEAR(*c.relative, 0.05 / 0.90, 1e-12);
  // From zero: a change, no rate; a missing side: nothing.
  c = change(5.0, 0.0);
  EXPECT_DOUBLE_EQ(*c.absolute, 5.0);
  EXPECT_FALSE(c.relative);
  c = change(std::nullopt, 3.0);
  EXPECT_FALSE(c.absolute);
  EXPECT_FALSE(c.relative);
}

TEST(ReportsCompare, BucketOffsets) {
  auto march = range("2026-03-01", "2026-03-31");
  EXPECT_EQ(bucket_offset(Bucket::day, d("2026-03-05"), march), 4);
  EXPECT_EQ(bucket_offset(Bucket::month, bucket_of_day(Bucket::month, d("2026-03-20")).order, march), 0);
  // 2026-03-01 is a Sunday: its ISO week began on 2026-02-23; the next week is offset 1.
  EXPECT_EQ(bucket_offset(Bucket::week, bucket_of_day(Bucket::week, d("2026-03-01")).order, march), 0);
  EXPECT_EQ(bucket_offset(Bucket::week, bucket_of_day(Bucket::week, d("2026-03-02")).order, march), 1);
  EXPECT_EQ(bucket_offset(Bucket::hour, march.first_hour() + 30, march), 30);
  EXPECT_EQ(bucket_offset(Bucket::hour_of_day, 13, march), 13);
}

// Two March days a year apart: matched by queue and by day of the range.
struct ReportsCompareDb : ReportsDb {
  void callers(int y, unsigned day, const std::string& queue, int offered, int answered) {
    for (int i = 0; i < offered; ++i) {
      std::string call = queue + std::to_string(y) + "-" + std::to_string(day) + "-" + std::to_string(i);
      Ms t = cst(y, 3, day, 10) + i * kMinute;
      qe(t, "enter", queue, call);
      if (i < answered)
        qe(t + 10 * kSecond, "connect", queue, call, "A1", 10 * kSecond);
      else
        qe(t + 40 * kSecond, "abandon", queue, call, "", 40 * kSecond);
    }
  }
  Table calls(const DayRange& r, Bucket b) {
    ReportRequest q;
    q.kind = ReportKind::calls;
    q.range = r;
    q.bucket = b;
    q.group_by = {"queue"};
    return run_report(*db, q, Directory::load(*db, rules.categories, rules.calendar));
  }
};

TEST_F(ReportsCompareDb, RowsMatchedByKeyAndPlace) {
  callers(2026, 1, "human", 10, 9);
  callers(2026, 2, "human", 4, 4);
  callers(2025, 1, "human", 8, 6);
  callers(2025, 2, "human", 5, 5);
  callers(2025, 2, "english", 2, 1);  // only last year
  auto now = range("2026-03-01", "2026-03-02");
  auto then = base_range(now, Preset::yoy);
  auto current = calls(now, Bucket::day);
  current.generated_at = 1772330400000;
  current.generated_by = "1001 张三";
  auto t = compare_tables(current, now, calls(then, Bucket::day), then, Bucket::day, {"offered", "answer_rate"});
  auto json = to_json(t);
  // The print view's and exports' footer: when and by whom.
  EXPECT_EQ(t.generated_at, 1772330400000);
  EXPECT_EQ(t.generated_by, "1001 张三");
  ASSERT_EQ(t.columns.size(), 2u + 8u);  // day, queue; 2 measures x (now, base, change, rate)
  // Day 1: 10 against 8 offered (+2, +25 %); answer rate 0.9 against 0.75 (+15 points, +20 %).
  const auto& day1 = json["rows"][0];
  EXPECT_EQ(day1["bucket"], "2026-03-01");
  EXPECT_EQ(day1["offered"], 10);
  EXPECT_EQ(day1["offered_base"], 8);
  EXPECT_EQ(day1["offered_change"], 2);
  EXPECT_DOUBLE_EQ(day1["offered_change_rate"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(day1["answer_rate_change"].get<double>(), 0.15);
  EXPECT_DOUBLE_EQ(day1["answer_rate_change_rate"].get<double>(), 0.2);
  // Day 2: 4 against 5.
  EXPECT_EQ(json["rows"][1]["offered_change"], -1);
  // english only last year: the current side is empty.
  const auto& english = json["rows"][2];
  EXPECT_EQ(english["queue"], "english");
  EXPECT_TRUE(english["offered"].is_null());
  EXPECT_EQ(english["offered_base"], 2);
  // Totals: 14 against 15.
  const auto& total = json["rows"][3];
  EXPECT_EQ(total["row_type"], "total");
  EXPECT_EQ(total["offered_change"], -1);
  EXPECT_DOUBLE_EQ(total["offered_change_rate"].get<double>(), std::round(-1.0 / 15 * 1e4) / 1e4);
  EXPECT_EQ(t.filters[1].first, "对比期");
  EXPECT_EQ(t.filters[1].second, "2025-03-01 ~ 2025-03-02");
}

}  // namespace
}  // namespace reports_test
