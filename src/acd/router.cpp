// Router: the public calls. Each one runs inside begin()/end(): the wait
// estimators integrate the time since the last call first; at the end,
// settle() restores the routing invariant (router_impl.hpp) and the Sink
// gets what the call produced, in order. Sink calls are made after the
// router's state is complete, so a Sink may call back into the router.
//
// Choices the interface leaves open (tests in tests/unit/acd_*_test.cpp):
// - enter(): entered_at 0 means now. An entry with callback=true is a place
//   kept (restored after a restart, or moved): no join rule, no max length,
//   no `enter` event, not counted as offered again. max_wait and
//   announcements count from joining this queue; wait_ms always from
//   entered_at (the place in line).
// - Aging is continuous: priority + waited / priority_aging.
// - Asking for the state one is in (set_ready when ready, the same not-ready
//   reason) succeeds without an event. In busy_elsewhere, set_ready /
//   set_not_ready choose the state to come back to. In a call, set_ready
//   cancels a pending not-ready (illegal_transition when none is pending).
// - An agent logged out during a call (device_lost, forced:ID,
//   daemon_restart) leaves the call running: call_ended/transferred/hold
//   for it still produce the complete (and transfer) events with the real
//   talk and hold times, without any agent state change.
// - no_answer reported by the owner logs ring_no_answer (like the timeout);
//   other failures log offer_failed. unreachable pauses the agent
//   ("unreachable") without counting a miss.
// - A leave rule overflows waiting live callers even when the queue's
//   overflow target is "" (the owner continues the flow); max_wait with no
//   target never fires. Callbacks have no max wait and no announcements.
// - A callback whose agent's leg ends before the citizen answers (call_ended
//   while placing) counts as a failed attempt. The last failed attempt's
//   callback_failed has detail "given_up"; the others the attempt number.
// - extend_wrap_up emits no agent event (no state change); agent() shows
//   the new wrap_up_until.
// - QueueView.waiting counts live callers in line (ringing ones included),
//   callbacks_waiting the callbacks in line.
// - Time never goes back: a call with an earlier `now` than the latest one
//   seen runs at the latest one, so the agent and queue logs are in time
//   order (the reports' state intervals rely on it: docs/kpis.md).
#include <algorithm>
#include <type_traits>
#include <utility>

#include "router_impl.hpp"

namespace hotline::acd {
namespace {

// `now` is the caller's, seen by `body` by reference: held at the latest
// time seen so far, so that events are logged in time order whatever the
// wall clock does.
template <typename F>
auto guarded(Router::Impl& impl, Ms& now, F&& body) {
  now = std::max(now, impl.latest);
  impl.latest = now;
  impl.begin(now);
  try {
    if constexpr (std::is_void_v<std::invoke_result_t<F>>) {
      body();
      impl.end(now);
    } else {
      auto result = body();
      impl.end(now);
      return result;
    }
  } catch (...) {
    --impl.depth;  // only allocation failures get here; don't leave the bracket open
    throw;
  }
}

std::string side_name(HangupSide side) {
  switch (side) {
    case HangupSide::citizen: return "citizen";
    case HangupSide::agent: return "agent";
    case HangupSide::system: return "system";
  }
  return "system";
}

}  // namespace

bool is_call_state(AgentState s) {
  return s == AgentState::ringing || s == AgentState::on_call || s == AgentState::on_hold || s == AgentState::wrap_up;
}

void Router::Impl::begin(Ms now) {
  if (depth++ > 0) return;
  for (auto& [name, q] : queues) {
    q->estimator.advance(now, q->line.size() - q->callbacks, !q->routable.empty());
  }
}

void Router::Impl::end(Ms now) {
  if (--depth > 0) return;
  settle(now);
  flush();
}

void Router::Impl::settle(Ms now) {
  while (!dirty_entries.empty() || !dirty_agents.empty() || !dirty_rules.empty()) {
    // Entries first: an entry that has just come back (its offer failed)
    // picks among all free agents, before a freed agent picks among entries.
    auto entries_now = std::exchange(dirty_entries, {});
    for (const auto& id : entries_now) {
      if (EntryRec* r = find_entry(id); r && r->in_routable) route_entry(*r, now);
    }
    auto agents_now = std::exchange(dirty_agents, {});
    for (const auto& id : agents_now) {
      if (AgentRec* a = find_agent(id); a && a->offerable) route_agent(*a, now);
    }
    auto rules_now = std::exchange(dirty_rules, {});
    for (QueueRec* q : rules_now) apply_leave_rule(*q, now);
  }
}

void Router::Impl::flush() {
  if (flushing) return;  // a Sink calling back in: the outer loop delivers
  flushing = true;
  struct Reset {
    bool& flag;
    ~Reset() { flag = false; }
  } reset{flushing};
  while (!outbox.empty()) {
    Out out = std::move(outbox.front());
    outbox.pop_front();
    std::visit(
        [this](auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, Offer>) {
            sink.offer(o);
          } else if constexpr (std::is_same_v<T, OutCancel>) {
            sink.cancel_offer(o.id, o.agent, o.entry);
          } else if constexpr (std::is_same_v<T, OutOverflow>) {
            sink.overflow(o.entry, o.target, o.reason);
          } else if constexpr (std::is_same_v<T, OutAnnounce>) {
            sink.announce(o.entry, o.position, o.estimate);
          } else if constexpr (std::is_same_v<T, OutGivenUp>) {
            sink.callback_given_up(o.entry);
          } else if constexpr (std::is_same_v<T, OutAgent>) {
            sink.agent_changed(o.view, o.event);
          } else {
            sink.queue_event(o);
          }
        },
        out);
  }
}

