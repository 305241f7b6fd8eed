// Rotation of the caller-data key: values sealed with the old key open while
// both are loaded, `reseal_all` leaves no row under the old id and recomputes
// the phone hashes, it resumes after an interruption, and the key files.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "hotline/store/backup.hpp"
#include "hotline/tickets/key_files.hpp"
#include "hotline/tickets/rekey.hpp"
#include "tickets_fixture.hpp"

using namespace tickets_test;
using hotline::Errc;

namespace {

const MasterKey kFirst{1, kMasterKey};
const MasterKey kSecond{2, std::string(32, '\x43')};

std::string blob_of(hotline::store::Database& db, const std::string& sql) {
  auto& s = db.query(sql);
  EXPECT_TRUE(s.step()) << sql;
  auto b = s.is_null(0) ? std::string() : s.blob(0);
  s.run();
  return b;
}

std::int64_t count(hotline::store::Database& db, const std::string& sql) {
  auto& s = db.query(sql);
  s.step();
  auto n = s.int64(0);
  s.run();
  return n;
}

struct RekeyDb : TicketDb {
  // Rows of every table with sealed values, sealed with the fixture's key (id 1).
  void fill(int tickets) {
    for (int i = 0; i < tickets; ++i) {
      auto t = sample();
      t.caller_phone = "1381234" + std::to_string(5000 + i);
      t.caller_name = "王小明" + std::to_string(i);
      ids.push_back(create(t).id);
    }
    auto sealed = key.seal("13900001111");
    auto hash = key.phone_hash("13900001111");
    auto& m = db->prepare(
        "INSERT INTO ivr_missed_calls (caller_phone_enc, caller_phone_hash, reason, at) VALUES (?, ?, 'hangup', 0)");
    m.bind_blob(1, sealed.data(), sealed.size()).bind_blob(2, hash.data(), hash.size()).run();
    auto& c = db->prepare(
        "INSERT INTO acd_callbacks (call, queue, number_enc, entered_at, requested_at, updated_at) "
        "VALUES ('call-1', 'q', ?, 0, 0, 0)");
    auto number = key.seal("13900002222");
    c.bind_blob(1, number.data(), number.size()).run();
    auto anonymous = key.seal("anonymous");
    const std::string recording =
        "INSERT INTO recordings (call_uuid, caller_phone_enc, caller_phone_hash, started_at, path, state, indexed_at) "
        "VALUES (?, ?, ?, 0, ?, 'complete', 0)";
    db->prepare(recording).bind(1, "call-2").bind_blob(2, sealed.data(), sealed.size())
        .bind_blob(3, hash.data(), hash.size()).bind(4, "a.wav").run();
    db->prepare(recording).bind(1, "call-3").bind_blob(2, anonymous.data(), anonymous.size())
        .bind(3, std::nullopt).bind(4, "b.wav").run();
    db->exec(
        "INSERT INTO calls (uuid, caller, dialled, source, route, started_at, ended_at, duration_ms, talk_ms, status, "
        "hangup_cause, hangup_side) VALUES ('call-4', '13900001111', '12345', 'trunk:t', 'ivr', 0, 1, 1, 0, 200, "
        "'normal', 'caller');"
        "INSERT INTO surveys (id, title, active, created_at) VALUES (1, 's', 1, 0);"
        "INSERT INTO survey_questions (id, survey_id, position, text, max_answer) VALUES (1, 1, 1, 'q', 5);");
    const std::string answer =
        "INSERT INTO survey_answers (survey_id, question_id, answer, caller_phone_hash, call_uuid, answered_at) "
        "VALUES (1, 1, 5, ?, ?, 0)";
    db->prepare(answer).bind_blob(1, hash.data(), hash.size()).bind(2, "call-4").run();
    db->prepare(answer).bind_blob(1, hash.data(), hash.size()).bind(2, "call-gone").run();
  }
  std::vector<std::int64_t> ids;
};

}  // namespace

