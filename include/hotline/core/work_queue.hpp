#pragma once
// A FIFO of jobs served by one or more named threads. The store's writer and
// readers, and the CPU-heavy password hashing, run on these so that no
// io_context thread ever blocks on disk or on a slow computation.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hotline/core/unique_function.hpp"

namespace hotline {

template <class Context>
class WorkQueue {
 public:
  using Job = UniqueFunction<void(Context&)>;

  // make_context runs on each worker thread before it serves jobs; the context
  // (a database connection, say) lives and dies on that thread.
  WorkQueue(std::string name, std::size_t threads, std::function<std::unique_ptr<Context>()> make_context)
      : name_(std::move(name)) {
    for (std::size_t i = 0; i < threads; ++i) {
      workers_.emplace_back([this, i, make_context] { serve(i, make_context); });
    }
  }
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  ~WorkQueue() { stop(); }

  // Returns false once the queue is stopping: the job was not taken and is
  // left as it was, so the caller can still complete it.
  bool push(Job& job) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return false;
      jobs_.push_back(std::move(job));
      if (jobs_.size() > high_water_) high_water_ = jobs_.size();
    }
    cv_.notify_one();
    return true;
  }

  // Finishes every job already queued, then joins the threads.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : workers_) {
      if (t.joinable()) t.join();
    }
    workers_.clear();
  }

  std::size_t depth() const {
    std::lock_guard lock(mutex_);
    return jobs_.size();
  }

 private:
  void serve(std::size_t index, const std::function<std::unique_ptr<Context>()>& make_context) {
    std::string thread_name = name_ + "-" + std::to_string(index);
    thread_name.resize(std::min<std::size_t>(thread_name.size(), 15));
    pthread_setname_np(pthread_self(), thread_name.c_str());
    std::unique_ptr<Context> context = make_context();
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // stopping and drained
        job = std::move(jobs_.front());
        jobs_.pop_front();
      }
      job(*context);
    }
  }

  std::string name_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::size_t high_water_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace hotline
