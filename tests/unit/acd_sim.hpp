#pragma once
// A simulated contact center around the ACD router, on fake time: callers
// arrive (Poisson), agents' phones answer after a ring delay or fail,
// calls last a lognormal time, callers hang up when their patience runs
// out or ask for a callback. The owner's part is played faithfully: one
// outcome per offer, nothing for an offer the router cancelled, tick() at
// every next_deadline(). Checks the offer invariants as the Sink sees them.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "hotline/acd/router.hpp"

namespace hotline::acd::test {

struct Behaviour {
  double p_unreachable = 0, p_reject = 0, p_busy = 0, p_no_answer = 0;
  Ms ring_min = 1'000, ring_max = 5'000;  // time to answer
  double talk_mean_s = 180, talk_cv = 0.6;  // lognormal
  double p_hold = 0;
  double p_transfer = 0;
  double p_wrap_up_done = 0;       // the agent ends wrap-up early
  double patience_mean_s = 0;      // exponential; 0: callers never hang up
  double p_callback_request = 0;   // a waiting caller presses 1 after some time
  double p_callback_answer = 0.7;  // the citizen answers a callback
  double p_break_after_call = 0;   // asks not-ready during the call, back after a break
  double break_mean_s = 300;
  double p_device_lost = 0;        // per call, mid-call
};

class SimCenter : public Sink {
 public:
  enum class Outcome { waiting, answered, abandoned, overflowed, given_up, refused };
  struct Caller {
    std::string queue;
    Ms entered = 0;
    Ms estimate = -1;
    int position = 0;
    Outcome outcome = Outcome::waiting;
    Ms wait = 0;
    bool callback = false;
  };

  SimCenter(std::uint64_t seed, Behaviour b) : router(*this, seed), rng(seed * 7919 + 1), b(b) {}

  Router router;
  std::mt19937_64 rng;
  Behaviour b;
  Ms now = 0;
  std::map<std::string, Caller> callers;
  std::vector<QueueEvent> events;
  std::vector<AgentEvent> agent_events;
  std::map<std::string, AgentState> states;
  std::map<std::string, OfferId> live_by_agent;
  std::set<OfferId> live;
  std::map<std::string, std::string> device_of;
  int violations = 0;
  int offers = 0;
  int next_caller = 0;

  // ---- the agenda ----
  void at(Ms t, std::function<void()> f) { agenda_.emplace(t, std::move(f)); }
  void run_until(Ms end) {
    constexpr Ms never = std::numeric_limits<Ms>::max();
    for (;;) {
      const auto deadline = router.next_deadline();
      const Ms td = deadline ? *deadline : never;
      const Ms te = agenda_.empty() ? never : agenda_.begin()->first;
      const Ms t = std::min(td, te);
      if (t > end) break;
      now = std::max(now, t);
      if (td <= te) {
        router.tick(now);
      } else {
        auto f = std::move(agenda_.begin()->second);
        agenda_.erase(agenda_.begin());
        f();
      }
    }
    now = end;
  }

  double uniform() { return std::uniform_real_distribution<double>(0, 1)(rng); }
  Ms exponential_ms(double mean_s) {
    return static_cast<Ms>(std::exponential_distribution<double>(1.0 / mean_s)(rng) * 1000.0);
  }
  Ms lognormal_ms(double mean_s, double cv) {
    const double sigma2 = std::log(1 + cv * cv);
    const double mu = std::log(mean_s) - sigma2 / 2;
    return static_cast<Ms>(std::lognormal_distribution<double>(mu, std::sqrt(sigma2))(rng) * 1000.0);
  }
  Ms between(Ms lo, Ms hi) { return std::uniform_int_distribution<Ms>(lo, hi)(rng); }

  // ---- the center ----
  void staff(const std::string& agent) {
    device_of[agent] = "extension:" + agent;
    EXPECT_TRUE(router.login(agent, device_of[agent], now).ok);
    EXPECT_TRUE(router.set_ready(agent, now).ok);
  }

  // Poisson arrivals into `queue` at `per_s` from now until `until`.
  void arrivals(const std::string& queue, double per_s, Ms until, int priority_spread = 0) {
    const Ms gap = exponential_ms(1.0 / per_s);
    if (now + gap > until) return;
    at(now + gap, [this, queue, per_s, until, priority_spread] {
      arrive(queue, priority_spread ? static_cast<int>(between(0, priority_spread)) : 0);
      arrivals(queue, per_s, until, priority_spread);
    });
  }

  void arrive(const std::string& queue, int priority) {
    Entry e;
    e.id = "call-" + std::to_string(next_caller++);
    e.queue = queue;
    e.priority = priority;
    e.caller = "13800000000";
    e.entered_at = now;
    Caller& c = callers[e.id];
    c.queue = queue;
    c.entered = now;
    const Admission adm = router.enter(e, now);
    if (!adm.accepted) {
      c.outcome = Outcome::refused;
      return;
    }
    c.estimate = adm.estimated_wait;
    c.position = adm.position;
    const std::string id = e.id;
    if (b.patience_mean_s > 0) {
      at(now + exponential_ms(b.patience_mean_s), [this, id] { router.abandon(id, now); });
    }
    if (b.p_callback_request > 0 && uniform() < b.p_callback_request) {
      at(now + between(20'000, 120'000), [this, id] {
        if (router.to_callback(id, "13911112222", now).ok) callers[id].callback = true;
      });
    }
  }

