#include "hotline/reports/facts.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"
#include "hotline/reports/time.hpp"

namespace hotline::reports {

void combine(const FamilySpec& spec, Values& a, const Values& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] = spec.is_max[i] ? std::max(a[i], b[i]) : a[i] + b[i];
}

bool all_zero(const Values& v) {
  return std::all_of(v.begin(), v.end(), [](std::int64_t x) { return x == 0; });
}

Values& Facts::row(const FactKey& key) {
  auto it = rows_.find(key);
  if (it == rows_.end()) it = rows_.emplace(key, Values(spec().measures.size(), 0)).first;
  return it->second;
}

void Facts::add(const FactKey& key, std::size_t measure, std::int64_t value) {
  auto& v = row(key);
  v[measure] = spec().is_max[measure] ? std::max(v[measure], value) : v[measure] + value;
}

void Facts::add(const FactKey& key, const Values& values) { combine(spec(), row(key), values); }

void Facts::merge(const Facts& other) {
  for (const auto& [key, values] : other.rows_) add(key, values);
}

Facts Facts::project(const TableRef& table) const {
  if (shape_.rollup != TableRef::kEveryDimension || table.family != shape_.family ||
      (shape_.level != Level::hourly && shape_.level != table.level)) {
    throw Error(Errc::internal, "facts can only be projected from every dimension, to their level or from hours");
  }
  Facts out(table);
  const auto keep = table.dim_indexes();
  const bool same = shape_.level == table.level;
  for (const auto& [key, values] : rows_) {
    std::int64_t time = same                              ? key.time
                        : table.level == Level::daily     ? day_of_hour(key.time)
                                                          : month_of_day(day_of_hour(key.time));
    FactKey k{time, {}};
    k.dims.reserve(keep.size());
    for (auto i : keep) k.dims.push_back(key.dims[i]);
    out.add(k, values);
  }
  return out;
}

}  // namespace hotline::reports
