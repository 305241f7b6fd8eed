// What happens when a deadline passes (Router::tick): ring timeouts, wrap-up
// ends, busy delays, max waits, callback retries, announcements.
#include "router_impl.hpp"

namespace hotline::acd {

void Router::Impl::fire(const Timer& t, Ms now) {
  switch (t.kind) {
    case TimerKind::ring_timeout: {
      auto it = offers.find(t.offer);
      if (it == offers.end()) return;
      it->second.timer = {};
      OfferRec o = take_offer(t.offer);
      outbox.emplace_back(OutCancel{o.id, o.agent, o.entry});
      EntryRec* r = find_entry(o.entry);
      AgentRec* a = find_agent(o.agent);
      if (!r || !a) return;
      QueueEvent ev = event(QueueEventKind::ring_no_answer, *r->q, r->e, now);
      ev.agent = a->id;
      ev.wait_ms = now - r->e.entered_at;
      emit(std::move(ev));
      missed(*a, r->q, "no_answer", 0, now);
      offer_over(*r, o.agent, true, now);
      return;
    }
    case TimerKind::wrap_up_end: {
      AgentRec* a = find_agent(t.target);
      if (!a || a->state != AgentState::wrap_up) return;
      a->wrap_timer = {};
      end_wrap_up(*a, "wrap_up_timeout", now);
      return;
    }
    case TimerKind::busy_delay_end: {
      AgentRec* a = find_agent(t.target);
      if (!a) return;
      a->busy_timer = {};
      a->busy_until = 0;
      sync_offerable(*a);
      return;
    }
    case TimerKind::max_wait: {
      EntryRec* r = find_entry(t.target);
      if (!r || r->e.callback || r->phase == EntryPhase::placing) return;
      r->max_wait_timer = {};
      overflow(*r, r->q->s.overflow, "max_wait", now);
      return;
    }
    case TimerKind::callback_due: {
      EntryRec* r = find_entry(t.target);
      if (!r || r->phase != EntryPhase::waiting) return;
      r->retry_timer = {};
      r->not_before = 0;
      set_routable(*r, true);
      return;
    }
    case TimerKind::announce: {
      EntryRec* r = find_entry(t.target);
      if (!r || r->e.callback || r->phase == EntryPhase::placing) return;
      r->announce_timer = {};
      // A caller whose offer rings is about to be answered: no "you are number 1" over it.
      if (r->phase == EntryPhase::waiting) {
        const int position = position_of(*r);
        outbox.emplace_back(OutAnnounce{r->e, position, estimate_for(*r->q, position)});
      }
      schedule_entry_timers(*r, now);
      return;
    }
  }
}

}  // namespace hotline::acd
