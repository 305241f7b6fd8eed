#include "hotline/reports/compare.hpp"

#include <chrono>
#include <map>

#include "hotline/core/error.hpp"

namespace hotline::reports {
namespace {

using namespace std::chrono;

year_month_day ymd_of(std::int64_t day) { return year_month_day{sys_days{days{day}}}; }
std::int64_t index_of(const year_month_day& d) { return sys_days{d}.time_since_epoch().count(); }

// The same day of the month `months` away, clamped to that month's end.
std::int64_t shift_months(std::int64_t day, int months) {
  auto d = ymd_of(day);
  year_month ym = year_month{d.year(), d.month()} + std::chrono::months{months};
  auto last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
  return index_of(year_month_day{ym.year(), ym.month(), std::min(d.day(), last)});
}

bool is_first_of_month(std::int64_t day) { return ymd_of(day).day() == std::chrono::day{1}; }
bool is_last_of_month(std::int64_t day) { return ymd_of(day + 1).day() == std::chrono::day{1}; }

std::optional<double> number(const Cell& c) {
  if (std::holds_alternative<std::int64_t>(c)) return static_cast<double>(std::get<std::int64_t>(c));
  if (std::holds_alternative<double>(c)) return std::get<double>(c);
  return std::nullopt;
}

Cell as_cell(std::optional<double> v, ColumnType type) {
  if (!v) return Cell();
  if (type == ColumnType::count) return Cell(static_cast<std::int64_t>(std::llround(*v)));
  return Cell(*v);
}

std::int64_t month_order(std::int64_t day) {
  auto d = ymd_of(day);
  return static_cast<std::int64_t>(static_cast<int>(d.year())) * 12 + static_cast<unsigned>(d.month()) - 1;
}

}  // namespace

std::optional<Preset> preset_from(std::string_view name) {
  if (name == "yoy") return Preset::yoy;
  if (name == "mom") return Preset::mom;
  if (name == "previous") return Preset::previous;
  return std::nullopt;
}

DayRange base_range(const DayRange& r, Preset preset) {
  switch (preset) {
    case Preset::yoy:
      return {shift_months(r.first, -12), shift_months(r.last, -12)};
    case Preset::mom: {
      if (is_first_of_month(r.first) && is_last_of_month(r.last)) {
        // Whole months: as many whole months just before.
        auto months = static_cast<int>(month_order(r.last) - month_order(r.first) + 1);
        std::int64_t first = shift_months(r.first, -months);
        return {first, r.first - 1};
      }
      return {shift_months(r.first, -1), shift_months(r.last, -1)};
    }
    case Preset::previous:
      return {r.first - r.days(), r.first - 1};
  }
  return r;
}

Change change(std::optional<double> current, std::optional<double> base) {
  Change c;
  if (current && base) {
    c.absolute = *current - *base;
    if (*base != 0) c.relative = (*current - *base) / *base;
  }
  return c;
}

std::int64_t bucket_offset(Bucket bucket, std::int64_t order, const DayRange& range) {
  switch (bucket) {
    case Bucket::total:
      return 0;
    case Bucket::hour:
      return order - range.first_hour();
    case Bucket::day:
      return order - range.first;
    case Bucket::week:
      return (order - (range.first - (iso_weekday(range.first) - 1))) / 7;
    case Bucket::month:
      return order - month_order(range.first);
    case Bucket::hour_of_day:
    case Bucket::day_of_week:
      return order;
  }
  return 0;
}

Table compare_tables(const Table& current, const DayRange& current_range, const Table& base, const DayRange& base_range,
                     Bucket bucket, const std::vector<std::string>& wanted) {
  Table out;
  out.report = current.report;
  out.title = current.title + "（对比）";
  out.source = current.source == base.source ? current.source : "mixed";
  out.filters = current.filters;
  if (!out.filters.empty() && out.filters.front().first == "统计时间") out.filters.front().first = "本期";
  out.filters.insert(out.filters.begin() + 1, {"对比期", base_range.label()});
  out.notes = current.notes;
  // The print view and the exports name when and by whom the comparison was made.
  out.generated_at = current.generated_at;
  out.generated_by = current.generated_by;
  out.notes.push_back("增减 = 本期 − 对比期（比率为百分点）；增减率 = 增减 ÷ 对比期");

  // Key columns, then the measures to compare (by their position in each table).
  std::vector<std::size_t> key_columns;
  std::vector<std::pair<std::size_t, std::size_t>> measures;  // (in current, in base)
  for (std::size_t i = 0; i < current.columns.size(); ++i) {
    const auto& c = current.columns[i];
    if (c.key_column) {
      key_columns.push_back(i);
      out.columns.push_back(c);
      continue;
    }
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), c.key) == wanted.end()) continue;
    auto in_base = base.column(c.key);
    if (!in_base) continue;
    measures.emplace_back(i, *in_base);
    ColumnType change_type = c.type == ColumnType::count ? ColumnType::count : c.type;
    out.columns.push_back({c.key, c.label + "(本期)", c.type});
    out.columns.push_back({c.key + "_base", c.label + "(对比期)", c.type});
    out.columns.push_back({c.key + "_change", c.label + "增减", change_type});
    out.columns.push_back({c.key + "_change_rate", c.label + "增减率", ColumnType::percent});
  }
  for (const auto& w : wanted) {
    if (!current.column(w)) throw Error(Errc::invalid_argument, "measures: the report has no column " + w);
  }

  using Key = std::pair<std::int64_t, std::vector<std::string>>;
  std::map<Key, const Row*> base_rows;
  const Row* base_total = nullptr;
  for (const auto& r : base.rows) {
    if (r.kind == RowKind::data) base_rows[{bucket_offset(bucket, r.bucket_order, base_range), r.keys}] = &r;
    if (r.kind == RowKind::total) base_total = &r;
  }
  auto emit = [&](RowKind kind, const Row* now, const Row* then) {
    Row row{kind, {}, now ? now->bucket_order : then->bucket_order, now ? now->keys : then->keys};
    const Row& keys_from = now ? *now : *then;
    for (auto k : key_columns) row.cells.push_back(k < keys_from.cells.size() ? keys_from.cells[k] : Cell());
    for (const auto& [ci, bi] : measures) {
      auto a = now ? number(now->cells[ci]) : std::nullopt;
      auto b = then ? number(then->cells[bi]) : std::nullopt;
      auto c = change(a, b);
      const auto type = current.columns[ci].type;
      row.cells.push_back(now ? now->cells[ci] : Cell());
      row.cells.push_back(then ? then->cells[bi] : Cell());
      row.cells.push_back(as_cell(c.absolute, type));
      row.cells.push_back(cell(c.relative));
    }
    out.rows.push_back(std::move(row));
  };
  const Row* current_total = nullptr;
  for (const auto& r : current.rows) {
    if (r.kind == RowKind::total) current_total = &r;
    if (r.kind != RowKind::data) continue;
    Key key{bucket_offset(bucket, r.bucket_order, current_range), r.keys};
    auto it = base_rows.find(key);
    emit(RowKind::data, &r, it == base_rows.end() ? nullptr : it->second);
    if (it != base_rows.end()) base_rows.erase(it);
  }
  for (const auto& [key, r] : base_rows) emit(RowKind::data, nullptr, r);
  if (current_total && base_total) emit(RowKind::total, current_total, base_total);
  return out;
}

}  // namespace hotline::reports
