// The ticket state machine: every legal transition, a refusal for every
// illegal one, optimistic concurrency and the history of each change.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "hotline/tickets/lifecycle.hpp"
#include "tickets_fixture.hpp"

using namespace tickets_test;
using hotline::Errc;

namespace {

constexpr State kAllStates[] = {
    State::created,    State::closed_on_spot, State::rejected,    State::referred,
    State::dispatched, State::signed_for,     State::returned,    State::extension_requested,
    State::replied,    State::reviewed,       State::called_back, State::closed,
    State::merged,     State::archived};
constexpr Action kAllActions[] = {Action::close_on_spot,
                                  Action::reject,
                                  Action::refer,
                                  Action::dispatch,
                                  Action::sign,
                                  Action::return_to_hotline,
                                  Action::redispatch,
                                  Action::request_extension,
                                  Action::approve_extension,
                                  Action::refuse_extension,
                                  Action::reply,
                                  Action::accept_reply,
                                  Action::send_back,
                                  Action::record_callback,
                                  Action::reopen,
                                  Action::close,
                                  Action::merge,
                                  Action::archive};

// Written out independently of src/tickets/lifecycle.cpp: the specification.
const std::map<std::pair<State, Action>, State> kLegal = {
    {{State::created, Action::close_on_spot}, State::closed_on_spot},
    {{State::created, Action::reject}, State::rejected},
    {{State::created, Action::refer}, State::referred},
    {{State::created, Action::dispatch}, State::dispatched},
    {{State::created, Action::merge}, State::merged},
    {{State::dispatched, Action::sign}, State::signed_for},
    {{State::dispatched, Action::return_to_hotline}, State::returned},
    {{State::dispatched, Action::merge}, State::merged},
    {{State::signed_for, Action::return_to_hotline}, State::returned},
    {{State::signed_for, Action::request_extension}, State::extension_requested},
    {{State::signed_for, Action::reply}, State::replied},
    {{State::signed_for, Action::merge}, State::merged},
    {{State::returned, Action::redispatch}, State::dispatched},
    {{State::returned, Action::merge}, State::merged},
    {{State::extension_requested, Action::approve_extension}, State::signed_for},
    {{State::extension_requested, Action::refuse_extension}, State::signed_for},
    {{State::extension_requested, Action::merge}, State::merged},
    {{State::replied, Action::accept_reply}, State::reviewed},
    {{State::replied, Action::send_back}, State::signed_for},
    {{State::reviewed, Action::record_callback}, State::called_back},
    {{State::reviewed, Action::close}, State::closed},
    {{State::called_back, Action::close}, State::closed},
    {{State::called_back, Action::reopen}, State::dispatched},
    {{State::closed_on_spot, Action::archive}, State::archived},
    {{State::rejected, Action::archive}, State::archived},
    {{State::referred, Action::archive}, State::archived},
    {{State::closed, Action::archive}, State::archived},
    {{State::merged, Action::archive}, State::archived},
};

struct TicketActions : TicketDb {
  // Runs an action on the ticket's current version.
  Ticket act(const Ticket& t, Action a, ActionArgs args = {}) {
    if (needs_reason(a) && args.reason.empty()) args.reason = "理由";
    if (!args.now) args.now = clock += 60000;
    return apply_action(*db, t.id, t.version, a, agent, args);
  }
  ActionArgs to(std::int64_t lead, std::vector<std::int64_t> assisting = {}) {
    ActionArgs a;
    a.lead_department_id = lead;
    a.assisting_department_ids = std::move(assisting);
    return a;
  }
  ActionArgs with_reply(const std::string& text) {
    ActionArgs a;
    a.reply = text;
    return a;
  }
  ActionArgs with_satisfaction(Satisfaction s) {
    ActionArgs a;
    a.satisfaction = s;
    return a;
  }
  std::int64_t clock = cst(2026, 11, 28, 10);
};

}  // namespace

