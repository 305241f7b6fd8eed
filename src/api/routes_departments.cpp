// Departments as a tree of handling units (职能部门) with office numbers and
// staff, the dispatch catalogue (派单目录) and the category tree. Listing and
// creating departments are in routes_system.cpp.
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <map>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/tickets/departments.hpp"
#include "json_body.hpp"
#include "ticket_views.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using nlohmann::json;

namespace {

struct CatalogueRow {
  std::string category_code;
  std::int64_t department_id = 0;
  std::string department_name;
  std::int64_t updated_at = 0;
};

std::vector<CatalogueRow> catalogue(store::Database& db) {
  std::vector<CatalogueRow> out;
  auto& s = db.prepare(
      "SELECT c.category_code, c.department_id, d.name, c.updated_at FROM dispatch_catalogue c "
      "JOIN departments d ON d.id = c.department_id ORDER BY c.category_code");
  while (s.step()) out.push_back({s.text(0), s.int64(1), s.text(2), s.int64(3)});
  return out;
}

std::string category_param(const HttpRequest& request) {
  auto it = request.params.find("code");
  std::string code = it == request.params.end() ? "" : it->second;
  if (code.empty() || code.size() > 32 ||
      code.find_first_not_of("0123456789abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ.-") != std::string::npos) {
    throw Error(Errc::invalid_argument, "code: a category code of 1 to 32 letters, digits, '.' or '-'");
  }
  return code;
}

json directory_json(const tickets::DirectoryEntry& d, std::int64_t staff) {
  return {{"id", d.id},
          {"code", d.code},
          {"name", d.name},
          {"parent_id", d.parent_id ? json(*d.parent_id) : json(nullptr)},
          {"office_phone", d.office_phone ? json(*d.office_phone) : json(nullptr)},
          {"staff_count", staff},
          {"children", json::array()}};
}

}  // namespace

