// Routing decisions: which agent gets an entry (route_entry, by the queue's
// strategy among the lowest penalty tier of the offerable members), and
// which entry a freed agent takes (route_agent, the best over all its queues).
#include <algorithm>

#include "router_impl.hpp"

namespace hotline::acd {
namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Effective priority of an entry now: priority + waited / aging.
double effective_priority(const QueueRec& q, const Entry& e, Ms now) {
  double p = e.priority;
  if (q.s.priority_aging > 0) p += static_cast<double>(now - e.entered_at) / static_cast<double>(q.s.priority_aging);
  return p;
}

}  // namespace

std::vector<AgentRec*> Router::Impl::choose_agents(QueueRec& q, const EntryRec& r) {
  std::vector<AgentRec*> chosen;
  if (q.ready.empty()) return chosen;
  // Agents who just missed this entry come last: only when nobody else may take it.
  bool skip_excluded = false;
  if (!r.excluded.empty()) {
    for (const ReadyKey& k : q.ready) {
      if (!contains(r.excluded, k.agent)) {
        skip_excluded = true;
        break;
      }
    }
  }
  auto eligible = [&](const ReadyKey& k) { return !skip_excluded || !contains(r.excluded, k.agent); };
  auto first = std::find_if(q.ready.begin(), q.ready.end(), eligible);
  if (first == q.ready.end()) return chosen;
  const int tier = first->penalty;
  auto in_tier = [&](const ReadyKey& k) { return k.penalty == tier && eligible(k); };

  switch (q.s.strategy) {
    case Strategy::longest_idle:
    case Strategy::skills:
    case Strategy::fewest_calls:
      // The ready set is ordered by (penalty, strategy key): the first eligible is the choice.
      chosen.push_back(&agents.at(first->agent));
      break;
    case Strategy::round_robin: {
      // The next member after the one offered last, in membership order, wrapping around.
      const ReadyKey* pick = nullptr;
      if (q.rr_last) {
        ReadyKey probe;
        probe.penalty = tier;
        probe.a = static_cast<std::int64_t>(*q.rr_last) + 1;
        for (auto it = q.ready.lower_bound(probe); it != q.ready.end() && it->penalty == tier; ++it) {
          if (eligible(*it)) {
            pick = &*it;
            break;
          }
        }
      }
      if (!pick) pick = &*first;
      chosen.push_back(&agents.at(pick->agent));
      break;
    }
    case Strategy::random: {
      std::vector<const ReadyKey*> tier_members;
      for (auto it = first; it != q.ready.end() && it->penalty == tier; ++it) {
        if (in_tier(*it)) tier_members.push_back(&*it);
      }
      const auto pick = static_cast<std::size_t>(rng() % tier_members.size());
      chosen.push_back(&agents.at(tier_members[pick]->agent));
      break;
    }
    case Strategy::ring_all:
      for (auto it = first; it != q.ready.end() && it->penalty == tier; ++it) {
        if (in_tier(*it)) chosen.push_back(&agents.at(it->agent));
      }
      break;
  }
  return chosen;
}

void Router::Impl::route_entry(EntryRec& r, Ms now) {
  if (!r.in_routable) return;
  const auto chosen = choose_agents(*r.q, r);
  if (chosen.empty()) {
    r.waited_for_agent = true;
    return;
  }
  r.excluded.clear();
  for (AgentRec* a : chosen) make_offer(r, *a, now);
}

void Router::Impl::route_agent(AgentRec& a, Ms now) {
  while (a.offerable) {
    EntryRec* best = nullptr;
    double best_priority = 0;
    // First pass: entries this agent did not just miss; second pass: any.
    for (int pass = 0; pass < 2 && !best; ++pass) {
      for (QueueRec* q : a.queues) {
        for (const LineKey& k : q->routable) {
          EntryRec& r = entries.at(k.id);
          if (pass == 0 && contains(r.excluded, a.id)) continue;
          const double p = effective_priority(*q, r.e, now);
          if (!best || p > best_priority ||
              (p == best_priority && (r.e.entered_at < best->e.entered_at ||
                                      (r.e.entered_at == best->e.entered_at && r.e.id < best->e.id)))) {
            best = &r;
            best_priority = p;
          }
          break;  // the first eligible entry of a queue is its best
        }
      }
    }
    if (!best) return;
    // The entry picks its agent by its queue's strategy; when that is
    // another free agent, this one looks again.
    route_entry(*best, now);
    if (best->in_routable) return;  // nobody took it (cannot happen: this agent may); never spin
  }
}

}  // namespace hotline::acd
