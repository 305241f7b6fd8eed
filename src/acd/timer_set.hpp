#pragma once
// The router's pending deadlines (ring timeouts, wrap-up ends, busy delays,
// max waits, callback retries, announcements) in one ordered set, so that
// next_deadline() is the first element and cancelling is exact: the owner
// never wakes up for a timer that no longer exists.
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "hotline/acd/types.hpp"

namespace hotline::acd {

enum class TimerKind { ring_timeout, wrap_up_end, busy_delay_end, max_wait, callback_due, announce };

// What a record keeps to cancel its timer; seq 0 means none.
struct TimerHandle {
  Ms at = 0;
  std::uint64_t seq = 0;
  bool armed() const { return seq != 0; }
};

struct Timer {
  Ms at = 0;
  std::uint64_t seq = 0;
  TimerKind kind = TimerKind::announce;
  std::string target;      // agent or entry id
  std::uint64_t offer = 0; // ring timeouts
  bool operator<(const Timer& o) const { return at != o.at ? at < o.at : seq < o.seq; }
};

class TimerSet {
 public:
  TimerHandle add(Ms at, TimerKind kind, std::string target, std::uint64_t offer = 0) {
    Timer t{at, ++seq_, kind, std::move(target), offer};
    TimerHandle h{t.at, t.seq};
    timers_.insert(std::move(t));
    return h;
  }
  // Re-arms `h` (cancelling what it held).
  void rearm(TimerHandle& h, Ms at, TimerKind kind, std::string target, std::uint64_t offer = 0) {
    cancel(h);
    h = add(at, kind, std::move(target), offer);
  }
  void cancel(TimerHandle& h) {
    if (!h.armed()) return;
    Timer probe;
    probe.at = h.at;
    probe.seq = h.seq;
    timers_.erase(probe);
    h = {};
  }
  std::optional<Ms> earliest() const {
    if (timers_.empty()) return std::nullopt;
    return timers_.begin()->at;
  }
  // The first timer due at `now`, removed from the set.
  std::optional<Timer> pop_due(Ms now) {
    if (timers_.empty() || timers_.begin()->at > now) return std::nullopt;
    auto node = timers_.extract(timers_.begin());
    return std::move(node.value());
  }
  std::size_t size() const { return timers_.size(); }

 private:
  std::set<Timer> timers_;
  std::uint64_t seq_ = 0;
};

}  // namespace hotline::acd
