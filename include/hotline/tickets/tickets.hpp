#pragma once
// Work orders as rows (PRODUCT D1, D3, D9): synchronous functions over one
// store::Database, meant to run inside store jobs; writers run in the
// caller's transaction. Caller name and phone never appear in a Ticket: they
// are read back through caller_of() by code that may see them.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/categories.hpp"
#include "hotline/tickets/deadlines.hpp"
#include "hotline/tickets/personal_data.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::tickets {

struct Ticket {
  std::int64_t id = 0;
  std::string number;  // 2026112800123
  TicketType type = TicketType::other;
  Channel channel = Channel::phone;
  std::string category_code;
  Urgency urgency = Urgency::normal;
  bool complex = false;
  std::string location;
  std::string summary;
  std::string content;
  bool has_caller_name = false;
  bool has_caller_phone = false;
  bool confidential = false;  // hide the caller from departments entirely
  State state = State::created;
  std::optional<std::int64_t> lead_department_id;
  std::vector<std::int64_t> assisting_department_ids;  // current 协办 units
  std::optional<std::string> referred_to;
  std::optional<std::string> reply;
  std::optional<Satisfaction> satisfaction;
  std::int64_t version = 1;
  std::optional<std::int64_t> sign_due;
  std::optional<std::int64_t> reply_due;
  std::optional<std::int64_t> close_due;
  std::optional<std::int64_t> created_by;
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
  // When the phase of the current deadline began (dispatch for signing, the
  // signature for the reply, the reply for the callback): where the yellow
  // warning's fraction is measured from.
  std::int64_t phase_started_at = 0;
  std::optional<std::int64_t> merged_into;
  std::optional<std::int64_t> kb_article_id;
};

struct NewTicket {
  TicketType type = TicketType::consultation;
  Channel channel = Channel::phone;
  std::string category_code;
  Urgency urgency = Urgency::normal;
  bool complex = false;
  std::string location;
  std::string summary;
  std::string content;
  std::optional<std::string> caller_name;   // absent: anonymous
  std::optional<std::string> caller_phone;  // absent: unknown (e.g. a letter)
  bool confidential = false;
};

// What the daemon loads from its configuration and hands to create_ticket.
struct TicketRules {
  WorkCalendar calendar;
  DeadlinePolicy policy;
  CategoryTree categories = CategoryTree::defaults();
};

// As sealed: the phone in its normalised form (normalise_phone).
struct Caller {
  std::optional<std::string> name;
  std::optional<std::string> phone;
};

// Validates (the category must be in rules.categories), numbers (day in Asia/Shanghai + daily sequence of at least 5
// digits), seals the caller, fills in the deadlines and writes the "create"
// history entry. `now` is unix ms.
Ticket create_ticket(store::Database& db, const PersonalDataKey& key, const TicketRules& rules, const NewTicket& ticket,
                     const Actor& actor, std::int64_t now);

std::optional<Ticket> get_ticket(store::Database& db, std::int64_t id);
std::optional<Ticket> find_by_number(store::Database& db, const std::string& number);
// The decrypted caller; Error(not_found) for an unknown ticket.
Caller caller_of(store::Database& db, const PersonalDataKey& key, std::int64_t ticket_id);
// Earlier tickets of a caller (screen pop, duplicate detection), newest first.
std::vector<Ticket> tickets_of_caller(store::Database& db, const PersonalDataKey& key, const std::string& phone,
                                      int limit = 20);

struct TicketFilter {
  std::optional<State> state;
  std::optional<TicketType> type;
  std::optional<std::int64_t> department_id;  // lead or assisting, current assignments only
  std::optional<std::int64_t> overdue_at;     // unix ms: only tickets past the deadline of their state
  std::optional<std::int64_t> before_id;      // paging: tickets with a smaller id
  int limit = 100;                            // 1..1000
  // search_ticket_page with short words only: tickets read per call (see there).
  std::int64_t scan_tickets = 100000;
};
// The deadline that matters where the ticket stands: signing while created or
// dispatched, the reply while a department has it, the close (callback)
// after the reply; none once finished. list_tickets' overdue filter uses the same rule.
std::optional<std::int64_t> current_deadline(const Ticket& ticket);

// Newest first.
std::vector<Ticket> list_tickets(store::Database& db, const TicketFilter& filter);

// 并单: `duplicate` becomes state merged, points to `master` and keeps all its
// data and history. Error(conflict) on a version mismatch or when either side
// cannot take part (already merged, closed, the same ticket).
Ticket merge_tickets(store::Database& db, std::int64_t master_id, std::int64_t duplicate_id,
                     std::int64_t duplicate_version, const Actor& actor, const std::string& reason, std::int64_t now);

// An agent called the ticket's caller from it (click-to-call): a history
// line "callback_call" naming the call, so the call record can be found.
void record_outbound_call(store::Database& db, std::int64_t ticket_id, const Actor& actor,
                          const std::string& call_uuid, std::int64_t now);

// One line of a ticket's history (D8).
struct HistoryEntry {
  std::int64_t id = 0;
  std::int64_t at = 0;
  Actor actor;
  std::string action;
  std::optional<State> from_state;
  std::optional<State> to_state;
  std::string reason;
  std::string changes;  // JSON object {"field": [old, new]}
};
std::vector<HistoryEntry> history_of(store::Database& db, std::int64_t ticket_id);

// What a citizen sees on the public page and hears in the IVR (D9, A5):
// nothing but the state, the handling unit and the reply.
struct CitizenView {
  State state = State::created;
  std::string department_name;  // empty before dispatch
  std::string reply;            // empty before the reply was accepted
};
// nullopt both for an unknown number and for wrong digits, so the answer tells
// nothing about which one was wrong. Anonymous tickets never match.
std::optional<CitizenView> citizen_lookup(store::Database& db, const PersonalDataKey& key, const std::string& number,
                                          const std::string& phone_last4);

}  // namespace hotline::tickets
