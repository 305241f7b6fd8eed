#pragma once
// JSON-RPC 2.0 framing for the WebSocket protocol (docs/websocket-protocol.md).
#include <nlohmann/json.hpp>
#include <string>

namespace hotline::api {

inline constexpr const char* kWsProtocolVersion = "hotline-ws/1";

namespace rpc_error {
inline constexpr int parse_error = -32700;
inline constexpr int invalid_request = -32600;
inline constexpr int method_not_found = -32601;
inline constexpr int invalid_params = -32602;
inline constexpr int internal_error = -32603;
inline constexpr int forbidden = -32001;
inline constexpr int conflict = -32002;
inline constexpr int not_found = -32004;
inline constexpr int unavailable = -32005;
}  // namespace rpc_error

}  // namespace hotline::api

#include <boost/asio/awaitable.hpp>
#include <optional>

#include "hotline/auth/sessions.hpp"

namespace hotline::api {
struct ApiContext;

// agent.* and call.* methods (routes_acd.cpp); nullopt when `method` is not one of theirs.
boost::asio::awaitable<std::optional<nlohmann::json>> acd_rpc(ApiContext& ctx, const auth::Principal& who,
                                                               const std::string& remote_ip,
                                                               const std::string& ws_session, const std::string& method,
                                                               const nlohmann::json& params);

// A server-pushed event: {"jsonrpc":"2.0","method":NAME,"params":PARAMS}
std::string rpc_event(const std::string& method, const nlohmann::json& params);

}  // namespace hotline::api
