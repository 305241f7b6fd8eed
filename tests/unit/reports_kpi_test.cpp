// KPI definitions on hand-made event sequences (docs/kpis.md): every figure
// below is worked out by hand in the comments, then read back through the
// reports from the aggregate tables and from the raw logs.
#include <gtest/gtest.h>

#include "hotline/reports/report.hpp"
#include "hotline/tickets/editing.hpp"
#include "hotline/tickets/lifecycle.hpp"
#include "reports_fixture.hpp"

namespace reports_test {
namespace {

using namespace hotline::reports;
using namespace hotline::tickets;

Ms at(int day, int h, int m, int s = 0) { return cst(2026, 3, static_cast<unsigned>(day), h, m) + s * kSecond; }

struct ReportsKpi : ReportsDb {
  ReportsKpi() {
    user(11, "A1", "李一");
    user(12, "A2", "王二");
    user(13, "A3", "张三");
    user(19, "A9", "赵九");
  }

  // The queue day of 2026-03-01 (a Sunday), worked out by hand in the test below.
  void queue_day() {
    // c1: answered after 12 s, 280 s talk + 20 s hold, 30 s wrap-up.
    qe(at(1, 10, 0), "enter", "human", "c1");
    qe(at(1, 10, 0, 2), "offer", "human", "c1", "A1");
    qe(at(1, 10, 0, 12), "connect", "human", "c1", "A1", 12000);
    qe(at(1, 10, 5, 12), "complete", "human", "c1", "A1", 0, 280000, 20000, "citizen");
    // c2: hangs up exactly at the 5 s short-abandon threshold: an abandon.
    qe(at(1, 10, 10), "enter", "human", "c2");
    qe(at(1, 10, 10, 5), "abandon", "human", "c2", "", 5000);
    // c3: hangs up 1 ms before it: a short abandon.
    qe(at(1, 10, 20), "enter", "human", "c3");
    queue_event({at(1, 10, 20, 4) + 999, "abandon", "human", "c3", "", 4999, 0, 0, "", 3});
    // A caller the queue could not take.
    qe(at(1, 10, 15), "refused", "human", "r1", "", 0, 0, 0, "queue_full");
    // c4: answered exactly at the 20 s service level, then transferred to the complaints queue.
    qe(at(1, 10, 30), "enter", "human", "c4");
    qe(at(1, 10, 30, 20), "connect", "human", "c4", "A2", 20000);
    qe(at(1, 10, 32, 0), "complete", "human", "c4", "A2", 0, 100000, 0, "transfer:queue:complaints");
    qe(at(1, 10, 32, 0), "enter", "complaints", "c4");
    qe(at(1, 10, 32, 30), "connect", "complaints", "c4", "A3", 30000);
    qe(at(1, 10, 33, 30), "complete", "complaints", "c4", "A3", 0, 60000, 0, "agent");
    // c5: overflows after 2 minutes to the english queue and abandons there.
    qe(at(1, 10, 40), "enter", "human", "c5");
    qe(at(1, 10, 42), "overflow", "human", "c5", "", 120000, 0, 0, "queue:english");
    qe(at(1, 10, 42), "enter", "english", "c5");
    qe(at(1, 10, 44, 10), "abandon", "english", "c5", "", 130000);
    // c6: asks to be called back; the first call-back connects 40 min 5 s after entering.
    qe(at(1, 10, 50), "enter", "human", "c6");
    qe(at(1, 10, 51), "callback_requested", "human", "c6", "", 60000);
    qe(at(1, 11, 30), "callback_placed", "human", "c6", "A1");
    qe(at(1, 11, 30, 5), "callback_connected", "human", "c6", "A1");
    qe(at(1, 11, 30, 5), "connect", "human", "c6", "A1", 2405000);
    qe(at(1, 11, 32, 5), "complete", "human", "c6", "A1", 0, 120000, 0, "citizen");
    // c7: asks to be called back; both call-backs fail.
    qe(at(1, 11, 0), "enter", "human", "c7");
    qe(at(1, 11, 1), "callback_requested", "human", "c7", "", 60000);
    qe(at(1, 11, 20), "callback_placed", "human", "c7", "A2");
    qe(at(1, 11, 20, 30), "callback_failed", "human", "c7", "A2", 0, 0, 0, "no_answer");
    qe(at(1, 11, 40), "callback_placed", "human", "c7", "A2");
    qe(at(1, 11, 40, 30), "callback_failed", "human", "c7", "A2", 0, 0, 0, "no_answer");
    // c8: enters at 23:59:50 and is answered after midnight: counts on March 1st.
    qe(at(1, 23, 59, 50), "enter", "human", "c8");
    qe(at(2, 0, 0, 25), "connect", "human", "c8", "A2", 35000);
    qe(at(2, 0, 3, 25), "complete", "human", "c8", "A2", 0, 180000, 0, "citizen");

    // A1's states: 09:00-12:00 logged in (10,800 s).
    ae(at(1, 9, 0), "A1", "logged_out", "not_ready", "login");
    ae(at(1, 9, 1), "A1", "not_ready", "ready");
    ae(at(1, 10, 0, 2), "A1", "ready", "ringing", "offer", "c1", "human");
    ae(at(1, 10, 0, 12), "A1", "ringing", "on_call", "answered", "c1", "human");
    ae(at(1, 10, 3, 0), "A1", "on_call", "on_hold", "hold", "c1", "human");
    ae(at(1, 10, 3, 20), "A1", "on_hold", "on_call", "resume", "c1", "human");
    ae(at(1, 10, 5, 12), "A1", "on_call", "wrap_up", "ended", "c1", "human");
    ae(at(1, 10, 5, 42), "A1", "wrap_up", "ready", "wrap_up_done");
    ae(at(1, 11, 29, 55), "A1", "ready", "ringing", "offer", "c6", "human");
    ae(at(1, 11, 30, 5), "A1", "ringing", "on_call", "answered", "c6", "human");
    ae(at(1, 11, 32, 5), "A1", "on_call", "ready", "ended");
    ae(at(1, 12, 0), "A1", "ready", "logged_out", "logout");
    // A9 works across midnight: 23:00-01:50.
    ae(at(1, 23, 0), "A9", "logged_out", "not_ready", "login");
    ae(at(1, 23, 10), "A9", "not_ready", "ready");
    ae(at(2, 1, 20), "A9", "ready", "not_ready", "meal");
    ae(at(2, 1, 50), "A9", "not_ready", "logged_out", "logout");

    // Ratings after the call (一次一评): c1 satisfied, c6 unsatisfied; a poll answer is no rating.
    db->exec(
        "INSERT INTO surveys (id, title, active, created_at) VALUES (1, '通话满意度', 1, 0), (2, '民意调查', 0, 0)");
    db->exec(
        "INSERT INTO survey_questions (id, survey_id, position, text, max_answer) VALUES (1, 1, 1, '满意请按1', 3),"
        " (2, 2, 1, '支持请按1', 2)");
    db->query(
          "INSERT INTO survey_answers (survey_id, question_id, answer, call_uuid, answered_at) VALUES "
          "(1, 1, 1, 'c1', ?), (1, 1, 3, 'c6', ?), (2, 2, 2, 'c1', ?)",
          at(1, 10, 6), at(1, 11, 33), at(1, 10, 7))
        .run();
  }

