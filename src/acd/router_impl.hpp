#pragma once
// The router's state and the helpers its parts share (router*.cpp,
// strategies.cpp). Private to src/acd.
//
// Routing invariant, restored at the end of every public call (settle()):
// no agent who may be offered a call (ready, not in a busy delay, no offer)
// is a member of a queue in which an entry waits for an agent. So when an
// entry becomes routable only that entry needs an agent (route_entry), and
// when an agent becomes free only that agent needs an entry (route_agent):
// no decision scans the whole line or the whole team.
//
// Order in line: effective priority = priority + waited / priority_aging,
// continuous, so the order of two entries of one queue never changes with
// time: sorting by entered_at - priority * aging (earlier first) is the same
// as sorting by effective priority (higher first). Without aging: priority,
// then entered_at. Ties: entered_at, then id.
#include <cstdint>
#include <deque>
#include <ext/pb_ds/assoc_container.hpp>
#include <ext/pb_ds/tree_policy.hpp>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "hotline/acd/router.hpp"
#include "timer_set.hpp"
#include "wait_estimator.hpp"

namespace hotline::acd {

struct LineKey {
  std::int64_t rank = 0;  // entered_at - priority * aging, or -priority without aging
  Ms entered_at = 0;
  std::string id;
  bool operator<(const LineKey& o) const {
    if (rank != o.rank) return rank < o.rank;
    if (entered_at != o.entered_at) return entered_at < o.entered_at;
    return id < o.id;
  }
};

// Order of a queue's offerable members for its strategy: lowest penalty
// first (Asterisk's rule for every strategy), then the strategy's key.
struct ReadyKey {
  int penalty = 0;
  std::int64_t a = 0;  // idle_since | calls_today | membership order
  std::int64_t b = 0;  // idle_since (fewest_calls) | 0
  std::string agent;
  bool operator<(const ReadyKey& o) const {
    if (penalty != o.penalty) return penalty < o.penalty;
    if (a != o.a) return a < o.a;
    if (b != o.b) return b < o.b;
    return agent < o.agent;
  }
};

// A set with order statistics: positions in line in O(log n).
using Line = __gnu_pbds::tree<LineKey, __gnu_pbds::null_type, std::less<LineKey>, __gnu_pbds::rb_tree_tag,
                              __gnu_pbds::tree_order_statistics_node_update>;

struct DayCounters {
  int offered = 0, answered = 0, abandoned = 0, answered_within_sl = 0, overflowed = 0;
};

struct MemberRec {
  std::string agent;
  int penalty = 0;
  std::uint64_t order = 0;             // membership order (round robin)
  std::optional<ReadyKey> ready_key;   // set while in the queue's ready set
};

struct QueueRec {
  QueueSettings s;
  std::map<std::string, MemberRec> members;  // by agent
  std::uint64_t next_order = 0;
  std::optional<std::uint64_t> rr_last;      // order of the member offered last (round robin)
  Line line;                                 // every entry in line (waiting or ringing)
  std::set<LineKey> routable;                // entries waiting for an agent now
  std::set<ReadyKey> ready;                  // members who may be offered a call now
  std::size_t ringing = 0;                   // entries of `line` with live offers
  std::size_t callbacks = 0;                 // callback entries in `line`
  int logged_in = 0;                         // members logged in
  int available = 0;                         // members logged in and not paused
  DayCounters day;
  WaitEstimator estimator;
};

enum class EntryPhase { waiting, ringing, placing };  // placing: a callback's agent is on the phone

struct EntryRec {
  Entry e;
  QueueRec* q = nullptr;  // null only while placing a callback of a removed queue
  LineKey key;
  EntryPhase phase = EntryPhase::waiting;
  bool in_routable = false;
  bool waited_for_agent = false;  // stayed in line after a routing pass (wait estimator)
  Ms joined_at = 0;               // entered this queue (max wait, announcements)
  Ms not_before = 0;              // callback retry time
  std::vector<OfferId> offers;    // live offers (several with ring_all)
  std::vector<std::string> round_missed;  // agents whose offer of the current round failed
  std::vector<std::string> excluded;      // missed the last round: others first
  std::string placing_agent;
  TimerHandle max_wait_timer, announce_timer, retry_timer;
};

struct CallRec {
  Entry entry;
  std::string queue;
  bool connected = false;  // false while a callback's citizen is being called
  Ms offered_at = 0;
  Ms connected_at = 0;
  Ms hold_since = 0;       // 0: not on hold
  Ms hold_total = 0;
  Ms wrap_up = 0, wrap_up_max = 0;  // the queue's, at connect (the queue may go)
};

struct AgentRec {
  std::string id;
  std::string device;
  AgentState state = AgentState::logged_out;
  std::string reason;
  Ms since = 0;
  std::string call, queue;  // current call context (view)
  int calls_today = 0;
  int missed_in_row = 0;
  Ms wrap_up_until = 0;
  Ms wrap_up_started = 0;
  Ms wrap_up_cap = 0;       // wrap_up_started + the queue's wrap_up_max
  Ms idle_since = 0;
  bool had_call = false;
  std::optional<std::string> pending_not_ready;
  bool device_in_use = false;                // device_busy(true) seen, not yet (false)
  AgentState restore_state = AgentState::ready;  // from busy_elsewhere
  std::string restore_reason;
  Ms busy_until = 0;        // busy delay after a failed offer
  Ms cycle_start = 0;       // offer answered: start of the handle-time cycle
  std::string cycle_queue;
  OfferId offer = 0;
  std::optional<CallRec> call_rec;
  std::vector<QueueRec*> queues;  // memberships (details in QueueRec::members)
  TimerHandle wrap_timer, busy_timer;
  bool offerable = false;   // in the ready sets of its queues
};

struct OfferRec {
  OfferId id = 0;
  std::string agent;
  std::string entry;
  Ms at = 0;
  TimerHandle timer;
};

// Sink calls wait in an outbox until the public call that made them is done,
// so a Sink that calls back into the router finds it consistent.
struct OutCancel { OfferId id; std::string agent, entry; };
struct OutOverflow { Entry entry; std::string target, reason; };
struct OutAnnounce { Entry entry; int position; Ms estimate; };
struct OutGivenUp { Entry entry; };
struct OutAgent { AgentView view; AgentEvent event; };
using Out = std::variant<Offer, OutCancel, OutOverflow, OutAnnounce, OutGivenUp, OutAgent, QueueEvent>;

struct Router::Impl {
  Impl(Sink& sink, std::uint64_t seed) : sink(sink), rng(seed) {}

