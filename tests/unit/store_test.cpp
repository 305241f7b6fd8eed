#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/store/backup.hpp"
#include "hotline/store/database.hpp"
#include "hotline/store/migrations.hpp"

namespace fs = std::filesystem;
using namespace hotline::store;

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/hotline-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Rows that a database at schema version `version` can hold, as an earlier
// hotlined would have written them.
void seed(Database& db, int version) {
  auto now = hotline::now_ms();
  switch (version) {
    case 1:
      db.query(
            "INSERT INTO users (job_number, display_name, password_hash, password_changed_at, created_at, updated_at) "
            "VALUES ('1001', '张三', 'x', ?, ?, ?)",
            now, now, now)
          .run();
      db.query("INSERT INTO user_roles (user_id, role) VALUES (1, 'agent')").run();
      db.query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (x'01', 1, ?, ?)", now, now)
          .run();
      break;
    case 2:
      db.query("INSERT INTO audit_log (at, actor, action, prev_hash, hash) VALUES (?, 'admin', 'test', x'00', x'01')",
               now)
          .run();
      break;
    case 3:
      db.query("INSERT INTO departments (code, name, created_at) VALUES ('water', '市水务局', ?)", now).run();
      db.query("UPDATE users SET department_id = 1 WHERE id = 1").run();
      break;
    case 4:
      db.query("INSERT INTO sip_accounts (username, display_name, realm, ha1_md5, ha1_sha256, user_id, created_at, "
               "updated_at) VALUES ('8001', '8001', 'hotline', 'x', 'y', 1, ?, ?)", now, now).run();
      break;
    case 5:
      db.query("UPDATE departments SET office_phone = '025-12345678' WHERE id = 1").run();
      db.query("INSERT INTO dispatch_catalogue (category_code, department_id, updated_at) VALUES ('03', 1, ?)", now)
          .run();
      db.query("INSERT INTO ticket_sequences (day, last) VALUES ('20261128', 1)").run();
      db.query(
            "INSERT INTO tickets (number, type, channel, category_code, urgency, summary, caller_phone_enc, "
            "caller_phone_hash, state, lead_department_id, created_by, created_at, updated_at) VALUES "
            "('2026112800001', 'complaint', 'phone', '0301', 'normal', '停水', x'01', x'02', 'dispatched', 1, 1, ?, ?)",
            now, now)
          .run();
      db.query("INSERT INTO ticket_assignments (ticket_id, department_id, role, assigned_at) VALUES (1, 1, 'lead', ?)",
               now)
          .run();
      db.query(
            "INSERT INTO ticket_history (ticket_id, at, actor, action, to_state) VALUES (1, ?, '1001', 'create', "
            "'created')",
            now)
          .run();
      db.query("INSERT INTO reminders (ticket_id, due_at, created_by, created_at) VALUES (1, ?, 1, ?)", now, now).run();
      break;
    case 6:
      db.query(
            "INSERT INTO kb_articles (section, title, body, created_at, updated_at) VALUES ('faq', '社保卡补办', "
            "'携带身份证办理', ?, ?)",
            now, now)
          .run();
      db.query(
            "INSERT INTO kb_article_versions (article_id, version, section, title, body, edited_at) VALUES "
            "(1, 1, 'faq', '社保卡补办', '携带身份证办理', ?)",
            now)
          .run();
      db.query("UPDATE tickets SET kb_article_id = 1 WHERE id = 1").run();
      break;
    case 7:
      db.query("UPDATE sip_accounts SET class_of_service = 'internal' WHERE id = 1").run();
      db.query(
            "INSERT INTO calls (uuid, caller, dialled, source, route, started_at, ended_at, duration_ms, talk_ms, "
            "status, hangup_cause, hangup_side) VALUES ('c1', '13800000000', '12345', 'trunk:carrier', 'echo', ?, ?, "
            "0, 0, 200, 'normal', 'caller')",
            now, now)
          .run();
      db.query(
            "INSERT INTO call_legs (call_id, leg_index, role, sip_call_id, from_uri, to_uri, endpoint, started_at, "
            "ended_at, duration_ms, status, hangup_cause, hangup_side) VALUES (1, 0, 'caller', 'x@y', 'sip:a@b', "
            "'sip:12345@b', 'trunk:carrier', ?, ?, 0, 200, 'normal', 'caller')",
            now, now)
          .run();
      break;
    case 8:
      db.query("INSERT INTO ticket_escalations (ticket_id, deadline, due, level, fired_at) VALUES (1, 'sign', ?, "
               "'red', ?)",
               now, now)
          .run();
      break;
    case 9:  // an index only; one more open ticket for it to cover
      db.query(
            "INSERT INTO tickets (number, type, channel, category_code, urgency, summary, state, created_at, "
            "updated_at) VALUES ('2026112800002', 'help', 'letter', '0101', 'normal', '路灯', 'created', ?, ?)",
            now, now)
          .run();
      break;
    case 10:
      db.query(
            "INSERT INTO recordings (call_uuid, legs, agent, caller_phone_hash, started_at, duration_ms, size_bytes, "
            "sha256, path, state, ticket_id, indexed_at) VALUES ('c1', '[\"x@y\"]', '8001', x'02', ?, 1000, 32044, "
            "'ab', '2026/11/28/c1.wav', 'complete', 1, ?)",
            now, now)
          .run();
      break;
    case 11:  // the IVR: a recorded message, a missed call, a survey with an answer
      db.query(
            "INSERT INTO ivr_messages (ticket_id, kind, path, duration_ms, call_uuid, flow, created_at) VALUES "
            "(1, 'complaint', 'm/1.wav', 12000, 'c1', '12345', ?)",
            now)
          .run();
      db.query(
            "INSERT INTO ivr_missed_calls (caller_phone_enc, caller_phone_hash, call_uuid, flow, node, reason, at) "
            "VALUES (x'01', x'02', 'c1', '12345', 'welcome', 'hangup', ?)",
            now)
          .run();
      db.query("INSERT INTO surveys (title, active, created_at) VALUES ('满意度', 1, ?)", now).run();
      db.query("INSERT INTO survey_questions (survey_id, position, text, max_answer) VALUES (1, 1, '满意请按1', 2)")
          .run();
      db.query("INSERT INTO survey_answers (survey_id, question_id, answer, answered_at) VALUES (1, 1, 1, ?)", now)
          .run();
      break;
    case 12:  // a call that went through the IVR
      db.query(
            "INSERT INTO calls (uuid, caller, dialled, source, route, started_at, ended_at, duration_ms, talk_ms, status, "
            "hangup_cause, hangup_side, ivr_path) VALUES ('c12', '1', '12345', 'trunk:t', 'ivr:12345', ?, ?, 0, 0, 200, "
            "'normal', 'caller', '[]')",
            now, now)
          .run();
      break;
    case 13:  // the ACD: a queue, a member, one event of each log, a callback
      db.query("INSERT INTO acd_queues (name, settings, updated_at) VALUES ('human', '{}', ?)", now).run();
      db.query("INSERT INTO acd_members (queue, agent, penalty, updated_at) VALUES ('human', '1001', 0, ?)", now).run();
      db.query("INSERT INTO acd_queue_events (at, kind, queue, call, priority, position) VALUES (?, 'enter', 'human', "
               "'c13', 0, 1)",
               now)
          .run();
      db.query("INSERT INTO acd_agent_events (at, agent, from_state, to_state, reason) VALUES (?, '1001', "
               "'logged_out', 'not_ready', 'login')",
               now)
          .run();
      db.query("INSERT INTO acd_callbacks (call, queue, number_enc, entered_at, requested_at, updated_at) VALUES "
               "('c13', 'human', x'00', ?, ?, ?)",
               now, now, now)
          .run();
      break;
    case 14:  // report aggregates: a bucket written by the triggers, and a rebuild mark
      db.query("INSERT INTO acd_queue_events (at, kind, queue, call, agent, wait_ms) VALUES (?, 'connect', 'human', "
               "'c13', '1001', 4000)",
               now)
          .run();
      db.query("INSERT INTO report_state (key, value, updated_at) VALUES ('rebuilt_at', '0', ?)", now).run();
      break;
    case 15:  // an attachment of ticket 1 (a scanned letter), and a deleted one
      db.query(
            "INSERT INTO ticket_attachments (ticket_id, name, content_type, size, sha256, kind, uploaded_by, "
            "uploaded_by_job, uploaded_at) VALUES (1, '来信.pdf', 'application/pdf', 9, ?, 'file', 1, '1001', ?)",
            std::string(64, 'a'), now)
          .run();
      db.query(
            "INSERT INTO ticket_attachments (ticket_id, name, content_type, size, sha256, kind, uploaded_by, "
            "uploaded_by_job, uploaded_at, deleted_at, deleted_by_job) VALUES (1, 'reply.png', 'image/png', 8, ?, "
            "'reply', 1, '1001', ?, ?, '1001')",
            std::string(64, 'b'), now, now)
          .run();
      break;
    case 16:  // an index only: an article written after it, found through it
      db.query(
            "INSERT INTO kb_articles (section, title, body, published, valid_from, created_at, updated_at) VALUES "
            "('office_guide', '居住证办理', '携带租房合同', 1, ?, ?, ?)",
            now, now, now)
          .run();
      break;
    case 17:  // kb_fts rebuilt from kb_articles: an article written after it is indexed too
      db.query(
            "INSERT INTO kb_articles (section, title, body, created_at, updated_at) VALUES ('faq', '医保报销', "
            "'异地就医备案后直接结算', ?, ?)",
            now, now)
          .run();
      break;
    default:
      FAIL() << "no seed rows for schema version " << version << ": add them so the upgrade test covers it";
  }
}