  Table report(ReportKind kind, std::int64_t first, std::int64_t last, Bucket bucket = Bucket::total,
               std::vector<std::string> group = {}, Source source = Source::automatic) {
    ReportRequest r;
    r.kind = kind;
    r.range = DayRange{first, last};
    r.bucket = bucket;
    r.group_by = std::move(group);
    r.source = source;
    r.now = at(31, 12, 0);
    return run_report(*db, r, Directory::load(*db, rules.categories, rules.calendar));
  }
};

// The value of a column in the row whose first cells are `keys` (row_type data unless "合计"/"小计" given).
nlohmann::json value(const Table& t, const std::string& column, std::vector<std::string> keys = {}) {
  auto json = to_json(t);
  for (const auto& row : json["rows"]) {
    bool match = true;
    std::size_t i = 0;
    for (const auto& c : t.columns) {
      if (!c.key_column || i >= keys.size()) break;
      if (row[c.key] != keys[i++]) match = false;
    }
    if (keys.empty() && row["row_type"] != "total") match = false;
    if (match) return row[column];
  }
  ADD_FAILURE() << "no row " << (keys.empty() ? "total" : keys[0]) << " in " << json.dump();
  return nullptr;
}

TEST_F(ReportsKpi, CallsOfOneDayByHand) {
  queue_day();
  const auto march1 = day(2026, 3, 1);
  auto t = report(ReportKind::calls, march1, march1, Bucket::total, {"queue"});
  auto human = [&](const std::string& c) { return value(t, c, {"human"}); };
  EXPECT_EQ(human("offered"), 8);  // c1..c8
  EXPECT_EQ(human("refused"), 1);
  EXPECT_EQ(human("answered"), 3);  // c1, c4, c8 (c6 connected by a call-back)
  EXPECT_EQ(human("callback_connected"), 1);
  EXPECT_EQ(human("abandoned"), 1);        // c2 at exactly 5 s
  EXPECT_EQ(human("short_abandoned"), 1);  // c3 at 4.999 s
  EXPECT_EQ(human("overflowed"), 1);
  // 接通率: (3 answered + 1 called back) / (8 offered + 1 refused − 1 overflowed to a queue − 1 short abandon)
  EXPECT_DOUBLE_EQ(human("answer_rate").get<double>(), std::round(4.0 / 7 * 1e4) / 1e4);
  EXPECT_DOUBLE_EQ(human("abandon_rate").get<double>(), 0.25);  // 1 / (3 + 1)
  // Within 20 s: c1 (12 s) and c4 (exactly 20 s), not c8 (35 s).
  EXPECT_DOUBLE_EQ(human("service_level").get<double>(), std::round(2.0 / 3 * 1e4) / 1e4);
  // (2 answered + 1 abandoned within 20 s, the short one excluded) / (3 + 1)
  EXPECT_DOUBLE_EQ(human("service_level_with_abandons").get<double>(), 0.75);
  EXPECT_DOUBLE_EQ(human("asa").get<double>(), 22.3);              // (12 + 20 + 35) / 3
  EXPECT_DOUBLE_EQ(human("avg_abandon_wait").get<double>(), 5.0);  // (5 + 4.999) / 2 = 4.9995
  EXPECT_DOUBLE_EQ(human("max_wait").get<double>(), 35.0);
  EXPECT_EQ(human("handled"), 4);  // c1, c4, c6, c8
  // (talk 280 + 100 + 120 + 180, hold 20, wrap-up 30) / 4
  EXPECT_DOUBLE_EQ(human("aht").get<double>(), 182.5);
  EXPECT_DOUBLE_EQ(human("avg_wrap").get<double>(), 7.5);
  EXPECT_EQ(human("transferred"), 1);
  EXPECT_DOUBLE_EQ(human("transfer_rate").get<double>(), 0.25);
  EXPECT_EQ(human("callback_requested"), 2);
  EXPECT_DOUBLE_EQ(human("callback_success").get<double>(), 0.5);

  // The transferred caller is offered again in complaints; the overflowed one in english.
  EXPECT_EQ(value(t, "offered", {"complaints"}), 1);
  EXPECT_EQ(value(t, "answered", {"complaints"}), 1);
  EXPECT_DOUBLE_EQ(value(t, "service_level", {"complaints"}).get<double>(), 0.0);  // 30 s
  EXPECT_EQ(value(t, "abandoned", {"english"}), 1);
  EXPECT_TRUE(value(t, "service_level", {"english"}).is_null());  // no answered caller: no rate
  // The total is computed from summed measures: 10 offered, 5 connected, answer rate 5 / (10 + 1 − 1 − 1).
  EXPECT_EQ(value(t, "offered"), 10);
  EXPECT_DOUBLE_EQ(value(t, "answer_rate").get<double>(), std::round(5.0 / 9 * 1e4) / 1e4);

  // c8 was answered after midnight but entered on March 1st: nothing on March 2nd.
  auto next = report(ReportKind::calls, march1 + 1, march1 + 1);
  EXPECT_EQ(value(next, "offered"), 0);
  EXPECT_EQ(value(next, "answered"), 0);

  // The same figures from the raw logs.
  auto raw = report(ReportKind::calls, march1, march1, Bucket::total, {"queue"}, Source::raw);
  EXPECT_EQ(raw.source, "raw");
  EXPECT_EQ(t.source, "aggregates");
  EXPECT_EQ(to_json(raw)["rows"], to_json(t)["rows"]);
}

TEST_F(ReportsKpi, ThresholdsAreParameters) {
  queue_day();
  const auto march1 = day(2026, 3, 1);
  ReportRequest r;
  r.kind = ReportKind::calls;
  r.range = DayRange{march1, march1};
  r.filters.queues = {"human"};
  r.kpi.service_level_seconds = 10;
  r.kpi.short_abandon_seconds = 0;  // every abandon counts
  auto d = Directory::load(*db, rules.categories, rules.calendar);
  auto t = run_report(*db, r, d);
  EXPECT_EQ(value(t, "abandoned"), 2);
  EXPECT_EQ(value(t, "short_abandoned"), 0);
  EXPECT_DOUBLE_EQ(value(t, "service_level").get<double>(), 0.0);  // nobody within 10 s
  // (0 + 2 abandoned within 10 s) / (3 + 2)
  EXPECT_DOUBLE_EQ(value(t, "service_level_with_abandons").get<double>(), 0.4);
  r.kpi.short_abandon_seconds = 10;  // S > T: every abandon within T is short
  t = run_report(*db, r, d);
  EXPECT_EQ(value(t, "short_abandoned"), 2);
  EXPECT_DOUBLE_EQ(value(t, "service_level_with_abandons").get<double>(), 0.0);
  r.kpi.service_level_seconds = 25;
  EXPECT_THROW(run_report(*db, r, d), hotline::Error);
}

TEST_F(ReportsKpi, HourlyBucketsFollowTheEntryHour) {
  queue_day();
  const auto march1 = day(2026, 3, 1);
  auto t = report(ReportKind::calls, march1, march1 + 1, Bucket::hour);
  // human c1..c6, complaints c4, english c5
  EXPECT_EQ(value(t, "offered", {"2026-03-01 10:00"}), 8);
  EXPECT_EQ(value(t, "offered", {"2026-03-01 11:00"}), 1);   // c7
  EXPECT_EQ(value(t, "answered", {"2026-03-01 23:00"}), 1);  // c8
  EXPECT_EQ(value(t, "offered"), 10);
}

TEST_F(ReportsKpi, AgentWorkloadByHand) {
  queue_day();
  const auto march1 = day(2026, 3, 1);
  // A1 registers two tickets.
  Actor a1{11, "A1"};
  create_ticket(*db, key, rules, sample(), a1, at(1, 10, 4));
  create_ticket(*db, key, rules, sample(), a1, at(1, 11, 31));
  auto t = report(ReportKind::agents, march1, march1);
  auto a = [&](const std::string& c) { return value(t, c, {"A1", "李一"}); };
  EXPECT_EQ(a("offers"), 1);
  EXPECT_EQ(a("answered"), 2);  // c1 and the call-back c6
  EXPECT_EQ(a("handled"), 2);
  EXPECT_DOUBLE_EQ(a("talk_time").get<double>(), 400.0);  // 280 + 120
  EXPECT_DOUBLE_EQ(a("hold_time").get<double>(), 20.0);
  EXPECT_DOUBLE_EQ(a("wrap_time").get<double>(), 30.0);
  EXPECT_DOUBLE_EQ(a("aht").get<double>(), 225.0);  // (400 + 20 + 30) / 2
  EXPECT_EQ(a("tickets_created"), 2);
  EXPECT_DOUBLE_EQ(a("logged_in_time").get<double>(), 10800.0);
  EXPECT_DOUBLE_EQ(a("not_ready_time").get<double>(), 60.0);
  // ready: 09:01-10:00:02, 10:05:42-11:29:55, 11:32:05-12:00
  EXPECT_DOUBLE_EQ(a("ready_time").get<double>(), 3542.0 + 5053.0 + 1675.0);
  EXPECT_DOUBLE_EQ(a("on_call_time").get<double>(), 420.0);  // 168 + 112 + 120 on call, 20 on hold
  // (400 on call + 20 on hold + 30 wrap-up) / (10,800 − 60 not ready)
  EXPECT_DOUBLE_EQ(a("occupancy").get<double>(), std::round(450.0 / 10740 * 1e4) / 1e4);
  EXPECT_EQ(a("logins"), 1);
  EXPECT_EQ(a("rated"), 2);
  EXPECT_DOUBLE_EQ(a("satisfaction_rate").get<double>(), 0.5);

  // A9 across midnight: March 1st 23:00-24:00 (10 min not ready, 50 ready), March 2nd 00:00-01:50.
  auto day1 = report(ReportKind::agents, march1, march1);
  EXPECT_DOUBLE_EQ(value(day1, "ready_time", {"A9", "赵九"}).get<double>(), 3000.0);
  EXPECT_DOUBLE_EQ(value(day1, "not_ready_time", {"A9", "赵九"}).get<double>(), 600.0);
  auto day2 = report(ReportKind::agents, march1 + 1, march1 + 1);
  EXPECT_DOUBLE_EQ(value(day2, "ready_time", {"A9", "赵九"}).get<double>(), 4800.0);
  EXPECT_DOUBLE_EQ(value(day2, "not_ready_time", {"A9", "赵九"}).get<double>(), 1800.0);
  EXPECT_EQ(value(day2, "logins", {"A9", "赵九"}), 0);
  auto hours = report(ReportKind::agents, march1, march1 + 1, Bucket::hour);
  EXPECT_DOUBLE_EQ(value(hours, "ready_time", {"2026-03-02 01:00", "A9"}).get<double>(), 1200.0);
  EXPECT_DOUBLE_EQ(value(hours, "not_ready_time", {"2026-03-02 01:00", "A9"}).get<double>(), 1800.0);

  // Not-ready reasons: login 10 min on the 1st, meal 30 min on the 2nd, each once.
  auto reasons = report(ReportKind::agent_states, march1, march1 + 1);
  EXPECT_EQ(value(reasons, "count", {"A9", "赵九", "meal"}), 1);
  EXPECT_DOUBLE_EQ(value(reasons, "time", {"A9", "赵九", "meal"}).get<double>(), 1800.0);
  EXPECT_DOUBLE_EQ(value(reasons, "time", {"A9", "赵九", "login"}).get<double>(), 600.0);

  auto raw = report(ReportKind::agents, march1, march1 + 1, Bucket::hour, {}, Source::raw);
  EXPECT_EQ(to_json(raw)["rows"], to_json(hours)["rows"]);
}

// Four tickets through their lives in March 2026, department by department.
TEST_F(ReportsKpi, TicketRatesByHand) {
  auto act = [&](Ticket& t, Action a, Ms when, ActionArgs args = {}) {
    args.now = when;
    if (args.reason.empty()) args.reason = "原因";
    if (!args.reply) args.reply = "已处理";
    t = apply_action(*db, t.id, t.version, a, agent, args);
  };
  auto to = [](std::int64_t dept) {
    ActionArgs a;
    a.lead_department_id = dept;
    return a;
  };
  auto rated = [](Satisfaction s) {
    ActionArgs a;
    a.satisfaction = s;
    return a;
  };
  // T1: complaint 0301 -> water, category corrected to 0302, everything on time, satisfied.
  Ticket t1 = create(sample(TicketType::complaint), at(2, 9, 0));
  act(t1, Action::dispatch, at(2, 9, 10), to(water));
  TicketPatch recategorise;
  recategorise.category_code = "0302";
  t1 = edit_ticket(*db, rules, t1.id, t1.version, recategorise, agent, "改类别", at(2, 9, 20));
  act(t1, Action::sign, *t1.sign_due - 3600000);
  act(t1, Action::reply, *t1.reply_due - 3600000);
  act(t1, Action::accept_reply, *t1.reply_due - 1800000);
  act(t1, Action::record_callback, *t1.reply_due - 900000, rated(Satisfaction::satisfied));
  act(t1, Action::close, *t1.close_due - 3600000);
  // T2: a consultation answered on the spot.
  auto n2 = sample(TicketType::consultation);
  n2.category_code = "0901";
  Ticket t2 = create(n2, at(2, 9, 30));
  act(t2, Action::close_on_spot, at(2, 9, 35));
  // T3: housing, signed and replied late, sent back, unsatisfied, reopened, done on time
  // the second time, closed late.
  auto n3 = sample(TicketType::complaint);
  n3.category_code = "0101";
  Ticket t3 = create(n3, at(2, 10, 0));
  act(t3, Action::dispatch, at(2, 10, 5), to(housing));
  act(t3, Action::sign, *t3.sign_due + 3600000);
  act(t3, Action::reply, *t3.reply_due + 3600000);
  act(t3, Action::send_back, *t3.reply_due + 7200000);
  act(t3, Action::reply, *t3.reply_due + 10800000);
  act(t3, Action::accept_reply, *t3.reply_due + 14400000);
  act(t3, Action::record_callback, *t3.reply_due + 18000000, rated(Satisfaction::unsatisfied));
  Ms reopened = *t3.reply_due + 21600000;
  ActionArgs again;
  again.sign_due = reopened + 86400000;
  again.reply_due = reopened + 3 * 86400000;
  act(t3, Action::reopen, reopened, again);
  act(t3, Action::sign, reopened + 3600000);
  act(t3, Action::reply, reopened + 7200000);
  act(t3, Action::accept_reply, reopened + 10800000);
  act(t3, Action::record_callback, reopened + 14400000, rated(Satisfaction::basically_satisfied));
  act(t3, Action::close, *t3.close_due + 3600000);
  // T4: water returns it, re-dispatched to housing, closed on time without a callback.
  Ticket t4 = create(sample(TicketType::help), at(2, 11, 0));
  act(t4, Action::dispatch, at(2, 11, 5), to(water));
  act(t4, Action::return_to_hotline, at(2, 11, 30));
  act(t4, Action::redispatch, at(2, 11, 40), to(housing));
  act(t4, Action::sign, at(2, 12, 0));
  act(t4, Action::reply, at(2, 13, 0));
  act(t4, Action::accept_reply, at(2, 14, 0));
  act(t4, Action::close, at(2, 15, 0));
  ASSERT_EQ(t3.state, State::closed);

  const auto first = day(2026, 3, 1), last = day(2026, 3, 31);
  auto t = report(ReportKind::tickets, first, last);
  EXPECT_EQ(value(t, "created"), 4);
  EXPECT_EQ(value(t, "closed_on_spot"), 1);
  EXPECT_EQ(value(t, "dispatched"), 5);  // T1, T3 twice (dispatch, reopen), T4 twice (dispatch, redispatch)
  EXPECT_EQ(value(t, "signed"), 4);
  EXPECT_DOUBLE_EQ(value(t, "signed_on_time_rate").get<double>(), 0.75);  // T3's first signing late
  EXPECT_EQ(value(t, "replied"), 5);
  EXPECT_DOUBLE_EQ(value(t, "replied_on_time_rate").get<double>(), 0.6);  // T3's first two replies late
  EXPECT_EQ(value(t, "finished"), 4);
  EXPECT_DOUBLE_EQ(value(t, "closed_on_time_rate").get<double>(), 0.75);  // (1 on the spot + T1 + T4) / 4
  EXPECT_DOUBLE_EQ(value(t, "first_contact_rate").get<double>(), 0.5);    // (T2 on the spot + T1) / 4
  EXPECT_EQ(value(t, "returned"), 1);
  EXPECT_EQ(value(t, "redispatched"), 1);
  EXPECT_EQ(value(t, "reworked"), 1);
  EXPECT_EQ(value(t, "reopened"), 1);
  EXPECT_EQ(value(t, "callbacks"), 3);
  EXPECT_DOUBLE_EQ(value(t, "satisfaction_rate").get<double>(), std::round(2.0 / 3 * 1e4) / 1e4);

  // By department: the lead unit at the time of each action.
  auto by = report(ReportKind::tickets, first, last, Bucket::total, {"department"});
  EXPECT_EQ(value(by, "created", {"（未派单）"}), 4);
  EXPECT_EQ(value(by, "dispatched", {"市水务局"}), 2);
  EXPECT_EQ(value(by, "dispatched", {"市住建局"}), 3);
  EXPECT_EQ(value(by, "returned", {"市水务局"}), 1);
  EXPECT_EQ(value(by, "signed", {"市住建局"}), 3);
  EXPECT_DOUBLE_EQ(value(by, "signed_on_time_rate", {"市住建局"}).get<double>(), std::round(2.0 / 3 * 1e4) / 1e4);
  EXPECT_DOUBLE_EQ(value(by, "satisfaction_rate", {"市水务局"}).get<double>(), 1.0);
  // By category: T1's actions after the correction count under 0302.
  auto cat = report(ReportKind::tickets, first, last, Bucket::total, {"category"});
  EXPECT_EQ(value(cat, "created", {"0301 公用事业 / 供水"}), 2);     // T1, T4
  EXPECT_EQ(value(cat, "dispatched", {"0301 公用事业 / 供水"}), 3);  // T1, T4 twice
  EXPECT_EQ(value(cat, "signed", {"0302 公用事业 / 供电"}), 1);
  EXPECT_EQ(value(cat, "satisfied", {"0302 公用事业 / 供电"}), 1);

  // Raw logs agree, also grouped two ways with subtotals.
  auto two = report(ReportKind::tickets, first, last, Bucket::total, {"department", "category"});
  auto two_raw = report(ReportKind::tickets, first, last, Bucket::total, {"department", "category"}, Source::raw);
  EXPECT_EQ(to_json(two)["rows"], to_json(two_raw)["rows"]);
  EXPECT_EQ(value(two, "dispatched", {"市住建局", "小计"}), 3);
}

}  // namespace
}  // namespace reports_test
