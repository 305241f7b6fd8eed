// The queue event log recomputes the day's figures exactly (issue 6, C6):
// a random workload with every kind of failure, then offered, answered,
// abandoned, answered within the service level and overflowed are counted
// from the emitted QueueEvents alone and compared with the router's
// counters. Also: no caller is lost, no agent ever had two live offers or
// an offer while not ready, the agent event chain is unbroken.
#include <map>

#include "acd_sim.hpp"

namespace hotline::acd::test {
namespace {

struct Counts {
  int offered = 0, answered = 0, abandoned = 0, within_sl = 0, overflowed = 0;
};

QueueSettings sim_queue(const std::string& name, Strategy s) {
  QueueSettings q;
  q.name = name;
  q.strategy = s;
  q.ring_timeout = 12'000;
  q.wrap_up = 8'000;
  q.wrap_up_max = 30'000;
  q.max_wait = 240'000;
  q.overflow = "voicemail";
  q.max_length = 40;
  q.announce_every = 30'000;
  q.service_level = 20'000;
  q.missed_offers_to_pause = 3;
  q.busy_delay = 4'000;
  q.priority_aging = 45'000;
  q.callback_attempts = 2;
  q.callback_retry_delay = 60'000;
  q.join_when = EmptyRule::no_agents_logged_in;
  return q;
}

// Supervisors and devices doing what they do, every 20 s on average: forced
// states, phones busy with other calls, memberships changed, and once a queue
// removed and put back.
void chaos(SimCenter& sim, const std::vector<QueueSettings>& qs, const std::vector<Membership>& ms, Ms end) {
  const Ms next = sim.now + sim.exponential_ms(20);
  if (next > end) return;
  sim.at(next, [&sim, &qs, &ms, end] {
    const std::string agent = "A" + std::to_string(100 + sim.between(0, 23));
    switch (sim.between(0, 6)) {
      case 0:
        sim.router.force_state(agent, AgentState::not_ready, "meeting", "S01", sim.now);
        sim.at(sim.now + 60'000, [&sim, agent] { sim.router.set_ready(agent, sim.now); });
        break;
      case 1:
        sim.router.force_state(agent, AgentState::ready, "", "S01", sim.now);
        break;
      case 2:
        if (sim.router.force_state(agent, AgentState::logged_out, "", "S01", sim.now).ok) {
          sim.at(sim.now + 600'000, [&sim, agent] {
            if (sim.router.login(agent, sim.device_of[agent], sim.now).ok) sim.router.set_ready(agent, sim.now);
          });
        }
        break;
      case 3:
        sim.router.device_busy(agent, true, sim.now);
        sim.at(sim.now + sim.between(5'000, 60'000), [&sim, agent] { sim.router.device_busy(agent, false, sim.now); });
        break;
      case 4: {
        const Membership& m = ms[static_cast<std::size_t>(sim.between(0, static_cast<Ms>(ms.size()) - 1))];
        sim.router.remove_membership(m.queue, m.agent, sim.now);
        sim.at(sim.now + 30'000, [&sim, m] { sim.router.set_membership({m.queue, m.agent, (m.penalty + 1) % 3}, sim.now); });
        break;
      }
      case 5:
        sim.router.extend_wrap_up(agent, 5'000, sim.now);
        break;
      default:
        sim.router.set_not_ready(agent, "break", sim.now);
        sim.at(sim.now + 45'000, [&sim, agent] { sim.router.set_ready(agent, sim.now); });
        break;
    }
    chaos(sim, qs, ms, end);
  });
}

void run_workload(std::uint64_t seed) {
  Behaviour b;
  b.p_unreachable = 0.01;
  b.p_reject = 0.04;
  b.p_busy = 0.02;
  b.p_no_answer = 0.05;
  b.ring_min = 1'000;
  b.ring_max = 14'000;  // some answers come after the ring timeout
  b.talk_mean_s = 90;
  b.p_hold = 0.2;
  b.p_transfer = 0.05;
  b.p_wrap_up_done = 0.3;
  b.patience_mean_s = 120;
  b.p_callback_request = 0.1;
  b.p_break_after_call = 0.05;
  b.break_mean_s = 120;
  b.p_device_lost = 0.01;
  SimCenter sim(seed, b);
  sim.now = 1'700'000'000'000;
  std::vector<QueueSettings> qs{sim_queue("human", Strategy::skills), sim_queue("complaints", Strategy::round_robin),
                                sim_queue("english", Strategy::ring_all), sim_queue("elderly", Strategy::fewest_calls),
                                sim_queue("business", Strategy::random)};
  qs[2].max_length = 2;     // refusals too
  qs[1].max_wait = 60'000;  // and overflows
  std::vector<Membership> ms;
  for (int i = 0; i < 24; ++i) {
    const std::string agent = "A" + std::to_string(100 + i);
    ms.push_back({qs[static_cast<std::size_t>(i % 5)].name, agent, i % 3});
    if (i % 2 == 0) ms.push_back({qs[static_cast<std::size_t>((i + 1) % 5)].name, agent, 1 + i % 2});
    if (i % 4 == 0) ms.push_back({"human", agent, 2});
  }
  sim.router.configure(qs, ms, sim.now);
  for (int i = 0; i < 24; ++i) sim.staff("A" + std::to_string(100 + i));
  const Ms start = sim.now;
  const Ms end = start + 2 * 3'600'000;
  const double rates[] = {0.1, 0.06, 0.03, 0.04, 0.04};  // per second, over capacity at times
  for (std::size_t i = 0; i < qs.size(); ++i) sim.arrivals(qs[i].name, rates[i], end, 3);
  chaos(sim, qs, ms, end);
  // Once, the business queue is removed (its callers overflow) and comes back.
  sim.at(start + 40 * 60'000, [&sim, &qs, &ms] {
    std::vector<QueueSettings> fewer(qs.begin(), qs.end() - 1);
    std::vector<Membership> fewer_ms;
    for (const auto& m : ms) {
      if (m.queue != "business") fewer_ms.push_back(m);
    }
    sim.router.configure(fewer, fewer_ms, sim.now);
  });
  sim.at(start + 45 * 60'000, [&sim, &qs, &ms] { sim.router.configure(qs, ms, sim.now); });
  // Half way, a new day starts for the counters: recount from there.
  const Ms midnight = start + 60 * 60'000;
  sim.run_until(midnight);
  sim.router.reset_day(sim.now);
  const std::size_t day_start = sim.events.size();
  sim.run_until(end);

  EXPECT_EQ(sim.violations, 0);
  EXPECT_GT(sim.offers, 1000);
  std::map<std::string, Counts> log;
  std::map<std::string, int> kinds;  // over the whole run
  for (const QueueEvent& ev : sim.events) ++kinds[std::string(to_string(ev.kind))];
  for (std::size_t i = day_start; i < sim.events.size(); ++i) {
    const QueueEvent& ev = sim.events[i];
    Counts& c = log[ev.queue];
    switch (ev.kind) {
      case QueueEventKind::enter: ++c.offered; break;
      case QueueEventKind::connect:
        ++c.answered;
        if (ev.wait_ms <= 20'000) ++c.within_sl;
        break;
      case QueueEventKind::abandon: ++c.abandoned; break;
      case QueueEventKind::overflow: ++c.overflowed; break;
      default: break;
    }
  }
  for (const auto& q : qs) {
    const QueueView v = *sim.router.queue(q.name, sim.now);
    const Counts& c = log[q.name];
    EXPECT_EQ(v.offered, c.offered) << q.name;
    EXPECT_EQ(v.answered, c.answered) << q.name;
    EXPECT_EQ(v.abandoned, c.abandoned) << q.name;
    EXPECT_EQ(v.answered_within_sl, c.within_sl) << q.name;
    EXPECT_EQ(v.overflowed, c.overflowed) << q.name;
    EXPECT_GT(c.answered, 0) << q.name;
  }
  // The workload exercised what it should.
  for (const char* k : {"ring_no_answer", "offer_failed", "abandon", "overflow", "callback_requested",
                        "callback_placed", "callback_connected", "callback_failed", "transfer", "refused"}) {
    EXPECT_GT(kinds[k], 0) << k;
  }
  // No caller lost: each one entered is answered, abandoned, overflowed,
  // given up, or still in a line (or with an agent placing its callback).
  std::map<std::string, int> in_line;
  for (const auto& q : qs) {
    for (const auto& e : sim.router.waiting(q.name)) ++in_line[e.id];
  }
  int still = 0;
  for (const auto& [id, c] : sim.callers) {
    if (c.outcome == SimCenter::Outcome::waiting) {
      ++still;
      EXPECT_TRUE(in_line.count(id) || c.callback) << id << " vanished";
    } else {
      EXPECT_FALSE(in_line.count(id)) << id << " ended but still in line";
    }
  }
  EXPECT_LT(still, 200);
  // Every connect is followed, per call, by exactly one complete (or the call is still on).
  std::map<std::string, int> open;
  for (const QueueEvent& ev : sim.events) {
    if (ev.kind == QueueEventKind::connect) ++open[ev.call];
    if (ev.kind == QueueEventKind::complete) {
      EXPECT_EQ(--open[ev.call], 0) << ev.call << " completed without a connect";
    }
  }
  int on_calls = 0;
  for (const auto& [call, n] : open) on_calls += n;
  EXPECT_LE(on_calls, 24);
}

TEST(AcdEventLogTest, KpisRecomputeExactlyFromTheEventLog) {
  for (std::uint64_t seed : {1u, 2u}) {
    SCOPED_TRACE(seed);
    run_workload(seed);
  }
}

}  // namespace
}  // namespace hotline::acd::test
