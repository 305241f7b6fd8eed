// Reports benchmark (issue 9): a Beijing-scale center written into SQLite
// through the triggers of migration 0014, then every standard report timed
// over a month and over a year, from the aggregates and from the raw logs.
//
// Scale (DOMAIN.md): 11.0 M calls a year (30,137 a day), 750 seats worked by
// 1,700 operators, 3 M tickets a year (8,219 a day). Writing a whole year of
// raw logs (~90 M rows through the triggers) would take hours on this shared
// 2-core machine, so the program writes WEEKS weeks (default 4) of raw logs
// at full daily scale, then fills the rest of the year's aggregate rows by
// copying those weeks' aggregate rows week-aligned (13 × 4 weeks = 364 days):
// the year's aggregate tables have the size a real year gives them, the raw
// logs hold the 4 weeks. Year figures from the raw logs are projected from
// the 4-week figures (the raw path reads day by day, linear in days).
//
// usage: reports_bench DIR [WEEKS] [CALLS_PER_DAY] [TICKETS_PER_DAY]
// When DIR/reports.db already holds the generated weeks (a kept earlier run),
// the generation, the trigger-cost measure and the check are skipped.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "hotline/reports/aggregates.hpp"
#include "hotline/reports/insights.hpp"
#include "hotline/reports/report.hpp"
#include "hotline/store/database.hpp"
#include "hotline/store/migrations.hpp"
#include "hotline/tickets/lifecycle.hpp"
#include "hotline/tickets/tickets.hpp"

using namespace hotline;
using namespace hotline::reports;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Calls per local hour (Beijing-like: a morning and an afternoon peak, quiet nights).
constexpr double kProfile[24] = {0.8, 0.5, 0.4, 0.3, 0.3, 0.5, 1.2, 3.0, 6.5, 8.5, 8.8, 8.0,
                                 5.5, 6.5, 7.8, 7.8, 7.2, 6.0, 4.5, 4.0, 3.5, 2.8, 1.9, 1.2};
constexpr int kOperators = 1700;
constexpr int kSeats = 750;
constexpr int kDepartments = 300;
const char* const kQueues[] = {"human", "complaints", "enterprise", "english"};
constexpr double kQueueShare[] = {0.78, 0.15, 0.05, 0.02};

struct Row {
  Ms at;
  std::uint64_t seq;
  int table;  // 0 queue event, 1 agent event, 2 call record
  std::string a, b, c, d, e;
  Ms x = 0, y = 0, z = 0;
};

// 20 domains of 15 categories: 300 categories, each with a default department (派单目录).
tickets::CategoryTree bench_categories(std::vector<std::string>* leaves = nullptr) {
  std::vector<tickets::Category> cats;
  for (int d = 1; d <= 20; ++d) {
    char code[8];
    std::snprintf(code, sizeof code, "%02d", d);
    cats.push_back({code, "领域" + std::to_string(d), std::nullopt});
    for (int c = 1; c <= 15; ++c) {
      char sub[8];
      std::snprintf(sub, sizeof sub, "%02d%02d", d, c);
      cats.push_back({sub, "类别" + std::string(sub), std::string(code)});
      if (leaves) leaves->push_back(sub);
    }
  }
  return tickets::CategoryTree(cats);
}

class Generator {
 public:
  Generator(store::Database& db, std::int64_t first_day, int calls_per_day, int tickets_per_day)
      : db_(db),
        first_day_(first_day),
        calls_per_day_(calls_per_day),
        tickets_per_day_(tickets_per_day),
        key_(std::string(32, '\x42')) {
    rules_.categories = bench_categories(&categories_);
    store::in_transaction(db_, [&] {
      for (int i = 0; i < kDepartments; ++i) {
        db_.query("INSERT INTO departments (code, name, created_at) VALUES (?, ?, 0)", "d" + std::to_string(i),
                  "部门" + std::to_string(i))
            .run();
      }
      for (int i = 0; i < kOperators; ++i) {
        db_.query(
               "INSERT INTO users (job_number, display_name, password_hash, password_changed_at, created_at, "
               "updated_at) VALUES (?, ?, 'x', 0, 0, 0)",
               agent_name(i), "话务员" + std::to_string(i))
            .run();
      }
    });
    free_at_.assign(kOperators, 0);
    last_at_.assign(kOperators, 0);
    state_.assign(kOperators, "logged_out");
  }