void add_department_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/departments/tree", Permission::departments_read,
             "Handling units as a tree, with office numbers (directory)",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto job0 = [](store::Database& db) {
                 auto list = tickets::department_directory(db);
                 std::map<std::int64_t, std::int64_t> staff;
                 auto& s = db.prepare(
                     "SELECT department_id, COUNT(*) FROM users WHERE department_id IS NOT NULL AND enabled = 1 "
                     "GROUP BY department_id");
                 while (s.step()) staff[s.int64(0)] = s.int64(1);
                 return std::make_pair(list, staff);
               };
               auto [list, staff] = co_await ctx.store.read(std::move(job0), use_awaitable);
               // Children under their parents; ordered by code at every level.
               std::map<std::int64_t, json> nodes;
               std::map<std::int64_t, std::vector<std::int64_t>> children;
               std::vector<std::int64_t> roots;
               for (const auto& d : list) {
                 nodes[d.id] = directory_json(d, staff.count(d.id) ? staff.at(d.id) : 0);
                 if (d.parent_id)
                   children[*d.parent_id].push_back(d.id);
                 else
                   roots.push_back(d.id);
               }
               std::function<json(std::int64_t, int)> build = [&](std::int64_t id, int depth) {
                 json n = nodes[id];
                 if (depth < 32) {
                   for (auto c : children[id]) n["children"].push_back(build(c, depth + 1));
                 }
                 return n;
               };
               json items = json::array();
               for (auto r : roots) items.push_back(build(r, 0));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("PATCH", "/api/v1/departments/{id}", Permission::departments_manage,
             "Change a unit's name or office number", [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto body = parse_json_body(request);
               for (auto it = body.begin(); it != body.end(); ++it) {
                 if (it.key() != "name" && it.key() != "office_phone") {
                   throw Error(Errc::invalid_argument, it.key() + ": cannot be changed here");
                 }
               }
               auto name = optional_string(body, "name");
               if (name && (name->empty() || name->size() > 128)) {
                 throw Error(Errc::invalid_argument, "name: must be 1 to 128 bytes");
               }
               bool phone_given = body.contains("office_phone");
               auto phone = optional_string(body, "office_phone");
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [id, name, phone_given, phone, principal, ip, body](store::Database& db) {
                 if (name) {
                   db.query("UPDATE departments SET name = ? WHERE id = ?", *name, id).run();
                   if (db.changes() == 0) throw Error(Errc::not_found, "no department " + std::to_string(id));
                 }
                 if (phone_given) tickets::set_office_phone(db, id, phone);
                 tickets::DirectoryEntry out;
                 bool found = false;
                 for (const auto& d : tickets::department_directory(db)) {
                   if (d.id == id) {
                     out = d;
                     found = true;
                   }
                 }
                 if (!found) throw Error(Errc::not_found, "no department " + std::to_string(id));
                 auth::append_audit(db, audit_by(principal, "department.update", out.code, body, ip));
                 return out;
               };
               auto d = co_await ctx.store.write(std::move(job0), use_awaitable);
               auto view = directory_json(d, 0);
               view.erase("children");
               view.erase("staff_count");
               co_return HttpResponse::json(200, view);
             });

  router.add("GET", "/api/v1/departments/{id}/staff", Permission::departments_read, "Staff accounts bound to a unit",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto job0 = [id](store::Database& db) {
                 auto& d = db.query("SELECT 1 FROM departments WHERE id = ?", id);
                 bool found = d.step();
                 d.run();
                 if (!found) throw Error(Errc::not_found, "no department " + std::to_string(id));
                 json items = json::array();
                 auto& s = db.query(
                     "SELECT id, job_number, display_name, enabled FROM users WHERE department_id = ? "
                     "ORDER BY job_number",
                     id);
                 while (s.step()) {
                   items.push_back({{"id", s.int64(0)},
                                    {"job_number", s.text(1)},
                                    {"display_name", s.text(2)},
                                    {"enabled", s.int64(3) != 0}});
                 }
                 return items;
               };
               auto items = co_await ctx.store.read(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/dispatch-catalogue", Permission::departments_read,
             "The dispatch catalogue: category code -> default unit", [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto job0 = [](store::Database& db) { return catalogue(db); };
               auto rows = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (const auto& r : rows) {
                 items.push_back({{"category_code", r.category_code},
                                  {"department_id", r.department_id},
                                  {"department_name", r.department_name},
                                  {"updated_at", format_utc(r.updated_at)}});
               }
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add(
      "PUT", "/api/v1/dispatch-catalogue/{code}", Permission::departments_manage,
      "Set the default unit of a category (and its sub-categories)",
      [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
        auto code = category_param(request);
        auto body = parse_json_body(request);
        auto department = optional_int(body, "department_id");
        if (!department) throw Error(Errc::invalid_argument, "department_id: required");
        if (ctx.tickets) services(ctx).rules.categories.require(code);
        auto principal = *request.principal;
        auto ip = request.remote_ip;
        auto job0 = [code, department, principal, ip](store::Database& db) {
          tickets::set_dispatch_rule(db, code, *department, now_ms());
          auth::append_audit(db, audit_by(principal, "dispatch_rule.set", code, {{"department_id", *department}}, ip));
          for (const auto& r : catalogue(db)) {
            if (r.category_code == code) return r;
          }
          throw Error(Errc::internal, "dispatch rule vanished");
        };
        auto r = co_await ctx.store.write(std::move(job0), use_awaitable);
        co_return HttpResponse::json(200, {{"category_code", r.category_code},
                                           {"department_id", r.department_id},
                                           {"department_name", r.department_name},
                                           {"updated_at", format_utc(r.updated_at)}});
      });

  router.add("DELETE", "/api/v1/dispatch-catalogue/{code}", Permission::departments_manage,
             "Remove a category's default unit", [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto code = category_param(request);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [code, principal, ip](store::Database& db) {
                 tickets::remove_dispatch_rule(db, code);
                 auth::append_audit(db, audit_by(principal, "dispatch_rule.remove", code, nullptr, ip));
                 return true;
               };
               co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, {{"ok", true}});
             });

  router.add("GET", "/api/v1/categories", Permission::tickets_read,
             "The category tree of requests, with each category's default unit",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto& svc = services(ctx);
               auto job0 = [](store::Database& db) { return catalogue(db); };
               auto rows = co_await ctx.store.read(std::move(job0), use_awaitable);
               const auto& tree = svc.rules.categories;
               // The default unit: the longest catalogue code that prefixes the category's.
               auto default_of = [&rows](const std::string& code) -> json {
                 const CatalogueRow* best = nullptr;
                 for (const auto& r : rows) {
                   if (code.compare(0, r.category_code.size(), r.category_code) == 0 &&
                       (!best || r.category_code.size() > best->category_code.size())) {
                     best = &r;
                   }
                 }
                 if (!best) return nullptr;
                 return {{"id", best->department_id}, {"name", best->department_name}};
               };
               json items = json::array();
               for (const auto* top : tree.children(std::nullopt)) {
                 json subs = json::array();
                 for (const auto* c : tree.children(top->code)) {
                   subs.push_back({{"code", c->code}, {"name", c->name}, {"default_department", default_of(c->code)}});
                 }
                 items.push_back({{"code", top->code},
                                  {"name", top->name},
                                  {"default_department", default_of(top->code)},
                                  {"children", subs}});
               }
               co_return HttpResponse::json(200, {{"items", items}});
             });
}

}  // namespace hotline::api
