#pragma once
// Editing a ticket's content under the version check, full-text search over
// tickets, and the entry desk's duplicate detection (D1, D2, D8).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/tickets.hpp"

namespace hotline::tickets {

struct TicketPatch {
  std::optional<TicketType> type;
  std::optional<std::string> category_code;
  std::optional<Urgency> urgency;
  std::optional<bool> complex;
  std::optional<std::string> location;
  std::optional<std::string> summary;
  std::optional<std::string> content;
  std::optional<bool> confidential;
  bool empty() const {
    return !type && !category_code && !urgency && !complex && !location && !summary && !content && !confidential;
  }
};

// Changes the content of an open ticket (not finished, merged or archived).
// A changed type, urgency or complexity recomputes the deadlines from the
// creation time. Error(conflict) on a stale version ("ticket N was changed by
// someone else ...") or a finished ticket; writes one "edit" history entry.
Ticket edit_ticket(store::Database& db, const TicketRules& rules, std::int64_t id, std::int64_t expected_version,
                   const TicketPatch& patch, const Actor& actor, const std::string& reason, std::int64_t now);

// Whether a state still needs work (not finished, merged or archived).
bool is_open(State state);

// Open tickets of the same caller (by the keyed phone hash) and category,
// newest first: candidates for 并单 at the entry desk.
std::vector<Ticket> open_duplicates(store::Database& db, const PersonalDataKey& key, const std::string& phone,
                                    const std::string& category_code, int limit = 20);

// Open tickets past the deadline of their state at `filter.overdue_at` (now
// when unset), newest first: the overdue list. Walks the partial index
// tickets_open (migration 0009) and stops after a page. Honours
// department_id, type and before_id; `state` must be an open state if given.
std::vector<Ticket> list_overdue(store::Database& db, const TicketFilter& filter, std::int64_t now);

// A page of search results and where the next page starts (the before_id to
// ask with), or nullopt when nothing older can match.
struct TicketPage {
  std::vector<Ticket> tickets;
  std::optional<std::int64_t> next_before_id;
};

// list_tickets() plus a text query, newest first: words of 3+ characters
// through the tickets_fts trigram index (every ticket), shorter words as
// substrings of the summary, content or location. A query of short words only
// (1-2 characters) has no index: one call reads the filter's scan_tickets
// tickets below before_id (100,000 ≈ 0.35 s here) and says where to go on,
// instead of reading a 10-million-ticket table through on a reader thread.
// Error(invalid_argument) for a blank query.
TicketPage search_ticket_page(store::Database& db, const TicketFilter& filter, const std::string& text);
// search_ticket_page().tickets
std::vector<Ticket> search_tickets(store::Database& db, const TicketFilter& filter, const std::string& text);

}  // namespace hotline::tickets
