// The standard reports: which family each reads, its columns, groupings and
// filters (docs/api.md "Reports", docs/kpis.md).
#include "hotline/reports/report.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "assemble.hpp"
#include "hotline/core/error.hpp"
#include "hotline/tickets/types.hpp"
#include "report_parts.hpp"

namespace hotline::reports {

using namespace detail;

namespace {

constexpr std::array<std::pair<ReportKind, std::string_view>, 6> kKinds{{
    {ReportKind::calls, "calls"},
    {ReportKind::agents, "agents"},
    {ReportKind::agent_states, "agent-states"},
    {ReportKind::tickets, "tickets"},
    {ReportKind::traffic, "traffic"},
    {ReportKind::overdue, "overdue"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kChannelLabels{{
    {"phone", "电话"},
    {"ivr_message", "语音留言"},
    {"letter", "来信"},
    {"fax", "传真"},
    {"email", "电子邮件"},
    {"web", "网站"},
    {"api", "接口"},
}};

// The filters as printed above the table.
void describe_filters(Table& t, const ReportRequest& r, const Directory& d) {
  t.filters.clear();
  t.filters.emplace_back("统计时间", r.range.label());
  if (r.bucket != Bucket::total) t.filters.emplace_back("统计周期", detail::bucket_label(r.bucket));
  const auto& f = r.filters;
  if (!f.queues.empty()) t.filters.emplace_back("队列", join(f.queues));
  if (!f.agents.empty()) t.filters.emplace_back("工号", join(f.agents));
  if (!f.types.empty()) {
    std::vector<std::string> labels;
    for (const auto& v : f.types) labels.push_back(type_label(v));
    t.filters.emplace_back("类型", join(labels));
  }
  if (!f.channels.empty()) {
    std::vector<std::string> labels;
    for (const auto& v : f.channels) labels.push_back(channel_label(v));
    t.filters.emplace_back("渠道", join(labels));
  }
  if (!f.categories.empty()) {
    std::vector<std::string> labels;
    for (const auto& v : f.categories) labels.push_back(d.category_name(v));
    t.filters.emplace_back("类别", join(labels));
  }
  if (!f.departments.empty()) {
    std::vector<std::string> labels;
    for (const auto& v : f.departments) labels.push_back(d.department_name(v));
    t.filters.emplace_back("承办单位", join(labels));
  }
  if (!f.statuses.empty()) {
    std::vector<std::string> labels;
    for (const auto& v : f.statuses) {
      auto s = tickets::parse_state(v);
      labels.push_back(s ? std::string(tickets::label(*s)) : v);
    }
    t.filters.emplace_back("状态", join(labels));
  }
}

// ---- calls -------------------------------------------------------------------

std::vector<Column> call_columns(const KpiParams& p) {
  const std::string t = std::to_string(p.service_level_seconds);
  return {col("offered", "进线量", ColumnType::count),
          col("refused", "拒绝排队", ColumnType::count),
          col("answered", "人工接通", ColumnType::count),
          col("callback_connected", "回呼接通", ColumnType::count),
          col("abandoned", "放弃量", ColumnType::count),
          col("short_abandoned", "短时放弃", ColumnType::count),
          col("overflowed", "溢出量", ColumnType::count),
          col("answer_rate", "接通率", ColumnType::percent),
          col("abandon_rate", "放弃率", ColumnType::percent),
          col("service_level", t + "秒服务水平", ColumnType::percent),
          col("service_level_with_abandons", t + "秒服务水平(含放弃)", ColumnType::percent),
          col("asa", "平均应答速度(秒)", ColumnType::seconds),
          col("avg_abandon_wait", "平均放弃时长(秒)", ColumnType::seconds),
          col("max_wait", "最长等待(秒)", ColumnType::seconds),
          col("handled", "处理量", ColumnType::count),
          col("aht", "平均处理时长(秒)", ColumnType::seconds),
          col("avg_talk", "平均通话(秒)", ColumnType::seconds),
          col("avg_hold", "平均保持(秒)", ColumnType::seconds),
          col("avg_wrap", "平均话后处理(秒)", ColumnType::seconds),
          col("transferred", "转接量", ColumnType::count),
          col("transfer_rate", "转接率", ColumnType::percent),
          col("callback_requested", "回呼请求", ColumnType::count),
          col("callback_success", "回呼成功率", ColumnType::percent)};
}

std::vector<Cell> call_cells(const Values& v, const KpiParams& p) {
  auto k = call_kpis(v, p);
  return {count(k.offered),
          count(k.refused),
          count(k.answered),
          count(k.callback_connected),
          count(k.abandoned),
          count(k.short_abandoned),
          count(k.overflowed),
          cell(k.answer_rate),
          cell(k.abandon_rate),
          cell(k.service_level),
          cell(k.service_level_with_abandons),
          cell(k.asa_seconds),
          cell(k.avg_abandon_wait_seconds),
          secs(k.max_wait_seconds),
          count(k.handled),
          cell(k.aht_seconds),
          cell(k.avg_talk_seconds),
          cell(k.avg_hold_seconds),
          cell(k.avg_wrap_seconds),
          count(k.transferred),
          cell(k.transfer_rate),
          count(k.callback_requested),
          cell(k.callback_success)};
}

Table calls_report(store::Database& db, const ReportRequest& r, const Directory& d) {
  only_groups(r, {"queue"});
  forbid(r.filters.agents, "agent", "calls");
  forbid(r.filters.types, "type", "calls");
  forbid(r.filters.channels, "channel", "calls");
  forbid(r.filters.categories, "category", "calls");
  forbid(r.filters.departments, "department", "calls");
  forbid(r.filters.statuses, "status", "calls");
  r.kpi.validate();
  FactQuery q{Family::queue, r.range, r.bucket, r.group_by, {}, {}, {}, r.source};
  if (!r.filters.queues.empty()) q.only["queue"] = r.filters.queues;
  q.max_raw_days = r.max_raw_days;
  auto facts = query_facts(db, q);
  Table t;
  t.report = "calls";
  t.title = "话务统计表";
  describe_source(t, facts.source);
  std::vector<KeyColumn> keys;
  if (!r.group_by.empty())
    keys.push_back({"queue", "队列", [&d](const std::string& v) { return d.queue_name(v); }, {}, {}});
  detail::assemble(t, facts, Family::queue, r.bucket, keys, call_columns(r.kpi),
                   [&r](const Values& v) { return call_cells(v, r.kpi); });
  t.notes.push_back("呼入按进入队列的时间统计；短时放弃：等待不足" + std::to_string(r.kpi.short_abandon_seconds) +
                    "秒即挂机，不计入放弃量与接通率分母");
  return t;
}

// ---- agents ------------------------------------------------------------------

std::vector<Column> agent_columns() {
  return {col("offers", "振铃次数", ColumnType::count),
          col("missed", "未接次数", ColumnType::count),
          col("answered", "接听量", ColumnType::count),
          col("handled", "处理量", ColumnType::count),
          col("talk_time", "通话时长", ColumnType::duration),
          col("hold_time", "保持时长", ColumnType::duration),
          col("wrap_time", "话后处理时长", ColumnType::duration),
          col("aht", "平均处理时长(秒)", ColumnType::seconds),
          col("transferred", "转接量", ColumnType::count),
          col("tickets_created", "登记工单", ColumnType::count),
          col("logged_in_time", "在线时长", ColumnType::duration),
          col("ready_time", "空闲时长", ColumnType::duration),
          col("not_ready_time", "小休时长", ColumnType::duration),
          col("on_call_time", "通话态时长", ColumnType::duration),
          col("busy_elsewhere_time", "其他通话时长", ColumnType::duration),
          col("occupancy", "占用率", ColumnType::percent),
          col("logins", "登录次数", ColumnType::count),
          col("rated", "评价数", ColumnType::count),
          col("satisfaction_rate", "满意率", ColumnType::percent)};
}

std::vector<Cell> agent_cells(const Values& v) {
  auto k = agent_kpis(v);
  return {count(k.offers),
          count(k.missed),
          count(k.answered),
          count(k.handled),
          secs(k.talk_seconds),
          secs(k.hold_seconds),
          secs(k.wrap_seconds),
          cell(k.aht_seconds),
          count(k.transferred),
          count(k.tickets_created),
          secs(k.logged_in_seconds),
          secs(k.ready_seconds),
          secs(k.not_ready_seconds),
          secs(k.on_call_seconds + k.on_hold_seconds),
          secs(k.busy_elsewhere_seconds),
          cell(k.occupancy),
          count(k.logins),
          count(k.rated),
          cell(k.satisfaction_rate)};
}

KeyColumn agent_key(const Directory& d) {
  return {"agent", "工号", {}, "姓名", [&d](const std::string& v) {
            auto it = d.agents.find(v);
            return it == d.agents.end() ? std::string() : it->second;
          }};
}

Table agents_report(store::Database& db, const ReportRequest& r, const Directory& d) {
  only_groups(r, {"agent"});
  forbid(r.filters.queues, "queue", "agents");
  forbid(r.filters.types, "type", "agents");
  forbid(r.filters.channels, "channel", "agents");
  forbid(r.filters.categories, "category", "agents");
  forbid(r.filters.departments, "department", "agents");
  forbid(r.filters.statuses, "status", "agents");
  FactQuery q{Family::agent, r.range, r.bucket, {"agent"}, {}, {}, {}, r.source};
  if (!r.filters.agents.empty()) q.only["agent"] = r.filters.agents;
  q.max_raw_days = r.max_raw_days;
  auto facts = query_facts(db, q);
  Table t;
  t.report = "agents";
  t.title = "坐席工作量统计表";
  describe_source(t, facts.source);
  detail::assemble(t, facts, Family::agent, r.bucket, {agent_key(d)}, agent_columns(), agent_cells);
  t.notes.push_back("状态时长在状态结束时计入，跨小时、跨日按实际时间切分");
  return t;
}

Table agent_states_report(store::Database& db, const ReportRequest& r, const Directory& d) {
  only_groups(r, {"agent", "reason"});
  forbid(r.filters.queues, "queue", "agent-states");
  forbid(r.filters.types, "type", "agent-states");
  forbid(r.filters.channels, "channel", "agent-states");
  forbid(r.filters.categories, "category", "agent-states");
  forbid(r.filters.departments, "department", "agent-states");
  forbid(r.filters.statuses, "status", "agent-states");
  FactQuery q{Family::reason, r.range, r.bucket, {"agent", "reason"}, {}, {}, {}, r.source};
  if (!r.filters.agents.empty()) q.only["agent"] = r.filters.agents;
  q.max_raw_days = r.max_raw_days;
  auto facts = query_facts(db, q);
  Table t;
  t.report = "agent-states";
  t.title = "坐席小休统计表";
  describe_source(t, facts.source);
  const auto& s = spec(Family::reason);
  detail::assemble(
      t, facts, Family::reason, r.bucket,
      {agent_key(d), {"reason", "原因", [](const std::string& v) { return v.empty() ? "（未注明）" : v; }, {}, {}}},
      {col("count", "次数", ColumnType::count), col("time", "时长", ColumnType::duration),
       col("average", "平均时长(秒)", ColumnType::seconds)},
      [&s](const Values& v) {
        std::int64_t n = v[s.at("not_ready_count")];
        double seconds = static_cast<double>(v[s.at("not_ready_ms")]) / 1000.0;
        return std::vector<Cell>{count(n), secs(seconds), cell(ratio(seconds, static_cast<double>(n)))};
      });
  return t;
}

}  // namespace

// ---- public --------------------------------------------------------------------

std::optional<ReportKind> report_from(std::string_view name) {
  for (const auto& [kind, n] : kKinds) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

std::string_view to_string(ReportKind kind) {
  for (const auto& [k, n] : kKinds) {
    if (k == kind) return n;
  }
  return "calls";
}

std::string type_label(const std::string& type) {
  auto t = tickets::parse_ticket_type(type);
  return t ? std::string(tickets::label(*t)) : type;
}

std::string channel_label(const std::string& channel) {
  for (const auto& [name, label] : kChannelLabels) {
    if (name == channel) return std::string(label);
  }
  return channel;
}

Directory Directory::load(store::Database& db, tickets::CategoryTree categories, tickets::WorkCalendar calendar) {
  Directory d;
  d.categories = std::move(categories);
  d.calendar = std::move(calendar);
  auto& u = db.prepare("SELECT job_number, display_name FROM users");
  while (u.step()) d.agents[u.text(0)] = u.text(1);
  auto& dep = db.prepare("SELECT id, name FROM departments");
  while (dep.step()) d.departments[std::to_string(dep.int64(0))] = dep.text(1);
  auto& q = db.prepare("SELECT name, settings FROM acd_queues WHERE deleted = 0");
  while (q.step()) {
    auto settings = nlohmann::json::parse(q.text(1), nullptr, false);
    if (settings.is_object() && settings.contains("display_name") && settings["display_name"].is_string()) {
      d.queues[q.text(0)] = settings["display_name"].get<std::string>();
    }
  }
  return d;
}

std::string Directory::department_name(const std::string& id) const {
  if (id == "0") return "（未派单）";
  auto it = departments.find(id);
  return it == departments.end() ? "#" + id : it->second;
}

std::string Directory::category_name(const std::string& code) const {
  return categories.find(code) ? code + " " + categories.path(code) : code;
}

std::string Directory::queue_name(const std::string& name) const {
  auto it = queues.find(name);
  return it == queues.end() ? name : name + " " + it->second;
}

Table run_report(store::Database& db, const ReportRequest& r, const Directory& d) {
  Table t;
  switch (r.kind) {
    case ReportKind::calls:
      t = calls_report(db, r, d);
      break;
    case ReportKind::agents:
      t = agents_report(db, r, d);
      break;
    case ReportKind::agent_states:
      t = agent_states_report(db, r, d);
      break;
    case ReportKind::tickets:
      t = detail::tickets_report(db, r, d);
      break;
    case ReportKind::traffic:
      t = detail::traffic_report(db, r, d);
      break;
    case ReportKind::overdue:
      t = detail::overdue_report(db, r, d);
      break;
  }
  if (r.kind != ReportKind::overdue) describe_filters(t, r, d);
  t.generated_at = r.now;
  t.generated_by = r.generated_by;
  return t;
}

}  // namespace hotline::reports