std::map<std::string, std::int64_t> row_counts(Database& db) {
  std::vector<std::string> tables;
  auto& s = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  while (s.step()) tables.push_back(s.text(0));
  std::map<std::string, std::int64_t> counts;
  for (const auto& t : tables) {
    auto& c = db.prepare("SELECT COUNT(*) FROM \"" + t + "\"");
    c.step();
    counts[t] = c.int64(0);
    c.run();
  }
  return counts;
}

}  // namespace

TEST(Migrations, VersionsAreNumberedWithoutGaps) {
  int expected = 1;
  for (const auto& m : migrations()) EXPECT_EQ(m.version, expected++) << m.name;
  EXPECT_EQ(latest_schema_version(), expected - 1);
}

TEST(Migrations, FromEmptyToLatest) {
  TempDir dir;
  Database db(dir.path() / "a.db", OpenMode::read_write_create);
  EXPECT_EQ(schema_version(db), 0);
  migrate(db);
  EXPECT_EQ(schema_version(db), latest_schema_version());
  migrate(db);  // idempotent
  EXPECT_EQ(schema_version(db), latest_schema_version());
}

TEST(Migrations, UpgradeFromEveryEarlierVersionKeepsEveryRow) {
  for (int from = 0; from <= latest_schema_version(); ++from) {
    SCOPED_TRACE("from version " + std::to_string(from));
    TempDir dir;
    Database db(dir.path() / "old.db", OpenMode::read_write_create);
    migrate(db, from);
    ASSERT_EQ(schema_version(db), from);
    for (int v = 1; v <= from; ++v) seed(db, v);
    auto before = row_counts(db);
    migrate(db);
    auto after = row_counts(db);
    EXPECT_EQ(schema_version(db), latest_schema_version());
    auto fts_internals = [](const std::string& t) {  // index pages: a rebuild (0017) lays them out anew
      auto ends = [&](const std::string& suffix) {
        return t.size() > suffix.size() && t.compare(t.size() - suffix.size(), suffix.size(), suffix) == 0;
      };
      return ends("_fts_data") || ends("_fts_idx");
    };
    for (const auto& [table, count] : before) {
      if (table == "schema_version" || fts_internals(table)) continue;
      EXPECT_EQ(after[table], count) << table;
    }
    if (from >= 6) {  // articles written before 0017 are in its rebuilt index, found by a 2-character word too
      auto& s = db.prepare(
          "SELECT COUNT(*) FROM kb_fts WHERE kb_fts MATCH '\"社保卡\"' AND rowid IN (SELECT id FROM kb_articles)");
      ASSERT_TRUE(s.step());
      EXPECT_EQ(s.int64(0), 1);
      s.run();
      auto& terms = db.prepare("SELECT COUNT(*) FROM kb_fts_terms WHERE term >= '补办' AND term < '补办' || char(1114111)");
      ASSERT_TRUE(terms.step());
      EXPECT_GE(terms.int64(0), 1);  // 补办 + the end mark: '社保卡补办' ends there
      terms.run();
    }
    // The rows are still readable through the current schema.
    if (from >= 1) {
      auto& s = db.prepare("SELECT display_name FROM users WHERE job_number = '1001'");
      ASSERT_TRUE(s.step());
      EXPECT_EQ(s.text(0), "张三");
      s.run();
    }
  }
}