  // ---- Sink ----
  void offer(const Offer& o) override {
    ++offers;
    if (live_by_agent.count(o.agent)) {
      ++violations;
      ADD_FAILURE() << "two live offers to " << o.agent;
    }
    if (states[o.agent] != AgentState::ready) {
      ++violations;
      ADD_FAILURE() << "offer to " << o.agent << " in " << to_string(states[o.agent]);
    }
    live_by_agent[o.agent] = o.id;
    live.insert(o.id);
    const double u = uniform();
    const OfferId id = o.id;
    const std::string agent = o.agent;
    const Entry entry = o.entry;
    auto fail_at = [this, id, agent](Ms t, OfferFailure why) {
      at(t, [this, id, agent, why] {
        if (!settle(id, agent)) return;
        router.offer_failed(id, why, now);
      });
    };
    double edge = b.p_unreachable;
    if (u < edge) return fail_at(now + 300, OfferFailure::unreachable);
    if (u < (edge += b.p_reject)) return fail_at(now + between(1'000, 4'000), OfferFailure::rejected);
    if (u < (edge += b.p_busy)) return fail_at(now + 200, OfferFailure::busy);
    if (u < (edge += b.p_no_answer)) return;  // rings until the router's timeout
    at(now + between(b.ring_min, b.ring_max), [this, id, agent, entry] {
      if (!settle(id, agent)) return;
      if (!router.answered(id, now)) return;
      on_answered(agent, entry);
    });
  }
  void cancel_offer(OfferId id, const std::string& agent, const std::string&) override { settle(id, agent); }
  void overflow(const Entry& e, const std::string&, const std::string&) override {
    callers[e.id].outcome = Outcome::overflowed;
  }
  void announce(const Entry&, int, Ms) override {}
  void callback_given_up(const Entry& e) override { callers[e.id].outcome = Outcome::given_up; }
  void agent_changed(const AgentView& view, const AgentEvent& ev) override {
    if (states[ev.agent] != ev.from || view.state != ev.to) {
      ++violations;
      ADD_FAILURE() << "agent " << ev.agent << " event " << to_string(ev.from) << "->" << to_string(ev.to)
                    << " but it was " << to_string(states[ev.agent]);
    }
    states[ev.agent] = ev.to;
    agent_events.push_back(ev);
    // Paused by the router (missed offers, dead phone): the agent notices and comes back.
    if (ev.to == AgentState::not_ready && (ev.reason == "auto_pause" || ev.reason == "unreachable")) {
      const std::string agent = ev.agent;
      at(now + between(30'000, 180'000), [this, agent] { router.set_ready(agent, now); });
    }
  }
  void queue_event(const QueueEvent& ev) override {
    events.push_back(ev);
    if (ev.kind == QueueEventKind::connect) {
      Caller& c = callers[ev.call];
      EXPECT_EQ(c.outcome, Outcome::waiting) << ev.call << " connected twice";
      c.outcome = Outcome::answered;
      c.wait = ev.wait_ms;
    } else if (ev.kind == QueueEventKind::abandon) {
      callers[ev.call].outcome = Outcome::abandoned;
      callers[ev.call].wait = ev.wait_ms;
    }
  }

 private:
  std::multimap<Ms, std::function<void()>> agenda_;

  // The offer's one outcome: false when it is over already.
  bool settle(OfferId id, const std::string& agent) {
    if (!live.erase(id)) return false;
    if (auto it = live_by_agent.find(agent); it != live_by_agent.end() && it->second == id) live_by_agent.erase(it);
    return true;
  }

  void on_answered(const std::string& agent, const Entry& entry) {
    if (entry.callback) {
      const bool reached = uniform() < b.p_callback_answer;
      const std::string id = entry.id;
      at(now + between(5'000, 25'000), [this, id, reached, agent] {
        router.callback_result(id, reached, now);
        if (reached) talk(agent);
      });
      return;
    }
    talk(agent);
  }

  void talk(const std::string& agent) {
    const Ms talk_ms = lognormal_ms(b.talk_mean_s, b.talk_cv);
    if (b.p_hold > 0 && uniform() < b.p_hold) {
      at(now + talk_ms / 3, [this, agent] { router.hold(agent, true, now); });
      at(now + talk_ms / 2, [this, agent] { router.hold(agent, false, now); });
    }
    if (b.p_break_after_call > 0 && uniform() < b.p_break_after_call) {
      at(now + talk_ms / 2, [this, agent] { router.set_not_ready(agent, "break", now); });
      at(now + talk_ms + exponential_ms(b.break_mean_s), [this, agent] { router.set_ready(agent, now); });
    }
    if (b.p_device_lost > 0 && uniform() < b.p_device_lost) {
      at(now + talk_ms / 2, [this, agent] { router.device_lost(agent, now); });
      at(now + talk_ms + 60'000, [this, agent] {
        if (router.login(agent, device_of[agent], now).ok) router.set_ready(agent, now);
      });
    }
    const bool transfer = b.p_transfer > 0 && uniform() < b.p_transfer;
    at(now + talk_ms, [this, agent, transfer] {
      if (transfer) {
        router.transferred(agent, "queue:complaints", now);
      } else {
        router.call_ended(agent, uniform() < 0.7 ? HangupSide::citizen : HangupSide::agent, now);
      }
      if (b.p_wrap_up_done > 0 && uniform() < b.p_wrap_up_done) {
        at(now + between(1'000, 5'000), [this, agent] { router.wrap_up_done(agent, now); });
      }
    });
  }
};

}  // namespace hotline::acd::test
