#include "hotline/reports/query.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"
#include "hotline/reports/aggregates.hpp"

namespace hotline::reports {
namespace {

Level level_for(Bucket bucket) { return needs_hours(bucket) ? Level::hourly : Level::daily; }

void check_dims(const FactQuery& q) {
  const auto& s = spec(q.family);
  for (const auto& d : q.group) {
    if (!s.dim(d)) throw Error(Errc::invalid_argument, "group_by: " + d + " is not a dimension of this report");
  }
  for (const auto& [d, values] : q.only) {
    if (!s.dim(d)) throw Error(Errc::invalid_argument, d + ": this report cannot be filtered by it");
  }
  if (!q.category_prefixes.empty() && !s.dim("category")) {
    throw Error(Errc::invalid_argument, "category: this report cannot be filtered by it");
  }
  if (!q.scope.empty() && q.family != Family::ticket) {
    throw Error(Errc::invalid_argument, "status and agent filters apply to ticket reports only");
  }
}

// Accumulates rows by (bucket, group values).
class Grouper {
 public:
  explicit Grouper(const FactQuery& q) : q_(q), spec_(spec(q.family)) {
    for (const auto& d : q.group) group_index_.push_back(*spec_.dim(d));
  }

  void add(const BucketKey& bucket, std::vector<std::string> dims, const Values& values) {
    auto key = std::make_pair(bucket.order, dims);
    auto it = rows_.find(key);
    if (it == rows_.end()) {
      rows_.emplace(std::move(key), GroupRow{bucket, std::move(dims), values});
    } else {
      combine(spec_, it->second.values, values);
    }
  }

  // A detailed fact (every dimension): filtered, then grouped.
  void add_fact(const BucketKey& bucket, const std::vector<std::string>& dims, const Values& values) {
    for (const auto& [d, allowed] : q_.only) {
      const auto& v = dims[*spec_.dim(d)];
      if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) return;
    }
    if (!q_.category_prefixes.empty()) {
      const auto& c = dims[*spec_.dim("category")];
      bool ok = std::any_of(q_.category_prefixes.begin(), q_.category_prefixes.end(),
                            [&](const std::string& p) { return c.starts_with(p); });
      if (!ok) return;
    }
    std::vector<std::string> g;
    for (auto i : group_index_) g.push_back(dims[i]);
    add(bucket, std::move(g), values);
  }

  std::vector<GroupRow> take() {
    std::vector<GroupRow> out;
    out.reserve(rows_.size());
    for (auto& [key, row] : rows_) out.push_back(std::move(row));
    return out;
  }

