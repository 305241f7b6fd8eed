// ACD routing benchmark (bench/acd-sim.sh): a simulated contact center
// driving the real router (src/acd) through its public interface, with
// callers and agent devices simulated behind the Sink (signalling and
// routing only: no SIP, no media).
//
// Default: 750 agents with mixed skills over 5 queues (each agent a member of
// 1 to 3 queues, penalties 0-2), 100 calls/s in total for 300 s of simulated
// time, run accelerated (as fast as the router goes; --realtime paces it to
// the wall clock). Handle times are short on purpose (lognormal, mean
// --talk-mean s) so that 750 agents turn over about as fast as callers arrive
// and the line grows to about 2,000 waiting callers at the peak. Phones answer
// after a random ring delay; some offers ring out, are rejected, or reach a
// dead phone; callers hang up after an exponential patience; some ask for a
// callback; at 150 s a quarter of the agents go to a meeting and at 180 s
// they all press ready at the same instant (the "thousands of members change
// state at once" case that overloads Asterisk's device-state processing).
//
// Measured: the wall time of every router call (each one decides routing:
// enter, answered, offer_failed, call_ended, wrap_up_done, set_ready,
// abandon, tick, ...), including the Sink work it triggers (this program's
// bookkeeping, small), as p50/p99/max in µs; the CPU time of the whole
// process (getrusage) per simulated second. Checked at the end: no caller
// lost (each entered one was answered, abandoned, overflowed, given up, or is
// still waiting), no agent with two live offers, no offer to an agent who was
// not ready. Exit status 1 when a check fails.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <queue>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "hotline/acd/router.hpp"

using namespace hotline::acd;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  int agents = 750;
  double rate = 100;        // calls/s, all queues
  int seconds = 300;        // simulated
  double talk_mean = 5.3;   // s, lognormal
  double talk_cv = 0.5;
  double patience = 240;    // s, exponential mean
  bool realtime = false;
  bool cpu_clock = false;   // time router calls with the thread's CPU clock instead of the wall clock
  std::uint64_t seed = 1;
};

