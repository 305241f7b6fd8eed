// The IVR's services over the store: tickets from recordings, missed calls,
// surveys, and StoreServices answering through a real Store.
#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <future>

#include "hotline/core/error.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/ivr/services.hpp"
#include "hotline/store/migrations.hpp"
#include "hotline/store/store.hpp"
#include "hotline/tickets/kb.hpp"
#include "hotline/tickets/services.hpp"
#include "hotline/tickets/tickets.hpp"

namespace hotline::ivr {
namespace {

namespace fs = std::filesystem;

struct IvrServices : ::testing::Test {
  IvrServices() : svc(config, std::string(32, '\x42')) {
    char pattern[] = "/tmp/hotline-ivr-XXXXXX";
    dir = mkdtemp(pattern);
    db = std::make_unique<store::Database>(dir / "t.db", store::OpenMode::read_write_create);
    store::migrate(*db);
  }
  ~IvrServices() override {
    db.reset();
    fs::remove_all(dir);
  }
  TicketsConfig config;
  tickets::Services svc;
  fs::path dir;
  std::unique_ptr<store::Database> db;
};

TEST_F(IvrServices, ARecordingBecomesATicketTheCallerCanLookUp) {
  IvrTicket t;
  t.type = "mailbox";
  t.caller_phone = "+86 138-1234-5678";
  t.recording_path = "2026/11/28/call-1-mailbox.wav";
  t.recording_ms = 42000;
  t.call_id = "call-1";
  t.flow = "12345";
  auto created = insert_ivr_ticket(*db, svc, t, 1764300000000);
  EXPECT_FALSE(created.number.empty());
  auto ticket = tickets::find_by_number(*db, created.number);
  ASSERT_TRUE(ticket);
  EXPECT_EQ(ticket->type, tickets::TicketType::mailbox);
  EXPECT_EQ(ticket->channel, tickets::Channel::ivr_message);
  EXPECT_EQ(ticket->summary, "自动语音信箱留言");
  EXPECT_NE(ticket->content.find("2026/11/28/call-1-mailbox.wav"), std::string::npos);
  EXPECT_NE(ticket->content.find("42 秒"), std::string::npos);
  EXPECT_EQ(tickets::caller_of(*db, svc.key, ticket->id).phone, "13812345678");
  auto& s = db->query("SELECT kind, path, duration_ms, call_uuid FROM ivr_messages WHERE ticket_id = ?", ticket->id);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.text(0), "mailbox");
  EXPECT_EQ(s.text(1), "2026/11/28/call-1-mailbox.wav");
  EXPECT_EQ(s.int64(2), 42000);
  EXPECT_EQ(s.text(3), "call-1");
  s.run();
  EXPECT_TRUE(tickets::citizen_lookup(*db, svc.key, created.number, "5678"));

  t.type = "weather";
  EXPECT_THROW(insert_ivr_ticket(*db, svc, t, 1764300000000), Error);
}

TEST_F(IvrServices, MissedCallsKeepTheNumberSealed) {
  insert_missed_call(*db, svc, {"13812345678", "call-9", "12345", "welcome", "hangup"}, 1000);
  insert_missed_call(*db, svc, {"010-8888 7777", "call-10", "12345", "night_welcome", "night_no_message"}, 2000);
  auto open = open_missed_calls(*db, svc);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].caller_phone, "13812345678");
  EXPECT_EQ(open[0].node, "welcome");
  EXPECT_EQ(open[1].caller_phone, "01088887777");
  EXPECT_EQ(open[1].reason, "night_no_message");
  auto& s = db->query("SELECT COUNT(*) FROM ivr_missed_calls WHERE caller_phone_enc LIKE '%13812345678%'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), 0);
  s.run();
  EXPECT_THROW(insert_missed_call(*db, svc, {"anonymous", "c", "f", "n", "hangup"}, 1), Error);
}

