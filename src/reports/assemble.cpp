#include "assemble.hpp"

namespace hotline::reports::detail {

std::string bucket_label(Bucket bucket) {
  switch (bucket) {
    case Bucket::hour:
      return "时段";
    case Bucket::day:
      return "日期";
    case Bucket::week:
      return "周";
    case Bucket::month:
      return "月份";
    case Bucket::hour_of_day:
      return "小时";
    case Bucket::day_of_week:
      return "星期";
    case Bucket::total:
      break;
  }
  return "合计";
}

namespace {

void build(Table& t, const std::vector<GroupRow>& rows, std::size_t width,
           const std::function<void(Values&, const Values&)>& add, Bucket bucket, const std::vector<KeyColumn>& keys,
           const std::vector<Column>& measures, const MeasureCells& cells_of) {
  const bool timed = bucket != Bucket::total;
  if (timed) t.columns.push_back({"bucket", bucket_label(bucket), ColumnType::text, true});
  for (const auto& k : keys) {
    t.columns.push_back({k.dim, k.label, ColumnType::text, true});
    if (k.name_of) t.columns.push_back({k.dim + "_name", k.name_label, ColumnType::text, true});
  }
  const std::size_t key_width = t.columns.size();
  t.columns.insert(t.columns.end(), measures.begin(), measures.end());
  const std::size_t levels = (timed ? 1 : 0) + keys.size();

  auto key_cells = [&](const GroupRow& r) {
    std::vector<Cell> cells;
    if (timed) cells.emplace_back(r.bucket.label);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto& v = r.dims[i];
      cells.emplace_back(keys[i].label_of ? keys[i].label_of(v) : v);
      if (keys[i].name_of) cells.emplace_back(keys[i].name_of(v));
    }
    return cells;
  };
  auto finish = [&](RowKind kind, std::vector<Cell> cells, const Values& v, const GroupRow* r) {
    cells.resize(key_width);
    auto m = cells_of(v);
    cells.insert(cells.end(), m.begin(), m.end());
    Row row{kind, std::move(cells), 0, {}};
    if (r) {
      row.bucket_order = r->bucket.order;
      row.keys = r->dims;
    }
    t.rows.push_back(std::move(row));
  };

  Values total(width, 0), subtotal(width, 0);
  // The first level: the bucket, or the first grouping (with its name column).
  const std::size_t first_width = timed || keys.empty() ? 1 : (keys[0].name_of ? 2 : 1);
  std::optional<std::vector<Cell>> group;  // the first-level cells of the open subtotal group
  const GroupRow* group_first = nullptr;   // its first row: the subtotal's bucket or first key
  auto close_group = [&] {
    if (!group) return;
    std::vector<Cell> cells(*group);
    cells.resize(key_width);
    if (first_width < key_width) cells[first_width] = std::string("小计");
    finish(RowKind::subtotal, std::move(cells), subtotal, nullptr);
    if (timed) {
      t.rows.back().bucket_order = group_first->bucket.order;
    } else {
      t.rows.back().keys = {group_first->dims.front()};
    }
    subtotal.assign(width, 0);
  };
  for (const auto& r : rows) {
    auto cells = key_cells(r);
    if (levels >= 2) {
      std::vector<Cell> first(cells.begin(), cells.begin() + static_cast<std::ptrdiff_t>(first_width));
      if (group && *group != first) close_group();
      if (!group || *group != first) group_first = &r;
      group = first;
      add(subtotal, r.values);
    }
    add(total, r.values);
    finish(RowKind::data, std::move(cells), r.values, &r);
  }
  if (levels >= 2) close_group();
  std::vector<Cell> cells(key_width);
  if (key_width > 0) cells[0] = std::string("合计");
  finish(RowKind::total, std::move(cells), total, nullptr);
}

}  // namespace

void assemble(Table& t, const FactResult& facts, Family family, Bucket bucket, const std::vector<KeyColumn>& keys,
              const std::vector<Column>& measures, const MeasureCells& cells_of) {
  const auto& s = spec(family);
  build(
      t, facts.rows, s.measures.size(), [&s](Values& a, const Values& b) { combine(s, a, b); }, bucket, keys, measures,
      cells_of);
}

void assemble_counts(Table& t, const std::vector<GroupRow>& rows, std::size_t width, Bucket bucket,
                     const std::vector<KeyColumn>& keys, const std::vector<Column>& measures,
                     const MeasureCells& cells_of) {
  auto sum = [](Values& a, const Values& b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) a[i] += b[i];
  };
  build(t, rows, width, sum, bucket, keys, measures, cells_of);
}

}  // namespace hotline::reports::detail
