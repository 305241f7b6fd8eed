// The flow loader and validator: the 12345 flow passes, every broken flow of
// tests/ivr-flows-broken/ gives exactly the messages of its .expected file,
// and the flow library keeps the running version when a reload is invalid.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hotline/core/error.hpp"
#include "hotline/ivr/flow.hpp"
#include "hotline/ivr/library.hpp"
#include "hotline/ivr/schedule.hpp"

namespace hotline::ivr {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = HOTLINE_SOURCE_DIR;

ValidationContext context(fs::path prompts = {}) {
  ValidationContext c;
  c.prompts_dir = std::move(prompts);
  c.schedules = {"staffed"};
  return c;
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string joined(const std::vector<Diagnostic>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.to_string() + "\n";
  return out;
}

TEST(IvrFlow, The12345FlowIsValid) {
  auto r = load_flow_file(kSource / "ivr-flows" / "12345.yaml", context(), "12345.yaml");
  EXPECT_EQ(joined(r.errors), "");
  ASSERT_TRUE(r.flow);
  EXPECT_EQ(r.flow->name, "12345");
  EXPECT_EQ(r.flow->start, "entry");
  EXPECT_EQ(r.flow->globals.back, '*');
  EXPECT_EQ(r.flow->globals.operator_digit, '0');
  const auto* welcome = r.flow->find("welcome");
  ASSERT_TRUE(welcome);
  EXPECT_EQ(welcome->type, NodeType::menu);
  EXPECT_EQ(welcome->as<MenuNode>().choices.at('1'), "human");
  EXPECT_EQ(welcome->as<MenuNode>().choices.at('2'), "auto_menu");
  const auto& automatic = r.flow->find("auto_menu")->as<MenuNode>().choices;
  for (char d : std::string("123456")) EXPECT_TRUE(automatic.count(d)) << d;
}

// One broken flow per file; NAME.expected holds its exact messages, one a line.
TEST(IvrFlow, EveryBrokenFlowGivesItsExpectedMessages) {
  auto dir = kSource / "tests" / "ivr-flows-broken";
  int checked = 0;
  for (const auto& item : fs::directory_iterator(dir)) {
    if (item.path().extension() != ".yaml") continue;
    auto name = item.path().filename().string();
    auto expected_file = item.path();
    expected_file.replace_extension(".expected");
    ASSERT_TRUE(fs::exists(expected_file)) << name << " has no .expected file";
    auto r = load_flow_file(item.path(), context(dir), name);
    EXPECT_FALSE(r.flow) << name << " was accepted";
    EXPECT_EQ(joined(r.errors), read(expected_file)) << name;
    ++checked;
  }
  EXPECT_GE(checked, 12);
}

TEST(IvrFlow, PositionsAreOneBasedLineAndColumn) {
  auto r = parse_flow("start: a\nnodes:\n  a:\n    type: hangup\n    colour: red\n", "x.yaml", "x", context());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), "x.yaml:5:5: unknown key \"colour\" in hangup node \"a\"");
}

TEST(IvrFlow, SubstitutionsAreChecked) {
  std::string why;
  EXPECT_TRUE(check_substitutions("您好 ${caller} ${ticket.number}", &why));
  EXPECT_FALSE(check_substitutions("${caller", &why));
  EXPECT_FALSE(check_substitutions("${two words}", &why));
}

