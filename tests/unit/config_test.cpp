#include <gtest/gtest.h>

#include <numeric>

#include "hotline/core/config.hpp"

using hotline::ConfigError;
using hotline::parse_config;

namespace {

std::vector<std::string> problems_of(const std::string& text) {
  try {
    parse_config(text, "test.json");
  } catch (const ConfigError& e) {
    return e.problems();
  }
  return {};
}

}  // namespace

TEST(Config, EmptyObjectGivesTheDefaults) {
  auto c = parse_config("{}", "test.json");
  EXPECT_EQ(c.http.listen.to_string(), "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, "var");
  EXPECT_EQ(c.database_path(), "var/hotline.db");
  EXPECT_EQ(c.log_path(), "var/log/hotlined.log");
  EXPECT_TRUE(c.http.metrics_allow.at(0).contains("127.0.0.1"));
}

TEST(Config, CommentsAreAllowed) {
  auto c = parse_config(R"({
    // the API port
    "http": { "listen": "127.0.0.1:9090" } /* block comment */
  })",
                        "test.json");
  EXPECT_EQ(c.http.listen.port, 9090);
}

TEST(Config, UnknownKeysAreNamedWithTheirPath) {
  auto p = problems_of(R"({"http": {"listen": "127.0.0.1:80", "listne": 1}, "bogus": true})");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "test.json: http.listne: unknown key");
  EXPECT_EQ(p[1], "test.json: bogus: unknown key");
}

TEST(Config, BadValuesNameTheKeyAndTheReason) {
  auto p = problems_of(R"({"http": {"listen": "localhost"}, "auth": {"lockout_threshold": 0},
                           "log": {"level": "loud"}, "store": {"readers": "two"}})");
  ASSERT_EQ(p.size(), 4u);
  EXPECT_EQ(p[0], "test.json: http.listen: expected \"address:port\" with a numeric IP address, got \"localhost\"");
  EXPECT_EQ(p[1], "test.json: auth.lockout_threshold: must be between 1 and 100, got 0");
  EXPECT_EQ(p[2], "test.json: store.readers: expected an integer");
  EXPECT_EQ(p[3], "test.json: log.level: must be one of critical, debug, error, info, off, trace, warn, got \"loud\"");
}

TEST(Config, NetworksAreCheckedOneByOne) {
  auto p = problems_of(R"({"http": {"metrics_allow": ["10.0.0.0/8", "10.0.0.0/33", 5]}})");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "test.json: http.metrics_allow[1]: expected a network such as \"10.0.0.0/8\"");
  EXPECT_EQ(p[1], "test.json: http.metrics_allow[2]: expected a network such as \"10.0.0.0/8\"");
}

TEST(Config, TlsNeedsCertificateAndKey) {
  auto p = problems_of(R"({"http": {"tls": {"enabled": true}}})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "test.json: http.tls.enabled: TLS needs both http.tls.certificate and http.tls.private_key");
}

TEST(Config, SipTlsNeedsCertificateAndKeyAndTlsTrunksNeedSipTls) {
  auto p = problems_of(R"({"sip": {"tls": {"enabled": true}}})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "test.json: sip.tls.enabled: TLS needs both sip.tls.certificate and sip.tls.private_key");
  p = problems_of(R"({"trunks": [{"name": "t", "address": "127.0.0.1:5061", "transport": "tls"}]})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0], "test.json: trunks[0].transport: \"tls\" needs sip.tls.enabled");
  p = problems_of(R"({"trunks": [{"name": "t", "address": "127.0.0.1:5061", "transport": "sctp"}]})");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("trunks[0].transport"), std::string::npos);
}

TEST(Config, SyntaxErrorsSayWhere) {
  auto p = problems_of(R"({"http": )");
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].find("test.json: not valid JSON"), std::string::npos);
  EXPECT_NE(p[0].find("line 1"), std::string::npos);
}

TEST(Config, WrongTypeForSection) {
  auto p = problems_of(R"({"http": 5, "data_dir": ""})");
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0], "test.json: data_dir: must not be empty");
  EXPECT_EQ(p[1], "test.json: http: expected an object");
}

TEST(Config, RecordingsAndPrompts) {
  auto d = parse_config("{}", "test.json");
  EXPECT_TRUE(d.recordings.enabled);
  EXPECT_EQ(d.recordings_path(), std::filesystem::path("var/recordings"));
  EXPECT_EQ(d.prompts_path(), std::filesystem::path("var/prompts"));
  EXPECT_EQ(d.tts_cache_path(), std::filesystem::path("var/tts-cache"));
  auto c = parse_config(R"({"data_dir": "/srv/h", "recordings": {"enabled": false, "directory": "/mnt/rec",
    "retention_days": 0, "header_update_seconds": 2, "disk_alarm_free_mb": 100},
    "prompts": {"directory": "p", "voice": "en", "tts_rate": 200}})",
                        "test.json");
  EXPECT_FALSE(c.recordings.enabled);
  EXPECT_EQ(c.recordings_path(), std::filesystem::path("/mnt/rec"));
  EXPECT_EQ(c.recordings.retention_days, 0u);
  EXPECT_EQ(c.recordings.header_update_seconds, 2u);
  EXPECT_EQ(c.prompts_path(), std::filesystem::path("/srv/h/p"));
  EXPECT_EQ(c.prompts.voice, "en");
  auto problems = problems_of(R"({"recordings": {"header_update_seconds": 0, "directory": "", "colour": 1},
    "prompts": {"voice": "Bad Voice", "tts_rate": 10}})");
  auto joined = std::accumulate(problems.begin(), problems.end(), std::string(),
                                [](std::string a, const std::string& b) { return a + b + "\n"; });
  EXPECT_NE(joined.find("recordings.header_update_seconds: must be between 1 and 300"), std::string::npos) << joined;
  EXPECT_NE(joined.find("recordings.directory: must not be empty"), std::string::npos) << joined;
  EXPECT_NE(joined.find("recordings.colour: unknown key"), std::string::npos) << joined;
  EXPECT_NE(joined.find("prompts.voice"), std::string::npos) << joined;
  EXPECT_NE(joined.find("prompts.tts_rate"), std::string::npos) << joined;
}
