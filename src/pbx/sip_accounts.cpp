#include "hotline/pbx/sip_accounts.hpp"

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"
#include "hotline/sip/digest.hpp"

namespace hotline::pbx {
namespace {

using store::Database;

constexpr const char* kColumns =
    "SELECT id, username, display_name, realm, enabled, user_id, class_of_service, created_at, updated_at FROM "
    "sip_accounts ";

SipAccount read_row(store::Statement& s) {
  return {s.int64(0),          s.text(1), s.text(2),  s.text(3), s.int64(4) != 0,
          s.optional_int64(5), s.text(6), s.int64(7), s.int64(8)};
}

std::optional<SipAccount> find(Database& db, std::int64_t id) {
  auto& s = db.query(std::string(kColumns) + "WHERE id = ?", id);
  if (!s.step()) return std::nullopt;
  auto a = read_row(s);
  s.run();
  return a;
}

}  // namespace

void validate_sip_username(const std::string& username) {
  if (username.empty() || username.size() > 32)
    throw Error(Errc::invalid_argument, "username: must be 1 to 32 characters");
  for (char c : username) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
    if (!ok) throw Error(Errc::invalid_argument, "username: only letters, digits, '_', '-' and '.' are allowed");
  }
}

void validate_sip_password(const std::string& password) {
  // Phones are attacked by password guessing all day long: no short ones.
  if (password.size() < 10 || password.size() > 128) {
    throw Error(Errc::invalid_argument, "password: must be 10 to 128 characters");
  }
}

SipAccount insert_sip_account(Database& db, const std::string& username, const std::string& display_name,
                              const std::string& password, const std::string& realm,
                              std::optional<std::int64_t> user_id, const std::string& class_of_service) {
  validate_sip_username(username);
  validate_sip_password(password);
  if (display_name.size() > 128) throw Error(Errc::invalid_argument, "display_name: at most 128 bytes");
  auto& dup = db.query("SELECT 1 FROM sip_accounts WHERE username = ?", username);
  bool exists = dup.step();
  dup.run();
  if (exists) throw Error(Errc::conflict, "username: " + username + " is already taken");
  if (user_id) {
    auto& u = db.query("SELECT 1 FROM users WHERE id = ?", *user_id);
    bool found = u.step();
    u.run();
    if (!found) throw Error(Errc::invalid_argument, "user_id: no user " + std::to_string(*user_id));
  }
  auto now = now_ms();
  db.query(
        "INSERT INTO sip_accounts (username, display_name, realm, ha1_md5, ha1_sha256, user_id, class_of_service, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        username, display_name, realm, sip::ha1(sip::DigestAlgorithm::md5, username, realm, password),
        sip::ha1(sip::DigestAlgorithm::sha256, username, realm, password), user_id, class_of_service, now, now)
      .run();
  return *find(db, db.last_insert_id());
}

SipAccount update_sip_account(Database& db, std::int64_t id, const SipAccountPatch& patch, const std::string& realm) {
  auto current = find(db, id);
  if (!current) throw Error(Errc::not_found, "no SIP account " + std::to_string(id));
  auto now = now_ms();
  if (patch.display_name) {
    if (patch.display_name->size() > 128) throw Error(Errc::invalid_argument, "display_name: at most 128 bytes");
    db.query("UPDATE sip_accounts SET display_name = ?, updated_at = ? WHERE id = ?", *patch.display_name, now, id)
        .run();
  }
  if (patch.class_of_service) {
    db.query("UPDATE sip_accounts SET class_of_service = ?, updated_at = ? WHERE id = ?", *patch.class_of_service, now,
             id)
        .run();
  }
  if (patch.enabled)
    db.query("UPDATE sip_accounts SET enabled = ?, updated_at = ? WHERE id = ?", *patch.enabled, now, id).run();
  if (patch.password) {
    validate_sip_password(*patch.password);
    const auto& u = current->username;
    db.query("UPDATE sip_accounts SET realm = ?, ha1_md5 = ?, ha1_sha256 = ?, updated_at = ? WHERE id = ?", realm,
             sip::ha1(sip::DigestAlgorithm::md5, u, realm, *patch.password),
             sip::ha1(sip::DigestAlgorithm::sha256, u, realm, *patch.password), now, id)
        .run();
  }
  return *find(db, id);
}

std::vector<SipAccount> list_sip_accounts(Database& db) {
  std::vector<SipAccount> out;
  auto& s = db.prepare(std::string(kColumns) + "ORDER BY username");
  while (s.step()) out.push_back(read_row(s));
  return out;
}

std::optional<sip::AccountSecrets> sip_account_secrets(Database& db, const std::string& username) {
  auto& s = db.query(
      "SELECT enabled, realm, ha1_md5, ha1_sha256, class_of_service FROM sip_accounts WHERE username = ?", username);
  if (!s.step()) return std::nullopt;
  sip::AccountSecrets secrets{s.int64(0) != 0, s.text(1), s.text(2), s.text(3), s.text(4)};
  s.run();
  return secrets;
}

}  // namespace hotline::pbx
