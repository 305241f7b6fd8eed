#pragma once
// Facts: the measures of one family summed per time bucket and dimension
// values. The reference computation produces them from the raw logs (hourly,
// with every dimension of the family); the aggregate tables hold the same
// values, and a report is a grouping of them.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "hotline/reports/families.hpp"

namespace hotline::reports {

using Values = std::vector<std::int64_t>;  // one per measure of the family, in FamilySpec order

struct FactKey {
  std::int64_t time = 0;          // Unix hour, local day or local month, by level
  std::vector<std::string> dims;  // in FamilySpec order
  auto operator<=>(const FactKey&) const = default;
};

class Facts {
 public:
  // Facts with every dimension of the family (what the reference computes).
  Facts(Family family, Level level) : shape_{family, level, TableRef::kEveryDimension} {}
  // Facts shaped as a table's rows (its dimensions only).
  explicit Facts(const TableRef& table) : shape_(table) {}

  Family family() const { return shape_.family; }
  Level level() const { return shape_.level; }
  const TableRef& shape() const { return shape_; }
  const FamilySpec& spec() const { return reports::spec(shape_.family); }

  // Adds one measure's value to a row (a maximum for max_ measures).
  void add(const FactKey& key, std::size_t measure, std::int64_t value);
  // Adds a whole row of values.
  void add(const FactKey& key, const Values& values);
  void merge(const Facts& other);

  // These facts (with every dimension, hourly or at the target's level) as a
  // table holds them: its dimensions only, hours summed into days or months.
  Facts project(const TableRef& table) const;
  // The base table of a level (its dimensions).
  Facts project(Level level) const { return project(TableRef{family(), level, TableRef::kBase}); }

  const std::map<FactKey, Values>& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }

 private:
  Values& row(const FactKey& key);

  TableRef shape_;
  std::map<FactKey, Values> rows_;
};

// Combines b into a by the family's rules (sum, or maximum for max_ measures).
void combine(const FamilySpec& spec, Values& a, const Values& b);
bool all_zero(const Values& v);

}  // namespace hotline::reports
