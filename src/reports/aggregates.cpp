#include "hotline/reports/aggregates.hpp"

#include <algorithm>
#include <optional>

#include "hotline/core/clock.hpp"
#include "hotline/reports/reference.hpp"

namespace hotline::reports {
namespace {

std::string time_label(Level level, std::int64_t time) {
  if (level == Level::daily) return day_label(time);
  if (level == Level::monthly) return bucket_of_day(Bucket::month, first_day_of_month(time)).label;
  return bucket_of_hour(Bucket::hour, time).label;
}

std::string select_all(const TableRef& t) {
  const std::string time(t.time_column());
  std::string sql = "SELECT " + time;
  for (auto d : t.dims()) sql.append(", ").append(d);
  for (auto m : spec(t.family).measures) sql.append(", ").append(m);
  return sql + " FROM " + t.name() + " WHERE " + time + " >= ? AND " + time + " < ?";
}

// The key range [from, to) of a level's rows for some days.
std::pair<std::int64_t, std::int64_t> keys_of(Level level, const DayRange& days) {
  switch (level) {
    case Level::hourly:
      return {days.first_hour(), days.end_hour()};
    case Level::daily:
      return {days.first, days.last + 1};
    case Level::monthly:
      break;
  }
  return {month_of_day(days.first), month_of_day(days.last) + 1};
}

// The first and last local day with raw rows or aggregate rows (nullopt: none).
std::optional<DayRange> span_of(store::Database& db) {
  std::optional<std::int64_t> first, last;
  auto widen_days = [&](std::int64_t lo, std::int64_t hi) {
    first = first ? std::min(*first, lo) : lo;
    last = last ? std::max(*last, hi) : hi;
  };
  for (const char* sql : {"SELECT MIN(at), MAX(at) FROM acd_queue_events", "SELECT MIN(at), MAX(at) FROM acd_agent_events",
                          "SELECT MIN(at), MAX(at) FROM ticket_history",
                          "SELECT MIN(answered_at), MAX(answered_at) FROM survey_answers",
                          "SELECT MIN(started_at), MAX(started_at) FROM calls"}) {
    auto& s = db.prepare(sql);
    if (s.step() && !s.is_null(0)) widen_days(day_of(s.int64(0)), day_of(s.int64(1)));
    s.run();
  }
  for (Family f : kAllFamilies) {
    for (const auto& t : tables_of(f)) {
      auto& s = db.prepare("SELECT MIN(" + std::string(t.time_column()) + "), MAX(" + std::string(t.time_column()) +
                           ") FROM " + t.name());
      if (s.step() && !s.is_null(0)) {
        std::int64_t lo = s.int64(0), hi = s.int64(1);
        if (t.level == Level::hourly) widen_days(day_of_hour(lo), day_of_hour(hi));
        if (t.level == Level::daily) widen_days(lo, hi);
        if (t.level == Level::monthly) widen_days(first_day_of_month(lo), first_day_of_month(hi));
      }
      s.run();
    }
  }
  if (!first) return std::nullopt;
  return DayRange{*first, *last};
}

void write_rows(store::Database& db, const Facts& facts) {
  const auto& s = facts.spec();
  const auto& t = facts.shape();
  const auto dims = t.dims();
  std::string sql = "INSERT INTO " + t.name() + " (" + std::string(t.time_column());
  std::string marks = "?";
  for (auto d : dims) {
    sql.append(", ").append(d);
    marks += ", ?";
  }
  for (auto m : s.measures) {
    sql.append(", ").append(m);
    marks += ", ?";
  }
  sql += ") VALUES (" + marks + ")";
  for (const auto& [key, values] : facts.rows()) {
    if (all_zero(values)) continue;
    auto& st = db.prepare(sql);
    int i = 0;
    st.bind(++i, key.time);
    for (std::size_t d = 0; d < key.dims.size(); ++d) {
      if (dims[d] == "department") {
        st.bind(++i, static_cast<std::int64_t>(std::stoll(key.dims[d])));
      } else {
        st.bind(++i, key.dims[d]);
      }
    }
    for (auto v : values) st.bind(++i, v);
    st.run();
  }
}

// Replaces the rows of some tables for some days (or a month) by the expected ones.
void replace_rows(store::Database& db, const DayRange& days, const std::vector<Facts>& expected) {
  store::in_transaction(db, [&] {
    for (const auto& facts : expected) {
      const auto& t = facts.shape();
      auto [from, to] = keys_of(t.level, days);
      const std::string time(t.time_column());
      db.query("DELETE FROM " + t.name() + " WHERE " + time + " >= ? AND " + time + " < ?", from, to).run();
      write_rows(db, facts);
    }
  });
}

// Compares expected facts with their table's rows; counts and reports differences.
std::int64_t compare_table(store::Database& db, const Facts& expected, const DayRange& days, CheckResult& result,
                           const CheckOptions& options) {
  auto [from, to] = keys_of(expected.level(), days);
  auto actual = read_table(db, expected.shape(), from, to);
  result.rows += static_cast<std::int64_t>(actual.rows().size());
  std::int64_t found = 0;
  for (const auto& d : compare(expected, actual)) {
    ++found;
    if (options.on_difference) options.on_difference(d);
  }
  return found;
}

// Every table of the families at some levels, from facts with every dimension.
std::vector<Facts> tables_from(const std::vector<Facts>& every_dimension, std::initializer_list<Level> levels) {
  std::vector<Facts> out;
  for (const auto& facts : every_dimension) {
    for (const auto& t : tables_of(facts.family())) {
      if (std::find(levels.begin(), levels.end(), t.level) != levels.end()) out.push_back(facts.project(t));
    }
  }
  return out;
}

// One local month: each day's hourly and daily rows, then the month's rows.
void check_month(store::Database& db, std::int64_t month, const DayRange& span, CheckResult& result,
                 const CheckOptions& options) {
  const DayRange whole{first_day_of_month(month), first_day_of_month(month + 1) - 1};
  std::vector<Facts> monthly;  // every dimension, summed over the month
  for (Family f : kAllFamilies) monthly.emplace_back(f, Level::monthly);
  for (std::int64_t day = whole.first; day <= whole.last; ++day) {
    const DayRange one{day, day};
    auto agents = reference_agents(db, one);
    std::vector<Facts> hourly;  // every dimension, per family
    for (Family f : kAllFamilies) {
      hourly.push_back(f == Family::agent    ? std::move(agents.agent)
                       : f == Family::reason ? std::move(agents.reason)
                                             : reference_facts(db, f, one));
    }
    for (std::size_t i = 0; i < hourly.size(); ++i) {
      monthly[i].merge(hourly[i].project(TableRef{hourly[i].family(), Level::monthly, TableRef::kEveryDimension}));
    }
    auto expected = tables_from(hourly, {Level::hourly, Level::daily});
    std::int64_t found = 0;
    for (const auto& e : expected) found += compare_table(db, e, one, result, options);
    result.differences += found;
    if (found > 0 && options.repair) {
      replace_rows(db, one, expected);
      ++result.days_repaired;
    }
    ++result.days;
    if (options.on_day) options.on_day(day, day - span.first + 1, span.days());
  }
  auto expected = tables_from(monthly, {Level::monthly});
  std::int64_t found = 0;
  for (const auto& e : expected) found += compare_table(db, e, whole, result, options);
  result.differences += found;
  if (found > 0 && options.repair) {
    replace_rows(db, whole, expected);
    ++result.months_repaired;
  }
}

}  // namespace

Facts read_table(store::Database& db, const TableRef& table, std::int64_t from, std::int64_t to) {
  Facts out(table);
  const auto& s = out.spec();
  const std::size_t dims = table.dims().size();
  auto& st = db.query(select_all(table), from, to);
  while (st.step()) {
    FactKey key{st.int64(0), {}};
    for (std::size_t d = 0; d < dims; ++d) key.dims.push_back(st.text(static_cast<int>(1 + d)));
    Values v(s.measures.size());
    for (std::size_t m = 0; m < v.size(); ++m) v[m] = st.int64(static_cast<int>(1 + dims + m));
    out.add(key, v);
  }
  return out;
}

Facts read_table(store::Database& db, Family family, Level level, std::int64_t from, std::int64_t to) {
  return read_table(db, TableRef{family, level, TableRef::kBase}, from, to);
}

std::string Difference::describe() const {
  // Appended piece by piece: GCC 12 at -O3 warns falsely (-Wrestrict) on a chain of operator+.
  std::string out = table.name();
  out.append(" ").append(time_label(table.level, time));
  const auto names = table.dims();
  for (std::size_t d = 0; d < dims.size() && d < names.size(); ++d) {
    out.append(" ").append(names[d]).append("=").append(dims[d]);
  }
  out.append(" ").append(measure).append(": table ").append(std::to_string(table_value));
  return out.append(", raw logs ").append(std::to_string(raw_value));
}

std::vector<Difference> compare(const Facts& expected, const Facts& actual) {
  std::vector<Difference> out;
  const auto& s = expected.spec();
  const Values zeros(s.measures.size(), 0);
  auto diff_row = [&](const FactKey& key, const Values& want, const Values& have) {
    for (std::size_t m = 0; m < want.size(); ++m) {
      if (want[m] != have[m]) {
        out.push_back({expected.shape(), key.time, key.dims, std::string(s.measures[m]), have[m], want[m]});
      }
    }
  };
  auto e = expected.rows().begin(), a = actual.rows().begin();
  while (e != expected.rows().end() || a != actual.rows().end()) {
    if (a == actual.rows().end() || (e != expected.rows().end() && e->first < a->first)) {
      diff_row(e->first, e->second, zeros);
      ++e;
    } else if (e == expected.rows().end() || a->first < e->first) {
      diff_row(a->first, zeros, a->second);
      ++a;
    } else {
      diff_row(e->first, e->second, a->second);
      ++e;
      ++a;
    }
  }
  return out;
}

CheckResult check_days(store::Database& db, const DayRange& days, const CheckOptions& options) {
  CheckResult result;
  // Whole months: a month's rows need every one of its days.
  const DayRange span{first_day_of_month(month_of_day(days.first)), first_day_of_month(month_of_day(days.last) + 1) - 1};
  for (std::int64_t m = month_of_day(span.first); m <= month_of_day(span.last); ++m) {
    check_month(db, m, span, result, options);
  }
  return result;
}

CheckResult check_aggregates(store::Database& db, const CheckOptions& options) {
  auto run = [&] {
    auto span = span_of(db);
    return span ? check_days(db, *span, options) : CheckResult{};
  };
  CheckResult result;
  if (options.repair) {
    result = run();
    db.query("DELETE FROM report_state WHERE key = 'rebuild_needed'").run();
    db.query(
          "INSERT INTO report_state (key, value, updated_at) VALUES ('rebuilt_at', ?, ?) "
          "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
          std::to_string(now_ms()), now_ms())
        .run();
  } else {
    db.exec("BEGIN");  // one snapshot: the daemon may be writing meanwhile
    try {
      result = run();
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
    db.exec("COMMIT");
  }
  return result;
}

bool aggregates_ready(store::Database& db) {
  auto& s = db.prepare("SELECT 1 FROM report_state WHERE key = 'rebuild_needed'");
  bool needed = s.step();
  s.run();
  return !needed;
}

}  // namespace hotline::reports
