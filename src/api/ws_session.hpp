#pragma once
// Hand-off from an HTTP connection to a WebSocket session (src/api/ws_session.cpp).
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "hotline/api/api.hpp"

namespace hotline::api {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

void start_websocket(boost::beast::tcp_stream stream, UpgradeRequest request, Api& api, auth::Principal principal,
                     std::string remote_ip);
void start_websocket(boost::beast::ssl_stream<boost::beast::tcp_stream> stream, UpgradeRequest request, Api& api,
                     auth::Principal principal, std::string remote_ip);

}  // namespace hotline::api
