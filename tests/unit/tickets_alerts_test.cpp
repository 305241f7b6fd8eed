// The scheduler's building blocks (reminders and escalations fire once, and
// whom they reach), editing under the version check, ticket search, duplicate
// detection, the rate limiter and the `tickets` configuration section.
#include <gtest/gtest.h>

#include "hotline/core/config.hpp"
#include "hotline/tickets/alerts.hpp"
#include "hotline/tickets/editing.hpp"
#include "hotline/tickets/lifecycle.hpp"
#include "hotline/tickets/reminders.hpp"
#include "hotline/tickets/services.hpp"
#include "tickets_fixture.hpp"

using namespace tickets_test;
using hotline::Errc;

namespace {

struct TicketsAlerts : TicketDb {
  TicketsAlerts() {
    user(2, "8001", "supervisor", std::nullopt);
    user(3, "w1", "department_staff", water);
    user(4, "h1", "department_staff", housing);
    user(5, "9001", "agent", std::nullopt);
  }
  void user(std::int64_t id, const std::string& job, const std::string& role, std::optional<std::int64_t> dept) {
    db->query(
          "INSERT INTO users (id, job_number, display_name, password_hash, password_changed_at, created_at, "
          "updated_at, department_id) VALUES (?, ?, ?, 'x', 0, 0, 0, ?)",
          id, job, job, dept)
        .run();
    db->query("INSERT INTO user_roles (user_id, role) VALUES (?, ?)", id, role).run();
  }
  Ticket dispatched(std::int64_t at) {
    auto t = create(sample(), at);
    ActionArgs a;
    a.lead_department_id = water;
    a.now = at;
    return apply_action(*db, t.id, t.version, Action::dispatch, agent, a);
  }
};

}  // namespace

TEST_F(TicketsAlerts, ReminderFiresOnceToTheAuthorCreatorUnitAndSupervisors) {
  auto t = dispatched(cst(2026, 11, 30, 9));
  add_reminder(*db, t.id, cst(2026, 11, 30, 10), "催办", Actor{5, "9001"}, cst(2026, 11, 30, 9));
  EXPECT_TRUE(fire_due_reminders(*db, cst(2026, 11, 30, 9, 59)).empty());
  EXPECT_EQ(next_reminder_at(*db), cst(2026, 11, 30, 10));
  auto fired = fire_due_reminders(*db, cst(2026, 11, 30, 10));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].kind, "reminder");
  EXPECT_EQ(fired[0].number, t.number);
  EXPECT_EQ(fired[0].note, "催办");
  EXPECT_EQ(fired[0].recipients, (std::vector<std::int64_t>{1, 2, 3, 5}));  // not h1 of another unit
  EXPECT_TRUE(fire_due_reminders(*db, cst(2026, 11, 30, 11)).empty());
  EXPECT_FALSE(next_reminder_at(*db));
}

TEST_F(TicketsAlerts, EscalationsGoYellowThenRedOnceEach) {
  auto start = cst(2026, 11, 30, 9);
  auto t = dispatched(start);
  ASSERT_TRUE(t.sign_due);
  auto due = *t.sign_due;
  auto at = [&](double f) { return start + static_cast<std::int64_t>((due - start) * f); };
  EXPECT_TRUE(escalation_candidates(*db, at(0.5), 0.8).empty());
  auto c = escalation_candidates(*db, at(0.85), 0.8);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ((std::pair{c[0].deadline, c[0].level}), (std::pair<std::string, std::string>{"sign", "yellow"}));
  auto fired = fire_escalations(*db, c, at(0.85));
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].recipients, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_TRUE(fire_escalations(*db, c, at(0.86)).empty());  // a second writer loses
  EXPECT_TRUE(escalation_candidates(*db, at(0.9), 0.8).empty());
  c = escalation_candidates(*db, due, 0.8);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].level, "red");
  EXPECT_EQ(fire_escalations(*db, c, due).size(), 1u);
  EXPECT_TRUE(escalation_candidates(*db, due + kDayMs, 0.8).empty());
  // Signed: the reply deadline is what matters now, and a stale candidate is dropped.
  auto signed_t = apply_action(*db, t.id, t.version, Action::sign, Actor{3, "w1"}, ActionArgs{});
  EXPECT_TRUE(fire_escalations(*db, c, due + 1).empty());
  c = escalation_candidates(*db, *signed_t.reply_due + 1, 0.8);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ((std::pair{c[0].deadline, c[0].level}), (std::pair<std::string, std::string>{"reply", "red"}));
  // Shown at login: supervisors see everything, the unit its own, others their own tickets.
  fire_escalations(*db, c, *signed_t.reply_due + 1);
  EXPECT_EQ(recent_alerts(*db, {2, true, std::nullopt}, 0).size(), 3u);
  EXPECT_EQ(recent_alerts(*db, {3, false, water}, 0).size(), 3u);
  EXPECT_EQ(recent_alerts(*db, {4, false, housing}, 0).size(), 0u);
  EXPECT_EQ(recent_alerts(*db, {1, false, std::nullopt}, 0).size(), 3u);  // the creator
  EXPECT_EQ(recent_alerts(*db, {5, false, std::nullopt}, 0).size(), 0u);
}