TEST(IvrFlow, SchedulesFollowShanghaiTimeAndTheCalendar) {
  IvrConfig ivr;
  ivr.schedules["office"] = IvrSchedule{{"mon", "tue", "wed", "thu", "fri"}, {"08:00-12:00", "13:00-18:00"}, true};
  ivr.schedules["workdays"] = IvrSchedule{{"working"}, {"09:00-17:00"}, false};
  TicketsConfig t;
  t.holidays = {"2026-10-01"};
  t.makeup_workdays = {"2026-09-27"};
  auto s = Schedules::from_config(ivr, t);
  auto at = [](const char* day, int hour, int minute) {
    auto d = tickets::parse_day(day);
    return tickets::start_of_day(d) + (hour * 60 + minute) * 60000LL;
  };
  EXPECT_TRUE(s.open("staffed", at("2026-10-01", 3, 0)));  // the default: 24x7
  EXPECT_TRUE(s.open("office", at("2026-09-28", 8, 0)));   // Monday
  EXPECT_FALSE(s.open("office", at("2026-09-28", 12, 30)));
  EXPECT_FALSE(s.open("office", at("2026-09-28", 18, 0)));
  EXPECT_FALSE(s.open("office", at("2026-10-01", 9, 0)));   // a Thursday, but a holiday
  EXPECT_FALSE(s.open("office", at("2026-09-27", 9, 0)));   // Sunday (a make-up day, not listed)
  EXPECT_TRUE(s.open("workdays", at("2026-09-27", 9, 0)));  // make-up working day
  EXPECT_FALSE(s.open("workdays", at("2026-10-01", 9, 0)));
  EXPECT_FALSE(s.open("nosuch", at("2026-09-28", 9, 0)));
}

class IvrFlowLibrary : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("ivr-lib-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / (name + ".yaml"), std::ios::binary) << text;
  }
  fs::path dir;
};

const char* kGood = "start: hello\nnodes:\n  hello:\n    type: play\n    prompt: \"您好\"\n    next: bye\n"
                    "  bye:\n    type: hangup\n";
const char* kGood2 = "start: bye\nnodes:\n  bye:\n    type: hangup\n    prompt: \"再见\"\n";
const char* kBroken = "start: hello\nnodes:\n  hello:\n    type: play\n    prompt: \"您好\"\n    next: gone\n";

TEST_F(IvrFlowLibrary, AnInvalidReloadKeepsTheRunningVersion) {
  write("main", kGood);
  FlowLibrary lib(dir, context());
  auto first = lib.reload_all();
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].changed);
  auto v1 = lib.get("main");
  ASSERT_TRUE(v1);
  EXPECT_EQ(lib.info("main")->version, 1u);

  write("main", kBroken);
  auto second = lib.reload("main");
  EXPECT_TRUE(second.failed);
  EXPECT_FALSE(second.changed);
  ASSERT_EQ(second.errors.size(), 1u);
  EXPECT_NE(second.errors[0].message.find("\"gone\", which is not a node"), std::string::npos);
  EXPECT_EQ(lib.get("main"), v1);  // still serving version 1
  EXPECT_EQ(lib.info("main")->version, 1u);
  EXPECT_EQ(lib.info("main")->errors.size(), 1u);

  write("main", kGood2);
  auto third = lib.reload_all();
  ASSERT_EQ(third.size(), 1u);
  EXPECT_TRUE(third[0].changed);
  auto v2 = lib.get("main");
  EXPECT_NE(v2, v1);
  EXPECT_EQ(lib.info("main")->version, 2u);
  EXPECT_TRUE(lib.info("main")->errors.empty());
  EXPECT_EQ(v1->start, "hello");  // a call still on version 1 keeps it
  EXPECT_EQ(v2->start, "bye");

  auto unchanged = lib.reload_all();
  EXPECT_FALSE(unchanged[0].changed);
  EXPECT_EQ(lib.info("main")->version, 2u);
}

TEST_F(IvrFlowLibrary, PutValidatesBeforeWriting) {
  FlowLibrary lib(dir, context());
  auto bad = lib.put("new", kBroken);
  EXPECT_TRUE(bad.failed);
  EXPECT_FALSE(fs::exists(dir / "new.yaml"));
  EXPECT_FALSE(lib.get("new"));
  auto good = lib.put("new", kGood);
  EXPECT_FALSE(good.failed);
  EXPECT_TRUE(good.changed);
  EXPECT_EQ(read(dir / "new.yaml"), kGood);
  ASSERT_TRUE(lib.get("new"));
  EXPECT_THROW(lib.put("../escape", kGood), Error);
}

TEST_F(IvrFlowLibrary, AFileThatIsGoneKeepsItsVersion) {
  write("main", kGood);
  FlowLibrary lib(dir, context());
  lib.reload_all();
  fs::remove(dir / "main.yaml");
  auto r = lib.reload_all();
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].failed);
  EXPECT_TRUE(lib.get("main"));
}

}  // namespace
}  // namespace hotline::ivr