 private:
  const FactQuery& q_;
  const FamilySpec& spec_;
  std::vector<std::size_t> group_index_;
  std::map<std::pair<std::int64_t, std::vector<std::string>>, GroupRow> rows_;
};

// Sums one table's rows with keys in [from, to) into the grouper.
void sum_table(store::Database& db, const FactQuery& q, Level level, std::int64_t from, std::int64_t to,
               Grouper& grouper) {
  const auto& s = spec(q.family);
  const std::string time(s.time_column(level));
  const bool by_time = q.bucket != Bucket::total;
  std::string select = "SELECT " + std::string(by_time ? time : "0");
  std::string group_by;
  for (const auto& d : q.group) {
    select += ", " + d;
    group_by += (group_by.empty() ? "" : ", ") + d;
  }
  if (by_time) group_by = time + (group_by.empty() ? "" : ", " + group_by);
  for (std::size_t m = 0; m < s.measures.size(); ++m) {
    select += std::string(s.is_max[m] ? ", MAX(" : ", SUM(") + std::string(s.measures[m]) + ")";
  }
  std::string where = " FROM " + s.table(level) + " WHERE " + time + " >= ? AND " + time + " < ?";
  std::vector<std::pair<std::string, std::string>> binds;  // (dimension, value)
  for (const auto& [d, values] : q.only) {
    where += " AND " + d + " IN (";
    for (std::size_t i = 0; i < values.size(); ++i) {
      where += i ? ", ?" : "?";
      binds.emplace_back(d, values[i]);
    }
    where += ")";
  }
  if (!q.category_prefixes.empty()) {
    where += " AND (";
    for (std::size_t i = 0; i < q.category_prefixes.size(); ++i) {
      where += std::string(i ? " OR " : "") + "substr(category, 1, ?) = ?";
    }
    where += ")";
  }
  auto& st = db.prepare(select + where + (group_by.empty() ? "" : " GROUP BY " + group_by));
  int i = 0;
  st.bind(++i, from);
  st.bind(++i, to);
  for (const auto& [d, value] : binds) {
    // Departments are integers in the table: bound as text they would never be equal.
    bool number = !value.empty() && value.size() < 19 && value.find_first_not_of("0123456789") == std::string::npos;
    if (d == "department" && number) {
      st.bind(++i, static_cast<std::int64_t>(std::stoll(value)));
    } else {
      st.bind(++i, value);
    }
  }
  for (const auto& p : q.category_prefixes) {
    st.bind(++i, static_cast<std::int64_t>(p.size()));
    st.bind(++i, p);
  }
  const int dims = static_cast<int>(q.group.size());
  while (st.step()) {
    if (st.is_null(1 + dims)) continue;  // SUM over no rows
    const std::int64_t key = st.int64(0);
    BucketKey bucket = !by_time                   ? bucket_of_day(Bucket::total, 0)
                       : level == Level::hourly   ? bucket_of_hour(q.bucket, key)
                       : level == Level::daily    ? bucket_of_day(q.bucket, key)
                                                  : bucket_of_day(q.bucket, first_day_of_month(key));
    std::vector<std::string> g;
    for (int d = 0; d < dims; ++d) g.push_back(st.text(1 + d));
    Values v(s.measures.size());
    for (std::size_t m = 0; m < v.size(); ++m) v[m] = st.int64(1 + dims + static_cast<int>(m));
    grouper.add(bucket, std::move(g), v);
  }
}

// Hourly rows for hour buckets; for a total or months, the monthly rows of the
// whole months inside the range plus the daily rows of the days around them;
// daily rows otherwise.
FactResult from_aggregates(store::Database& db, const FactQuery& q) {
  Grouper grouper(q);
  const auto& r = q.range;
  if (needs_hours(q.bucket)) {
    sum_table(db, q, Level::hourly, r.first_hour(), r.end_hour(), grouper);
    return {grouper.take(), Source::aggregates};
  }
  if (q.bucket == Bucket::total || q.bucket == Bucket::month) {
    std::int64_t first_month = month_of_day(r.first) + (first_day_of_month(month_of_day(r.first)) == r.first ? 0 : 1);
    std::int64_t end_month = month_of_day(r.last + 1);  // the months before it end inside the range
    if (first_month < end_month) {
      std::int64_t inner_first = first_day_of_month(first_month), inner_end = first_day_of_month(end_month);
      if (r.first < inner_first) sum_table(db, q, Level::daily, r.first, inner_first, grouper);
      sum_table(db, q, Level::monthly, first_month, end_month, grouper);
      if (inner_end <= r.last) sum_table(db, q, Level::daily, inner_end, r.last + 1, grouper);
      return {grouper.take(), Source::aggregates};
    }
  }
  sum_table(db, q, Level::daily, r.first, r.last + 1, grouper);
  return {grouper.take(), Source::aggregates};
}

FactResult from_raw(store::Database& db, const FactQuery& q) {
  if (q.max_raw_days > 0 && q.range.days() > q.max_raw_days) {
    throw Error(Errc::invalid_argument, "from/to: this report is read from the raw logs (source=raw, a status or agent "
                                        "filter on tickets, or aggregates waiting for a rebuild), which allows at "
                                        "most " + std::to_string(q.max_raw_days) + " days");
  }
  Grouper grouper(q);
  for (std::int64_t day = q.range.first; day <= q.range.last; ++day) {
    auto facts = reference_facts(db, q.family, DayRange{day, day}, q.scope);
    for (const auto& [key, values] : facts.rows()) {
      grouper.add_fact(bucket_of_hour(q.bucket, key.time), key.dims, values);
    }
  }
  return {grouper.take(), Source::raw};
}

}  // namespace

std::optional<Source> source_from(std::string_view name) {
  if (name == "auto" || name == "automatic") return Source::automatic;
  if (name == "aggregates") return Source::aggregates;
  if (name == "raw") return Source::raw;
  return std::nullopt;
}

bool aggregates_can_answer(const FactQuery& q) {
  if (!q.scope.empty()) return false;
  const auto& s = spec(q.family);
  const std::size_t dims = s.dim_count(level_for(q.bucket));
  auto kept = [&](const std::string& d) { return s.dim(d) && *s.dim(d) < dims; };
  for (const auto& d : q.group) {
    if (!kept(d)) return false;
  }
  for (const auto& [d, values] : q.only) {
    if (!kept(d)) return false;
  }
  return q.category_prefixes.empty() || kept("category");
}

FactResult query_facts(store::Database& db, const FactQuery& q) {
  check_dims(q);
  if (q.source == Source::raw) return from_raw(db, q);
  const bool can = aggregates_can_answer(q);
  if (q.source == Source::aggregates && !can) {
    throw Error(Errc::invalid_argument,
                "source: the aggregates cannot answer this (status or agent filters on tickets, or categories or "
                "departments by the hour): use source=raw or auto");
  }
  if (can && (q.source == Source::aggregates || aggregates_ready(db))) return from_aggregates(db, q);
  return from_raw(db, q);
}

}  // namespace hotline::reports