TEST(Migrations, RefusesADatabaseFromANewerVersion) {
  TempDir dir;
  Database db(dir.path() / "new.db", OpenMode::read_write_create);
  migrate(db);
  db.query("INSERT INTO schema_version (version, name, applied_at) VALUES (?, 'future', 0)",
           latest_schema_version() + 1)
      .run();
  try {
    migrate(db);
    FAIL() << "expected a refusal";
  } catch (const hotline::Error& e) {
    EXPECT_EQ(e.code(), hotline::Errc::conflict);
    EXPECT_NE(std::string(e.what()).find("newer than this hotlined"), std::string::npos);
  }
}

TEST(Database, ForeignKeysAreEnforced) {
  TempDir dir;
  Database db(dir.path() / "fk.db", OpenMode::read_write_create);
  migrate(db);
  EXPECT_THROW(db.query("INSERT INTO user_roles (user_id, role) VALUES (42, 'agent')").run(), hotline::Error);
}

TEST(Database, UniqueViolationIsAConflict) {
  TempDir dir;
  Database db(dir.path() / "u.db", OpenMode::read_write_create);
  migrate(db);
  seed(db, 1);
  try {
    seed(db, 1);
    FAIL();
  } catch (const hotline::Error& e) {
    EXPECT_EQ(e.code(), hotline::Errc::conflict);
  }
}

