// Citizen access without a login: look up a request by its number and the
// last 4 digits of the phone (rate-limited; nothing but state, handling unit
// and accepted reply), the mayor's mailbox (市长信箱), and an Open311
// GeoReport v2 endpoint set for partner apps (API key).
#include <sodium.h>

#include <algorithm>
#include <boost/asio/use_awaitable.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>

#include "hotline/api/api.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/tickets/editing.hpp"
#include "json_body.hpp"
#include "ticket_views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using nlohmann::json;
using namespace hotline::tickets;

namespace {

const Actor kCitizenWeb{std::nullopt, "citizen-web"};
const Actor kOpen311{std::nullopt, "open311"};

// A request body as key -> string: JSON objects (string, number and boolean
// values) or application/x-www-form-urlencoded, which Open311 clients send.
std::map<std::string, std::string> form_of(const HttpRequest& request) {
  std::map<std::string, std::string> out;
  if (request.content_type.find("json") != std::string::npos) {
    auto body = parse_json_body(request);
    for (auto it = body.begin(); it != body.end(); ++it) {
      if (it->is_string())
        out[it.key()] = it->get<std::string>();
      else if (it->is_number() || it->is_boolean())
        out[it.key()] = it->dump();
    }
    return out;
  }
  return parse_query(request.body);
}

std::optional<std::string> field(const std::map<std::string, std::string>& form, const char* key) {
  auto it = form.find(key);
  if (it == form.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// The first `max` characters of a UTF-8 text, on one line.
std::string first_chars(const std::string& text, std::size_t max) {
  std::string out;
  std::size_t n = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) {
      if (n == max) break;
      ++n;
    }
    out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : text[i];
  }
  return out;
}

bool is_closed(State s) { return !is_open(s); }

// ---- Open311 -------------------------------------------------------------

struct Open311Failure {
  int status;
  std::string description;
};

HttpResponse open311_error(int status, const std::string& description) {
  return HttpResponse::json(status, json::array({{{"code", status}, {"description", description}}}));
}

void require_api_key(const Services& svc, const std::optional<std::string>& key) {
  if (svc.config.open311_api_keys.empty()) throw Open311Failure{403, "Open311 is not enabled on this server"};
  if (!key) throw Open311Failure{403, "api_key: required"};
  for (const auto& k : svc.config.open311_api_keys) {
    if (k.size() == key->size() && sodium_memcmp(k.data(), key->data(), k.size()) == 0) return;
  }
  throw Open311Failure{403, "api_key: invalid"};
}

// W3C date-time: 2010-01-01T00:00:00Z, with optional fraction and ±hh:mm offset.
std::int64_t parse_w3c(const std::string& text, const char* field) {
  int y, mo, d, h, mi, s;
  char tail[16] = {0};
  int n = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%15s", &y, &mo, &d, &h, &mi, &s, tail);
  auto ymd =
      std::chrono::year{y} / std::chrono::month{static_cast<unsigned>(mo)} / std::chrono::day{static_cast<unsigned>(d)};
  if (n < 6 || !ymd.ok() || h > 23 || mi > 59 || s > 60) {
    throw Open311Failure{400, std::string(field) + ": expected a W3C date-time such as 2026-11-28T08:00:00+08:00"};
  }
  std::string rest = n == 7 ? tail : "";
  if (!rest.empty() && rest[0] == '.') {
    std::size_t i = 1;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
    rest = rest.substr(i);
  }
  std::int64_t offset_min = 0;
  if (rest == "Z" || rest.empty()) {
    offset_min = 0;
  } else if ((rest[0] == '+' || rest[0] == '-') && rest.size() == 6 && rest[3] == ':') {
    int oh = std::atoi(rest.substr(1, 2).c_str()), om = std::atoi(rest.substr(4, 2).c_str());
    offset_min = (rest[0] == '+' ? 1 : -1) * (oh * 60 + om);
  } else {
    throw Open311Failure{400, std::string(field) + ": bad time zone offset"};
  }
  auto days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return ((days * 86400LL + h * 3600LL + mi * 60LL + s) - offset_min * 60) * 1000;
}

std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto comma = text.find(',', start);
    auto item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// Categories clients may file under: sub-categories, and top-level domains without any.
std::vector<const Category*> open311_services(const CategoryTree& tree) {
  std::vector<const Category*> out;
  for (const auto* top : tree.children(std::nullopt)) {
    auto subs = tree.children(top->code);
    if (subs.empty()) out.push_back(top);
    for (const auto* c : subs) out.push_back(c);
  }
  return out;
}

json service_json(const CategoryTree& tree, const Category& c) {
  std::string group = c.parent ? tree.require(*c.parent).name : c.name;
  return {{"service_code", c.code}, {"service_name", c.name}, {"description", tree.path(c.code)},
          {"metadata", false},      {"type", "realtime"},     {"keywords", ""},
          {"group", group}};
}

bool reply_is_public(State s) {
  return s == State::closed_on_spot || s == State::reviewed || s == State::called_back || s == State::closed ||
         s == State::archived;
}

struct Open311Row {
  Ticket ticket;
  std::string agency;
};

json request_json(const Open311Row& r, const Services& svc) {
  const Ticket& t = r.ticket;
  const auto* c = svc.rules.categories.find(t.category_code);
  json out = {{"service_request_id", t.number},
              {"status", is_closed(t.state) ? "closed" : "open"},
              {"status_notes", reply_is_public(t.state) && t.reply ? json(*t.reply) : json(nullptr)},
              {"service_name", c ? json(c->name) : json(nullptr)},
              {"service_code", t.category_code},
              {"description", t.summary},
              {"agency_responsible", r.agency.empty() ? json(nullptr) : json(r.agency)},
              {"service_notice", nullptr},
              {"requested_datetime", format_utc(t.created_at)},
              {"updated_datetime", format_utc(t.updated_at)},
              {"expected_datetime", optional_time(t.reply_due)},
              {"address", t.location.empty() ? json(nullptr) : json(t.location)},
              {"address_id", nullptr},
              {"zipcode", nullptr},
              {"lat", nullptr},
              {"long", nullptr},
              {"media_url", nullptr}};
  // A location given as "lat,long" at filing is reported back as coordinates.
  double lat = 0, lon = 0;
  char extra = 0;
  if (std::sscanf(t.location.c_str(), "%lf,%lf%c", &lat, &lon, &extra) == 2) {
    out["lat"] = lat;
    out["long"] = lon;
    out["address"] = nullptr;
  }
  return out;
}

struct Open311Query {
  std::vector<std::string> numbers;
  std::vector<std::string> codes;
  std::optional<bool> open;  // status filter
  std::int64_t start = 0, end = 0;
  int limit = 1000;
};

std::vector<Open311Row> open311_requests(store::Database& db, const Open311Query& q) {
  std::vector<std::int64_t> ids;
  if (!q.numbers.empty()) {
    for (const auto& n : q.numbers) {
      auto& s = db.query("SELECT id FROM tickets WHERE number = ? AND channel = 'api' AND confidential = 0", n);
      if (s.step()) ids.push_back(s.int64(0));
      s.run();
    }
  } else {
    auto& s = db.query(
        "SELECT id FROM tickets WHERE channel = 'api' AND confidential = 0 AND created_at >= ? AND created_at < ? "
        "ORDER BY id DESC LIMIT 5000",
        q.start, q.end);
    while (s.step()) ids.push_back(s.int64(0));
  }
  std::vector<Open311Row> out;
  for (auto id : ids) {
    auto t = get_ticket(db, id);
    if (!t) continue;
    if (!q.codes.empty() && std::find(q.codes.begin(), q.codes.end(), t->category_code) == q.codes.end()) continue;
    if (q.open && *q.open == is_closed(t->state)) continue;
    Open311Row r{*t, ""};
    if (t->lead_department_id) {
      auto& d = db.query("SELECT name FROM departments WHERE id = ?", *t->lead_department_id);
      if (d.step()) r.agency = d.text(0);
      d.run();
    }
    out.push_back(std::move(r));
    if (static_cast<int>(out.size()) >= q.limit) break;
  }
  return out;
}

}  // namespace

