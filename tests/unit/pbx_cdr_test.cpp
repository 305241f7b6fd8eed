#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "hotline/pbx/cdr.hpp"
#include "hotline/store/migrations.hpp"

using namespace hotline;
using namespace hotline::pbx;

namespace {

struct CdrDb : ::testing::Test {
  CdrDb() {
    char pattern[] = "/tmp/hotline-cdr-XXXXXX";
    dir = mkdtemp(pattern);
    db = std::make_unique<store::Database>(dir / "c.db", store::OpenMode::read_write_create);
    store::migrate(*db);
  }
  ~CdrDb() override {
    db.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::unique_ptr<store::Database> db;
};

CallRecord answered_call(const std::string& uuid, const std::string& caller, std::int64_t start) {
  CallRecord r{uuid,         caller,        "8001", "trunk:carrier", "extension:8001", start,
               start + 5000, start + 65000, 200,    "normal",        "caller",         "",  {}};
  LegRecord a;
  a.index = 0;
  a.role = "caller";
  a.sip_call_id = "a@x";
  a.from_uri = "sip:" + caller + "@carrier";
  a.to_uri = "sip:8001@hotline";
  a.endpoint = "trunk:carrier";
  a.started_at = start;
  a.answered_at = start + 5000;
  a.ended_at = start + 65000;
  a.status = 200;
  a.hangup_cause = "normal";
  a.hangup_side = "caller";
  a.codec = "PCMA";
  a.packets_in = 3000;
  a.packets_out = 2990;
  a.lost_in = 10;
  a.jitter_in_ms = 1.5;
  LegRecord b = a;
  b.index = 1;
  b.role = "callee";
  b.endpoint = "extension:8001";
  b.lost_out = 4;
  b.jitter_out_ms = 2.25;
  r.legs = {a, b};
  return r;
}

}  // namespace

TEST_F(CdrDb, CallAndLegsAreStoredAndFound) {
  auto id =
      store::in_transaction(*db, [&] { return insert_call_record(*db, answered_call("u1", "13800138000", 1000)); });
  EXPECT_GT(id, 0);
  store::in_transaction(*db, [&] { insert_call_record(*db, answered_call("u2", "13900139000", 2000)); });
  auto all = find_call_records(*db, {0, 0, "", 10});
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].uuid, "u2");  // newest first
  auto one = find_call_records(*db, {0, 0, "13800138000", 10});
  ASSERT_EQ(one.size(), 1u);
  const auto& r = one[0];
  EXPECT_EQ(r.route, "extension:8001");
  ASSERT_EQ(r.legs.size(), 2u);
  EXPECT_EQ(r.legs[1].endpoint, "extension:8001");
  EXPECT_EQ(r.legs[0].packets_in, 3000u);
  EXPECT_EQ(r.legs[1].lost_out, 4u);
  EXPECT_DOUBLE_EQ(r.legs[1].jitter_out_ms, 2.25);
  auto& s = db->query("SELECT duration_ms, talk_ms FROM calls WHERE uuid = 'u1'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), 65000);
  EXPECT_EQ(s.int64(1), 60000);
  s.run();
  EXPECT_TRUE(find_call_records(*db, {5000, 0, "", 10}).empty());
}

TEST_F(CdrDb, UnansweredCallHasNoAnswerTimeAndNoTalkTime) {
  auto r = answered_call("u3", "13800138000", 1000);
  r.answered_at = 0;
  r.status = 486;
  r.legs.resize(1);
  r.legs[0].answered_at = 0;
  store::in_transaction(*db, [&] { insert_call_record(*db, r); });
  auto& s = db->query("SELECT answered_at IS NULL, talk_ms, status FROM calls WHERE uuid = 'u3'");
  ASSERT_TRUE(s.step());
  EXPECT_EQ(s.int64(0), 1);
  EXPECT_EQ(s.int64(1), 0);
  EXPECT_EQ(s.int64(2), 486);
  s.run();
}