  static std::string agent_name(int i) { return std::to_string(10000 + i); }

  // One local day of calls, agent states, call records and tickets.
  std::int64_t day(int index) {
    const std::int64_t day = first_day_ + index;
    std::vector<Row> rows;
    double total = 0;
    for (double p : kProfile) total += p;
    for (int h = 0; h < 24; ++h) {
      const Ms start = day_start(day) + h * kHourMs;
      const int callers = static_cast<int>(std::lround(calls_per_day_ * kProfile[h] / total));
      // Seats working this hour: enough for the load at ~85 % occupancy; a shift is a
      // block of operators that changes every 8 hours and every day.
      const int seats = std::min(kSeats, std::max(5, static_cast<int>(callers * 200.0 / 3600 / 0.85) + 1));
      const int shift = static_cast<int>((day * 3 + h / 8) * 577 % kOperators);
      std::vector<int> on;
      std::vector<char> working_now(kOperators, 0);
      for (int s = 0; s < seats; ++s) {
        on.push_back((shift + s) % kOperators);
        working_now[static_cast<std::size_t>(on.back())] = 1;
      }
      // Agents who leave log out; agents who come log in.
      for (int a = 0; a < kOperators; ++a) {
        bool working = working_now[static_cast<std::size_t>(a)] != 0;
        if (!working && state_[a] != "logged_out") agent(rows, std::max(free_at_[a], start), a, "logged_out", "logout");
        if (working && state_[a] == "logged_out") {
          agent(rows, start, a, "not_ready", "login");
          agent(rows, start + 30000, a, "ready", "");
          free_at_[a] = start + 30000;
        }
      }
      std::vector<Ms> enters;
      for (int i = 0; i < callers; ++i) enters.push_back(start + pick(0, kHourMs - 1));
      std::sort(enters.begin(), enters.end());
      for (int i = 0; i < callers; ++i) {
        const Ms enter = enters[static_cast<std::size_t>(i)];
        const std::string call = "c" + std::to_string(day) + "-" + std::to_string(h) + "-" + std::to_string(i);
        const double u = real();
        const std::string queue = u < kQueueShare[0]                    ? kQueues[0]
                                  : u < kQueueShare[0] + kQueueShare[1] ? kQueues[1]
                                  : u < 1 - kQueueShare[3]              ? kQueues[2]
                                                                        : kQueues[3];
        queue_event(rows, enter, "enter", queue, call);
        const double fate = real();
        if (fate < 0.08) {  // abandoned
          Ms wait = pick(1000, 120000);
          queue_event(rows, enter + wait, "abandon", queue, call, "", wait);
          continue;
        }
        if (fate < 0.09) {  // overflowed to voicemail
          queue_event(rows, enter + 180000, "overflow", queue, call, "", 180000, 0, 0, "voicemail");
          continue;
        }
        // The agent free soonest among those on shift.
        int best = on[static_cast<std::size_t>(pick(0, static_cast<Ms>(on.size()) - 1))];
        for (int k = 0; k < 6; ++k) {
          int other = on[static_cast<std::size_t>(pick(0, static_cast<Ms>(on.size()) - 1))];
          if (free_at_[other] < free_at_[best]) best = other;
        }
        const std::string who = agent_name(best);
        Ms ring = std::max(enter + 2000, free_at_[best]);
        Ms wait = ring + 5000 - enter;
        if (wait > 600000) {  // nobody for ten minutes: abandon
          queue_event(rows, enter + 600000, "abandon", queue, call, "", 600000);
          continue;
        }
        queue_event(rows, ring, "offer", queue, call, who);
        agent(rows, ring, best, "ringing", "offer", call, queue);
        queue_event(rows, ring + 5000, "connect", queue, call, who, wait);
        agent(rows, ring + 5000, best, "on_call", "answered", call, queue);
        Ms talk = static_cast<Ms>(-std::log(1 - real() * 0.999) * 150000) + 20000;
        Ms hold = real() < 0.2 ? pick(5000, 60000) : 0;
        Ms end = ring + 5000 + talk + hold;
        std::string detail = real() < 0.05 ? "transfer:department" : real() < 0.5 ? "citizen" : "agent";
        queue_event(rows, end, "complete", queue, call, who, 0, talk, hold, detail);
        agent(rows, end, best, "wrap_up", "ended", call, queue);
        Ms wrap = pick(10000, 40000);
        agent(rows, end + wrap, best, "ready", "wrap_up_done");
        free_at_[best] = end + wrap + pick(0, 20000);
        if (real() < 0.04) {  // a break
          static const char* kReasons[] = {"break", "meal", "training", "临时闭席"};
          agent(rows, free_at_[best], best, "not_ready", kReasons[pick(0, 3)]);
          free_at_[best] += pick(300000, 1200000);
          agent(rows, free_at_[best], best, "ready", "");
        }
        call_record(rows, call, enter - 20000, ring + 5000, end);
      }
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.at != b.at ? a.at < b.at : a.seq < b.seq; });
    store::in_transaction(db_, [&] {
      for (const auto& r : rows) write(r);
    });
    std::int64_t written = static_cast<std::int64_t>(rows.size());
    store::in_transaction(db_, [&] { written += file_tickets(day); });
    return written;
  }

 private:
  Ms pick(Ms lo, Ms hi) { return std::uniform_int_distribution<Ms>(lo, hi)(rng_); }
  double real() { return std::uniform_real_distribution<double>(0, 1)(rng_); }

  void queue_event(std::vector<Row>& rows, Ms at, const char* kind, const std::string& queue, const std::string& call,
                   const std::string& agent = "", Ms wait = 0, Ms talk = 0, Ms hold = 0,
                   const std::string& detail = "") {
    rows.push_back({at, seq_++, 0, kind, queue, call, agent, detail, wait, talk, hold});
  }
  // Events of one agent never go back in time.
  void agent(std::vector<Row>& rows, Ms at, int a, const std::string& to, const std::string& reason,
             const std::string& call = "", const std::string& queue = "") {
    auto i = static_cast<std::size_t>(a);
    at = std::max(at, last_at_[i]);
    last_at_[i] = at;
    rows.push_back({at, seq_++, 1, agent_name(a), state_[i], to, reason, call + "|" + queue});
    state_[i] = to;
  }
  void call_record(std::vector<Row>& rows, const std::string& call, Ms start, Ms answered, Ms end) {
    rows.push_back({start, seq_++, 2, call, "", "", "", "", answered, end, 0});
  }

  void write(const Row& r) {
    if (r.table == 0) {
      db_.query(
             "INSERT INTO acd_queue_events (at, kind, queue, call, agent, wait_ms, talk_ms, hold_ms, detail) VALUES "
             "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
             r.at, r.a, r.b, r.c, r.d, r.x, r.y, r.z, r.e)
          .run();
    } else if (r.table == 1) {
      auto bar = r.e.find('|');
      db_.query(
             "INSERT INTO acd_agent_events (at, agent, from_state, to_state, reason, call, queue) VALUES (?, ?, ?, "
             "?, ?, ?, ?)",
             r.at, r.a, r.b, r.c, r.d, r.e.substr(0, bar), r.e.substr(bar + 1))
          .run();
    } else {
      db_.query(
             "INSERT INTO calls (uuid, caller, dialled, source, route, started_at, answered_at, ended_at, "
             "duration_ms, talk_ms, status, hangup_cause, hangup_side) VALUES (?, '13800000000', '12345', "
             "'trunk:carrier', 'ivr:12345', ?, ?, ?, ?, ?, 200, 'normal', 'caller')",
             r.a, r.at, r.x, r.y, r.y - r.at, r.y - r.x)
          .run();
    }
  }

  // The day's tickets through the tickets library: created by the agents, most
  // consultations closed on the spot, the rest dispatched and handled over the
  // next days (a few late, returned, sent back, reopened).
  std::int64_t file_tickets(std::int64_t day) {
    std::int64_t rows = 0;
    static const tickets::TicketType kTypes[] = {tickets::TicketType::consultation, tickets::TicketType::consultation,
                                                 tickets::TicketType::consultation, tickets::TicketType::help,
                                                 tickets::TicketType::help,         tickets::TicketType::complaint,
                                                 tickets::TicketType::report,       tickets::TicketType::suggestion};
    for (int i = 0; i < tickets_per_day_; ++i) {
      tickets::NewTicket n;
      n.type = kTypes[pick(0, 7)];
      n.channel = real() < 0.85 ? tickets::Channel::phone : static_cast<tickets::Channel>(pick(1, 6));
      const auto c = static_cast<std::size_t>(std::min<Ms>(
          static_cast<Ms>(categories_.size()) - 1, static_cast<Ms>(std::pow(real(), 2.0) * categories_.size())));
      n.category_code = categories_[c];
      n.summary = "诉求" + std::to_string(i);
      n.location = "北京市区" + std::to_string(pick(1, 16)) + "区街道" + std::to_string(pick(1, 300));
      Ms at = day_start(day) + pick(7 * kHourMs, 22 * kHourMs);
      tickets::Actor actor{static_cast<std::int64_t>(pick(1, kOperators)), ""};
      auto t = tickets::create_ticket(db_, key_, rules_, n, actor, at);
      ++rows;
      auto act = [&](tickets::Action a, Ms when, tickets::ActionArgs args = {}) {
        args.now = when;
        args.reason = "原因";
        if (!args.reply) args.reply = "已办理";
        t = tickets::apply_action(db_, t.id, t.version, a, actor, args);
        ++rows;
      };
      if (n.type == tickets::TicketType::consultation && real() < 0.85) {
        act(tickets::Action::close_on_spot, at + 60000);
        continue;
      }
      tickets::ActionArgs to;
      to.lead_department_id = 1 + static_cast<std::int64_t>((c * 7 + (real() < 0.2 ? 1 : 0)) % kDepartments);
      act(tickets::Action::dispatch, at + pick(60000, 3600000), to);
      if (real() < 0.05) {
        act(tickets::Action::return_to_hotline, at + 2 * kHourMs);
        to.lead_department_id = 1 + pick(0, kDepartments - 1);
        act(tickets::Action::redispatch, at + 3 * kHourMs, to);
      }
      Ms sign = real() < 0.9 ? *t.sign_due - pick(kHourMs, 20 * kHourMs) : *t.sign_due + pick(kHourMs, 48 * kHourMs);
      act(tickets::Action::sign, std::max(sign, at + 4 * kHourMs));
      Ms reply =
          real() < 0.92 ? *t.reply_due - pick(kHourMs, 48 * kHourMs) : *t.reply_due + pick(kHourMs, 96 * kHourMs);
      reply = std::max(reply, at + 5 * kHourMs);
      act(tickets::Action::reply, reply);
      if (real() < 0.04) {
        act(tickets::Action::send_back, reply + kHourMs);
        act(tickets::Action::reply, reply + 2 * kHourMs);
      }
      act(tickets::Action::accept_reply, reply + 3 * kHourMs);
      tickets::ActionArgs rated;
      double s = real();
      rated.satisfaction = s < 0.85   ? tickets::Satisfaction::satisfied
                           : s < 0.96 ? tickets::Satisfaction::basically_satisfied
                                      : tickets::Satisfaction::unsatisfied;
      act(tickets::Action::record_callback, reply + 20 * kHourMs, rated);
      act(tickets::Action::close, reply + 22 * kHourMs);
    }
    return rows;
  }

  store::Database& db_;
  std::int64_t first_day_;
  int calls_per_day_, tickets_per_day_;
  tickets::PersonalDataKey key_;
  tickets::TicketRules rules_;
  std::vector<std::string> categories_;
  std::vector<Ms> free_at_, last_at_;
  std::vector<std::string> state_;
  std::mt19937_64 rng_{2026};
  std::uint64_t seq_ = 0;
};

