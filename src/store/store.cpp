#include "hotline/store/store.hpp"

#include <spdlog/spdlog.h>

#include "hotline/core/clock.hpp"
#include "hotline/store/migrations.hpp"

namespace hotline::store {
namespace {

constexpr std::size_t kMaxBatch = 512;

void configure_writer(Database& db, const StoreConfig& config) {
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA cache_size = -" + std::to_string(std::uint64_t{config.writer_cache_mib} * 1024));
  // FULL: a commit reported to a client survives a power cut, not only a crash.
  // Group commit keeps the fsync cost per batch, not per job.
  db.exec("PRAGMA synchronous = FULL");
}

}  // namespace

Writer::Writer(std::filesystem::path path, const StoreConfig& config, Metrics& metrics)
    : path_(std::move(path)),
      config_(config),
      commits_(metrics.counter("hotline_store_commits_total", "Write transactions committed (one per batch).")),
      jobs_done_(metrics.counter("hotline_store_write_jobs_total", "Write jobs run on the writer thread.")),
      job_errors_(
          metrics.counter("hotline_store_write_job_errors_total", "Write jobs that threw and were rolled back.")) {
  metrics.gauge_fn("hotline_store_write_queue_depth", "Write jobs waiting for the writer thread.",
                   [this] { return static_cast<double>(depth()); });
  thread_ = std::thread([this] { serve(); });
}

Writer::~Writer() { stop(); }

bool Writer::push(WriteJob& job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return false;
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
  return true;
}

std::size_t Writer::depth() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Writer::serve() {
  pthread_setname_np(pthread_self(), "store-writer");
  Database db(path_, OpenMode::read_write, static_cast<int>(config_.busy_timeout_ms));
  configure_writer(db, config_);
  std::vector<WriteJob> batch;
  std::vector<WriteCompletion> completions;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) break;
      while (!jobs_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(jobs_.front()));
        jobs_.pop_front();
      }
    }
    std::exception_ptr commit_error;
    try {
      db.exec("BEGIN IMMEDIATE");
      for (auto& job : batch) completions.push_back(job.run(db));
      db.exec("COMMIT");
      commits_.inc();
    } catch (const std::exception& e) {
      commit_error = std::current_exception();
      spdlog::error("event=store.commit_failed jobs={} error=\"{}\"", batch.size(), e.what());
      try {
        db.exec("ROLLBACK");
      } catch (const std::exception& rollback) {
        spdlog::error("event=store.rollback_failed error=\"{}\"", rollback.what());
      }
    }
    jobs_done_.inc(batch.size());
    for (auto& done : completions) done(commit_error);
    for (std::size_t i = completions.size(); i < batch.size(); ++i) batch[i].fail(commit_error);
    batch.clear();
    completions.clear();
  }
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const std::exception& e) {
    spdlog::warn("event=store.checkpoint_failed error=\"{}\"", e.what());
  }
  spdlog::info("event=store.writer_stopped");
}

namespace {

std::filesystem::path prepare_database(const std::filesystem::path& path, const StoreConfig& config) {
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
  Database db(path, OpenMode::read_write_create, static_cast<int>(config.busy_timeout_ms));
  configure_writer(db, config);
  migrate(db);
  return path;
}

}  // namespace

Store::Store(std::filesystem::path path, const StoreConfig& config, Metrics& metrics)
    : path_(prepare_database(path, config)),
      writer_(path_, config, metrics),
      readers_("store-read", config.readers, [path = path_, config] {
        auto db = std::make_unique<Database>(path, OpenMode::read_only, static_cast<int>(config.busy_timeout_ms));
        return db;
      }) {}

Store::~Store() { stop(); }

void Store::stop() {
  readers_.stop();
  writer_.stop();
}

}  // namespace hotline::store