TEST_F(IvrServices, OneActiveSurveyWithRangeCheckedAnswers) {
  EXPECT_FALSE(active_survey(*db));
  auto first = add_survey(*db, "供水满意度", {{"满意请按1，不满意请按2", 2}}, true, 1);
  auto second = add_survey(*db, "政务服务评价", {{"请打分，1到5分", 5}, {"是否愿意回访，是按1否按2", 2}}, true, 2);
  auto s = active_survey(*db);
  ASSERT_TRUE(s);
  EXPECT_NE(first, second);
  EXPECT_EQ(s->id, second);
  ASSERT_EQ(s->questions.size(), 2u);
  EXPECT_EQ(s->questions[0].max_answer, 5);
  insert_survey_answer(*db, svc, {s->id, s->questions[0].id, 4, "13812345678", "call-1"}, 3);
  EXPECT_THROW(insert_survey_answer(*db, svc, {s->id, s->questions[1].id, 3, "", "call-1"}, 3), Error);
  EXPECT_THROW(insert_survey_answer(*db, svc, {first, s->questions[0].id, 1, "", "call-1"}, 3), Error);
  auto& q = db->query("SELECT answer, call_uuid FROM survey_answers");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.int64(0), 4);
  EXPECT_EQ(q.text(1), "call-1");
  EXPECT_FALSE(q.step());
}

TEST_F(IvrServices, StoreServicesAnswerOnTheGivenExecutor) {
  db.reset();
  boost::asio::io_context io;  // outlives the store, whose threads post to it
  auto work = boost::asio::make_work_guard(io);
  Metrics metrics;
  store::Store store(dir / "t.db", StoreConfig{}, metrics);
  StoreServices services(store, svc, io.get_executor());
  {
    auto job = [](store::Database& d) {
      tickets::NewArticle a;
      a.section = tickets::KbSection::city_guide;
      a.title = "办理居住证";
      a.body = "携带身份证到派出所办理。";
      tickets::add_article(d, a, {std::nullopt, "test"}, 0);
    };
    std::promise<void> written;
    store.write(std::move(job), [&written](std::exception_ptr, std::monostate) { written.set_value(); });
    written.get_future().wait();
  }
  int answered = 0;
  std::string number;
  IvrTicket t;
  t.type = "complaint";
  t.caller_phone = "13812345678";
  t.recording_path = "x.wav";
  services.create_ticket(t, [&](ServiceStatus s, CreatedTicket c) {
    EXPECT_TRUE(s.ok) << s.error;
    number = c.number;
    ++answered;
  });
  services.kb_articles("city_guide", 5, [&](ServiceStatus s, std::vector<KbItem> list) {
    EXPECT_TRUE(s.ok) << s.error;
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].title, "办理居住证");
    ++answered;
  });
  services.kb_articles("weather", 5, [&](ServiceStatus s, std::vector<KbItem>) {
    EXPECT_FALSE(s.ok);
    ++answered;
  });
  services.missed_call({"13812345678", "c", "12345", "welcome", "hangup"}, [&](ServiceStatus s) {
    EXPECT_TRUE(s.ok) << s.error;
    ++answered;
  });
  services.active_survey([&](ServiceStatus s, std::optional<Survey> survey) {
    EXPECT_TRUE(s.ok);
    EXPECT_FALSE(survey);
    ++answered;
  });
  services.survey_answer({1, 1, 1, "", ""}, [&](ServiceStatus s) {
    EXPECT_FALSE(s.ok);  // no such survey
    ++answered;
  });
  for (int i = 0; i < 500 && answered < 6; ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(answered, 6);
  bool looked_up = false;
  services.lookup_ticket({number, "5678"}, [&](ServiceStatus s, std::optional<TicketStatus> st) {
    EXPECT_TRUE(s.ok);
    ASSERT_TRUE(st);
    EXPECT_EQ(st->state, "created");
    EXPECT_EQ(st->state_label, tickets::label(tickets::State::created));
    looked_up = true;
  });
  bool wrong = false;
  services.lookup_ticket({number, "12"}, [&](ServiceStatus s, std::optional<TicketStatus> st) {
    EXPECT_TRUE(s.ok);
    EXPECT_FALSE(st);
    wrong = true;
  });
  for (int i = 0; i < 500 && !(looked_up && wrong); ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(looked_up);
  EXPECT_TRUE(wrong);
  store.stop();
}

}  // namespace
}  // namespace hotline::ivr
