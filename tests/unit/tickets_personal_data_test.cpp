// Callers' names and numbers are sealed at rest; only a keyed hash is
// searchable; the key file is private.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "tickets_fixture.hpp"

using namespace tickets_test;
using hotline::Errc;

namespace {

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct PersonalDataDb : TicketDb {};

}  // namespace

TEST(PersonalData, SealOpensOnlyWithTheSameKeyAndUnaltered) {
  PersonalDataKey key(kMasterKey);
  auto sealed = key.seal("13812345678");
  EXPECT_EQ(sealed.size(), 1u + 24 + 16 + 11);
  EXPECT_EQ(sealed.find("13812345678"), std::string::npos);
  EXPECT_NE(sealed, key.seal("13812345678"));  // random nonce
  EXPECT_EQ(key.open(sealed), "13812345678");
  EXPECT_EQ(key.open(key.seal("")), "");
  PersonalDataKey other(std::string(32, '\x43'));
  EXPECT_EQ(error_code_of([&] { other.open(sealed); }), Errc::internal);
  auto altered = sealed;
  altered.back() ^= 1;
  EXPECT_EQ(error_code_of([&] { key.open(altered); }), Errc::internal);
  EXPECT_EQ(error_code_of([&] { key.open("short"); }), Errc::internal);
  EXPECT_EQ(error_code_of([] { PersonalDataKey bad("too short"); }), Errc::invalid_argument);
}

TEST(PersonalData, PhoneNumbersAreNormalisedBeforeHashing) {
  EXPECT_EQ(normalise_phone("+86 138-1234-5678"), "13812345678");
  EXPECT_EQ(normalise_phone("0086 13812345678"), "13812345678");
  EXPECT_EQ(normalise_phone("(025) 8888-1234"), "02588881234");
  EXPECT_EQ(normalise_phone("8613812345678"), "8613812345678");  // no '+': not a country code
  EXPECT_EQ(error_code_of([] { normalise_phone("---"); }), Errc::invalid_argument);
  EXPECT_EQ(error_code_of([] { normalise_phone(std::string(21, '1')); }), Errc::invalid_argument);
  PersonalDataKey key(kMasterKey);
  PersonalDataKey other(std::string(32, '\x43'));
  EXPECT_EQ(key.phone_hash("+86 138 1234 5678"), key.phone_hash("13812345678"));
  EXPECT_EQ(key.phone_hash("13812345678").size(), 32u);
  EXPECT_NE(key.phone_hash("13812345678"), key.phone_hash("13812345679"));
  EXPECT_NE(key.phone_hash("13812345678"), other.phone_hash("13812345678"));  // keyed
}

TEST(PersonalData, KeyFileIsCreatedOnceWithMode0600) {
  char pattern[] = "/tmp/hotline-key-XXXXXX";
  fs::path dir = mkdtemp(pattern);
  auto first = load_or_create_key(dir);
  EXPECT_EQ(first.bytes.size(), 32u);
  EXPECT_EQ(first.id, 1);
  struct stat st {};
  ASSERT_EQ(stat((dir / "caller.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(load_or_create_key(dir).bytes, first.bytes);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 1);  // no temporary left
  fs::permissions(dir / "caller.key", fs::perms::group_read, fs::perm_options::add);
  EXPECT_EQ(error_code_of([&] { load_or_create_key(dir); }), Errc::invalid_argument);
  fs::permissions(dir / "caller.key", fs::perms::owner_read | fs::perms::owner_write, fs::perm_options::replace);
  std::ofstream(dir / "caller.key", std::ios::app) << "x";
  EXPECT_EQ(error_code_of([&] { load_or_create_key(dir); }), Errc::invalid_argument);
  fs::remove_all(dir);
}

TEST_F(PersonalDataDb, TheDatabaseFileNeverHoldsThePlainNumberOrName) {
  auto t = sample();
  t.caller_phone = "+86 139-8765-4321";
  t.caller_name = "欧阳娜娜";
  auto created = create(t);
  auto again = sample();
  again.caller_phone = "13987654321";
  create(again);
  EXPECT_EQ(tickets_of_caller(*db, key, "139 8765 4321").size(), 2u);
  EXPECT_EQ(caller_of(*db, key, created.id).phone, "13987654321");
  db.reset();  // close, so every page is in the file
  std::string bytes = file_bytes(dir / "t.db");
  if (fs::exists(dir / "t.db-wal")) bytes += file_bytes(dir / "t.db-wal");
  ASSERT_GT(bytes.size(), 4096u);
  EXPECT_NE(bytes.find("小区停水三天"), std::string::npos);  // the check can see text at all
  for (const char* secret : {"13987654321", "139-8765-4321", "98765432", "欧阳娜娜", "13812345678", "王小明"}) {
    EXPECT_EQ(bytes.find(secret), std::string::npos) << secret;
  }
}
