// Surveys for admins: store jobs over surveys, survey_questions and
// survey_answers (migration 0011). Changes run inside the writer's
// savepoint (never a BEGIN of their own).
#include "hotline/ivr/surveys.hpp"

#include "hotline/core/error.hpp"

namespace hotline::ivr {
namespace {

std::vector<SurveyQuestionInfo> questions_of(store::Database& db, std::int64_t survey_id) {
  std::vector<SurveyQuestionInfo> out;
  auto& s = db.query("SELECT id, position, text, max_answer FROM survey_questions WHERE survey_id = ? ORDER BY position",
                     survey_id);
  while (s.step())
    out.push_back({s.int64(0), static_cast<int>(s.int64(1)), s.text(2), static_cast<int>(s.int64(3))});
  return out;
}

std::int64_t answers_of(store::Database& db, std::int64_t survey_id) {
  auto& s = db.query("SELECT COUNT(*) FROM survey_answers WHERE survey_id = ?", survey_id);
  std::int64_t n = s.step() ? s.int64(0) : 0;
  s.run();
  return n;
}

// The survey's own row (no questions), or not_found.
SurveyInfo require_survey(store::Database& db, std::int64_t id) {
  auto& s = db.query("SELECT id, title, active, created_at FROM surveys WHERE id = ?", id);
  if (!s.step()) throw Error(Errc::not_found, "no survey " + std::to_string(id));
  SurveyInfo out;
  out.id = s.int64(0);
  out.title = s.text(1);
  out.active = s.int64(2) != 0;
  out.created_at = s.int64(3);
  s.run();
  return out;
}

}  // namespace

std::vector<SurveyInfo> list_surveys(store::Database& db) {
  std::vector<SurveyInfo> out;
  {
    auto& s = db.query("SELECT id, title, active, created_at FROM surveys ORDER BY id DESC");
    while (s.step()) {
      SurveyInfo info;
      info.id = s.int64(0);
      info.title = s.text(1);
      info.active = s.int64(2) != 0;
      info.created_at = s.int64(3);
      out.push_back(std::move(info));
    }
  }
  for (auto& info : out) {
    info.questions = questions_of(db, info.id);
    info.answers = answers_of(db, info.id);
  }
  return out;
}

std::optional<SurveyInfo> get_survey(store::Database& db, std::int64_t id) {
  try {
    auto info = require_survey(db, id);
    info.questions = questions_of(db, id);
    info.answers = answers_of(db, id);
    return info;
  } catch (const Error& e) {
    if (e.code() != Errc::not_found) throw;
    return std::nullopt;
  }
}

SurveyQuestionInfo add_survey_question(store::Database& db, std::int64_t survey_id, const NewSurveyQuestion& q) {
  require_survey(db, survey_id);
  if (q.text.empty()) throw Error(Errc::invalid_argument, "text: required");
  if (q.max_answer < 1 || q.max_answer > 9) throw Error(Errc::invalid_argument, "max_answer: must be 1 to 9");
  if (answers_of(db, survey_id) > 0)
    throw Error(Errc::conflict, "the survey already has answers; create a new survey to ask other questions");
  auto& last = db.query("SELECT COALESCE(MAX(position), 0) FROM survey_questions WHERE survey_id = ?", survey_id);
  int position = last.step() ? static_cast<int>(last.int64(0)) + 1 : 1;
  last.run();
  db.query("INSERT INTO survey_questions (survey_id, position, text, max_answer) VALUES (?, ?, ?, ?)", survey_id,
           position, q.text, q.max_answer)
      .run();
  return {db.last_insert_id(), position, q.text, q.max_answer};
}

void activate_survey(store::Database& db, std::int64_t id) {
  auto survey = require_survey(db, id);
  if (questions_of(db, id).empty()) throw Error(Errc::conflict, "the survey has no questions yet");
  if (survey.active) return;
  db.query("UPDATE surveys SET active = 0 WHERE active = 1").run();
  db.query("UPDATE surveys SET active = 1 WHERE id = ?", id).run();
}

void deactivate_survey(store::Database& db, std::int64_t id) {
  require_survey(db, id);
  db.query("UPDATE surveys SET active = 0 WHERE id = ?", id).run();
}

SurveyResults survey_results(store::Database& db, std::int64_t id) {
  SurveyResults out;
  out.survey = require_survey(db, id);
  out.survey.questions = questions_of(db, id);
  out.survey.answers = answers_of(db, id);
  std::map<std::int64_t, std::map<int, std::int64_t>> counted;
  {
    auto& s = db.query("SELECT question_id, answer, COUNT(*) FROM survey_answers WHERE survey_id = ? "
                       "GROUP BY question_id, answer",
                       id);
    while (s.step()) counted[s.int64(0)][static_cast<int>(s.int64(1))] = s.int64(2);
  }
  auto& calls = db.query(
      "SELECT COUNT(DISTINCT call_uuid) FROM survey_answers WHERE survey_id = ? AND call_uuid <> ''", id);
  out.calls = calls.step() ? calls.int64(0) : 0;
  calls.run();
  for (const auto& q : out.survey.questions) {
    QuestionResult r;
    r.question = q;
    for (int key = 1; key <= q.max_answer; ++key) r.counts[key] = 0;
    for (const auto& [key, n] : counted[q.id]) {
      r.counts[key] = n;  // keys outside 1..max cannot be stored (insert_survey_answer checks)
      r.answers += n;
    }
    out.questions.push_back(std::move(r));
  }
  return out;
}

}  // namespace hotline::ivr
