#pragma once
// Roles and the permissions they grant (PRODUCT G1). Every API route declares
// one Permission; the table below is the single place that says who has it.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace hotline::auth {

enum class Role { agent, supervisor, entry_clerk, department_staff, admin, auditor };

inline constexpr Role kAllRoles[] = {Role::agent, Role::supervisor, Role::entry_clerk, Role::department_staff,
                                     Role::admin, Role::auditor};

std::string_view to_string(Role role);
std::optional<Role> parse_role(std::string_view text);

enum class Permission {
  public_access,  // no login needed
  authenticated,  // any logged-in user
  users_read,
  users_manage,
  departments_read,
  departments_manage,
  audit_read,
  notices_broadcast,
  system_read,
  sip_accounts_read,
  sip_accounts_manage,
};

std::string_view to_string(Permission permission);
bool role_has(Role role, Permission permission);
bool roles_have(const std::set<Role>& roles, Permission permission);

}  // namespace hotline::auth
