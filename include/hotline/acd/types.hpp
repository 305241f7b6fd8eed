#pragma once
// The ACD's vocabulary: agents and their states, queues and their settings,
// callers waiting, and the events every change leaves behind (the queue
// event log and the agent state log, from which the reports recompute every
// KPI). Plain data; no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotline::acd {

// Milliseconds since the Unix epoch. The router never reads a clock: every
// call into it carries `now`, so tests drive it with a fake time.
using Ms = std::int64_t;

enum class AgentState {
  logged_out,
  ready,
  not_ready,       // with a reason code from config (break, meal, training, meeting, 临时闭席, ...)
  ringing,         // one offer rings at the agent's device
  on_call,
  on_hold,         // on a call, the citizen on hold
  wrap_up,         // after-call work; ends by timer or by the agent
  busy_elsewhere,  // the device is in a call the ACD did not give it (a direct or outbound call)
};
std::string_view to_string(AgentState s);
std::optional<AgentState> agent_state_from(std::string_view s);

enum class Strategy { longest_idle, round_robin, fewest_calls, ring_all, random, skills };
std::string_view to_string(Strategy s);
std::optional<Strategy> strategy_from(std::string_view s);

// What a queue does with callers when it has no agent: join anyway (always),
// refuse new ones when no member is logged in (no_agents_logged_in), or when
// no member is ready or about to be (no_agents_available: logged in but all
// not-ready counts as none). leave_when_empty applies the same rule to
// callers already waiting, as Asterisk's leavewhenempty does.
enum class EmptyRule { always, no_agents_logged_in, no_agents_available };

struct QueueSettings {
  std::string name;          // "human", "complaints", ...: what flows and the dial plan name
  std::string display_name;  // "人工服务"
  Strategy strategy = Strategy::skills;
  Ms ring_timeout = 15'000;              // per offer; then the next agent
  Ms wrap_up = 15'000;                   // after-call work after a call of this queue; 0: none
  Ms wrap_up_max = 120'000;              // how long extensions may make it at most
  Ms max_wait = 0;                       // then overflow; 0: no limit
  std::size_t max_length = 0;            // callers waiting; more are refused; 0: no limit
  std::string overflow;                  // queue:NAME | ivr:FLOW | voicemail | "" (keep waiting)
  EmptyRule join_when = EmptyRule::no_agents_logged_in;  // refuse to join when...
  EmptyRule leave_when = EmptyRule::always;              // overflow waiting callers when... (always: never)
  bool announce_job_number = true;       // 自动报工号 to the caller on connect
  Ms announce_every = 30'000;            // position and estimated wait; 0: never
  Ms service_level = 20'000;             // answered within this counts towards the service level
  int missed_offers_to_pause = 2;        // consecutive unanswered offers that pause the agent; 0: never
  Ms busy_delay = 5'000;                 // after a rejected/failed offer the agent is skipped this long
  Ms priority_aging = 60'000;            // every this much waiting adds one priority level; 0: no aging
  bool callback = true;                  // callers may press 1 to be called back
  int callback_attempts = 3;             // calls to the citizen before it becomes a missed-call ticket
  Ms callback_retry_delay = 120'000;
};

// An agent's place in a queue: penalty 0 is the best skill level; higher
// penalties are tried later (skills strategy) or only when nobody better is free.
struct Membership {
  std::string queue;
  std::string agent;  // job number
  int penalty = 0;
};

// A caller waiting (or a callback keeping a caller's place).
struct Entry {
  std::string id;        // the call's uuid; a callback keeps the id of the call that asked for it
  std::string queue;
  int priority = 0;      // higher first; set by the IVR (repeat caller, elderly line...)
  std::string caller;    // number, for screen pop and callbacks (never logged in full)
  Ms entered_at = 0;     // kept across overflow and restart: the place in line
  bool callback = false; // no live call: the citizen waits at home
  std::string callback_number;
  int callback_attempts = 0;  // made so far
  std::string ivr_path_json;  // for the agent's screen pop
};

struct AgentView {
  std::string agent;
  std::string device;   // extension:8001 | browser:SESSION
  AgentState state = AgentState::logged_out;
  std::string reason;   // not-ready reason code; why it was entered otherwise (cause)
  Ms since = 0;
  std::string call;     // the entry it rings for or talks with
  std::string queue;    // of that call
  int calls_today = 0;
  int missed_in_row = 0;
  Ms wrap_up_until = 0; // when in wrap-up
  Ms idle_since = 0;    // last end of a call (longest idle)
};

struct QueueView {
  std::string name;
  std::string display_name;
  std::size_t waiting = 0;
  std::size_t callbacks_waiting = 0;
  Ms longest_wait = 0;  // of the oldest entry now
  int agents_logged_in = 0, ready = 0, busy = 0, not_ready = 0, wrap_up = 0;
  // Since local midnight (the router's day, reset_day()):
  int offered = 0, answered = 0, abandoned = 0, answered_within_sl = 0, overflowed = 0;
  Ms estimated_wait = 0;  // for a caller joining now
};

enum class QueueEventKind {
  enter, refused, offer, ring_no_answer, offer_failed, connect, transfer, abandon, overflow,
  callback_requested, callback_placed, callback_connected, callback_failed, complete,
};
std::string_view to_string(QueueEventKind k);

// One line of the queue event log (C6). Enough to recompute every KPI:
// wait_ms on connect/abandon/overflow/callback_requested, talk_ms (hold
// excluded), hold_ms and hangup side (or transfer:TARGET) on complete,
// position on enter/abandon.
struct QueueEvent {
  Ms at = 0;
  QueueEventKind kind = QueueEventKind::enter;
  std::string queue;
  std::string call;   // entry id
  std::string agent;  // offer, ring_no_answer, offer_failed, connect, complete, callback_*
  int priority = 0;
  int position = 0;   // 1-based place in line at enter/abandon
  Ms wait_ms = 0;
  Ms talk_ms = 0;     // complete: connected time minus hold_ms
  Ms hold_ms = 0;
  std::string detail; // overflow target, hangup side (citizen|agent|system), failure reason, transfer target
};

// One line of the agent state log.
struct AgentEvent {
  Ms at = 0;
  std::string agent;
  AgentState from = AgentState::logged_out;
  AgentState to = AgentState::logged_out;
  std::string reason;  // not-ready code, or the cause: login, logout, offer, answered, rejected,
                       // no_answer, unreachable, caller_gone, ended, wrap_up_done, wrap_up_timeout,
                       // auto_pause, device_lost, forced (by supervisor ID), daemon_restart, ...
  std::string call;
  std::string queue;
  std::string device;
};

}  // namespace hotline::acd
