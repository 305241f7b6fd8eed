// Ticket reports: 业务量 (tickets by type, channel, category, department),
// 话务分布 (calls and tickets by hour of day / day of week) and 超期统计
// (open tickets past their deadline now).
#include <algorithm>
#include <map>

#include "assemble.hpp"
#include "hotline/tickets/types.hpp"
#include "report_parts.hpp"

namespace hotline::reports::detail {
namespace {

// The top-level domain of a category code (its root in the tree).
std::string top_level(const tickets::CategoryTree& tree, const std::string& code) {
  const auto* c = tree.find(code);
  std::string out = code;
  for (int guard = 0; c && c->parent && guard < 16; ++guard) {
    out = *c->parent;
    c = tree.find(out);
  }
  return out;
}

// Replaces grouped category codes by their top-level domain and merges what becomes equal.
void to_top_level(FactResult& facts, const std::vector<std::string>& group, const Directory& d) {
  auto it = std::find(group.begin(), group.end(), "category");
  if (it == group.end()) return;
  const auto index = static_cast<std::size_t>(it - group.begin());
  const auto& s = spec(Family::ticket);
  std::map<std::pair<std::int64_t, std::vector<std::string>>, GroupRow> merged;
  for (auto& r : facts.rows) {
    r.dims[index] = top_level(d.categories, r.dims[index]);
    auto key = std::make_pair(r.bucket.order, r.dims);
    auto m = merged.find(key);
    if (m == merged.end()) {
      merged.emplace(std::move(key), std::move(r));
    } else {
      combine(s, m->second.values, r.values);
    }
  }
  facts.rows.clear();
  for (auto& [key, row] : merged) facts.rows.push_back(std::move(row));
}

KeyColumn ticket_key(const std::string& dim, const Directory& d) {
  if (dim == "type") return {dim, "类型", [](const std::string& v) { return type_label(v); }, {}, {}};
  if (dim == "channel") return {dim, "渠道", [](const std::string& v) { return channel_label(v); }, {}, {}};
  if (dim == "category") return {dim, "类别", [&d](const std::string& v) { return d.category_name(v); }, {}, {}};
  return {dim, "承办单位", [&d](const std::string& v) { return d.department_name(v); }, {}, {}};
}

std::vector<Column> ticket_columns() {
  return {col("created", "受理量", ColumnType::count),
          col("closed_on_spot", "直办量", ColumnType::count),
          col("dispatched", "派单量", ColumnType::count),
          col("signed", "签收量", ColumnType::count),
          col("signed_on_time_rate", "按时签收率", ColumnType::percent),
          col("replied", "答复量", ColumnType::count),
          col("replied_on_time_rate", "按时答复率", ColumnType::percent),
          col("finished", "办结量", ColumnType::count),
          col("closed_on_time_rate", "按时办结率", ColumnType::percent),
          col("first_contact_rate", "一次办结率", ColumnType::percent),
          col("returned", "退回量", ColumnType::count),
          col("redispatched", "改派量", ColumnType::count),
          col("reworked", "重办量", ColumnType::count),
          col("reopened", "重新派单", ColumnType::count),
          col("extensions", "延期申请", ColumnType::count),
          col("callbacks", "回访量", ColumnType::count),
          col("satisfied", "满意", ColumnType::count),
          col("basically_satisfied", "基本满意", ColumnType::count),
          col("unsatisfied", "不满意", ColumnType::count),
          col("satisfaction_rate", "满意率", ColumnType::percent),
          col("rejected", "不予受理", ColumnType::count),
          col("referred", "转办110等", ColumnType::count),
          col("merged", "并单", ColumnType::count)};
}

std::vector<Cell> ticket_cells(const Values& v) {
  auto k = ticket_kpis(v);
  return {count(k.created),
          count(k.closed_on_spot),
          count(k.dispatched),
          count(k.signed_for),
          cell(k.signed_on_time_rate),
          count(k.replied),
          cell(k.replied_on_time_rate),
          count(k.finished),
          cell(k.closed_on_time_rate),
          cell(k.first_contact_rate),
          count(k.returned),
          count(k.redispatched),
          count(k.reworked),
          count(k.reopened),
          count(k.extensions),
          count(k.callbacks),
          count(k.satisfied),
          count(k.basically_satisfied),
          count(k.unsatisfied),
          cell(k.satisfaction_rate),
          count(k.rejected),
          count(k.referred),
          count(k.merged)};
}

void ticket_filters(FactQuery& q, const Filters& f) {
  if (!f.types.empty()) q.only["type"] = f.types;
  if (!f.channels.empty()) q.only["channel"] = f.channels;
  if (!f.departments.empty()) q.only["department"] = f.departments;
  q.category_prefixes = f.categories;
  q.scope.states = f.statuses;
  q.scope.creators = f.agents;
}

// The deadline that matters where an open ticket stands (as tickets::current_deadline).
enum class Stage { sign, reply, close, none };
Stage stage_of(const std::string& state) {
  if (state == "created" || state == "dispatched") return Stage::sign;
  if (state == "signed" || state == "returned" || state == "extension_requested") return Stage::reply;
  if (state == "replied" || state == "reviewed" || state == "called_back") return Stage::close;
  return Stage::none;
}

}  // namespace

Table tickets_report(store::Database& db, const ReportRequest& r, const Directory& d) {
  only_groups(r, {"type", "channel", "category", "department"});
  forbid(r.filters.queues, "queue", "tickets");
  if (r.category_level != 0 && r.category_level != 1) throw Error(Errc::invalid_argument, "category_level: 0 or 1");
  FactQuery q{Family::ticket, r.range, r.bucket, r.group_by, {}, {}, {}, r.source};
  ticket_filters(q, r.filters);
  q.max_raw_days = r.max_raw_days;
  auto facts = query_facts(db, q);
  if (r.category_level == 1) to_top_level(facts, r.group_by, d);
  Table t;
  t.report = "tickets";
  t.title = "工单业务量统计表";
  describe_source(t, facts.source);
  std::vector<KeyColumn> keys;
  for (const auto& g : r.group_by) keys.push_back(ticket_key(g, d));
  assemble(t, facts, Family::ticket, r.bucket, keys, ticket_columns(), ticket_cells);
  t.notes.push_back("各项按办理动作发生的时间统计；类别、承办单位取动作发生时工单的值；按时：不晚于当时的期限");
  if (!r.filters.statuses.empty()) t.notes.push_back("状态筛选按工单当前状态");
  return t;
}

Table traffic_report(store::Database& db, const ReportRequest& r, const Directory&) {
  only_groups(r, {});
  forbid(r.filters.agents, "agent", "traffic");
  forbid(r.filters.types, "type", "traffic");
  forbid(r.filters.channels, "channel", "traffic");
  forbid(r.filters.categories, "category", "traffic");
  forbid(r.filters.departments, "department", "traffic");
  forbid(r.filters.statuses, "status", "traffic");
  r.kpi.validate();
  FactQuery queue{Family::queue, r.range, r.bucket, {}, {}, {}, {}, r.source};
  if (!r.filters.queues.empty()) queue.only["queue"] = r.filters.queues;
  FactQuery calls{Family::call, r.range, r.bucket, {}, {{"direction", {"inbound"}}}, {}, {}, r.source};
  FactQuery tickets{Family::ticket, r.range, r.bucket, {}, {}, {}, {}, r.source};
  for (auto* fq : {&queue, &calls, &tickets}) fq->max_raw_days = r.max_raw_days;
  auto q = query_facts(db, queue), c = query_facts(db, calls), k = query_facts(db, tickets);

  // One row per bucket: [inbound calls, offered, connected, abandoned, denominator of the answer rate, tickets].
  std::map<std::int64_t, GroupRow> rows;
  auto row = [&](const BucketKey& b) -> Values& {
    auto it = rows.find(b.order);
    if (it == rows.end()) it = rows.emplace(b.order, GroupRow{b, {}, Values(6, 0)}).first;
    return it->second.values;
  };
  for (const auto& g : c.rows) row(g.bucket)[0] += g.values[spec(Family::call).at("calls")];
  for (const auto& g : q.rows) {
    auto kpi = call_kpis(g.values, r.kpi);
    auto& v = row(g.bucket);
    v[1] += kpi.offered;
    v[2] += kpi.connected;
    v[3] += kpi.abandoned;
    v[4] += kpi.offered + kpi.refused - kpi.overflowed_to_queue - kpi.short_abandoned;
  }
  for (const auto& g : k.rows) row(g.bucket)[5] += g.values[spec(Family::ticket).at("created")];
  std::vector<GroupRow> ordered;
  for (auto& [order, g] : rows) ordered.push_back(std::move(g));

  Table t;
  t.report = "traffic";
  t.title = r.bucket == Bucket::day_of_week ? "话务分布表（按星期）" : "话务分布表（按小时）";
  t.source = (q.source == Source::raw || c.source == Source::raw || k.source == Source::raw) ? "raw" : "aggregates";
  const bool per_day = r.bucket == Bucket::hour_of_day || r.bucket == Bucket::day_of_week;
  std::vector<Column> columns{
      col("inbound_calls", "呼入话务量", ColumnType::count), col("offered", "进线量", ColumnType::count),
      col("connected", "接通量", ColumnType::count),         col("abandoned", "放弃量", ColumnType::count),
      col("answer_rate", "接通率", ColumnType::percent),     col("tickets_created", "受理工单", ColumnType::count)};
  if (per_day) {
    columns.insert(columns.begin(), col("days", "天数", ColumnType::count));
    columns.push_back(col("inbound_calls_per_day", "日均呼入", ColumnType::number));
    columns.push_back(col("offered_per_day", "日均进线", ColumnType::number));
    columns.push_back(col("tickets_per_day", "日均工单", ColumnType::number));
  }
  // Days behind each bucket: for the total, the whole range.
  std::int64_t all_days = r.range.days();
  assemble_counts(t, ordered, 6, r.bucket, {}, columns, [&](const Values& v) {
    std::vector<Cell> cells;
    std::int64_t days = 0;
    if (per_day) {
      // The total row sums every bucket: per day over the whole range.
      days = all_days;
      cells.push_back(count(days));
    }
    cells.insert(cells.end(), {count(v[0]), count(v[1]), count(v[2]), count(v[3]),
                               cell(ratio(static_cast<double>(v[2]), static_cast<double>(v[4]))), count(v[5])});
    if (per_day) {
      auto per = [&](std::int64_t x) { return cell(ratio(static_cast<double>(x), static_cast<double>(days))); };
      cells.insert(cells.end(), {per(v[0]), per(v[1]), per(v[5])});
    }
    return cells;
  });
  // Data rows of a day of week cover only that weekday's days.
  if (r.bucket == Bucket::day_of_week) {
    auto days_col = *t.column("days");
    for (auto& row : t.rows) {
      if (row.kind != RowKind::data) continue;
      std::int64_t n = days_in(Bucket::day_of_week, row.bucket_order, r.range);
      row.cells[days_col] = count(n);
      for (auto [from, to] :
           {std::pair{"inbound_calls", "inbound_calls_per_day"}, std::pair{"offered", "offered_per_day"},
            std::pair{"tickets_created", "tickets_per_day"}}) {
        double x = static_cast<double>(std::get<std::int64_t>(row.cells[*t.column(from)]));
        row.cells[*t.column(to)] = cell(ratio(x, static_cast<double>(n)));
      }
    }
  }
  t.notes.push_back("呼入话务量：来自中继的呼叫记录；进线量：进入人工队列的来电（按进入队列时间）");
  return t;
}

Table overdue_report(store::Database& db, const ReportRequest& r, const Directory& d) {
  only_groups(r, {"type", "channel", "category", "department"});
  forbid(r.filters.queues, "queue", "overdue");
  std::vector<std::string> group = r.group_by.empty() ? std::vector<std::string>{"department"} : r.group_by;
  // Open tickets only: the partial index tickets_open (its state list, as in 0009).
  auto& s = db.prepare(
      "SELECT t.type, t.channel, t.category_code, COALESCE(t.lead_department_id, 0), t.state, t.sign_due, "
      "t.reply_due, t.close_due, COALESCE(u.job_number, '') FROM tickets t LEFT JOIN users u ON u.id = t.created_by "
      "WHERE t.state IN ('created', 'dispatched', 'signed', 'returned', 'extension_requested', 'replied', "
      "'reviewed', 'called_back')");
  auto wanted = [](const std::vector<std::string>& allowed, const std::string& v) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), v) != allowed.end();
  };
  const auto& f = r.filters;
  // [open, overdue at signing, at the reply, at the close, more than 5 working days late]
  std::map<std::vector<std::string>, Values> counts;
  while (s.step()) {
    std::map<std::string, std::string> v{{"type", s.text(0)},
                                         {"channel", s.text(1)},
                                         {"category", s.text(2)},
                                         {"department", std::to_string(s.int64(3))}};
    const std::string state = s.text(4), creator = s.text(8);
    if (!wanted(f.types, v["type"]) || !wanted(f.channels, v["channel"]) || !wanted(f.departments, v["department"]) ||
        !wanted(f.statuses, state) || !wanted(f.agents, creator)) {
      continue;
    }
    if (!f.categories.empty() && std::none_of(f.categories.begin(), f.categories.end(),
                                              [&](const std::string& p) { return v["category"].starts_with(p); })) {
      continue;
    }
    if (r.category_level == 1) v["category"] = top_level(d.categories, v["category"]);
    std::vector<std::string> key;
    for (const auto& g : group) key.push_back(v[g]);
    auto& c = counts.try_emplace(key, Values(5, 0)).first->second;
    ++c[0];
    Stage stage = stage_of(state);
    int due_column = stage == Stage::sign ? 5 : stage == Stage::reply ? 6 : 7;
    if (stage == Stage::none || s.is_null(due_column)) continue;
    Ms due = s.int64(due_column);
    if (due >= r.now) continue;
    ++c[stage == Stage::sign ? 1 : stage == Stage::reply ? 2 : 3];
    if (tickets::working_days_late(d.calendar, due, r.now) > 5) ++c[4];
  }
  std::vector<GroupRow> rows;
  for (auto& [key, values] : counts) rows.push_back({bucket_of_day(Bucket::total, 0), key, values});

  Table t;
  t.report = "overdue";
  t.title = "工单超期统计表";
  t.source = "live";
  t.filters.emplace_back("统计时点", format_local(r.now));
  std::vector<KeyColumn> keys;
  for (const auto& g : group) keys.push_back(ticket_key(g, d));
  assemble_counts(
      t, rows, 5, Bucket::total, keys,
      {col("open", "在办量", ColumnType::count), col("overdue_sign", "签收超期", ColumnType::count),
       col("overdue_reply", "答复超期", ColumnType::count), col("overdue_close", "办结超期", ColumnType::count),
       col("overdue", "超期合计", ColumnType::count), col("overdue_rate", "超期率", ColumnType::percent),
       col("late_over_5_working_days", "超期5个工作日以上", ColumnType::count)},
      [](const Values& v) {
        std::int64_t overdue = v[1] + v[2] + v[3];
        return std::vector<Cell>{count(v[0]),    count(v[1]),
                                 count(v[2]),    count(v[3]),
                                 count(overdue), cell(ratio(static_cast<double>(overdue), static_cast<double>(v[0]))),
                                 count(v[4])};
      });
  t.notes.push_back("当前在办工单按所处环节的期限判断：待签收看签收期限，办理中看答复期限，已答复待回访看办结期限");
  return t;
}

}  // namespace hotline::reports::detail
