#pragma once
// Appending one audit row from a route, when nothing else is written with it.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "hotline/api/api.hpp"
#include "hotline/auth/audit.hpp"

namespace hotline::api {

inline boost::asio::awaitable<void> record_audit(ApiContext& context, auth::AuditEntry entry) {
  auto append = [entry = std::move(entry)](store::Database& db) { auth::append_audit(db, entry); };
  co_await context.store.write(std::move(append), boost::asio::use_awaitable);
}

}  // namespace hotline::api
