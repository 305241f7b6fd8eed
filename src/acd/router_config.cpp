// Queues and memberships (configure, set/remove membership), the keys that
// order lines and ready sets, day counters, and the views.
#include <algorithm>
#include <unordered_set>

#include "router_impl.hpp"

namespace hotline::acd {

LineKey Router::Impl::line_key(const QueueRec& q, const Entry& e) const {
  LineKey k;
  k.rank = q.s.priority_aging > 0 ? e.entered_at - static_cast<std::int64_t>(e.priority) * q.s.priority_aging
                                  : -static_cast<std::int64_t>(e.priority);
  k.entered_at = e.entered_at;
  k.id = e.id;
  return k;
}

ReadyKey Router::Impl::ready_key(const QueueRec& q, const MemberRec& m, const AgentRec& a) const {
  ReadyKey k;
  k.penalty = m.penalty;
  k.agent = a.id;
  switch (q.s.strategy) {
    case Strategy::longest_idle:
    case Strategy::skills:
      k.a = a.idle_since;
      break;
    case Strategy::fewest_calls:
      k.a = a.calls_today;
      k.b = a.idle_since;
      break;
    case Strategy::round_robin:
    case Strategy::random:
    case Strategy::ring_all:
      k.a = static_cast<std::int64_t>(m.order);
      break;
  }
  return k;
}

void Router::Impl::rekey_line(QueueRec& q) {
  q.line.clear();
  q.routable.clear();
  for (auto& [id, r] : entries) {
    if (r.q != &q || r.phase == EntryPhase::placing) continue;
    r.key = line_key(q, r.e);
    q.line.insert(r.key);
    if (r.in_routable) q.routable.insert(r.key);
  }
}

void Router::Impl::rekey_ready(QueueRec& q) {
  q.ready.clear();
  for (auto& [agent, m] : q.members) {
    if (!m.ready_key) continue;
    m.ready_key = ready_key(q, m, agents.at(agent));
    q.ready.insert(*m.ready_key);
  }
}

void Router::Impl::add_member(QueueRec& q, const std::string& agent, int penalty) {
  AgentRec& a = agents[agent];
  if (a.id.empty()) a.id = agent;
  auto it = q.members.find(agent);
  if (it != q.members.end()) {
    MemberRec& m = it->second;
    if (m.penalty == penalty) return;
    m.penalty = penalty;
    if (m.ready_key) {
      q.ready.erase(*m.ready_key);
      m.ready_key = ready_key(q, m, a);
      q.ready.insert(*m.ready_key);
      dirty_agents.push_back(agent);
    }
    return;
  }
  MemberRec& m = q.members[agent];
  m.agent = agent;
  m.penalty = penalty;
  m.order = q.next_order++;
  a.queues.push_back(&q);
  if (a.state != AgentState::logged_out) ++q.logged_in;
  if (counts_as_available(a)) ++q.available;
  if (a.offerable) {
    m.ready_key = ready_key(q, m, a);
    q.ready.insert(*m.ready_key);
    dirty_agents.push_back(agent);
  }
}

void Router::Impl::drop_member(QueueRec& q, const std::string& agent) {
  auto it = q.members.find(agent);
  if (it == q.members.end()) return;
  if (it->second.ready_key) q.ready.erase(*it->second.ready_key);
  q.members.erase(it);
  AgentRec& a = agents.at(agent);
  a.queues.erase(std::remove(a.queues.begin(), a.queues.end(), &q), a.queues.end());
  if (a.state != AgentState::logged_out) --q.logged_in;
  if (counts_as_available(a)) --q.available;
  if (q.s.leave_when != EmptyRule::always) dirty_rules.insert(&q);
  maybe_forget(agent);
}

void Router::Impl::configure(std::vector<QueueSettings> qs, std::vector<Membership> ms, Ms now) {
  std::unordered_set<std::string> keep;
  for (const auto& s : qs) keep.insert(s.name);
  // Queues that go: their callers overflow, their members leave.
  for (const auto& name : std::vector<std::string>(queue_order)) {
    if (keep.count(name)) continue;
    QueueRec& q = *queues.at(name);
    std::vector<std::string> in_line;
    for (const LineKey& k : q.line) in_line.push_back(k.id);
    for (const auto& id : in_line) {
      if (EntryRec* r = find_entry(id)) overflow(*r, q.s.overflow, "queue_removed", now);
    }
    for (auto& [id, r] : entries) {
      if (r.q == &q) r.q = nullptr;  // callbacks being placed finish without their queue
    }
    std::vector<std::string> members;
    for (const auto& [agent, m] : q.members) members.push_back(agent);
    for (const auto& agent : members) drop_member(q, agent);
    dirty_rules.erase(&q);
    queues.erase(name);
  }
  queue_order.clear();
  for (auto& s : qs) {
    queue_order.push_back(s.name);
    auto it = queues.find(s.name);
    if (it == queues.end()) {
      auto q = std::make_unique<QueueRec>();
      q->s = std::move(s);
      q->estimator.advance(now, 0, false);
      queues.emplace(q->s.name, std::move(q));
      continue;
    }
    QueueRec& q = *it->second;
    const QueueSettings old = q.s;
    q.s = std::move(s);
    if (old.priority_aging != q.s.priority_aging) rekey_line(q);
    if (old.strategy != q.s.strategy) rekey_ready(q);
    if (old.max_wait != q.s.max_wait || old.overflow != q.s.overflow || old.announce_every != q.s.announce_every) {
      for (auto& [id, r] : entries) {
        if (r.q == &q && r.phase != EntryPhase::placing) schedule_entry_timers(r, now);
      }
    }
    if (q.s.leave_when != EmptyRule::always) dirty_rules.insert(&q);
  }
  // Memberships: drop those not listed, add or update the others.
  std::unordered_map<std::string, std::unordered_map<std::string, int>> wanted;
  for (const auto& m : ms) {
    if (queues.count(m.queue)) wanted[m.queue][m.agent] = m.penalty;
  }
  for (const auto& name : queue_order) {
    QueueRec& q = *queues.at(name);
    const auto& want = wanted[name];
    std::vector<std::string> gone;
    for (const auto& [agent, m] : q.members) {
      if (!want.count(agent)) gone.push_back(agent);
    }
    for (const auto& agent : gone) drop_member(q, agent);
  }
  for (const auto& m : ms) {
    if (auto it = queues.find(m.queue); it != queues.end()) add_member(*it->second, m.agent, m.penalty);
  }
  // Whoever is free looks at the new lines.
  for (auto& [id, a] : agents) {
    if (a.offerable) dirty_agents.push_back(id);
  }
}

void Router::Impl::reset_day() {
  for (auto& [name, q] : queues) q->day = {};
  for (auto& [id, a] : agents) a.calls_today = 0;
  for (auto& [name, q] : queues) {
    if (q->s.strategy == Strategy::fewest_calls) rekey_ready(*q);
  }
}

QueueView Router::Impl::queue_view(const QueueRec& q, Ms now) const {
  QueueView v;
  v.name = q.s.name;
  v.display_name = q.s.display_name;
  v.callbacks_waiting = q.callbacks;
  v.waiting = q.line.size() - q.callbacks;
  for (const LineKey& k : q.line) {
    const EntryRec& r = entries.at(k.id);
    if (!r.e.callback) v.longest_wait = std::max(v.longest_wait, now - r.e.entered_at);
  }
  for (const auto& [agent, m] : q.members) {
    const AgentRec& a = agents.at(agent);
    switch (a.state) {
      case AgentState::logged_out: continue;
      case AgentState::ready: ++v.ready; break;
      case AgentState::not_ready: ++v.not_ready; break;
      case AgentState::wrap_up: ++v.wrap_up; break;
      case AgentState::ringing:
      case AgentState::on_call:
      case AgentState::on_hold:
      case AgentState::busy_elsewhere: ++v.busy; break;
    }
    ++v.agents_logged_in;
  }
  v.offered = q.day.offered;
  v.answered = q.day.answered;
  v.abandoned = q.day.abandoned;
  v.answered_within_sl = q.day.answered_within_sl;
  v.overflowed = q.day.overflowed;
  v.estimated_wait = estimate_for(q, static_cast<int>(q.line.size()) + 1);
  return v;
}

std::vector<Entry> Router::Impl::waiting(const std::string& name) const {
  std::vector<Entry> out;
  auto it = queues.find(name);
  if (it == queues.end()) return out;
  out.reserve(it->second->line.size());
  for (const LineKey& k : it->second->line) out.push_back(entries.at(k.id).e);
  return out;
}

std::vector<Membership> Router::Impl::membership_list() const {
  std::vector<Membership> out;
  for (const auto& name : queue_order) {
    const QueueRec& q = *queues.at(name);
    std::vector<const MemberRec*> ms;
    for (const auto& [agent, m] : q.members) ms.push_back(&m);
    std::sort(ms.begin(), ms.end(), [](const MemberRec* x, const MemberRec* y) { return x->order < y->order; });
    for (const MemberRec* m : ms) out.push_back(Membership{name, m->agent, m->penalty});
  }
  return out;
}

}  // namespace hotline::acd
