// Work orders (工单): create, list, search, read, edit, every lifecycle action
// as its own endpoint and permission, history, the caller's data, reminders
// (定时催办), alerts, the callback queue, the entry desk and the printable
// letter (公函). See docs/api.md "Tickets".
#include <boost/asio/use_awaitable.hpp>
#include <set>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/privacy.hpp"
#include "hotline/tickets/departments.hpp"
#include "hotline/tickets/editing.hpp"
#include "hotline/tickets/lifecycle.hpp"
#include "hotline/tickets/reminders.hpp"
#include "hotline/tickets/scheduler.hpp"
#include "json_body.hpp"
#include "ticket_views.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using nlohmann::json;
using namespace hotline::tickets;

namespace {

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

Actor actor_of(const auth::Principal& p) { return {p.user_id, p.job_number}; }

template <class T, class Parse>
std::optional<T> optional_enum(const json& body, const char* key, Parse parse, const char* allowed) {
  auto text = optional_string(body, key);
  if (!text) return std::nullopt;
  auto v = parse(*text);
  if (!v) throw Error(Errc::invalid_argument, std::string(key) + ": unknown value \"" + *text + "\" (" + allowed + ")");
  return v;
}

constexpr const char* kTypes = "consultation, help, complaint, report, suggestion, praise, mailbox, other";
constexpr const char* kChannels = "phone, ivr_message, letter, fax, email, web, api";
constexpr const char* kUrgencies = "normal, urgent, extra_urgent";
constexpr const char* kStates =
    "created, closed_on_spot, rejected, referred, dispatched, signed, returned, extension_requested, replied, "
    "reviewed, called_back, closed, merged, archived";

NewTicket new_ticket_from(const json& body) {
  NewTicket t;
  auto type = optional_enum<TicketType>(body, "type", parse_ticket_type, kTypes);
  if (!type) throw Error(Errc::invalid_argument, "type: required");
  t.type = *type;
  t.channel = optional_enum<Channel>(body, "channel", parse_channel, kChannels).value_or(Channel::phone);
  t.category_code = required_string(body, "category_code");
  t.urgency = optional_enum<Urgency>(body, "urgency", parse_urgency, kUrgencies).value_or(Urgency::normal);
  t.complex = optional_bool(body, "complex").value_or(false);
  t.location = optional_string(body, "location").value_or("");
  t.summary = required_string(body, "summary");
  t.content = optional_string(body, "content").value_or("");
  t.caller_name = optional_string(body, "caller_name");
  t.caller_phone = optional_string(body, "caller_phone");
  if (t.caller_name && t.caller_name->empty()) t.caller_name.reset();
  if (t.caller_phone && t.caller_phone->empty()) t.caller_phone.reset();
  t.confidential = optional_bool(body, "confidential").value_or(false);
  return t;
}

std::vector<std::int64_t> id_list(const json& body, const char* key) {
  std::vector<std::int64_t> out;
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return out;
  if (!it->is_array()) throw Error(Errc::invalid_argument, std::string(key) + ": must be an array of ids");
  for (const auto& v : *it) {
    if (!v.is_number_integer()) throw Error(Errc::invalid_argument, std::string(key) + ": must be an array of ids");
    out.push_back(v.get<std::int64_t>());
  }
  return out;
}

ActionArgs action_args_from(const json& body) {
  ActionArgs a;
  a.reason = optional_string(body, "reason").value_or("");
  if (a.reason.size() > 2000) throw Error(Errc::invalid_argument, "reason: at most 2000 bytes");
  a.lead_department_id = optional_int(body, "lead_department_id");
  a.assisting_department_ids = id_list(body, "assisting_department_ids");
  a.referred_to = optional_string(body, "referred_to");
  a.reply = optional_string(body, "reply");
  if (a.reply && a.reply->size() > 20000) throw Error(Errc::invalid_argument, "reply: at most 20000 bytes");
  a.satisfaction = optional_enum<Satisfaction>(body, "satisfaction", parse_satisfaction,
                                               "satisfied, basically_satisfied, unsatisfied");
  a.reply_due = optional_int(body, "reply_due");
  a.sign_due = optional_int(body, "sign_due");
  a.master_id = optional_int(body, "master_id");
  a.kb_article_id = optional_int(body, "kb_article_id");
  return a;
}

std::int64_t required_version(const json& body) {
  auto v = optional_int(body, "version");
  if (!v) throw Error(Errc::invalid_argument, "version: required (the version you saw, for conflict detection)");
  return *v;
}

// Lifecycle actions: path segment, action, permission.
struct ActionRoute {
  const char* path;
  Action action;
  Permission permission;
  const char* summary;
};

const ActionRoute kActionRoutes[] = {
    {"close-on-spot", Action::close_on_spot, Permission::tickets_process, "直办办结: answered during the call"},
    {"reject", Action::reject, Permission::tickets_process, "不予受理 (reason required)"},
    {"refer", Action::refer, Permission::tickets_process, "转 110/119/120/122"},
    {"dispatch", Action::dispatch, Permission::tickets_process,
     "派单 to a lead unit (default: the dispatch catalogue's unit)"},
    {"sign", Action::sign, Permission::tickets_department, "签收 by the lead unit"},
    {"return-to-hotline", Action::return_to_hotline, Permission::tickets_department,
     "退回: not our remit (reason required)"},
    {"redispatch", Action::redispatch, Permission::tickets_process, "改派 a returned ticket"},
    {"request-extension", Action::request_extension, Permission::tickets_department,
     "延期申请 (reason and reply_due required)"},
    {"approve-extension", Action::approve_extension, Permission::tickets_review, "Grant an extension"},
    {"refuse-extension", Action::refuse_extension, Permission::tickets_review, "Refuse an extension (reason)"},
    {"reply", Action::reply, Permission::tickets_department, "答复 by the lead unit"},
    {"accept-reply", Action::accept_reply, Permission::tickets_review, "审核通过: the reply goes to callback"},
    {"send-back", Action::send_back, Permission::tickets_review, "重办: back to the unit (reason required)"},
    {"record-callback", Action::record_callback, Permission::tickets_process, "回访: record satisfaction"},
    {"reopen", Action::reopen, Permission::tickets_process, "Reopen after an unsatisfied callback"},
    {"close", Action::close, Permission::tickets_process, "办结"},
    {"merge", Action::merge, Permission::tickets_process, "并单 into master_id"},
    {"archive", Action::archive, Permission::tickets_review, "归档 a finished ticket"},
};

bool is_department_action(Action a) {
  return a == Action::sign || a == Action::return_to_hotline || a == Action::request_extension || a == Action::reply;
}

json views_of(const std::vector<Ticket>& list, const Services& s, std::int64_t now) {
  json items = json::array();
  for (const auto& t : list) items.push_back(ticket_view(t, s, now));
  return items;
}

json brief_of(const Ticket& t) { return {{"id", t.id}, {"number", t.number}, {"state", to_string(t.state)}}; }

std::string html_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// "2026年11月28日 12:05" in Asia/Shanghai (UTC+8 all year).
std::string shanghai_time(std::int64_t unix_ms, bool with_time = true) {
  auto utc = format_utc(unix_ms + 8LL * 3600 * 1000);  // 2026-11-28T04:05:06.123Z
  std::string out = utc.substr(0, 4) + "年" + utc.substr(5, 2) + "月" + utc.substr(8, 2) + "日";
  if (with_time) out += " " + utc.substr(11, 5);
  return out;
}

struct LetterData {
  Ticket ticket;
  std::string department;
  Caller caller;
};

std::string render_letter(const LetterData& d, const Services& s, std::int64_t now) {
  const Ticket& t = d.ticket;
  std::string caller;
  if (t.confidential) {
    caller = "（保密件，来电人信息不予提供）";
  } else if (d.caller.name || d.caller.phone) {
    caller = (d.caller.name ? mask_name(*d.caller.name) : std::string("匿名")) +
             (d.caller.phone ? "　" + mask_phone(*d.caller.phone) : std::string());
  } else {
    caller = "匿名";
  }
  const auto* cat = s.rules.categories.find(t.category_code);
  std::string category = cat ? s.rules.categories.path(t.category_code) : t.category_code;
  auto row = [](const char* k, const std::string& v) {
    return "<tr><th>" + std::string(k) + "</th><td>" + html_escape(v) + "</td></tr>\n";
  };
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>转办函 " +
      html_escape(t.number) +
      "</title>\n<style>\n"
      "@page { size: A4; margin: 25mm 20mm; }\n"
      "body { font-family: \"FangSong\", \"STFangsong\", \"Songti SC\", serif; font-size: 16pt; color: #000; "
      "max-width: 170mm; margin: 0 auto; }\n"
      "h1 { font-family: \"SimHei\", \"Heiti SC\", sans-serif; text-align: center; font-size: 22pt; "
      "letter-spacing: 4pt; margin: 0 0 6mm; }\n"
      ".number { text-align: right; font-size: 12pt; margin-bottom: 6mm; }\n"
      "table { width: 100%; border-collapse: collapse; font-size: 13pt; }\n"
      "th, td { border: 1px solid #000; padding: 2mm 3mm; vertical-align: top; text-align: left; }\n"
      "th { width: 28mm; white-space: nowrap; font-weight: normal; }\n"
      ".content { white-space: pre-wrap; min-height: 40mm; }\n"
      ".closing { margin-top: 12mm; text-align: right; line-height: 2; }\n"
      ".no-print { margin: 8mm 0; text-align: center; }\n"
      "@media print { .no-print { display: none; } a { color: #000; text-decoration: none; } }\n"
      "</style>\n</head>\n<body>\n"
      "<div class=\"no-print\"><button onclick=\"window.print()\">打印</button></div>\n"
      "<h1>" +
      html_escape(s.config.letter_issuer) + "<br>转办函</h1>\n<div class=\"number\">编号：" + html_escape(t.number) +
      "</div>\n<p>" + html_escape(d.department.empty() ? std::string("（未派单）") : d.department) +
      "：</p>\n<p>　　现将市民诉求转交你单位办理，请按时限要求办理并答复。</p>\n<table>\n" +
      row("诉求类型", std::string(label(t.type))) + row("诉求分类", category) +
      row("紧急程度", std::string(label(t.urgency))) + row("受理时间", shanghai_time(t.created_at)) +
      row("办理时限", t.reply_due ? shanghai_time(*t.reply_due) : std::string("—")) + row("来电人", caller) +
      row("事发地点", t.location.empty() ? std::string("—") : t.location) + row("诉求摘要", t.summary) +
      "<tr><th>诉求内容</th><td class=\"content\">" + html_escape(t.content) + "</td></tr>\n</table>\n" +
      "<div class=\"closing\">" + html_escape(s.config.letter_issuer) + "<br>" + shanghai_time(now, false) +
      "</div>\n</body>\n</html>\n";
  return html;
}

}  // namespace