TEST(TicketLifecycle, TableMatchesTheSpecificationForEveryPair) {
  int legal = 0;
  for (State s : kAllStates) {
    for (Action a : kAllActions) {
      auto it = kLegal.find({s, a});
      auto next = next_state(s, a);
      if (it != kLegal.end()) {
        ++legal;
        ASSERT_TRUE(next) << to_string(a) << " on " << to_string(s);
        EXPECT_EQ(*next, it->second) << to_string(a) << " on " << to_string(s);
        EXPECT_EQ(transition("2026112800001", s, a), it->second);
      } else {
        EXPECT_FALSE(next) << to_string(a) << " on " << to_string(s) << " must be refused";
        EXPECT_EQ(error_code_of([&] { transition("2026112800001", s, a); }), Errc::conflict);
      }
    }
  }
  EXPECT_EQ(legal, static_cast<int>(kLegal.size()));
  EXPECT_EQ(error_of([] { transition("2026112800123", State::closed, Action::sign); }),
            "ticket 2026112800123: cannot sign a closed ticket");
}

TEST(TicketLifecycle, NamesRoundTrip) {
  for (State s : kAllStates) EXPECT_EQ(parse_state(to_string(s)), s);
  for (Action a : kAllActions) EXPECT_EQ(parse_action(to_string(a)), a);
  EXPECT_EQ(to_string(State::signed_for), "signed");  // the enumerator dodges the keyword, the name does not
  EXPECT_EQ(label(State::signed_for), "已签收");
  EXPECT_EQ(label(Urgency::extra_urgent), "特急");
  EXPECT_EQ(label(TicketType::mailbox), "信箱");
}

TEST_F(TicketActions, TheWholeClosedLoopWithHistory) {
  auto t = create(sample());
  EXPECT_EQ(t.state, State::created);
  EXPECT_EQ(t.version, 1);
  t = act(t, Action::dispatch, to(water, {housing, water, housing}));
  EXPECT_EQ(t.state, State::dispatched);
  EXPECT_EQ(t.lead_department_id, water);
  EXPECT_EQ(t.assisting_department_ids, std::vector<std::int64_t>{housing});  // deduplicated, lead removed
  t = act(t, Action::sign);
  t = act(t, Action::reply, with_reply("已安排抢修，今日恢复供水。"));
  t = act(t, Action::accept_reply);
  t = act(t, Action::record_callback, with_satisfaction(Satisfaction::satisfied));
  t = act(t, Action::close);
  t = act(t, Action::archive);
  EXPECT_EQ(t.state, State::archived);
  EXPECT_EQ(t.version, 8);
  EXPECT_EQ(t.reply, "已安排抢修，今日恢复供水。");
  EXPECT_EQ(t.satisfaction, Satisfaction::satisfied);
  EXPECT_EQ(get_ticket(*db, t.id)->version, 8);

  auto h = history_of(*db, t.id);
  ASSERT_EQ(h.size(), 8u);
  EXPECT_EQ(h[0].action, "create");
  EXPECT_EQ(h[1].action, "dispatch");
  EXPECT_EQ(h[1].from_state, State::created);
  EXPECT_EQ(h[1].to_state, State::dispatched);
  EXPECT_EQ(h[1].actor.name, "1001");
  EXPECT_EQ(h[1].actor.user_id, 1);
  auto changes = nlohmann::json::parse(h[1].changes);
  EXPECT_EQ(changes["lead_department_id"], nlohmann::json({nullptr, water}));
  EXPECT_EQ(changes["state"], nlohmann::json({"created", "dispatched"}));
  EXPECT_EQ(h[7].action, "archive");
  EXPECT_LT(h[1].at, h[7].at);
}

TEST_F(TicketActions, HistoryIsAppendOnly) {
  auto t = create(sample());
  EXPECT_THROW(db->exec("UPDATE ticket_history SET reason = 'x'"), hotline::Error);
  EXPECT_THROW(db->exec("DELETE FROM ticket_history"), hotline::Error);
  EXPECT_EQ(history_of(*db, t.id).size(), 1u);
}

TEST_F(TicketActions, StaleVersionIsAConflictAndChangesNothing) {
  auto t = create(sample());
  auto seen_by_a = t;
  auto seen_by_b = t;
  act(seen_by_a, Action::dispatch, to(water));
  ActionArgs args;
  args.reason = "非本热线受理范围";
  std::string message =
      error_of([&] { apply_action(*db, seen_by_b.id, seen_by_b.version, Action::reject, agent, args); });
  EXPECT_EQ(message, "ticket " + t.number + " was changed by someone else (version 2, you had 1)");
  auto now = *get_ticket(*db, t.id);
  EXPECT_EQ(now.state, State::dispatched);
  EXPECT_EQ(now.version, 2);
  EXPECT_EQ(history_of(*db, t.id).size(), 2u);
  EXPECT_EQ(error_code_of([&] { apply_action(*db, 999, 1, Action::sign, agent, {}); }), Errc::not_found);
}