  Sink& sink;
  std::mt19937_64 rng;
  std::unordered_map<std::string, std::unique_ptr<QueueRec>> queues;
  std::vector<std::string> queue_order;  // configuration order (views)
  std::unordered_map<std::string, AgentRec> agents;
  std::unordered_map<std::string, EntryRec> entries;
  std::unordered_map<OfferId, OfferRec> offers;
  std::unordered_map<std::string, CallRec> detached;  // calls of agents logged out meanwhile, by agent
  TimerSet timers;
  OfferId next_offer = 1;

  // Work for settle(): what became routable during the call.
  std::vector<std::string> dirty_entries;
  std::vector<std::string> dirty_agents;
  std::set<QueueRec*> dirty_rules;  // queues whose leave rule must be checked

  std::deque<Out> outbox;
  int depth = 0;
  bool flushing = false;
  // The latest `now` of a public call: a wall clock stepped back (NTP, an
  // operator) must not write events out of time order (router.cpp).
  Ms latest = std::numeric_limits<Ms>::min();

  // ---- public-call bracket (router.cpp) ----
  void begin(Ms now);
  void end(Ms now);
  void settle(Ms now);
  void flush();

  // ---- the public calls, inside the bracket ----
  void configure(std::vector<QueueSettings> qs, std::vector<Membership> ms, Ms now);
  Result login(const std::string& agent, const std::string& device, Ms now);
  Result logout(const std::string& agent, const std::string& cause, Ms now);
  Result set_ready(const std::string& agent, Ms now);
  Result set_not_ready(const std::string& agent, const std::string& reason, Ms now);
  Result wrap_up_done(const std::string& agent, Ms now);
  Result extend_wrap_up(const std::string& agent, Ms extra, Ms now);
  void device_busy(const std::string& agent, bool busy, Ms now);
  Result force_state(const std::string& agent, AgentState to, const std::string& reason, const std::string& by, Ms now);
  Admission enter(Entry entry, Ms now);
  void abandon(const std::string& entry, Ms now);
  Result to_callback(const std::string& entry, const std::string& number, Ms now);
  bool answered(OfferId offer, Ms now);
  void offer_failed(OfferId offer, OfferFailure why, Ms now);
  void callback_result(const std::string& entry, bool citizen_answered, Ms now);
  void hold(const std::string& agent, bool on, Ms now);
  // call_ended (detail: citizen|agent|system) and transferred (detail transfer:TARGET).
  void call_over(const std::string& agent, const std::string& detail, const std::string& transfer_target, Ms now);
  void reset_day();
  std::vector<AgentView> agent_views() const;
  std::vector<Entry> waiting(const std::string& queue) const;
  std::vector<Membership> membership_list() const;

