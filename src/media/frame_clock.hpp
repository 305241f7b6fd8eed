#pragma once
// The 20 ms beat of one media thread. Everything that makes audio rather
// than relaying it (players, recorders, mixes) runs on this one timer
// instead of a timer each: a thousand recorded calls cost one wake-up per
// 20 ms, not fifty thousand a second. The deadline advances by exactly
// 20 ms from the previous one, so the pace is the clock's, not the
// packets'; a thread that fell more than 100 ms behind skips ahead rather
// than bursting (and counts it).
//
// Media thread only. A Subscription unsubscribes when destroyed, also from
// inside a tick.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <deque>

namespace hotline::media {

class FrameClock {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds kFrame{20};
  using Tick = std::function<void(Clock::time_point)>;

  explicit FrameClock(boost::asio::io_context& io) : timer_(io) {}
  FrameClock(const FrameClock&) = delete;
  FrameClock& operator=(const FrameClock&) = delete;

  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept : clock_(std::move(other.clock_)), id_(other.id_) { other.clock_.reset(); }
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription() { reset(); }
    void reset();
    explicit operator bool() const { return !clock_.expired(); }

   private:
    friend class FrameClock;
    Subscription(std::weak_ptr<FrameClock*> clock, std::uint64_t id) : clock_(std::move(clock)), id_(id) {}
    // Weak: a subscriber destroyed after the clock (a session torn down at
    // shutdown) has nothing to unsubscribe from.
    std::weak_ptr<FrameClock*> clock_;
    std::uint64_t id_ = 0;
  };

  // tick runs every 20 ms from the next beat on, until the subscription goes.
  [[nodiscard]] Subscription subscribe(Tick tick);
  std::size_t subscribers() const;
  std::uint64_t skipped_beats() const { return skipped_; }
  // The engine is stopping: no more beats.
  void stop();

 private:
  struct Entry {
    std::uint64_t id;
    Tick tick;
    bool active = true;  // false once unsubscribed during a beat; erased after it
  };
  void unsubscribe(std::uint64_t id);
  void arm();
  void beat();

  boost::asio::steady_timer timer_;
  std::shared_ptr<FrameClock*> self_ = std::make_shared<FrameClock*>(this);
  std::deque<Entry> entries_;  // a deque: subscribing during a beat moves no entry
  std::uint64_t next_id_ = 1;
  bool running_ = false;
  bool in_beat_ = false;
  bool stopped_ = false;
  Clock::time_point deadline_{};
  std::uint64_t skipped_ = 0;
};

}  // namespace hotline::media
