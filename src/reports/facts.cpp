#include "hotline/reports/facts.hpp"

#include <algorithm>

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

Facts Facts::project(Level level) const {
  Facts out(family_, level);
  const std::size_t keep = spec().dim_count(level);
  for (const auto& [key, values] : rows_) {
    std::int64_t time = level == Level::hourly  ? key.time
                        : level == Level::daily ? day_of_hour(key.time)
                                                : month_of_day(day_of_hour(key.time));
    FactKey k{time,
              std::vector<std::string>(key.dims.begin(), key.dims.begin() + static_cast<std::ptrdiff_t>(keep))};
    out.add(k, values);
  }
  return out;
}

}  // namespace hotline::reports
