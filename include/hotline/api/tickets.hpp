#pragma once
// The part of the ticket API the daemon needs: pushing fired reminders and
// escalations to the consoles of the users concerned, as the WebSocket event
// `reminder.due` (docs/websocket-protocol.md).
#include <vector>

#include "hotline/api/ws_hub.hpp"
#include "hotline/tickets/alerts.hpp"

namespace hotline::api {

// Returns the number of connections the events were queued to.
std::size_t push_alerts(WsHub& hub, const std::vector<tickets::Alert>& alerts);

}  // namespace hotline::api
