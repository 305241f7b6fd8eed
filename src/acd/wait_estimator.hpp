#pragma once
// Estimated wait for a queue (issue 6, deliverable 4): how long a caller
// with `ahead` callers before them will wait for an agent.
//
// Measured, per queue, with exponentially decaying sums (time constant tau,
// default 15 min) so that the figures follow the day's load:
//   - the service rate mu: callers answered after they had to wait for an
//     agent, divided by the time during which someone waited for an agent.
//     Counting only "backlog" time matters: when agents sit idle, answers
//     follow arrivals, not the agents' capacity;
//   - the abandonment hazard h: hang-ups of waiting callers divided by the
//     integral of the number of live callers waiting (callers ahead leave the
//     line by hanging up too, which makes it move faster than mu alone);
//   - the handle time (an agent's cycle: offer to free again) and the
//     answer delay (offer to answer), for the fallbacks.
//
// With n callers ahead who still need an agent, the line ahead shrinks at
// mu + h*n (fluid approximation), which empties it after
// (1/h) ln(1 + h n / mu); the caller then needs one more agent: 1/mu. With
// h = 0 this is (n + 1) / mu. Without enough history (fewer than a few
// answers after waiting), mu falls back to serving agents / handle time.
#include <cstddef>

#include "hotline/acd/types.hpp"

namespace hotline::acd {

class WaitEstimator {
 public:
  struct Tuning {
    Ms time_constant = 15 * 60'000;
    Ms default_handle = 180'000;  // before the first measured call
    double min_departures = 8;    // decayed answers-after-waiting before mu is trusted
    Ms min_backlog = 60'000;      // decayed backlog time before mu is trusted
    Ms max_estimate = 4 * 3'600'000;
  };
  WaitEstimator() : WaitEstimator(Tuning{}) {}
  explicit WaitEstimator(Tuning tuning) : tuning_(tuning) {}

  // Integrates the time since the last call with the line as it was:
  // `live_waiting` live callers in line, `backlog` whether someone waited
  // for an agent. Call before the line changes at `now`.
  void advance(Ms now, std::size_t live_waiting, bool backlog);
  void answered_after_waiting();  // at the time of the last advance()
  void abandoned();
  void handled(Ms cycle);         // an agent's cycle for one call
  void answer_delay(Ms delay);    // offer to answer

  // ahead: callers before this one who still need an agent (ringing ones
  // excluded); serving: members who are logged in and not paused.
  Ms estimate(std::size_t ahead, int serving) const;
  Ms typical_answer_delay() const { return static_cast<Ms>(answer_delay_); }

  // Service rate per minute and hazard per minute, for views and tests.
  double service_rate_per_min() const;
  double abandon_rate_per_min() const;

 private:
  Tuning tuning_;
  bool started_ = false;
  Ms last_ = 0;
  double departures_ = 0;   // decayed count
  double backlog_ms_ = 0;   // decayed backlog time
  double abandons_ = 0;     // decayed count
  double waiting_ms_ = 0;   // decayed integral of live callers waiting
  double handle_ms_ = 0;    // EWMA over calls
  bool have_handle_ = false;
  double answer_delay_ = 0; // EWMA over offers answered
  bool have_answer_delay_ = false;
};

}  // namespace hotline::acd
