// The reports fed by the real ACD: a Router whose events are written with the
// ACD's own log writer (acd::log_queue_event / log_agent_event, as the
// Service does), its owner's part played as src/pbx does it (an overflow or a
// transfer to a queue is a new enter there, the citizen's hold and hang-up
// reported back). The figures are worked out by hand from what the calls
// did, so that an event the KPIs misread (talk counting hold, a transfer
// without its target, a wrap-up naming no call, ...) shows here, and the
// triggers must equal the reference computation from the same rows.
#include <gtest/gtest.h>

#include <deque>

#include "hotline/acd/event_log.hpp"
#include "hotline/acd/router.hpp"
#include "hotline/reports/aggregates.hpp"
#include "hotline/reports/kpis.hpp"
#include "reports_fixture.hpp"

namespace reports_test {
namespace {

using namespace hotline::reports;
namespace acd = hotline::acd;

// The Service's part: every event into the logs at once, in order; offers and
// overflows kept for the test to play the PBX's part after the router call.
struct LoggingSink final : acd::Sink {
  explicit LoggingSink(hotline::store::Database& db) : db(db) {}
  hotline::store::Database& db;
  std::deque<acd::Offer> offers;
  std::vector<acd::Entry> overflowed_to_queue;
  std::vector<acd::AgentEvent> agent_events;

  void offer(const acd::Offer& o) override { offers.push_back(o); }
  void cancel_offer(acd::OfferId, const std::string&, const std::string&) override {}
  void overflow(const acd::Entry& e, const std::string& target, const std::string&) override {
    if (target.rfind("queue:", 0) == 0) {
      acd::Entry moved = e;
      moved.queue = target.substr(6);  // queue_call.cpp: same uuid, the place in line (entered_at) kept
      overflowed_to_queue.push_back(moved);
    }
  }
  void announce(const acd::Entry&, int, acd::Ms) override {}
  void callback_given_up(const acd::Entry&) override {}
  void agent_changed(const acd::AgentView&, const acd::AgentEvent& e) override {
    agent_events.push_back(e);
    acd::log_agent_event(db, e);
  }
  void queue_event(const acd::QueueEvent& e) override { acd::log_queue_event(db, e); }
};

acd::QueueSettings queue(const std::string& name, Ms wrap_up) {
  acd::QueueSettings q;
  q.name = name;
  q.strategy = acd::Strategy::longest_idle;
  q.ring_timeout = 30 * kSecond;
  q.wrap_up = wrap_up;
  q.wrap_up_max = 120 * kSecond;
  q.join_when = acd::EmptyRule::always;
  q.announce_every = 0;
  q.missed_offers_to_pause = 0;
  q.busy_delay = 0;
  q.priority_aging = 0;
  return q;
}

struct ReportsFromTheAcd : ReportsDb {
  LoggingSink sink{*db};
  acd::Router router{sink};
  const Ms t0 = cst(2026, 3, 2, 10);  // a Monday, 10:00 local: everything below happens in this hour
  Ms now = t0;

