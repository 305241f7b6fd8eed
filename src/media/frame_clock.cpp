#include "frame_clock.hpp"

#include <algorithm>

namespace hotline::media {

FrameClock::Subscription& FrameClock::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    clock_ = std::move(other.clock_);
    id_ = other.id_;
    other.clock_.reset();
  }
  return *this;
}

void FrameClock::Subscription::reset() {
  if (auto clock = clock_.lock()) (*clock)->unsubscribe(id_);
  clock_.reset();
}

FrameClock::Subscription FrameClock::subscribe(Tick tick) {
  const auto id = next_id_++;
  entries_.push_back({id, std::move(tick), true});
  if (!running_ && !stopped_) {
    running_ = true;
    deadline_ = Clock::now() + kFrame;
    arm();
  }
  return Subscription(self_, id);
}

std::size_t FrameClock::subscribers() const {
  return static_cast<std::size_t>(std::count_if(entries_.begin(), entries_.end(), [](const Entry& e) { return e.active; }));
}

void FrameClock::unsubscribe(std::uint64_t id) {
  auto it = std::find_if(entries_.begin(), entries_.end(), [id](const Entry& e) { return e.id == id; });
  if (it == entries_.end()) return;
  if (in_beat_) {
    it->active = false;  // erased after the beat: its tick may be the one running
  } else {
    entries_.erase(it);
  }
}

void FrameClock::stop() {
  stopped_ = true;
  timer_.cancel();
}

void FrameClock::arm() {
  timer_.expires_at(deadline_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopped_) {
      running_ = false;
      return;
    }
    beat();
  });
}

void FrameClock::beat() {
  const auto now = Clock::now();
  in_beat_ = true;
  // Subscribers added during the beat start at the next one.
  const std::size_t count = entries_.size();
  for (std::size_t i = 0; i < count; ++i) {
    if (entries_[i].active) entries_[i].tick(now);
  }
  in_beat_ = false;
  std::erase_if(entries_, [](const Entry& e) { return !e.active; });
  if (entries_.empty()) {
    running_ = false;
    return;
  }
  deadline_ += kFrame;
  if (Clock::now() - deadline_ > 5 * kFrame) {
    ++skipped_;
    deadline_ = Clock::now() + kFrame;
  }
  arm();
}

}  // namespace hotline::media
