#include "hotline/reports/table.hpp"

#include <cmath>
#include <cstdio>

#include "hotline/core/clock.hpp"
#include "hotline/reports/time.hpp"

namespace hotline::reports {

std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::text:
      return "text";
    case ColumnType::count:
      return "count";
    case ColumnType::seconds:
      return "seconds";
    case ColumnType::duration:
      return "duration";
    case ColumnType::percent:
      return "percent";
    case ColumnType::number:
      return "number";
  }
  return "text";
}

std::string_view to_string(RowKind kind) {
  switch (kind) {
    case RowKind::data:
      return "data";
    case RowKind::subtotal:
      return "subtotal";
    case RowKind::total:
      return "total";
  }
  return "data";
}

Cell cell(std::optional<double> v) { return v ? Cell(*v) : Cell(); }

std::optional<std::size_t> Table::column(std::string_view key) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].key == key) return i;
  }
  return std::nullopt;
}

namespace {

nlohmann::json json_of(const Cell& c, ColumnType type) {
  if (std::holds_alternative<std::string>(c)) return std::get<std::string>(c);
  if (std::holds_alternative<std::int64_t>(c)) return std::get<std::int64_t>(c);
  if (std::holds_alternative<double>(c)) {
    double v = std::get<double>(c);
    // Rates to 4 decimals (0.01 %), times to 0.1 s: what a person can read, and stable across sources.
    double scale = type == ColumnType::percent ? 1e4 : 10;
    return std::round(v * scale) / scale;
  }
  return nullptr;
}

double number_of(const Cell& c) {
  if (std::holds_alternative<std::int64_t>(c)) return static_cast<double>(std::get<std::int64_t>(c));
  if (std::holds_alternative<double>(c)) return std::get<double>(c);
  return 0;
}

}  // namespace

nlohmann::json to_json(const Table& t) {
  nlohmann::json filters = nlohmann::json::array();
  for (const auto& [name, value] : t.filters) filters.push_back({{"name", name}, {"value", value}});
  nlohmann::json columns = nlohmann::json::array();
  for (const auto& c : t.columns) {
    columns.push_back({{"key", c.key}, {"label", c.label}, {"type", to_string(c.type)}, {"key_column", c.key_column}});
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : t.rows) {
    nlohmann::json row = {{"row_type", to_string(r.kind)}};
    for (std::size_t i = 0; i < t.columns.size() && i < r.cells.size(); ++i) {
      row[t.columns[i].key] = json_of(r.cells[i], t.columns[i].type);
    }
    rows.push_back(std::move(row));
  }
  return {{"report", t.report},
          {"title", t.title},
          {"filters", filters},
          {"columns", columns},
          {"rows", rows},
          {"source", t.source},
          {"notes", t.notes},
          {"generated_at", format_utc(t.generated_at)},
          {"generated_at_local", format_local(t.generated_at)},
          {"generated_by", t.generated_by}};
}

std::string display(const Cell& c, ColumnType type) {
  if (std::holds_alternative<std::monostate>(c)) return "";
  if (std::holds_alternative<std::string>(c)) return std::get<std::string>(c);
  double v = number_of(c);
  char buf[48];
  switch (type) {
    case ColumnType::percent:
      std::snprintf(buf, sizeof buf, "%.2f%%", v * 100);
      return buf;
    case ColumnType::seconds:
    case ColumnType::number:
      std::snprintf(buf, sizeof buf, "%.1f", v);
      return buf;
    case ColumnType::duration: {
      auto s = static_cast<long long>(std::llround(v));
      std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
      return buf;
    }
    case ColumnType::count:
    case ColumnType::text:
      break;
  }
  if (std::holds_alternative<std::int64_t>(c)) return std::to_string(std::get<std::int64_t>(c));
  std::snprintf(buf, sizeof buf, "%.0f", v);
  return buf;
}

}  // namespace hotline::reports
