#include <algorithm>
#include <cmath>
#include <map>

#include "assemble.hpp"
#include "hotline/reports/insights.hpp"
#include "report_parts.hpp"

namespace hotline::reports {
namespace {

std::string top_level(const tickets::CategoryTree& tree, const std::string& code) {
  const auto* c = tree.find(code);
  std::string out = code;
  for (int guard = 0; c && c->parent && guard < 16; ++guard) {
    out = *c->parent;
    c = tree.find(out);
  }
  return out;
}

// Tickets created per category in a range (from the aggregates when they can).
std::map<std::string, std::int64_t> created_by_category(store::Database& db, const DayRange& range, const HotParams& p,
                                                        const Directory& d) {
  FactQuery q{Family::ticket, range, Bucket::total, {"category"}, {}, {}, {}, p.source};
  auto facts = query_facts(db, q);
  std::map<std::string, std::int64_t> out;
  const auto created = spec(Family::ticket).at("created");
  for (const auto& r : facts.rows) {
    std::string key = p.category_level == 1 ? top_level(d.categories, r.dims[0]) : r.dims[0];
    out[key] += r.values[created];
  }
  return out;
}

std::map<std::string, std::int64_t> created_by_location(store::Database& db, const DayRange& range,
                                                        const HotParams& p) {
  auto& s = db.query(
      "SELECT trim(location), COUNT(*) FROM tickets WHERE created_at >= ? AND created_at < ? AND trim(location) <> '' "
      "GROUP BY trim(location)",
      range.start_ms(), range.end_ms());
  std::map<std::string, std::int64_t> out;
  while (s.step()) out[p.district ? district_of(s.text(0)) : s.text(0)] += s.int64(1);
  return out;
}

std::vector<HotExample> examples_of(store::Database& db, const HotIssue& issue, const DayRange& window,
                                    const HotParams& p) {
  std::string where;
  if (p.by == "location") {
    where = p.district ? "substr(trim(location), 1, length(?3)) = ?3" : "trim(location) = ?3";
  } else {
    where = p.category_level == 1 ? "substr(category_code, 1, length(?3)) = ?3" : "category_code = ?3";
  }
  auto& s = db.query(
      "SELECT number, created_at, summary, location FROM tickets WHERE created_at >= ?1 AND created_at "
      "< ?2 AND " +
          where + " ORDER BY created_at DESC, id DESC LIMIT ?4",
      window.start_ms(), window.end_ms(), issue.key, p.examples);
  std::vector<HotExample> out;
  while (s.step()) out.push_back({s.text(0), s.text(2), s.text(3), s.int64(1)});
  return out;
}

}  // namespace

double poisson_z(std::int64_t observed, double expected) {
  return (static_cast<double>(observed) - expected) / std::sqrt(std::max(expected, 1.0));
}

std::string district_of(const std::string& location) {
  // The first 区 or 县 ends the district (UTF-8: both are 3 bytes).
  std::size_t best = std::string::npos;
  for (const char* mark : {"区", "县"}) {
    auto at = location.find(mark);
    if (at != std::string::npos) best = std::min(best, at + 3);
  }
  return best == std::string::npos ? location : location.substr(0, best);
}

std::vector<HotIssue> hot_issues(store::Database& db, const HotParams& p, const Directory& d) {
  if (p.days < 1 || p.days > 90) throw Error(Errc::invalid_argument, "days: 1 to 90");
  if (p.weeks < 1 || p.weeks > 52) throw Error(Errc::invalid_argument, "weeks: 1 to 52");
  if (p.by != "category" && p.by != "location") throw Error(Errc::invalid_argument, "by: category or location");
  if (p.limit < 1 || p.limit > 500) throw Error(Errc::invalid_argument, "limit: 1 to 500");
  if (p.examples < 0 || p.examples > 20) throw Error(Errc::invalid_argument, "examples: 0 to 20");
  DayRange window{p.end - p.days + 1, p.end};
  DayRange baseline{window.first - 7LL * p.weeks, window.first - 1};
  auto now = p.by == "location" ? created_by_location(db, window, p) : created_by_category(db, window, p, d);
  auto before = p.by == "location" ? created_by_location(db, baseline, p) : created_by_category(db, baseline, p, d);
  std::vector<HotIssue> out;
  for (const auto& [key, observed] : now) {
    std::int64_t b = before.count(key) ? before.at(key) : 0;
    double expected = static_cast<double>(b) * p.days / (7.0 * p.weeks);
    double z = poisson_z(observed, expected);
    if (observed < p.min_count || z < p.min_z) continue;
    HotIssue issue{key, p.by == "location" ? key : d.category_name(key), observed, b, expected,
                   z,   ratio(static_cast<double>(observed), expected),  {}};
    out.push_back(std::move(issue));
  }
  std::sort(out.begin(), out.end(),
            [](const HotIssue& a, const HotIssue& b) { return a.z != b.z ? a.z > b.z : a.key < b.key; });
  if (out.size() > static_cast<std::size_t>(p.limit)) out.resize(static_cast<std::size_t>(p.limit));
  for (auto& issue : out) issue.examples = examples_of(db, issue, window, p);
  return out;
}

Table hot_issue_table(const std::vector<HotIssue>& issues, const HotParams& p) {
  Table t;
  t.report = "hot-issues";
  t.title = p.by == "location" ? "热点诉求（按地点）" : "热点诉求（按类别）";
  DayRange window{p.end - p.days + 1, p.end};
  DayRange baseline{window.first - 7LL * p.weeks, window.first - 1};
  t.filters = {{"统计时间", window.label()},
               {"基线", baseline.label()},
               {"规则", "z = (x − μ) / √max(μ, 1) ≥ " + display(Cell(p.min_z), ColumnType::number) + "，且 x ≥ " +
                            std::to_string(p.min_count)}};
  t.source = "aggregates";
  t.columns = {{"key", p.by == "location" ? "地点" : "类别", ColumnType::text, true},
               {"observed", "本期件数", ColumnType::count},
               {"baseline", "基线件数", ColumnType::count},
               {"expected", "预期件数", ColumnType::number},
               {"ratio", "倍数", ColumnType::number},
               {"z", "z值", ColumnType::number},
               {"examples", "典型工单", ColumnType::text}};
  for (const auto& i : issues) {
    std::string examples;
    for (const auto& e : i.examples) {
      examples += (examples.empty() ? "" : "；") + e.number + " " + e.summary;
    }
    t.rows.push_back(
        {RowKind::data, {i.label, i.observed, i.baseline, i.expected, cell(i.ratio), i.z, examples}, 0, {i.key}});
  }
  t.notes.push_back("μ = 基线件数 × " + std::to_string(p.days) + " ÷ (7 × " + std::to_string(p.weeks) + ")");
  return t;
}

}  // namespace hotline::reports