// The rest of the year's aggregate rows: the generated weeks' rows copied
// forward week-aligned (hourly and daily), the monthly rows summed from the days.
void fill_year(store::Database& db, std::int64_t first_day, int weeks) {
  const std::int64_t span_days = 7LL * weeks;
  const int copies = static_cast<int>(364 / span_days) - 1;
  store::in_transaction(db, [&] {
    for (Family f : kAllFamilies) {
      const auto& s = spec(f);
      for (const auto& table : tables_of(f)) {
        std::string cols;
        for (auto d : table.dims()) cols += ", " + std::string(d);
        for (auto m : s.measures) cols += ", " + std::string(m);
        const std::string t(table.time_column());
        if (table.level == Level::monthly) {
          // Summed from the same table's days.
          const TableRef days{f, Level::daily, table.rollup};
          std::string dims, sums;
          for (auto d : table.dims()) dims += ", " + std::string(d);
          for (std::size_t m = 0; m < s.measures.size(); ++m) {
            sums += std::string(s.is_max[m] ? ", MAX(" : ", SUM(") + std::string(s.measures[m]) + ")";
          }
          const std::string month =
              "CAST(strftime('%Y', day * 86400, 'unixepoch') AS INTEGER) * 12 + "
              "CAST(strftime('%m', day * 86400, 'unixepoch') AS INTEGER) - 1";
          db.exec("DELETE FROM " + table.name());
          db.exec("INSERT INTO " + table.name() + " (month" + cols + ") SELECT " + month + dims + sums + " FROM " +
                  days.name() + " GROUP BY 1" + dims);
          continue;
        }
        const std::int64_t lo = table.level == Level::hourly ? first_hour_of_day(first_day) : first_day;
        const std::int64_t per = table.level == Level::hourly ? span_days * 24 : span_days;
        // Tickets generated near the end were handled after it: those rows give way to the copies.
        db.query("DELETE FROM " + table.name() + " WHERE " + t + " >= ?", lo + per).run();
        for (int k = 1; k <= copies; ++k) {
          db.query("INSERT INTO " + table.name() + " (" + t + cols + ") SELECT " + t + " + ?" + cols + " FROM " +
                       table.name() + " WHERE " + t + " >= ? AND " + t + " < ?",
                   per * k, lo, lo + per)
              .run();
        }
      }
    }
  });
}

