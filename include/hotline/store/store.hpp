#pragma once
// The store: one writer thread that owns the only read-write connection, and a
// pool of reader threads with read-only connections. Callers on io_context
// threads co_await write()/read(); the work runs on the store's threads and the
// coroutine resumes on its own executor, so no network thread waits on disk.
//
// Writes are group-committed: the writer takes every job queued (up to a batch),
// runs each inside its own SAVEPOINT of one transaction, commits once, and only
// then completes the callers. A job that throws rolls back alone.
#include <condition_variable>
#include <deque>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "hotline/core/async.hpp"
#include "hotline/core/config.hpp"
#include "hotline/core/error.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/core/unique_function.hpp"
#include "hotline/core/work_queue.hpp"
#include "hotline/store/database.hpp"

namespace hotline::store {

// What a write job hands back to the writer: called after the batch's COMMIT
// with the commit's error (null when it succeeded).
using WriteCompletion = UniqueFunction<void(std::exception_ptr commit_error)>;
struct WriteJob {
  UniqueFunction<WriteCompletion(Database&)> run;
  // Called instead of run when the batch failed before this job could run.
  UniqueFunction<void(std::exception_ptr)> fail;
};

class Writer {
 public:
  Writer(std::filesystem::path path, const StoreConfig& config, Metrics& metrics);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // False when stopped; the job is left untouched then.
  bool push(WriteJob& job);
  // Finishes the queued jobs, checkpoints the WAL and closes the connection.
  void stop();
  std::size_t depth() const;

 private:
  void serve();

  std::filesystem::path path_;
  StoreConfig config_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<WriteJob> jobs_;
  bool stopping_ = false;
  Counter& commits_;
  Counter& jobs_done_;
  Counter& job_errors_;
  std::thread thread_;
};

class Store {
 public:
  // Opens (creating) the database, applies migrations on the calling thread,
  // then starts the writer and readers.
  Store(std::filesystem::path path, const StoreConfig& config, Metrics& metrics);
  ~Store();

  const std::filesystem::path& path() const { return path_; }

  // co_await store.write([](Database& db) { ...; return value; }, use_awaitable)
  template <class Fn, class Token>
  auto write(Fn&& fn, Token&& token);
  template <class Fn, class Token>
  auto read(Fn&& fn, Token&& token);

  // Stops taking jobs, finishes the queued ones, closes every connection.
  void stop();

 private:
  std::filesystem::path path_;
  Writer writer_;
  WorkQueue<Database> readers_;
};

template <class Fn, class Token>
auto Store::write(Fn&& job_fn, Token&& token) {
  using F = std::decay_t<Fn>;
  using R = async_detail::Outcome<std::invoke_result_t<F&, Database&>>;
  return boost::asio::async_initiate<Token, void(std::exception_ptr, R)>(
      [this](auto handler, F* raw) {
        std::unique_ptr<F> owned(raw);  // see hand_over() in core/async.hpp
        F fn = std::move(*owned);
        using Handler = decltype(handler);
        auto shared = std::make_shared<std::optional<Handler>>(std::move(handler));
        WriteJob job;
        job.fail = [shared](std::exception_ptr error) { async_detail::complete(std::move(**shared), error, R{}); };
        job.run = [fn = std::move(fn), shared](Database& db) mutable -> WriteCompletion {
          std::exception_ptr error;
          std::optional<R> value;
          db.exec("SAVEPOINT job");
          try {
            value.emplace(async_detail::invoke(fn, db));
            db.exec("RELEASE job");
          } catch (...) {
            error = std::current_exception();
            db.exec("ROLLBACK TO job; RELEASE job");
          }
          return [shared, error, value = std::move(value)](std::exception_ptr commit_error) mutable {
            auto e = commit_error ? commit_error : error;
            async_detail::complete(std::move(**shared), e, e ? R{} : std::move(*value));
          };
        };
        if (!writer_.push(job)) {
          async_detail::complete(std::move(**shared),
                                 std::make_exception_ptr(Error(Errc::unavailable, "the store is shutting down")), R{});
        }
      },
      token, hand_over(std::forward<Fn>(job_fn)));
}

template <class Fn, class Token>
auto Store::read(Fn&& fn, Token&& token) {
  return run_on(readers_, std::forward<Fn>(fn), std::forward<Token>(token));
}

}  // namespace hotline::store
