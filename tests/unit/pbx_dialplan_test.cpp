#include <gtest/gtest.h>

#include "hotline/core/config.hpp"
#include "hotline/core/dial_pattern.hpp"
#include "hotline/pbx/dialplan.hpp"

using namespace hotline;
using namespace hotline::pbx;

TEST(DialPattern, LiteralsAndClasses) {
  EXPECT_TRUE(dial_pattern_matches("12345", "12345"));
  EXPECT_FALSE(dial_pattern_matches("12345", "123456"));
  EXPECT_TRUE(dial_pattern_matches("_8XXX", "8001"));
  EXPECT_FALSE(dial_pattern_matches("_8XXX", "800"));
  EXPECT_FALSE(dial_pattern_matches("_8XXX", "80011"));
  EXPECT_TRUE(dial_pattern_matches("_NXXXXXXX", "26001234"));
  EXPECT_FALSE(dial_pattern_matches("_NXXXXXXX", "16001234"));
  EXPECT_TRUE(dial_pattern_matches("_1[3-9]XXXXXXXXX", "13800138000"));
  EXPECT_FALSE(dial_pattern_matches("_1[3-9]XXXXXXXXX", "12800138000"));
  EXPECT_TRUE(dial_pattern_matches("_0.", "0251234"));
  EXPECT_FALSE(dial_pattern_matches("_0.", "0"));
  EXPECT_TRUE(dial_pattern_matches("_0!", "0"));
  EXPECT_TRUE(dial_pattern_matches("_.", "9196"));
  EXPECT_TRUE(dial_pattern_matches("_Z[136]X", "131"));
  EXPECT_TRUE(dial_pattern_matches("_*X#", "*5#"));
}

TEST(DialPattern, ProblemsAreExplained) {
  EXPECT_FALSE(dial_pattern_problem("12345"));
  EXPECT_FALSE(dial_pattern_problem("_8XXX"));
  EXPECT_TRUE(dial_pattern_problem(""));
  EXPECT_TRUE(dial_pattern_problem("8XXX"));  // a pattern needs the underscore
  EXPECT_TRUE(dial_pattern_problem("_"));
  EXPECT_TRUE(dial_pattern_problem("_8.X"));
  EXPECT_TRUE(dial_pattern_problem("_[12"));
  EXPECT_TRUE(dial_pattern_problem("_[]"));
  EXPECT_TRUE(dial_pattern_problem("_8Q"));
}

namespace {

Config config_with(const std::string& json) { return parse_config(json, "test.json"); }

}  // namespace

TEST(DialPlan, TrunkMappingThenDialPlanThenRefusals) {
  auto c = config_with(R"({
    "trunks": [{"name": "carrier", "acl": ["10.0.0.0/8"], "address": "10.1.1.1:5060",
                "class_of_service": "local", "inbound": [{"match": "12345", "to": "ivr:12345"}]}],
    "dialplan": [{"match": "9196", "to": "echo"}, {"match": "_8XXX", "to": "extension"},
                 {"match": "_0.", "to": "trunk:carrier", "strip": 1, "prepend": "+86"},
                 {"match": "110", "to": "reject:403"}],
    "classes_of_service": {"local": ["_8XXX", "9196"], "internal": ["_8XXX"]}
  })");
  DialPlan plan(c);
  const TrunkConfig* trunk = plan.trunk_for_address("10.2.3.4");
  ASSERT_TRUE(trunk);
  EXPECT_EQ(trunk->name, "carrier");
  EXPECT_FALSE(plan.trunk_for_address("192.168.1.1"));

  Caller from_trunk{"trunk:carrier", trunk, trunk->class_of_service};
  auto ivr = std::get<Route>(plan.route(from_trunk, "12345"));
  EXPECT_EQ(ivr.describe(), "ivr:12345");
  auto ext = std::get<Route>(plan.route(from_trunk, "8001"));
  EXPECT_EQ(ext.describe(), "extension:8001");
  // The trunk's class may not dial out again (no toll fraud through us).
  EXPECT_EQ(std::get<Refusal>(plan.route(from_trunk, "0251234")).status, 403);

  Caller agent{"extension:8001", nullptr, "all"};
  auto out = std::get<Route>(plan.route(agent, "0251234"));
  EXPECT_EQ(out.describe(), "trunk:carrier");
  EXPECT_EQ(out.number, "+86251234");
  EXPECT_EQ(std::get<Route>(plan.route(agent, "110")).status, 403);
  EXPECT_EQ(std::get<Refusal>(plan.route(agent, "7777")).status, 404);
  EXPECT_EQ(std::get<Refusal>(plan.route(agent, "")).status, 484);
  Caller internal{"extension:8002", nullptr, "internal"};
  EXPECT_EQ(std::get<Refusal>(plan.route(internal, "9196")).status, 403);
  Caller unknown_class{"extension:8003", nullptr, "nonesuch"};
  EXPECT_EQ(std::get<Refusal>(plan.route(unknown_class, "8001")).status, 403);
}

TEST(DialPlan, DefaultsRouteEchoAndExtensions) {
  DialPlan plan(config_with("{}"));
  Caller agent{"extension:8001", nullptr, "all"};
  EXPECT_EQ(std::get<Route>(plan.route(agent, "9196")).describe(), "echo");
  EXPECT_EQ(std::get<Route>(plan.route(agent, "8123")).describe(), "extension:8123");
}

TEST(DialPlan, ConfigProblemsNameTheKey) {
  try {
    config_with(R"({
      "trunks": [{"name": "a", "acl": ["10.0.0.0/8"], "class_of_service": "gold"}, {"name": "a", "acl": ["x"]}],
      "dialplan": [{"match": "8XXX", "to": "extension"}, {"match": "_0.", "to": "trunk:nowhere"},
                   {"match": "1", "to": "voicemail"}, {"match": "2", "to": "reject:200"}],
      "rtp": {"ports": "30000-20000"},
      "classes_of_service": {"x": ["_Q"]}
    })");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    std::string all = e.what();
    for (const char* expected :
         {"dialplan[0].match: a literal number", "dialplan[1].to: no trunk named \"nowhere\"",
          "dialplan[2].to: expected echo", "dialplan[3].to: reject: needs a status code", "rtp.ports: expected",
          "trunks[0].class_of_service: no class named \"gold\"", "trunks[1].name: \"a\" is used twice",
          "trunks[1].acl[0]: expected a network", "classes_of_service.x[0]: unexpected character"}) {
      EXPECT_NE(all.find(expected), std::string::npos) << expected << "\n" << all;
    }
  }
}
