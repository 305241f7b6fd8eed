#pragma once
// Surveys (民意调查, PRODUCT A7) as admins see them: the list, one survey
// with its questions, questions added before the first answer, the active
// survey switched, and the results (answers counted per key). The IVR's
// side (the active survey's questions, storing an answer) and add_survey
// are in services.hpp. All of these are store jobs: call them inside
// Store::read (the queries) or Store::write (the changes).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hotline/ivr/services.hpp"
#include "hotline/store/database.hpp"

namespace hotline::ivr {

struct SurveyQuestionInfo {
  std::int64_t id = 0;
  int position = 0;  // 1, 2, ...: the order callers hear them
  std::string text;
  int max_answer = 5;  // keys 1..max_answer
};

struct SurveyInfo {
  std::int64_t id = 0;
  std::string title;
  bool active = false;
  std::int64_t created_at = 0;
  std::int64_t answers = 0;  // answers stored so far, all questions
  std::vector<SurveyQuestionInfo> questions;
};

struct QuestionResult {
  SurveyQuestionInfo question;
  std::int64_t answers = 0;
  std::map<int, std::int64_t> counts;  // every key 1..max_answer, 0 when nobody chose it
};

struct SurveyResults {
  SurveyInfo survey;
  std::int64_t calls = 0;  // calls that answered at least one question
  std::vector<QuestionResult> questions;
};

// Newest first, with their questions.
std::vector<SurveyInfo> list_surveys(store::Database& db);
std::optional<SurveyInfo> get_survey(store::Database& db, std::int64_t id);
// Appends a question. Errc::not_found for no such survey; Errc::conflict
// once the survey has answers (the results would mix callers who heard
// different questionnaires: make a new survey instead).
SurveyQuestionInfo add_survey_question(store::Database& db, std::int64_t survey_id, const NewSurveyQuestion& question);
// Makes it the one the IVR asks (the one active before stops being asked).
// Errc::not_found, or Errc::conflict for a survey without questions.
void activate_survey(store::Database& db, std::int64_t id);
// The IVR asks no survey while none is active. Errc::not_found.
void deactivate_survey(store::Database& db, std::int64_t id);
// Errc::not_found for no such survey.
SurveyResults survey_results(store::Database& db, std::int64_t id);

}  // namespace hotline::ivr
