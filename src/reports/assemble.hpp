#pragma once
// Turns grouped facts into a table: key columns (the time bucket, then each
// grouping with its label), measure columns from a KPI function, subtotal
// rows after each first-level group when there are two levels or more, and
// the total. Subtotals and totals are KPIs of summed measures, never sums of
// rates.
#include <functional>
#include <string>
#include <vector>

#include "hotline/reports/query.hpp"
#include "hotline/reports/table.hpp"

namespace hotline::reports::detail {

struct KeyColumn {
  std::string dim;    // the grouping dimension ("queue")
  std::string label;  // "队列"
  // Text shown for a raw value; the raw value itself when empty.
  std::function<std::string(const std::string&)> label_of;
  // An extra column with a name (agents: 姓名), when set.
  std::string name_label;
  std::function<std::string(const std::string&)> name_of;
};

using MeasureCells = std::function<std::vector<Cell>(const Values&)>;

void assemble(Table& table, const FactResult& facts, Family family, Bucket bucket, const std::vector<KeyColumn>& keys,
              const std::vector<Column>& measures, const MeasureCells& cells_of);
// The same for rows of plain counts (summed), `width` values each.
void assemble_counts(Table& table, const std::vector<GroupRow>& rows, std::size_t width, Bucket bucket,
                     const std::vector<KeyColumn>& keys, const std::vector<Column>& measures,
                     const MeasureCells& cells_of);

std::string bucket_label(Bucket bucket);  // "时段", "日期", ...

}  // namespace hotline::reports::detail
