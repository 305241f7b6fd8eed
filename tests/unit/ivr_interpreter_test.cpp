// The interpreter driven through every branch of ivr-flows/12345.yaml with
// synthetic events: a fake port records what it was asked to do and lets the
// test finish prompts, fire the timer, end recordings and answer hand-offs;
// fake services answer look-ups. Service answers go through an io_context,
// as they would in the daemon.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>

#include "hotline/ivr/flow.hpp"
#include "hotline/ivr/interpreter.hpp"
#include "hotline/ivr/library.hpp"
#include "hotline/ivr/schedule.hpp"
#include "hotline/tickets/calendar.hpp"

namespace hotline::ivr {
namespace {

struct FakePort : Port {
  struct Played {
    std::vector<PromptItem> items;
    bool barge_in = false;
  };
  std::vector<Played> plays;
  std::function<void(PlayEnd)> playing;
  std::function<void()> timer;
  std::chrono::milliseconds timer_after{0};
  std::function<void(RecordResult)> recording;
  RecordOptions record_options;
  std::function<void(HandOff)> handoff;
  std::optional<QueueRequest> queued;
  std::optional<TransferRequest> transferred;
  int hangups = 0, stops = 0, cancels = 0, record_stops = 0;
  // Callbacks handed out, kept to call them after the interpreter is gone.
  std::vector<std::function<void(PlayEnd)>> old_plays;

  void play(std::vector<PromptItem> items, bool barge_in, std::function<void(PlayEnd)> done) override {
    if (playing) end_play(PlayEnd::stopped);
    plays.push_back({std::move(items), barge_in});
    playing = std::move(done);
  }
  void stop_playing() override {
    ++stops;
    if (playing) end_play(PlayEnd::stopped);
  }
  void start_timer(std::chrono::milliseconds after, std::function<void()> fired) override {
    timer_after = after;
    timer = std::move(fired);
  }
  void cancel_timer() override {
    ++cancels;
    timer = nullptr;
  }
  void record(RecordOptions options, std::function<void(RecordResult)> done) override {
    record_options = std::move(options);
    recording = std::move(done);
  }
  void stop_recording() override { ++record_stops; }
  void to_queue(QueueRequest request, std::function<void(HandOff)> done) override {
    queued = std::move(request);
    handoff = std::move(done);
  }
  void transfer(TransferRequest request, std::function<void(HandOff)> done) override {
    transferred = std::move(request);
    handoff = std::move(done);
  }
  void hangup() override { ++hangups; }

  void end_play(PlayEnd end) {
    auto done = std::move(playing);
    playing = nullptr;
    old_plays.push_back(done);
    done(end);
  }
  std::string text() const {  // everything said by the last play
    std::string out;
    if (plays.empty()) return out;
    for (const auto& i : plays.back().items) out += i.kind == PromptSpec::Kind::say ? "<" + i.value + ">" : i.text;
    return out;
  }
};

struct FakeServices : Services {
  std::vector<TicketStatusQuery> lookups;
  std::vector<IvrTicket> created;
  std::vector<std::string> kb_sections;
  std::vector<SurveyAnswer> answers;
  std::vector<MissedCall> missed;
  std::optional<TicketStatus> found;
  std::vector<KbItem> articles;
  std::optional<Survey> survey;
  bool fail = false;
  bool hold = false;  // keep the callback instead of answering
  std::function<void()> held;

