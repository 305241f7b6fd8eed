// The Store's writer and readers driven from coroutines on an io_context, as
// the API uses them.
#include <gtest/gtest.h>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <filesystem>

#include "hotline/store/store.hpp"

namespace fs = std::filesystem;
using boost::asio::awaitable;
using boost::asio::use_awaitable;
using hotline::store::Database;

namespace {

struct Fixture : ::testing::Test {
  Fixture() {
    char pattern[] = "/tmp/hotline-store-XXXXXX";
    dir = mkdtemp(pattern);
    store = std::make_unique<hotline::store::Store>(dir / "h.db", hotline::StoreConfig{}, metrics);
  }
  ~Fixture() override {
    store->stop();
    fs::remove_all(dir);
  }
  void run(std::function<awaitable<void>()> body) {
    boost::asio::io_context io;
    std::exception_ptr failure;
    boost::asio::co_spawn(io, body(), [&](std::exception_ptr e) { failure = e; });
    io.run();
    if (failure) std::rethrow_exception(failure);
  }
  fs::path dir;
  hotline::Metrics metrics;
  std::unique_ptr<hotline::store::Store> store;
};

}  // namespace

TEST_F(Fixture, WriteThenReadFromAnotherConnection) {
  run([&]() -> awaitable<void> {
    auto insert = [](Database& db) {
      db.query("INSERT INTO departments (code, name, created_at) VALUES ('a', '甲', 0)").run();
      return db.last_insert_id();
    };
    auto id = co_await store->write(std::move(insert), use_awaitable);
    EXPECT_EQ(id, 1);
    auto select = [](Database& db) {
      auto& s = db.prepare("SELECT name FROM departments WHERE id = 1");
      std::string name = s.step() ? s.text(0) : "";
      s.run();
      return name;
    };
    auto name = co_await store->read(std::move(select), use_awaitable);
    EXPECT_EQ(name, "甲");
  });
}

TEST_F(Fixture, AFailingJobRollsBackAloneAndReportsItsError) {
  run([&]() -> awaitable<void> {
    int completed = 0;
    int failed = 0;
    // Queue many jobs at once so that they share a batch with the failing one.
    std::vector<std::function<void(Database&)>> jobs;
    for (int i = 0; i < 50; ++i) {
      jobs.push_back([i](Database& db) {
        if (i == 25) {
          db.query("INSERT INTO departments (code, name, created_at) VALUES ('bad', 'x', 0)").run();
          throw hotline::Error(hotline::Errc::invalid_argument, "job 25 fails");
        }
        db.query("INSERT INTO departments (code, name, created_at) VALUES (?, 'x', 0)", "d" + std::to_string(i)).run();
      });
    }
    auto executor = co_await boost::asio::this_coro::executor;
    auto remaining = std::make_shared<int>(static_cast<int>(jobs.size()));
    auto done = std::make_shared<boost::asio::steady_timer>(executor, std::chrono::steady_clock::time_point::max());
    for (auto& job : jobs) {
      store->write(std::move(job),
                   boost::asio::bind_executor(executor, [&, remaining, done](std::exception_ptr e, auto) {
                     (e ? failed : completed)++;
                     if (--*remaining == 0) done->cancel();
                   }));
    }
    boost::system::error_code ec;
    co_await done->async_wait(boost::asio::redirect_error(use_awaitable, ec));
    EXPECT_EQ(completed, 49);
    EXPECT_EQ(failed, 1);
    auto count = [](Database& db) {
      auto& s = db.prepare("SELECT COUNT(*), SUM(code = 'bad') FROM departments");
      s.step();
      auto r = std::make_pair(s.int64(0), s.int64(1));
      s.run();
      return r;
    };
    auto [rows, bad] = co_await store->read(std::move(count), use_awaitable);
    EXPECT_EQ(rows, 49);
    EXPECT_EQ(bad, 0);
  });
  EXPECT_GE(metrics.render().find("hotline_store_commits_total"), 0u);
}

TEST_F(Fixture, ExceptionsReachTheAwaitingCoroutine) {
  run([&]() -> awaitable<void> {
    auto bad = [](Database& db) -> int {
      db.query("SELECT * FROM no_such_table").run();
      return 0;
    };
    bool threw = false;
    try {
      co_await store->read(std::move(bad), use_awaitable);
    } catch (const hotline::Error& e) {
      threw = true;
      EXPECT_NE(std::string(e.what()).find("no_such_table"), std::string::npos);
    }
    EXPECT_TRUE(threw);
  });
}

TEST_F(Fixture, StoppedStoreAnswersUnavailable) {
  store->stop();
  run([&]() -> awaitable<void> {
    auto job = [](Database&) { return 1; };
    try {
      co_await store->write(std::move(job), use_awaitable);
      ADD_FAILURE() << "expected unavailable";
    } catch (const hotline::Error& e) {
      EXPECT_EQ(e.code(), hotline::Errc::unavailable);
    }
  });
}
