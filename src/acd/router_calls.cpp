// Callers and offers: entering a queue, offers and their outcomes,
// abandonment, overflow, callbacks in queue, and the calls agents take.
#include <algorithm>

#include "router_impl.hpp"

namespace hotline::acd {
namespace {

std::string_view failure_name(OfferFailure f) {
  switch (f) {
    case OfferFailure::rejected: return "rejected";
    case OfferFailure::unreachable: return "unreachable";
    case OfferFailure::busy: return "busy";
    case OfferFailure::no_answer: return "no_answer";
  }
  return "?";
}

}  // namespace

EntryRec* Router::Impl::find_entry(const std::string& id) {
  auto it = entries.find(id);
  return it == entries.end() ? nullptr : &it->second;
}

int Router::Impl::position_of(const EntryRec& r) const {
  return static_cast<int>(r.q->line.order_of_key(r.key)) + 1;
}

void Router::Impl::set_routable(EntryRec& r, bool on) {
  if (on == r.in_routable) return;
  r.in_routable = on;
  if (on) {
    r.q->routable.insert(r.key);
    dirty_entries.push_back(r.e.id);
  } else {
    r.q->routable.erase(r.key);
  }
}

void Router::Impl::remove_entry(const std::string& id) {
  auto it = entries.find(id);
  if (it == entries.end()) return;
  EntryRec& r = it->second;
  timers.cancel(r.max_wait_timer);
  timers.cancel(r.announce_timer);
  timers.cancel(r.retry_timer);
  if (r.q && r.phase != EntryPhase::placing) {
    set_routable(r, false);
    r.q->line.erase(r.key);
    if (r.e.callback) --r.q->callbacks;
    if (r.phase == EntryPhase::ringing) --r.q->ringing;
  }
  entries.erase(it);
}

Ms Router::Impl::estimate_for(const QueueRec& q, int position) const {
  const std::size_t ahead = position > 1 ? static_cast<std::size_t>(position - 1) : 0;
  // Entries ahead that ring already have their agent (they sit at the head).
  const std::size_t need = ahead - std::min(ahead, q.ringing);
  if (q.ready.size() > need) return q.estimator.typical_answer_delay();
  return q.estimator.estimate(need - q.ready.size(), q.available);
}

void Router::Impl::schedule_entry_timers(EntryRec& r, Ms now) {
  const QueueSettings& s = r.q->s;
  timers.cancel(r.max_wait_timer);
  timers.cancel(r.announce_timer);
  if (r.e.callback) return;  // the citizen waits at home: no announcements, no max wait
  if (s.max_wait > 0 && !s.overflow.empty()) {
    r.max_wait_timer = timers.add(r.joined_at + s.max_wait, TimerKind::max_wait, r.e.id);
  }
  if (s.announce_every > 0) {
    const Ms periods = (now - r.joined_at) / s.announce_every + 1;
    r.announce_timer = timers.add(r.joined_at + periods * s.announce_every, TimerKind::announce, r.e.id);
  }
}

bool Router::Impl::rule_holds(const QueueRec& q, EmptyRule rule) const {
  switch (rule) {
    case EmptyRule::always: return false;
    case EmptyRule::no_agents_logged_in: return q.logged_in == 0;
    case EmptyRule::no_agents_available: return q.available == 0;
  }
  return false;
}

Admission Router::Impl::enter(Entry entry, Ms now) {
  auto refuse = [&](const std::string& reason) {
    QueueEvent ev;
    ev.at = now;
    ev.kind = QueueEventKind::refused;
    ev.queue = entry.queue;
    ev.call = entry.id;
    ev.priority = entry.priority;
    ev.detail = reason;
    emit(std::move(ev));
    Admission a;
    a.reason = reason;
    return a;
  };
  auto qit = queues.find(entry.queue);
  if (qit == queues.end()) return refuse("no_such_queue");
  QueueRec& q = *qit->second;
  if (entries.count(entry.id)) return refuse("duplicate");
  if (!entry.callback) {
    // A callback entry (restored after a restart, or moved) already holds a place: no admission rules.
    if (q.s.max_length > 0 && q.line.size() - q.callbacks >= q.s.max_length) return refuse("queue_full");
    if (rule_holds(q, q.s.join_when)) return refuse("no_agents");
  }
  if (entry.entered_at == 0) entry.entered_at = now;
  const std::string id = entry.id;
  EntryRec& r = entries[id];
  r.e = std::move(entry);
  r.q = &q;
  r.key = line_key(q, r.e);
  r.joined_at = now;
  q.line.insert(r.key);
  if (r.e.callback) ++q.callbacks;
  const int position = position_of(r);
  Admission adm;
  adm.accepted = true;
  adm.position = position;
  adm.estimated_wait = estimate_for(q, position);
  if (!r.e.callback) {
    ++q.day.offered;
    QueueEvent ev = event(QueueEventKind::enter, q, r.e, now);
    ev.position = position;
    ev.wait_ms = now - r.e.entered_at;  // non-zero when the place was kept from another queue
    emit(std::move(ev));
  }
  schedule_entry_timers(r, now);
  set_routable(r, true);
  // A queue that joins "always" but leaves when empty lets the caller in and out again at once.
  if (q.s.leave_when != EmptyRule::always) dirty_rules.insert(&q);
  return adm;
}

void Router::Impl::make_offer(EntryRec& r, AgentRec& a, Ms now) {
  QueueRec& q = *r.q;
  if (r.offers.empty()) {
    set_routable(r, false);
    r.phase = EntryPhase::ringing;
    ++q.ringing;
  }
  const OfferId id = next_offer++;
  OfferRec& o = offers[id];
  o.id = id;
  o.agent = a.id;
  o.entry = r.e.id;
  o.at = now;
  o.timer = timers.add(now + q.s.ring_timeout, TimerKind::ring_timeout, r.e.id, id);
  r.offers.push_back(id);
  a.offer = id;
  a.call = r.e.id;
  a.queue = q.s.name;
  if (q.s.strategy == Strategy::round_robin) q.rr_last = q.members.at(a.id).order;
  Offer out;
  out.id = id;
  out.agent = a.id;
  out.device = a.device;
  out.entry = r.e;
  out.ring_timeout = q.s.ring_timeout;
  outbox.emplace_back(std::move(out));
  QueueEvent ev = event(QueueEventKind::offer, q, r.e, now);
  ev.agent = a.id;
  ev.wait_ms = now - r.e.entered_at;
  emit(std::move(ev));
  transition(a, AgentState::ringing, "offer", now);
}

OfferRec Router::Impl::take_offer(OfferId id) {
  auto it = offers.find(id);
  OfferRec o = std::move(it->second);
  offers.erase(it);
  timers.cancel(o.timer);
  if (EntryRec* r = find_entry(o.entry)) {
    r->offers.erase(std::remove(r->offers.begin(), r->offers.end(), id), r->offers.end());
  }
  if (AgentRec* a = find_agent(o.agent); a && a->offer == id) a->offer = 0;
  return o;
}

void Router::Impl::offer_over(EntryRec& r, const std::string& agent, bool was_missed, Ms now) {
  if (was_missed) r.round_missed.push_back(agent);
  if (!r.offers.empty() || r.phase != EntryPhase::ringing) return;
  r.phase = EntryPhase::waiting;
  --r.q->ringing;
  r.excluded = std::exchange(r.round_missed, {});
  if (r.e.callback && r.not_before > now) return;  // its retry timer makes it routable
  set_routable(r, true);
}

void Router::Impl::cancel_offers(EntryRec& r, const std::string& agent_reason, Ms now) {
  const auto ids = r.offers;
  for (OfferId id : ids) {
    OfferRec o = take_offer(id);
    outbox.emplace_back(OutCancel{id, o.agent, o.entry});
    if (AgentRec* a = find_agent(o.agent); a && a->state == AgentState::ringing) to_free(*a, agent_reason, now);
  }
  if (r.phase == EntryPhase::ringing) {
    r.phase = EntryPhase::waiting;
    --r.q->ringing;
  }
}

void Router::Impl::withdraw_offer(AgentRec& a, Ms now) {
  if (a.offer == 0) return;
  OfferRec o = take_offer(a.offer);
  outbox.emplace_back(OutCancel{o.id, o.agent, o.entry});
  if (EntryRec* r = find_entry(o.entry)) offer_over(*r, a.id, false, now);
}

void Router::Impl::missed(AgentRec& a, const QueueRec* q, const std::string& cause, Ms busy_delay, Ms now) {
  ++a.missed_in_row;
  if (q && q->s.missed_offers_to_pause > 0 && a.missed_in_row >= q->s.missed_offers_to_pause) {
    a.pending_not_ready = "auto_pause";
    to_free(a, "auto_pause", now);
    return;
  }
  if (busy_delay > 0) {
    a.busy_until = now + busy_delay;
    timers.rearm(a.busy_timer, a.busy_until, TimerKind::busy_delay_end, a.id);
  }
  to_free(a, cause, now);
}

void Router::Impl::overflow(EntryRec& r, const std::string& target, const std::string& reason, Ms now) {
  QueueRec& q = *r.q;
  cancel_offers(r, "caller_gone", now);
  QueueEvent ev = event(QueueEventKind::overflow, q, r.e, now);
  ev.wait_ms = now - r.e.entered_at;
  ev.position = position_of(r);
  ev.detail = target;
  emit(std::move(ev));
  ++q.day.overflowed;
  Entry copy = r.e;
  remove_entry(copy.id);
  outbox.emplace_back(OutOverflow{std::move(copy), target, reason});
}

void Router::Impl::apply_leave_rule(QueueRec& q, Ms now) {
  if (!rule_holds(q, q.s.leave_when)) return;
  std::vector<std::string> leaving;
  for (const LineKey& k : q.line) {
    const EntryRec& r = entries.at(k.id);
    if (!r.e.callback) leaving.push_back(k.id);
  }
  for (const auto& id : leaving) {
    if (EntryRec* r = find_entry(id)) overflow(*r, q.s.overflow, "no_agents", now);
  }
}

void Router::Impl::abandon(const std::string& id, Ms now) {
  EntryRec* r = find_entry(id);
  // A callback entry has no live caller to hang up; a placing one is with its agent.
  if (!r || r->e.callback || r->phase == EntryPhase::placing) return;
  QueueRec& q = *r->q;
  const int position = position_of(*r);
  cancel_offers(*r, "caller_gone", now);
  QueueEvent ev = event(QueueEventKind::abandon, q, r->e, now);
  ev.wait_ms = now - r->e.entered_at;
  ev.position = position;
  emit(std::move(ev));
  ++q.day.abandoned;
  q.estimator.abandoned();
  remove_entry(id);
}

Result Router::Impl::to_callback(const std::string& id, const std::string& number, Ms now) {
  EntryRec* r = find_entry(id);
  if (!r) return Result::fail("no_such_entry");
  if (r->e.callback) return Result::fail("already_callback");
  if (!r->q->s.callback) return Result::fail("callback_disabled");
  if (r->phase == EntryPhase::ringing) return Result::fail("ringing");
  r->e.callback = true;
  r->e.callback_number = number;
  ++r->q->callbacks;
  schedule_entry_timers(*r, now);  // cancels announcements and max wait
  QueueEvent ev = event(QueueEventKind::callback_requested, *r->q, r->e, now);
  ev.wait_ms = now - r->e.entered_at;
  ev.position = position_of(*r);
  emit(std::move(ev));
  return {};
}

bool Router::Impl::answered(OfferId id, Ms now) {
  if (!offers.count(id)) return false;
  OfferRec o = take_offer(id);
  EntryRec* r = find_entry(o.entry);
  AgentRec* a = find_agent(o.agent);
  if (!r || !a) return false;  // cannot happen: offers end with their entry and agent
  QueueRec& q = *r->q;
  // Ring-all: the first answer wins, the others stop ringing.
  for (OfferId other : std::vector<OfferId>(r->offers)) {
    OfferRec lost = take_offer(other);
    outbox.emplace_back(OutCancel{other, lost.agent, lost.entry});
    if (AgentRec* b = find_agent(lost.agent); b && b->state == AgentState::ringing) {
      to_free(*b, "answered_elsewhere", now);
    }
  }
  q.estimator.answer_delay(now - o.at);
  if (r->waited_for_agent) q.estimator.answered_after_waiting();
  a->missed_in_row = 0;
  CallRec call;
  call.entry = r->e;
  call.queue = q.s.name;
  call.offered_at = o.at;
  call.wrap_up = q.s.wrap_up;
  call.wrap_up_max = q.s.wrap_up_max;
  a->cycle_start = o.at;
  a->cycle_queue = q.s.name;
  if (!r->e.callback) {
    call.connected = true;
    call.connected_at = now;
    const Ms wait = now - r->e.entered_at;
    QueueEvent ev = event(QueueEventKind::connect, q, r->e, now);
    ev.agent = a->id;
    ev.wait_ms = wait;
    emit(std::move(ev));
    ++q.day.answered;
    if (wait <= q.s.service_level) ++q.day.answered_within_sl;
    ++a->calls_today;
    a->had_call = true;
    remove_entry(o.entry);
  } else {
    // The agent is reserved; now the owner calls the citizen (callback_result).
    r->phase = EntryPhase::placing;
    --q.ringing;
    q.line.erase(r->key);
    --q.callbacks;
    ++r->e.callback_attempts;
    r->placing_agent = a->id;
    r->excluded.clear();
    r->round_missed.clear();
    call.entry = r->e;
    QueueEvent ev = event(QueueEventKind::callback_placed, q, r->e, now);
    ev.agent = a->id;
    ev.wait_ms = now - r->e.entered_at;
    ev.detail = std::to_string(r->e.callback_attempts);
    emit(std::move(ev));
  }
  a->call_rec = std::move(call);
  transition(*a, AgentState::on_call, "answered", now);
  return true;
}

void Router::Impl::offer_failed(OfferId id, OfferFailure why, Ms now) {
  if (!offers.count(id)) return;
  OfferRec o = take_offer(id);
  EntryRec* r = find_entry(o.entry);
  AgentRec* a = find_agent(o.agent);
  if (!r || !a) return;
  QueueRec& q = *r->q;
  QueueEvent ev = event(why == OfferFailure::no_answer ? QueueEventKind::ring_no_answer : QueueEventKind::offer_failed,
                        q, r->e, now);
  ev.agent = a->id;
  ev.wait_ms = now - r->e.entered_at;
  if (why != OfferFailure::no_answer) ev.detail = std::string(failure_name(why));
  emit(std::move(ev));
  switch (why) {
    case OfferFailure::no_answer:
      missed(*a, &q, "no_answer", 0, now);
      break;
    case OfferFailure::rejected:
    case OfferFailure::busy:
      missed(*a, &q, std::string(failure_name(why)), q.s.busy_delay, now);
      break;
    case OfferFailure::unreachable:
      // An agent left ready with a dead phone would lose every caller offered to it.
      a->pending_not_ready = "unreachable";
      to_free(*a, "unreachable", now);
      break;
  }
  offer_over(*r, o.agent, true, now);
}

void Router::Impl::requeue_callback(EntryRec& r, Ms now) {
  QueueRec& q = *r.q;
  r.phase = EntryPhase::waiting;
  r.placing_agent.clear();
  r.key = line_key(q, r.e);
  q.line.insert(r.key);
  ++q.callbacks;
  r.not_before = now + q.s.callback_retry_delay;
  if (r.not_before > now) {
    timers.rearm(r.retry_timer, r.not_before, TimerKind::callback_due, r.e.id);
  } else {
    set_routable(r, true);
  }
}

void Router::Impl::callback_failed(EntryRec& r, Ms now) {
  const std::string agent = r.placing_agent;
  const std::string id = r.e.id;
  const int attempt = r.e.callback_attempts;
  const bool give_up = !r.q || attempt >= r.q->s.callback_attempts;
  QueueEvent ev;
  ev.at = now;
  ev.kind = QueueEventKind::callback_failed;
  ev.queue = r.q ? r.q->s.name : std::string();
  ev.call = r.e.id;
  ev.agent = agent;
  ev.priority = r.e.priority;
  ev.wait_ms = now - r.e.entered_at;
  ev.detail = give_up ? "given_up" : std::to_string(attempt);
  emit(std::move(ev));
  if (give_up) {
    outbox.emplace_back(OutGivenUp{r.e});
    remove_entry(id);
  } else {
    requeue_callback(r, now);
  }
  if (AgentRec* a = find_agent(agent); a && a->call_rec && a->call_rec->entry.id == id) {
    a->call_rec.reset();
    to_free(*a, "callback_failed", now);  // nothing to wrap up: no conversation took place
  } else if (detached.erase(agent)) {
    maybe_forget(agent);
  }
}

void Router::Impl::callback_result(const std::string& id, bool citizen_answered, Ms now) {
  EntryRec* r = find_entry(id);
  if (!r || r->phase != EntryPhase::placing) return;
  if (!citizen_answered) {
    callback_failed(*r, now);
    return;
  }
  const std::string agent = r->placing_agent;
  AgentRec* a = find_agent(agent);
  CallRec* call = nullptr;
  if (a && a->call_rec && a->call_rec->entry.id == id) {
    call = &*a->call_rec;
  } else if (auto it = detached.find(agent); it != detached.end()) {
    call = &it->second;
  }
  const Ms wait = now - r->e.entered_at;
  if (r->q) {
    QueueRec& q = *r->q;
    QueueEvent connected = event(QueueEventKind::callback_connected, q, r->e, now);
    connected.agent = agent;
    connected.wait_ms = wait;
    connected.detail = std::to_string(r->e.callback_attempts);
    emit(std::move(connected));
    QueueEvent ev = event(QueueEventKind::connect, q, r->e, now);
    ev.agent = agent;
    ev.wait_ms = wait;
    emit(std::move(ev));
    ++q.day.answered;
    if (wait <= q.s.service_level) ++q.day.answered_within_sl;
  }
  if (call) {
    call->connected = true;
    call->connected_at = now;
    call->entry = r->e;
  }
  if (call && a && a->call_rec && call == &*a->call_rec) {
    ++a->calls_today;
    a->had_call = true;
  }
  remove_entry(id);
}

void Router::Impl::hold(const std::string& agent, bool on, Ms now) {
  AgentRec* a = find_agent(agent);
  CallRec* call = nullptr;
  const bool attached = a && a->call_rec && (a->state == AgentState::on_call || a->state == AgentState::on_hold);
  if (attached) {
    call = &*a->call_rec;
  } else if (auto it = detached.find(agent); it != detached.end()) {
    call = &it->second;
  }
  if (!call || !call->connected) return;
  if (on && call->hold_since == 0) {
    call->hold_since = now;
    if (attached) transition(*a, AgentState::on_hold, "hold", now);
  } else if (!on && call->hold_since != 0) {
    call->hold_total += now - call->hold_since;
    call->hold_since = 0;
    if (attached) transition(*a, AgentState::on_call, "resume", now);
  }
}

void Router::Impl::complete(const CallRec& call, const std::string& agent, const std::string& detail,
                            const std::string& transfer_target, Ms now) {
  QueueEvent ev;
  ev.at = now;
  ev.queue = call.queue;
  ev.call = call.entry.id;
  ev.agent = agent;
  ev.priority = call.entry.priority;
  if (!transfer_target.empty()) {
    ev.kind = QueueEventKind::transfer;
    ev.detail = transfer_target;
    emit(ev);
  }
  ev.kind = QueueEventKind::complete;
  // Talk excludes hold (docs/kpis.md): AHT adds talk, hold and wrap-up, so a
  // held minute counted in both would be counted twice.
  ev.hold_ms = call.hold_total + (call.hold_since != 0 ? now - call.hold_since : 0);
  ev.talk_ms = std::max<Ms>(0, now - call.connected_at - ev.hold_ms);
  ev.detail = detail;
  emit(std::move(ev));
}

void Router::Impl::call_over(const std::string& agent, const std::string& detail, const std::string& transfer_target,
                             Ms now) {
  AgentRec* a = find_agent(agent);
  const bool attached = a && a->call_rec && (a->state == AgentState::on_call || a->state == AgentState::on_hold);
  CallRec* call = attached ? &*a->call_rec : nullptr;
  if (!attached) {
    auto it = detached.find(agent);
    if (it == detached.end()) return;  // no call known: nothing to end
    call = &it->second;
  }
  if (!call->connected) {
    // The agent's leg of a callback ended before the citizen answered.
    if (EntryRec* r = find_entry(call->entry.id); r && r->phase == EntryPhase::placing) callback_failed(*r, now);
    return;
  }
  CallRec done = std::move(*call);
  complete(done, agent, detail, transfer_target, now);
  if (!attached) {
    detached.erase(agent);
    maybe_forget(agent);
    return;
  }
  a->call_rec.reset();
  a->idle_since = now;
  Ms wrap_up = done.wrap_up, wrap_up_max = done.wrap_up_max;
  if (auto it = queues.find(done.queue); it != queues.end()) {
    wrap_up = it->second->s.wrap_up;
    wrap_up_max = it->second->s.wrap_up_max;
  }
  start_wrap_up(*a, wrap_up, wrap_up_max, transfer_target.empty() ? "ended" : "transferred", now);
}

}  // namespace hotline::acd
