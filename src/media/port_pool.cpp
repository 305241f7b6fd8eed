#include "port_pool.hpp"

#include <string>

#include "hotline/core/error.hpp"

namespace hotline::media {

PortPool::PortPool(std::uint16_t port_min, std::uint16_t port_max, Gauge* in_use)
    : first_port_(static_cast<std::uint16_t>(port_min + (port_min % 2))), in_use_gauge_(in_use) {
  // Every pair needs both ports inside the range: RTCP (RTP + 1) must not pass port_max.
  std::size_t pairs = 0;
  if (port_min != 0 && port_max > first_port_) pairs = (static_cast<std::size_t>(port_max) - first_port_ + 1) / 2;
  taken_.assign(pairs, false);
}

std::uint16_t PortPool::port_of(std::size_t index) const { return static_cast<std::uint16_t>(first_port_ + 2 * index); }

std::uint16_t PortPool::acquire(const std::function<bool(std::uint16_t)>& bind_pair) {
  const std::size_t pairs = taken_.size();
  for (std::size_t tried = 0; tried < pairs; ++tried) {
    std::size_t index = 0;
    {
      std::lock_guard lock(mutex_);
      // Scan for a free pair from the cursor; binding happens outside the lock.
      std::size_t scanned = 0;
      while (scanned < pairs && taken_[next_]) {
        next_ = (next_ + 1) % pairs;
        ++scanned;
      }
      if (scanned == pairs) break;
      index = next_;
      taken_[index] = true;
      ++in_use_;
      next_ = (next_ + 1) % pairs;
    }
    if (bind_pair(port_of(index))) {
      if (in_use_gauge_) in_use_gauge_->add(2);
      return port_of(index);
    }
    std::lock_guard lock(mutex_);
    taken_[index] = false;
    --in_use_;
  }
  throw Error(Errc::unavailable,
              "no free RTP port pair in " + std::to_string(first_port_) + ".." + std::to_string(port_of(pairs) - 1));
}

void PortPool::release(std::uint16_t rtp_port) {
  if (rtp_port < first_port_ || (rtp_port - first_port_) % 2 != 0) return;
  const std::size_t index = (rtp_port - first_port_) / 2;
  std::lock_guard lock(mutex_);
  if (index >= taken_.size() || !taken_[index]) return;
  taken_[index] = false;
  --in_use_;
  if (in_use_gauge_) in_use_gauge_->add(-2);
}

std::size_t PortPool::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

std::size_t PortPool::free() const {
  std::lock_guard lock(mutex_);
  return taken_.size() - in_use_;
}

}  // namespace hotline::media