  template <class F>
  void answer(F f) {
    if (hold)
      held = std::move(f);
    else
      f();
  }
  void lookup_ticket(TicketStatusQuery q, std::function<void(ServiceStatus, std::optional<TicketStatus>)> done) override {
    lookups.push_back(q);
    answer([this, done, q] {
      if (fail) return done({false, "down"}, std::nullopt);
      done({}, found && found->number == q.number ? found : std::nullopt);
    });
  }
  void create_ticket(IvrTicket t, std::function<void(ServiceStatus, CreatedTicket)> done) override {
    created.push_back(t);
    answer([this, done] { fail ? done({false, "down"}, {}) : done({}, {7, "2026112800123"}); });
  }
  void kb_articles(std::string section, int, std::function<void(ServiceStatus, std::vector<KbItem>)> done) override {
    kb_sections.push_back(section);
    answer([this, done] { done({}, articles); });
  }
  void active_survey(std::function<void(ServiceStatus, std::optional<Survey>)> done) override {
    answer([this, done] { done({}, survey); });
  }
  void survey_answer(SurveyAnswer a, std::function<void(ServiceStatus)> done) override {
    answers.push_back(a);
    done({});
  }
  void missed_call(MissedCall m, std::function<void(ServiceStatus)> done) override {
    missed.push_back(m);
    done({});
  }
};

std::shared_ptr<const Flow> flow_12345() {
  ValidationContext c;
  c.schedules = {"staffed"};
  auto r = load_flow_file(std::filesystem::path(HOTLINE_SOURCE_DIR) / "ivr-flows" / "12345.yaml", c);
  EXPECT_TRUE(r.errors.empty());
  return r.flow;
}

// 2026-09-28 is a Monday.
std::int64_t at(int hour, int minute = 0, const char* day = "2026-09-28") {
  return tickets::start_of_day(tickets::parse_day(day)) + (hour * 60 + minute) * 60000LL;
}

class IvrInterpreter : public ::testing::Test {
 protected:
  void SetUp() override {
    flow = flow_12345();
    ASSERT_TRUE(flow);
    IvrConfig ivr;
    ivr.schedules["staffed"] = IvrSchedule{{"mon", "tue", "wed", "thu", "fri"}, {"08:00-20:00"}, true};
    schedules = Schedules::from_config(ivr, TicketsConfig{});
    stats = std::make_shared<FlowStats>();
  }

  void start(std::int64_t now = at(10), bool repeat = false) {
    InterpreterOptions o;
    o.variables = {{"city", "昆明市"}, {"consumer_hotline", "96315"}};
    o.schedules = &schedules;
    o.stats = stats;
    o.now_ms = [now] { return now; };
    CallInfo call{"call-1", "13812345678", "12345", repeat, {}};
    ivr = std::make_unique<Interpreter>(flow, port, services, io.get_executor(), call, o);
    ivr->start();
  }
  void run() {
    io.restart();
    io.poll();
  }
  // A key as a real port delivers it: a barge-in prompt stops first.
  void press(char d) {
    if (port.playing && !port.plays.empty() && port.plays.back().barge_in) port.end_play(PlayEnd::interrupted);
    ivr->on_digit(d);
    run();
  }
  void keys(const std::string& ds) {
    for (char d : ds) press(d);
  }
  void finish_play() {
    ASSERT_TRUE(port.playing) << "nothing is playing at " << ivr->current_node();
    port.end_play(PlayEnd::finished);
    run();
  }
  void fire_timer() {
    ASSERT_TRUE(port.timer) << "no timer at " << ivr->current_node();
    auto t = std::move(port.timer);
    port.timer = nullptr;
    t();
    run();
  }
  void record(std::int64_t ms, RecordEnd end = RecordEnd::digit) {
    ASSERT_TRUE(port.recording) << "not recording at " << ivr->current_node();
    auto r = std::move(port.recording);
    port.recording = nullptr;
    r(RecordResult{"messages/call-1.wav", ms, end});
    run();
  }
  void hand_off(bool accepted) {
    ASSERT_TRUE(port.handoff);
    auto h = std::move(port.handoff);
    port.handoff = nullptr;
    h(HandOff{accepted, accepted ? "" : "busy"});
    run();
  }
  std::string nodes() const {
    std::string out;
    for (const auto& s : ivr->path()) out += (out.empty() ? "" : " ") + s.node;
    return out;
  }
  void to_auto_menu() {
    start();
    press('2');
    ASSERT_EQ(ivr->current_node(), "auto_menu");
  }