TEST_F(TicketActions, IllegalActionIsRefusedWithTheTicketNumber) {
  auto t = create(sample());
  EXPECT_EQ(error_of([&] { act(t, Action::sign); }), "ticket " + t.number + ": cannot sign a created ticket");
  EXPECT_EQ(get_ticket(*db, t.id)->version, 1);
}

TEST_F(TicketActions, ReasonsAndArgumentsAreRequired) {
  auto t = create(sample());
  ActionArgs none;
  EXPECT_EQ(error_of([&] { apply_action(*db, t.id, 1, Action::reject, agent, none); }), "reason: required to reject");
  EXPECT_EQ(error_of([&] { apply_action(*db, t.id, 1, Action::dispatch, agent, none); }),
            "lead_department_id: required to dispatch");
  EXPECT_EQ(error_code_of([&] { act(t, Action::dispatch, to(999)); }), Errc::invalid_argument);
  ActionArgs bad_refer;
  bad_refer.referred_to = "114";
  EXPECT_EQ(error_code_of([&] { act(t, Action::refer, bad_refer); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([&] { act(t, Action::close_on_spot, with_reply("  ")); }), Errc::invalid_argument);
  EXPECT_EQ(get_ticket(*db, t.id)->version, 1);  // nothing was written
  ActionArgs refer;
  refer.referred_to = "119";
  t = act(t, Action::refer, refer);
  EXPECT_EQ(t.state, State::referred);
  EXPECT_EQ(t.referred_to, "119");
}

TEST_F(TicketActions, ReturnedTicketIsRedispatchedAndOldAssignmentsAreKept) {
  auto t = create(sample());
  t = act(t, Action::dispatch, to(water, {police}));
  ActionArgs back;
  back.reason = "不属于本单位职责";
  t = act(t, Action::return_to_hotline, back);
  EXPECT_EQ(t.state, State::returned);
  t = act(t, Action::redispatch, to(housing));
  EXPECT_EQ(t.state, State::dispatched);
  EXPECT_EQ(t.lead_department_id, housing);
  EXPECT_TRUE(t.assisting_department_ids.empty());
  auto& s = db->query("SELECT COUNT(*), SUM(ended_at IS NULL) FROM ticket_assignments WHERE ticket_id = ?", t.id);
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), 3);  // water, police (ended) and housing
  EXPECT_EQ(s.int64(1), 1);
  s.run();
  EXPECT_EQ(history_of(*db, t.id)[2].reason, "不属于本单位职责");
}

TEST_F(TicketActions, ExtensionMustBeAskedInTimeAndMovesTheDeadlines) {
  auto t = create(sample());
  t = act(t, Action::dispatch, to(water));
  t = act(t, Action::sign);
  auto reply_due = *t.reply_due;
  auto close_due = *t.close_due;
  ActionArgs ask;
  ask.reason = "需协调多个部门";
  ask.reply_due = reply_due + 3 * kDayMs;
  t = act(t, Action::request_extension, ask);
  EXPECT_EQ(t.state, State::extension_requested);
  EXPECT_EQ(t.reply_due, reply_due);  // unchanged until approved
  ActionArgs grant;
  grant.reply_due = reply_due + 2 * kDayMs;
  t = act(t, Action::approve_extension, grant);
  EXPECT_EQ(t.state, State::signed_for);
  EXPECT_EQ(t.reply_due, reply_due + 2 * kDayMs);
  EXPECT_EQ(t.close_due, close_due + 2 * kDayMs);
  // Too late: the deadline has passed.
  ActionArgs late = ask;
  late.reply_due = *t.reply_due + kDayMs;
  late.now = *t.reply_due + 1;
  EXPECT_EQ(error_of([&] { apply_action(*db, t.id, t.version, Action::request_extension, agent, late); }),
            "ticket " + t.number + ": an extension must be requested before the reply deadline");
  ActionArgs in_time = ask;
  in_time.reply_due = *t.reply_due + kDayMs;
  t = act(t, Action::request_extension, in_time);
  ActionArgs refuse;
  refuse.reason = "理由不充分";
  t = act(t, Action::refuse_extension, refuse);
  EXPECT_EQ(t.state, State::signed_for);
  EXPECT_EQ(t.reply_due, reply_due + 2 * kDayMs);
  // Approved without a date: the date asked for, as kept in the history.
  ActionArgs third = ask;
  third.reply_due = *t.reply_due + 4 * kDayMs;
  t = act(t, Action::request_extension, third);
  t = act(t, Action::approve_extension);
  EXPECT_EQ(t.reply_due, third.reply_due);
  auto h = history_of(*db, t.id);
  EXPECT_EQ(nlohmann::json::parse(h[h.size() - 2].changes)["requested_reply_due"], *third.reply_due);
}

