#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>

#include "hotline/auth/audit.hpp"
#include "hotline/auth/crypto.hpp"
#include "hotline/auth/roles.hpp"
#include "hotline/auth/sessions.hpp"
#include "hotline/auth/users.hpp"
#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/store/migrations.hpp"

namespace fs = std::filesystem;
using namespace hotline::auth;
using hotline::store::Database;
using hotline::store::OpenMode;

namespace {

struct AuthDb : ::testing::Test {
  AuthDb() {
    init_crypto();
    char pattern[] = "/tmp/hotline-auth-XXXXXX";
    dir = mkdtemp(pattern);
    db = std::make_unique<Database>(dir / "a.db", OpenMode::read_write_create);
    hotline::store::migrate(*db);
  }
  ~AuthDb() override {
    db.reset();
    fs::remove_all(dir);
  }
  User add(const std::string& job, std::set<Role> roles = {Role::agent}) {
    return insert_user(*db, {job, "用户" + job, "hash-not-used", std::move(roles), std::nullopt, true});
  }
  fs::path dir;
  std::unique_ptr<Database> db;
};

}  // namespace

TEST(Crypto, PasswordHashIsArgon2idAndVerifies) {
  init_crypto();
  auto hash = hash_password("correct horse");
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u);
  EXPECT_TRUE(verify_password(hash, "correct horse"));
  EXPECT_FALSE(verify_password(hash, "correct hors"));
  EXPECT_NE(hash, hash_password("correct horse"));  // salted
}

