#pragma once
// JSON views of work orders, shared by the ticket, public and Open311 routes,
// and who may see what (department scoping, masking of the caller).
#include <nlohmann/json.hpp>
#include <optional>

#include "hotline/api/api.hpp"
#include "hotline/auth/sessions.hpp"
#include "hotline/tickets/alerts.hpp"
#include "hotline/tickets/services.hpp"
#include "hotline/tickets/tickets.hpp"

namespace hotline::api {

// How one user sees tickets.
struct TicketViewer {
  std::int64_t user_id = 0;
  // Department staff and nothing broader: only tickets their unit leads or
  // assists, and never the caller of a confidential ticket.
  bool scoped = false;
  std::optional<std::int64_t> department_id;
  bool full_caller = false;  // tickets.caller: unmasked name and number
  bool sees_all_alerts = false;
};
TicketViewer viewer_of(const auth::Principal& principal);

bool can_see(const TicketViewer& viewer, const tickets::Ticket& ticket);
// Error(not_found, "no ticket N") when the viewer may not see it, so that
// other units' tickets are not even confirmed to exist.
void require_visible(const TicketViewer& viewer, const tickets::Ticket& ticket);

// The services, or Error(unavailable) when the daemon runs without them.
tickets::Services& services(ApiContext& context);

// "王小明" -> "王**"
std::string mask_name(const std::string& name);

// The caller as this viewer may see it: null when there is none or it is
// hidden (confidential ticket, department staff), masked without tickets.caller.
nlohmann::json caller_view(const TicketViewer& viewer, const tickets::Ticket& ticket, const tickets::Caller& caller);

nlohmann::json ticket_view(const tickets::Ticket& t, const tickets::Services& services, std::int64_t now);
nlohmann::json history_view(const tickets::HistoryEntry& h);
nlohmann::json alert_view(const tickets::Alert& a);

nlohmann::json optional_time(const std::optional<std::int64_t>& unix_ms);

}  // namespace hotline::api
