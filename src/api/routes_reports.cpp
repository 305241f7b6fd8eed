// Statistics and reports (issue 9, seed §3.2.7): the standard reports,
// period comparison, hot issues, the staffing forecast and the CDR export,
// each as JSON or ?format=csv|xlsx|html (print view). Reports run on the
// store's reader threads; exports are rendered on the CPU pool. See
// docs/api.md "Reports" and docs/kpis.md.
#include <boost/asio/use_awaitable.hpp>

#include "hotline/api/api.hpp"
#include "hotline/core/async.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/reports/aggregates.hpp"
#include "hotline/reports/cdr.hpp"
#include "hotline/reports/compare.hpp"
#include "hotline/reports/exports.hpp"
#include "hotline/reports/insights.hpp"
#include "hotline/reports/report.hpp"
#include "hotline/tickets/services.hpp"
#include "hotline/tickets/types.hpp"
#include "json_body.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
namespace r = hotline::reports;

namespace {

// Reports from the raw logs are read day by day; beyond this a request would
// hold a reader for long (the aggregates answer any range quickly).
constexpr std::int64_t kMaxRawDays = 93;
constexpr std::int64_t kMaxHourlyDays = 93;

enum class Format { json, csv, xlsx, html };

Format format_of(const HttpRequest& request) {
  auto f = string_query(request, "format").value_or("json");
  if (f == "json") return Format::json;
  if (f == "csv") return Format::csv;
  if (f == "xlsx") return Format::xlsx;
  if (f == "html") return Format::html;
  throw Error(Errc::invalid_argument, "format: json, csv, xlsx or html");
}

std::vector<std::string> list_query(const HttpRequest& request, const char* name) {
  std::vector<std::string> out;
  auto text = string_query(request, name);
  if (!text) return out;
  std::size_t start = 0;
  while (start <= text->size()) {
    auto comma = text->find(',', start);
    auto item = text->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() > 200) throw Error(Errc::invalid_argument, std::string(name) + ": at most 200 values");
  return out;
}

template <class Parse>
void check_values(const std::vector<std::string>& values, const char* name, Parse parse, const char* allowed) {
  for (const auto& v : values) {
    if (!parse(v))
      throw Error(Errc::invalid_argument, std::string(name) + ": unknown value \"" + v + "\" (" + allowed + ")");
  }
}

int int_param(const HttpRequest& request, const char* name, int fallback, int lo, int hi) {
  auto v = int_query(request, name);
  if (!v) return fallback;
  if (*v < lo || *v > hi) {
    throw Error(Errc::invalid_argument, std::string(name) + ": " + std::to_string(lo) + " to " + std::to_string(hi));
  }
  return static_cast<int>(*v);
}

double number_param(const HttpRequest& request, const char* name, double fallback) {
  auto text = string_query(request, name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    double v = std::stod(*text, &used);
    if (used != text->size()) throw std::invalid_argument(*text);
    return v;
  } catch (const std::exception&) {
    throw Error(Errc::invalid_argument, std::string(name) + ": must be a number");
  }
}

r::DayRange range_of(const HttpRequest& request, const char* from_name = "from", const char* to_name = "to") {
  auto today = r::day_label(r::today(now_ms()));
  auto from = string_query(request, from_name).value_or(today);
  auto to = string_query(request, to_name).value_or(from);
  return r::parse_range(from, to);
}

std::string generated_by(const HttpRequest& request) {
  const auto& p = *request.principal;
  return p.display_name.empty() ? p.job_number : p.job_number + " " + p.display_name;
}

r::ReportRequest report_request(const HttpRequest& request, r::ReportKind kind) {
  r::ReportRequest q;
  q.kind = kind;
  q.range = range_of(request);
  auto bucket_name = string_query(request, "bucket").value_or(kind == r::ReportKind::traffic ? "hour_of_day" : "total");
  auto bucket = r::bucket_from(bucket_name);
  if (!bucket) throw Error(Errc::invalid_argument, "bucket: total, hour, day, week, month, hour_of_day or day_of_week");
  q.bucket = *bucket;
  if (r::needs_hours(q.bucket) && q.range.days() > kMaxHourlyDays && q.bucket == r::Bucket::hour) {
    throw Error(Errc::invalid_argument, "bucket: hourly rows for at most " + std::to_string(kMaxHourlyDays) + " days");
  }
  q.group_by = list_query(request, "group_by");
  auto& f = q.filters;
  f.queues = list_query(request, "queue");
  f.agents = list_query(request, "agent");
  f.types = list_query(request, "type");
  check_values(f.types, "type", tickets::parse_ticket_type,
               "consultation, help, complaint, report, suggestion, praise, mailbox, other");
  f.channels = list_query(request, "channel");
  check_values(f.channels, "channel", tickets::parse_channel, "phone, ivr_message, letter, fax, email, web, api");
  f.categories = list_query(request, "category");
  f.departments = list_query(request, "department");
  for (const auto& d : f.departments) {
    if (d.empty() || d.size() > 18 || d.find_first_not_of("0123456789") != std::string::npos) {
      throw Error(Errc::invalid_argument, "department: department ids (0: not dispatched)");
    }
  }
  f.statuses = list_query(request, "status");
  check_values(f.statuses, "status", tickets::parse_state, "a ticket state");
  q.category_level = int_param(request, "category_level", 0, 0, 1);
  q.kpi.service_level_seconds = int_param(request, "sl", 20, 1, 3600);
  q.kpi.short_abandon_seconds = int_param(request, "short_abandon", 5, 0, 3600);
  auto source = r::source_from(string_query(request, "source").value_or("auto"));
  if (!source) throw Error(Errc::invalid_argument, "source: auto, aggregates or raw");
  q.source = *source;
  q.max_raw_days = kMaxRawDays;
  q.now = now_ms();
  q.generated_by = generated_by(request);
  return q;
}

r::Directory directory_of(store::Database& db, const ApiContext& ctx) {
  if (ctx.tickets) return r::Directory::load(db, ctx.tickets->rules.categories, ctx.tickets->rules.calendar);
  return r::Directory::load(db, tickets::CategoryTree::defaults(), {});
}

// RFC 5987: the UTF-8 file name, percent-encoded.
std::string encoded_name(const std::string& name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
        c == '.') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

HttpResponse attachment(std::string body, const char* type, const r::Table& table, const char* extension) {
  HttpResponse out;
  out.content_type = type;
  out.body = std::move(body);
  out.headers.emplace_back("Content-Disposition", std::string("attachment; filename=\"report.") + extension +
                                                      "\"; filename*=UTF-8''" +
                                                      encoded_name(r::file_stem(table) + "." + extension));
  return out;
}

// The table in the asked format, rendered on the CPU pool.
awaitable<HttpResponse> respond(ApiContext& ctx, r::Table table, Format format, nlohmann::json extra = {}) {
  auto render = [table = std::move(table), format, extra = std::move(extra)](CpuContext&) {
    switch (format) {
      case Format::csv:
        return attachment(r::to_csv(table), "text/csv; charset=utf-8", table, "csv");
      case Format::xlsx:
        return attachment(r::to_xlsx(table), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", table,
                          "xlsx");
      case Format::html: {
        HttpResponse out;
        out.content_type = "text/html; charset=utf-8";
        out.body = r::to_print_html(table);
        out.headers.emplace_back("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        return out;
      }
      case Format::json:
        break;
    }
    auto json = r::to_json(table);
    if (extra.is_object()) json.update(extra);
    return HttpResponse::json(200, json);
  };
  co_return co_await run_on(ctx.cpu, std::move(render), use_awaitable);
}

void add_report(Router& router, ApiContext& ctx, r::ReportKind kind, std::string summary) {
  std::string path = "/api/v1/reports/" + std::string(r::to_string(kind));
  router.add("GET", path, Permission::reports_read, std::move(summary),
             [&ctx, kind](HttpRequest& request) -> awaitable<HttpResponse> {
               auto format = format_of(request);
               auto q = report_request(request, kind);
               auto job = [&ctx, q](store::Database& db) { return r::run_report(db, q, directory_of(db, ctx)); };
               auto table = co_await ctx.store.read(std::move(job), use_awaitable);
               co_return co_await respond(ctx, std::move(table), format);
             });
}

}  // namespace

void add_report_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/reports", Permission::reports_read,
             "The reports, their parameters' allowed values, and whether the aggregates are ready",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto ready = [](store::Database& db) { return r::aggregates_ready(db); };
               bool aggregates = co_await ctx.store.read(std::move(ready), use_awaitable);
               nlohmann::json reports = nlohmann::json::array();
               for (const char* name : {"calls", "agents", "agent-states", "tickets", "traffic", "overdue", "compare",
                                        "hot-issues", "staffing", "cdr"}) {
                 reports.push_back(name);
               }
               co_return HttpResponse::json(
                   200, {{"reports", reports},
                         {"buckets", {"total", "hour", "day", "week", "month", "hour_of_day", "day_of_week"}},
                         {"service_level_seconds", r::kServiceLevelSeconds},
                         {"short_abandon_seconds", r::kShortAbandonSeconds},
                         {"formats", {"json", "csv", "xlsx", "html"}},
                         {"time_zone", "+08:00"},
                         {"max_raw_days", kMaxRawDays},
                         {"aggregates_ready", aggregates}});
             });

  add_report(router, ctx, r::ReportKind::calls,
             "话务统计: queue traffic and service by bucket and queue (?from=&to= YYYY-MM-DD, bucket, group_by=queue, "
             "queue=, sl=, short_abandon=, source=, format=)");
  add_report(
      router, ctx, r::ReportKind::agents,
      "工作量: per agent calls, talk time, tickets registered, state times, occupancy (agent=, bucket, format=)");
  add_report(router, ctx, r::ReportKind::agent_states, "小休: not-ready time per agent and reason (agent=, bucket)");
  add_report(router, ctx, r::ReportKind::tickets,
             "业务量: tickets by type, channel, category, department (group_by=, type=, channel=, category=, "
             "department=, agent=, status=, category_level=, bucket)");
  add_report(router, ctx, r::ReportKind::traffic,
             "话务分布: calls and tickets by hour of day or day of week, with averages per day (bucket, queue=)");
  add_report(router, ctx, r::ReportKind::overdue,
             "超期: open tickets past their deadline now, by department, category or type (group_by=, filters)");

  router.add("GET", "/api/v1/reports/compare", Permission::reports_read,
             "同期比: a report over two ranges side by side (report=, from=, to=, preset=yoy|mom|previous or "
             "base_from=&base_to=, measures=, and the report's parameters)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto format = format_of(request);
               auto kind = r::report_from(string_query(request, "report").value_or("calls"));
               if (!kind || *kind == r::ReportKind::overdue) {
                 throw Error(Errc::invalid_argument, "report: calls, agents, agent-states, tickets or traffic");
               }
               auto current = report_request(request, *kind);
               auto base = current;
               if (string_query(request, "base_from")) {
                 base.range = range_of(request, "base_from", "base_to");
               } else {
                 auto preset = r::preset_from(string_query(request, "preset").value_or("yoy"));
                 if (!preset) throw Error(Errc::invalid_argument, "preset: yoy, mom or previous");
                 base.range = r::base_range(current.range, *preset);
               }
               auto measures = list_query(request, "measures");
               auto job = [&ctx, current, base, measures](store::Database& db) {
                 auto d = directory_of(db, ctx);
                 auto now = r::run_report(db, current, d);
                 auto then = r::run_report(db, base, d);
                 return r::compare_tables(now, current.range, then, base.range, current.bucket, measures);
               };
               auto table = co_await ctx.store.read(std::move(job), use_awaitable);
               nlohmann::json ranges = {{"range", current.range.label()}, {"base_range", base.range.label()}};
               co_return co_await respond(ctx, std::move(table), format, std::move(ranges));
             });

  router.add(
      "GET", "/api/v1/reports/hot-issues", Permission::reports_read,
      "热点: categories or locations rising over their baseline (end=, days=, weeks=, z=, min=, by=category|location, "
      "category_level=, limit=, examples=)",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        auto format = format_of(request);
        r::HotParams p;
        p.end = string_query(request, "end") ? r::parse_local_day(*string_query(request, "end"), "end")
                                             : r::today(now_ms());
        p.days = int_param(request, "days", 7, 1, 90);
        p.weeks = int_param(request, "weeks", 4, 1, 52);
        p.min_z = number_param(request, "z", 3.0);
        p.min_count = int_param(request, "min", 5, 1, 1000000);
        p.by = string_query(request, "by").value_or("category");
        p.category_level = int_param(request, "category_level", 0, 0, 1);
        auto district = string_query(request, "district");
        p.district = !district || (*district != "0" && *district != "false");
        p.limit = int_param(request, "limit", 20, 1, 500);
        p.examples = int_param(request, "examples", 3, 0, 20);
        auto by = generated_by(request);
        auto job = [&ctx, p, by](store::Database& db) {
          auto issues = r::hot_issues(db, p, directory_of(db, ctx));
          auto table = r::hot_issue_table(issues, p);
          table.generated_at = now_ms();
          table.generated_by = by;
          nlohmann::json list = nlohmann::json::array();
          for (const auto& i : issues) {
            nlohmann::json examples = nlohmann::json::array();
            for (const auto& e : i.examples) {
              examples.push_back({{"number", e.number},
                                  {"summary", e.summary},
                                  {"location", e.location},
                                  {"created_at", format_utc(e.created_at)}});
            }
            list.push_back({{"key", i.key},
                            {"label", i.label},
                            {"observed", i.observed},
                            {"baseline", i.baseline},
                            {"expected", i.expected},
                            {"z", i.z},
                            {"examples", examples}});
          }
          return std::make_pair(std::move(table), std::move(list));
        };
        auto found = co_await ctx.store.read(std::move(job), use_awaitable);
        nlohmann::json extra = {{"issues", std::move(found.second)}};
        co_return co_await respond(ctx, std::move(found.first), format, std::move(extra));
      });

  router.add("GET", "/api/v1/reports/staffing", Permission::reports_read,
             "排班预测: Erlang C agents needed per hour from the same hour of past weeks, next to the day's actual "
             "staffing (date=, queue=, weeks=, target= %, t= seconds)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto format = format_of(request);
               r::StaffingParams p;
               p.day = string_query(request, "date") ? r::parse_local_day(*string_query(request, "date"), "date")
                                                     : r::today(now_ms());
               p.queues = list_query(request, "queue");
               p.weeks = int_param(request, "weeks", 4, 1, 26);
               p.target = int_param(request, "target", 80, 1, 99) / 100.0;
               p.t_seconds = int_param(request, "t", 20, 1, 3600);
               auto by = generated_by(request);
               auto job = [p, by](store::Database& db) {
                 auto table = r::staffing_table(db, p);
                 table.generated_at = now_ms();
                 table.generated_by = by;
                 return table;
               };
               auto table = co_await ctx.store.read(std::move(job), use_awaitable);
               co_return co_await respond(ctx, std::move(table), format);
             });

  router.add("GET", "/api/v1/reports/cdr", Permission::call_records_read,
             "话单: call records of a range for accounting, with billable time (from=, to=, direction=, format=; "
             "JSON and HTML up to 10,000 calls, XLSX 200,000, CSV 500,000)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto format = format_of(request);
               r::CdrParams p;
               p.range = range_of(request);
               p.direction = string_query(request, "direction").value_or("");
               p.max_rows = format == Format::csv ? 500'000 : format == Format::xlsx ? 200'000 : 10'000;
               auto by = generated_by(request);
               auto job = [p, by](store::Database& db) {
                 auto table = r::cdr_table(db, p);
                 table.generated_at = now_ms();
                 table.generated_by = by;
                 return table;
               };
               auto table = co_await ctx.store.read(std::move(job), use_awaitable);
               co_return co_await respond(ctx, std::move(table), format);
             });
}

}  // namespace hotline::api
