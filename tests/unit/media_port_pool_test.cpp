#include <gtest/gtest.h>

#include <set>

#include "../../src/media/port_pool.hpp"
#include "hotline/core/error.hpp"
#include "hotline/core/metrics.hpp"

using hotline::Errc;
using hotline::Error;
using hotline::media::PortPool;

namespace {
auto bind_always = [](std::uint16_t) { return true; };
}

TEST(MediaPortPool, HandsOutEvenPortsWithRtcpInsideTheRange) {
  // 20001 is odd: the first pair is 20002/20003; 20010 has no 20011 in range.
  PortPool pool(20001, 20010);
  EXPECT_EQ(pool.capacity(), 4u);
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 4; ++i) ports.insert(pool.acquire(bind_always));
  EXPECT_EQ(ports, (std::set<std::uint16_t>{20002, 20004, 20006, 20008}));
}

TEST(MediaPortPool, ExhaustedPoolThrowsUnavailable) {
  PortPool pool(20000, 20003);
  pool.acquire(bind_always);
  pool.acquire(bind_always);
  EXPECT_EQ(pool.free(), 0u);
  try {
    pool.acquire(bind_always);
    FAIL() << "expected unavailable";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Errc::unavailable);
  }
}

TEST(MediaPortPool, ReturnedPortsAreReusedLast) {
  hotline::Gauge in_use;
  PortPool pool(20000, 20007, &in_use);
  const auto first = pool.acquire(bind_always);
  EXPECT_EQ(in_use.value(), 2);
  pool.release(first);
  EXPECT_EQ(in_use.value(), 0);
  EXPECT_EQ(pool.in_use(), 0u);
  // Round robin: the other three pairs come before the one just returned.
  std::vector<std::uint16_t> next;
  for (int i = 0; i < 4; ++i) next.push_back(pool.acquire(bind_always));
  EXPECT_EQ(next, (std::vector<std::uint16_t>{20002, 20004, 20006, 20000}));
  EXPECT_EQ(in_use.value(), 8);
  pool.release(20004);
  pool.release(20004);  // twice: no effect
  pool.release(20005);  // not an RTP port: ignored
  EXPECT_EQ(pool.in_use(), 3u);
  EXPECT_EQ(pool.acquire(bind_always), 20004);
}

TEST(MediaPortPool, SkipsPortsThatFailToBind) {
  PortPool pool(20000, 20007);
  auto taken_elsewhere = [](std::uint16_t port) { return port != 20000 && port != 20004; };
  EXPECT_EQ(pool.acquire(taken_elsewhere), 20002);
  EXPECT_EQ(pool.acquire(taken_elsewhere), 20006);
  EXPECT_EQ(pool.in_use(), 2u);  // the failed ones are not held
  EXPECT_THROW(pool.acquire(taken_elsewhere), Error);
  EXPECT_EQ(pool.acquire(bind_always), 20000);
}

TEST(MediaPortPool, EmptyRangeHasNoCapacity) {
  EXPECT_EQ(PortPool(20001, 20002).capacity(), 0u);
  EXPECT_EQ(PortPool(20010, 20000).capacity(), 0u);
  EXPECT_THROW(PortPool(20001, 20002).acquire(bind_always), Error);
}
