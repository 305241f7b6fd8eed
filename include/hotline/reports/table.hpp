#pragma once
// A report as a table: typed columns, data rows, subtotals and the total,
// plus what a printed page shows around it (title, filters, generation time
// and user). JSON, CSV, XLSX and the print view are renderings of it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace hotline::reports {

enum class ColumnType {
  text,
  count,     // integer
  seconds,   // an average in seconds (one decimal)
  duration,  // a total time in seconds (shown as h:mm:ss)
  percent,   // a fraction 0..1 (shown as %)
  number,    // any other decimal
};
std::string_view to_string(ColumnType type);

struct Column {
  std::string key;    // "answer_rate"
  std::string label;  // "接通率"
  ColumnType type = ColumnType::count;
  bool key_column = false;  // identifies the row (time bucket, queue, agent...), not a measure
};

using Cell = std::variant<std::monostate, std::string, std::int64_t, double>;
Cell cell(std::optional<double> v);

enum class RowKind { data, subtotal, total };
std::string_view to_string(RowKind kind);

struct Row {
  RowKind kind = RowKind::data;
  std::vector<Cell> cells;
  // For period comparison: the row's bucket order (see BucketKey) and the raw
  // keys of its dimensions (queue name, agent job number, category code...).
  std::int64_t bucket_order = 0;
  std::vector<std::string> keys;
};

struct Table {
  std::string report;                                        // "calls"
  std::string title;                                         // "话务统计表"
  std::vector<std::pair<std::string, std::string>> filters;  // ("统计时间", "2026-03-01 ~ 2026-03-31"), ...
  std::vector<Column> columns;
  std::vector<Row> rows;
  std::string source;  // "aggregates", "raw" or "live"
  std::vector<std::string> notes;
  std::int64_t generated_at = 0;  // unix ms
  std::string generated_by;       // "1001 张三"

  std::optional<std::size_t> column(std::string_view key) const;
};

// {"report", "title", "filters": [{"name","value"}], "columns": [{"key","label","type"}],
//  "rows": [{"row_type": "data"|"subtotal"|"total", "<key>": value, ...}], "source", "notes",
//  "generated_at" (UTC), "generated_at_local", "generated_by"}
nlohmann::json to_json(const Table& table);

// A cell as text for people: counts plain, seconds with one decimal,
// durations h:mm:ss, percents "95.2%", empty for none.
std::string display(const Cell& cell, ColumnType type);

}  // namespace hotline::reports
