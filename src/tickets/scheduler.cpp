#include "hotline/tickets/scheduler.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <future>

#include "hotline/core/clock.hpp"

namespace hotline::tickets {
namespace {

// Runs a store job from this plain thread and waits for its result.
template <class T, class Job, class Submit>
T wait_for(Submit submit, Job job) {
  auto promise = std::make_shared<std::promise<T>>();
  auto result = promise->get_future();
  submit(std::move(job), [promise](std::exception_ptr e, T value) {
    if (e)
      promise->set_exception(e);
    else
      promise->set_value(std::move(value));
  });
  return result.get();
}

}  // namespace

Scheduler::Scheduler(store::Store& store, std::chrono::milliseconds interval, double yellow_fraction, Deliver deliver)
    : store_(store), interval_(interval), yellow_fraction_(yellow_fraction), deliver_(std::move(deliver)) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::start() {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tickets-sched");
    run();
  });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  cv_.notify_all();
}

std::vector<Alert> Scheduler::pass(std::int64_t now) {
  auto write = [this](auto job, auto done) { store_.write(std::move(job), std::move(done)); };
  auto read = [this](auto job, auto done) { store_.read(std::move(job), std::move(done)); };
  auto reminders =
      wait_for<std::vector<Alert>>(write, [now](store::Database& db) { return fire_due_reminders(db, now); });
  double fraction = yellow_fraction_;
  auto candidates = wait_for<std::vector<EscalationCandidate>>(
      read, [now, fraction](store::Database& db) { return escalation_candidates(db, now, fraction); });
  std::vector<Alert> escalations;
  if (!candidates.empty()) {
    escalations = wait_for<std::vector<Alert>>(
        write, [now, candidates](store::Database& db) { return fire_escalations(db, candidates, now); });
  }
  reminders.insert(reminders.end(), std::make_move_iterator(escalations.begin()),
                   std::make_move_iterator(escalations.end()));
  return reminders;
}

std::optional<std::int64_t> Scheduler::next_reminder() {
  auto read = [this](auto job, auto done) { store_.read(std::move(job), std::move(done)); };
  return wait_for<std::optional<std::int64_t>>(read, [](store::Database& db) { return next_reminder_at(db); });
}

void Scheduler::run() {
  spdlog::info("event=tickets.scheduler_started interval_ms={}", interval_.count());
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
      poked_ = false;
    }
    auto wake = std::chrono::steady_clock::now() + interval_;
    try {
      auto now = now_ms();
      auto alerts = pass(now);
      std::size_t reminders = 0;
      for (const auto& a : alerts) reminders += a.kind == "reminder";
      if (!alerts.empty()) {
        spdlog::info("event=tickets.alerts_fired reminders={} escalations={}", reminders, alerts.size() - reminders);
        deliver_(alerts);
      }
      if (auto next = next_reminder()) {
        auto in = std::chrono::milliseconds(std::max<std::int64_t>(0, *next - now_ms()));
        wake = std::min(wake, std::chrono::steady_clock::now() + in);
      }
    } catch (const std::exception& e) {
      spdlog::warn("event=tickets.scheduler_pass_failed error=\"{}\"", e.what());
    }
    std::unique_lock lock(mutex_);
    cv_.wait_until(lock, wake, [this] { return stopping_ || poked_; });
  }
  spdlog::info("event=tickets.scheduler_stopped");
}

}  // namespace hotline::tickets
