#pragma once
// The two logs the ACD writes (migration 0013): one row per queue event and
// per agent state change. The reports' aggregates are kept from these rows by
// the triggers of migration 0014, so what a row holds is what the KPIs see
// (docs/kpis.md, "What the logs must hold").
#include "hotline/acd/types.hpp"
#include "hotline/store/database.hpp"

namespace hotline::acd {

// Inside a store write job (its SAVEPOINT), in the order the router emitted them.
void log_queue_event(store::Database& db, const QueueEvent& e);
void log_agent_event(store::Database& db, const AgentEvent& e);

}  // namespace hotline::acd
