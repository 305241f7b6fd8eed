#pragma once
// Test support for the ACD router: a Sink that records everything and checks
// the offer invariants as they happen (never two live offers to one agent,
// never an offer to an agent who is not ready), and a fixture with fake time.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hotline/acd/router.hpp"

namespace hotline::acd::test {

struct Announcement {
  std::string entry;
  int position;
  Ms estimate;
};

struct Overflowed {
  Entry entry;
  std::string target, reason;
};

class RecordingSink : public Sink {
 public:
  std::vector<Offer> offers;
  std::vector<OfferId> cancelled;
  std::vector<Overflowed> overflows;
  std::vector<Announcement> announcements;
  std::vector<Entry> given_up;
  std::vector<AgentEvent> agent_events;
  std::vector<QueueEvent> queue_events;
  std::map<std::string, AgentState> state;   // as the events tell it
  std::map<std::string, OfferId> live;       // agent -> live offer (the owner's view)
  std::set<OfferId> live_ids;
  int violations = 0;                        // offer invariant breaches seen

  void offer(const Offer& o) override {
    if (live.count(o.agent)) {
      ++violations;
      ADD_FAILURE() << "second live offer to " << o.agent;
    }
    if (state[o.agent] != AgentState::ready) {
      ++violations;
      ADD_FAILURE() << "offer to " << o.agent << " in state " << to_string(state[o.agent]);
    }
    live[o.agent] = o.id;
    live_ids.insert(o.id);
    offers.push_back(o);
  }
  void cancel_offer(OfferId id, const std::string& agent, const std::string&) override {
    cancelled.push_back(id);
    forget(id, agent);
  }
  void overflow(const Entry& e, const std::string& target, const std::string& reason) override {
    overflows.push_back({e, target, reason});
  }
  void announce(const Entry& e, int position, Ms estimate) override {
    announcements.push_back({e.id, position, estimate});
  }
  void callback_given_up(const Entry& e) override { given_up.push_back(e); }
  void agent_changed(const AgentView& view, const AgentEvent& ev) override {
    EXPECT_EQ(view.state, ev.to);
    EXPECT_EQ(state[ev.agent], ev.from) << "agent " << ev.agent << " event from the wrong state";
    state[ev.agent] = ev.to;
    agent_events.push_back(ev);
  }
  void queue_event(const QueueEvent& ev) override { queue_events.push_back(ev); }

  // The owner reported an outcome for this offer.
  void forget(OfferId id, const std::string& agent) {
    live_ids.erase(id);
    if (auto it = live.find(agent); it != live.end() && it->second == id) live.erase(it);
  }
  std::optional<Offer> live_offer(const std::string& agent) const {
    auto it = live.find(agent);
    if (it == live.end()) return std::nullopt;
    for (auto o = offers.rbegin(); o != offers.rend(); ++o) {
      if (o->id == it->second) return *o;
    }
    return std::nullopt;
  }
  std::vector<QueueEvent> events_of(QueueEventKind kind) const {
    std::vector<QueueEvent> out;
    for (const auto& e : queue_events) {
      if (e.kind == kind) out.push_back(e);
    }
    return out;
  }
  std::vector<AgentEvent> events_for(const std::string& agent) const {
    std::vector<AgentEvent> out;
    for (const auto& e : agent_events) {
      if (e.agent == agent) out.push_back(e);
    }
    return out;
  }
  void clear_logs() {
    offers.clear();
    cancelled.clear();
    overflows.clear();
    announcements.clear();
    given_up.clear();
    agent_events.clear();
    queue_events.clear();
  }
};

inline QueueSettings make_queue(const std::string& name, Strategy strategy = Strategy::longest_idle) {
  QueueSettings q;
  q.name = name;
  q.display_name = name;
  q.strategy = strategy;
  q.ring_timeout = 15'000;
  q.wrap_up = 0;
  q.announce_every = 0;
  q.busy_delay = 5'000;
  q.missed_offers_to_pause = 0;
  q.join_when = EmptyRule::always;
  q.leave_when = EmptyRule::always;
  return q;
}

class AcdTest : public ::testing::Test {
 protected:
  RecordingSink sink;
  Router router{sink, 42};
  Ms now = 1'700'000'000'000;

  void configure(std::vector<QueueSettings> qs, std::vector<Membership> ms) { router.configure(qs, ms, now); }

  void ready(const std::string& agent) {
    ASSERT_TRUE(router.login(agent, "extension:" + agent, now).ok);
    ASSERT_TRUE(router.set_ready(agent, now).ok);
  }

  Admission enter(const std::string& id, const std::string& queue, int priority = 0) {
    Entry e;
    e.id = id;
    e.queue = queue;
    e.priority = priority;
    e.caller = "13800000000";
    e.entered_at = now;
    return router.enter(e, now);
  }

  // Moves fake time forward, running every deadline on its time, as the owner's timer does.
  void advance(Ms ms) {
    const Ms target = now + ms;
    while (auto d = router.next_deadline()) {
      if (*d > target) break;
      now = std::max(now, *d);
      router.tick(now);
    }
    now = target;
  }

  std::optional<Offer> offer_to(const std::string& agent) const { return sink.live_offer(agent); }

  bool answer(const std::string& agent) {
    auto o = offer_to(agent);
    if (!o) {
      ADD_FAILURE() << "no live offer to " << agent;
      return false;
    }
    sink.forget(o->id, agent);
    return router.answered(o->id, now);
  }

  void fail(const std::string& agent, OfferFailure why) {
    auto o = offer_to(agent);
    ASSERT_TRUE(o) << "no live offer to " << agent;
    sink.forget(o->id, agent);
    router.offer_failed(o->id, why, now);
  }

  AgentState state(const std::string& agent) const {
    auto v = router.agent(agent);
    return v ? v->state : AgentState::logged_out;
  }
  std::string reason(const std::string& agent) const {
    auto v = router.agent(agent);
    return v ? v->reason : std::string();
  }
  QueueView view(const std::string& queue) const { return *router.queue(queue, now); }
};

}  // namespace hotline::acd::test