  boost::asio::io_context io;
  std::shared_ptr<const Flow> flow;
  Schedules schedules;
  std::shared_ptr<FlowStats> stats;
  FakePort port;
  FakeServices services;
  std::unique_ptr<Interpreter> ivr;
};

TEST_F(IvrInterpreter, WelcomeThenHumanServiceReachesTheQueue) {
  start();
  EXPECT_EQ(ivr->current_node(), "welcome");
  ASSERT_EQ(port.plays.size(), 1u);
  EXPECT_EQ(port.plays[0].items[0].key, "welcome");
  EXPECT_EQ(port.plays[0].items[0].lang, "zh-CN");
  EXPECT_NE(port.text().find("这里是昆明市12345政务服务便民热线，选择人工服务请按1，自动服务请按2"), std::string::npos);
  EXPECT_TRUE(port.plays[0].barge_in);
  press('1');
  ASSERT_TRUE(port.queued);
  EXPECT_EQ(port.queued->queue, "human");
  EXPECT_EQ(port.queued->priority, 0);
  EXPECT_FALSE(port.queued->announcements.empty());
  EXPECT_NE(port.queued->ivr_path_json.find("\"welcome\""), std::string::npos);
  EXPECT_FALSE(ivr->finished());
  hand_off(true);
  EXPECT_TRUE(ivr->finished());
  EXPECT_EQ(ivr->ending(), Ending::queued);
  EXPECT_EQ(nodes(), "entry welcome human human_queue");
  EXPECT_EQ(ivr->path()[1].outcome, "1");
  EXPECT_EQ(ivr->path()[3].outcome, "queue human,accepted");
  EXPECT_EQ(port.hangups, 0);
  EXPECT_TRUE(services.missed.empty());
}

TEST_F(IvrInterpreter, RepeatCallersWaitWithPriority) {
  start(at(10), true);
  press('1');
  ASSERT_TRUE(port.queued);
  EXPECT_EQ(port.queued->priority, 5);
}

TEST_F(IvrInterpreter, NoAgentLeavesAMessage) {
  start();
  press('1');
  hand_off(false);
  EXPECT_EQ(ivr->current_node(), "human_busy");
  finish_play();
  EXPECT_EQ(ivr->current_node(), "night_message");
}

TEST_F(IvrInterpreter, MayorsMailboxCreatesATicketAndReadsTheNumberTwice) {
  to_auto_menu();
  EXPECT_NE(port.text().find("市长信箱留言请按1"), std::string::npos);
  press('1');
  EXPECT_EQ(ivr->current_node(), "mailbox_record");
  finish_play();
  ASSERT_TRUE(port.recording);
  EXPECT_EQ(port.record_options.store_as, "mailbox");
  EXPECT_EQ(port.record_options.end_digits, "#");
  EXPECT_TRUE(port.record_options.beep);
  EXPECT_EQ(port.record_options.max_seconds, 180);
  record(12400);
  ASSERT_EQ(services.created.size(), 1u);
  EXPECT_EQ(services.created[0].type, "mailbox");
  EXPECT_EQ(services.created[0].recording_path, "messages/call-1.wav");
  EXPECT_EQ(services.created[0].recording_ms, 12400);
  EXPECT_EQ(services.created[0].caller_phone, "13812345678");
  EXPECT_EQ(ivr->current_node(), "message_received");
  int says = 0;
  for (const auto& i : port.plays.back().items) {
    if (i.kind == PromptSpec::Kind::say) {
      EXPECT_EQ(i.say, SayKind::ticket_number);
      EXPECT_EQ(i.value, "2026112800123");
      ++says;
    }
  }
  EXPECT_EQ(says, 2);
  finish_play();
  EXPECT_EQ(ivr->current_node(), "after_service");
  EXPECT_EQ(ivr->path()[3].outcome, "recorded 12s by digit");
}

TEST_F(IvrInterpreter, ComplaintRecordingBecomesAComplaintTicket) {
  to_auto_menu();
  press('2');
  finish_play();
  EXPECT_EQ(port.record_options.store_as, "complaint");
  record(30000, RecordEnd::silence);
  ASSERT_EQ(services.created.size(), 1u);
  EXPECT_EQ(services.created[0].type, "complaint");
  EXPECT_EQ(ivr->current_node(), "message_received");
}

TEST_F(IvrInterpreter, ATooShortRecordingIsRetriedThenGivesUp) {
  to_auto_menu();
  press('1');
  finish_play();
  record(500);  // under min_seconds
  EXPECT_EQ(ivr->current_node(), "mailbox_record");
  EXPECT_NE(port.text().find("没有录到您的留言"), std::string::npos);
  finish_play();
  record(0, RecordEnd::failed);
  EXPECT_EQ(ivr->current_node(), "auto_menu");  // fallback
  EXPECT_TRUE(services.created.empty());
}

TEST_F(IvrInterpreter, FailedTicketGoesToAnAgent) {
  services.fail = true;
  to_auto_menu();
  press('2');
  finish_play();
  record(8000);
  EXPECT_EQ(ivr->current_node(), "ticket_failed");
}

TEST_F(IvrInterpreter, StatusQueryReadsStateDepartmentAndReply) {
  services.found = TicketStatus{"2026112800123", "replied", "已答复", "市水务局", "已安排维修"};
  to_auto_menu();
  press('3');
  EXPECT_EQ(ivr->current_node(), "status_number");
  keys("2026112800123#");
  ASSERT_EQ(services.lookups.size(), 1u);
  EXPECT_EQ(services.lookups[0].number, "2026112800123");
  EXPECT_EQ(services.lookups[0].phone_last4, "5678");
  EXPECT_EQ(ivr->current_node(), "status_read");
  EXPECT_NE(port.text().find("目前的状态是：已答复"), std::string::npos);
  EXPECT_NE(port.text().find("<2026112800123>"), std::string::npos);
  finish_play();
  EXPECT_EQ(ivr->current_node(), "status_department_say");
  EXPECT_EQ(port.text(), "承办单位：市水务局。");
  finish_play();
  EXPECT_EQ(port.text(), "办理结果：已安排维修");
  finish_play();
  EXPECT_EQ(ivr->current_node(), "status_more");
  // The keyed number is never in the path.
  EXPECT_EQ(ivr->path_json().find("2026112800123"), std::string::npos);
  EXPECT_NE(ivr->path_json().find("13 digits"), std::string::npos);
}

TEST_F(IvrInterpreter, StatusQuerySkipsWhatIsNotThereYet) {
  services.found = TicketStatus{"20261128001", "dispatched", "已派单", "", ""};
  to_auto_menu();
  press('3');
  keys("20261128001#");
  finish_play();
  EXPECT_EQ(ivr->current_node(), "status_more");
}

TEST_F(IvrInterpreter, UnknownTicketAsksForThePhoneThenSaysSoAndRetries) {
  to_auto_menu();
  press('3');
  keys("12345678#");
  EXPECT_EQ(ivr->current_node(), "status_phone");
  keys("4321");  // four digits complete the collect
  ASSERT_EQ(services.lookups.size(), 2u);
  EXPECT_EQ(services.lookups[1].phone_last4, "4321");
  EXPECT_EQ(ivr->current_node(), "status_unknown");
  EXPECT_NE(port.text().find("没有查到这个编号的工单"), std::string::npos);
  finish_play();
  EXPECT_EQ(ivr->current_node(), "status_number");
}

TEST_F(IvrInterpreter, ATooShortNumberIsInvalidAndRetried) {
  to_auto_menu();
  press('3');
  keys("123#");
  EXPECT_EQ(ivr->current_node(), "status_number");
  EXPECT_NE(port.text().find("您的输入有误"), std::string::npos);
  EXPECT_TRUE(services.lookups.empty());
}

TEST_F(IvrInterpreter, CollectTimesOutThenFallsBack) {
  to_auto_menu();
  press('3');
  finish_play();
  fire_timer();  // 1
  EXPECT_NE(port.text().find("我们没有收到您的按键"), std::string::npos);
  finish_play();
  fire_timer();  // 2
  finish_play();
  fire_timer();  // 3 > retries 2
  EXPECT_EQ(ivr->current_node(), "auto_menu");
}

TEST_F(IvrInterpreter, ConsultationPlaysArticlesAndHashSkips) {
  services.articles = {{1, "办理居住证", "携带身份证到派出所办理。"}, {2, "公积金提取", "线上办理。"}};
  to_auto_menu();
  press('4');
  EXPECT_EQ(ivr->current_node(), "consult_menu");
  press('2');
  ASSERT_EQ(services.kb_sections.size(), 1u);
  EXPECT_EQ(services.kb_sections[0], "city_guide");
  EXPECT_EQ(port.text(), "办理居住证携带身份证到派出所办理。");
  press('#');
  EXPECT_EQ(port.text(), "公积金提取线上办理。");
  finish_play();
  EXPECT_EQ(ivr->current_node(), "consult_done");
  finish_play();
  EXPECT_EQ(ivr->current_node(), "consult_menu");
  for (auto [digit, section] : std::vector<std::pair<char, std::string>>{
           {'1', "policy"}, {'3', "office_guide"}, {'4', "investment_guide"}, {'5', "department_functions"},
           {'6', "news"}}) {
    services.articles.clear();
    press(digit);
    EXPECT_EQ(services.kb_sections.back(), section);
    EXPECT_EQ(ivr->current_node(), "consult_empty");
    finish_play();
  }
}

TEST_F(IvrInterpreter, SurveyStoresKeypadAnswers) {
  services.survey = Survey{3, "满意度", {{31, "对供水服务满意请按1，不满意请按2", 2}, {32, "请为服务打分，1到5分", 5}}};
  to_auto_menu();
  press('5');
  EXPECT_EQ(port.text(), "对供水服务满意请按1，不满意请按2");
  press('1');
  EXPECT_EQ(port.text(), "请为服务打分，1到5分");
  press('7');  // out of range
  EXPECT_NE(port.text().find("请按题目提示的数字键作答"), std::string::npos);
  press('4');
  ASSERT_EQ(services.answers.size(), 2u);
  EXPECT_EQ(services.answers[0].question_id, 31);
  EXPECT_EQ(services.answers[0].answer, 1);
  EXPECT_EQ(services.answers[1].question_id, 32);
  EXPECT_EQ(services.answers[1].answer, 4);
  EXPECT_EQ(services.answers[1].survey_id, 3);
  EXPECT_EQ(ivr->current_node(), "survey_thanks");
}

TEST_F(IvrInterpreter, NoActiveSurvey) {
  to_auto_menu();
  press('5');
  EXPECT_EQ(ivr->current_node(), "survey_none");
}

TEST_F(IvrInterpreter, TransferToAnotherHotlineUsesTheConfiguredNumber) {
  to_auto_menu();
  press('6');
  EXPECT_NE(port.text().find("转消费者投诉举报热线96315请按1"), std::string::npos);
  press('1');
  finish_play();
  ASSERT_TRUE(port.transferred);
  EXPECT_EQ(port.transferred->number, "96315");
  EXPECT_EQ(port.transferred->mode, TransferMode::blind);
  hand_off(true);
  EXPECT_EQ(ivr->ending(), Ending::transferred);
}

TEST_F(IvrInterpreter, AFailedTransferReturnsToTheMenu) {
  to_auto_menu();
  press('6');
  press('2');
  finish_play();
  EXPECT_EQ(port.transferred->number, "12333");
  hand_off(false);
  EXPECT_EQ(ivr->current_node(), "transfer_failed");
  finish_play();
  EXPECT_EQ(ivr->current_node(), "auto_menu");
}

TEST_F(IvrInterpreter, StarGoesBackAndZeroToAnAgentFromEveryMenu) {
  to_auto_menu();
  press('4');
  EXPECT_EQ(ivr->current_node(), "consult_menu");
  press('*');
  EXPECT_EQ(ivr->current_node(), "auto_menu");
  press('*');
  EXPECT_EQ(ivr->current_node(), "welcome");
  press('*');  // nothing before the first menu: it is said again
  EXPECT_EQ(ivr->current_node(), "welcome");
  for (const char* path : {"2", "24", "26", "25", "21", ""}) {
    ivr.reset();
    port = FakePort{};
    start();
    keys(path);
    press('0');
    EXPECT_TRUE(port.queued) << path;
    EXPECT_EQ(ivr->current_node(), "human_queue") << path;
  }
}

TEST_F(IvrInterpreter, StarInACollectReturnsToTheMenu) {
  to_auto_menu();
  press('3');
  press('*');
  EXPECT_EQ(ivr->current_node(), "auto_menu");
}

TEST_F(IvrInterpreter, StarDuringTheRecordingPromptReturns) {
  to_auto_menu();
  press('1');
  press('*');
  EXPECT_EQ(ivr->current_node(), "auto_menu");
  EXPECT_FALSE(port.recording);
}

TEST_F(IvrInterpreter, InvalidKeysAndTimeoutsFollowTheRetryRules) {
  to_auto_menu();
  press('8');
  EXPECT_EQ(ivr->current_node(), "auto_menu");
  EXPECT_NE(port.text().find("您的输入有误"), std::string::npos);
  EXPECT_NE(port.text().find("市长信箱留言请按1"), std::string::npos);
  finish_play();
  fire_timer();
  EXPECT_NE(port.text().find("我们没有收到您的按键"), std::string::npos);
  finish_play();
  EXPECT_EQ(port.timer_after, std::chrono::milliseconds(6000));
  fire_timer();  // third failure, retries: 2
  EXPECT_EQ(ivr->current_node(), "bye");
  EXPECT_NE(port.text().find("感谢您的来电"), std::string::npos);
  finish_play();
  EXPECT_EQ(port.hangups, 1);
  EXPECT_EQ(ivr->ending(), Ending::flow_hangup);
  EXPECT_EQ(ivr->path()[2].outcome, "invalid,timeout,timeout,fallback");
}

TEST_F(IvrInterpreter, NoKeyAtTheWelcomeGoesToAnAgent) {
  start();
  for (int i = 0; i < 3; ++i) {
    finish_play();
    fire_timer();
  }
  EXPECT_TRUE(port.queued);
}

TEST_F(IvrInterpreter, EnglishOnNine) {
  start();
  press('9');
  EXPECT_EQ(ivr->current_node(), "welcome");
  EXPECT_EQ(port.plays.back().items[0].lang, "en");
  EXPECT_NE(port.text().find("Welcome to the 昆明市 12345"), std::string::npos);
  press('2');
  EXPECT_NE(port.text().find("Mayor's mailbox 1"), std::string::npos);
}

TEST_F(IvrInterpreter, NightServiceOffersAMessageAndTheAutomaticMenu) {
  start(at(22));  // Monday 22:00: outside 08:00-20:00
  EXPECT_EQ(ivr->current_node(), "night_welcome");
  EXPECT_NE(port.text().find("现在是非工作时间"), std::string::npos);
  press('1');
  finish_play();
  EXPECT_EQ(port.record_options.store_as, "message");
  record(20000);
  ASSERT_EQ(services.created.size(), 1u);
  EXPECT_EQ(services.created[0].type, "help");
  EXPECT_EQ(ivr->current_node(), "message_received");
}

TEST_F(IvrInterpreter, NightServiceReachesTheAutomaticMenuOnWeekendsToo) {
  start(at(10, 0, "2026-09-27"));  // Sunday
  EXPECT_EQ(ivr->current_node(), "night_welcome");
  press('2');
  EXPECT_EQ(ivr->current_node(), "auto_menu");
}

TEST_F(IvrInterpreter, NightCallerWithoutAKeyIsKeptForACallBack) {
  start(at(3));
  finish_play();
  fire_timer();
  finish_play();
  fire_timer();
  ASSERT_EQ(services.missed.size(), 1u);
  EXPECT_EQ(services.missed[0].reason, "night_no_message");
  EXPECT_EQ(services.missed[0].caller_phone, "13812345678");
  EXPECT_EQ(ivr->current_node(), "night_callback_told");
  finish_play();
  EXPECT_EQ(port.hangups, 1);
  ivr->on_hangup();  // the PBX may still report it
  EXPECT_EQ(services.missed.size(), 1u);
}

TEST_F(IvrInterpreter, HangingUpAtOnceLeavesAMissedCallAndNothingBehind) {
  start();
  ASSERT_TRUE(port.playing);
  ivr->on_hangup();
  EXPECT_TRUE(ivr->finished());
  EXPECT_EQ(ivr->ending(), Ending::caller_hangup);
  EXPECT_EQ(port.stops, 1);
  ASSERT_EQ(services.missed.size(), 1u);
  EXPECT_EQ(services.missed[0].reason, "hangup");
  EXPECT_EQ(services.missed[0].node, "welcome");
  auto plays = port.plays.size();
  ivr.reset();
  // Every callback handed out is dead now: nothing happens, nothing crashes.
  for (auto& done : port.old_plays) done(PlayEnd::finished);
  if (port.timer) port.timer();
  run();
  EXPECT_EQ(port.plays.size(), plays);
  EXPECT_EQ(port.hangups, 0);
}

TEST_F(IvrInterpreter, HangingUpDuringALookupDropsTheAnswer) {
  services.found = TicketStatus{"12345678", "dispatched", "已派单", "", ""};
  services.hold = true;
  to_auto_menu();
  press('3');
  keys("12345678#");
  ASSERT_TRUE(services.held);
  ivr->on_hangup();
  EXPECT_TRUE(services.missed.empty());  // reached the automatic menu
  ivr.reset();
  auto plays = port.plays.size();
  services.held();  // the store answers after the call is gone
  run();
  EXPECT_EQ(port.plays.size(), plays);
}

TEST_F(IvrInterpreter, HangingUpWhileRecordingStopsTheRecorder) {
  to_auto_menu();
  press('1');
  finish_play();
  ivr->on_hangup();
  EXPECT_EQ(port.record_stops, 1);
  record(0, RecordEnd::hangup);  // the port's late answer is ignored
  EXPECT_TRUE(services.created.empty());
}

TEST_F(IvrInterpreter, ZeroDuringALookupStillReachesAnAgentAndTheAnswerIsDropped) {
  services.hold = true;
  to_auto_menu();
  press('3');
  keys("12345678#");
  press('0');
  EXPECT_EQ(ivr->current_node(), "human_queue");
  services.held();
  run();
  EXPECT_EQ(ivr->current_node(), "human_queue");
}

TEST_F(IvrInterpreter, NodeCountersFollowTheCalls) {
  start();
  press('2');
  auto count = [&](const std::string& id) {
    for (const auto& r : stats->snapshot())
      if (r.node == id) return std::make_pair(r.entered, r.active);
    return std::make_pair(std::uint64_t{0}, std::int64_t{-1});
  };
  EXPECT_EQ(count("welcome"), std::make_pair(std::uint64_t{1}, std::int64_t{0}));
  EXPECT_EQ(count("auto_menu"), std::make_pair(std::uint64_t{1}, std::int64_t{1}));
  ivr->on_hangup();
  EXPECT_EQ(count("auto_menu").second, 0);
}

TEST(IvrSubstitute, ReplacesKnownNamesAndDropsUnknownOnes) {
  std::map<std::string, std::string> vars{{"city", "昆明市"}, {"ticket.number", "123"}};
  EXPECT_EQ(substitute("${city}12345 ${ticket.number}${nope}!", vars), "昆明市12345 123!");
  EXPECT_EQ(substitute("no ${ end", vars), "no ${ end");
}

TEST(IvrRunaway, AFlowThatNeverWaitsIsHungUpOn) {
  // Valid to the validator (the condition could go elsewhere) but a runaway at run time.
  const char* text =
      "start: a\nnodes:\n  a:\n    type: condition\n    branches:\n      - if: {var: x, equals: \"1\"}\n"
      "        goto: bye\n    otherwise: b\n  b:\n    type: goto\n    target: a\n  bye:\n    type: hangup\n";
  ValidationContext c;
  auto r = parse_flow(text, "r.yaml", "r", c);
  ASSERT_TRUE(r.flow) << (r.errors.empty() ? "" : r.errors[0].to_string());
  boost::asio::io_context io;
  FakePort port;
  FakeServices services;
  Interpreter ivr(r.flow, port, services, io.get_executor(), CallInfo{"c", "", "", false, {}});
  ivr.start();
  EXPECT_EQ(ivr.ending(), Ending::failed);
  EXPECT_EQ(port.hangups, 1);
}

}  // namespace
}  // namespace hotline::ivr
