#pragma once
// The life of a work order as an explicit state machine (PRODUCT D3, D5, D8):
//
//   created ─┬─ close_on_spot ─> closed_on_spot
//            ├─ reject ────────> rejected
//            ├─ refer ─────────> referred (110/119/120/122)
//            └─ dispatch ──────> dispatched ─ sign ─> signed ─ reply ─> replied
//   dispatched|signed ─ return_to_hotline ─> returned ─ redispatch ─> dispatched
//   signed ─ request_extension ─> extension_requested ─ approve|refuse_extension ─> signed
//   replied ─ accept_reply ─> reviewed ; replied ─ send_back (重办) ─> signed
//   reviewed ─ record_callback ─> called_back ─ close ─> closed ; reviewed ─ close ─> closed
//   called_back (unsatisfied) ─ reopen ─> dispatched
//   open states ─ merge ─> merged ; finished states ─ archive ─> archived
//
// Every change goes through apply_action(), which checks the version the user
// saw (optimistic concurrency), writes the row and one history entry.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/tickets.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::tickets {

// The table itself: the next state, or nullopt when the action is not allowed.
std::optional<State> next_state(State from, Action action);
// Same, throwing Error(conflict, "ticket <number>: cannot <action> a <state> ticket").
State transition(const std::string& number, State from, Action action);
// Whether the action must carry a reason (退回, 重办, 不予受理, ...).
bool needs_reason(Action action);

struct ActionArgs {
  std::string reason;
  std::optional<std::int64_t> lead_department_id;      // dispatch, redispatch; reopen keeps the lead by default
  std::vector<std::int64_t> assisting_department_ids;  // dispatch, redispatch, reopen
  std::optional<std::string> referred_to;              // refer: "110", "119", "120" or "122"
  std::optional<std::string> reply;                    // reply, close_on_spot (the answer given)
  std::optional<Satisfaction> satisfaction;            // record_callback
  std::optional<std::int64_t> reply_due;               // request_extension (asked), approve_extension (granted;
                                                       // default: as asked), reopen, redispatch (fresh deadline)
  std::optional<std::int64_t> sign_due;                // dispatch, redispatch, reopen (optional)
  std::optional<std::int64_t> master_id;               // merge
  std::optional<std::int64_t> kb_article_id;           // close_on_spot from a knowledge-base article
  std::optional<std::int64_t> now;                     // unix ms; defaults to the clock
};

// Runs one action in the caller's transaction and returns the updated ticket.
// Errors: not_found (no such ticket), conflict (stale version: "ticket N was
// changed by someone else (version X, you had Y)", or an illegal transition),
// invalid_argument (missing or bad argument, naming the field).
Ticket apply_action(store::Database& db, std::int64_t ticket_id, std::int64_t expected_version, Action action,
                    const Actor& actor, const ActionArgs& args);

}  // namespace hotline::tickets
