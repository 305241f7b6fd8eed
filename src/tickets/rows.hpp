#pragma once
// Row-level helpers shared by the ticket files: reading a ticket row, writing
// it back under the version check, assignments and history entries.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hotline/store/database.hpp"
#include "hotline/tickets/tickets.hpp"

namespace hotline::tickets::detail {

// SELECT list matching read_ticket(); ends with "FROM tickets t ".
extern const char* const kTicketSelect;
// The same columns without the FROM clause, for queries that start elsewhere.
extern const char* const kTicketColumns;
// SQL for when the ticket (alias `ticket`) entered its current phase (entry
// until dispatch; the unit's signing from the dispatch; its reply from the
// signature; the callback from the reply), from its history; its creation
// when the history says nothing.
std::string phase_started_sql(const std::string& ticket);
std::int64_t phase_started_at(store::Database& db, std::int64_t ticket_id);

Ticket read_ticket(store::Statement& s);
std::optional<Ticket> load_ticket(store::Database& db, std::int64_t id);
// Error(not_found, "no ticket N") when absent.
Ticket require_ticket(store::Database& db, std::int64_t id);

// Writes every mutable column of `after`, bumps the version and updates
// updated_at, refusing when the row's version is no longer before.version.
// Returns the differences as {"field": [old, new]}.
nlohmann::json save_ticket(store::Database& db, const Ticket& before, Ticket& after, std::int64_t now);

void append_history(store::Database& db, std::int64_t ticket_id, std::int64_t at, const Actor& actor,
                    std::string_view action, std::optional<State> from, std::optional<State> to,
                    const std::string& reason, const nlohmann::json& changes);

// The current assisting (协办) units of a ticket.
std::vector<std::int64_t> assisting_of(store::Database& db, std::int64_t ticket_id);

// Ends the current assignments and, when lead is set, records the new lead and
// assisting units (checked to exist).
void reassign(store::Database& db, std::int64_t ticket_id, std::optional<std::int64_t> lead,
              const std::vector<std::int64_t>& assisting, std::int64_t now);

std::string conflict_message(const Ticket& t, std::int64_t expected_version);

}  // namespace hotline::tickets::detail
