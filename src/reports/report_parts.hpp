#pragma once
// Pieces shared by the report builders (report.cpp, report_tickets.cpp).
#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

#include "hotline/core/error.hpp"
#include "hotline/reports/report.hpp"

namespace hotline::reports::detail {

inline Column col(std::string key, std::string label, ColumnType type) {
  return {std::move(key), std::move(label), type};
}
inline Cell count(std::int64_t v) { return Cell(v); }
inline Cell secs(double v) { return Cell(v); }

inline std::string join(const std::vector<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : "、") + v;
  return out;
}

// Error(invalid_argument) when a filter is set that the report does not have.
inline void forbid(const std::vector<std::string>& values, const char* name, const char* report) {
  if (!values.empty()) {
    throw Error(Errc::invalid_argument, std::string(name) + ": the " + report + " report cannot be filtered by it");
  }
}

inline void only_groups(const ReportRequest& r, std::initializer_list<std::string_view> allowed) {
  for (const auto& g : r.group_by) {
    if (std::find(allowed.begin(), allowed.end(), g) == allowed.end()) {
      throw Error(Errc::invalid_argument,
                  "group_by: " + g + " is not a grouping of the " + std::string(to_string(r.kind)) + " report");
    }
  }
}

inline void describe_source(Table& t, Source used) { t.source = used == Source::raw ? "raw" : "aggregates"; }

Table tickets_report(store::Database& db, const ReportRequest& r, const Directory& d);
Table traffic_report(store::Database& db, const ReportRequest& r, const Directory& d);
Table overdue_report(store::Database& db, const ReportRequest& r, const Directory& d);

}  // namespace hotline::reports::detail