TEST_F(TicketsAlerts, YellowIsMeasuredFromWhenTheUnitGotTheTicket) {
  const auto created = cst(2026, 11, 30, 9);
  auto t = create(sample(), created);
  ASSERT_TRUE(t.sign_due);
  const auto due = *t.sign_due;
  EXPECT_EQ(t.phase_started_at, created);
  const auto late = created + (due - created) * 7 / 10;  // the hotline dispatched it late
  ActionArgs a;
  a.lead_department_id = water;
  a.now = late;
  t = apply_action(*db, t.id, t.version, Action::dispatch, agent, a);
  EXPECT_EQ(t.phase_started_at, late);
  // 85 % of the time since the creation is gone, but not of the unit's own time: no warning yet.
  EXPECT_TRUE(escalation_candidates(*db, created + (due - created) * 85 / 100, 0.8).empty());
  auto c = escalation_candidates(*db, late + (due - late) * 85 / 100, 0.8);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ((std::pair{c[0].deadline, c[0].level}), (std::pair<std::string, std::string>{"sign", "yellow"}));
  // Signed: the reply phase starts then.
  const auto signed_at = late + (due - late) / 2;
  ActionArgs s;
  s.now = signed_at;
  t = apply_action(*db, t.id, t.version, Action::sign, Actor{3, "w1"}, s);
  EXPECT_EQ(t.phase_started_at, signed_at);
}

TEST_F(TicketsAlerts, FinishedTicketsDoNotEscalate) {
  auto t = create(sample(), cst(2026, 11, 30, 9));
  ActionArgs a;
  a.reply = "已答复";
  apply_action(*db, t.id, t.version, Action::close_on_spot, agent, a);
  EXPECT_TRUE(escalation_candidates(*db, cst(2027, 1, 1), 0.5).empty());
}

TEST_F(TicketsAlerts, EditChecksTheVersionAndRecomputesDeadlines) {
  auto t = create(sample(TicketType::consultation), cst(2026, 11, 30, 9));
  TicketPatch p;
  p.summary = "新的摘要";
  p.type = TicketType::complaint;
  auto e = edit_ticket(*db, rules, t.id, t.version, p, agent, "更正类型", cst(2026, 11, 30, 10));
  EXPECT_EQ(e.version, 2);
  EXPECT_EQ(e.summary, "新的摘要");
  EXPECT_GT(*e.reply_due, *t.reply_due);
  EXPECT_EQ(error_code_of([&] { edit_ticket(*db, rules, t.id, 1, p, agent, "", cst(2026, 11, 30, 11)); }),
            Errc::conflict);
  auto h = history_of(*db, t.id);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[1].action, "edit");
  EXPECT_EQ(h[1].reason, "更正类型");
  EXPECT_NE(h[1].changes.find("reply_due"), std::string::npos);
  p = {};
  p.category_code = "nope";
  EXPECT_EQ(error_code_of([&] { edit_ticket(*db, rules, t.id, 2, p, agent, "", 0); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { edit_ticket(*db, rules, t.id, 2, TicketPatch{}, agent, "", 0); }),
            Errc::invalid_argument);
  ActionArgs a;
  a.reply = "已答复";
  apply_action(*db, t.id, 2, Action::close_on_spot, agent, a);
  p = {};
  p.summary = "x";
  EXPECT_EQ(error_code_of([&] { edit_ticket(*db, rules, t.id, 3, p, agent, "", 0); }), Errc::conflict);
}