  // ---- output ----
  void emit(QueueEvent ev) { outbox.emplace_back(std::move(ev)); }
  QueueEvent event(QueueEventKind kind, const QueueRec& q, const Entry& e, Ms now) const;

  // ---- agents (router_agents.cpp) ----
  AgentRec* find_agent(const std::string& id);
  AgentView view_of(const AgentRec& a) const;
  // The one place an agent's state changes: counts, ready sets, the event.
  void transition(AgentRec& a, AgentState to, std::string reason, Ms now);
  // A call, wrap-up or offer is over: ready, or the pending not-ready, or
  // busy elsewhere when the device is in use.
  void to_free(AgentRec& a, const std::string& cause, Ms now);
  void sync_offerable(AgentRec& a);
  bool counts_as_available(const AgentRec& a) const;
  void start_wrap_up(AgentRec& a, Ms wrap_up, Ms wrap_up_max, const std::string& cause, Ms now);
  void update_counts(AgentRec& a, bool was_in, bool was_available);
  Result do_logout(AgentRec& a, const std::string& cause, bool keep_call, Ms now);
  void detach_call(AgentRec& a);
  void maybe_forget(const std::string& agent);
  void end_wrap_up(AgentRec& a, const std::string& cause, Ms now);
  // The complete event (and transfer event) of a connected call.
  void complete(const CallRec& call, const std::string& agent, const std::string& detail,
                const std::string& transfer_target, Ms now);
  // A callback's citizen was not reached (or the agent hung up first).
  void callback_failed(EntryRec& r, Ms now);

  // ---- memberships and configuration (router_config.cpp) ----
  void add_member(QueueRec& q, const std::string& agent, int penalty);
  void drop_member(QueueRec& q, const std::string& agent);
  ReadyKey ready_key(const QueueRec& q, const MemberRec& m, const AgentRec& a) const;
  LineKey line_key(const QueueRec& q, const Entry& e) const;
  void rekey_line(QueueRec& q);
  void rekey_ready(QueueRec& q);

  // ---- entries and offers (router_calls.cpp) ----
  EntryRec* find_entry(const std::string& id);
  int position_of(const EntryRec& r) const;
  void set_routable(EntryRec& r, bool on);
  void remove_entry(const std::string& id);  // from line, timers, map
  void make_offer(EntryRec& r, AgentRec& a, Ms now);
  // Forgets an offer (timer, entry's and agent's links); the caller decides what follows.
  OfferRec take_offer(OfferId id);
  // An offer ended without an answer: the entry needs an agent again when it has no other offer.
  void offer_over(EntryRec& r, const std::string& agent, bool missed, Ms now);
  // The router gives up on every offer of an entry (caller gone, overflow, ...).
  void cancel_offers(EntryRec& r, const std::string& agent_reason, Ms now);
  // The router gives up on an agent's offer because of the agent (not ready, logout).
  void withdraw_offer(AgentRec& a, Ms now);
  void missed(AgentRec& a, const QueueRec* q, const std::string& cause, Ms busy_delay, Ms now);
  void overflow(EntryRec& r, const std::string& target, const std::string& reason, Ms now);
  void schedule_entry_timers(EntryRec& r, Ms now);
  void requeue_callback(EntryRec& r, Ms now);
  void connect(AgentRec& a, EntryRec& r, Ms now);
  bool rule_holds(const QueueRec& q, EmptyRule rule) const;
  void apply_leave_rule(QueueRec& q, Ms now);
  Ms estimate_for(const QueueRec& q, int position) const;

  // ---- routing (strategies.cpp) ----
  void route_entry(EntryRec& r, Ms now);
  void route_agent(AgentRec& a, Ms now);
  std::vector<AgentRec*> choose_agents(QueueRec& q, const EntryRec& r);

  // ---- timers (router_timers.cpp) ----
  void fire(const Timer& t, Ms now);

  // ---- views ----
  QueueView queue_view(const QueueRec& q, Ms now) const;
};

bool is_call_state(AgentState s);

}  // namespace hotline::acd