TEST_F(TicketActions, ReplySentBackForReworkThenAccepted) {
  auto t = create(sample());
  t = act(t, Action::dispatch, to(water));
  t = act(t, Action::sign);
  t = act(t, Action::reply, with_reply("已处理"));
  ActionArgs rework;
  rework.reason = "答复过于简单，请说明处理结果";
  t = act(t, Action::send_back, rework);
  EXPECT_EQ(t.state, State::signed_for);
  t = act(t, Action::reply, with_reply("已于11月28日恢复供水，并对责任人批评教育。"));
  t = act(t, Action::accept_reply);
  EXPECT_EQ(t.state, State::reviewed);
  auto h = history_of(*db, t.id);
  auto changes = nlohmann::json::parse(h.back().changes);
  EXPECT_EQ(changes["state"], nlohmann::json({"replied", "reviewed"}));
  auto second_reply = nlohmann::json::parse(h[h.size() - 2].changes);
  EXPECT_EQ(second_reply["reply"][0], "已处理");  // the first answer is kept in the history
}

TEST_F(TicketActions, OnlyAnUnsatisfiedCallbackReopens) {
  auto t = create(sample());
  t = act(t, Action::dispatch, to(water, {housing}));
  t = act(t, Action::sign);
  t = act(t, Action::reply, with_reply("已处理"));
  t = act(t, Action::accept_reply);
  auto happy = act(t, Action::record_callback, with_satisfaction(Satisfaction::basically_satisfied));
  EXPECT_EQ(error_of([&] { act(happy, Action::reopen); }),
            "ticket " + t.number + ": only an unsatisfied callback can reopen it");
  auto u = create(sample());
  u = act(u, Action::dispatch, to(water, {housing}));
  u = act(u, Action::sign);
  u = act(u, Action::reply, with_reply("已处理"));
  u = act(u, Action::accept_reply);
  u = act(u, Action::record_callback, with_satisfaction(Satisfaction::unsatisfied));
  ActionArgs again;
  again.reason = "群众反映仍未恢复供水";
  again.reply_due = clock + 5 * kDayMs;
  u = act(u, Action::reopen, again);
  EXPECT_EQ(u.state, State::dispatched);
  EXPECT_EQ(u.lead_department_id, water);
  EXPECT_EQ(u.assisting_department_ids, std::vector<std::int64_t>{housing});
  EXPECT_FALSE(u.satisfaction);
  EXPECT_EQ(u.reply_due, again.reply_due);
}

TEST_F(TicketActions, ClosedOnTheSpotFromAnArticle) {
  auto q = sample(TicketType::consultation);
  q.summary = "咨询社保卡补办";
  auto t = create(q);
  db->exec(
      "INSERT INTO kb_articles (section, title, body, created_at, updated_at) VALUES ('office_guide', '社保卡补办', "
      "'携带身份证到任一网点办理。', 0, 0)");
  ActionArgs a = with_reply("携带身份证到任一网点办理。");
  a.kb_article_id = db->last_insert_id();
  t = act(t, Action::close_on_spot, a);
  EXPECT_EQ(t.state, State::closed_on_spot);
  EXPECT_EQ(get_ticket(*db, t.id)->kb_article_id, a.kb_article_id);
}
