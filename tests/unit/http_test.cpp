#include <gtest/gtest.h>

#include "hotline/api/http.hpp"
#include "hotline/api/router.hpp"

using namespace hotline::api;

TEST(Http, QueryStringsAreDecoded) {
  auto q = parse_query("a=1&b=%E4%B8%AD&c=x+y&flag&&bad=%zz");
  EXPECT_EQ(q["a"], "1");
  EXPECT_EQ(q["b"], "中");
  EXPECT_EQ(q["c"], "x y");
  EXPECT_EQ(q["flag"], "");
  EXPECT_EQ(q.count("bad"), 0u);
  EXPECT_FALSE(percent_decode("%4"));
  EXPECT_EQ(percent_decode("%2F"), "/");
}

TEST(Http, CookieValues) {
  EXPECT_EQ(cookie_value("a=1; hotline_session=abc; b=2", "hotline_session"), "abc");
  EXPECT_EQ(cookie_value("hotline_session=", "hotline_session"), "");
  EXPECT_FALSE(cookie_value("other=1", "hotline_session"));
}

TEST(Http, ErrorBodyShape) {
  auto r = HttpResponse::error(404, "not_found", "no such thing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"error":{"code":"not_found","message":"no such thing"}})");
}

TEST(RouterTest, MatchesPatternsAndReportsWrongMethods) {
  Router router;
  auto none = [](HttpRequest&) -> boost::asio::awaitable<HttpResponse> { co_return HttpResponse{}; };
  router.add("GET", "/api/v1/users", hotline::auth::Permission::users_read, "", none);
  router.add("GET", "/api/v1/users/{id}", hotline::auth::Permission::users_read, "", none);
  router.add("PATCH", "/api/v1/users/{id}", hotline::auth::Permission::users_manage, "", none);
  auto m = router.match("PATCH", "/api/v1/users/42");
  ASSERT_TRUE(m.route);
  EXPECT_EQ(m.route->method, "PATCH");
  EXPECT_EQ(m.params["id"], "42");
  EXPECT_TRUE(router.match("HEAD", "/api/v1/users").route);
  auto wrong = router.match("DELETE", "/api/v1/users/42");
  EXPECT_FALSE(wrong.route);
  EXPECT_TRUE(wrong.other_method);
  auto missing = router.match("GET", "/api/v1/nothing");
  EXPECT_FALSE(missing.route);
  EXPECT_FALSE(missing.other_method);
  EXPECT_FALSE(router.match("GET", "/api/v1/users/42/extra").route);
}

TEST(Http, RangeHeaders) {
  using hotline::api::ByteRange;
  using hotline::api::parse_range;
  auto r = parse_range("bytes=0-99", 1000);
  EXPECT_EQ(r.kind, ByteRange::satisfiable);
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 99u);
  r = parse_range("bytes=900-", 1000);
  EXPECT_EQ(r.kind, ByteRange::satisfiable);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  r = parse_range("bytes=-100", 1000);
  EXPECT_EQ(r.first, 900u);
  EXPECT_EQ(r.last, 999u);
  r = parse_range("bytes=-5000", 1000);
  EXPECT_EQ(r.first, 0u);
  r = parse_range("bytes=500-5000", 1000);
  EXPECT_EQ(r.last, 999u);
  EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, ByteRange::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).kind, ByteRange::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, ByteRange::unsatisfiable);
  // Ignored: the whole file is sent.
  EXPECT_EQ(parse_range("", 1000).kind, ByteRange::none);
  EXPECT_EQ(parse_range("bytes=0-1,5-6", 1000).kind, ByteRange::none);
  EXPECT_EQ(parse_range("items=0-1", 1000).kind, ByteRange::none);
  EXPECT_EQ(parse_range("bytes=5-1", 1000).kind, ByteRange::none);
  EXPECT_EQ(parse_range("bytes=a-b", 1000).kind, ByteRange::none);
  EXPECT_EQ(parse_range("bytes=99999999999999999999-", 1000).kind, ByteRange::none);
  EXPECT_EQ(parse_range("bytes=-", 1000).kind, ByteRange::none);
}
