#pragma once
// What the daemon builds once from its configuration and the key file, and
// hands to the API routes and the scheduler: the personal-data key, the
// calendar and deadline rules, the escalation threshold and the rate limits of
// the citizen endpoints. Immutable after start, except the rate limiters
// (thread-safe).
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "hotline/core/config.hpp"
#include "hotline/tickets/personal_data.hpp"
#include "hotline/tickets/tickets.hpp"

namespace hotline::tickets {

class Scheduler;

// At most `limit` events per key (a client address) in each fixed window.
class RateLimiter {
 public:
  RateLimiter(unsigned limit, std::int64_t window_ms) : limit_(limit), window_ms_(window_ms) {}
  // Counts one event; false when the key is over its limit in this window.
  bool allow(const std::string& key, std::int64_t now_ms);

 private:
  struct Window {
    std::int64_t start = 0;
    unsigned count = 0;
  };
  unsigned limit_;
  std::int64_t window_ms_;
  std::mutex mutex_;
  std::unordered_map<std::string, Window> windows_;
};

// The calendar, deadline policy and categories from the `tickets` config section.
// Throws Error(invalid_argument) for a day that is both a holiday and a make-up day.
TicketRules rules_from(const TicketsConfig& config);

struct Services {
  Services(const TicketsConfig& config, const std::string& master_key);  // key id 1
  Services(const TicketsConfig& config, const MasterKey& master_key);

  const TicketsConfig& config;
  PersonalDataKey key;
  TicketRules rules;
  double yellow_fraction = 0.8;
  RateLimiter citizen_lookups;
  RateLimiter mailbox_messages;
  Scheduler* scheduler = nullptr;  // set by the daemon; poked when a reminder is added
};

}  // namespace hotline::tickets