TEST_F(TicketsAlerts, SearchAndDuplicates) {
  auto a = create(sample());
  auto b = sample();
  b.summary = "路灯不亮";
  b.content = "梧桐大道路灯连续一周不亮";
  b.category_code = "0302";
  auto bt = create(b);
  TicketFilter f;
  auto ids = [](const std::vector<Ticket>& v) {
    std::vector<std::int64_t> out;
    for (const auto& t : v) out.push_back(t.id);
    return out;
  };
  EXPECT_EQ(ids(search_tickets(*db, f, "梧桐大道")), std::vector<std::int64_t>{bt.id});
  EXPECT_EQ(ids(search_tickets(*db, f, "路灯")), std::vector<std::int64_t>{bt.id});  // 2 characters: substring
  EXPECT_EQ(ids(search_tickets(*db, f, "停水")), std::vector<std::int64_t>{a.id});
  EXPECT_TRUE(search_tickets(*db, f, "梧桐大道 停水").empty());
  f.state = State::dispatched;
  EXPECT_TRUE(search_tickets(*db, f, "停水").empty());
  EXPECT_EQ(error_code_of([&] { search_tickets(*db, TicketFilter{}, "  "); }), Errc::invalid_argument);
  {  // the index drives 3+ character words: newest first, paged by before_id, with filters and short words
    auto c = create(b);
    auto d = create(b);
    TicketFilter page;
    page.limit = 2;
    EXPECT_EQ(ids(search_tickets(*db, page, "梧桐大道")), (std::vector<std::int64_t>{d.id, c.id}));
    page.before_id = c.id;
    EXPECT_EQ(ids(search_tickets(*db, page, "梧桐大道")), std::vector<std::int64_t>{bt.id});
    page.before_id.reset();
    page.limit = 20;
    EXPECT_EQ(ids(search_tickets(*db, page, "梧桐大道 路灯")), (std::vector<std::int64_t>{d.id, c.id, bt.id}));
    page.state = State::dispatched;
    EXPECT_TRUE(search_tickets(*db, page, "梧桐大道").empty());

    // Short words only: a window of scan_tickets tickets per call, then where to go on.
    ASSERT_EQ(d.id, a.id + 3);  // consecutive ids: the windows below count on it
    TicketFilter scan;
    scan.scan_tickets = 1;  // ids: a, bt, c, d; the window reads d only
    auto first = search_ticket_page(*db, scan, "路灯");
    EXPECT_EQ(ids(first.tickets), std::vector<std::int64_t>{d.id});
    ASSERT_TRUE(first.next_before_id);
    EXPECT_EQ(*first.next_before_id, d.id);
    scan.before_id = first.next_before_id;
    scan.scan_tickets = 2;  // c and bt
    auto second = search_ticket_page(*db, scan, "路灯");
    EXPECT_EQ(ids(second.tickets), (std::vector<std::int64_t>{c.id, bt.id}));
    EXPECT_EQ(second.next_before_id, bt.id);
    scan.before_id = second.next_before_id;
    auto last = search_ticket_page(*db, scan, "路灯");  // a is the oldest ticket: nothing after it
    EXPECT_TRUE(last.tickets.empty());
    EXPECT_FALSE(last.next_before_id);
    scan.before_id.reset();
    scan.scan_tickets = 100;
    scan.limit = 2;  // a full page points at its last ticket
    EXPECT_EQ(search_ticket_page(*db, scan, "路灯").next_before_id, c.id);
    scan.limit = 20;
    EXPECT_FALSE(search_ticket_page(*db, scan, "路灯").next_before_id);
    EXPECT_FALSE(search_ticket_page(*db, scan, "梧桐大道").next_before_id);
  }
  EXPECT_EQ(ids(open_duplicates(*db, key, "+86 138 1234 5678", "0301")), std::vector<std::int64_t>{a.id});
  EXPECT_TRUE(open_duplicates(*db, key, "13900000000", "0301").empty());
  ActionArgs r;
  r.reason = "重复";
  apply_action(*db, a.id, a.version, Action::reject, agent, r);
  EXPECT_TRUE(open_duplicates(*db, key, "13812345678", "0301").empty());
}

