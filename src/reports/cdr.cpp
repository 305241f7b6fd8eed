#include "hotline/reports/cdr.hpp"

#include "hotline/core/error.hpp"

namespace hotline::reports {

std::string direction_of(const std::string& source, const std::string& route) {
  if (source.starts_with("trunk:")) return "inbound";
  if (route.starts_with("trunk:")) return "outbound";
  return "internal";
}

Table cdr_table(store::Database& db, const CdrParams& p) {
  if (!p.direction.empty() && p.direction != "inbound" && p.direction != "outbound" && p.direction != "internal") {
    throw Error(Errc::invalid_argument, "direction: inbound, outbound or internal");
  }
  auto& n = db.query("SELECT COUNT(*) FROM calls WHERE started_at >= ? AND started_at < ?", p.range.start_ms(),
                     p.range.end_ms());
  n.step();
  std::int64_t count = n.int64(0);
  n.run();
  if (count > p.max_rows) {
    throw Error(Errc::too_large, "the range holds " + std::to_string(count) + " calls, more than " +
                                     std::to_string(p.max_rows) + " in one export: export a shorter range");
  }
  Table t;
  t.report = "cdr";
  t.title = "话单明细";
  t.source = "raw";
  t.filters.emplace_back("统计时间", p.range.label());
  if (!p.direction.empty()) {
    t.filters.emplace_back("方向", p.direction == "inbound" ? "呼入" : p.direction == "outbound" ? "呼出" : "内部");
  }
  t.columns = {{"call_id", "呼叫ID", ColumnType::text, true},
               {"started_at", "开始时间", ColumnType::text},
               {"answered_at", "应答时间", ColumnType::text},
               {"ended_at", "结束时间", ColumnType::text},
               {"caller", "主叫号码", ColumnType::text},
               {"dialled", "被叫号码", ColumnType::text},
               {"source", "来源", ColumnType::text},
               {"route", "去向", ColumnType::text},
               {"direction", "方向", ColumnType::text},
               {"duration_seconds", "总时长(秒)", ColumnType::count},
               {"billable_seconds", "计费时长(秒)", ColumnType::count},
               {"billable_minutes", "计费分钟", ColumnType::count},
               {"status", "结果码", ColumnType::count},
               {"hangup_cause", "挂机原因", ColumnType::text},
               {"hangup_side", "挂机方", ColumnType::text},
               {"legs", "话路数", ColumnType::count}};
  auto& s = db.query(
      "SELECT c.uuid, c.started_at, c.answered_at, c.ended_at, c.caller, c.dialled, c.source, c.route, "
      "c.duration_ms, c.talk_ms, c.status, c.hangup_cause, c.hangup_side, "
      "(SELECT COUNT(*) FROM call_legs l WHERE l.call_id = c.id) FROM calls c "
      "WHERE c.started_at >= ? AND c.started_at < ? ORDER BY c.started_at, c.id",
      p.range.start_ms(), p.range.end_ms());
  std::int64_t calls = 0, duration = 0, billable = 0, minutes = 0;
  while (s.step()) {
    std::string direction = direction_of(s.text(6), s.text(7));
    if (!p.direction.empty() && direction != p.direction) continue;
    std::int64_t talk = s.int64(9);
    std::int64_t seconds = (talk + 999) / 1000, mins = (talk + 59'999) / 60'000;
    std::int64_t total = (s.int64(8) + 999) / 1000;
    Row r{RowKind::data, {}, 0, {s.text(0)}};
    r.cells = {s.text(0),
               format_local(s.int64(1)),
               s.is_null(2) ? Cell() : Cell(format_local(s.int64(2))),
               format_local(s.int64(3)),
               s.text(4),
               s.text(5),
               s.text(6),
               s.text(7),
               direction,
               total,
               seconds,
               mins,
               s.int64(10),
               s.text(11),
               s.text(12),
               s.int64(13)};
    t.rows.push_back(std::move(r));
    ++calls;
    duration += total;
    billable += seconds;
    minutes += mins;
  }
  Row total{RowKind::total, std::vector<Cell>(t.columns.size()), 0, {}};
  total.cells[0] = std::string("合计");
  total.cells[1] = std::to_string(calls) + " 通";
  total.cells[9] = duration;
  total.cells[10] = billable;
  total.cells[11] = minutes;
  t.rows.push_back(std::move(total));
  return t;
}

}  // namespace hotline::reports
