#include <gtest/gtest.h>

#include "hotline/core/net.hpp"

using hotline::Cidr;
using hotline::Endpoint;

TEST(Endpoint, ParsesV4AndV6) {
  auto a = Endpoint::parse("127.0.0.1:8080");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 8080);
  auto b = Endpoint::parse("[::1]:5060");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->to_string(), "[::1]:5060");
}

TEST(Endpoint, RejectsMalformed) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":80", "host:80", "127.0.0.1:70000", "127.0.0.1:8a", "::1:80",
                          "[::1]80", "[::1]:"}) {
    EXPECT_FALSE(Endpoint::parse(bad)) << bad;
  }
}

TEST(Cidr, MatchesPrefixes) {
  auto net = *Cidr::parse("10.1.0.0/16");
  EXPECT_TRUE(net.contains("10.1.200.3"));
  EXPECT_FALSE(net.contains("10.2.0.1"));
  EXPECT_FALSE(net.contains("::1"));
  EXPECT_FALSE(net.contains("not an address"));
  auto odd = *Cidr::parse("192.168.1.128/25");
  EXPECT_TRUE(odd.contains("192.168.1.200"));
  EXPECT_FALSE(odd.contains("192.168.1.127"));
  auto v6 = *Cidr::parse("::1/128");
  EXPECT_TRUE(v6.contains("::1"));
  EXPECT_FALSE(v6.contains("::2"));
  auto any = *Cidr::parse("0.0.0.0/0");
  EXPECT_TRUE(any.contains("8.8.8.8"));
}

TEST(Cidr, MappedV4MatchesV4Networks) {
  auto net = *Cidr::parse("127.0.0.0/8");
  EXPECT_TRUE(net.contains("::ffff:127.0.0.1"));
}

TEST(Cidr, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0/8", "10.0.0.0/8x"}) {
    EXPECT_FALSE(Cidr::parse(bad)) << bad;
  }
}
