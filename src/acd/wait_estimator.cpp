#include "wait_estimator.hpp"

#include <algorithm>
#include <cmath>

namespace hotline::acd {
namespace {
constexpr double kEwmaWeight = 0.05;  // about the last 20 calls
}

void WaitEstimator::advance(Ms now, std::size_t live_waiting, bool backlog) {
  if (!started_) {
    started_ = true;
    last_ = now;
    return;
  }
  if (now <= last_) return;
  const double dt = static_cast<double>(now - last_);
  const double tau = static_cast<double>(tuning_.time_constant);
  const double decay = std::exp(-dt / tau);
  // The integral of the decayed indicator over the elapsed interval.
  const double weight = tau * (1.0 - decay);
  departures_ *= decay;
  abandons_ *= decay;
  backlog_ms_ = backlog_ms_ * decay + (backlog ? weight : 0.0);
  waiting_ms_ = waiting_ms_ * decay + static_cast<double>(live_waiting) * weight;
  last_ = now;
}

void WaitEstimator::answered_after_waiting() { departures_ += 1.0; }
void WaitEstimator::abandoned() { abandons_ += 1.0; }

void WaitEstimator::handled(Ms cycle) {
  const double c = static_cast<double>(std::max<Ms>(cycle, 0));
  handle_ms_ = have_handle_ ? handle_ms_ + kEwmaWeight * (c - handle_ms_) : c;
  have_handle_ = true;
}

void WaitEstimator::answer_delay(Ms delay) {
  const double d = static_cast<double>(std::max<Ms>(delay, 0));
  answer_delay_ = have_answer_delay_ ? answer_delay_ + kEwmaWeight * (d - answer_delay_) : d;
  have_answer_delay_ = true;
}

double WaitEstimator::service_rate_per_min() const {
  return backlog_ms_ > 0 ? departures_ / backlog_ms_ * 60'000.0 : 0.0;
}

double WaitEstimator::abandon_rate_per_min() const {
  return waiting_ms_ > 0 ? abandons_ / waiting_ms_ * 60'000.0 : 0.0;
}

Ms WaitEstimator::estimate(std::size_t ahead, int serving) const {
  double mu = 0;  // per ms
  if (departures_ >= tuning_.min_departures && backlog_ms_ >= static_cast<double>(tuning_.min_backlog)) {
    mu = departures_ / backlog_ms_;
  } else {
    const double handle = have_handle_ ? handle_ms_ : static_cast<double>(tuning_.default_handle);
    mu = static_cast<double>(std::max(1, serving)) / std::max(handle, 1000.0);
  }
  // Hang-ups ahead only count once they are measured over enough waiting.
  const double h = waiting_ms_ >= static_cast<double>(tuning_.min_backlog) ? abandons_ / waiting_ms_ : 0.0;
  const double n = static_cast<double>(ahead);
  double wait = 0;
  if (h * n / mu > 1e-6) {
    wait = std::log1p(h * n / mu) / h;
  } else {
    wait = n / mu;
  }
  wait += 1.0 / mu;
  wait += answer_delay_;
  return static_cast<Ms>(std::clamp(wait, 0.0, static_cast<double>(tuning_.max_estimate)));
}

}  // namespace hotline::acd