TEST(Rekey, BothKeysOpenTheirValuesAndTheNewOneSealsAndHashes) {
  PersonalDataKey first(kMasterKey);
  auto old_sealed = first.seal("13812345678");
  EXPECT_EQ(PersonalDataKey::key_id_of(old_sealed), 1);
  PersonalDataKey during(kSecond, {kFirst});
  EXPECT_EQ(during.current_id(), 2);
  EXPECT_EQ(during.open(old_sealed), "13812345678");
  auto new_sealed = during.seal("13812345678");
  EXPECT_EQ(PersonalDataKey::key_id_of(new_sealed), 2);
  EXPECT_EQ(during.open(new_sealed), "13812345678");
  PersonalDataKey after(kSecond);
  EXPECT_EQ(after.open(new_sealed), "13812345678");
  EXPECT_EQ(during.phone_hash("+86 138-1234-5678"), after.phone_hash("13812345678"));
  EXPECT_NE(during.phone_hash("13812345678"), first.phone_hash("13812345678"));
  // The old key alone cannot open the new value, and says which id is missing.
  auto message = error_of([&] { first.open(new_sealed); });
  EXPECT_NE(message.find("key id 2"), std::string::npos) << message;
  EXPECT_NE(message.find("not loaded"), std::string::npos) << message;
}

TEST(Rekey, AValueUnderAnUnknownKeyIdIsRefusedClearly) {
  PersonalDataKey during(kSecond, {kFirst});
  auto sealed = during.seal("13812345678");
  sealed[0] = 7;
  EXPECT_EQ(error_code_of([&] { during.open(sealed); }), Errc::internal);
  auto message = error_of([&] { during.open(sealed); });
  EXPECT_NE(message.find("key id 7, which is not loaded (current key id 2)"), std::string::npos) << message;
  // A value claiming a loaded id but sealed by another key does not open either.
  sealed[0] = 1;
  EXPECT_NE(error_of([&] { during.open(sealed); }).find("does not open with key id 1"), std::string::npos);
  EXPECT_EQ(error_code_of([] { PersonalDataKey twice(kFirst, {kFirst}); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([] { PersonalDataKey zero(MasterKey{0, kMasterKey}); }), Errc::invalid_argument);
}

TEST_F(RekeyDb, ResealAllLeavesNoOldIdAndRecomputesEveryHash) {
  fill(5);
  PersonalDataKey during(kSecond, {kFirst});
  EXPECT_EQ(count_rows_not_sealed_with(*db, 2), 5 + 1 + 1 + 2);
  RekeyOptions options;
  options.batch_rows = 2;
  auto result = reseal_all(*db, during, options);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(count_rows_not_sealed_with(*db, 2), 0);
  ASSERT_EQ(result.tables.size(), 5u);
  EXPECT_EQ(result.tables[0].table, "tickets");
  EXPECT_EQ(result.tables[0].rows, 5);
  EXPECT_EQ(result.tables[1].rows, 2);  // recordings
  EXPECT_EQ(result.tables[2].rows, 1);  // ivr_missed_calls
  EXPECT_EQ(result.tables[3].rows, 1);  // acd_callbacks
  EXPECT_EQ(result.tables[4].rows, 2);  // survey_answers
  EXPECT_EQ(result.batches, 3 + 1 + 1 + 1 + 1);
  for (const char* sql : {"SELECT COUNT(*) FROM tickets WHERE hex(substr(caller_phone_enc, 1, 1)) <> '02' OR "
                          "hex(substr(caller_name_enc, 1, 1)) <> '02'",
                          "SELECT COUNT(*) FROM recordings WHERE hex(substr(caller_phone_enc, 1, 1)) <> '02'",
                          "SELECT COUNT(*) FROM ivr_missed_calls WHERE hex(substr(caller_phone_enc, 1, 1)) <> '02'",
                          "SELECT COUNT(*) FROM acd_callbacks WHERE hex(substr(number_enc, 1, 1)) <> '02'"}) {
    EXPECT_EQ(count(*db, sql), 0) << sql;
  }

  // Everything reads with the new key alone; look-ups by number find the same rows.
  PersonalDataKey after(kSecond);
  for (int i = 0; i < 5; ++i) {
    auto c = caller_of(*db, after, ids[i]);
    EXPECT_EQ(c.phone, "1381234" + std::to_string(5000 + i));
    EXPECT_EQ(c.name, "王小明" + std::to_string(i));
    auto earlier = tickets_of_caller(*db, after, "+86 138-1234-" + std::to_string(5000 + i), 10);
    ASSERT_EQ(earlier.size(), 1u);
    EXPECT_EQ(earlier[0].id, ids[i]);
    EXPECT_TRUE(tickets_of_caller(*db, key, "1381234" + std::to_string(5000 + i), 10).empty());  // old hash gone
  }
  auto hash = after.phone_hash("13900001111");
  EXPECT_EQ(blob_of(*db, "SELECT caller_phone_hash FROM ivr_missed_calls"), hash);
  EXPECT_EQ(after.open(blob_of(*db, "SELECT caller_phone_enc FROM ivr_missed_calls")), "13900001111");
  EXPECT_EQ(blob_of(*db, "SELECT caller_phone_hash FROM recordings WHERE path = 'a.wav'"), hash);
  EXPECT_EQ(blob_of(*db, "SELECT caller_phone_hash FROM recordings WHERE path = 'b.wav'"), "");  // stays NULL
  EXPECT_EQ(after.open(blob_of(*db, "SELECT caller_phone_enc FROM recordings WHERE path = 'b.wav'")), "anonymous");
  EXPECT_EQ(after.open(blob_of(*db, "SELECT number_enc FROM acd_callbacks")), "13900002222");
  EXPECT_EQ(blob_of(*db, "SELECT caller_phone_hash FROM survey_answers WHERE call_uuid = 'call-4'"), hash);
  // No call record to recompute from: the old-key hash is dropped, the answer stays.
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM survey_answers WHERE call_uuid = 'call-gone' AND "
                       "caller_phone_hash IS NULL"),
            1);

  // A second run has nothing left to do.
  auto again = reseal_all(*db, during, options);
  EXPECT_TRUE(again.finished);
  EXPECT_EQ(again.tables[0].rows, 0);
}

