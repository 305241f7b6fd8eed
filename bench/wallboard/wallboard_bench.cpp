// The cost of one wallboard push at 750 agents (issue 9: "wallboard update
// cost < 1 ms per push at 750 agents"), without a daemon or a network.
//
// A floor like bench/acd-sim's (750 agents over 5 queues, 1-3 queues each)
// is set up in the real hotline::acd::Router: a quarter of the agents not
// ready, the ready ones offered a caller each and on the call, and WAITING
// (2,000) callers in line. Then, timed, what the daemon does for a push:
//
// - queue.stats (src/acd/service.cpp arm_stats, once a second at most):
//   Router::queues(now), to_json of every queue view, dump;
// - agent.state (src/acd/service.cpp agent_changed, on every state change):
//   to_json(AgentView).dump(), timed inside the Sink while the router makes
//   an agent not ready and ready again;
// - and for both the hub's part (src/api/routes_acd.cpp push_acd_notice):
//   parse the params, wrap them as a JSON-RPC event (rpc_event of
//   src/api/rpc.cpp, same call), WsHub::broadcast to WALLBOARDS connections.
//   The connections here keep the shared message (what a session's send()
//   queues); writing to the sockets happens later on the sessions' strands
//   and is measured end to end by bench/ws-fanout.sh.
//
// Prints p50 / p99 / max µs per push (wall clock), and the sizes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotline/acd/router.hpp"
#include "hotline/acd/settings.hpp"
#include "hotline/api/ws_hub.hpp"
#include "hotline/core/metrics.hpp"

using namespace hotline;
using namespace hotline::acd;
using Clock = std::chrono::steady_clock;

