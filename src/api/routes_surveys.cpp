// Surveys (民意调查, PRODUCT A7) for admins: create one with its questions,
// list them, add questions until the first answer, choose the one the IVR
// asks (action `survey` in a flow), and read the results: answers counted
// per key of each question. Reading needs ivr.read, changes ivr.manage;
// changes are audited in the same write as the change.
#include <boost/asio/use_awaitable.hpp>

#include "routes_surveys.hpp"
#include "hotline/auth/audit.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/ivr/surveys.hpp"
#include "json_body.hpp"
#include "views.hpp"

namespace hotline::api {

using auth::Permission;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using nlohmann::json;

namespace {

json question_view(const ivr::SurveyQuestionInfo& q) {
  return {{"id", q.id}, {"position", q.position}, {"text", q.text}, {"max_answer", q.max_answer}};
}

json survey_view(const ivr::SurveyInfo& s) {
  json questions = json::array();
  for (const auto& q : s.questions) questions.push_back(question_view(q));
  return {{"id", s.id},
          {"title", s.title},
          {"active", s.active},
          {"created_at", format_utc(s.created_at)},
          {"answers", s.answers},
          {"questions", questions}};
}

// {"text": "...", "max_answer": 5}
ivr::NewSurveyQuestion question_of(const json& item, const std::string& where) {
  if (!item.is_object()) throw Error(Errc::invalid_argument, where + ": must be an object {text, max_answer}");
  ivr::NewSurveyQuestion q;
  auto text = item.find("text");
  if (text == item.end() || !text->is_string() || text->get<std::string>().empty())
    throw Error(Errc::invalid_argument, where + ".text: required");
  q.text = text->get<std::string>();
  if (q.text.size() > 1000) throw Error(Errc::invalid_argument, where + ".text: at most 1000 bytes");
  auto max = item.find("max_answer");
  if (max != item.end()) {
    if (!max->is_number_integer() || max->get<std::int64_t>() < 1 || max->get<std::int64_t>() > 9)
      throw Error(Errc::invalid_argument, where + ".max_answer: must be an integer 1 to 9");
    q.max_answer = static_cast<int>(max->get<std::int64_t>());
  }
  return q;
}

}  // namespace

void add_survey_routes(Router& router, Api& api) {
  ApiContext& ctx = api.context();

  router.add("GET", "/api/v1/surveys", Permission::ivr_read, "Surveys, newest first, with their questions",
             [&ctx](HttpRequest&) -> awaitable<HttpResponse> {
               auto job0 = [](store::Database& db) { return ivr::list_surveys(db); };
               auto list = co_await ctx.store.read(std::move(job0), use_awaitable);
               json items = json::array();
               for (const auto& s : list) items.push_back(survey_view(s));
               co_return HttpResponse::json(200, {{"items", items}});
             });

  router.add("POST", "/api/v1/surveys", Permission::ivr_manage,
             "Create a survey: {title, questions: [{text, max_answer}], active}",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto body = parse_json_body(request);
               auto title = required_string(body, "title");
               if (title.size() > 200) throw Error(Errc::invalid_argument, "title: at most 200 bytes");
               auto list = body.find("questions");
               if (list == body.end() || !list->is_array() || list->empty())
                 throw Error(Errc::invalid_argument, "questions: a list of at least one {text, max_answer}");
               if (list->size() > 50) throw Error(Errc::invalid_argument, "questions: at most 50");
               std::vector<ivr::NewSurveyQuestion> questions;
               for (std::size_t i = 0; i < list->size(); ++i)
                 questions.push_back(question_of((*list)[i], "questions[" + std::to_string(i) + "]"));
               bool active = optional_bool(body, "active").value_or(false);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [title, questions, active, principal, ip](store::Database& db) {
                 auto id = ivr::add_survey(db, title, questions, active, now_ms());
                 auth::append_audit(db, audit_by(principal, "survey.create", std::to_string(id),
                                                 {{"title", title}, {"questions", questions.size()}, {"active", active}},
                                                 ip));
                 return *ivr::get_survey(db, id);
               };
               auto created = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(201, survey_view(created));
             });

  router.add("GET", "/api/v1/surveys/{id}", Permission::ivr_read, "One survey with its questions",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto job0 = [id](store::Database& db) { return ivr::get_survey(db, id); };
               auto survey = co_await ctx.store.read(std::move(job0), use_awaitable);
               if (!survey) throw Error(Errc::not_found, "no survey " + std::to_string(id));
               co_return HttpResponse::json(200, survey_view(*survey));
             });

  router.add("POST", "/api/v1/surveys/{id}/questions", Permission::ivr_manage,
             "Add a question {text, max_answer}; 409 once the survey has answers",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto question = question_of(parse_json_body(request), "body");
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [id, question, principal, ip](store::Database& db) {
                 auto added = ivr::add_survey_question(db, id, question);
                 auth::append_audit(db, audit_by(principal, "survey.question_add", std::to_string(id),
                                                 {{"question_id", added.id}, {"position", added.position}}, ip));
                 return added;
               };
               auto added = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(201, question_view(added));
             });

  router.add("POST", "/api/v1/surveys/{id}/activate", Permission::ivr_manage,
             "Make it the survey the IVR asks (the one active before stops)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [id, principal, ip](store::Database& db) {
                 ivr::activate_survey(db, id);
                 auth::append_audit(db, audit_by(principal, "survey.activate", std::to_string(id), nullptr, ip));
                 return *ivr::get_survey(db, id);
               };
               auto survey = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, survey_view(survey));
             });

  router.add("POST", "/api/v1/surveys/{id}/deactivate", Permission::ivr_manage,
             "Stop asking the survey (the IVR then has none to ask)",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto principal = *request.principal;
               auto ip = request.remote_ip;
               auto job0 = [id, principal, ip](store::Database& db) {
                 ivr::deactivate_survey(db, id);
                 auth::append_audit(db, audit_by(principal, "survey.deactivate", std::to_string(id), nullptr, ip));
                 return *ivr::get_survey(db, id);
               };
               auto survey = co_await ctx.store.write(std::move(job0), use_awaitable);
               co_return HttpResponse::json(200, survey_view(survey));
             });

  router.add("GET", "/api/v1/surveys/{id}/results", Permission::ivr_read,
             "Answers counted per key of each question, and the calls that answered",
             [&ctx](HttpRequest& request) -> awaitable<HttpResponse> {
               auto id = id_param(request);
               auto job0 = [id](store::Database& db) { return ivr::survey_results(db, id); };
               auto results = co_await ctx.store.read(std::move(job0), use_awaitable);
               json questions = json::array();
               for (const auto& r : results.questions) {
                 json counts = json::object();
                 for (const auto& [key, n] : r.counts) counts[std::to_string(key)] = n;
                 auto q = question_view(r.question);
                 q["answers"] = r.answers;
                 q["counts"] = counts;
                 questions.push_back(std::move(q));
               }
               co_return HttpResponse::json(200, {{"survey", survey_view(results.survey)},
                                                  {"calls", results.calls},
                                                  {"questions", questions}});
             });
}

}  // namespace hotline::api