void add_ticket_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/tickets", Permission::tickets_read,
             "List or search tickets (department staff: their unit's only)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto viewer = viewer_of(*request.principal);
               TicketFilter f;
               if (auto s = string_query(request, "state")) {
                 f.state = parse_state(*s);
                 if (!f.state)
                   throw Error(Errc::invalid_argument, "state: unknown state \"" + *s + "\" (" + kStates + ")");
               }
               if (auto s = string_query(request, "type")) {
                 f.type = parse_ticket_type(*s);
                 if (!f.type) throw Error(Errc::invalid_argument, "type: unknown type \"" + *s + "\" (" + kTypes + ")");
               }
               f.department_id = int_query(request, "department_id");
               if (viewer.scoped) f.department_id = viewer.department_id.value_or(-1);
               auto overdue = string_query(request, "overdue");
               auto now = now_ms();
               if (overdue && (*overdue == "1" || *overdue == "true")) f.overdue_at = now;
               f.before_id = int_query(request, "before_id");
               auto limit = int_query(request, "limit").value_or(100);
               if (limit < 1 || limit > 1000) throw Error(Errc::invalid_argument, "limit: must be 1 to 1000");
               f.limit = static_cast<int>(limit);
               auto q = string_query(request, "q");
               auto number = string_query(request, "number");
               if (q && f.overdue_at) throw Error(Errc::invalid_argument, "q: cannot be combined with overdue");
               auto job0 = [f, q, number, viewer](store::Database& db) {
                 TicketPage page;
                 if (number) {
                   auto t = find_by_number(db, *number);
                   if (t && can_see(viewer, *t)) page.tickets.push_back(*t);
                   return page;
                 }
                 if (q) return search_ticket_page(db, f, *q);
                 page.tickets = f.overdue_at ? list_overdue(db, f, *f.overdue_at) : list_tickets(db, f);
                 if (page.tickets.size() == static_cast<std::size_t>(f.limit)) {
                   page.next_before_id = page.tickets.back().id;
                 }
                 return page;
               };
               auto page = co_await ctx.store.read(std::move(job0), use_awaitable);
               json next = page.next_before_id ? json(*page.next_before_id) : json(nullptr);
               co_return HttpResponse::json(200, {{"items", views_of(page.tickets, svc, now)}, {"next_before_id", next}});
             });

  router.add("POST", "/api/v1/tickets", Permission::tickets_create, "File a ticket (工单)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto body = parse_json_body(request);
               auto ticket = new_ticket_from(body);
               auto actor = actor_of(*request.principal);
               auto job0 = [&svc, ticket, actor](store::Database& db) {
                 std::vector<Ticket> dups;
                 if (ticket.caller_phone) {
                   dups = open_duplicates(db, svc.key, *ticket.caller_phone, ticket.category_code);
                 }
                 auto created = create_ticket(db, svc.key, svc.rules, ticket, actor, now_ms());
                 return std::make_pair(created, dups);
               };
               auto [created, dups] = co_await ctx.store.write(std::move(job0), use_awaitable);
               auto view = ticket_view(created, svc, now_ms());
               view["duplicates"] = json::array();
               for (const auto& d : dups) view["duplicates"].push_back(brief_of(d));
               co_return HttpResponse::json(201, view);
             });

  router.add("POST", "/api/v1/tickets/duplicates", Permission::tickets_create,
             "Open tickets of the same caller and category (entry desk check)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto body = parse_json_body(request);
               auto phone = required_string(body, "caller_phone");
               auto category = required_string(body, "category_code");
               auto job0 = [&svc, phone, category](store::Database& db) {
                 return open_duplicates(db, svc.key, phone, category);
               };
               auto list = co_await ctx.store.read(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, {{"items", views_of(list, svc, now_ms())}});
             });

  router.add(
      "POST", "/api/v1/tickets/entry", Permission::tickets_create,
      "Entry desk: register a letter, fax, e-mail or IVR message, with duplicate detection",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        auto& svc = services(ctx);
        auto body = parse_json_body(request);
        auto ticket = new_ticket_from(body);
        if (!body.contains("channel") || (ticket.channel != Channel::letter && ticket.channel != Channel::fax &&
                                          ticket.channel != Channel::email && ticket.channel != Channel::ivr_message)) {
          throw Error(Errc::invalid_argument, "channel: must be letter, fax, email or ivr_message");
        }
        auto on_duplicate = optional_string(body, "on_duplicate").value_or("report");
        if (on_duplicate != "report" && on_duplicate != "merge" && on_duplicate != "create") {
          throw Error(Errc::invalid_argument, "on_duplicate: must be report, merge or create");
        }
        auto actor = actor_of(*request.principal);
        auto job0 = [&svc, ticket, actor, on_duplicate](store::Database& db) {
          std::vector<Ticket> dups;
          if (ticket.caller_phone) {
            dups = open_duplicates(db, svc.key, *ticket.caller_phone, ticket.category_code);
          }
          if (!dups.empty() && on_duplicate == "report") {
            std::string numbers;
            for (const auto& d : dups) numbers += (numbers.empty() ? "" : ", ") + d.number;
            throw Error(Errc::conflict, "possible duplicate of open ticket(s) " + numbers +
                                            " (same caller and category): send on_duplicate \"merge\" or "
                                            "\"create\"");
          }
          auto now = now_ms();
          auto created = create_ticket(db, svc.key, svc.rules, ticket, actor, now);
          std::optional<Ticket> master;
          if (!dups.empty() && on_duplicate == "merge") {
            master = dups.front();
            created = merge_tickets(db, master->id, created.id, created.version, actor, "重复诉求（受理台并单）", now);
          }
          return std::make_tuple(created, dups, master);
        };
        auto [created, dups, master] = co_await ctx.store.write(std::move(job0), use_awaitable);
        json d = json::array();
        for (const auto& t : dups) d.push_back(brief_of(t));
        co_return HttpResponse::json(201, {{"ticket", ticket_view(created, svc, now_ms())},
                                           {"duplicates", d},
                                           {"merged_into", master ? brief_of(*master) : json(nullptr)}});
      });

  router.add("GET", "/api/v1/tickets/callback-queue", Permission::tickets_process,
             "回访 queue: replies accepted by review, waiting for the callback",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               TicketFilter f;
               f.state = State::reviewed;
               auto limit = int_query(request, "limit").value_or(100);
               if (limit < 1 || limit > 1000) throw Error(Errc::invalid_argument, "limit: must be 1 to 1000");
               f.limit = static_cast<int>(limit);
               f.before_id = int_query(request, "before_id");
               auto job0 = [f](store::Database& db) { return list_tickets(db, f); };
               auto list = co_await ctx.store.read(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, {{"items", views_of(list, svc, now_ms())}});
             });

  router.add("GET", "/api/v1/tickets/alerts", Permission::tickets_read,
             "Fired reminders and escalations that concern me (shown at login)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               services(ctx);
               auto v = viewer_of(*request.principal);
               AlertViewer av{v.user_id, v.sees_all_alerts, v.scoped ? v.department_id : std::nullopt};
               if (v.scoped && !v.department_id) av.department_id = -1;
               auto since = int_query(request, "since").value_or(now_ms() - 7 * kDayMs);
               auto job0 = [av, since](store::Database& db) { return recent_alerts(db, av, since); };
               auto alerts = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (const auto& a : alerts) items.push_back(alert_view(a));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/tickets/{id}", Permission::tickets_read, "One ticket, with the caller as you may see it",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto id = id_param(request);
               auto viewer = viewer_of(*request.principal);
               auto job0 = [&svc, id, viewer](store::Database& db) {
                 auto t = get_ticket(db, id);
                 if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
                 require_visible(viewer, *t);
                 Caller c;
                 if (!(viewer.scoped && t->confidential)) c = caller_of(db, svc.key, id);
                 return std::make_pair(*t, c);
               };
               auto [t, caller] = co_await ctx.store.read(std::move(job0), use_awaitable);
               auto view = ticket_view(t, svc, now_ms());
               view["caller"] = caller_view(viewer, t, caller);
               co_return HttpResponse::json(200, view);
             });

  router.add(
      "PATCH", "/api/v1/tickets/{id}", Permission::tickets_process, "Edit an open ticket's content (version required)",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        auto& svc = services(ctx);
        auto id = id_param(request);
        auto body = parse_json_body(request);
        auto version = required_version(body);
        TicketPatch p;
        p.type = optional_enum<TicketType>(body, "type", parse_ticket_type, kTypes);
        p.category_code = optional_string(body, "category_code");
        p.urgency = optional_enum<Urgency>(body, "urgency", parse_urgency, kUrgencies);
        p.complex = optional_bool(body, "complex");
        p.location = optional_string(body, "location");
        p.summary = optional_string(body, "summary");
        p.content = optional_string(body, "content");
        p.confidential = optional_bool(body, "confidential");
        auto reason = optional_string(body, "reason").value_or("");
        for (auto it = body.begin(); it != body.end(); ++it) {
          static const std::set<std::string> known = {"version",  "type",    "category_code", "urgency",      "complex",
                                                      "location", "summary", "content",       "confidential", "reason"};
          if (!known.count(it.key())) throw Error(Errc::invalid_argument, it.key() + ": cannot be changed here");
        }
        auto actor = actor_of(*request.principal);
        auto job0 = [&svc, id, version, p, actor, reason](store::Database& db) {
          return edit_ticket(db, svc.rules, id, version, p, actor, reason, now_ms());
        };
        auto t = co_await ctx.store.write(std::move(job0), use_awaitable);
        co_return HttpResponse::json(200, ticket_view(t, svc, now_ms()));
      });

  router.add("GET", "/api/v1/tickets/{id}/history", Permission::tickets_read,
             "Every change of a ticket: who, when, what, why", [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               services(ctx);
               auto id = id_param(request);
               auto viewer = viewer_of(*request.principal);
               auto job0 = [id, viewer](store::Database& db) {
                 auto t = get_ticket(db, id);
                 if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
                 require_visible(viewer, *t);
                 return history_of(db, id);
               };
               auto list = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (const auto& h : list) items.push_back(history_view(h));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/tickets/{id}/caller", Permission::tickets_caller,
             "The caller's full name and number (audited)", [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto id = id_param(request);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [&svc, id, principal, ip](store::Database& db) {
                 auto t = get_ticket(db, id);
                 if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
                 auto c = caller_of(db, svc.key, id);
                 auth::append_audit(db, audit_by(principal, "ticket.caller_viewed", t->number, nullptr, ip));
                 return c;
               };
               auto c = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, {{"name", c.name ? json(*c.name) : json(nullptr)},
                                                  {"phone", c.phone ? json(*c.phone) : json(nullptr)}});
             });

  router.add("GET", "/api/v1/tickets/{id}/reminders", Permission::tickets_read, "Timed reminders of a ticket",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               services(ctx);
               auto id = id_param(request);
               auto viewer = viewer_of(*request.principal);
               auto job0 = [id, viewer](store::Database& db) {
                 auto t = get_ticket(db, id);
                 if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
                 require_visible(viewer, *t);
                 std::vector<Reminder> out;
                 auto& s = db.query(
                     "SELECT id, ticket_id, due_at, note, created_by, created_at, fired_at FROM reminders "
                     "WHERE ticket_id = ? ORDER BY due_at, id",
                     id);
                 while (s.step()) {
                   out.push_back({s.int64(0), s.int64(1), s.int64(2), s.text(3), s.optional_int64(4), s.int64(5),
                                  s.optional_int64(6)});
                 }
                 return out;
               };
               auto list = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (const auto& r : list) {
                 items.push_back({{"id", r.id},
                                  {"ticket_id", r.ticket_id},
                                  {"due_at", format_utc(r.due_at)},
                                  {"note", r.note},
                                  {"created_by", r.created_by ? json(*r.created_by) : json(nullptr)},
                                  {"created_at", format_utc(r.created_at)},
                                  {"fired_at", optional_time(r.fired_at)}});
               }
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("POST", "/api/v1/tickets/{id}/reminders", Permission::tickets_remind, "Set a timed reminder (定时催办)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto id = id_param(request);
               auto body = parse_json_body(request);
               auto due = optional_int(body, "due_at");
               if (!due) throw Error(Errc::invalid_argument, "due_at: required (unix ms)");
               auto now = now_ms();
               if (*due < now - kDayMs || *due > now + 366 * kDayMs) {
                 throw Error(Errc::invalid_argument, "due_at: must be within the next year (unix ms)");
               }
               auto note = optional_string(body, "note").value_or("");
               auto viewer = viewer_of(*request.principal);
               auto actor = actor_of(*request.principal);
               auto job0 = [id, due, note, viewer, actor, now](store::Database& db) {
                 auto t = get_ticket(db, id);
                 if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
                 require_visible(viewer, *t);
                 return add_reminder(db, id, *due, note, actor, now);
               };
               auto r = co_await ctx.store.write(std::move(job0), use_awaitable);
               if (svc.scheduler) svc.scheduler->poke();
               co_return HttpResponse::json(201, {{"id", r.id},
                                                  {"ticket_id", r.ticket_id},
                                                  {"due_at", format_utc(r.due_at)},
                                                  {"note", r.note},
                                                  {"created_by", r.created_by ? json(*r.created_by) : json(nullptr)},
                                                  {"created_at", format_utc(r.created_at)},
                                                  {"fired_at", nullptr}});
             });

  router.add("GET", "/api/v1/tickets/{id}/letter", Permission::tickets_read,
             "Printable letter (公函) to the lead unit, HTML with print CSS",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto id = id_param(request);
               auto viewer = viewer_of(*request.principal);
               auto job0 = [&svc, id, viewer](store::Database& db) {
                 auto t = get_ticket(db, id);
                 if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
                 require_visible(viewer, *t);
                 LetterData d{*t, "", {}};
                 if (t->lead_department_id) {
                   auto& s = db.query("SELECT name FROM departments WHERE id = ?", *t->lead_department_id);
                   if (s.step()) d.department = s.text(0);
                   s.run();
                 }
                 if (!t->confidential) d.caller = caller_of(db, svc.key, id);
                 return d;
               };
               auto d = co_await ctx.store.read(std::move(job0), use_awaitable);
               HttpResponse r;
               r.content_type = "text/html; charset=utf-8";
               r.body = render_letter(d, svc, now_ms());
               r.headers.emplace_back("Content-Security-Policy",
                                      "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'");
               co_return r;
             });

  for (const auto& route : kActionRoutes) {
    Action action = route.action;
    router.add("POST", std::string("/api/v1/tickets/{id}/") + route.path, route.permission, route.summary,
               [&ctx, action](HttpRequest& request) -> awaitable<HttpResponse> {
                 auto& svc = services(ctx);
                 auto id = id_param(request);
                 auto body = parse_json_body(request);
                 auto version = required_version(body);
                 auto args = action_args_from(body);
                 auto viewer = viewer_of(*request.principal);
                 auto actor = actor_of(*request.principal);
                 auto job0 = [&svc, id, version, args, viewer, actor, action](store::Database& db) mutable {
                   auto t = get_ticket(db, id);
                   if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
                   require_visible(viewer, *t);
                   if (viewer.scoped && is_department_action(action) && t->lead_department_id != viewer.department_id) {
                     throw Error(Errc::forbidden,
                                 "ticket " + t->number + ": only the lead unit may " + std::string(to_string(action)));
                   }
                   auto now = now_ms();
                   args.now = now;
                   if (action == Action::dispatch && !args.lead_department_id) {
                     args.lead_department_id = default_department(db, t->category_code);
                     if (!args.lead_department_id) {
                       throw Error(Errc::invalid_argument,
                                   "lead_department_id: required (no dispatch catalogue entry for "
                                   "category " +
                                       t->category_code + ")");
                     }
                   }
                   if (action == Action::merge) {
                     if (!args.master_id) throw Error(Errc::invalid_argument, "master_id: required to merge");
                     return merge_tickets(db, *args.master_id, id, version, actor, args.reason, now);
                   }
                   return apply_action(db, id, version, action, actor, args);
                 };
                 auto t = co_await ctx.store.write(std::move(job0), use_awaitable);
                 co_return HttpResponse::json(200, ticket_view(t, svc, now_ms()));
               });
  }
}

}  // namespace hotline::api
