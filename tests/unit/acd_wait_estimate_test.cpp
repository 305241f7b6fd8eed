// The estimated wait (issue 6, deliverable 4) against simulated callers: in a
// steady-load simulation the estimate a caller is given when entering must
// be within ±30% of the wait they actually have, for at least 80% of the
// callers.
//
// Rule of the comparison, stated once: only callers who were answered count
// (one who hangs up has no actual wait to compare with), and callers whose
// actual wait was under 10 s are left out (a relative error on a 3 s wait
// says nothing; those callers are told "shortly" anyway). Every other caller
// from the first second counts: no warm-up is discarded.
//
// The center: one queue, agents answering the router's own offers after a
// 1-4 s ring, lognormal talk times (mean 180 s, cv 0.6), 10 s wrap-up,
// Poisson arrivals a little above capacity, callers hanging up after an
// exponential patience (mean 10 min) so that the line is steady and long.
#include <cstdio>

#include "acd_sim.hpp"

namespace hotline::acd::test {
namespace {

struct Score {
  int compared = 0, within = 0, short_waits = 0, not_answered = 0;
  double share() const { return compared ? static_cast<double>(within) / compared : 0; }
};

Score simulate(std::uint64_t seed, int agents, double load, double patience_s, Ms duration) {
  Behaviour b;
  b.ring_min = 1'000;
  b.ring_max = 4'000;
  b.talk_mean_s = 180;
  b.talk_cv = 0.6;
  b.patience_mean_s = patience_s;
  SimCenter sim(seed, b);
  sim.now = 1'700'000'000'000;
  QueueSettings q;
  q.name = "human";
  q.strategy = Strategy::longest_idle;
  q.wrap_up = 10'000;
  q.ring_timeout = 20'000;
  q.announce_every = 0;
  q.priority_aging = 0;
  std::vector<Membership> ms;
  for (int i = 0; i < agents; ++i) ms.push_back({"human", "A" + std::to_string(i), 0});
  sim.router.configure({q}, ms, sim.now);
  for (int i = 0; i < agents; ++i) sim.staff("A" + std::to_string(i));
  // Capacity: agents / (ring + talk + wrap-up).
  const double capacity = agents / (2.5 + 180.0 + 10.0);
  sim.arrivals("human", capacity * load, sim.now + duration);
  sim.run_until(sim.now + duration + 3'600'000);
  EXPECT_EQ(sim.violations, 0);
  Score s;
  for (const auto& [id, c] : sim.callers) {
    if (c.outcome != SimCenter::Outcome::answered) {
      ++s.not_answered;
      continue;
    }
    if (c.wait < 10'000) {
      ++s.short_waits;
      continue;
    }
    ++s.compared;
    const double err = static_cast<double>(c.estimate - c.wait) / static_cast<double>(c.wait);
    if (err >= -0.30 && err <= 0.30) ++s.within;
  }
  return s;
}

TEST(AcdWaitEstimateTest, EstimateAtEntryWithin30PercentFor80PercentOfCallers) {
  for (std::uint64_t seed : {11u, 12u}) {
    const Score s = simulate(seed, 100, 1.10, 600, 3 * 3'600'000);
    std::printf("[ estimate ] seed %llu: %d compared, %d within ±30%% (%.1f%%); %d waited < 10 s, %d not answered\n",
                static_cast<unsigned long long>(seed), s.compared, s.within, 100 * s.share(), s.short_waits,
                s.not_answered);
    EXPECT_GT(s.compared, 2500);
    EXPECT_GE(s.share(), 0.80) << "seed " << seed;
  }
}

}  // namespace
}  // namespace hotline::acd::test
