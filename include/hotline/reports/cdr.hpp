#pragma once
// The call-record export for accounting (话单): every call of a range of
// local days, with its billable time, and the totals.
#include <cstdint>
#include <string>

#include "hotline/reports/table.hpp"
#include "hotline/reports/time.hpp"
#include "hotline/store/database.hpp"

namespace hotline::reports {

struct CdrParams {
  DayRange range;
  std::string direction;  // inbound | outbound | internal | "" (all)
  std::int64_t max_rows = 500'000;
};

// Rows in start order. Billable seconds: the talk time rounded up to the
// second; billable minutes: rounded up to the minute (运营商计费方式), 0 when
// unanswered. Error(too_large) when the range holds more than max_rows calls.
Table cdr_table(store::Database& db, const CdrParams& params);

std::string direction_of(const std::string& source, const std::string& route);

}  // namespace hotline::reports
