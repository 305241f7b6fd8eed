#pragma once
// Supervisor notices (班长通知): a short text pushed to every open console.
#include <boost/asio/awaitable.hpp>
#include <string>

#include "hotline/api/api.hpp"

namespace hotline::api {

// Validates, audits, and broadcasts as the `system.notice` event. Returns the
// number of connections it was queued to.
boost::asio::awaitable<std::size_t> broadcast_notice(ApiContext& context, const auth::Principal& from,
                                                     const std::string& remote_ip, const std::string& text,
                                                     const std::string& level);

}  // namespace hotline::api
