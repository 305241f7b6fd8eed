#pragma once
// Shared set-up of the tickets tests: a migrated database in a temporary
// folder, a personal-data key, the 2026 National Day calendar, and helpers
// for Asia/Shanghai wall-clock times.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "hotline/core/error.hpp"
#include "hotline/store/database.hpp"
#include "hotline/store/migrations.hpp"
#include "hotline/tickets/calendar.hpp"
#include "hotline/tickets/deadlines.hpp"
#include "hotline/tickets/personal_data.hpp"
#include "hotline/tickets/tickets.hpp"

namespace tickets_test {

namespace fs = std::filesystem;
using namespace hotline::tickets;

// Unix ms of a Shanghai wall-clock time.
inline std::int64_t cst(int y, unsigned m, unsigned d, int hour = 0, int minute = 0) {
  using namespace std::chrono;
  return start_of_day(Day{year{y} / month{m} / day{d}}) + (hour * 60LL + minute) * 60 * 1000;
}

// China's 2026 National Day: Oct 1-7 off, Sunday Sep 27 and Saturday Oct 10 worked.
inline WorkCalendar national_day_2026() {
  return WorkCalendar::from_strings(
      {"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07"},
      {"2026-09-27", "2026-10-10"});
}

inline const std::string kMasterKey(32, '\x42');

struct TicketDb : ::testing::Test {
  TicketDb() : key(kMasterKey) {
    char pattern[] = "/tmp/hotline-tickets-XXXXXX";
    dir = mkdtemp(pattern);
    db = std::make_unique<hotline::store::Database>(dir / "t.db", hotline::store::OpenMode::read_write_create);
    hotline::store::migrate(*db);
    rules.calendar = national_day_2026();
    db->exec(
        "INSERT INTO users (id, job_number, display_name, password_hash, password_changed_at, created_at, "
        "updated_at) VALUES (1, '1001', '张三', 'x', 0, 0, 0)");
    water = department("water", "市水务局");
    housing = department("housing", "市住建局");
    police = department("traffic", "市交警支队");
  }
  ~TicketDb() override {
    db.reset();
    fs::remove_all(dir);
  }
  std::int64_t department(const std::string& code, const std::string& name) {
    db->query("INSERT INTO departments (code, name, created_at) VALUES (?, ?, 0)", code, name).run();
    return db->last_insert_id();
  }
  NewTicket sample(TicketType type = TicketType::complaint) {
    NewTicket t;
    t.type = type;
    t.category_code = "0301";
    t.summary = "小区停水三天";
    t.content = "幸福路12号小区自周一起停水，无人处理。";
    t.location = "幸福路12号";
    t.caller_name = "王小明";
    t.caller_phone = "13812345678";
    return t;
  }
  Ticket create(const NewTicket& t, std::int64_t at = cst(2026, 11, 28, 9, 30)) {
    return create_ticket(*db, key, rules, t, agent, at);
  }

  fs::path dir;
  std::unique_ptr<hotline::store::Database> db;
  PersonalDataKey key;
  TicketRules rules;
  Actor agent{1, "1001"};
  std::int64_t water = 0, housing = 0, police = 0;
};

template <class F>
hotline::Errc error_code_of(F&& f) {
  try {
    f();
  } catch (const hotline::Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "expected a hotline::Error";
  return hotline::Errc::internal;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const hotline::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a hotline::Error";
  return {};
}

}  // namespace tickets_test
