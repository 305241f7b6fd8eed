// Surveys for admins: list, questions added until the first answer, one
// active survey at a time, results counted per key.
#include <gtest/gtest.h>

#include <filesystem>

#include "hotline/core/error.hpp"
#include "hotline/ivr/services.hpp"
#include "hotline/ivr/surveys.hpp"
#include "hotline/store/migrations.hpp"
#include "hotline/tickets/services.hpp"

namespace hotline::ivr {
namespace {

namespace fs = std::filesystem;

struct IvrSurveys : ::testing::Test {
  IvrSurveys() : svc(config, std::string(32, '\x42')) {
    char pattern[] = "/tmp/hotline-surveys-XXXXXX";
    dir = mkdtemp(pattern);
    db = std::make_unique<store::Database>(dir / "t.db", store::OpenMode::read_write_create);
    store::migrate(*db);
  }
  ~IvrSurveys() override {
    db.reset();
    fs::remove_all(dir);
  }
  Errc error_of(const std::function<void()>& f) {
    try {
      f();
    } catch (const Error& e) {
      return e.code();
    }
    ADD_FAILURE() << "no error";
    return Errc::internal;
  }
  TicketsConfig config;
  tickets::Services svc;
  fs::path dir;
  std::unique_ptr<store::Database> db;
};

TEST_F(IvrSurveys, QuestionsAreAddedInOrderUntilTheFirstAnswer) {
  auto id = add_survey(*db, "供水满意度", {{"满意请按1，不满意请按2", 2}}, false, 1);
  auto q2 = add_survey_question(*db, id, {"请为服务打分，1到5分", 5});
  EXPECT_EQ(q2.position, 2);
  auto s = get_survey(*db, id);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->active);
  ASSERT_EQ(s->questions.size(), 2u);
  EXPECT_EQ(s->questions[1].text, "请为服务打分，1到5分");
  EXPECT_EQ(s->questions[1].max_answer, 5);
  EXPECT_EQ(error_of([&] { add_survey_question(*db, id, {"", 2}); }), Errc::invalid_argument);
  EXPECT_EQ(error_of([&] { add_survey_question(*db, id, {"x", 10}); }), Errc::invalid_argument);
  EXPECT_EQ(error_of([&] { add_survey_question(*db, 999, {"x", 2}); }), Errc::not_found);

  insert_survey_answer(*db, svc, {id, s->questions[0].id, 1, "", "call-1"}, 2);
  EXPECT_EQ(error_of([&] { add_survey_question(*db, id, {"再加一题", 2}); }), Errc::conflict);
  EXPECT_EQ(get_survey(*db, id)->answers, 1);
}

TEST_F(IvrSurveys, OneActiveSurveyAtATime) {
  auto a = add_survey(*db, "甲", {{"问题", 2}}, false, 1);
  auto b = add_survey(*db, "乙", {{"问题", 3}}, false, 2);
  EXPECT_FALSE(active_survey(*db));
  activate_survey(*db, a);
  EXPECT_EQ(active_survey(*db)->id, a);
  activate_survey(*db, b);
  EXPECT_EQ(active_survey(*db)->id, b);
  EXPECT_FALSE(get_survey(*db, a)->active);
  activate_survey(*db, b);  // again: no change, no error
  EXPECT_EQ(active_survey(*db)->id, b);
  deactivate_survey(*db, b);
  EXPECT_FALSE(active_survey(*db));
  EXPECT_EQ(error_of([&] { activate_survey(*db, 999); }), Errc::not_found);
  auto list = list_surveys(*db);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].id, b);  // newest first
  EXPECT_EQ(list[1].questions.size(), 1u);
}

TEST_F(IvrSurveys, ResultsCountEveryKeyOfEveryQuestion) {
  auto id = add_survey(*db, "政务服务评价", {{"请打分，1到5分", 5}, {"是否愿意回访，是按1否按2", 2}}, true, 1);
  auto s = *get_survey(*db, id);
  auto q1 = s.questions[0].id, q2 = s.questions[1].id;
  insert_survey_answer(*db, svc, {id, q1, 5, "13812345678", "call-1"}, 2);
  insert_survey_answer(*db, svc, {id, q2, 1, "13812345678", "call-1"}, 2);
  insert_survey_answer(*db, svc, {id, q1, 5, "", "call-2"}, 3);
  insert_survey_answer(*db, svc, {id, q1, 2, "", "call-3"}, 4);
  auto other = add_survey(*db, "别的", {{"问题", 2}}, false, 5);
  insert_survey_answer(*db, svc, {other, get_survey(*db, other)->questions[0].id, 1, "", "call-4"}, 6);

  auto r = survey_results(*db, id);
  EXPECT_EQ(r.survey.title, "政务服务评价");
  EXPECT_EQ(r.calls, 3);
  ASSERT_EQ(r.questions.size(), 2u);
  EXPECT_EQ(r.questions[0].answers, 3);
  EXPECT_EQ(r.questions[0].counts, (std::map<int, std::int64_t>{{1, 0}, {2, 1}, {3, 0}, {4, 0}, {5, 2}}));
  EXPECT_EQ(r.questions[1].answers, 1);
  EXPECT_EQ(r.questions[1].counts, (std::map<int, std::int64_t>{{1, 1}, {2, 0}}));
  EXPECT_EQ(error_of([&] { survey_results(*db, 999); }), Errc::not_found);
}

}  // namespace
}  // namespace hotline::ivr
