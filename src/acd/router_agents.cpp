// The agent state machine: login/logout, ready/not-ready (pending while in a
// call or wrap-up), wrap-up, busy elsewhere, device loss, supervisor forcing.
// Every state change goes through transition(), which emits exactly one
// agent_changed.
#include <algorithm>

#include "router_impl.hpp"

namespace hotline::acd {
namespace {

bool in_call(AgentState s) { return s == AgentState::on_call || s == AgentState::on_hold; }

// Causes that may log out an agent in a call (the call goes on without it).
bool may_leave_call(const std::string& cause) {
  return cause == "device_lost" || cause == "daemon_restart" || cause == "forced" || cause.rfind("forced:", 0) == 0;
}

}  // namespace

AgentRec* Router::Impl::find_agent(const std::string& id) {
  auto it = agents.find(id);
  return it == agents.end() ? nullptr : &it->second;
}

AgentView Router::Impl::view_of(const AgentRec& a) const {
  AgentView v;
  v.agent = a.id;
  v.device = a.device;
  v.state = a.state;
  v.reason = a.reason;
  v.since = a.since;
  v.call = a.call;
  v.queue = a.queue;
  v.calls_today = a.calls_today;
  v.missed_in_row = a.missed_in_row;
  v.wrap_up_until = a.wrap_up_until;
  v.idle_since = a.idle_since;
  return v;
}

bool Router::Impl::counts_as_available(const AgentRec& a) const {
  switch (a.state) {
    case AgentState::logged_out:
    case AgentState::not_ready:
      return false;
    case AgentState::busy_elsewhere:
      return a.restore_state == AgentState::ready;
    default:  // ready, ringing, in a call or wrap-up: about to be ready unless a not-ready is pending
      return !a.pending_not_ready.has_value();
  }
}

void Router::Impl::transition(AgentRec& a, AgentState to, std::string reason, Ms now) {
  const bool was_in = a.state != AgentState::logged_out;
  const bool was_available = counts_as_available(a);
  AgentEvent ev;
  ev.at = now;
  ev.agent = a.id;
  ev.from = a.state;
  ev.to = to;
  ev.reason = reason;
  ev.device = a.device;
  a.state = to;
  a.reason = std::move(reason);
  a.since = now;
  if (to != AgentState::wrap_up) a.wrap_up_until = 0;
  if (to == AgentState::ready && !a.had_call) a.idle_since = now;
  if (to == AgentState::logged_out) {
    a.pending_not_ready.reset();
    a.device_in_use = false;
    a.busy_until = 0;
    timers.cancel(a.busy_timer);
    timers.cancel(a.wrap_timer);
    a.cycle_queue.clear();
  }
  update_counts(a, was_in, was_available);
  // The event names the call the change concerns: the new one when entering
  // a call state, the one just over when leaving it.
  ev.call = a.call;
  ev.queue = a.queue;
  if (!is_call_state(to)) {
    a.call.clear();
    a.queue.clear();
  }
  sync_offerable(a);
  outbox.emplace_back(OutAgent{view_of(a), std::move(ev)});
}

void Router::Impl::update_counts(AgentRec& a, bool was_in, bool was_available) {
  const bool is_in = a.state != AgentState::logged_out;
  const bool is_available = counts_as_available(a);
  if (was_in == is_in && was_available == is_available) return;
  for (QueueRec* q : a.queues) {
    q->logged_in += static_cast<int>(is_in) - static_cast<int>(was_in);
    q->available += static_cast<int>(is_available) - static_cast<int>(was_available);
    if (q->s.leave_when != EmptyRule::always) dirty_rules.insert(q);
  }
}

void Router::Impl::sync_offerable(AgentRec& a) {
  const bool should = a.state == AgentState::ready && a.busy_until == 0 && a.offer == 0;
  if (should == a.offerable) return;
  a.offerable = should;
  for (QueueRec* q : a.queues) {
    MemberRec& m = q->members.at(a.id);
    if (should) {
      m.ready_key = ready_key(*q, m, a);
      q->ready.insert(*m.ready_key);
    } else if (m.ready_key) {
      q->ready.erase(*m.ready_key);
      m.ready_key.reset();
    }
  }
  if (should) dirty_agents.push_back(a.id);
}

void Router::Impl::to_free(AgentRec& a, const std::string& cause, Ms now) {
  if (!a.cycle_queue.empty()) {
    if (auto it = queues.find(a.cycle_queue); it != queues.end()) it->second->estimator.handled(now - a.cycle_start);
    a.cycle_queue.clear();
  }
  AgentState target = AgentState::ready;
  std::string reason = cause;
  if (a.pending_not_ready) {
    target = AgentState::not_ready;
    reason = *a.pending_not_ready;
    a.pending_not_ready.reset();
  }
  if (a.device_in_use) {
    a.restore_state = target;
    a.restore_reason = reason;
    transition(a, AgentState::busy_elsewhere, cause, now);
    return;
  }
  transition(a, target, std::move(reason), now);
}

void Router::Impl::start_wrap_up(AgentRec& a, Ms wrap_up, Ms wrap_up_max, const std::string& cause, Ms now) {
  if (wrap_up <= 0) {
    to_free(a, cause, now);
    return;
  }
  a.wrap_up_started = now;
  a.wrap_up_until = now + wrap_up;
  a.wrap_up_cap = now + std::max(wrap_up, wrap_up_max);
  timers.rearm(a.wrap_timer, a.wrap_up_until, TimerKind::wrap_up_end, a.id);
  transition(a, AgentState::wrap_up, cause, now);
}

void Router::Impl::end_wrap_up(AgentRec& a, const std::string& cause, Ms now) {
  timers.cancel(a.wrap_timer);
  to_free(a, cause, now);
}

void Router::Impl::detach_call(AgentRec& a) {
  if (!a.call_rec) return;
  // The call goes on without the agent's state; its hold time keeps counting.
  detached[a.id] = std::move(*a.call_rec);
  a.call_rec.reset();
}

void Router::Impl::maybe_forget(const std::string& agent) {
  auto it = agents.find(agent);
  if (it == agents.end()) return;
  const AgentRec& a = it->second;
  if (a.state == AgentState::logged_out && a.queues.empty() && !detached.count(agent) && !a.call_rec) {
    agents.erase(it);
  }
}

Result Router::Impl::do_logout(AgentRec& a, const std::string& cause, bool keep_call, Ms now) {
  if (a.state == AgentState::logged_out) return Result::fail("not_logged_in");
  if ((in_call(a.state) || a.call_rec) && !keep_call) return Result::fail("in_call");
  if (a.state == AgentState::ringing) withdraw_offer(a, now);
  if (a.call_rec) detach_call(a);
  transition(a, AgentState::logged_out, cause, now);
  maybe_forget(a.id);  // `a` may be gone from here on
  return {};
}

Result Router::Impl::login(const std::string& agent, const std::string& device, Ms now) {
  AgentRec& a = agents[agent];
  if (a.id.empty()) a.id = agent;
  if (a.state != AgentState::logged_out) return Result::fail("already_logged_in");
  a.device = device;
  a.missed_in_row = 0;
  transition(a, AgentState::not_ready, "login", now);
  return {};
}

Result Router::Impl::logout(const std::string& agent, const std::string& cause, Ms now) {
  AgentRec* a = find_agent(agent);
  if (!a) return Result::fail("no_such_agent");
  return do_logout(*a, cause.empty() ? "logout" : cause, may_leave_call(cause), now);
}

Result Router::Impl::set_ready(const std::string& agent, Ms now) {
  AgentRec* a = find_agent(agent);
  if (!a) return Result::fail("no_such_agent");
  switch (a->state) {
    case AgentState::logged_out:
      return Result::fail("not_logged_in");
    case AgentState::ready:
      return {};  // already: no change, no event
    case AgentState::not_ready:
      a->missed_in_row = 0;
      transition(*a, AgentState::ready, "ready", now);
      return {};
    case AgentState::wrap_up:
      a->pending_not_ready.reset();  // pressing ready overrides a not-ready asked during the call
      end_wrap_up(*a, "wrap_up_done", now);
      return {};
    case AgentState::busy_elsewhere: {
      const bool was_available = counts_as_available(*a);
      a->restore_state = AgentState::ready;
      a->restore_reason = "ready";
      a->missed_in_row = 0;
      update_counts(*a, true, was_available);
      return {};
    }
    case AgentState::on_call:
    case AgentState::on_hold:
      if (a->pending_not_ready) {
        const bool was_available = counts_as_available(*a);
        a->pending_not_ready.reset();
        update_counts(*a, true, was_available);
        return {};
      }
      return Result::fail("illegal_transition");
    case AgentState::ringing:
      return Result::fail("illegal_transition");
  }
  return Result::fail("illegal_transition");
}

Result Router::Impl::set_not_ready(const std::string& agent, const std::string& reason_in, Ms now) {
  AgentRec* a = find_agent(agent);
  if (!a) return Result::fail("no_such_agent");
  const std::string reason = reason_in.empty() ? "not_ready" : reason_in;
  switch (a->state) {
    case AgentState::logged_out:
      return Result::fail("not_logged_in");
    case AgentState::ready:
      a->busy_until = 0;
      timers.cancel(a->busy_timer);
      transition(*a, AgentState::not_ready, reason, now);
      return {};
    case AgentState::not_ready:
      if (a->reason != reason) transition(*a, AgentState::not_ready, reason, now);
      return {};
    case AgentState::ringing:
      withdraw_offer(*a, now);
      transition(*a, AgentState::not_ready, reason, now);
      return {};
    case AgentState::on_call:
    case AgentState::on_hold:
    case AgentState::wrap_up: {
      const bool was_available = counts_as_available(*a);
      a->pending_not_ready = reason;
      update_counts(*a, true, was_available);
      return {};
    }
    case AgentState::busy_elsewhere: {
      const bool was_available = counts_as_available(*a);
      a->restore_state = AgentState::not_ready;
      a->restore_reason = reason;
      update_counts(*a, true, was_available);
      return {};
    }
  }
  return Result::fail("illegal_transition");
}

Result Router::Impl::wrap_up_done(const std::string& agent, Ms now) {
  AgentRec* a = find_agent(agent);
  if (!a) return Result::fail("no_such_agent");
  if (a->state == AgentState::logged_out) return Result::fail("not_logged_in");
  if (a->state != AgentState::wrap_up) return Result::fail("illegal_transition");
  end_wrap_up(*a, "wrap_up_done", now);
  return {};
}

Result Router::Impl::extend_wrap_up(const std::string& agent, Ms extra, Ms /*now*/) {
  AgentRec* a = find_agent(agent);
  if (!a) return Result::fail("no_such_agent");
  if (a->state == AgentState::logged_out) return Result::fail("not_logged_in");
  if (a->state != AgentState::wrap_up) return Result::fail("illegal_transition");
  if (extra <= 0) return Result::fail("bad_extension");
  const Ms until = std::min(a->wrap_up_until + extra, a->wrap_up_cap);
  if (until != a->wrap_up_until) {
    a->wrap_up_until = until;
    timers.rearm(a->wrap_timer, until, TimerKind::wrap_up_end, a->id);
  }
  return {};
}

void Router::Impl::device_busy(const std::string& agent, bool busy, Ms now) {
  AgentRec* a = find_agent(agent);
  if (!a || a->state == AgentState::logged_out) return;
  if (busy) {
    // In an ACD call the device is busy with that call: nothing to learn.
    if (a->state == AgentState::ringing || in_call(a->state)) return;
    a->device_in_use = true;
    if (a->state == AgentState::ready || a->state == AgentState::not_ready) {
      a->restore_state = a->state;
      a->restore_reason = a->reason;
      transition(*a, AgentState::busy_elsewhere, "device_busy", now);
    }
    return;
  }
  a->device_in_use = false;
  if (a->state == AgentState::busy_elsewhere) {
    const AgentState back = a->restore_state;
    transition(*a, back, back == AgentState::ready ? "device_free" : a->restore_reason, now);
  }
}

Result Router::Impl::force_state(const std::string& agent, AgentState to, const std::string& reason,
                                 const std::string& by, Ms now) {
  AgentRec* a = find_agent(agent);
  if (!a) return Result::fail("no_such_agent");
  std::string cause = "forced:" + by;
  if (!reason.empty()) cause += ":" + reason;
  if (to == AgentState::logged_out) return do_logout(*a, cause, true, now);
  if (to != AgentState::ready && to != AgentState::not_ready) return Result::fail("illegal_transition");
  if (a->state == AgentState::logged_out) return Result::fail("not_logged_in");
  if (in_call(a->state)) return Result::fail("in_call");
  if (a->state == to && to == AgentState::ready) return {};
  if (a->state == AgentState::ringing) withdraw_offer(*a, now);
  if (a->state == AgentState::wrap_up) {
    timers.cancel(a->wrap_timer);
    a->cycle_queue.clear();
  }
  a->pending_not_ready.reset();
  a->device_in_use = false;
  a->busy_until = 0;
  timers.cancel(a->busy_timer);
  if (to == AgentState::ready) a->missed_in_row = 0;
  transition(*a, to, cause, now);
  return {};
}

std::vector<AgentView> Router::Impl::agent_views() const {
  std::vector<AgentView> out;
  out.reserve(agents.size());
  for (const auto& [id, a] : agents) out.push_back(view_of(a));
  std::sort(out.begin(), out.end(), [](const AgentView& x, const AgentView& y) { return x.agent < y.agent; });
  return out;
}

}  // namespace hotline::acd