TEST_F(RekeyDb, AnInterruptedResealResumesWithoutLosingARow) {
  fill(7);
  PersonalDataKey during(kSecond, {kFirst});
  RekeyOptions options;
  options.batch_rows = 3;
  options.stop_after_batches = 1;
  auto first = reseal_all(*db, during, options);
  EXPECT_FALSE(first.finished);
  EXPECT_EQ(first.batches, 1);
  EXPECT_EQ(count(*db, "SELECT COUNT(*) FROM tickets WHERE hex(substr(caller_phone_enc, 1, 1)) = '02'"), 3);
  EXPECT_EQ(count_rows_not_sealed_with(*db, 2), 4 + 1 + 1 + 2);
  options.stop_after_batches = 2;
  EXPECT_FALSE(reseal_all(*db, during, options).finished);
  options.stop_after_batches.reset();
  auto rest = reseal_all(*db, during, options);
  ASSERT_TRUE(rest.finished);
  EXPECT_EQ(count_rows_not_sealed_with(*db, 2), 0);
  PersonalDataKey after(kSecond);
  for (int i = 0; i < 7; ++i) {
    EXPECT_EQ(caller_of(*db, after, ids[i]).phone, "1381234" + std::to_string(5000 + i));
    EXPECT_EQ(tickets_of_caller(*db, after, "1381234" + std::to_string(5000 + i), 10).size(), 1u);
  }
  // A row under a key that is not loaded stops the job with its table and row.
  auto stray = PersonalDataKey(MasterKey{9, std::string(32, 'z')}).seal("x");
  db->prepare("UPDATE tickets SET caller_name_enc = ? WHERE id = " + std::to_string(ids[0]))
      .bind_blob(1, stray.data(), stray.size())
      .run();
  auto message = error_of([&] { reseal_all(*db, during, options); });
  EXPECT_NE(message.find("tickets row " + std::to_string(ids[0])), std::string::npos) << message;
  EXPECT_NE(message.find("key id 9"), std::string::npos) << message;
}

