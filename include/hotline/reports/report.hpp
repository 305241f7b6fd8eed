#pragma once
// The standard reports of seed §3.2.7 and issue 9, as tables:
//   calls         话务统计: queue traffic and service (offered, answered, abandoned, SL, ASA, AHT...)
//   agents        工作量: per agent (calls, talk time, tickets registered, state times, occupancy)
//   agent_states  小休统计: not-ready time per agent and reason
//   tickets       业务量: tickets by type, channel, category, department (dispatched, on time, satisfaction)
//   traffic       话务分布: calls and tickets by hour of day or day of week (averages per day)
//   overdue       超期统计: open tickets past their deadline now, by department, category or type
// Each: a local date range, a time bucket, groupings, filters; subtotals per
// first grouping and a total row, all computed from summed measures.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hotline/reports/kpis.hpp"
#include "hotline/reports/query.hpp"
#include "hotline/reports/table.hpp"
#include "hotline/store/database.hpp"
#include "hotline/tickets/calendar.hpp"
#include "hotline/tickets/categories.hpp"

namespace hotline::reports {

enum class ReportKind { calls, agents, agent_states, tickets, traffic, overdue };
std::optional<ReportKind> report_from(std::string_view name);
std::string_view to_string(ReportKind kind);

// Any combination; empty lists do not restrict.
struct Filters {
  std::vector<std::string> queues;
  std::vector<std::string> agents;       // job numbers; for tickets: who registered them
  std::vector<std::string> types;        // ticket types (consultation, help, ...)
  std::vector<std::string> channels;     // phone, web, ...
  std::vector<std::string> categories;   // category codes; a code covers its sub-categories
  std::vector<std::string> departments;  // lead department ids ("0": not dispatched)
  std::vector<std::string> statuses;     // the tickets' current state
};

struct ReportRequest {
  ReportKind kind = ReportKind::calls;
  DayRange range;
  Bucket bucket = Bucket::total;
  std::vector<std::string>
      group_by;  // calls: queue; agents: (agent always); tickets/overdue: type channel category department
  Filters filters;
  int category_level = 0;  // 0: categories as recorded; 1: their top-level domain
  KpiParams kpi;
  Source source = Source::automatic;
  std::int64_t max_raw_days = 0;  // see FactQuery
  Ms now = 0;                     // generation time
  std::string generated_by;       // "1001 张三"
};

// Names for the keys a report shows.
struct Directory {
  std::map<std::string, std::string> agents;       // job number -> display name
  std::map<std::string, std::string> departments;  // id -> name
  std::map<std::string, std::string> queues;       // name -> display name
  tickets::CategoryTree categories = tickets::CategoryTree::defaults();
  tickets::WorkCalendar calendar;
  // Users, departments and queues from the database; categories and calendar as given.
  static Directory load(store::Database& db, tickets::CategoryTree categories, tickets::WorkCalendar calendar);
  std::string department_name(const std::string& id) const;
  std::string category_name(const std::string& code) const;
  std::string queue_name(const std::string& name) const;
};

// Error(invalid_argument) names the offending parameter.
Table run_report(store::Database& db, const ReportRequest& request, const Directory& directory);

// Labels of ticket values ("complaint" -> "投诉", "phone" -> "电话").
std::string type_label(const std::string& type);
std::string channel_label(const std::string& channel);

}  // namespace hotline::reports
