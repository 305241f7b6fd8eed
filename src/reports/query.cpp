#include "hotline/reports/query.hpp"

#include <algorithm>
#include <unordered_map>

#include "hotline/core/error.hpp"
#include "hotline/reports/aggregates.hpp"

namespace hotline::reports {
namespace {

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

// Sums one table's rows with keys in [from, to) into the grouper. The rows
// are read in key order and summed here rather than by SQL's GROUP BY, which
// sorts every (wide) row first: several times slower on a year of rows.
void sum_table(store::Database& db, const FactQuery& q, const TableRef& table, std::int64_t from, std::int64_t to,
               Grouper& grouper) {
  const auto& s = spec(q.family);
  const Level level = table.level;
  const std::string time(table.time_column());
  const bool by_time = q.bucket != Bucket::total;
  std::string select = "SELECT " + time;
  for (const auto& d : q.group) select += ", " + d;
  for (auto m : s.measures) select += ", " + std::string(m);
  std::string where = " FROM " + table.name() + " WHERE " + time + " >= ? AND " + time + " < ?";
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
  auto& st = db.prepare(select + where);
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
  const std::size_t width = s.measures.size();
  std::unordered_map<std::string, std::size_t> index;  // bucket order + group values -> rows
  std::vector<GroupRow> rows;
  std::string key;
  std::optional<std::int64_t> last_time;
  BucketKey bucket = bucket_of_day(Bucket::total, 0);
  while (st.step()) {
    const std::int64_t t = st.int64(0);
    if (by_time && t != last_time) {  // rows come in key order: one label per bucket key
      bucket = level == Level::hourly  ? bucket_of_hour(q.bucket, t)
               : level == Level::daily ? bucket_of_day(q.bucket, t)
                                       : bucket_of_day(q.bucket, first_day_of_month(t));
      last_time = t;
    }
    key.assign(reinterpret_cast<const char*>(&bucket.order), sizeof bucket.order);
    for (int d = 0; d < dims; ++d) key.append("\x1f").append(st.text(1 + d));
    auto [it, inserted] = index.try_emplace(key, rows.size());
    if (inserted) {
      GroupRow row{bucket, {}, Values(width, 0)};
      for (int d = 0; d < dims; ++d) row.dims.push_back(st.text(1 + d));
      rows.push_back(std::move(row));
    }
    Values& v = rows[it->second].values;
    for (std::size_t m = 0; m < width; ++m) {
      const std::int64_t x = st.int64(1 + dims + static_cast<int>(m));
      v[m] = s.is_max[m] ? std::max(v[m], x) : v[m] + x;
    }
  }
  for (auto& r : rows) grouper.add(r.bucket, std::move(r.dims), r.values);
}

// The dimensions a query reads from a table.
std::vector<std::string> needed_dims(const FactQuery& q) {
  std::vector<std::string> out = q.group;
  for (const auto& [d, values] : q.only) out.push_back(d);
  if (!q.category_prefixes.empty()) out.push_back("category");
  return out;
}

// The table of a level with the fewest dimensions that still has every one
// the query needs: a rollup, or the level's base table; none if neither.
std::optional<TableRef> table_for(const FactQuery& q, Level level) {
  const auto needed = needed_dims(q);
  std::optional<TableRef> best;
  for (const auto& t : tables_of(q.family)) {
    if (t.level != level) continue;
    const auto dims = t.dims();
    bool holds = std::all_of(needed.begin(), needed.end(),
                             [&](const std::string& d) { return std::find(dims.begin(), dims.end(), d) != dims.end(); });
    if (holds && (!best || dims.size() < best->dims().size())) best = t;
  }
  return best;
}

// Hours for hour buckets; for a total or months, the monthly rows of the
// whole months inside the range plus the days around them; days otherwise.
// Each from the smallest table that can answer.
FactResult from_aggregates(store::Database& db, const FactQuery& q) {
  Grouper grouper(q);
  const auto& r = q.range;
  auto days = [&](std::int64_t first, std::int64_t end) {
    if (needs_hours(q.bucket)) {
      sum_table(db, q, *table_for(q, Level::hourly), first_hour_of_day(first), first_hour_of_day(end), grouper);
    } else {
      sum_table(db, q, *table_for(q, Level::daily), first, end, grouper);
    }
  };
  if (q.bucket == Bucket::total || q.bucket == Bucket::month) {
    std::int64_t first_month = month_of_day(r.first) + (first_day_of_month(month_of_day(r.first)) == r.first ? 0 : 1);
    std::int64_t end_month = month_of_day(r.last + 1);  // the months before it end inside the range
    if (first_month < end_month) {
      std::int64_t inner_first = first_day_of_month(first_month), inner_end = first_day_of_month(end_month);
      if (r.first < inner_first) days(r.first, inner_first);
      sum_table(db, q, *table_for(q, Level::monthly), first_month, end_month, grouper);
      if (inner_end <= r.last) days(inner_end, r.last + 1);
      return {grouper.take(), Source::aggregates};
    }
  }
  days(r.first, r.last + 1);
  return {grouper.take(), Source::aggregates};
}

FactResult from_raw(store::Database& db, const FactQuery& q) {
  if (q.max_raw_days > 0 && q.range.days() > q.max_raw_days) {
    throw Error(Errc::invalid_argument,
                "from/to: this report is read from the raw logs (source=raw, a status or agent "
                "filter on tickets, or aggregates waiting for a rebuild), which allows at "
                "most " +
                    std::to_string(q.max_raw_days) + " days");
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
  return table_for(q, needs_hours(q.bucket) ? Level::hourly : Level::daily).has_value();
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