namespace {

// The thread's CPU time in µs: leaves out the time the thread was not on a
// core (on a shared machine the wall-clock tail is mostly that).
double cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

// The JSON-RPC notification exactly as src/api/rpc.cpp rpc_event builds it.
std::string rpc_event(const std::string& method, const nlohmann::json& params) {
  return nlohmann::json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A wallboard's connection: keeps what send() is given, as a session queues it.
class Wallboard : public api::WsConnection {
 public:
  void send(api::SharedText message) override {
    bytes += message->size();
    last = std::move(message);
    ++received;
  }
  void close(std::uint16_t, std::string) override {}
  const auth::Principal& principal() const override { return who; }

  auth::Principal who;
  api::SharedText last;
  std::size_t received = 0;
  std::size_t bytes = 0;
};

struct Push {
  api::WsHub& hub;
  std::size_t sent = 0;
  // push_acd_notice: parse the params text, wrap it, broadcast.
  void operator()(const std::string& method, const std::string& params) {
    auto message = std::make_shared<const std::string>(rpc_event(method, nlohmann::json::parse(params)));
    sent += hub.broadcast(message);
  }
};

class Floor : public Sink {
 public:
  explicit Floor(Push& p) : push(p), router(*this, 1) {}
  Push& push;
  Router router;
  std::vector<Offer> offers;
  bool timing = false;
  std::vector<double> agent_push_us;
  std::vector<double> agent_push_cpu_us;
  std::size_t agent_push_bytes = 0;

  void offer(const Offer& o) override { offers.push_back(o); }
  void cancel_offer(OfferId, const std::string&, const std::string&) override {}
  void overflow(const Entry&, const std::string&, const std::string&) override {}
  void announce(const Entry&, int, Ms) override {}
  void callback_given_up(const Entry&) override {}
  void agent_changed(const AgentView& agent, const AgentEvent&) override {
    if (!timing) return;
    auto t0 = Clock::now();
    const double c0 = cpu_us();
    auto params = to_json(agent).dump();  // service.cpp agent_changed
    push("agent.state", params);
    agent_push_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    agent_push_cpu_us.push_back(cpu_us() - c0);
    agent_push_bytes = params.size();
  }
  void queue_event(const QueueEvent&) override {}
};

double pct(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

int env(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

}  // namespace

int main() {
  const int agents = env("AGENTS", 750);
  const int waiting = env("WAITING", 2000);
  const int wallboards = env("WALLBOARDS", 50);
  const int rounds = env("ROUNDS", 2000);

  Metrics metrics;
  api::WsHub hub(metrics);
  std::vector<std::shared_ptr<Wallboard>> boards;
  for (int i = 0; i < wallboards; ++i) {
    boards.push_back(std::make_shared<Wallboard>());
    hub.add(boards.back());
  }
  Push push{hub};
  Floor floor(push);
  Ms now = 1'700'000'000'000;

  const char* names[] = {"human", "complaints", "business", "elderly", "english"};
  const Strategy strategies[] = {Strategy::skills, Strategy::longest_idle, Strategy::round_robin,
                                 Strategy::fewest_calls, Strategy::ring_all};
  std::vector<QueueSettings> qs;
  for (int i = 0; i < 5; ++i) {
    QueueSettings q;
    q.name = names[i];
    q.display_name = std::string("队列") + names[i];
    q.strategy = strategies[i];
    q.ring_timeout = 15'000;
    q.wrap_up = 30'000;
    q.max_wait = 3'600'000;
    q.announce_every = 60'000;
    qs.push_back(q);
  }
  std::vector<Membership> ms;
  std::vector<std::string> ids;
  std::mt19937_64 rng(1);
  for (int i = 0; i < agents; ++i) {
    char id[16];
    std::snprintf(id, sizeof id, "A%04d", i);
    ids.emplace_back(id);
    if (i < 30) {
      ms.push_back({"english", id, 0});
      ms.push_back({"human", id, 2});
      continue;
    }
    const int home = static_cast<int>(rng() % 4);
    ms.push_back({names[home], id, 0});
    const int extra = static_cast<int>(rng() % 3);
    for (int k = 1; k <= extra; ++k) ms.push_back({names[(home + k) % 4], id, static_cast<int>(k)});
  }
  floor.router.configure(qs, ms, now);
  for (int i = 0; i < agents; ++i) {
    floor.router.login(ids[static_cast<std::size_t>(i)], "extension:" + std::to_string(8000 + i), now);
    if (i % 4 != 0) floor.router.set_ready(ids[static_cast<std::size_t>(i)], now);  // a quarter stay not ready
  }
  // Callers until every ready agent has one on the line and WAITING more wait.
  int entered = 0;
  auto enter = [&](int n) {
    for (int i = 0; i < n; ++i, ++entered) {
      Entry e;
      e.id = "call-" + std::to_string(entered);
      e.queue = names[entered % 10 == 0 ? 4 : entered % 4];
      e.caller = "13800000000";
      e.entered_at = now;
      floor.router.enter(e, now);
      now += 1;
    }
  };
  enter(agents);
  for (const auto& o : floor.offers) floor.router.answered(o.id, now);
  floor.offers.clear();
  enter(waiting);
  now += 5'000;

  // queue.stats, timed.
  std::vector<double> stats_us;
  std::vector<double> views_us;  // of which Router::queues
  std::vector<double> stats_cpu_us;
  std::size_t stats_bytes = 0;
  int total_waiting = 0;
  for (int r = 0; r < rounds; ++r) {
    now += 1'000;
    auto t0 = Clock::now();
    const double c0 = cpu_us();
    auto views = floor.router.queues(now);  // service.cpp arm_stats
    views_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    nlohmann::json items = nlohmann::json::array();
    for (const auto& q : views) items.push_back(to_json(q));
    auto params = nlohmann::json{{"queues", items}, {"at", now}}.dump();
    push("queue.stats", params);
    stats_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
    stats_cpu_us.push_back(cpu_us() - c0);
    stats_bytes = params.size();
    if (r == 0) {
      for (const auto& q : views) total_waiting += q.waiting;
    }
  }
  // agent.state, timed inside the Sink: a not-ready agent goes ready (the ready
  // ones are all on a call) and back, two pushes each.
  floor.timing = true;
  for (int r = 0; r < rounds / 2; ++r) {
    const auto& id = ids[static_cast<std::size_t>((r % (agents / 4)) * 4)];
    now += 10;
    floor.router.set_ready(id, now);
    floor.offers.clear();  // a caller offered to it: not answered, the next set_not_ready ends the round
    floor.router.set_not_ready(id, "break", now);
  }
  floor.timing = false;

  std::size_t received = 0;
  for (const auto& b : boards) received += b->received;
  const auto expected = static_cast<std::size_t>(wallboards) * (static_cast<std::size_t>(rounds) + floor.agent_push_us.size());
  std::printf("agents=%d queues=5 waiting=%d wallboards=%d rounds=%d\n", agents, total_waiting, wallboards, rounds);
  std::printf("queue.stats push: p50=%.1f us p99=%.1f us max=%.1f us bytes=%zu\n", pct(stats_us, 0.5),
              pct(stats_us, 0.99), pct(stats_us, 1.0), stats_bytes);
  std::printf("queue.stats push, thread CPU: p50=%.1f us p99=%.1f us max=%.1f us\n", pct(stats_cpu_us, 0.5),
              pct(stats_cpu_us, 0.99), pct(stats_cpu_us, 1.0));
  std::printf("  of which Router::queues: p50=%.1f us p99=%.1f us\n", pct(views_us, 0.5), pct(views_us, 0.99));
  if (!floor.agent_push_us.empty()) {
    std::printf("agent.state push: p50=%.1f us p99=%.1f us max=%.1f us bytes=%zu pushes=%zu\n",
                pct(floor.agent_push_us, 0.5), pct(floor.agent_push_us, 0.99), pct(floor.agent_push_us, 1.0),
                floor.agent_push_bytes, floor.agent_push_us.size());
  }
  if (!floor.agent_push_cpu_us.empty()) {
    std::printf("agent.state push, thread CPU: p50=%.1f us p99=%.1f us max=%.1f us\n", pct(floor.agent_push_cpu_us, 0.5),
                pct(floor.agent_push_cpu_us, 0.99), pct(floor.agent_push_cpu_us, 1.0));
  }
  std::printf("delivered=%zu expected=%zu\n", received, expected);
  if (received != expected || total_waiting < waiting / 2 || floor.agent_push_us.empty()) {
    std::fprintf(stderr, "wallboard_bench: check failed (pushes not all delivered, or no line / no agent pushes)\n");
    return 1;
  }
  // The target, on the CPU clock (the wall clock's tail is the machine's other work).
  return pct(stats_cpu_us, 0.99) < 1000.0 && pct(floor.agent_push_cpu_us, 0.99) < 1000.0 ? 0 : 2;
}
