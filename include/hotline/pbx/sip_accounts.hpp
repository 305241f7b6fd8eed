#pragma once
// SIP accounts (desk phones, extensions) as rows: synchronous functions over
// one store::Database, for store jobs. Passwords are turned into H(A1) for
// MD5 and SHA-256 here and never stored.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/sip/registrar.hpp"
#include "hotline/store/database.hpp"

namespace hotline::pbx {

struct SipAccount {
  std::int64_t id = 0;
  std::string username;
  std::string display_name;
  std::string realm;
  bool enabled = true;
  std::optional<std::int64_t> user_id;
  std::string class_of_service = "all";
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct SipAccountPatch {
  std::optional<std::string> display_name;
  std::optional<bool> enabled;
  std::optional<std::string> password;
  std::optional<std::string> class_of_service;
};

void validate_sip_username(const std::string& username);
void validate_sip_password(const std::string& password);

SipAccount insert_sip_account(store::Database& db, const std::string& username, const std::string& display_name,
                              const std::string& password, const std::string& realm,
                              std::optional<std::int64_t> user_id, const std::string& class_of_service = "all");
SipAccount update_sip_account(store::Database& db, std::int64_t id, const SipAccountPatch& patch,
                              const std::string& realm);
std::vector<SipAccount> list_sip_accounts(store::Database& db);
std::optional<sip::AccountSecrets> sip_account_secrets(store::Database& db, const std::string& username);

}  // namespace hotline::pbx
