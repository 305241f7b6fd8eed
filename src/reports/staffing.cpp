#include <algorithm>
#include <cmath>

#include "hotline/core/error.hpp"
#include "hotline/reports/insights.hpp"

namespace hotline::reports {

double erlang_c(int agents, double load) {
  if (load <= 0) return 0;
  if (agents <= load) return 1;  // the queue grows without bound: everybody waits
  // Erlang B by its recurrence (no factorials to overflow), then C from B.
  double b = 1;
  for (int n = 1; n <= agents; ++n) b = load * b / (n + load * b);
  return agents * b / (agents - load * (1 - b));
}

double erlang_service_level(int agents, double load, double aht, double t) {
  if (load <= 0) return 1;
  if (agents <= load) return 0;
  return 1 - erlang_c(agents, load) * std::exp(-(agents - load) * t / aht);
}

double erlang_asa(int agents, double load, double aht) {
  if (load <= 0) return 0;
  if (agents <= load) return INFINITY;
  return erlang_c(agents, load) * aht / (agents - load);
}

int agents_needed(double load, double aht, double t, double target, int max_agents) {
  if (load <= 0) return 0;
  for (int n = std::max(1, static_cast<int>(std::floor(load)) + 1); n <= max_agents; ++n) {
    if (erlang_service_level(n, load, aht, t) >= target) return n;
  }
  throw Error(Errc::invalid_argument, "the load needs more than " + std::to_string(max_agents) + " agents");
}

Table staffing_table(store::Database& db, const StaffingParams& p) {
  if (p.weeks < 1 || p.weeks > 26) throw Error(Errc::invalid_argument, "weeks: 1 to 26");
  if (p.target <= 0 || p.target >= 1) throw Error(Errc::invalid_argument, "target: a share between 0 and 1");
  if (p.t_seconds < 1 || p.t_seconds > 3600) throw Error(Errc::invalid_argument, "t: 1 to 3600 seconds");
  const auto& qs = spec(Family::queue);
  const std::size_t offered = qs.at("offered"), handled = qs.at("handled"), talk = qs.at("talk_ms"),
                    hold = qs.at("hold_ms"), wrap = qs.at("wrap_ms");
  auto queue_hours = [&](std::int64_t day) {
    FactQuery q{Family::queue, DayRange{day, day}, Bucket::hour_of_day, {}, {}, {}, {}, p.source};
    if (!p.queues.empty()) q.only["queue"] = p.queues;
    return query_facts(db, q);
  };
  // History: per hour of day, arrivals and work of the same weekday in the weeks before.
  std::vector<std::int64_t> arrivals(24, 0), handled_calls(24, 0), work_ms(24, 0);
  std::int64_t all_handled = 0, all_work = 0;
  for (int k = 1; k <= p.weeks; ++k) {
    for (const auto& r : queue_hours(p.day - 7LL * k).rows) {
      auto h = static_cast<std::size_t>(r.bucket.order);
      arrivals[h] += r.values[offered];
      handled_calls[h] += r.values[handled];
      work_ms[h] += r.values[talk] + r.values[hold] + r.values[wrap];
    }
  }
  for (int h = 0; h < 24; ++h) {
    all_handled += handled_calls[static_cast<std::size_t>(h)];
    all_work += work_ms[static_cast<std::size_t>(h)];
  }
  // What happened on the day itself: offered per hour, agents staffed (logged
  // in, not in not-ready), averaged over the hour. Agents of the queues when
  // the queues have members, else everybody.
  std::vector<std::int64_t> actual_offered(24, 0);
  bool has_actual = false;
  for (const auto& r : queue_hours(p.day).rows) {
    actual_offered[static_cast<std::size_t>(r.bucket.order)] += r.values[offered];
    has_actual = true;
  }
  std::vector<std::string> members;
  for (const auto& q : p.queues) {
    auto& s = db.query("SELECT agent FROM acd_members WHERE queue = ?", q);
    while (s.step()) members.push_back(s.text(0));
  }
  FactQuery agents{Family::agent, DayRange{p.day, p.day}, Bucket::hour_of_day, {}, {}, {}, {}, p.source};
  if (!members.empty()) agents.only["agent"] = members;
  std::vector<double> staffed(24, 0);
  const auto& as = spec(Family::agent);
  for (const auto& r : query_facts(db, agents).rows) {
    std::int64_t ms = 0;
    for (auto m : {"ready_ms", "ringing_ms", "on_call_ms", "on_hold_ms", "wrap_up_ms", "busy_elsewhere_ms"}) {
      ms += r.values[as.at(m)];
    }
    staffed[static_cast<std::size_t>(r.bucket.order)] += static_cast<double>(ms) / kHourMs;
    has_actual = true;
  }

  Table t;
  t.report = "staffing";
  t.title = "排班预测（Erlang C）";
  t.source = "aggregates";
  std::string queues;
  for (const auto& q : p.queues) queues += (queues.empty() ? "" : "、") + q;
  t.filters = {
      {"日期", day_label(p.day)},
      {"队列", queues.empty() ? "全部" : queues},
      {"历史", "前" + std::to_string(p.weeks) + "周同一星期几同一小时"},
      {"目标", display(Cell(p.target), ColumnType::percent) + " 在 " + std::to_string(p.t_seconds) + " 秒内接通"}};
  t.columns = {{"hour", "小时", ColumnType::text, true},
               {"forecast_calls", "预测来电", ColumnType::number},
               {"aht", "平均处理时长(秒)", ColumnType::seconds},
               {"load", "话务量(Erl)", ColumnType::number},
               {"agents_needed", "需要坐席", ColumnType::count},
               {"predicted_service_level", "预计服务水平", ColumnType::percent},
               {"predicted_asa", "预计平均等待(秒)", ColumnType::seconds},
               {"actual_offered", "实际来电", ColumnType::count},
               {"actual_agents", "实际在岗坐席", ColumnType::number},
               {"difference", "在岗−需要", ColumnType::number}};
  double fallback_aht = all_handled > 0 ? static_cast<double>(all_work) / 1000.0 / all_handled : p.default_aht_seconds;
  double sum_calls = 0, sum_needed = 0, sum_staffed = 0;
  std::int64_t sum_offered = 0;
  for (std::size_t h = 0; h < 24; ++h) {
    double lambda = static_cast<double>(arrivals[h]) / p.weeks;  // calls per hour
    double aht = handled_calls[h] > 0 ? static_cast<double>(work_ms[h]) / 1000.0 / handled_calls[h] : fallback_aht;
    double load = lambda * aht / 3600.0;
    int needed = agents_needed(load, aht, p.t_seconds, p.target);
    char label[8];
    std::snprintf(label, sizeof label, "%02zu:00", h);
    Row row{RowKind::data, {}, static_cast<std::int64_t>(h), {}};
    row.cells = {std::string(label),
                 lambda,
                 aht,
                 load,
                 static_cast<std::int64_t>(needed),
                 load > 0 ? Cell(erlang_service_level(needed, load, aht, p.t_seconds)) : Cell(),
                 load > 0 ? Cell(erlang_asa(needed, load, aht)) : Cell(),
                 has_actual ? Cell(actual_offered[h]) : Cell(),
                 has_actual ? Cell(staffed[h]) : Cell(),
                 has_actual ? Cell(staffed[h] - needed) : Cell()};
    t.rows.push_back(std::move(row));
    sum_calls += lambda;
    sum_needed += needed;
    sum_staffed += staffed[h];
    sum_offered += actual_offered[h];
  }
  t.rows.push_back({RowKind::total,
                    {std::string("合计"), sum_calls, Cell(), Cell(), static_cast<std::int64_t>(sum_needed), Cell(),
                     Cell(), has_actual ? Cell(sum_offered) : Cell(), has_actual ? Cell(sum_staffed) : Cell(),
                     has_actual ? Cell(sum_staffed - sum_needed) : Cell()},
                    0,
                    {}});
  t.notes.push_back("需要坐席为接听所需的最少在岗人数（不含小休、培训等缩减）；合计为坐席小时数");
  return t;
}

}  // namespace hotline::reports