TEST(Crypto, TokensAreRandomAndDigestsFixedSize) {
  init_crypto();
  auto a = new_session_token();
  auto b = new_session_token();
  EXPECT_NE(a, b);
  EXPECT_EQ(a.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(token_digest(a).size(), 32u);
  EXPECT_EQ(token_digest(a), token_digest(a));
  EXPECT_EQ(to_hex("\x01\xab"), "01ab");
  EXPECT_EQ(random_password(20).size(), 20u);
}

TEST(Roles, ParseAndPermissionTable) {
  for (Role r : kAllRoles) EXPECT_EQ(parse_role(to_string(r)), r);
  EXPECT_FALSE(parse_role("root"));
  EXPECT_TRUE(role_has(Role::admin, Permission::users_manage));
  EXPECT_FALSE(role_has(Role::supervisor, Permission::users_manage));
  EXPECT_TRUE(role_has(Role::auditor, Permission::audit_read));
  EXPECT_FALSE(role_has(Role::agent, Permission::audit_read));
  EXPECT_TRUE(roles_have({}, Permission::authenticated));
  EXPECT_FALSE(roles_have({}, Permission::users_read));
  EXPECT_TRUE(roles_have({Role::agent, Role::supervisor}, Permission::notices_broadcast));
}

TEST_F(AuthDb, InsertValidatesFields) {
  EXPECT_THROW(add("bad job"), hotline::Error);
  EXPECT_THROW(add(""), hotline::Error);
  EXPECT_THROW(add("1001", {}), hotline::Error);
  EXPECT_THROW(add("1002", {Role::department_staff}), hotline::Error);  // needs a department
  auto u = add("1001");
  EXPECT_EQ(u.job_number, "1001");
  EXPECT_EQ(u.roles, std::set<Role>{Role::agent});
  try {
    add("1001");
    FAIL();
  } catch (const hotline::Error& e) {
    EXPECT_EQ(e.code(), hotline::Errc::conflict);
    EXPECT_STREQ(e.what(), "job_number: 1001 is already taken");
  }
}

TEST_F(AuthDb, DepartmentStaffAreBoundToAnExistingDepartment) {
  EXPECT_THROW(insert_user(*db, {"d1", "x", "h", {Role::department_staff}, 99, true}), hotline::Error);
  auto dept = insert_department(*db, {0, "water", "市水务局", std::nullopt});
  auto u = insert_user(*db, {"d1", "x", "h", {Role::department_staff}, dept.id, true});
  EXPECT_EQ(u.department_id, dept.id);
  EXPECT_THROW(insert_department(*db, {0, "water", "again", std::nullopt}), hotline::Error);
}

TEST_F(AuthDb, UpdateChangesOnlyWhatIsGiven) {
  auto u = add("1001");
  UserPatch p;
  p.display_name = "李四";
  auto v = update_user(*db, u.id, p);
  EXPECT_EQ(v.display_name, "李四");
  EXPECT_EQ(v.roles, u.roles);
  UserPatch q;
  q.enabled = false;
  q.roles = std::set<Role>{Role::supervisor, Role::agent};
  auto w = update_user(*db, u.id, q);
  EXPECT_FALSE(w.enabled);
  EXPECT_EQ(w.roles.size(), 2u);
  EXPECT_EQ(w.display_name, "李四");
  EXPECT_THROW(update_user(*db, 999, p), hotline::Error);
}

TEST_F(AuthDb, LockoutAfterThresholdAndUnlock) {
  auto u = add("1001");
  EXPECT_FALSE(record_login_failure(*db, u.id, 3, 60000));
  EXPECT_FALSE(record_login_failure(*db, u.id, 3, 60000));
  EXPECT_TRUE(record_login_failure(*db, u.id, 3, 60000));
  auto locked = *find_user(*db, u.id);
  ASSERT_TRUE(locked.locked_until);
  EXPECT_GT(*locked.locked_until, hotline::now_ms());
  unlock_user(*db, u.id);
  EXPECT_FALSE(find_user(*db, u.id)->locked_until);
  record_login_failure(*db, u.id, 3, 60000);
  record_login_success(*db, u.id);
  EXPECT_EQ(find_user(*db, u.id)->failed_logins, 0);
}

TEST_F(AuthDb, SessionsExpireAndFollowTheUser) {
  auto u = add("1001");
  insert_session(*db, token_digest("t1"), u.id, hotline::now_ms() + 60000, "127.0.0.1");
  insert_session(*db, token_digest("t2"), u.id, hotline::now_ms() - 1, "127.0.0.1");
  auto p = load_session(*db, token_digest("t1"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->job_number, "1001");
  EXPECT_EQ(p->roles, std::set<Role>{Role::agent});
  EXPECT_FALSE(load_session(*db, token_digest("t2")));  // expired
  EXPECT_FALSE(load_session(*db, token_digest("nope")));
  EXPECT_EQ(purge_expired_sessions(*db), 1);
  UserPatch disable;
  disable.enabled = false;
  update_user(*db, u.id, disable);
  EXPECT_FALSE(load_session(*db, token_digest("t1")));  // disabled users have no sessions
  EXPECT_EQ(delete_user_sessions(*db, u.id), 1);
}

TEST(SessionCacheTest, EraseByUser) {
  SessionCache cache;
  cache.put({1, "1001", "a", {}, std::nullopt, 0, "d1"});
  cache.put({1, "1001", "a", {}, std::nullopt, 0, "d2"});
  cache.put({2, "1002", "b", {}, std::nullopt, 0, "d3"});
  EXPECT_EQ(cache.size(), 3u);
  cache.erase_user(1);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.find("d3"));
  cache.erase("d3");
  EXPECT_FALSE(cache.find("d3"));
}

TEST_F(AuthDb, AuditChainVerifiesAndDetectsTampering) {
  for (int i = 0; i < 5; ++i) {
    append_audit(*db, {1, "admin", "user.create", "100" + std::to_string(i), R"({"x":1})", "127.0.0.1"});
  }
  auto ok = verify_audit(*db);
  EXPECT_TRUE(ok.intact);
  EXPECT_EQ(ok.rows, 5);
  // The table refuses edits outright...
  EXPECT_THROW(db->exec("UPDATE audit_log SET target = 'x' WHERE id = 3"), hotline::Error);
  EXPECT_THROW(db->exec("DELETE FROM audit_log WHERE id = 3"), hotline::Error);
  // ...and an edit made behind its back (trigger dropped) breaks the chain.
  db->exec("DROP TRIGGER audit_log_no_update");
  db->exec("UPDATE audit_log SET target = 'forged' WHERE id = 3");
  auto bad = verify_audit(*db);
  EXPECT_FALSE(bad.intact);
  EXPECT_EQ(bad.first_bad_id, 3);
}

TEST_F(AuthDb, AuditListFiltersAndPages) {
  append_audit(*db, {1, "admin", "auth.login", "admin", "", "127.0.0.1"});
  append_audit(*db, {2, "1001", "auth.login", "1001", "", "127.0.0.1"});
  append_audit(*db, {2, "1001", "auth.logout", "1001", "", "127.0.0.1"});
  AuditFilter f;
  f.actor = "1001";
  auto rows = list_audit(*db, f);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].entry.action, "auth.logout");  // newest first
  AuditFilter page;
  page.limit = 1;
  page.before_id = 3;
  rows = list_audit(*db, page);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].id, 2);
}
