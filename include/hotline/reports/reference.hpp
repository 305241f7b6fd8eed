#pragma once
// The reference computation: every family's facts recomputed from the raw
// logs (acd_queue_events, acd_agent_events, ticket_history with tickets,
// survey_answers, calls) by the rules of docs/kpis.md, independently of the
// triggers of migration 0014. The rebuild command and the raw-log reports use
// it; the aggregate tables must equal it.
//
// Each function computes the facts of the hours of the given local days,
// hourly, with every dimension of the family, reading what those hours need
// (a caller who entered on the range's last day and was answered after it
// counts in the range; an agent state that began before the range counts for
// its hours inside). Runs in the caller's read transaction.
#include <string>
#include <vector>

#include "hotline/reports/facts.hpp"
#include "hotline/reports/time.hpp"
#include "hotline/store/database.hpp"

namespace hotline::reports {

Facts reference_queue(store::Database& db, const DayRange& days);

struct AgentFacts {
  Facts agent{Family::agent, Level::hourly};
  Facts reason{Family::reason, Level::hourly};
};
AgentFacts reference_agents(store::Database& db, const DayRange& days);

// Predicates only the raw logs can answer: the ticket's current state and
// who registered it (job number). Empty: no restriction.
struct TicketScope {
  std::vector<std::string> states;
  std::vector<std::string> creators;
  bool empty() const { return states.empty() && creators.empty(); }
};
Facts reference_tickets(store::Database& db, const DayRange& days, const TicketScope& scope = {});

Facts reference_calls(store::Database& db, const DayRange& days);

// The family's facts (reason and agent come from one pass).
Facts reference_facts(store::Database& db, Family family, const DayRange& days, const TicketScope& scope = {});

}  // namespace hotline::reports
