// Callback in queue (C3): the caller presses 1 and hangs up, keeps their
// place; an agent is reserved when their turn comes; the citizen is called;
// failures retry after a delay and are given up after N attempts.
#include "acd_fixture.hpp"

namespace hotline::acd::test {
namespace {

class AcdCallbackTest : public AcdTest {
 protected:
  void SetUp() override {
    auto q = make_queue("human");
    q.callback_attempts = 3;
    q.callback_retry_delay = 120'000;
    q.wrap_up = 10'000;
    q.announce_every = 30'000;
    q.max_wait = 600'000;
    q.overflow = "voicemail";
    configure({q}, {{"human", "a1", 0}});
  }
};

TEST_F(AcdCallbackTest, RequestedThenOfferedInItsOriginalPlace) {
  enter("c1", "human");
  now += 5'000;
  enter("c2", "human");
  now += 20'000;
  ASSERT_TRUE(router.to_callback("c1", "13911112222", now).ok);
  const auto req = sink.events_of(QueueEventKind::callback_requested);
  ASSERT_EQ(req.size(), 1u);
  EXPECT_EQ(req[0].wait_ms, 25'000);
  EXPECT_EQ(req[0].position, 1);
  QueueView v = view("human");
  EXPECT_EQ(v.waiting, 1u);
  EXPECT_EQ(v.callbacks_waiting, 1u);
  // The citizen hung up on purpose: a hang-up does not abandon a callback.
  router.abandon("c1", now);
  EXPECT_TRUE(sink.events_of(QueueEventKind::abandon).empty());
  // No announcements and no max wait for a callback.
  advance(700'000);
  for (const auto& a : sink.announcements) EXPECT_NE(a.entry, "c1");
  EXPECT_EQ(sink.overflows.size(), 1u);  // c2 only
  EXPECT_EQ(sink.overflows[0].entry.id, "c2");
  enter("c3", "human");
  ready("a1");
  auto o = offer_to("a1");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->entry.id, "c1");  // ahead of c3, who came later
  EXPECT_TRUE(o->entry.callback);
  EXPECT_EQ(o->entry.callback_number, "13911112222");
}

TEST_F(AcdCallbackTest, PlacedFailsRetriesAfterTheDelayAndIsGivenUp) {
  enter("c1", "human");
  router.to_callback("c1", "13911112222", now);
  ready("a1");
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto o = offer_to("a1");
    ASSERT_TRUE(o) << attempt;
    ASSERT_TRUE(answer("a1"));
    EXPECT_EQ(state("a1"), AgentState::on_call);
    const auto placed = sink.events_of(QueueEventKind::callback_placed);
    ASSERT_EQ(placed.size(), static_cast<std::size_t>(attempt));
    EXPECT_EQ(placed.back().detail, std::to_string(attempt));
    EXPECT_EQ(placed.back().agent, "a1");
    EXPECT_TRUE(sink.events_of(QueueEventKind::connect).empty());  // not before the citizen answers
    EXPECT_TRUE(router.waiting("human").empty());                   // with its agent now
    now += 30'000;
    router.callback_result("c1", false, now);
    const auto failed = sink.events_of(QueueEventKind::callback_failed);
    ASSERT_EQ(failed.size(), static_cast<std::size_t>(attempt));
    // No conversation, no wrap-up: the agent is free at once.
    EXPECT_EQ(state("a1"), AgentState::ready);
    EXPECT_EQ(sink.events_for("a1").back().reason, "callback_failed");
    if (attempt < 3) {
      EXPECT_EQ(failed.back().detail, std::to_string(attempt));
      ASSERT_EQ(router.waiting("human").size(), 1u);  // back in line...
      EXPECT_FALSE(offer_to("a1"));                    // ...but not before the retry delay
      EXPECT_EQ(router.next_deadline(), now + 120'000);
      advance(119'999);
      EXPECT_FALSE(offer_to("a1"));
      advance(1);
    } else {
      EXPECT_EQ(failed.back().detail, "given_up");
      ASSERT_EQ(sink.given_up.size(), 1u);
      EXPECT_EQ(sink.given_up[0].id, "c1");
      EXPECT_EQ(sink.given_up[0].callback_attempts, 3);
      EXPECT_TRUE(router.waiting("human").empty());
    }
  }
  EXPECT_EQ(view("human").answered, 0);
}

TEST_F(AcdCallbackTest, OtherCallersAreServedWhileACallbackWaitsForItsRetry) {
  enter("c1", "human");
  router.to_callback("c1", "13911112222", now);
  ready("a1");
  answer("a1");
  router.callback_result("c1", false, now);
  now += 1'000;
  enter("c2", "human");
  ASSERT_TRUE(offer_to("a1"));
  EXPECT_EQ(offer_to("a1")->entry.id, "c2");
}

TEST_F(AcdCallbackTest, ConnectedCallbackCountsAsAnsweredThenRunsLikeACall) {
  enter("c1", "human");
  now += 50'000;
  router.to_callback("c1", "13911112222", now);
  now += 100'000;
  ready("a1");
  answer("a1");
  now += 8'000;
  router.callback_result("c1", true, now);
  const auto connected = sink.events_of(QueueEventKind::callback_connected);
  ASSERT_EQ(connected.size(), 1u);
  EXPECT_EQ(connected[0].detail, "1");
  const auto connect = sink.events_of(QueueEventKind::connect);
  ASSERT_EQ(connect.size(), 1u);
  EXPECT_EQ(connect[0].wait_ms, 158'000);  // from the original place in line
  const QueueView v = view("human");
  EXPECT_EQ(v.answered, 1);
  EXPECT_EQ(v.answered_within_sl, 0);
  EXPECT_EQ(router.agent("a1")->calls_today, 1);
  now += 60'000;
  router.call_ended("a1", HangupSide::citizen, now);
  const auto complete = sink.events_of(QueueEventKind::complete);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].talk_ms, 60'000);  // from the citizen's answer
  EXPECT_EQ(state("a1"), AgentState::wrap_up);
  router.callback_result("c1", true, now);  // late duplicate: ignored
  EXPECT_EQ(sink.events_of(QueueEventKind::connect).size(), 1u);
}

TEST_F(AcdCallbackTest, CallbackRulesAndRefusals) {
  EXPECT_EQ(router.to_callback("nope", "1", now).error, "no_such_entry");
  ready("a1");
  enter("c1", "human");
  EXPECT_EQ(router.to_callback("c1", "1", now).error, "ringing");
  enter("c2", "human");
  ASSERT_TRUE(router.to_callback("c2", "1", now).ok);
  EXPECT_EQ(router.to_callback("c2", "1", now).error, "already_callback");
  auto q = make_queue("nocb");
  q.callback = false;
  configure({make_queue("human"), q}, {{"human", "a1", 0}});
  enter("n1", "nocb");
  EXPECT_EQ(router.to_callback("n1", "1", now).error, "callback_disabled");
}

TEST_F(AcdCallbackTest, TheAgentHangingUpBeforeTheCitizenAnswersCountsAsAFailedAttempt) {
  enter("c1", "human");
  router.to_callback("c1", "13911112222", now);
  ready("a1");
  answer("a1");
  router.call_ended("a1", HangupSide::agent, now);
  EXPECT_EQ(sink.events_of(QueueEventKind::callback_failed).size(), 1u);
  EXPECT_TRUE(sink.events_of(QueueEventKind::complete).empty());
  EXPECT_EQ(state("a1"), AgentState::ready);
  ASSERT_EQ(router.waiting("human").size(), 1u);
}

TEST_F(AcdCallbackTest, ARestoredCallbackKeepsItsPlaceWithoutCountingAgain) {
  enter("c2", "human");
  Entry cb;
  cb.id = "c1";
  cb.queue = "human";
  cb.entered_at = now - 300'000;  // asked before the restart
  cb.callback = true;
  cb.callback_number = "13911112222";
  cb.callback_attempts = 1;
  ASSERT_TRUE(router.enter(cb, now).accepted);
  EXPECT_EQ(view("human").offered, 1);  // c2 only: c1 was counted when it first entered
  EXPECT_EQ(router.waiting("human")[0].id, "c1");
  ready("a1");
  answer("a1");
  EXPECT_EQ(sink.events_of(QueueEventKind::callback_placed).back().detail, "2");
}

}  // namespace
}  // namespace hotline::acd::test