QueueEvent Router::Impl::event(QueueEventKind kind, const QueueRec& q, const Entry& e, Ms now) const {
  QueueEvent ev;
  ev.at = now;
  ev.kind = kind;
  ev.queue = q.s.name;
  ev.call = e.id;
  ev.priority = e.priority;
  return ev;
}

Router::Router(Sink& sink, std::uint64_t random_seed) : impl_(std::make_unique<Impl>(sink, random_seed)) {}
Router::~Router() = default;

void Router::configure(std::vector<QueueSettings> queues, std::vector<Membership> members, Ms now) {
  guarded(*impl_, now, [&] { impl_->configure(std::move(queues), std::move(members), now); });
}
void Router::set_membership(const Membership& m, Ms now) {
  guarded(*impl_, now, [&] {
    auto it = impl_->queues.find(m.queue);
    if (it != impl_->queues.end()) impl_->add_member(*it->second, m.agent, m.penalty);
  });
}
void Router::remove_membership(const std::string& queue, const std::string& agent, Ms now) {
  guarded(*impl_, now, [&] {
    auto it = impl_->queues.find(queue);
    if (it != impl_->queues.end()) impl_->drop_member(*it->second, agent);
  });
}

Result Router::login(const std::string& agent, const std::string& device, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->login(agent, device, now); });
}
Result Router::logout(const std::string& agent, const std::string& cause, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->logout(agent, cause, now); });
}
Result Router::set_ready(const std::string& agent, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->set_ready(agent, now); });
}
Result Router::set_not_ready(const std::string& agent, const std::string& reason, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->set_not_ready(agent, reason, now); });
}
Result Router::wrap_up_done(const std::string& agent, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->wrap_up_done(agent, now); });
}
Result Router::extend_wrap_up(const std::string& agent, Ms extra, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->extend_wrap_up(agent, extra, now); });
}
void Router::device_busy(const std::string& agent, bool busy, Ms now) {
  guarded(*impl_, now, [&] { impl_->device_busy(agent, busy, now); });
}
void Router::device_lost(const std::string& agent, Ms now) {
  guarded(*impl_, now, [&] {
    if (AgentRec* a = impl_->find_agent(agent); a && a->state != AgentState::logged_out) {
      impl_->do_logout(*a, "device_lost", true, now);
    }
  });
}
Result Router::force_state(const std::string& agent, AgentState to, const std::string& reason,
                           const std::string& forced_by, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->force_state(agent, to, reason, forced_by, now); });
}

Admission Router::enter(Entry entry, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->enter(std::move(entry), now); });
}
void Router::abandon(const std::string& entry, Ms now) {
  guarded(*impl_, now, [&] { impl_->abandon(entry, now); });
}
Result Router::to_callback(const std::string& entry, const std::string& number, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->to_callback(entry, number, now); });
}
bool Router::answered(OfferId offer, Ms now) {
  return guarded(*impl_, now, [&] { return impl_->answered(offer, now); });
}
void Router::offer_failed(OfferId offer, OfferFailure why, Ms now) {
  guarded(*impl_, now, [&] { impl_->offer_failed(offer, why, now); });
}
void Router::callback_result(const std::string& entry, bool citizen_answered, Ms now) {
  guarded(*impl_, now, [&] { impl_->callback_result(entry, citizen_answered, now); });
}
void Router::hold(const std::string& agent, bool on, Ms now) {
  guarded(*impl_, now, [&] { impl_->hold(agent, on, now); });
}
void Router::call_ended(const std::string& agent, HangupSide side, Ms now) {
  guarded(*impl_, now, [&] { impl_->call_over(agent, side_name(side), "", now); });
}
void Router::transferred(const std::string& agent, const std::string& target, Ms now) {
  guarded(*impl_, now, [&] { impl_->call_over(agent, "transfer:" + target, target, now); });
}

void Router::tick(Ms now) {
  guarded(*impl_, now, [&] {
    while (auto t = impl_->timers.pop_due(now)) impl_->fire(*t, now);
  });
}
std::optional<Ms> Router::next_deadline() const { return impl_->timers.earliest(); }
void Router::reset_day(Ms now) {
  guarded(*impl_, now, [&] { impl_->reset_day(); });
}

std::vector<QueueView> Router::queues(Ms now) const {
  std::vector<QueueView> out;
  for (const auto& name : impl_->queue_order) out.push_back(impl_->queue_view(*impl_->queues.at(name), now));
  return out;
}
std::optional<QueueView> Router::queue(const std::string& name, Ms now) const {
  auto it = impl_->queues.find(name);
  if (it == impl_->queues.end()) return std::nullopt;
  return impl_->queue_view(*it->second, now);
}
std::vector<AgentView> Router::agents() const { return impl_->agent_views(); }
std::optional<AgentView> Router::agent(const std::string& agent) const {
  auto it = impl_->agents.find(agent);
  if (it == impl_->agents.end()) return std::nullopt;
  return impl_->view_of(it->second);
}
std::vector<Entry> Router::waiting(const std::string& queue) const { return impl_->waiting(queue); }
std::vector<Membership> Router::memberships() const { return impl_->membership_list(); }
Ms Router::estimate_wait(const std::string& queue, int position, Ms /*now*/) const {
  auto it = impl_->queues.find(queue);
  if (it == impl_->queues.end()) return 0;
  return impl_->estimate_for(*it->second, position);
}

}  // namespace hotline::acd
