#include "hotline/api/api.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

#include "hotline/auth/crypto.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "json_body.hpp"
#include "routes_surveys.hpp"
#include "rpc.hpp"

namespace hotline::api {

using boost::asio::awaitable;
using boost::asio::use_awaitable;

Api::Api(ApiContext& context) : context_(context) {
  add_system_routes(router_, *this);
  add_auth_routes(router_, *this);
  add_user_routes(router_, *this);
  add_sip_routes(router_, *this);
  add_department_routes(router_, *this);
  add_ticket_routes(router_, *this);
  add_kb_routes(router_, *this);
  add_public_routes(router_, *this);
  add_recording_routes(router_, *this);
  add_ivr_routes(router_, *this);
  add_acd_routes(router_, *this);
  add_survey_routes(router_, *this);
  add_report_routes(router_, *this);
  add_attachment_routes(router_, *this);
}

std::size_t Api::body_limit(std::string_view method, std::string_view path) const {
  auto match = router_.match(method, path);
  auto fallback = context_.config.http.max_body_bytes;
  if (!match.route || match.route->max_body_bytes == 0) return fallback;
  return match.route->max_body_bytes;
}

std::size_t Api::largest_body_limit() const {
  std::size_t largest = context_.config.http.max_body_bytes;
  for (const auto& r : router_.routes()) largest = std::max(largest, r.max_body_bytes);
  return largest;
}

awaitable<std::optional<auth::Principal>> Api::authenticate(const HttpRequest& request, bool allow_query_token) {
  std::string token;
  constexpr std::string_view bearer = "Bearer ";
  if (request.authorization.size() > bearer.size() &&
      std::string_view(request.authorization).substr(0, bearer.size()) == bearer) {
    token = request.authorization.substr(bearer.size());
  } else if (auto cookie = cookie_value(request.cookie, kSessionCookie)) {
    token = *cookie;
  } else if (allow_query_token) {
    if (auto it = request.query.find("access_token"); it != request.query.end()) token = it->second;
  }
  if (token.empty() || token.size() > 128) co_return std::nullopt;
  std::string digest = auth::token_digest(token);
  if (auto cached = context_.sessions.find(digest)) {
    if (cached->expires_at > now_ms()) co_return cached;
    context_.sessions.erase(digest);
    co_return std::nullopt;
  }
  auto load = [digest](store::Database& db) { return auth::load_session(db, digest); };
  auto loaded = co_await context_.store.read(std::move(load), use_awaitable);
  if (loaded) context_.sessions.put(*loaded);
  co_return loaded;
}

awaitable<HttpResponse> Api::handle(HttpRequest request) {
  auto match = router_.match(request.method, request.path);
  if (!match.route) {
    if (match.other_method) co_return HttpResponse::error(405, "method_not_allowed", "method not allowed here");
    co_return HttpResponse::error(404, "not_found", "no such endpoint: " + request.path);
  }
  request.params = std::move(match.params);
  auto& route = *match.route;
  HttpResponse response = co_await dispatch(request, route);
  context_.metrics
      .counter("hotline_http_requests_total", "HTTP requests by route and status.",
               {{"route", route.method + " " + route.pattern}, {"status", std::to_string(response.status)}})
      .inc();
  co_return response;
}

awaitable<HttpResponse> Api::dispatch(HttpRequest& request, const Route& route) {
  std::optional<HttpResponse> failure;
  try {
    if (route.permission != auth::Permission::public_access) {
      request.principal = co_await authenticate(request, false);
      if (!request.principal) co_return HttpResponse::error(401, "unauthenticated", "log in first");
      if (!auth::roles_have(request.principal->roles, route.permission)) {
        co_return HttpResponse::error(403, "forbidden",
                                      "this needs the permission " + std::string(auth::to_string(route.permission)));
      }
    }
    co_return co_await route.handler(request);
  } catch (const Error& e) {
    failure = HttpResponse::error(http_status(e.code()), to_string(e.code()), e.what());
    if (e.code() == Errc::internal)
      spdlog::error("event=http.error route=\"{}\" error=\"{}\"", route.pattern, e.what());
  } catch (const nlohmann::json::exception& e) {
    failure = HttpResponse::error(400, "invalid_argument", std::string("bad JSON value: ") + e.what());
  } catch (const std::exception& e) {
    spdlog::error("event=http.error route=\"{}\" error=\"{}\"", route.pattern, e.what());
    failure = HttpResponse::error(500, "internal", "internal error");
  }
  co_return std::move(*failure);
}

}  // namespace hotline::api
