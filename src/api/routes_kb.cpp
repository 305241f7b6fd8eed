// The knowledge base (参考资料): sections, articles with owning department,
// validity dates and versions, full-text search (FTS5 trigram), and the
// per-section list of published articles that the IVR reads.
#include <boost/asio/use_awaitable.hpp>
#include <map>
#include <set>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/tickets/kb.hpp"
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

constexpr KbSection kSections[] = {KbSection::policy,
                                   KbSection::city_guide,
                                   KbSection::office_guide,
                                   KbSection::investment_guide,
                                   KbSection::department_functions,
                                   KbSection::news,
                                   KbSection::faq};
constexpr const char* kSectionNames =
    "policy, city_guide, office_guide, investment_guide, department_functions, news, faq";

const char* section_label(KbSection s) {
  switch (s) {
    case KbSection::policy:
      return "政策法规";
    case KbSection::city_guide:
      return "城市指南";
    case KbSection::office_guide:
      return "办事指南";
    case KbSection::investment_guide:
      return "投资指南";
    case KbSection::department_functions:
      return "部门职能";
    case KbSection::news:
      return "新闻动态";
    case KbSection::faq:
      return "常见问题";
  }
  return "";
}

KbSection section_of(const std::string& text, const char* field) {
  auto s = parse_kb_section(text);
  if (!s)
    throw Error(Errc::invalid_argument,
                std::string(field) + ": unknown section \"" + text + "\" (" + kSectionNames + ")");
  return *s;
}

json article_view(const Article& a, bool with_body = true) {
  json out = {{"id", a.id},
              {"section", to_string(a.section)},
              {"section_label", section_label(a.section)},
              {"title", a.title},
              {"department_id", a.department_id ? json(*a.department_id) : json(nullptr)},
              {"published", a.published},
              {"valid_from", optional_time(a.valid_from)},
              {"valid_until", optional_time(a.valid_until)},
              {"version", a.version},
              {"created_by", a.created_by ? json(*a.created_by) : json(nullptr)},
              {"created_at", format_utc(a.created_at)},
              {"updated_at", format_utc(a.updated_at)}};
  if (with_body) out["body"] = a.body;
  return out;
}

// A nullable unix-ms field: absent -> not given; null -> clear.
std::optional<std::optional<std::int64_t>> nullable_int(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end()) return std::nullopt;
  if (it->is_null()) return std::optional<std::int64_t>();
  if (!it->is_number_integer()) throw Error(Errc::invalid_argument, std::string(key) + ": must be an integer or null");
  return std::optional<std::int64_t>(it->get<std::int64_t>());
}

bool may_manage(const HttpRequest& request) {
  return auth::roles_have(request.principal->roles, Permission::kb_manage);
}

}  // namespace

