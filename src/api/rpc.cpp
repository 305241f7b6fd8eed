#include "rpc.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/use_awaitable.hpp>

#include "hotline/api/api.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "notices.hpp"

namespace hotline::api {

using boost::asio::awaitable;
using nlohmann::json;

std::string rpc_event(const std::string& method, const json& params) {
  return json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump(-1, ' ', false,
                                                                               json::error_handler_t::replace);
}

namespace {

json error_reply(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

int rpc_code(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return rpc_error::invalid_params;
    case Errc::forbidden:
    case Errc::unauthenticated:
      return rpc_error::forbidden;
    case Errc::conflict:
    case Errc::locked:
      return rpc_error::conflict;
    case Errc::not_found:
      return rpc_error::not_found;
    case Errc::unavailable:
    case Errc::rate_limited:
    case Errc::too_large:
      return rpc_error::unavailable;
    case Errc::internal:
      return rpc_error::internal_error;
  }
  return rpc_error::internal_error;
}

json principal_json(const auth::Principal& p) {
  json roles = json::array();
  for (auto r : p.roles) roles.push_back(auth::to_string(r));
  return {{"user_id", p.user_id},
          {"job_number", p.job_number},
          {"display_name", p.display_name},
          {"roles", roles},
          {"department_id", p.department_id ? json(*p.department_id) : json(nullptr)},
          {"expires_at", format_utc(p.expires_at)}};
}

}  // namespace

awaitable<std::optional<std::string>> Api::handle_rpc(const auth::Principal& principal, const std::string& remote_ip,
                                                      const std::string& ws_session, const std::string& text) {
  json request = json::parse(text, nullptr, false);
  if (request.is_discarded()) co_return error_reply(nullptr, rpc_error::parse_error, "not valid JSON").dump();
  if (!request.is_object() || request.value("jsonrpc", "") != "2.0" || !request.contains("method") ||
      !request["method"].is_string()) {
    json id = request.is_object() && request.contains("id") ? request["id"] : json(nullptr);
    co_return error_reply(id, rpc_error::invalid_request,
                          "expected {\"jsonrpc\":\"2.0\",\"method\":...,\"params\":...,\"id\":...}")
        .dump();
  }
  bool is_notification = !request.contains("id");
  json id = is_notification ? json(nullptr) : request["id"];
  if (!id.is_null() && !id.is_string() && !id.is_number_integer()) {
    co_return error_reply(nullptr, rpc_error::invalid_request, "id must be a string or an integer").dump();
  }
  std::string method = request["method"].get<std::string>();
  json params = request.value("params", json::object());
  if (!params.is_object()) {
    co_return error_reply(id, rpc_error::invalid_params, "params must be an object").dump();
  }

  json result;
  try {
    if (method == "system.ping") {
      result = {{"pong", true}, {"server_time", format_utc(now_ms())}, {"protocol", kWsProtocolVersion}};
    } else if (method == "session.whoami") {
      result = principal_json(principal);
    } else if (method == "notice.broadcast") {
      if (!auth::roles_have(principal.roles, auth::Permission::notices_broadcast)) {
        throw Error(Errc::forbidden, "this needs the permission notices.broadcast");
      }
      auto text_it = params.find("text");
      if (text_it == params.end() || !text_it->is_string())
        throw Error(Errc::invalid_argument, "text: required string");
      auto level_it = params.find("level");
      std::string level = "info";
      if (level_it != params.end() && !level_it->is_null()) {
        if (!level_it->is_string()) throw Error(Errc::invalid_argument, "level: must be a string");
        level = level_it->get<std::string>();
      }
      auto delivered = co_await broadcast_notice(context_, principal, remote_ip, text_it->get<std::string>(), level);
      result = {{"delivered_to", delivered}};
    } else if (auto handled = co_await acd_rpc(context_, principal, remote_ip, ws_session, method, params)) {
      result = std::move(*handled);
    } else {
      co_return is_notification
          ? std::nullopt
          : std::optional(
                error_reply(id, rpc_error::method_not_found, "unknown method: " + method.substr(0, 64)).dump());
    }
  } catch (const Error& e) {
    if (is_notification) co_return std::nullopt;
    co_return error_reply(id, rpc_code(e.code()), e.what()).dump();
  } catch (const std::exception& e) {
    spdlog::error("event=ws.rpc_error method={} error=\"{}\"", method.substr(0, 64), e.what());
    if (is_notification) co_return std::nullopt;
    co_return error_reply(id, rpc_error::internal_error, "internal error").dump();
  }
  if (is_notification) co_return std::nullopt;
  co_return json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}.dump(-1, ' ', false,
                                                                          json::error_handler_t::replace);
}

}  // namespace hotline::api