// Nanoseconds on the clock the run measures with. The thread CPU clock shows
// what a call costs when the machine takes the core away in the middle of it
// (other processes): the wall clock counts that time, the CPU clock does not.
std::int64_t clock_ns(bool cpu) {
  timespec ts{};
  clock_gettime(cpu ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

enum class Outcome : std::uint8_t { waiting, answered, abandoned, overflowed, given_up, refused };

class Center : public Sink {
 public:
  Center(const Args& a) : args(a), router(*this, a.seed), rng(a.seed * 104729 + 7) {}

  const Args args;
  Router router;
  std::mt19937_64 rng;
  Ms now = 0;
  Ms start = 0;

  // Checks and counts.
  std::unordered_map<std::string, Outcome> callers;
  std::unordered_map<std::string, AgentState> states;
  std::unordered_map<std::string, OfferId> live_by_agent;
  std::unordered_set<OfferId> live;
  std::unordered_set<std::string> placing;  // callbacks whose citizen is being called
  long double_offers = 0, offers_not_ready = 0, offers = 0, double_outcomes = 0;
  long entered = 0, refused = 0;
  std::size_t peak_waiting = 0;
  Ms peak_at = 0;

  // Latency per router call kind, in ns.
  std::map<std::string, std::vector<std::uint32_t>> latency;

  template <typename F>
  auto timed(const char* kind, F&& f) {
    const std::int64_t t0 = clock_ns(args.cpu_clock);
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      f();
      record(kind, t0);
    } else {
      auto r = f();
      record(kind, t0);
      return r;
    }
  }

  void at(Ms t, std::function<void()> f) { agenda_.push(Item{t, seq_++, std::move(f)}); }

  void run_until(Ms end) {
    const auto wall0 = Clock::now();
    for (;;) {
      const auto deadline = router.next_deadline();
      const Ms td = deadline ? *deadline : INT64_MAX;
      const Ms te = agenda_.empty() ? INT64_MAX : agenda_.top().at;
      const Ms t = std::min(td, te);
      if (t > end) break;
      now = std::max(now, t);
      if (args.realtime) std::this_thread::sleep_until(wall0 + std::chrono::milliseconds(now - start));
      if (td <= te) {
        timed("tick", [&] { router.tick(now); });
      } else {
        auto f = std::move(const_cast<Item&>(agenda_.top()).f);
        agenda_.pop();
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
    return static_cast<Ms>(
        std::lognormal_distribution<double>(std::log(mean_s) - sigma2 / 2, std::sqrt(sigma2))(rng) * 1000.0);
  }
  Ms between(Ms lo, Ms hi) { return std::uniform_int_distribution<Ms>(lo, hi)(rng); }

  void arrivals(const std::string& queue, double per_s, Ms until) {
    const Ms gap = std::max<Ms>(1, exponential_ms(1.0 / per_s));
    if (now + gap > until) return;
    at(now + gap, [this, queue, per_s, until] {
      arrive(queue);
      arrivals(queue, per_s, until);
    });
  }

  void arrive(const std::string& queue) {
    Entry e;
    e.id = "c" + std::to_string(next_caller_++);
    e.queue = queue;
    e.priority = uniform() < 0.1 ? 2 : 0;  // repeat callers, elderly lines
    e.caller = "13800000000";
    e.entered_at = now;
    const std::string id = e.id;
    const Admission adm = timed("enter", [&] { return router.enter(std::move(e), now); });
    if (!adm.accepted) {
      callers[id] = Outcome::refused;
      ++refused;
      return;
    }
    callers.emplace(id, Outcome::waiting);
    ++entered;
    at(now + exponential_ms(args.patience), [this, id] { timed("abandon", [&] { router.abandon(id, now); }); });
    if (uniform() < 0.02) {
      at(now + between(10'000, 60'000), [this, id] {
        timed("to_callback", [&] { return router.to_callback(id, "13911112222", now); });
      });
    }
  }

  // ---- Sink ----
  void offer(const Offer& o) override {
    ++offers;
    if (live_by_agent.count(o.agent)) ++double_offers;
    if (states[o.agent] != AgentState::ready) ++offers_not_ready;
    live_by_agent[o.agent] = o.id;
    live.insert(o.id);
    const OfferId id = o.id;
    const std::string agent = o.agent;
    const bool callback = o.entry.callback;
    const std::string entry = o.entry.id;
    const double u = uniform();
    auto fail_at = [this, id, agent](Ms t, OfferFailure why) {
      at(t, [this, id, agent, why] {
        if (!settle(id, agent)) return;
        timed("offer_failed", [&] { router.offer_failed(id, why, now); });
      });
    };
    if (u < 0.002) return fail_at(now + 200, OfferFailure::unreachable);
    if (u < 0.022) return fail_at(now + between(500, 2'000), OfferFailure::rejected);
    if (u < 0.032) return;  // rings out: the router's timeout
    at(now + between(300, 2'500), [this, id, agent, callback, entry] {
      if (!settle(id, agent)) return;
      if (!timed("answered", [&] { return router.answered(id, now); })) return;
      if (callback) {
        placing.insert(entry);
        const bool reached = uniform() < 0.7;
        at(now + between(2'000, 6'000), [this, entry, agent, reached] {
          placing.erase(entry);
          timed("callback_result", [&] { router.callback_result(entry, reached, now); });
          if (reached) talk(agent);
        });
        return;
      }
      talk(agent);
    });
  }
  void cancel_offer(OfferId id, const std::string& agent, const std::string&) override { settle(id, agent); }
  void overflow(const Entry& e, const std::string&, const std::string&) override { end_as(e.id, Outcome::overflowed); }
  void announce(const Entry&, int, Ms) override {}
  void callback_given_up(const Entry& e) override { end_as(e.id, Outcome::given_up); }
  void agent_changed(const AgentView&, const AgentEvent& ev) override {
    states[ev.agent] = ev.to;
    if (ev.to == AgentState::not_ready && (ev.reason == "auto_pause" || ev.reason == "unreachable")) {
      const std::string agent = ev.agent;
      at(now + between(20'000, 60'000), [this, agent] { timed("set_ready", [&] { return router.set_ready(agent, now); }); });
    }
  }
  void queue_event(const QueueEvent& ev) override {
    if (ev.kind == QueueEventKind::connect) end_as(ev.call, Outcome::answered);
    if (ev.kind == QueueEventKind::abandon) end_as(ev.call, Outcome::abandoned);
  }

  // Callers in line (live and callbacks), once a simulated second; not timed.
  void sample(Ms until) {
    std::size_t n = 0;
    for (const QueueView& v : router.queues(now)) n += v.waiting + v.callbacks_waiting;
    if (n > peak_waiting) {
      peak_waiting = n;
      peak_at = now;
    }
    if (now + 1'000 <= until) at(now + 1'000, [this, until] { sample(until); });
  }

  std::vector<std::string> agent_ids;

 private:
  struct Item {
    Ms at;
    std::uint64_t seq;
    std::function<void()> f;
    bool operator>(const Item& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> agenda_;
  std::uint64_t seq_ = 0;
  long next_caller_ = 0;

  void record(const char* kind, std::int64_t t0) {
    const std::int64_t ns = clock_ns(args.cpu_clock) - t0;
    latency[kind].push_back(static_cast<std::uint32_t>(std::min<std::int64_t>(ns, UINT32_MAX)));
  }

  void end_as(const std::string& id, Outcome o) {
    auto it = callers.find(id);
    if (it == callers.end()) return;
    if (it->second != Outcome::waiting) {
      ++double_outcomes;
      return;
    }
    it->second = o;
  }

  bool settle(OfferId id, const std::string& agent) {
    if (!live.erase(id)) return false;
    if (auto it = live_by_agent.find(agent); it != live_by_agent.end() && it->second == id) live_by_agent.erase(it);
    return true;
  }

  void talk(const std::string& agent) {
    const Ms talk_ms = lognormal_ms(args.talk_mean, args.talk_cv);
    if (uniform() < 0.05) {
      at(now + talk_ms / 3, [this, agent] { timed("hold", [&] { router.hold(agent, true, now); }); });
      at(now + talk_ms / 2, [this, agent] { timed("hold", [&] { router.hold(agent, false, now); }); });
    }
    at(now + talk_ms, [this, agent] {
      timed("call_ended", [&] { router.call_ended(agent, HangupSide::citizen, now); });
      if (uniform() < 0.3) {
        at(now + between(100, 800), [this, agent] { timed("wrap_up_done", [&] { return router.wrap_up_done(agent, now); }); });
      }
    });
  }
};

struct Stats {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t n = 0;
};

Stats stats(std::vector<std::uint32_t> v) {
  Stats s;
  s.n = v.size();
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  auto pct = [&](double p) {
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))] / 1000.0;
  };
  s.p50 = pct(0.50);
  s.p99 = pct(0.99);
  s.max = v.back() / 1000.0;
  return s;
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    auto val = [&](const char* name) -> const char* {
      if (std::strcmp(argv[i], name) != 0) return nullptr;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "acd-sim: %s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (const char* v = val("--agents")) a.agents = std::atoi(v);
    else if (const char* v = val("--rate")) a.rate = std::atof(v);
    else if (const char* v = val("--seconds")) a.seconds = std::atoi(v);
    else if (const char* v = val("--talk-mean")) a.talk_mean = std::atof(v);
    else if (const char* v = val("--patience")) a.patience = std::atof(v);
    else if (const char* v = val("--seed")) a.seed = std::strtoull(v, nullptr, 10);
    else if (std::strcmp(argv[i], "--realtime") == 0) a.realtime = true;
    else if (std::strcmp(argv[i], "--cpu-clock") == 0) a.cpu_clock = true;
    else {
      std::fprintf(stderr, "usage: acd_sim [--agents N] [--rate CALLS_PER_S] [--seconds S] [--talk-mean S] "
                           "[--patience S] [--seed N] [--realtime] [--cpu-clock]\n");
      std::exit(2);
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = parse(argc, argv);
  Center c(args);
  c.start = c.now = 1'700'000'000'000;

  // Five queues: share of traffic, strategy.
  struct Q {
    const char* name;
    double share;
    Strategy strategy;
  };
  const Q qdefs[] = {{"human", 0.40, Strategy::skills},
                     {"complaints", 0.20, Strategy::longest_idle},
                     {"business", 0.20, Strategy::round_robin},
                     {"elderly", 0.15, Strategy::fewest_calls},
                     {"english", 0.05, Strategy::ring_all}};
  std::vector<QueueSettings> qs;
  for (const Q& d : qdefs) {
    QueueSettings q;
    q.name = d.name;
    q.display_name = d.name;
    q.strategy = d.strategy;
    q.ring_timeout = 8'000;
    q.wrap_up = 1'500;
    q.wrap_up_max = 10'000;
    q.max_wait = 600'000;
    q.overflow = "voicemail";
    q.announce_every = 30'000;
    q.missed_offers_to_pause = 3;
    q.busy_delay = 3'000;
    q.priority_aging = 30'000;
    q.callback_retry_delay = 30'000;
    q.join_when = EmptyRule::no_agents_logged_in;
    qs.push_back(q);
  }
  // Memberships: every agent in 1-3 queues with penalties; the English queue
  // (ring-all) has its own small team of 30.
  std::vector<Membership> ms;
  std::mt19937_64 mrng(args.seed);
  for (int i = 0; i < args.agents; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "A%04d", i);
    c.agent_ids.emplace_back(id);
    if (i < 30) {
      ms.push_back({"english", id, 0});
      ms.push_back({"human", id, 2});
      continue;
    }
    const int home = static_cast<int>(mrng() % 4);  // human, complaints, business, elderly
    ms.push_back({qs[static_cast<std::size_t>(home)].name, id, 0});
    const int extra = static_cast<int>(mrng() % 3);  // 0-2 more queues
    for (int k = 1; k <= extra; ++k) {
      ms.push_back({qs[static_cast<std::size_t>((home + k) % 4)].name, id, static_cast<int>(k + mrng() % 2)});
    }
  }
  c.router.configure(qs, ms, c.now);
  for (const auto& id : c.agent_ids) {
    c.router.login(id, "extension:" + id.substr(1), c.now);
    c.router.set_ready(id, c.now);
  }
  const Ms end = c.start + static_cast<Ms>(args.seconds) * 1000;
  for (const Q& d : qdefs) c.arrivals(d.name, args.rate * d.share, end);
  c.sample(end);
  // The meeting: a quarter of the team leaves at 150 s and comes back at once at 180 s.
  const std::size_t meeting = c.agent_ids.size() / 4;
  c.at(c.start + 150'000, [&] {
    for (std::size_t i = 0; i < meeting; ++i) {
      const std::string& id = c.agent_ids[c.agent_ids.size() - 1 - i];
      c.timed("set_not_ready", [&] { return c.router.set_not_ready(id, "meeting", c.now); });
    }
  });
  std::size_t waiting_at_meeting_end = 0;
  c.at(c.start + 180'000, [&] {
    for (const QueueView& v : c.router.queues(c.now)) waiting_at_meeting_end += v.waiting + v.callbacks_waiting;
    for (std::size_t i = 0; i < meeting; ++i) {
      const std::string& id = c.agent_ids[c.agent_ids.size() - 1 - i];
      c.timed("set_ready", [&] { return c.router.set_ready(id, c.now); });
    }
  });

  const double cpu0 = cpu_seconds();
  const auto wall0 = Clock::now();
  c.run_until(end);
  const double cpu = cpu_seconds() - cpu0;
  const double wall = std::chrono::duration<double>(Clock::now() - wall0).count();

  // ---- checks ----
  std::unordered_set<std::string> in_line;
  std::size_t still_waiting = 0;
  for (const auto& q : qs) {
    for (const auto& e : c.router.waiting(q.name)) {
      in_line.insert(e.id);
      ++still_waiting;
    }
  }
  long answered = 0, abandoned = 0, overflowed = 0, given_up = 0, lost = 0, with_agent = 0;
  for (const auto& [id, o] : c.callers) {
    switch (o) {
      case Outcome::answered: ++answered; break;
      case Outcome::abandoned: ++abandoned; break;
      case Outcome::overflowed: ++overflowed; break;
      case Outcome::given_up: ++given_up; break;
      case Outcome::refused: break;
      case Outcome::waiting:
        if (in_line.count(id)) break;
        if (c.placing.count(id)) {
          ++with_agent;
          break;
        }
        ++lost;
        break;
    }
  }
  std::vector<std::uint32_t> all;
  for (const auto& [kind, v] : c.latency) all.insert(all.end(), v.begin(), v.end());
  const Stats total = stats(all);
  const auto over = [&](std::uint32_t ns) { return std::count_if(all.begin(), all.end(), [ns](std::uint32_t x) { return x > ns; }); };

  std::printf("acd-sim: %d agents, %zu queues, %.0f calls/s for %d s simulated (%s), seed %" PRIu64 "\n", args.agents,
              qs.size(), args.rate, args.seconds, args.realtime ? "real time" : "accelerated", args.seed);
  std::printf("callers: %ld entered, %ld answered, %ld abandoned, %ld overflowed, %ld callbacks given up, "
              "%zu still waiting, %ld callbacks with an agent, %ld refused\n",
              c.entered, answered, abandoned, overflowed, given_up, still_waiting, with_agent, c.refused);
  std::printf("peak waiting: %zu callers at t=%.0f s; offers: %ld; meeting end (t=180 s): %zu agents ready at once "
              "with %zu callers waiting\n",
              c.peak_waiting, static_cast<double>(c.peak_at - c.start) / 1000.0, c.offers, meeting,
              waiting_at_meeting_end);
  std::printf("\n%-16s %10s %10s %10s %10s\n", "router call", "count", "p50 µs", "p99 µs", "max µs");
  for (const auto& [kind, v] : c.latency) {
    const Stats s = stats(v);
    std::printf("%-16s %10zu %10.1f %10.1f %10.1f\n", kind.c_str(), s.n, s.p50, s.p99, s.max);
  }
  std::printf("%-16s %10zu %10.1f %10.1f %10.1f\n", "all", total.n, total.p50, total.p99, total.max);
  std::printf("timed with the %s clock; calls over 1 ms: %ld, over 5 ms: %ld\n",
              args.cpu_clock ? "thread CPU" : "wall", static_cast<long>(over(1'000'000)), static_cast<long>(over(5'000'000)));
  std::printf("\nCPU: %.2f s for %d simulated s = %.1f ms CPU per simulated second (%.2f %% of one core in real "
              "time); wall %.2f s\n",
              cpu, args.seconds, cpu * 1000.0 / args.seconds, cpu * 100.0 / args.seconds, wall);
  std::printf("checks: lost callers %ld, double outcomes %ld, two live offers to one agent %ld, offers to a "
              "non-ready agent %ld\n",
              lost, c.double_outcomes, c.double_offers, c.offers_not_ready);
  std::printf("RESULT clock=%s agents=%d rate=%.0f seconds=%d peak_waiting=%zu decisions=%zu p50_us=%.1f p99_us=%.1f "
              "max_us=%.1f cpu_ms_per_sim_s=%.1f lost=%ld double_offers=%ld offers_not_ready=%ld\n",
              args.cpu_clock ? "cpu" : "wall", args.agents, args.rate, args.seconds, c.peak_waiting, total.n, total.p50,
              total.p99, total.max,
              cpu * 1000.0 / args.seconds, lost, c.double_offers, c.offers_not_ready);
  const bool ok = lost == 0 && c.double_offers == 0 && c.offers_not_ready == 0 && c.double_outcomes == 0;
  if (!ok) std::fprintf(stderr, "acd-sim: a check failed\n");
  return ok ? 0 : 1;
}