void add_public_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("POST", "/api/v1/public/lookup", Permission::public_access,
             "Citizen look-up: state, unit and reply by number + phone last 4 digits (rate-limited)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               if (!svc.citizen_lookups.allow(request.remote_ip, now_ms())) {
                 throw Error(Errc::rate_limited, "查询过于频繁，请稍后再试 / too many look-ups, try again in a minute");
               }
               auto body = parse_json_body(request);
               auto number = required_string(body, "number");
               auto last4 = required_string(body, "phone_last4");
               if (number.empty() || number.size() > 32)
                 throw Error(Errc::invalid_argument, "number: 1 to 32 characters");
               auto job0 = [&svc, number, last4](store::Database& db) {
                 return citizen_lookup(db, svc.key, number, last4);
               };
               auto view = co_await ctx.store.read(std::move(job0), use_awaitable);
               if (!view) {
                 throw Error(Errc::not_found, "未找到该编号与手机号对应的诉求 / no request with this number and phone");
               }
               co_return HttpResponse::json(
                   200, {{"number", number},
                         {"state", to_string(view->state)},
                         {"state_label", label(view->state)},
                         {"department", view->department_name.empty() ? json(nullptr) : json(view->department_name)},
                         {"reply", view->reply.empty() ? json(nullptr) : json(view->reply)}});
             });

  router.add("POST", "/api/v1/public/mailbox", Permission::public_access,
             "Mayor's mailbox (市长信箱): a citizen's written message becomes a ticket",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto body = parse_json_body(request);
               NewTicket t;
               t.type = TicketType::mailbox;
               t.channel = Channel::web;
               t.caller_name = required_string(body, "name");
               t.caller_phone = required_string(body, "phone");
               t.summary = required_string(body, "subject");
               t.content = required_string(body, "content");
               t.location = optional_string(body, "location").value_or("");
               t.category_code = optional_string(body, "category_code").value_or("99");
               normalise_phone(*t.caller_phone);  // a bad number is a 400 before it counts
               if (t.caller_name->empty() || t.caller_name->size() > 128) {
                 throw Error(Errc::invalid_argument, "name: must be 1 to 128 bytes");
               }
               if (!svc.mailbox_messages.allow(request.remote_ip, now_ms())) {
                 throw Error(Errc::rate_limited, "提交过于频繁，请稍后再试 / too many messages, try again later");
               }
               auto job0 = [&svc, t](store::Database& db) {
                 return create_ticket(db, svc.key, svc.rules, t, kCitizenWeb, now_ms());
               };
               auto created = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(201, {{"number", created.number},
                                                  {"message", "您的来信已收到，编号 " + created.number +
                                                                  "，可凭编号和手机号后四位查询办理进度。"}});
             });

  // Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2), JSON only.
  auto services_list = [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
    auto& svc = services(ctx);
    json items = json::array();
    for (const auto* c : open311_services(svc.rules.categories))
      items.push_back(service_json(svc.rules.categories, *c));
    co_return HttpResponse::json(200, items);
  };
  router.add("GET", "/open311/v2/services", Permission::public_access, "Open311: service list (categories)",
             services_list);
  router.add("GET", "/open311/v2/services.json", Permission::public_access, "Open311: service list (categories)",
             services_list);

  auto post_request = [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
    std::optional<Open311Failure> failure;
    NewTicket t;
    try {
      auto& svc = services(ctx);
      auto form = form_of(request);
      require_api_key(svc, field(form, "api_key"));
      auto code = field(form, "service_code");
      if (!code) throw Open311Failure{400, "service_code: required"};
      const auto* category = svc.rules.categories.find(*code);
      if (!category) throw Open311Failure{404, "service_code: no service " + *code};
      auto lat = field(form, "lat"), lon = field(form, "long");
      auto address = field(form, "address_string");
      if (!address && !(lat && lon))
        throw Open311Failure{400, "a location is required: lat and long, or address_string"};
      auto description = field(form, "description").value_or("");
      if (description.size() > 4000) throw Open311Failure{400, "description: at most 4000 characters"};
      t.type = TicketType::help;
      t.channel = Channel::api;
      t.category_code = *code;
      if (address) {
        t.location = *address;
      } else {
        char* end1 = nullptr;
        char* end2 = nullptr;
        double la = std::strtod(lat->c_str(), &end1), lo = std::strtod(lon->c_str(), &end2);
        if (*end1 || *end2 || la < -90 || la > 90 || lo < -180 || lo > 180) {
          throw Open311Failure{400, "lat, long: must be WGS84 decimal degrees"};
        }
        t.location = *lat + "," + *lon;
      }
      t.summary = description.empty() ? category->name : first_chars(description, 60);
      t.content = description;
      auto first = field(form, "first_name").value_or(""), last = field(form, "last_name").value_or("");
      if (!first.empty() || !last.empty()) t.caller_name = last + first;
      t.caller_phone = field(form, "phone");
    } catch (const Open311Failure& f) {
      failure = f;
    } catch (const Error& e) {
      failure = Open311Failure{http_status(e.code()), e.what()};
    }
    if (failure) co_return open311_error(failure->status, failure->description);
    auto& svc = services(ctx);
    auto job0 = [&svc, t](store::Database& db) { return create_ticket(db, svc.key, svc.rules, t, kOpen311, now_ms()); };
    std::optional<Ticket> created;
    try {
      created = co_await ctx.store.write(std::move(job0), use_awaitable);
    } catch (const Error& e) {
      failure = Open311Failure{http_status(e.code()), e.what()};
    }
    if (failure) co_return open311_error(failure->status, failure->description);
    co_return HttpResponse::json(201, json::array({{{"service_request_id", created->number},
                                                    {"service_notice", "已受理，编号 " + created->number},
                                                    {"account_id", nullptr}}}));
  };
  router.add("POST", "/open311/v2/requests", Permission::public_access, "Open311: file a service request (api_key)",
             post_request);
  router.add("POST", "/open311/v2/requests.json", Permission::public_access,
             "Open311: file a service request (api_key)", post_request);

  auto get_requests = [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
    std::optional<Open311Failure> failure;
    Open311Query q;
    try {
      auto& svc = services(ctx);
      require_api_key(svc, string_query(request, "api_key"));
      auto it = request.params.find("id");
      if (it != request.params.end()) {
        auto id = it->second;
        if (id.size() > 5 && id.compare(id.size() - 5, 5, ".json") == 0) id.resize(id.size() - 5);
        q.numbers = {id};
      } else if (auto ids = string_query(request, "service_request_id")) {
        q.numbers = comma_list(*ids);
      }
      if (auto codes = string_query(request, "service_code")) q.codes = comma_list(*codes);
      if (auto status = string_query(request, "status")) {
        auto list = comma_list(*status);
        bool open = std::find(list.begin(), list.end(), "open") != list.end();
        bool closed = std::find(list.begin(), list.end(), "closed") != list.end();
        if (!open && !closed) throw Open311Failure{400, "status: open or closed"};
        if (open != closed) q.open = open;
      }
      auto now = now_ms();
      q.end = now + 1;
      q.start = now - 90LL * 24 * 3600 * 1000;  // the spec's default window: 90 days
      if (auto s = string_query(request, "start_date")) q.start = parse_w3c(*s, "start_date");
      if (auto e = string_query(request, "end_date")) q.end = parse_w3c(*e, "end_date");
      if (q.end <= q.start) throw Open311Failure{400, "end_date: must be after start_date"};
      if (q.numbers.size() > 100) throw Open311Failure{400, "service_request_id: at most 100 ids"};
    } catch (const Open311Failure& f) {
      failure = f;
    } catch (const Error& e) {
      failure = Open311Failure{http_status(e.code()), e.what()};
    }
    if (failure) co_return open311_error(failure->status, failure->description);
    auto& svc = services(ctx);
    bool single = request.params.count("id") > 0;
    auto job0 = [q](store::Database& db) { return open311_requests(db, q); };
    auto rows = co_await ctx.store.read(std::move(job0), use_awaitable);
    if (single && rows.empty()) co_return open311_error(404, "no service request with this id");
    json items = json::array();
    for (const auto& r : rows) items.push_back(request_json(r, svc));
    co_return HttpResponse::json(200, items);
  };
  router.add("GET", "/open311/v2/requests", Permission::public_access, "Open311: service requests (api_key)",
             get_requests);
  router.add("GET", "/open311/v2/requests.json", Permission::public_access, "Open311: service requests (api_key)",
             get_requests);
  router.add("GET", "/open311/v2/requests/{id}", Permission::public_access,
             "Open311: one service request by number (api_key; '.json' suffix allowed)", get_requests);
}

}  // namespace hotline::api
