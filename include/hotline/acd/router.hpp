#pragma once
// The ACD's routing engine: queues of waiting callers, agents and their
// states, and the decisions (which caller goes to which agent, when). Pure
// logic, single-threaded and clock-free: the owner calls it from one strand
// (the `acd` strand) with the current time, and it answers through its Sink
// (offers to ring, offers to stop, overflows, announcements, and the events
// to persist). It never touches disk or the network, so a decision costs
// microseconds and the benchmark (bench/acd-sim) can drive it with fake time.
//
// Timers are the owner's: after every call, next_deadline() says when tick()
// must run next (ring timeouts, wrap-up ends, max waits, callback retries,
// busy delays, announcement periods).
//
// Offers: the router offers an entry to an agent (Sink::offer) with an offer
// id. The owner rings the agent's device and reports exactly one outcome for
// that offer id: answered(), or offer_failed() (rejected, unreachable, busy,
// caller gone). When the router gives up on an offer itself (ring timeout,
// the caller hung up, another agent answered a ring-all), it calls
// Sink::cancel_offer and ignores anything reported for that id later.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hotline/acd/types.hpp"

namespace hotline::acd {

using OfferId = std::uint64_t;

struct Offer {
  OfferId id = 0;
  std::string agent;
  std::string device;
  Entry entry;  // who is offered (callback entries: the agent's call comes first, then the citizen's)
  Ms ring_timeout = 0;
};

enum class OfferFailure { rejected, unreachable, busy, no_answer };

class Sink {
 public:
  virtual ~Sink() = default;
  virtual void offer(const Offer& offer) = 0;
  virtual void cancel_offer(OfferId id, const std::string& agent, const std::string& entry) = 0;
  // The entry leaves its queue for target (queue:NAME, ivr:FLOW, voicemail);
  // reason: max_wait, no_agents, ... The router has already removed it (an
  // overflow to another queue is the owner's enter() into that queue).
  virtual void overflow(const Entry& entry, const std::string& target, const std::string& reason) = 0;
  // Time to tell a waiting live caller where they stand.
  virtual void announce(const Entry& entry, int position, Ms estimated_wait) = 0;
  // A callback entry failed for the last time: the owner turns it into a missed-call ticket.
  virtual void callback_given_up(const Entry& entry) = 0;
  virtual void agent_changed(const AgentView& agent, const AgentEvent& event) = 0;
  virtual void queue_event(const QueueEvent& event) = 0;
};

struct Admission {
  bool accepted = false;
  std::string reason;  // when refused: "queue_full", "no_agents", "no_such_queue", "duplicate"
  int position = 0;
  Ms estimated_wait = 0;
};

// What a call ends as, for the complete event and the agent's next state.
enum class HangupSide { citizen, agent, system };

struct Result {
  bool ok = true;
  std::string error;  // "no_such_agent", "not_logged_in", "already_logged_in", "illegal_transition", ...
  static Result fail(std::string e) { return {false, std::move(e)}; }
};

class Router {
 public:
  // random_seed: for the random strategy (deterministic in tests).
  Router(Sink& sink, std::uint64_t random_seed = 1);
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Queues and memberships, from config and the API. Replacing keeps the
  // callers of queues that remain (their settings change); callers of a
  // removed queue overflow with reason "queue_removed".
  void configure(std::vector<QueueSettings> queues, std::vector<Membership> members, Ms now);
  void set_membership(const Membership& m, Ms now);  // add or change penalty
  void remove_membership(const std::string& queue, const std::string& agent, Ms now);

  // ---- agents ----
  Result login(const std::string& agent, const std::string& device, Ms now);  // enters not_ready ("login")
  Result logout(const std::string& agent, const std::string& cause, Ms now);  // cancels a ringing offer
  Result set_ready(const std::string& agent, Ms now);
  // In a call or wrap-up: takes effect when that ends (pending not-ready).
  Result set_not_ready(const std::string& agent, const std::string& reason, Ms now);
  Result wrap_up_done(const std::string& agent, Ms now);
  Result extend_wrap_up(const std::string& agent, Ms extra, Ms now);
  // The device is in (or out of) a call the ACD did not give it.
  void device_busy(const std::string& agent, bool busy, Ms now);
  // The device is gone (unregistered, browser closed past the grace period):
  // the agent is logged out with cause device_lost; its call, if any, goes on.
  void device_lost(const std::string& agent, Ms now);
  // Supervisor: any state (forced_by recorded as the cause "forced:ID").
  Result force_state(const std::string& agent, AgentState to, const std::string& reason, const std::string& forced_by,
                     Ms now);

  // ---- callers ----
  Admission enter(Entry entry, Ms now);
  // The live caller hung up while waiting or ringing: abandon (offers cancelled).
  void abandon(const std::string& entry, Ms now);
  // The caller asked to be called back at `number`: the entry keeps its place,
  // without a live call from now on.
  Result to_callback(const std::string& entry, const std::string& number, Ms now);

  // ---- offers and calls ----
  // The agent took it: on_call, connect event. False when the router had
  // given up on that offer meanwhile: the owner hangs the agent's leg up.
  bool answered(OfferId offer, Ms now);
  void offer_failed(OfferId offer, OfferFailure why, Ms now);
  // A callback offer: the agent answered, then the citizen's phone was tried.
  void callback_result(const std::string& entry, bool citizen_answered, Ms now);
  void hold(const std::string& agent, bool on, Ms now);
  // The call of an agent ended: complete event, then wrap-up (per its queue)
  // or straight to ready / the pending not-ready.
  void call_ended(const std::string& agent, HangupSide side, Ms now);
  // The agent's call went elsewhere (blind transfer): complete with detail=transfer:TARGET.
  void transferred(const std::string& agent, const std::string& target, Ms now);

  // ---- time ----
  void tick(Ms now);
  std::optional<Ms> next_deadline() const;
  // Today's counters restart (local midnight; the owner calls it).
  void reset_day(Ms now);

  // ---- views ----
  std::vector<QueueView> queues(Ms now) const;
  std::optional<QueueView> queue(const std::string& name, Ms now) const;
  std::vector<AgentView> agents() const;
  std::optional<AgentView> agent(const std::string& agent) const;
  std::vector<Entry> waiting(const std::string& queue) const;  // in the order they will be served
  std::vector<Membership> memberships() const;
  Ms estimate_wait(const std::string& queue, int position, Ms now) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace hotline::acd
