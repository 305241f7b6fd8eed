#pragma once
// Hot issues (E5) and the staffing forecast (Erlang C).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/reports/query.hpp"
#include "hotline/reports/report.hpp"
#include "hotline/reports/table.hpp"

namespace hotline::reports {

// ---- hot issues ------------------------------------------------------------
// A category or location is hot when its tickets of the last `days` days
// (ending on `end`) rise significantly above its baseline, the `weeks`
// weeks just before: with x tickets in the window and b in the baseline,
// the expected count is μ = b × days / (7 × weeks), and
//   z = (x − μ) / √max(μ, 1)     (Poisson: the variance is the mean)
// It is hot when z ≥ min_z and x ≥ min_count. Sorted by z, highest first.
struct HotParams {
  std::int64_t end = 0;  // local day, included
  int days = 7;
  int weeks = 4;
  double min_z = 3.0;
  std::int64_t min_count = 5;
  std::string by = "category";  // category | location
  int category_level = 0;       // 0: as recorded; 1: top-level domain
  bool district = true;         // locations: up to the first 区/县 (else the whole text)
  int limit = 20;
  int examples = 3;
  Source source = Source::automatic;  // categories only: locations are always read from the tickets
};

double poisson_z(std::int64_t observed, double expected);

struct HotExample {
  std::string number, summary, location;
  Ms created_at = 0;
};
struct HotIssue {
  std::string key, label;
  std::int64_t observed = 0;
  std::int64_t baseline = 0;
  double expected = 0, z = 0;
  std::optional<double> ratio;  // observed / expected
  std::vector<HotExample> examples;
};
std::vector<HotIssue> hot_issues(store::Database& db, const HotParams& params, const Directory& directory);
// The district part of a location ("北京市朝阳区望京街道..." -> "北京市朝阳区").
std::string district_of(const std::string& location);
Table hot_issue_table(const std::vector<HotIssue>& issues, const HotParams& params);

// ---- staffing (Erlang C) -----------------------------------------------------
// M/M/N with offered load A = λ × AHT (Erlangs): the probability that a
// caller waits, the share answered within t, the mean wait, and the fewest
// agents that reach a service level target.
double erlang_c(int agents, double load);
double erlang_service_level(int agents, double load, double aht_seconds, double t_seconds);
double erlang_asa(int agents, double load, double aht_seconds);
int agents_needed(double load, double aht_seconds, double t_seconds, double target, int max_agents = 5000);

struct StaffingParams {
  std::int64_t day = 0;             // the local day to plan
  std::vector<std::string> queues;  // empty: every queue
  int weeks = 4;                    // history: the same weekday and hour of the weeks before
  double target = 0.8;              // share answered within t
  int t_seconds = 20;
  double default_aht_seconds = 180;  // when the history has no handled call at all
  Source source = Source::automatic;
};
// Per local hour of the day: forecast arrivals, AHT, load, agents needed and
// the predicted service level, next to what happened that day (offered,
// average agents staffed: logged in and not in not-ready), when it has.
Table staffing_table(store::Database& db, const StaffingParams& params);

}  // namespace hotline::reports