std::int64_t count(store::Database& db, const std::string& table) {
  auto& s = db.prepare("SELECT COUNT(*) FROM " + table);
  s.step();
  auto n = s.int64(0);
  s.run();
  return n;
}

// Median of 3 runs, in ms.
double time_ms(const std::function<void()>& fn, int runs = 3) {
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    fn();
    t.push_back(seconds_since(start) * 1000);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The cost of the triggers: 500,000 queue events and 500,000 agent events of
// the generated database written again, in one transaction, into a fresh
// database with the triggers and into one without them.
void measure_triggers(const std::filesystem::path& dir) {
  for (const char* name : {"bare.db", "with-acd_queue_events.db", "with-acd_agent_events.db"}) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(dir / (std::string(name) + suffix));
  }
  {
    store::Database bare(dir / "bare.db", store::OpenMode::read_write_create, 60000);
    bare.exec("PRAGMA journal_mode = WAL");
    bare.exec("PRAGMA synchronous = NORMAL");
    store::migrate(bare);
    auto& t = bare.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'report_%'");
    std::vector<std::string> triggers;
    while (t.step()) triggers.push_back(t.text(0));
    for (const auto& name : triggers) bare.exec("DROP TRIGGER " + name);
    bare.exec("ATTACH DATABASE '" + (dir / "reports.db").string() + "' AS src");
    auto copy = [&](const char* table, const char* columns) {
      auto t0 = Clock::now();
      bare.exec(std::string("INSERT INTO main.") + table + " (" + columns + ") SELECT " + columns + " FROM src." +
                table + " WHERE id <= 500000");
      return seconds_since(t0);
    };
    auto with = [&](const char* table, const char* columns) {
      const auto file = dir / (std::string("with-") + table + ".db");
      store::Database again(file, store::OpenMode::read_write_create, 60000);
      again.exec("PRAGMA journal_mode = WAL");
      again.exec("PRAGMA synchronous = NORMAL");
      store::migrate(again);
      again.exec("ATTACH DATABASE '" + (dir / "reports.db").string() + "' AS src");
      auto t0 = Clock::now();
      again.exec(std::string("INSERT INTO main.") + table + " (" + columns + ") SELECT " + columns + " FROM src." +
                 table + " WHERE id <= 500000 ORDER BY id");
      return seconds_since(t0);
    };
    const char* qcols = "at, kind, queue, call, agent, priority, position, wait_ms, talk_ms, hold_ms, detail";
    const char* acols = "at, agent, from_state, to_state, reason, call, queue, device";
    double q0 = copy("acd_queue_events", qcols), a0 = copy("acd_agent_events", acols);
    double q1 = with("acd_queue_events", qcols);
    double a1 = with("acd_agent_events", acols);
    std::printf(
        "trigger cost per row (500,000 rows, one transaction): queue events %.1f µs (%.1f without), agent "
        "events %.1f µs (%.1f without)\n",
        q1 / 0.5, q0 / 0.5, a1 / 0.5, a0 / 0.5);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: reports_bench DIR [WEEKS] [CALLS_PER_DAY] [TICKETS_PER_DAY]\n");
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress lines as they come, also through a pipe
  const std::filesystem::path dir = argv[1];
  const bool reuse = std::filesystem::exists(dir / "reports.db");
  const int weeks = argc > 2 ? std::atoi(argv[2]) : 4;
  const int calls_per_day = argc > 3 ? std::atoi(argv[3]) : 30137;
  const int tickets_per_day = argc > 4 ? std::atoi(argv[4]) : 8219;
  store::Database db(dir / "reports.db", store::OpenMode::read_write_create, 60000);
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA cache_size = -262144");  // 256 MB
  store::migrate(db);

  // 2025-01-06 is a Monday: 52 weeks of the year from it.
  const std::int64_t first = parse_local_day("2025-01-06", "first");
  auto start = Clock::now();
  if (reuse) {
    std::printf("reusing the generated weeks in %s (%lld queue events, %lld tickets)\n", (dir / "reports.db").c_str(),
                static_cast<long long>(count(db, "acd_queue_events")), static_cast<long long>(count(db, "tickets")));
  } else {
    Generator gen(db, first, calls_per_day, tickets_per_day);
    std::printf("generate: %d weeks at %d calls and %d tickets a day, %d operators, %d seats\n", weeks, calls_per_day,
                tickets_per_day, kOperators, kSeats);
    std::int64_t rows = 0;
    for (int d = 0; d < 7 * weeks; ++d) {
      rows += gen.day(d);
      if ((d + 1) % 7 == 0) {
        std::printf("  week %d: %lld rows in %.0f s (%.0f rows/s with the triggers)\n", (d + 1) / 7,
                    static_cast<long long>(rows), seconds_since(start), rows / seconds_since(start));
        std::fflush(stdout);
      }
    }
    const double generate_s = seconds_since(start);
    std::printf(
        "raw rows: %lld in %.0f s: %.0f rows/s; queue events %lld, agent events %lld, ticket history %lld, "
        "tickets %lld, calls %lld\n",
        static_cast<long long>(rows), generate_s, rows / generate_s,
        static_cast<long long>(count(db, "acd_queue_events")), static_cast<long long>(count(db, "acd_agent_events")),
        static_cast<long long>(count(db, "ticket_history")), static_cast<long long>(count(db, "tickets")),
        static_cast<long long>(count(db, "calls")));

    measure_triggers(dir);
    std::printf("check: the generated aggregates against the raw logs...\n");
    start = Clock::now();
    auto check = check_days(db, DayRange{first, first + 7LL * weeks - 1}, {});
    std::printf("  %lld days compared, %lld differences, %.0f s\n", static_cast<long long>(check.days),
                static_cast<long long>(check.differences), seconds_since(start));
  }

  // ONLY=text times only the reports whose name contains it; FILLED=1 skips
  // filling the year again (a database kept from a run that did it).
  if (reuse && std::getenv("TRIGGERS")) measure_triggers(dir);
  // REBUILD=1: rewrite the generated weeks' aggregates from the raw logs first
  // (what `hotlined rebuild-aggregates` does), timed.
  if (std::getenv("REBUILD")) {
    std::printf("rebuild: the aggregates of the generated weeks' months from the raw logs...\n");
    start = Clock::now();
    CheckOptions repair;
    repair.repair = true;
    auto rebuilt = check_days(db, DayRange{first, first + 7LL * weeks - 1}, repair);
    const double took = seconds_since(start);
    std::printf(
        "  %lld days (whole months) recomputed and compared in %.0f s (%.1f s a day), %lld days and %lld "
        "months rewritten\n",
        static_cast<long long>(rebuilt.days), took, took / static_cast<double>(rebuilt.days),
        static_cast<long long>(rebuilt.days_repaired), static_cast<long long>(rebuilt.months_repaired));
    start = Clock::now();
    auto again = check_days(db, DayRange{first, first + 7LL * weeks - 1}, {});
    std::printf("  check again: %lld differences (%.0f s)\n", static_cast<long long>(again.differences),
                seconds_since(start));
  }
  const char* only = std::getenv("ONLY");
  const bool filled = std::getenv("FILLED") != nullptr;
  start = Clock::now();
  if (!filled) fill_year(db, first, weeks);
  std::printf("year of aggregates filled in %.0f s; rows: ", seconds_since(start));
  for (Family f : kAllFamilies) {
    for (const auto& t : tables_of(f)) {
      std::printf("%s %lld  ", t.name().c_str(), static_cast<long long>(count(db, t.name())));
    }
  }
  std::printf("\n");
  db.exec("ANALYZE");

  Directory directory = Directory::load(db, bench_categories(), {});
  const DayRange year{first, first + 363};
  const DayRange month{parse_local_day("2025-03-01", "m"), parse_local_day("2025-03-31", "m")};
  const DayRange raw_weeks{first, first + 7LL * weeks - 1};
  const DayRange raw_day{first + 2, first + 2};
  struct Standard {
    const char* name;
    ReportKind kind;
    Bucket bucket;
    std::vector<std::string> group;
  };
  const std::vector<Standard> standard{
      {"calls by day and queue", ReportKind::calls, Bucket::day, {"queue"}},
      {"calls by month", ReportKind::calls, Bucket::month, {}},
      {"agents (workload)", ReportKind::agents, Bucket::total, {}},
      {"agent not-ready reasons", ReportKind::agent_states, Bucket::total, {}},
      {"tickets by category", ReportKind::tickets, Bucket::total, {"category"}},
      {"tickets by department", ReportKind::tickets, Bucket::total, {"department"}},
      {"tickets by type and channel", ReportKind::tickets, Bucket::total, {"type", "channel"}},
      {"tickets by month and type", ReportKind::tickets, Bucket::month, {"type"}},
      {"traffic by hour of day", ReportKind::traffic, Bucket::hour_of_day, {}},
      {"traffic by day of week", ReportKind::traffic, Bucket::day_of_week, {}},
  };
  auto run = [&](const Standard& s, const DayRange& range, Source source) {
    ReportRequest r;
    r.kind = s.kind;
    r.range = range;
    r.bucket = s.bucket;
    r.group_by = s.group;
    r.source = source;
    r.now = day_start(first + 364);
    return run_report(db, r, directory);
  };
  std::printf(
      "\n| report | month, aggregates | year, aggregates | rows (year) | %d weeks, raw logs | one day, raw "
      "| year, raw logs (projected) |\n|---|---|---|---|---|---|---|\n",
      weeks);
  for (const auto& s : standard) {
    if (only && std::string(s.name).find(only) == std::string::npos) continue;
    double m = time_ms([&] { run(s, month, Source::aggregates); });
    std::size_t year_rows = 0;
    double y = time_ms([&] { year_rows = run(s, year, Source::aggregates).rows.size(); });
    const bool raw = std::getenv("NO_RAW") == nullptr;
    double d1 = raw ? time_ms([&] { run(s, raw_day, Source::raw); }, 1) : 0;
    double w = raw ? time_ms([&] { run(s, raw_weeks, Source::raw); }, 1) : 0;
    std::printf("| %s | %.1f ms | %.1f ms | %zu | %.1f s | %.0f ms | %.0f s |\n", s.name, m, y, year_rows, w / 1000, d1,
                w / 1000 * 364 / (7.0 * weeks));
    std::fflush(stdout);
  }
  {
    HotParams p;
    p.end = first + 7LL * weeks - 1;
    double h = time_ms([&] { hot_issues(db, p, directory); });
    p.by = "location";
    double hl = time_ms([&] { hot_issues(db, p, directory); });
    StaffingParams sp;
    sp.day = first + 7LL * weeks;
    double st = time_ms([&] { staffing_table(db, sp); });
    ReportRequest o;
    o.kind = ReportKind::overdue;
    o.now = day_start(first + 7LL * weeks);
    double ov = time_ms([&] { run_report(db, o, directory); });
    std::printf(
        "| hot issues by category (%d days over %d weeks) | %.1f ms |\n| hot issues by location | %.1f ms |\n"
        "| staffing forecast (4 weeks of history) | %.1f ms |\n| overdue now (open tickets) | %.1f ms |\n",
        p.days, p.weeks, h, hl, st, ov);
  }
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::printf("\ndatabase: %.0f MB\n", static_cast<double>(std::filesystem::file_size(dir / "reports.db")) / 1e6);
  return 0;
}
