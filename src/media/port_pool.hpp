#pragma once
// The RTP port range (rtp.ports) as pairs: an even RTP port and RTCP on the
// next one. Shared by every media thread, so a mutex guards it; it is touched
// when a leg opens or closes, never per packet.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <vector>

#include "hotline/core/metrics.hpp"

namespace hotline::media {

class PortPool {
 public:
  // in_use (optional) follows the number of pairs handed out.
  PortPool(std::uint16_t port_min, std::uint16_t port_max, Gauge* in_use = nullptr);

  // Hands out the next free pair after the last one handed out, so a port
  // just returned is the last to be reused (a late packet of the previous
  // call must not land in a new one). bind_pair opens the sockets; when it
  // returns false (another process holds a port) the pair is skipped.
  // Throws Error(unavailable) when no pair could be bound.
  std::uint16_t acquire(const std::function<bool(std::uint16_t rtp_port)>& bind_pair);
  void release(std::uint16_t rtp_port);

  std::size_t capacity() const { return taken_.size(); }
  std::size_t in_use() const;
  std::size_t free() const;

 private:
  std::uint16_t port_of(std::size_t index) const;

  std::uint16_t first_port_;
  Gauge* in_use_gauge_;
  mutable std::mutex mutex_;
  std::vector<bool> taken_;  // index i: RTP port first_port_ + 2 i
  std::size_t next_ = 0;
  std::size_t in_use_ = 0;
};

}  // namespace hotline::media