TEST(Rekey, KeyFilesCarryTheirIdAndArePrivate) {
  char pattern[] = "/tmp/hotline-rekey-XXXXXX";
  fs::path dir = mkdtemp(pattern);
  auto path = dir / "caller.key.next";
  auto key = generate_master_key(7);
  write_key_file(path, key);
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(st.st_size, 38);
  auto read = read_key_file(path);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->id, 7);
  EXPECT_EQ(read->bytes, key.bytes);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
  EXPECT_FALSE(read_key_file(dir / "none"));
  {
    std::ofstream(dir / "legacy", std::ios::binary) << kMasterKey;
    fs::permissions(dir / "legacy", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    auto legacy = read_key_file(dir / "legacy");
    ASSERT_TRUE(legacy);
    EXPECT_EQ(legacy->id, 1);
    EXPECT_EQ(legacy->bytes, kMasterKey);
  }
  {
    std::ofstream(dir / "bad", std::ios::binary) << "XXXX" << '\1' << '\2' << kMasterKey;
    fs::permissions(dir / "bad", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
    EXPECT_EQ(error_code_of([&] { read_key_file(dir / "bad"); }), Errc::invalid_argument);
    std::ofstream(dir / "bad", std::ios::binary) << "HLCK" << '\1' << '\0' << kMasterKey;
    EXPECT_EQ(error_code_of([&] { read_key_file(dir / "bad"); }), Errc::invalid_argument);  // id 0
  }
  EXPECT_EQ(next_key_id(1), 2);
  EXPECT_EQ(next_key_id(255), 1);
  fs::remove_all(dir);
}

TEST_F(RekeyDb, RotateKeyResumesAndOnlyThenReplacesTheKeyFile) {
  fill(4);
  // The data directory is the fixture's: its caller.key is the fixture's key (id 1).
  {
    std::ofstream(dir / "caller.key", std::ios::binary) << kMasterKey;
    fs::permissions(dir / "caller.key", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  }
  db.reset();  // the daemon is stopped
  RekeyOptions options;
  options.batch_rows = 2;
  options.stop_after_batches = 1;
  auto stopped = rotate_caller_key(dir, dir / "t.db", options);
  EXPECT_FALSE(stopped.rekey.finished);
  EXPECT_FALSE(stopped.resumed);
  EXPECT_EQ(stopped.to_id, 2);
  EXPECT_EQ(read_key_file(dir / "caller.key")->id, 1);  // the old key stays until every row is done
  ASSERT_TRUE(read_key_file(dir / "caller.key.next"));
  auto message = error_of([&] { load_or_create_key(dir); });
  EXPECT_NE(message.find("rotate-key"), std::string::npos) << message;
  {
    hotline::store::DataDirLock daemon(dir / "hotlined.lock");
    EXPECT_EQ(error_code_of([&] { rotate_caller_key(dir, dir / "t.db", options); }), Errc::conflict);
  }
  options.stop_after_batches.reset();
  auto done = rotate_caller_key(dir, dir / "t.db", options);
  EXPECT_TRUE(done.resumed);
  EXPECT_TRUE(done.rekey.finished);
  EXPECT_FALSE(fs::exists(dir / "caller.key.next"));
  auto now = load_or_create_key(dir);
  EXPECT_EQ(now.id, 2);
  PersonalDataKey after(now);
  db = std::make_unique<hotline::store::Database>(dir / "t.db", hotline::store::OpenMode::read_write);
  EXPECT_EQ(count_rows_not_sealed_with(*db, 2), 0);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(caller_of(*db, after, ids[i]).phone, "1381234" + std::to_string(5000 + i));
  EXPECT_NE(error_of([&] { caller_of(*db, key, ids[0]); }).find("key id 2"), std::string::npos);
  // The next rotation goes from 2 to 3.
  db.reset();
  auto third = rotate_caller_key(dir, dir / "t.db", options);
  EXPECT_EQ(third.from_id, 2);
  EXPECT_EQ(third.to_id, 3);
  EXPECT_EQ(load_or_create_key(dir).id, 3);
  db = std::make_unique<hotline::store::Database>(dir / "t.db", hotline::store::OpenMode::read_write);
  EXPECT_EQ(count_rows_not_sealed_with(*db, 3), 0);
}