TEST(Backup, RoundTripAndRestoreRefusedWhileLocked) {
  TempDir dir;
  auto live = dir.path() / "live" / "hotline.db";
  fs::create_directories(live.parent_path());
  {
    Database db(live, OpenMode::read_write_create);
    db.exec("PRAGMA journal_mode = WAL");
    migrate(db);
    seed(db, 1);
    backup_database(live, dir.path() / "backup.db");
    db.query("DELETE FROM sessions").run();
    db.query("DELETE FROM user_roles").run();
    db.query("DELETE FROM users").run();
  }
  auto lock_file = live.parent_path() / "hotlined.lock";
  {
    DataDirLock held(lock_file);
    try {
      restore_database(dir.path() / "backup.db", live, lock_file);
      FAIL() << "restore must refuse while the lock is held";
    } catch (const hotline::Error& e) {
      EXPECT_EQ(e.code(), hotline::Errc::conflict);
      EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(getpid())), std::string::npos) << e.what();
    }
  }
  restore_database(dir.path() / "backup.db", live, lock_file);
  Database db(live, OpenMode::read_only);
  auto& s = db.prepare("SELECT COUNT(*) FROM users");
  s.step();
  EXPECT_EQ(s.int64(0), 1);
}

TEST(Backup, RestoreRejectsAFileThatIsNotOurs) {
  TempDir dir;
  {
    Database other(dir.path() / "other.db", OpenMode::read_write_create);
    other.exec("CREATE TABLE t (x)");
  }
  EXPECT_THROW(restore_database(dir.path() / "other.db", dir.path() / "hotline.db", dir.path() / "hotlined.lock"),
               hotline::Error);
  EXPECT_THROW(restore_database(dir.path() / "missing.db", dir.path() / "hotline.db", dir.path() / "hotlined.lock"),
               hotline::Error);
}

TEST(DataDirLock, SecondHolderIsRefused) {
  TempDir dir;
  DataDirLock first(dir.path() / "hotlined.lock");
  EXPECT_THROW(DataDirLock second(dir.path() / "hotlined.lock"), hotline::Error);
}