void add_kb_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/kb/sections", Permission::kb_read, "Knowledge-base sections with article counts",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto job0 = [](store::Database& db) {
                 std::map<std::string, std::int64_t> counts;
                 auto& s = db.prepare("SELECT section, COUNT(*) FROM kb_articles WHERE published = 1 GROUP BY section");
                 while (s.step()) counts[s.text(0)] = s.int64(1);
                 return counts;
               };
               auto counts = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (auto s : kSections) {
                 std::string name(to_string(s));
                 items.push_back({{"section", name},
                                  {"label", section_label(s)},
                                  {"published_articles", counts.count(name) ? counts.at(name) : 0}});
               }
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/kb/sections/{section}/articles", Permission::kb_read,
             "Published articles of a section valid now, by title (what the IVR reads)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto section = section_of(request.params.at("section"), "section");
               auto now = now_ms();
               auto job0 = [section, now](store::Database& db) { return articles_in_section(db, section, now); };
               auto list = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (const auto& a : list) items.push_back(article_view(a));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/kb/articles", Permission::kb_read,
             "Search (q) or list articles; unpublished ones only for kb.manage",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto q = string_query(request, "q");
               std::optional<KbSection> section;
               if (auto s = string_query(request, "section")) section = section_of(*s, "section");
               auto limit = int_query(request, "limit").value_or(20);
               if (limit < 1 || limit > 200) throw Error(Errc::invalid_argument, "limit: must be 1 to 200");
               auto all = string_query(request, "include_unpublished");
               bool unpublished = all && (*all == "1" || *all == "true");
               if (unpublished && !may_manage(request)) {
                 throw Error(Errc::forbidden, "include_unpublished: this needs the permission kb.manage");
               }
               auto department = int_query(request, "department_id");
               auto now = now_ms();
               auto job0 = [q, section, limit, unpublished, department, now](store::Database& db) {
                 std::vector<KbHit> hits;
                 if (q) {
                   KbQuery query;
                   query.text = *q;
                   query.section = section;
                   query.published_only = !unpublished;
                   if (!unpublished) query.valid_at = now;
                   query.limit = static_cast<int>(limit);
                   hits = search_articles(db, query);
                   if (department) {
                     std::erase_if(hits, [&](const KbHit& h) { return h.article.department_id != department; });
                   }
                   return hits;
                 }
                 std::string sql = "SELECT id FROM kb_articles WHERE 1";
                 if (section) sql += " AND section = ?1";
                 if (!unpublished) {
                   sql +=
                       " AND published = 1 AND (valid_from IS NULL OR valid_from <= ?2) AND (valid_until IS NULL OR "
                       "valid_until > ?2)";
                 }
                 if (department) sql += " AND department_id = ?3";
                 sql += " ORDER BY updated_at DESC, id DESC LIMIT ?4";
                 auto& s = db.prepare(sql);
                 if (section) s.bind(1, to_string(*section));
                 if (!unpublished) s.bind(2, now);
                 if (department) s.bind(3, *department);
                 s.bind(4, limit);
                 std::vector<std::int64_t> ids;
                 while (s.step()) ids.push_back(s.int64(0));
                 for (auto id : ids) {
                   if (auto a = get_article(db, id)) hits.push_back({*a, 0});
                 }
                 return hits;
               };
               auto hits = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (const auto& h : hits) {
                 auto v = article_view(h.article);
                 if (q) v["score"] = h.score;
                 items.push_back(v);
               }
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("GET", "/api/v1/kb/articles/{id}", Permission::kb_read, "One article",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               bool manage = may_manage(request);
               auto job0 = [id](store::Database& db) { return get_article(db, id); };
               auto a = co_await ctx.store.read(std::move(job0), use_awaitable);
               if (!a || (!a->published && !manage)) throw Error(Errc::not_found, "no article " + std::to_string(id));
               co_return HttpResponse::json(200, article_view(*a));
             });

  router.add("GET", "/api/v1/kb/articles/{id}/versions", Permission::kb_read, "Every saved version of an article",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               bool manage = may_manage(request);
               auto job0 = [id](store::Database& db) {
                 return std::make_pair(get_article(db, id), article_versions(db, id));
               };
               auto [a, versions] = co_await ctx.store.read(std::move(job0), use_awaitable);
               if (!a || (!a->published && !manage)) throw Error(Errc::not_found, "no article " + std::to_string(id));
               json items = json::array();
               for (const auto& v : versions) {
                 items.push_back({{"version", v.version},
                                  {"section", to_string(v.section)},
                                  {"title", v.title},
                                  {"body", v.body},
                                  {"edited_by", v.edited_by ? json(*v.edited_by) : json(nullptr)},
                                  {"edited_at", format_utc(v.edited_at)}});
               }
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("POST", "/api/v1/kb/articles", Permission::kb_manage, "Add an article",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               NewArticle a;
               a.section = section_of(required_string(body, "section"), "section");
               a.title = required_string(body, "title");
               a.body = optional_string(body, "body").value_or("");
               a.department_id = optional_int(body, "department_id");
               a.published = optional_bool(body, "published").value_or(true);
               a.valid_from = optional_int(body, "valid_from");
               a.valid_until = optional_int(body, "valid_until");
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [a, principal, ip](store::Database& db) {
                 auto out = add_article(db, a, {principal.user_id, principal.job_number}, now_ms());
                 auth::append_audit(db, audit_by(principal, "kb.article_add", std::to_string(out.id),
                                                 {{"title", out.title}, {"section", to_string(out.section)}}, ip));
                 return out;
               };
               auto out = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(201, article_view(out));
             });

  router.add("PATCH", "/api/v1/kb/articles/{id}", Permission::kb_manage,
             "Change an article (version required; every version is kept)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto body = parse_json_body(request);
               auto version = optional_int(body, "version");
               if (!version) throw Error(Errc::invalid_argument, "version: required (the version you saw)");
               static const std::set<std::string> known = {"version",       "section",   "title",      "body",
                                                           "department_id", "published", "valid_from", "valid_until"};
               for (auto it = body.begin(); it != body.end(); ++it) {
                 if (!known.count(it.key())) throw Error(Errc::invalid_argument, it.key() + ": cannot be changed here");
               }
               ArticlePatch p;
               if (auto s = optional_string(body, "section")) p.section = section_of(*s, "section");
               p.title = optional_string(body, "title");
               p.body = optional_string(body, "body");
               p.department_id = nullable_int(body, "department_id");
               p.published = optional_bool(body, "published");
               p.valid_from = nullable_int(body, "valid_from");
               p.valid_until = nullable_int(body, "valid_until");
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [id, version, p, principal, ip](store::Database& db) {
                 auto out = update_article(db, id, *version, p, {principal.user_id, principal.job_number}, now_ms());
                 auth::append_audit(
                     db, audit_by(principal, "kb.article_update", std::to_string(id), {{"version", out.version}}, ip));
                 return out;
               };
               auto out = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, article_view(out));
             });
}

}  // namespace hotline::api
