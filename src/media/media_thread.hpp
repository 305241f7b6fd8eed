#pragma once
// One media thread: its io_context, and the relay's counters, which only
// this thread touches (plain integers, no atomics on the packet path). A
// 1 s timer on the thread adds what changed to the shared Prometheus
// counters, so the media threads never fight over their cache lines.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>

#include "frame_clock.hpp"
#include "hotline/core/metrics.hpp"

namespace hotline::media {

struct RelayCounters {
  std::uint64_t relayed = 0;  // packets sent on to a peer (bridged or echoed)
  std::uint64_t dropped = 0;  // invalid, from a stranger, payload type not mapped, send failed
  std::uint64_t lost = 0;     // inbound sequence gaps
  std::uint64_t played = 0;   // frames of our own audio sent (prompts, music on hold, digits)
  std::uint64_t digits = 0;   // digits heard from peers
  std::int64_t players = 0;     // legs playing now, on this thread
  std::int64_t recordings = 0;  // calls recording now, on this thread
};

struct MediaMetrics {
  explicit MediaMetrics(Metrics& metrics);
  Counter& relayed;
  Counter& dropped;
  Counter& lost;
  Gauge& ports_in_use;
  Gauge& sessions;
  Counter& played;
  Counter& digits;
  Gauge& players;
  Gauge& recordings;
  Gauge& beat_subscribers;
};

class MediaThread {
 public:
  MediaThread(std::string name, MediaMetrics& metrics);
  ~MediaThread();
  MediaThread(const MediaThread&) = delete;
  MediaThread& operator=(const MediaThread&) = delete;

  boost::asio::io_context& io() { return io_; }
  RelayCounters& counters() { return counters_; }  // media thread only
  FrameClock& clock() { return clock_; }            // media thread only
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }

  void start();
  // Marks the thread stopped; sessions still open must be closed by posts
  // queued before join().
  void mark_stopped() { stopped_.store(true, std::memory_order_release); }
  // Lets run() return once the queued work is done, and waits for it.
  void join();
  // Adds what changed since the last flush to the shared counters (media thread only).
  void flush_counters();

 private:
  void schedule_flush();

  std::string name_;
  MediaMetrics& metrics_;
  RelayCounters counters_;
  RelayCounters flushed_;
  std::int64_t clocked_ = 0;
  boost::asio::io_context io_{1};
  boost::asio::steady_timer flush_timer_{io_};
  FrameClock clock_{io_};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
};

}  // namespace hotline::media