  // Time passes to t0 + s seconds: due timers (wrap-up ends, max waits) fire then.
  void at(double s) {
    now = t0 + static_cast<Ms>(s * 1000);
    router.tick(now);
    for (auto& e : std::exchange(sink.overflowed_to_queue, {})) ASSERT_TRUE(router.enter(e, now).accepted);
  }
  void enter(const std::string& call, const std::string& q) {
    acd::Entry e;
    e.id = call;
    e.queue = q;
    e.caller = "13800138000";
    ASSERT_TRUE(router.enter(e, now).accepted);
  }
  // The agent's phone answers the offer ringing for `call`.
  void answer(const std::string& agent, const std::string& call) {
    for (auto it = sink.offers.begin(); it != sink.offers.end(); ++it) {
      if (it->agent == agent && it->entry.id == call) {
        const auto id = it->id;
        sink.offers.erase(it);
        ASSERT_TRUE(router.answered(id, now));
        return;
      }
    }
    FAIL() << "no offer of " << call << " to " << agent;
  }
  std::int64_t value(Family f, const std::vector<std::string>& dims, std::string_view measure) {
    const DayRange today{day_of(t0), day_of(t0)};
    std::int64_t sum = 0;
    const Facts facts = table(f, Level::daily, today);
    for (const auto& [key, v] : facts.rows()) {
      if (key.dims == dims) sum += v[spec(f).at(measure)];
    }
    return sum;
  }
  std::int64_t q(const std::string& name, std::string_view measure) { return value(Family::queue, {name}, measure); }
  std::int64_t a(const std::string& agent, std::string_view measure) {
    return value(Family::agent, {agent}, measure);
  }
};

TEST_F(ReportsFromTheAcd, FiguresFollowWhatTheCallsDid) {
  router.configure({[] {
                      auto q = queue("human", 20 * kSecond);
                      q.max_wait = 60 * kSecond;
                      q.overflow = "queue:complaints";
                      return q;
                    }(),
                    queue("complaints", 10 * kSecond)},
                   {{"human", "a1", 0}, {"complaints", "a2", 0}}, now);
  ASSERT_TRUE(router.login("a1", "extension:8001", now).ok);
  ASSERT_TRUE(router.login("a2", "extension:8002", now).ok);
  at(1);
  ASSERT_TRUE(router.set_ready("a1", now).ok);
  ASSERT_TRUE(router.set_not_ready("a2", "meal", now).ok);

  // c1: answered after 4 s, 15 s on hold, transferred to the complaints queue at 100 s.
  at(10);
  enter("c1", "human");
  at(14);
  answer("a1", "c1");
  at(40);
  router.hold("a1", true, now);
  at(55);
  router.hold("a1", false, now);
  at(100);
  router.transferred("a1", "queue:complaints", now);
  enter("c1", "complaints");  // call_control.cpp: the transfer's own enter_queue
  at(110);
  ASSERT_TRUE(router.wrap_up_done("a1", now).ok);  // 10 s of wrap-up

  // c2: answered after 3 s, 60 s of talk, the citizen hangs up; 20 s wrap-up by the timer.
  at(130);
  enter("c2", "human");
  at(133);
  answer("a1", "c2");
  at(193);
  router.call_ended("a1", acd::HangupSide::citizen, now);

  // c3 hangs up after 4 s while a1 wraps up: a short abandon.
  at(200);
  enter("c3", "human");
  at(204);
  router.abandon("c3", now);
  at(213);  // a1's wrap-up timer: ready
  at(214);
  ASSERT_TRUE(router.set_not_ready("a1", "training", now).ok);

  // c4 waits 60 s in human and overflows to complaints, keeping its place (entered at 215 s).
  at(215);
  enter("c4", "human");
  at(275);  // the max wait: overflow, entered into complaints by the owner

  // a2 back from the meal: c1 (in complaints since 100 s) first, then c4 (since 215 s).
  at(300);
  ASSERT_TRUE(router.set_ready("a2", now).ok);
  at(302);
  answer("a2", "c1");
  at(362);
  router.call_ended("a2", acd::HangupSide::citizen, now);
  at(372);  // a2's wrap-up (10 s) ends: c4 rings
  at(374);
  answer("a2", "c4");
  at(404);
  router.call_ended("a2", acd::HangupSide::agent, now);

  // c5 asks to be called back after 5 s; a1 becomes ready, takes it (the
  // agent's leg first), the citizen answers 4 s later, 60 s of talk.
  at(410);
  enter("c5", "human");
  at(414);  // a2's wrap-up ends
  at(415);
  ASSERT_TRUE(router.to_callback("c5", "13800138000", now).ok);
  at(420);
  ASSERT_TRUE(router.set_ready("a1", now).ok);
  at(421);
  answer("a1", "c5");
  at(425);
  router.callback_result("c5", true, now);
  at(485);
  router.call_ended("a1", acd::HangupSide::citizen, now);
  at(505);  // wrap-up timer
  at(600);
  ASSERT_TRUE(router.logout("a1", "", now).ok);
  ASSERT_TRUE(router.logout("a2", "", now).ok);

  // What the writer says about them (the assumptions of docs/kpis.md, "What the logs must hold").
  auto& complete =
      db->query("SELECT talk_ms, hold_ms, detail FROM acd_queue_events WHERE kind = 'complete' AND call = 'c1' "
                "AND queue = 'human'");
  ASSERT_TRUE(complete.step());
  EXPECT_EQ(complete.int64(0), 71 * kSecond);  // 86 s connected, 15 of them on hold
  EXPECT_EQ(complete.int64(1), 15 * kSecond);
  EXPECT_EQ(complete.text(2), "transfer:queue:complaints");
  complete.run();
  auto& wraps = db->query("SELECT agent, call, queue FROM acd_agent_events WHERE to_state = 'wrap_up' ORDER BY id");
  std::vector<std::string> named;
  while (wraps.step()) named.push_back(wraps.text(0) + " " + wraps.text(1) + " " + wraps.text(2));
  EXPECT_EQ(named, (std::vector<std::string>{"a1 c1 human", "a1 c2 human", "a2 c1 complaints",
                                              "a2 c4 complaints", "a1 c5 human"}));
  auto& order = db->query(
      "SELECT count(*) FROM acd_agent_events e JOIN acd_agent_events p ON p.agent = e.agent AND p.id < e.id "
      "WHERE p.at > e.at");
  ASSERT_TRUE(order.step());
  EXPECT_EQ(order.int64(0), 0) << "an agent's events out of time order";
  order.run();

  // Queue human: c1..c5 offered; c1, c2 answered live; c3 a short abandon; c4
  // overflowed to a queue; c5 called back.
  EXPECT_EQ(q("human", "offered"), 5);
  EXPECT_EQ(q("human", "answered"), 2);
  EXPECT_EQ(q("human", "abandoned"), 1);
  EXPECT_EQ(q("human", "ab_lt_5"), 1);
  EXPECT_EQ(q("human", "overflowed_queue"), 1);
  EXPECT_EQ(q("human", "callback_requested"), 1);
  EXPECT_EQ(q("human", "callback_connected"), 1);
  EXPECT_EQ(q("human", "handled"), 3);  // c1 (transferred), c2, c5
  EXPECT_EQ(q("human", "transferred"), 1);
  EXPECT_EQ(q("human", "talk_ms"), (71 + 60 + 60) * kSecond);
  EXPECT_EQ(q("human", "hold_ms"), 15 * kSecond);
  EXPECT_EQ(q("human", "wrap_ms"), (10 + 20 + 20) * kSecond);
  EXPECT_EQ(q("human", "wait_answered_ms"), (4 + 3) * kSecond);
  // Complaints: c1 (transferred in at 100 s, answered at 302 s) and c4 (overflowed in, its wait from 215 s).
  EXPECT_EQ(q("complaints", "offered"), 2);
  EXPECT_EQ(q("complaints", "answered"), 2);
  EXPECT_EQ(q("complaints", "wait_answered_ms"), (202 + 159) * kSecond);
  EXPECT_EQ(q("complaints", "handled"), 2);
  EXPECT_EQ(q("complaints", "talk_ms"), (60 + 30) * kSecond);
  EXPECT_EQ(q("complaints", "wrap_ms"), (10 + 10) * kSecond);

  const DayRange today{day_of(t0), day_of(t0)};
  Values human;
  const Facts queues = table(Family::queue, Level::daily, today);
  for (const auto& [key, v] : queues.rows()) {
    if (key.dims == std::vector<std::string>{"human"}) human = v;
  }
  const CallKpis k = call_kpis(human, KpiParams{});
  ASSERT_TRUE(k.aht_seconds);
  EXPECT_DOUBLE_EQ(*k.aht_seconds, (191.0 + 15 + 50) / 3);  // talk + hold + wrap-up, hold counted once
  ASSERT_TRUE(k.answer_rate);
  EXPECT_DOUBLE_EQ(*k.answer_rate, 3.0 / (5 - 1 - 1));  // (2 live + 1 called back) / (5 − overflowed − short)

  // Agents: a1's talk is its time on call but the 4 s of the callback's
  // agent leg ringing out to the citizen; its hold is its time on hold.
  EXPECT_EQ(a("a1", "talk_ms"), (71 + 60 + 60) * kSecond);
  EXPECT_EQ(a("a1", "on_call_ms"), (71 + 60 + 64) * kSecond);
  EXPECT_EQ(a("a1", "hold_ms"), 15 * kSecond);
  EXPECT_EQ(a("a1", "on_hold_ms"), 15 * kSecond);
  EXPECT_EQ(a("a1", "wrap_up_ms"), (10 + 20 + 20) * kSecond);
  EXPECT_EQ(a("a1", "transferred"), 1);
  EXPECT_EQ(a("a2", "talk_ms"), a("a2", "on_call_ms"));
  EXPECT_EQ(a("a2", "wrap_up_ms"), 20 * kSecond);
  EXPECT_EQ(a("a1", "logins"), 1);
  EXPECT_EQ(a("a1", "not_ready_ms") + a("a1", "ready_ms") + a("a1", "ringing_ms") + a("a1", "on_call_ms") +
                a("a1", "on_hold_ms") + a("a1", "wrap_up_ms"),
            600 * kSecond);
  // Not-ready reasons: a2's meal 1..300 s; a1's training 214..420 s.
  EXPECT_EQ(value(Family::reason, {"a2", "meal"}, "not_ready_ms"), 299 * kSecond);
  EXPECT_EQ(value(Family::reason, {"a1", "training"}, "not_ready_ms"), 206 * kSecond);
  EXPECT_EQ(value(Family::reason, {"a1", "training"}, "not_ready_count"), 1);

  // And the triggers agree with the reference computation from these rows.
  std::vector<std::string> differences;
  CheckOptions options;
  options.on_difference = [&](const Difference& d) { differences.push_back(d.describe()); };
  EXPECT_EQ(check_aggregates(*db, options).differences, 0);
  for (const auto& d : differences) ADD_FAILURE() << d;
}

}  // namespace
}  // namespace reports_test
