// The ACD router's agent state machine and offers, with fake time: every
// transition and every failure (phone unreachable, agent rejects, ring
// timeout, caller hangs up while ringing, device lost while ringing and in a
// call, pending not-ready, wrap-up, busy elsewhere, supervisor forcing).
#include <set>

#include "acd_fixture.hpp"

namespace hotline::acd::test {
namespace {

class AcdRouterTest : public AcdTest {
 protected:
  void SetUp() override {
    configure({make_queue("human")}, {{"human", "a1", 0}, {"human", "a2", 0}, {"human", "a3", 0}});
  }
};

TEST_F(AcdRouterTest, LoginEntersNotReadyAndASecondLoginIsRefused) {
  ASSERT_TRUE(router.login("a1", "extension:8001", now).ok);
  ASSERT_EQ(sink.agent_events.size(), 1u);
  const AgentEvent& ev = sink.agent_events[0];
  EXPECT_EQ(ev.from, AgentState::logged_out);
  EXPECT_EQ(ev.to, AgentState::not_ready);
  EXPECT_EQ(ev.reason, "login");
  EXPECT_EQ(ev.device, "extension:8001");
  EXPECT_EQ(ev.at, now);
  const Result again = router.login("a1", "extension:8001", now);
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.error, "already_logged_in");
  EXPECT_EQ(sink.agent_events.size(), 1u);
  EXPECT_EQ(view("human").agents_logged_in, 1);
  EXPECT_EQ(view("human").not_ready, 1);
}

TEST_F(AcdRouterTest, IllegalTransitionsFailWithoutEvent) {
  EXPECT_EQ(router.set_ready("nobody", now).error, "no_such_agent");
  EXPECT_EQ(router.set_ready("a1", now).error, "not_logged_in");  // a member, logged out
  ready("a1");
  const auto before = sink.agent_events.size();
  EXPECT_EQ(router.wrap_up_done("a1", now).error, "illegal_transition");
  EXPECT_EQ(router.extend_wrap_up("a1", 10'000, now).error, "illegal_transition");
  EXPECT_EQ(router.force_state("a1", AgentState::on_call, "", "sup", now).error, "illegal_transition");
  EXPECT_TRUE(router.set_ready("a1", now).ok);  // already ready: no change
  EXPECT_EQ(sink.agent_events.size(), before);
}

TEST_F(AcdRouterTest, NotReadyReasonsAndBackToReady) {
  ready("a1");
  ASSERT_TRUE(router.set_not_ready("a1", "break", now).ok);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  EXPECT_EQ(reason("a1"), "break");
  ASSERT_TRUE(router.set_not_ready("a1", "meal", now).ok);
  EXPECT_EQ(sink.agent_events.back().from, AgentState::not_ready);
  EXPECT_EQ(sink.agent_events.back().reason, "meal");
  ASSERT_TRUE(router.set_ready("a1", now).ok);
  EXPECT_EQ(state("a1"), AgentState::ready);
  EXPECT_EQ(router.agent("a1")->idle_since, now);  // never had a call: idle since ready
}

TEST_F(AcdRouterTest, ACallerIsOfferedToAnIdleAgentAtOnceAndConnects) {
  ready("a1");
  now += 1'000;
  const Admission adm = enter("c1", "human", 2);
  ASSERT_TRUE(adm.accepted);
  EXPECT_EQ(adm.position, 1);
  auto o = offer_to("a1");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->entry.id, "c1");
  EXPECT_EQ(o->device, "extension:a1");
  EXPECT_EQ(o->ring_timeout, 15'000);
  EXPECT_EQ(state("a1"), AgentState::ringing);
  EXPECT_EQ(router.agent("a1")->call, "c1");
  const auto enter_ev = sink.events_of(QueueEventKind::enter);
  ASSERT_EQ(enter_ev.size(), 1u);
  EXPECT_EQ(enter_ev[0].priority, 2);
  EXPECT_EQ(enter_ev[0].position, 1);
  ASSERT_EQ(sink.events_of(QueueEventKind::offer).size(), 1u);
  EXPECT_EQ(sink.events_of(QueueEventKind::offer)[0].agent, "a1");
  const AgentEvent ringing = sink.agent_events.back();
  EXPECT_EQ(ringing.to, AgentState::ringing);
  EXPECT_EQ(ringing.reason, "offer");
  EXPECT_EQ(ringing.call, "c1");
  EXPECT_EQ(ringing.queue, "human");

  now += 4'000;
  ASSERT_TRUE(answer("a1"));
  EXPECT_EQ(state("a1"), AgentState::on_call);
  EXPECT_EQ(reason("a1"), "answered");
  const auto connect = sink.events_of(QueueEventKind::connect);
  ASSERT_EQ(connect.size(), 1u);
  EXPECT_EQ(connect[0].wait_ms, 4'000);
  EXPECT_EQ(connect[0].agent, "a1");
  EXPECT_TRUE(router.waiting("human").empty());
  const QueueView v = view("human");
  EXPECT_EQ(v.offered, 1);
  EXPECT_EQ(v.answered, 1);
  EXPECT_EQ(v.answered_within_sl, 1);
  EXPECT_EQ(router.agent("a1")->calls_today, 1);
  // The same offer cannot be answered twice.
  EXPECT_FALSE(router.answered(o->id, now));
}

TEST_F(AcdRouterTest, CallEndsIntoTimedWrapUpThenReady) {
  auto q = make_queue("human");
  q.wrap_up = 20'000;
  q.wrap_up_max = 50'000;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  ASSERT_TRUE(answer("a1"));
  now += 60'000;
  router.hold("a1", true, now);
  EXPECT_EQ(state("a1"), AgentState::on_hold);
  now += 10'000;
  router.hold("a1", false, now);
  EXPECT_EQ(state("a1"), AgentState::on_call);
  now += 5'000;
  router.call_ended("a1", HangupSide::citizen, now);
  const auto complete = sink.events_of(QueueEventKind::complete);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].talk_ms, 65'000);  // 75 s connected, 10 of them on hold: talk excludes hold
  EXPECT_EQ(complete[0].hold_ms, 10'000);
  EXPECT_EQ(complete[0].detail, "citizen");
  EXPECT_EQ(state("a1"), AgentState::wrap_up);
  EXPECT_EQ(router.agent("a1")->wrap_up_until, now + 20'000);
  EXPECT_EQ(router.agent("a1")->idle_since, now);
  EXPECT_EQ(router.next_deadline(), now + 20'000);
  // A caller arriving during wrap-up waits: never an offer in wrap-up.
  enter("c2", "human");
  EXPECT_FALSE(offer_to("a1"));
  // Extensions are capped at wrap_up_max from the start of the wrap-up.
  ASSERT_TRUE(router.extend_wrap_up("a1", 20'000, now).ok);
  EXPECT_EQ(router.agent("a1")->wrap_up_until, now + 40'000);
  ASSERT_TRUE(router.extend_wrap_up("a1", 60'000, now).ok);
  EXPECT_EQ(router.agent("a1")->wrap_up_until, now + 50'000);
  advance(49'999);
  EXPECT_EQ(state("a1"), AgentState::wrap_up);
  advance(1);
  EXPECT_EQ(sink.events_for("a1")[sink.events_for("a1").size() - 2].reason, "wrap_up_timeout");
  // Ready, and at once the waiting caller rings.
  EXPECT_EQ(state("a1"), AgentState::ringing);
  EXPECT_EQ(offer_to("a1")->entry.id, "c2");
}

TEST_F(AcdRouterTest, WrapUpDoneEndsItEarlyAndSetReadyCountsAsDone) {
  auto q = make_queue("human");
  q.wrap_up = 30'000;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  answer("a1");
  router.call_ended("a1", HangupSide::agent, now);
  ASSERT_EQ(state("a1"), AgentState::wrap_up);
  EXPECT_EQ(sink.agent_events.back().call, "c1");
  ASSERT_TRUE(router.wrap_up_done("a1", now).ok);
  EXPECT_EQ(state("a1"), AgentState::ready);
  EXPECT_EQ(sink.agent_events.back().reason, "wrap_up_done");
  EXPECT_EQ(sink.agent_events.back().call, "c1");  // the call the wrap-up was for
  EXPECT_FALSE(router.next_deadline());            // the wrap-up timer is gone
  enter("c2", "human");
  answer("a1");
  router.call_ended("a1", HangupSide::agent, now);
  ASSERT_TRUE(router.set_ready("a1", now).ok);
  EXPECT_EQ(sink.agent_events.back().reason, "wrap_up_done");
}

TEST_F(AcdRouterTest, RingTimeoutGoesToTheNextAgentAndTheMissedOneIsNotReofferedFirst) {
  ready("a1");
  now += 10;
  ready("a2");
  enter("c1", "human");
  ASSERT_TRUE(offer_to("a1"));  // longest idle
  advance(15'000);
  EXPECT_EQ(sink.cancelled.size(), 1u);
  const auto rna = sink.events_of(QueueEventKind::ring_no_answer);
  ASSERT_EQ(rna.size(), 1u);
  EXPECT_EQ(rna[0].agent, "a1");
  EXPECT_EQ(state("a1"), AgentState::ready);
  EXPECT_EQ(reason("a1"), "no_answer");
  EXPECT_EQ(router.agent("a1")->missed_in_row, 1);
  ASSERT_TRUE(offer_to("a2"));
  EXPECT_EQ(offer_to("a2")->entry.id, "c1");
  // a2 misses too: a1 may have it again (a2 just missed it).
  advance(15'000);
  ASSERT_TRUE(offer_to("a1"));
  EXPECT_FALSE(offer_to("a2"));
  ASSERT_TRUE(answer("a1"));
  EXPECT_EQ(router.agent("a1")->missed_in_row, 0);
  EXPECT_EQ(sink.events_of(QueueEventKind::connect)[0].wait_ms, 30'000);
}

TEST_F(AcdRouterTest, TheOnlyAgentIsOfferedAgainAfterAMissAndPausedAfterN) {
  auto q = make_queue("human");
  q.missed_offers_to_pause = 2;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  advance(15'000);
  ASSERT_TRUE(offer_to("a1"));  // nobody else: the same agent again
  advance(15'000);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  EXPECT_EQ(reason("a1"), "auto_pause");
  EXPECT_FALSE(offer_to("a1"));
  ASSERT_EQ(router.waiting("human").size(), 1u);  // the caller keeps waiting
  ASSERT_TRUE(router.set_ready("a1", now).ok);
  EXPECT_EQ(router.agent("a1")->missed_in_row, 0);
  ASSERT_TRUE(offer_to("a1"));
}

TEST_F(AcdRouterTest, RejectedOfferGoesToTheNextAgentAndTheRejecterWaitsItsBusyDelay) {
  ready("a1");
  now += 10;
  ready("a2");
  enter("c1", "human");
  fail("a1", OfferFailure::rejected);
  const auto failed = sink.events_of(QueueEventKind::offer_failed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].detail, "rejected");
  EXPECT_EQ(state("a1"), AgentState::ready);
  EXPECT_EQ(reason("a1"), "rejected");
  EXPECT_EQ(router.agent("a1")->missed_in_row, 1);
  ASSERT_TRUE(offer_to("a2"));
  // Within the busy delay a1, although ready, gets nothing.
  enter("c2", "human");
  EXPECT_FALSE(offer_to("a1"));
  EXPECT_EQ(router.next_deadline(), now + 5'000);
  advance(5'000);
  ASSERT_TRUE(offer_to("a1"));
  EXPECT_EQ(offer_to("a1")->entry.id, "c2");
}

TEST_F(AcdRouterTest, UnreachablePhonePausesTheAgent) {
  ready("a1");
  now += 10;
  ready("a2");
  enter("c1", "human");
  fail("a1", OfferFailure::unreachable);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  EXPECT_EQ(reason("a1"), "unreachable");
  EXPECT_EQ(sink.events_of(QueueEventKind::offer_failed)[0].detail, "unreachable");
  ASSERT_TRUE(offer_to("a2"));
  EXPECT_TRUE(sink.cancelled.empty());  // the owner reported it: nothing to cancel
}

TEST_F(AcdRouterTest, NoAnswerReportedByTheOwnerIsLikeTheTimeout) {
  ready("a1");
  now += 10;
  ready("a2");
  enter("c1", "human");
  fail("a1", OfferFailure::no_answer);
  EXPECT_EQ(sink.events_of(QueueEventKind::ring_no_answer).size(), 1u);
  EXPECT_EQ(reason("a1"), "no_answer");
  EXPECT_TRUE(offer_to("a2"));
  // A late outcome for an offer that is over is ignored.
  router.offer_failed(sink.offers[0].id, OfferFailure::busy, now);
  EXPECT_FALSE(router.answered(sink.offers[0].id, now));
  EXPECT_EQ(state("a1"), AgentState::ready);
  EXPECT_EQ(state("a2"), AgentState::ringing);
}

TEST_F(AcdRouterTest, CallerHangsUpWhileRinging) {
  ready("a1");
  now += 3'000;
  enter("c0", "human");
  enter("c1", "human");
  now += 7'000;
  const OfferId id = offer_to("a1")->id;
  router.abandon("c0", now);
  ASSERT_EQ(sink.cancelled.size(), 1u);
  EXPECT_EQ(sink.cancelled[0], id);
  const auto ab = sink.events_of(QueueEventKind::abandon);
  ASSERT_EQ(ab.size(), 1u);
  EXPECT_EQ(ab[0].wait_ms, 7'000);
  EXPECT_EQ(ab[0].position, 1);
  EXPECT_EQ(router.agent("a1")->missed_in_row, 0);  // not the agent's fault
  // The agent, free again with reason caller_gone, takes the next caller at once.
  const auto ev = sink.events_for("a1");
  EXPECT_EQ(ev[ev.size() - 2].reason, "caller_gone");
  ASSERT_TRUE(offer_to("a1"));
  EXPECT_EQ(offer_to("a1")->entry.id, "c1");
  EXPECT_EQ(view("human").abandoned, 1);
  EXPECT_FALSE(router.answered(id, now));
}

TEST_F(AcdRouterTest, CallerHangsUpWhileWaiting) {
  enter("c1", "human");
  enter("c2", "human");
  now += 12'000;
  router.abandon("c2", now);
  const auto ab = sink.events_of(QueueEventKind::abandon);
  ASSERT_EQ(ab.size(), 1u);
  EXPECT_EQ(ab[0].position, 2);
  EXPECT_EQ(ab[0].wait_ms, 12'000);
  ASSERT_EQ(router.waiting("human").size(), 1u);
  router.abandon("c2", now);  // twice: ignored
  EXPECT_EQ(view("human").abandoned, 1);
}

TEST_F(AcdRouterTest, DeviceLostWhileRingingReroutesTheCaller) {
  ready("a1");
  now += 10;
  ready("a2");
  enter("c1", "human");
  ASSERT_TRUE(offer_to("a1"));
  router.device_lost("a1", now);
  EXPECT_EQ(state("a1"), AgentState::logged_out);
  EXPECT_EQ(sink.events_for("a1").back().reason, "device_lost");
  EXPECT_EQ(sink.cancelled.size(), 1u);
  ASSERT_TRUE(offer_to("a2"));
  EXPECT_EQ(offer_to("a2")->entry.id, "c1");
  EXPECT_EQ(view("human").agents_logged_in, 1);
}

TEST_F(AcdRouterTest, DeviceLostMidCallTheCallGoesOnAndStillCompletes) {
  auto q = make_queue("human");
  q.wrap_up = 10'000;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  answer("a1");
  now += 30'000;
  router.device_lost("a1", now);
  EXPECT_EQ(state("a1"), AgentState::logged_out);
  const AgentEvent lost = sink.agent_events.back();
  EXPECT_EQ(lost.from, AgentState::on_call);
  EXPECT_EQ(lost.call, "c1");
  // The agent comes back while its old call still runs.
  ASSERT_TRUE(router.login("a1", "extension:a1", now).ok);
  const auto events_before = sink.agent_events.size();
  now += 20'000;
  router.call_ended("a1", HangupSide::citizen, now);
  const auto complete = sink.events_of(QueueEventKind::complete);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].talk_ms, 50'000);
  EXPECT_EQ(complete[0].agent, "a1");
  // No state change for the agent: it is not_ready after its login, no wrap-up.
  EXPECT_EQ(sink.agent_events.size(), events_before);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  router.call_ended("a1", HangupSide::citizen, now);  // nothing known any more
  EXPECT_EQ(sink.events_of(QueueEventKind::complete).size(), 1u);
}

TEST_F(AcdRouterTest, LogoutInACallIsRefusedUnlessForcedOrTheDeviceIsGone) {
  ready("a1");
  enter("c1", "human");
  answer("a1");
  EXPECT_EQ(router.logout("a1", "logout", now).error, "in_call");
  EXPECT_EQ(state("a1"), AgentState::on_call);
  ASSERT_TRUE(router.logout("a1", "daemon_restart", now).ok);
  EXPECT_EQ(sink.agent_events.back().reason, "daemon_restart");
  EXPECT_EQ(router.logout("a1", "logout", now).error, "not_logged_in");
}

TEST_F(AcdRouterTest, LogoutWhileRingingAndDuringWrapUp) {
  auto q = make_queue("human");
  q.wrap_up = 10'000;
  configure({q}, {{"human", "a1", 0}, {"human", "a2", 0}});
  ready("a1");
  enter("c1", "human");
  ASSERT_TRUE(router.logout("a1", "logout", now).ok);
  EXPECT_EQ(sink.cancelled.size(), 1u);
  ASSERT_EQ(router.waiting("human").size(), 1u);
  ready("a2");
  answer("a2");
  router.call_ended("a2", HangupSide::citizen, now);
  ASSERT_EQ(state("a2"), AgentState::wrap_up);
  ASSERT_TRUE(router.logout("a2", "logout", now).ok);
  EXPECT_FALSE(router.next_deadline());
  // Logged out and not a member: the router forgets an agent (memberships keep them).
  ASSERT_TRUE(router.login("x9", "browser:s1", now).ok);
  ASSERT_TRUE(router.logout("x9", "", now).ok);
  EXPECT_FALSE(router.agent("x9"));
  EXPECT_TRUE(router.agent("a1"));
}

TEST_F(AcdRouterTest, NotReadyAskedInACallWaitsForTheCallAndWrapUpToEnd) {
  auto q = make_queue("human");
  q.wrap_up = 10'000;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  answer("a1");
  ASSERT_TRUE(router.set_not_ready("a1", "meal", now).ok);
  EXPECT_EQ(state("a1"), AgentState::on_call);  // pending
  enter("c2", "human");
  router.call_ended("a1", HangupSide::citizen, now);
  EXPECT_EQ(state("a1"), AgentState::wrap_up);
  advance(10'000);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  EXPECT_EQ(reason("a1"), "meal");
  EXPECT_FALSE(offer_to("a1"));
  // Without wrap-up time: straight to ready, or to the pending not-ready.
  configure({make_queue("human")}, {{"human", "a1", 0}});
  router.set_ready("a1", now);
  answer("a1");
  router.call_ended("a1", HangupSide::citizen, now);
  EXPECT_EQ(state("a1"), AgentState::ready);
  enter("c3", "human");
  answer("a1");
  ASSERT_TRUE(router.set_not_ready("a1", "training", now).ok);
  router.call_ended("a1", HangupSide::citizen, now);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  EXPECT_EQ(reason("a1"), "training");
  EXPECT_EQ(sink.agent_events.back().from, AgentState::on_call);
}

TEST_F(AcdRouterTest, NotReadyWhileRingingCancelsTheOfferAndReroutes) {
  ready("a1");
  now += 10;
  ready("a2");
  enter("c1", "human");
  ASSERT_TRUE(router.set_not_ready("a1", "break", now).ok);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  EXPECT_EQ(sink.cancelled.size(), 1u);
  ASSERT_TRUE(offer_to("a2"));
  EXPECT_EQ(router.agent("a1")->missed_in_row, 0);
}

TEST_F(AcdRouterTest, BusyElsewhereGetsNoOfferAndComesBackToItsState) {
  ready("a1");
  router.device_busy("a1", true, now);
  EXPECT_EQ(state("a1"), AgentState::busy_elsewhere);
  enter("c1", "human");
  EXPECT_FALSE(offer_to("a1"));
  EXPECT_EQ(view("human").busy, 1);
  router.device_busy("a1", false, now);
  EXPECT_EQ(sink.events_for("a1")[sink.events_for("a1").size() - 2].to, AgentState::ready);
  ASSERT_TRUE(offer_to("a1"));
  answer("a1");
  router.call_ended("a1", HangupSide::citizen, now);
  // From not-ready it comes back not-ready, with its reason.
  router.set_not_ready("a1", "meeting", now);
  router.device_busy("a1", true, now);
  router.device_busy("a1", false, now);
  EXPECT_EQ(state("a1"), AgentState::not_ready);
  EXPECT_EQ(reason("a1"), "meeting");
  // Ready pressed while busy elsewhere: ready when the device is free.
  router.device_busy("a1", true, now);
  ASSERT_TRUE(router.set_ready("a1", now).ok);
  EXPECT_EQ(state("a1"), AgentState::busy_elsewhere);
  router.device_busy("a1", false, now);
  EXPECT_EQ(state("a1"), AgentState::ready);
}

TEST_F(AcdRouterTest, AnOutboundCallDuringWrapUpEndsItInBusyElsewhere) {
  auto q = make_queue("human");
  q.wrap_up = 10'000;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  answer("a1");
  router.call_ended("a1", HangupSide::citizen, now);
  router.device_busy("a1", true, now);  // the agent calls a department back
  EXPECT_EQ(state("a1"), AgentState::wrap_up);
  enter("c2", "human");
  advance(10'000);
  EXPECT_EQ(state("a1"), AgentState::busy_elsewhere);
  EXPECT_FALSE(offer_to("a1"));
  router.device_busy("a1", false, now);
  EXPECT_TRUE(offer_to("a1"));
}

TEST_F(AcdRouterTest, SupervisorForcesStates) {
  ready("a1");
  ASSERT_TRUE(router.force_state("a1", AgentState::not_ready, "", "S01", now).ok);
  EXPECT_EQ(sink.agent_events.back().reason, "forced:S01");
  ASSERT_TRUE(router.force_state("a1", AgentState::ready, "", "S01", now).ok);
  EXPECT_EQ(state("a1"), AgentState::ready);
  enter("c1", "human");
  // Ringing: forcing not-ready cancels the offer.
  ASSERT_TRUE(router.force_state("a1", AgentState::not_ready, "meeting", "S01", now).ok);
  EXPECT_EQ(sink.cancelled.size(), 1u);
  EXPECT_EQ(reason("a1"), "forced:S01:meeting");
  router.set_ready("a1", now);
  answer("a1");
  EXPECT_EQ(router.force_state("a1", AgentState::ready, "", "S01", now).error, "in_call");
  ASSERT_TRUE(router.force_state("a1", AgentState::logged_out, "", "S01", now).ok);
  EXPECT_EQ(state("a1"), AgentState::logged_out);
  now += 1'000;
  router.call_ended("a1", HangupSide::agent, now);
  EXPECT_EQ(sink.events_of(QueueEventKind::complete).size(), 1u);
}

TEST_F(AcdRouterTest, RingAllFirstAnswerWinsOthersStopWithoutAMiss) {
  configure({make_queue("human", Strategy::ring_all)}, {{"human", "a1", 0}, {"human", "a2", 0}, {"human", "a3", 1}});
  ready("a1");
  ready("a2");
  ready("a3");
  enter("c1", "human");
  ASSERT_TRUE(offer_to("a1"));
  ASSERT_TRUE(offer_to("a2"));
  EXPECT_FALSE(offer_to("a3"));  // a higher penalty tier
  EXPECT_NE(offer_to("a1")->id, offer_to("a2")->id);
  ASSERT_TRUE(answer("a2"));
  EXPECT_EQ(state("a2"), AgentState::on_call);
  EXPECT_EQ(state("a1"), AgentState::ready);
  EXPECT_EQ(reason("a1"), "answered_elsewhere");
  EXPECT_EQ(router.agent("a1")->missed_in_row, 0);
  EXPECT_EQ(sink.events_of(QueueEventKind::connect).size(), 1u);
  EXPECT_EQ(sink.cancelled.size(), 1u);
}

TEST_F(AcdRouterTest, RingAllNobodyAnswersEveryoneMisses) {
  configure({make_queue("human", Strategy::ring_all)}, {{"human", "a1", 0}, {"human", "a2", 0}});
  ready("a1");
  ready("a2");
  enter("c1", "human");
  advance(15'000);
  EXPECT_EQ(sink.events_of(QueueEventKind::ring_no_answer).size(), 2u);
  EXPECT_EQ(router.agent("a1")->missed_in_row, 1);
  // Both missed it, nobody else: both ring again.
  EXPECT_TRUE(offer_to("a1"));
  EXPECT_TRUE(offer_to("a2"));
}

TEST_F(AcdRouterTest, MaxWaitOverflowsToItsTarget) {
  auto q = make_queue("human");
  q.max_wait = 60'000;
  q.overflow = "voicemail";
  auto keep = make_queue("keep");
  keep.max_wait = 60'000;  // no target: keep waiting
  configure({q, keep}, {});
  enter("c1", "human");
  now += 1'000;
  enter("k1", "keep");
  EXPECT_EQ(router.next_deadline(), now + 59'000);
  advance(59'000);
  ASSERT_EQ(sink.overflows.size(), 1u);
  EXPECT_EQ(sink.overflows[0].entry.id, "c1");
  EXPECT_EQ(sink.overflows[0].target, "voicemail");
  EXPECT_EQ(sink.overflows[0].reason, "max_wait");
  const auto ov = sink.events_of(QueueEventKind::overflow);
  ASSERT_EQ(ov.size(), 1u);
  EXPECT_EQ(ov[0].wait_ms, 60'000);
  EXPECT_EQ(ov[0].detail, "voicemail");
  EXPECT_TRUE(router.waiting("human").empty());
  EXPECT_EQ(view("human").overflowed, 1);
  EXPECT_EQ(router.waiting("keep").size(), 1u);
  // Overflowed into another queue, the caller keeps its place in line (entered_at).
  Entry moved = sink.overflows[0].entry;
  moved.queue = "keep";
  ASSERT_TRUE(router.enter(moved, now).accepted);
  EXPECT_EQ(router.waiting("keep")[0].id, "c1");
}

TEST_F(AcdRouterTest, MaxLengthAndJoinRulesRefuse) {
  auto q = make_queue("human");
  q.max_length = 2;
  q.join_when = EmptyRule::no_agents_logged_in;
  configure({q}, {{"human", "a1", 0}});
  EXPECT_EQ(enter("c0", "human").reason, "no_agents");
  ASSERT_TRUE(router.login("a1", "extension:a1", now).ok);  // logged in, not ready: may join
  EXPECT_TRUE(enter("c1", "human").accepted);
  EXPECT_TRUE(enter("c2", "human").accepted);
  const Admission full = enter("c3", "human");
  EXPECT_FALSE(full.accepted);
  EXPECT_EQ(full.reason, "queue_full");
  EXPECT_EQ(enter("c1", "human").reason, "duplicate");
  EXPECT_EQ(enter("c9", "nope").reason, "no_such_queue");
  const auto refused = sink.events_of(QueueEventKind::refused);
  ASSERT_EQ(refused.size(), 4u);
  EXPECT_EQ(refused[0].detail, "no_agents");
  EXPECT_EQ(view("human").offered, 2);
  // no_agents_available: logged in but all not-ready counts as nobody.
  q.join_when = EmptyRule::no_agents_available;
  q.max_length = 0;
  configure({q}, {{"human", "a1", 0}});
  EXPECT_EQ(enter("c4", "human").reason, "no_agents");
  router.set_ready("a1", now);
  answer("a1");  // a1 on a call: still "available"
  EXPECT_TRUE(enter("c5", "human").accepted);
}

TEST_F(AcdRouterTest, LeaveRuleOverflowsWaitingCallersWhenTheLastAgentGoes) {
  auto q = make_queue("human");
  q.leave_when = EmptyRule::no_agents_logged_in;
  q.overflow = "ivr:night";
  configure({q}, {{"human", "a1", 0}});
  router.login("a1", "extension:a1", now);
  enter("c1", "human");
  enter("c2", "human");
  Entry cb;
  cb.id = "cb";
  cb.queue = "human";
  cb.entered_at = now;
  cb.callback = true;
  cb.callback_number = "13900000000";
  ASSERT_TRUE(router.enter(cb, now).accepted);
  router.logout("a1", "logout", now);
  ASSERT_EQ(sink.overflows.size(), 2u);
  EXPECT_EQ(sink.overflows[0].reason, "no_agents");
  EXPECT_EQ(sink.overflows[0].target, "ivr:night");
  // The callback keeps its place: the citizen is not on the line.
  ASSERT_EQ(router.waiting("human").size(), 1u);
  EXPECT_EQ(router.waiting("human")[0].id, "cb");
  // Joining is allowed (join_when always), staying is not.
  EXPECT_TRUE(enter("c3", "human").accepted);
  ASSERT_EQ(sink.overflows.size(), 3u);
  EXPECT_EQ(sink.overflows[2].entry.id, "c3");
}

TEST_F(AcdRouterTest, AnnouncementsGivePositionAndEstimate) {
  auto q = make_queue("human");
  q.announce_every = 30'000;
  configure({q}, {{"human", "a1", 0}});
  enter("c1", "human");
  now += 1'000;
  enter("c2", "human");
  advance(29'000);
  ASSERT_EQ(sink.announcements.size(), 1u);
  EXPECT_EQ(sink.announcements[0].entry, "c1");
  EXPECT_EQ(sink.announcements[0].position, 1);
  EXPECT_GT(sink.announcements[0].estimate, 0);
  advance(1'000);
  ASSERT_EQ(sink.announcements.size(), 2u);
  EXPECT_EQ(sink.announcements[1].entry, "c2");
  EXPECT_EQ(sink.announcements[1].position, 2);
  router.abandon("c1", now);
  advance(30'000);
  ASSERT_EQ(sink.announcements.size(), 3u);
  EXPECT_EQ(sink.announcements[2].entry, "c2");
  EXPECT_EQ(sink.announcements[2].position, 1);  // c2 moved up
}

TEST_F(AcdRouterTest, TransferCompletesWithItsTargetThenWrapUp) {
  auto q = make_queue("human");
  q.wrap_up = 5'000;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  answer("a1");
  now += 40'000;
  router.transferred("a1", "queue:complaints", now);
  const auto tr = sink.events_of(QueueEventKind::transfer);
  ASSERT_EQ(tr.size(), 1u);
  EXPECT_EQ(tr[0].detail, "queue:complaints");
  const auto complete = sink.events_of(QueueEventKind::complete);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].detail, "transfer:queue:complaints");
  EXPECT_EQ(complete[0].talk_ms, 40'000);
  EXPECT_EQ(state("a1"), AgentState::wrap_up);
}

// docs/kpis.md: talk excludes hold (AHT adds the two), up to a hang-up while
// still on hold, for a call that outlived its agent's login too.
TEST_F(AcdRouterTest, TalkExcludesHoldUpToTheHangUp) {
  configure({make_queue("human")}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  ASSERT_TRUE(answer("a1"));
  now += 20'000;
  router.hold("a1", true, now);
  now += 5'000;
  router.hold("a1", false, now);
  now += 10'000;
  router.hold("a1", true, now);
  now += 7'000;
  router.call_ended("a1", HangupSide::citizen, now);  // on hold
  auto complete = sink.events_of(QueueEventKind::complete);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].talk_ms, 30'000);
  EXPECT_EQ(complete[0].hold_ms, 12'000);

  ASSERT_EQ(state("a1"), AgentState::ready);  // no wrap-up in this queue
  enter("c2", "human");
  ASSERT_TRUE(answer("a1"));
  now += 10'000;
  router.hold("a1", true, now);
  now += 3'000;
  router.device_lost("a1", now);  // the call goes on, its hold time keeps counting
  now += 4'000;
  router.hold("a1", false, now);
  now += 6'000;
  router.call_ended("a1", HangupSide::citizen, now);
  complete = sink.events_of(QueueEventKind::complete);
  ASSERT_EQ(complete.size(), 2u);
  EXPECT_EQ(complete[1].talk_ms, 16'000);
  EXPECT_EQ(complete[1].hold_ms, 7'000);
}

// The wrap-up's agent event names the call and the queue it follows (the
// reports count its time for that queue), after a hang-up or a transfer.
TEST_F(AcdRouterTest, WrapUpEventNamesItsCallAndQueue) {
  auto q = make_queue("human");
  q.wrap_up = 5'000;
  configure({q}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  ASSERT_TRUE(answer("a1"));
  now += 30'000;
  router.transferred("a1", "queue:complaints", now);
  ASSERT_EQ(sink.agent_events.back().to, AgentState::wrap_up);
  EXPECT_EQ(sink.agent_events.back().call, "c1");
  EXPECT_EQ(sink.agent_events.back().queue, "human");
  advance(5'000);
  EXPECT_EQ(sink.agent_events.back().to, AgentState::ready);
  enter("c2", "human");
  ASSERT_TRUE(answer("a1"));
  now += 30'000;
  router.call_ended("a1", HangupSide::agent, now);
  ASSERT_EQ(sink.agent_events.back().to, AgentState::wrap_up);
  EXPECT_EQ(sink.agent_events.back().call, "c2");
  EXPECT_EQ(sink.agent_events.back().queue, "human");
}

// A wall clock stepped back (NTP, an operator) must not log an agent's
// events out of time order: the reports take each state to last until the
// agent's next event.
TEST_F(AcdRouterTest, EventsStayInTimeOrderWhenTheClockStepsBack) {
  configure({make_queue("human")}, {{"human", "a1", 0}});
  ready("a1");
  enter("c1", "human");
  const Ms answered_at = now + 2'000;
  now = answered_at;
  ASSERT_TRUE(answer("a1"));
  now -= 60'000;  // the clock steps back a minute
  router.hold("a1", true, now);
  now += 1'000;
  router.call_ended("a1", HangupSide::citizen, now);
  Ms last = 0;
  for (const auto& e : sink.agent_events) {
    EXPECT_GE(e.at, last) << to_string(e.to);
    last = e.at;
  }
  for (const auto& e : sink.queue_events) EXPECT_GE(e.at, answered_at - 2'000) << to_string(e.kind);
  const auto complete = sink.events_of(QueueEventKind::complete);
  ASSERT_EQ(complete.size(), 1u);
  EXPECT_EQ(complete[0].talk_ms, 0);
  EXPECT_EQ(complete[0].hold_ms, 0);
  EXPECT_EQ(complete[0].at, answered_at);
}

TEST_F(AcdRouterTest, RemovingAQueueOverflowsItsCallers) {
  auto q = make_queue("old");
  q.overflow = "queue:human";
  configure({make_queue("human"), q}, {{"human", "a1", 0}, {"old", "a1", 0}});
  enter("c1", "old");
  configure({make_queue("human")}, {{"human", "a1", 0}});
  ASSERT_EQ(sink.overflows.size(), 1u);
  EXPECT_EQ(sink.overflows[0].reason, "queue_removed");
  EXPECT_EQ(sink.overflows[0].target, "queue:human");
  EXPECT_FALSE(router.queue("old", now));
  ASSERT_EQ(router.memberships().size(), 1u);
}

TEST_F(AcdRouterTest, AFreedAgentTakesTheBestCallerOverAllItsQueues) {
  auto a = make_queue("a");
  auto b = make_queue("b");
  configure({a, b}, {{"a", "x", 0}, {"b", "x", 0}});
  enter("a1", "a");
  now += 1'000;
  enter("b1", "b", 1);  // later, but a higher priority
  now += 1'000;
  enter("a2", "a");
  ready("x");
  EXPECT_EQ(offer_to("x")->entry.id, "b1");
  answer("x");
  router.call_ended("x", HangupSide::citizen, now);
  EXPECT_EQ(offer_to("x")->entry.id, "a1");  // then the longest waiting
}

TEST_F(AcdRouterTest, QueueViewCountsAgentsByState) {
  auto q = make_queue("human");
  q.wrap_up = 10'000;
  configure({q}, {{"human", "a1", 0}, {"human", "a2", 0}, {"human", "a3", 0}, {"human", "a4", 0}});
  ready("a1");
  ready("a2");
  router.login("a3", "extension:a3", now);
  enter("c1", "human");
  enter("c2", "human");
  answer("a1");
  router.call_ended("a1", HangupSide::citizen, now);
  now += 4'000;
  enter("c3", "human");
  const QueueView v = view("human");
  EXPECT_EQ(v.agents_logged_in, 3);
  EXPECT_EQ(v.ready, 0);
  EXPECT_EQ(v.busy, 1);  // a2 ringing
  EXPECT_EQ(v.wrap_up, 1);
  EXPECT_EQ(v.not_ready, 1);
  EXPECT_EQ(v.waiting, 2);  // c2 ringing at a2, c3
  EXPECT_EQ(v.longest_wait, 4'000);
  const auto views = router.agents();
  ASSERT_EQ(views.size(), 4u);  // a4: a member, logged out
  EXPECT_EQ(views[3].state, AgentState::logged_out);
}

TEST_F(AcdRouterTest, NextDeadlineIsTheEarliestTimer) {
  auto q = make_queue("human");
  q.ring_timeout = 20'000;
  q.max_wait = 90'000;
  q.overflow = "voicemail";
  q.announce_every = 45'000;
  configure({q}, {{"human", "a1", 0}});
  EXPECT_FALSE(router.next_deadline());
  enter("c1", "human");
  EXPECT_EQ(router.next_deadline(), now + 45'000);
  ready("a1");
  EXPECT_EQ(router.next_deadline(), now + 20'000);
  answer("a1");
  EXPECT_FALSE(router.next_deadline());
}

TEST_F(AcdRouterTest, MembershipChangesTakeEffectAtOnce) {
  configure({make_queue("a"), make_queue("b")}, {{"a", "x", 0}});
  ready("x");
  enter("b1", "b");
  EXPECT_FALSE(offer_to("x"));
  router.set_membership({"b", "x", 1}, now);
  ASSERT_TRUE(offer_to("x"));
  EXPECT_EQ(view("b").agents_logged_in, 1);
  // Leaving the queue while its caller rings does not take the call away.
  router.remove_membership("b", "x", now);
  EXPECT_EQ(view("b").agents_logged_in, 0);
  ASSERT_TRUE(answer("x"));
  router.call_ended("x", HangupSide::citizen, now);
  enter("b2", "b");
  EXPECT_FALSE(offer_to("x"));
  const auto ms = router.memberships();
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].queue, "a");
  // A member logged out is known; removing its last membership forgets it.
  configure({make_queue("a"), make_queue("b")}, {{"a", "x", 0}, {"b", "y", 0}});
  EXPECT_TRUE(router.agent("y"));
  router.remove_membership("b", "y", now);
  EXPECT_FALSE(router.agent("y"));
}

TEST_F(AcdRouterTest, ReconfiguringAQueueKeepsItsCallersInTheNewOrder) {
  auto q = make_queue("human");
  q.priority_aging = 0;
  configure({q}, {{"human", "a1", 0}});
  enter("old", "human", 0);
  now += 120'000;
  enter("vip", "human", 1);
  EXPECT_EQ(router.waiting("human")[0].id, "vip");  // strict priority
  q.priority_aging = 60'000;                        // now two minutes of waiting beat one level
  q.strategy = Strategy::round_robin;
  configure({q}, {{"human", "a1", 0}});
  now += 1;
  EXPECT_EQ(router.waiting("human")[0].id, "old");
  EXPECT_EQ(router.waiting("human").size(), 2u);
  ready("a1");
  EXPECT_EQ(offer_to("a1")->entry.id, "old");
}

// The owner may answer from inside a Sink call (a phone known to be dead,
// a browser that auto-answers): the router is consistent by then, and the
// Sink sees everything in order.
class ReentrantSink : public RecordingSink {
 public:
  Router* router = nullptr;
  Ms now = 0;
  std::set<std::string> dead;
  std::set<std::string> auto_answer;
  void offer(const Offer& o) override {
    RecordingSink::offer(o);
    if (dead.count(o.agent)) {
      forget(o.id, o.agent);
      router->offer_failed(o.id, OfferFailure::unreachable, now);
    } else if (auto_answer.count(o.agent)) {
      forget(o.id, o.agent);
      EXPECT_TRUE(router->answered(o.id, now));
    }
  }
};

TEST(AcdReentrancyTest, ASinkMayCallBackIntoTheRouter) {
  ReentrantSink sink;
  Router router(sink, 1);
  sink.router = &router;
  sink.now = 1'000;
  sink.dead = {"a1"};
  sink.auto_answer = {"a2"};
  router.configure({make_queue("q")}, {{"q", "a1", 0}, {"q", "a2", 1}}, 1'000);
  for (const char* a : {"a1", "a2"}) {
    router.login(a, "browser:x", 1'000);
    router.set_ready(a, 1'000);
  }
  Entry e;
  e.id = "c1";
  e.queue = "q";
  ASSERT_TRUE(router.enter(e, 1'000).accepted);
  EXPECT_EQ(router.agent("a1")->state, AgentState::not_ready);
  EXPECT_EQ(router.agent("a2")->state, AgentState::on_call);
  std::vector<std::string> kinds;
  for (const auto& ev : sink.queue_events) kinds.emplace_back(to_string(ev.kind));
  EXPECT_EQ(kinds, (std::vector<std::string>{"enter", "offer", "offer_failed", "offer", "connect"}));
  EXPECT_EQ(sink.violations, 0);
}

}  // namespace
}  // namespace hotline::acd::test
