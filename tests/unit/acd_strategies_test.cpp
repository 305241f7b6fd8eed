// Which agent gets a caller under each strategy, penalty tiers, and the
// order of callers (priority with aging: low priorities are not starved).
#include <map>

#include "acd_fixture.hpp"

namespace hotline::acd::test {
namespace {

class AcdStrategyTest : public AcdTest {
 protected:
  // Answers the agent's offer and ends the call at once (no wrap-up).
  void serve(const std::string& agent) {
    ASSERT_TRUE(answer(agent));
    router.call_ended(agent, HangupSide::citizen, now);
  }
  // One caller in, and who is offered it.
  std::string who_gets(const std::string& id, const std::string& queue = "q") {
    enter(id, queue);
    for (const auto& [agent, offer] : sink.live) {
      if (sink.live_offer(agent)->entry.id == id) return agent;
    }
    return "";
  }
};

TEST_F(AcdStrategyTest, LongestIdleTakesTheAgentWhoseLastCallEndedFirst) {
  configure({make_queue("q", Strategy::longest_idle)}, {{"q", "a1", 0}, {"q", "a2", 0}, {"q", "a3", 0}});
  ready("a2");
  now += 1'000;
  ready("a1");
  now += 1'000;
  ready("a3");
  EXPECT_EQ(who_gets("c1"), "a2");  // ready the longest, never had a call
  now += 5'000;
  serve("a2");
  EXPECT_EQ(who_gets("c2"), "a1");
  now += 1'000;
  serve("a1");
  EXPECT_EQ(who_gets("c3"), "a3");
  serve("a3");
  EXPECT_EQ(who_gets("c4"), "a2");  // its call ended before a1's and a3's
}

TEST_F(AcdStrategyTest, RoundRobinRemembersWhoWasLastInMembershipOrder) {
  configure({make_queue("q", Strategy::round_robin)}, {{"q", "a3", 0}, {"q", "a1", 0}, {"q", "a2", 0}});
  ready("a1");
  ready("a2");
  ready("a3");
  EXPECT_EQ(who_gets("c1"), "a3");
  serve("a3");
  EXPECT_EQ(who_gets("c2"), "a1");
  serve("a1");
  EXPECT_EQ(who_gets("c3"), "a2");
  serve("a2");
  EXPECT_EQ(who_gets("c4"), "a3");  // wraps around
  serve("a3");
  // a1 is away: the turn passes to the next one, and comes back to a1 later.
  router.set_not_ready("a1", "break", now);
  EXPECT_EQ(who_gets("c5"), "a2");
  serve("a2");
  router.set_ready("a1", now);
  EXPECT_EQ(who_gets("c6"), "a3");
  serve("a3");
  EXPECT_EQ(who_gets("c7"), "a1");
}

TEST_F(AcdStrategyTest, FewestCallsThenLongestIdle) {
  configure({make_queue("q", Strategy::fewest_calls)}, {{"q", "a1", 0}, {"q", "a2", 0}, {"q", "a3", 0}});
  ready("a1");
  now += 1'000;
  ready("a2");
  now += 1'000;
  ready("a3");
  // Give a1 two calls and a2 one, while the others are away.
  router.set_not_ready("a2", "break", now);
  router.set_not_ready("a3", "break", now);
  EXPECT_EQ(who_gets("c1"), "a1");
  serve("a1");
  EXPECT_EQ(who_gets("c2"), "a1");
  serve("a1");
  router.set_ready("a2", now);
  router.set_not_ready("a1", "break", now);
  EXPECT_EQ(who_gets("c3"), "a2");
  serve("a2");
  router.set_ready("a1", now);
  router.set_ready("a3", now);
  EXPECT_EQ(who_gets("c4"), "a3");  // no call today
  now += 1'000;
  serve("a3");
  now += 1'000;
  // a2 and a3 have one call each; a2's ended first.
  EXPECT_EQ(who_gets("c5"), "a2");
  // A new day: everyone back to zero calls, the longest idle first.
  router.reset_day(now);
  serve("a2");
  EXPECT_EQ(router.agent("a1")->calls_today, 0);
  EXPECT_EQ(who_gets("c6"), "a1");
}

TEST_F(AcdStrategyTest, RandomIsSeededAndSpreadsOverTheLowestTier) {
  configure({make_queue("q", Strategy::random)},
            {{"q", "a1", 0}, {"q", "a2", 0}, {"q", "a3", 0}, {"q", "a4", 0}, {"q", "z9", 1}});
  for (const char* a : {"a1", "a2", "a3", "a4", "z9"}) ready(a);
  std::map<std::string, int> count;
  std::vector<std::string> sequence;
  for (int i = 0; i < 400; ++i) {
    const std::string got = who_gets("c" + std::to_string(i));
    ++count[got];
    sequence.push_back(got);
    serve(got);
  }
  EXPECT_EQ(count.count("z9"), 0u);  // never the higher penalty while the lower tier is free
  for (const char* a : {"a1", "a2", "a3", "a4"}) {
    EXPECT_GT(count[a], 60) << a;  // 100 expected each
    EXPECT_LT(count[a], 140) << a;
  }
  // The same seed gives the same choices.
  RecordingSink sink2;
  Router router2(sink2, 42);
  router2.configure({make_queue("q", Strategy::random)},
                    {{"q", "a1", 0}, {"q", "a2", 0}, {"q", "a3", 0}, {"q", "a4", 0}, {"q", "z9", 1}}, 0);
  for (const char* a : {"a1", "a2", "a3", "a4", "z9"}) {
    router2.login(a, "d", 0);
    router2.set_ready(a, 0);
  }
  for (int i = 0; i < 50; ++i) {
    Entry e;
    e.id = "c" + std::to_string(i);
    e.queue = "q";
    router2.enter(e, 0);
    const Offer o = sink2.offers.back();
    EXPECT_EQ(o.agent, sequence[static_cast<std::size_t>(i)]);
    sink2.forget(o.id, o.agent);
    router2.answered(o.id, 0);
    router2.call_ended(o.agent, HangupSide::citizen, 0);
  }
}

TEST_F(AcdStrategyTest, SkillsTakesTheBestSkillLevelFirstThenLongestIdle) {
  configure({make_queue("q", Strategy::skills)}, {{"q", "expert", 0}, {"q", "b1", 2}, {"q", "b2", 2}, {"q", "m1", 1}});
  ready("b1");
  now += 1'000;
  ready("b2");
  now += 1'000;
  ready("m1");
  now += 1'000;
  ready("expert");  // idle the shortest, but the best skill level
  EXPECT_EQ(who_gets("c1"), "expert");
  EXPECT_EQ(who_gets("c2"), "m1");
  EXPECT_EQ(who_gets("c3"), "b1");  // same level: the longest idle
  EXPECT_EQ(who_gets("c4"), "b2");
  EXPECT_EQ(who_gets("c5"), "");    // everyone rings
  serve("b2");                      // a freed level-2 agent takes the waiting caller
  EXPECT_EQ(sink.live_offer("b2")->entry.id, "c5");
}

TEST_F(AcdStrategyTest, PenaltyTiersApplyToEveryStrategy) {
  for (Strategy s : {Strategy::longest_idle, Strategy::round_robin, Strategy::fewest_calls, Strategy::random}) {
    sink.live.clear();
    Router r(sink, 7);
    r.configure({make_queue("q", s)}, {{"q", "hi", 3}, {"q", "lo", 0}}, now);
    sink.state.clear();
    r.login("hi", "d", now);
    r.set_ready("hi", now);
    r.login("lo", "d", now + 500);
    r.set_ready("lo", now + 500);  // less idle, fewer... only the penalty decides
    Entry e;
    e.id = "c";
    e.queue = "q";
    r.enter(e, now + 1'000);
    ASSERT_TRUE(sink.live.count("lo")) << to_string(s);
    EXPECT_FALSE(sink.live.count("hi")) << to_string(s);
    // The lower tier busy: the higher tier takes the next caller.
    e.id = "d";
    r.enter(e, now + 1'000);
    EXPECT_TRUE(sink.live.count("hi")) << to_string(s);
  }
}

TEST_F(AcdStrategyTest, PriorityOrdersTheLineAndAgingPreventsStarvation) {
  auto q = make_queue("q");
  q.priority_aging = 60'000;  // one level per minute waited
  auto strict = make_queue("strict");
  strict.priority_aging = 0;
  configure({q, strict}, {});
  const Ms t0 = now;
  enter("low", "q", 0);
  enter("s_low", "strict", 0);
  now = t0 + 10'000;
  enter("mid", "q", 2);
  enter("s_high", "strict", 5);
  now = t0 + 299'000;
  enter("high_early", "q", 5);  // 5 levels = 300 s: ahead of "low" by 1 s
  now = t0 + 301'000;
  enter("high_late", "q", 5);   // behind "low", which has waited 301 s
  enter("s_high2", "strict", 5);
  std::vector<std::string> order;
  for (const auto& e : router.waiting("q")) order.push_back(e.id);
  // Effective priorities now: mid 2 + 291/60, high_early 5 + 2/60, low 301/60, high_late 5.
  EXPECT_EQ(order, (std::vector<std::string>{"mid", "high_early", "low", "high_late"}));
  order.clear();
  for (const auto& e : router.waiting("strict")) order.push_back(e.id);
  // Without aging: priority, then the earlier.
  EXPECT_EQ(order, (std::vector<std::string>{"s_high", "s_high2", "s_low"}));
}

TEST_F(AcdStrategyTest, ALowPriorityCallerIsServedDespiteAStreamOfHighPriorityOnes) {
  auto q = make_queue("q");
  q.priority_aging = 30'000;
  configure({q}, {{"q", "a1", 0}});
  ready("a1");
  enter("busy", "q", 3);  // keeps a1 busy while the line builds
  answer("a1");
  enter("low", "q", 0);
  const Ms t0 = now;
  Ms served_low = 0;
  int n = 0;
  // High-priority callers arrive every 10 s; a1 handles one every 20 s: the
  // line of high priorities only grows, yet "low" gets its turn.
  for (Ms t = 0; t < 900'000 && !served_low; t += 10'000) {
    now = t0 + t;
    enter("h" + std::to_string(n++), "q", 3);
    if (t % 20'000 == 0) {
      router.call_ended("a1", HangupSide::citizen, now);
      auto o = offer_to("a1");
      ASSERT_TRUE(o);
      if (o->entry.id == "low") served_low = now;
      answer("a1");
    }
  }
  ASSERT_NE(served_low, 0) << "the low priority caller starved";
  // The oldest high-priority caller ages too (it waited about half as long):
  // "low" passes it when t/30 s > 3 + t/60 s, i.e. after about 180 s.
  EXPECT_LE(served_low - t0, 240'000);
}

}  // namespace
}  // namespace hotline::acd::test