TEST(TicketsRateLimiter, CountsPerKeyPerWindow) {
  RateLimiter limiter(2, 1000);
  EXPECT_TRUE(limiter.allow("a", 0));
  EXPECT_TRUE(limiter.allow("a", 10));
  EXPECT_FALSE(limiter.allow("a", 20));
  EXPECT_TRUE(limiter.allow("b", 20));
  EXPECT_TRUE(limiter.allow("a", 1000));
}

TEST(TicketsConfig, SectionIsReadAndChecked) {
  auto c = hotline::parse_config(R"({"tickets": {"holidays": ["2026-10-01"], "makeup_workdays": ["2026-10-10"],
      "deadlines": {"reply_working_days": {"consultation": 2}, "urgent_reply_hours": 12},
      "escalation_yellow_percent": 75, "open311_api_keys": ["0123456789abcdef"]}})",
                                 "t.json");
  EXPECT_EQ(c.tickets.escalation_yellow_percent, 75u);
  auto rules = rules_from(c.tickets);
  EXPECT_FALSE(rules.calendar.is_working_day(parse_day("2026-10-01")));
  EXPECT_TRUE(rules.calendar.is_working_day(parse_day("2026-10-10")));
  EXPECT_EQ(rules.policy.reply_working_days.at(TicketType::consultation), 2);
  EXPECT_EQ(rules.policy.urgent_reply_ms, 12LL * 3600 * 1000);
  try {
    hotline::parse_config(R"({"tickets": {"holidays": ["2026-02-30"], "makeup_workdays": ["2026-10-01", "x"],
        "deadlines": {"reply_working_days": {"gossip": 1}}, "escalation_yellow_percent": 100,
        "open311_api_keys": ["short"]}})",
                          "t.json");
    FAIL() << "expected a ConfigError";
  } catch (const hotline::ConfigError& e) {
    std::string all = e.what();
    EXPECT_NE(all.find("tickets.holidays[0]: expected a date"), std::string::npos) << all;
    EXPECT_NE(all.find("tickets.makeup_workdays[1]"), std::string::npos) << all;
    EXPECT_NE(all.find("tickets.deadlines.reply_working_days.gossip: unknown key"), std::string::npos) << all;
    EXPECT_NE(all.find("tickets.escalation_yellow_percent"), std::string::npos) << all;
    EXPECT_NE(all.find("tickets.open311_api_keys[0]"), std::string::npos) << all;
  }
}

TEST_F(TicketsAlerts, OverdueListWalksOpenTicketsNewestFirst) {
  auto old = dispatched(cst(2026, 11, 2, 9));
  auto fresh = create(sample(), cst(2026, 11, 30, 9));
  auto done = create(sample(), cst(2026, 11, 2, 10));
  ActionArgs a;
  a.reply = "已答复";
  apply_action(*db, done.id, done.version, Action::close_on_spot, agent, a);
  auto other = create(sample(), cst(2026, 11, 3, 9));
  TicketFilter f;
  auto now = cst(2026, 11, 30, 12);
  auto ids = [](const std::vector<Ticket>& v) {
    std::vector<std::int64_t> out;
    for (const auto& t : v) out.push_back(t.id);
    return out;
  };
  EXPECT_EQ(ids(list_overdue(*db, f, now)), (std::vector<std::int64_t>{other.id, old.id}));
  f.overdue_at = now;
  EXPECT_EQ(ids(list_overdue(*db, f, now)), ids(list_tickets(*db, f)));  // the same answer as the library's list
  f.department_id = water;
  EXPECT_EQ(ids(list_overdue(*db, f, now)), std::vector<std::int64_t>{old.id});
  f.department_id.reset();
  f.limit = 1;
  auto page = list_overdue(*db, f, now);
  f.before_id = page.back().id;
  EXPECT_EQ(ids(list_overdue(*db, f, now)), std::vector<std::int64_t>{old.id});
  EXPECT_TRUE(list_overdue(*db, TicketFilter{}, cst(2026, 11, 1)).empty());
  (void)fresh;
}
