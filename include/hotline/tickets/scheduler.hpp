#pragma once
// The ticket scheduler: one thread ("tickets-sched") that fires due timed
// reminders and escalations (alerts.hpp) through the store's writer, then
// hands the fired alerts to `deliver` (the daemon pushes them over the
// WebSocket as `reminder.due`). It wakes every `interval`, at the next
// reminder's time, and when poked. What fired is recorded in the database
// before it is delivered, so nothing fires twice, also across restarts; an
// alert fired just before a crash is still listed by GET /api/v1/tickets/alerts.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "hotline/store/store.hpp"
#include "hotline/tickets/alerts.hpp"

namespace hotline::tickets {

class Scheduler {
 public:
  using Deliver = std::function<void(const std::vector<Alert>&)>;

  Scheduler(store::Store& store, std::chrono::milliseconds interval, double yellow_fraction, Deliver deliver);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Finishes the pass in progress and joins the thread.
  void stop();
  // Runs a pass soon (a reminder was added or changed).
  void poke();

 private:
  void run();
  std::vector<Alert> pass(std::int64_t now);
  std::optional<std::int64_t> next_reminder();

  store::Store& store_;
  std::chrono::milliseconds interval_;
  double yellow_fraction_;
  Deliver deliver_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace hotline::tickets
