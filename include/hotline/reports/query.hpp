#pragma once
// A family's measures summed over a range of local days, grouped by a time
// bucket and some dimensions, filtered by dimension values: from the
// aggregate tables when they can answer (fast: one indexed scan of hourly or
// daily rows), else from the raw logs through the reference computation.
// Both give the same numbers; the result says which one answered.
#include <map>
#include <string>
#include <vector>

#include "hotline/reports/facts.hpp"
#include "hotline/reports/reference.hpp"
#include "hotline/reports/time.hpp"
#include "hotline/store/database.hpp"

namespace hotline::reports {

enum class Source { automatic, aggregates, raw };
std::optional<Source> source_from(std::string_view name);

struct FactQuery {
  Family family = Family::queue;
  DayRange range;
  Bucket bucket = Bucket::total;
  std::vector<std::string> group;                        // dimensions of the family
  std::map<std::string, std::vector<std::string>> only;  // dimension -> allowed values
  std::vector<std::string> category_prefixes;            // ticket family: the category starts with one of them
  TicketScope scope;                                     // ticket family, raw logs only
  Source source = Source::automatic;
  // The raw logs are read day by day: a long range from them keeps a reader
  // busy for long. 0: no limit; else Error(invalid_argument) beyond it.
  std::int64_t max_raw_days = 0;
};

struct GroupRow {
  BucketKey bucket;
  std::vector<std::string> dims;  // values of FactQuery::group, in its order
  Values values;
};

struct FactResult {
  std::vector<GroupRow> rows;  // by bucket order, then dimension values
  Source source = Source::aggregates;
};

// Error(invalid_argument) when a dimension is not the family's, or when the
// aggregates were asked for and cannot answer (a filter they do not keep).
FactResult query_facts(store::Database& db, const FactQuery& query);

// Whether the aggregates can answer the query (regardless of their readiness).
bool aggregates_can_answer(const FactQuery& query);

}  // namespace hotline::reports
