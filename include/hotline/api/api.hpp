#pragma once
// The API application: routes, authentication, permission checks, error
// mapping and request metrics. Transport-free: the Beast server hands it an
// HttpRequest and writes back the HttpResponse.
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <memory>
#include <optional>
#include <string>

#include "hotline/api/http.hpp"
#include "hotline/api/router.hpp"
#include "hotline/api/ws_hub.hpp"
#include "hotline/auth/sessions.hpp"
#include "hotline/core/config.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/core/work_queue.hpp"
#include "hotline/pbx/channel_use.hpp"
#include "hotline/store/store.hpp"

namespace hotline::tickets {
struct Services;
}
namespace hotline::recordings {
class Service;
}
namespace hotline::media {
class PromptLibrary;
}
namespace hotline::ivr {
class FlowLibrary;
}
namespace hotline::acd {
class Service;
struct Notice;
}
namespace hotline::pbx {
class CallManager;
}

namespace hotline::api {

// A thread for CPU-heavy work (argon2id hashing) kept off the io threads.
struct CpuContext {};
using CpuPool = WorkQueue<CpuContext>;

struct ApiContext {
  const Config& config;
  store::Store& store;
  Metrics& metrics;
  auth::SessionCache& sessions;
  CpuPool& cpu;
  WsHub& hub;
  std::int64_t started_at_ms = 0;
  std::atomic<bool> draining{false};
  tickets::Services* tickets = nullptr;  // work orders; the ticket routes answer 503 without it
  recordings::Service* recordings = nullptr;  // call recordings; their routes answer 503 without it
  media::PromptLibrary* prompts = nullptr;    // recorded prompts; their routes answer 503 without it
  ivr::FlowLibrary* ivr_flows = nullptr;  // IVR flows; the ivr routes answer 503 without it
  // The ACD and the calls it serves (set before the io threads run); the
  // agent, queue and supervisor routes answer 503 without them.
  acd::Service* acd = nullptr;
  pbx::CallManager* calls = nullptr;
  boost::asio::any_io_executor sip_strand{};  // where CallManager's methods run
};

inline constexpr const char* kSessionCookie = "hotline_session";

class Api {
 public:
  explicit Api(ApiContext& context);

  boost::asio::awaitable<HttpResponse> handle(HttpRequest request);

  // The principal behind a bearer token, session cookie or (for /ws only)
  // access_token query parameter; nullopt when none is valid.
  boost::asio::awaitable<std::optional<auth::Principal>> authenticate(const HttpRequest& request,
                                                                      bool allow_query_token);

  // JSON-RPC over the WebSocket: one request in, one response out (or none
  // for a notification).
  // ws_session: the connection's session id (browser softphone calls are tied to it).
  boost::asio::awaitable<std::optional<std::string>> handle_rpc(const auth::Principal& principal,
                                                                const std::string& remote_ip,
                                                                const std::string& ws_session, const std::string& text);

  // The most body bytes the server reads for a request (the route's own
  // limit, else http.max_body_bytes), and the largest of them all (what the
  // parser allows before the request line is known).
  std::size_t body_limit(std::string_view method, std::string_view path) const;
  std::size_t largest_body_limit() const;

  const Router& router() const { return router_; }
  ApiContext& context() { return context_; }

 private:
  boost::asio::awaitable<HttpResponse> dispatch(HttpRequest& request, const Route& route);

  ApiContext& context_;
  Router router_;
};

// Registration of each area's routes (src/api/routes_*.cpp).
void add_system_routes(Router& router, Api& api);
void add_auth_routes(Router& router, Api& api);
void add_user_routes(Router& router, Api& api);
void add_sip_routes(Router& router, Api& api);
// Work orders, departments' directory and dispatch catalogue, knowledge base,
// citizen access and Open311 (routes_tickets.cpp, routes_departments.cpp,
// routes_kb.cpp, routes_public.cpp).
void add_ticket_routes(Router& router, Api& api);
void add_department_routes(Router& router, Api& api);
void add_kb_routes(Router& router, Api& api);
void add_public_routes(Router& router, Api& api);
// Call recordings (search, metadata, audio with Range) and prompts (routes_recordings.cpp).
void add_recording_routes(Router& router, Api& api);
// IVR flows: list, source, replace (validated), load errors, node counts, reload (routes_ivr.cpp).
void add_ivr_routes(Router& router, Api& api);
// The ACD: agents (login, states, call control), queues and members,
// supervisor views and actions, the queue event log (routes_acd.cpp).
void add_acd_routes(Router& router, Api& api);
// A notice of the ACD (agent.state, queue.stats, call.ringing) to the consoles concerned.
void push_acd_notice(WsHub& hub, const acd::Notice& notice);
// calls.stats to every connection: calls and channels in use, by trunk.
void push_channel_use(WsHub& hub, const pbx::ChannelUse& use, std::size_t max_calls,
                      const std::vector<TrunkConfig>& trunks);
// A browser softphone's event (call.invite, call.state) to one connection.
void push_to_session(WsHub& hub, const std::string& session, const std::string& method, const std::string& params);
// Statistics and reports, comparisons, hot issues, staffing, CDR export (routes_reports.cpp).
void add_report_routes(Router& router, Api& api);
// Ticket attachments: upload (raw body), list, download, soft delete (routes_attachments.cpp).
void add_attachment_routes(Router& router, Api& api);

}  // namespace hotline::api
