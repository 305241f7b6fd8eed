// Erlang C against its closed form, the staffing forecast on a known week,
// hot issues by the Poisson rule, the CDR export.
#include <gtest/gtest.h>

#include <cmath>

#include "hotline/reports/cdr.hpp"
#include "hotline/reports/insights.hpp"
#include "reports_fixture.hpp"

namespace reports_test {
namespace {

using namespace hotline::reports;

// DOMAIN.md's formula, summed directly in long double.
double erlang_c_closed_form(int n, double a) {
  long double term = 1, sum = 0;
  for (int k = 0; k < n; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  long double top = term * n / (n - a);
  return static_cast<double>(top / (sum + top));
}

TEST(ReportsErlang, MatchesTheClosedForm) {
  // By hand: A = 1, N = 2: (1/2 · 2/1) / (1 + 1 + 1) = 1/3.
  EXPECT_NEAR(erlang_c(2, 1.0), 1.0 / 3, 1e-12);
  for (double a : {0.5, 3.7, 24.0, 96.5, 300.0}) {
    for (int n = static_cast<int>(a) + 1; n < static_cast<int>(a) + 30; n += 3) {
      EXPECT_NEAR(erlang_c(n, a), erlang_c_closed_form(n, a), 1e-9) << "A=" << a << " N=" << n;
    }
  }
  EXPECT_EQ(erlang_c(10, 10.0), 1.0);  // N <= A: every caller waits
  // SL and ASA from P(wait): A = 1, N = 2, AHT 180 s, t = 20 s.
  EXPECT_NEAR(erlang_service_level(2, 1.0, 180, 20), 1 - std::exp(-20.0 / 180) / 3, 1e-12);
  EXPECT_NEAR(erlang_asa(2, 1.0, 180), 180.0 / 3, 1e-9);
}

TEST(ReportsErlang, AgentsNeededIsTheFewestThatReachTheTarget) {
  // 360 calls an hour of 240 s: 24 Erlangs.
  int n = agents_needed(24.0, 240, 20, 0.8);
  EXPECT_GE(erlang_service_level(n, 24.0, 240, 20), 0.8);
  EXPECT_LT(erlang_service_level(n - 1, 24.0, 240, 20), 0.8);
  EXPECT_GT(n, 24);
  EXPECT_EQ(agents_needed(0, 180, 20, 0.8), 0);
}

struct ReportsInsights : ReportsDb {};

TEST_F(ReportsInsights, StaffingFromTheSameHourOfPastWeeks) {
  // Four Mondays before Monday 2026-03-30: at 10:00, 60, 80, 100, 120 callers of 120 s talk + 60 s wrap,
  // each taken by its own agent.
  const int mondays[] = {2, 9, 16, 23};
  for (int w = 0; w < 4; ++w) {
    for (int i = 0; i < 60 + 20 * w; ++i) {
      std::string call = "m" + std::to_string(w) + "-" + std::to_string(i);
      Ms t = cst(2026, 3, static_cast<unsigned>(mondays[w]), 10) + i * 20 * kSecond;
      qe(t, "enter", "human", call);
      std::string agent = "W" + call;
      qe(t + 5 * kSecond, "connect", "human", call, agent, 5 * kSecond);
      qe(t + 125 * kSecond, "complete", "human", call, agent, 0, 120 * kSecond, 0, "citizen");
      ae(t + 125 * kSecond, agent, "on_call", "wrap_up", "ended", call, "human");
      ae(t + 185 * kSecond, agent, "wrap_up", "logged_out", "logout");
    }
  }
  // On the day: two agents staffed 10:00-10:30, one not ready 10:30-11:00.
  ae(cst(2026, 3, 30, 10), "B1", "logged_out", "ready", "login");
  ae(cst(2026, 3, 30, 10), "B2", "logged_out", "ready", "login");
  ae(cst(2026, 3, 30, 10, 30), "B2", "ready", "not_ready", "meal");
  ae(cst(2026, 3, 30, 11), "B1", "ready", "logged_out", "logout");
  ae(cst(2026, 3, 30, 11), "B2", "not_ready", "logged_out", "logout");
  StaffingParams p;
  p.day = day(2026, 3, 30);
  auto t = staffing_table(*db, p);
  auto json = to_json(t);
  const auto& ten = json["rows"][10];
  EXPECT_EQ(ten["hour"], "10:00");
  EXPECT_DOUBLE_EQ(ten["forecast_calls"].get<double>(), 90.0);  // (60 + 80 + 100 + 120) / 4
  EXPECT_DOUBLE_EQ(ten["aht"].get<double>(), 180.0);            // 120 talk + 60 wrap-up
  EXPECT_DOUBLE_EQ(ten["load"].get<double>(), 4.5);             // 90 × 180 / 3600
  int needed = agents_needed(4.5, 180, 20, 0.8);
  EXPECT_EQ(ten["agents_needed"], needed);
  EXPECT_DOUBLE_EQ(ten["actual_agents"].get<double>(), 1.5);  // B1 the whole hour, B2 half of it
  EXPECT_DOUBLE_EQ(ten["difference"].get<double>(), 1.5 - needed);
  EXPECT_EQ(json["rows"][9]["agents_needed"], 0);
}

TEST_F(ReportsInsights, HotIssuesByThePoissonRule) {
  // Baseline: 4 weeks before the last 7 days. Water (0301): 2 a week; in the window 12 -> hot.
  // Power (0302): 7 a week, 9 in the window -> not significant. Roads (0101): none before, 4 now -> below min count.
  auto file = [&](const std::string& category, Ms at, const std::string& location) {
    auto n = sample();
    n.category_code = category;
    n.location = location;
    create(n, at);
  };
  const Ms window = cst(2026, 3, 24, 9);  // 2026-03-24 .. 2026-03-30
  for (int w = 1; w <= 4; ++w) {
    for (int i = 0; i < 2; ++i) file("0301", window - w * 7 * 86400000LL + i * 3600000, "北京市海淀区中关村");
    for (int i = 0; i < 7; ++i) file("0302", window - w * 7 * 86400000LL + i * 3600000, "北京市西城区");
  }
  for (int i = 0; i < 12; ++i) file("0301", window + i * 7200000, "北京市朝阳区望京街道" + std::to_string(i) + "号");
  for (int i = 0; i < 9; ++i) file("0302", window + i * 3600000, "北京市西城区");
  for (int i = 0; i < 4; ++i) file("0101", window + i * 3600000, "北京市东城区");
  HotParams p;
  p.end = day(2026, 3, 30);
  auto d = Directory::load(*db, rules.categories, rules.calendar);
  auto hot = hot_issues(*db, p, d);
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].key, "0301");
  EXPECT_EQ(hot[0].observed, 12);
  EXPECT_EQ(hot[0].baseline, 8);
  EXPECT_DOUBLE_EQ(hot[0].expected, 2.0);                   // 8 × 7 / 28
  EXPECT_DOUBLE_EQ(hot[0].z, (12 - 2.0) / std::sqrt(2.0));  // 7.07
  ASSERT_EQ(hot[0].examples.size(), 3u);
  EXPECT_EQ(hot[0].examples[0].location, "北京市朝阳区望京街道11号");  // the newest first
  // 0302: μ = 7, z = (9 − 7) / √7 = 0.76 < 3.
  EXPECT_NEAR(poisson_z(9, 7.0), 2 / std::sqrt(7.0), 1e-12);
  // By district: 朝阳区 has 12 now and none before.
  p.by = "location";
  hot = hot_issues(*db, p, d);
  ASSERT_EQ(hot.size(), 1u);
  EXPECT_EQ(hot[0].key, "北京市朝阳区");
  EXPECT_DOUBLE_EQ(hot[0].z, (12 - 0.0) / 1.0);  // μ = 0: √max(μ, 1) = 1
  EXPECT_EQ(district_of("河北省滦南县城关镇"), "河北省滦南县");
  EXPECT_EQ(district_of("幸福路12号"), "幸福路12号");
  auto table = hot_issue_table(hot, p);
  EXPECT_EQ(table.rows.size(), 1u);
}

TEST_F(ReportsInsights, CdrExportWithBillableTime) {
  auto call = [&](const std::string& uuid, Ms at, const std::string& source, const std::string& route, Ms talk) {
    db->query(
          "INSERT INTO calls (uuid, caller, dialled, source, route, started_at, answered_at, ended_at, duration_ms, "
          "talk_ms, status, hangup_cause, hangup_side) VALUES (?, '13812345678', '12345', ?, ?, ?, ?, ?, ?, ?, "
          "200, 'normal', 'caller')",
          uuid, source, route, at, talk ? std::optional(at + 2000) : std::nullopt, at + 2000 + talk, 2000 + talk, talk)
        .run();
  };
  call("a", cst(2026, 3, 1, 0, 0), "trunk:carrier", "queue:human", 61001);       // 62 s, 2 min
  call("b", cst(2026, 3, 1, 23, 59), "extension:8001", "trunk:carrier", 60000);  // 60 s, 1 min
  call("c", cst(2026, 3, 2, 0, 0), "trunk:carrier", "ivr:12345", 0);             // next day
  CdrParams p;
  p.range = DayRange{day(2026, 3, 1), day(2026, 3, 1)};
  auto t = cdr_table(*db, p);
  auto json = to_json(t);
  ASSERT_EQ(json["rows"].size(), 3u);
  EXPECT_EQ(json["rows"][0]["started_at"], "2026-03-01 00:00:00");
  EXPECT_EQ(json["rows"][0]["direction"], "inbound");
  EXPECT_EQ(json["rows"][0]["billable_seconds"], 62);
  EXPECT_EQ(json["rows"][0]["billable_minutes"], 2);
  EXPECT_EQ(json["rows"][1]["direction"], "outbound");
  EXPECT_EQ(json["rows"][1]["billable_minutes"], 1);
  EXPECT_EQ(json["rows"][2]["billable_seconds"], 122);
  p.direction = "outbound";
  EXPECT_EQ(cdr_table(*db, p).rows.size(), 2u);
  p.direction = "";
  p.max_rows = 1;
  EXPECT_THROW(cdr_table(*db, p), hotline::Error);
}

}  // namespace
}  // namespace reports_test
