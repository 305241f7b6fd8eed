// The hostile corpus (tests/sip/hostile, made by tests/sip/make_hostile_corpus.py):
// every message gets the outcome written in expected.txt — answered with a
// 400, dropped, or (the controls) accepted.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hotline/sip/message.hpp"

using namespace hotline::sip;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && s.front() == ' ') s.erase(0, 1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

TEST(SipHostileCorpus, EveryMessageGetsItsExpectedOutcome) {
  std::filesystem::path dir = std::filesystem::path(HOTLINE_SOURCE_DIR) / "tests/sip/hostile";
  std::ifstream manifest(dir / "expected.txt");
  ASSERT_TRUE(manifest) << dir;
  std::string line;
  int hostile = 0;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string file, expect, why;
    std::getline(fields, file, '|');
    std::getline(fields, expect, '|');
    std::getline(fields, why);
    file = trim(file);
    expect = trim(expect);
    why = trim(why);
    std::ifstream in(dir / file, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(file);
    auto result = parse(bytes, Framing::datagram);
    if (expect == "accept") {
      EXPECT_TRUE(std::holds_alternative<Message>(result))
          << (std::holds_alternative<ParseError>(result) ? std::get<ParseError>(result).reason : "");
      continue;
    }
    ++hostile;
    if (!std::holds_alternative<ParseError>(result)) {
      ADD_FAILURE() << "a hostile message was accepted";
      continue;
    }
    const auto& e = std::get<ParseError>(result);
    EXPECT_NE(e.reason.find(why), std::string::npos) << "reason: " << e.reason;
    if (expect == "400") {
      EXPECT_TRUE(e.answerable) << e.reason;
      if (!e.partial) continue;
      auto response = build_response(*e.partial, 400, "Bad Request", {"t1", "127.0.0.1", 5070, {}, {}, {}});
      EXPECT_EQ(response.rfind("SIP/2.0 400 Bad Request\r\n", 0), 0u);
      EXPECT_TRUE(std::holds_alternative<Message>(parse(response, Framing::datagram)));
    } else {
      EXPECT_EQ(expect, "drop");
      EXPECT_FALSE(e.answerable) << e.reason;
    }
  }
  EXPECT_GE(hostile, 50);
}
