#include "hotline/auth/roles.hpp"

namespace hotline::auth {

std::string_view to_string(Role role) {
  switch (role) {
    case Role::agent:
      return "agent";
    case Role::supervisor:
      return "supervisor";
    case Role::entry_clerk:
      return "entry_clerk";
    case Role::department_staff:
      return "department_staff";
    case Role::admin:
      return "admin";
    case Role::auditor:
      return "auditor";
  }
  return "agent";
}

std::optional<Role> parse_role(std::string_view text) {
  for (Role r : kAllRoles) {
    if (to_string(r) == text) return r;
  }
  return std::nullopt;
}

std::string_view to_string(Permission permission) {
  switch (permission) {
    case Permission::public_access:
      return "public";
    case Permission::authenticated:
      return "authenticated";
    case Permission::users_read:
      return "users.read";
    case Permission::users_manage:
      return "users.manage";
    case Permission::departments_read:
      return "departments.read";
    case Permission::departments_manage:
      return "departments.manage";
    case Permission::audit_read:
      return "audit.read";
    case Permission::notices_broadcast:
      return "notices.broadcast";
    case Permission::system_read:
      return "system.read";
    case Permission::sip_accounts_read:
      return "sip_accounts.read";
    case Permission::sip_accounts_manage:
      return "sip_accounts.manage";
    case Permission::tickets_read:
      return "tickets.read";
    case Permission::tickets_create:
      return "tickets.create";
    case Permission::tickets_process:
      return "tickets.process";
    case Permission::tickets_review:
      return "tickets.review";
    case Permission::tickets_department:
      return "tickets.department";
    case Permission::tickets_remind:
      return "tickets.remind";
    case Permission::tickets_caller:
      return "tickets.caller";
    case Permission::kb_read:
      return "kb.read";
    case Permission::kb_manage:
      return "kb.manage";
    case Permission::call_records_read:
      return "call_records.read";
    case Permission::recordings_read:
      return "recordings.read";
    case Permission::prompts_manage:
      return "prompts.manage";
    case Permission::ivr_read:
      return "ivr.read";
    case Permission::ivr_manage:
      return "ivr.manage";
    case Permission::agent_work:
      return "agent.work";
    case Permission::acd_read:
      return "acd.read";
    case Permission::acd_supervise:
      return "acd.supervise";
    case Permission::acd_manage:
      return "acd.manage";
    case Permission::reports_read:
      return "reports.read";
    case Permission::calls_place:
      return "calls.place";
  }
  return "unknown";
}

bool role_has(Role role, Permission permission) {
  switch (permission) {
    case Permission::public_access:
    case Permission::authenticated:
    case Permission::departments_read:
      return true;
    case Permission::users_read:
      return role == Role::admin || role == Role::supervisor || role == Role::auditor;
    case Permission::users_manage:
    case Permission::departments_manage:
      return role == Role::admin;
    case Permission::audit_read:
      return role == Role::admin || role == Role::auditor;
    case Permission::notices_broadcast:
      return role == Role::admin || role == Role::supervisor;
    case Permission::system_read:
      return role == Role::admin || role == Role::supervisor || role == Role::auditor;
    case Permission::sip_accounts_read:
      return role == Role::admin || role == Role::supervisor;
    case Permission::sip_accounts_manage:
      return role == Role::admin;
    case Permission::tickets_read:
    case Permission::kb_read:
      return true;
    case Permission::tickets_create:
      return role == Role::agent || role == Role::supervisor || role == Role::entry_clerk || role == Role::admin;
    case Permission::tickets_process:
    case Permission::tickets_caller:
      return role == Role::agent || role == Role::supervisor || role == Role::admin;
    case Permission::tickets_review:
    case Permission::kb_manage:
      return role == Role::supervisor || role == Role::admin;
    case Permission::tickets_department:
      return role == Role::department_staff || role == Role::admin;
    case Permission::tickets_remind:
      return role != Role::auditor;
    case Permission::call_records_read:
    case Permission::recordings_read:
      return role == Role::admin || role == Role::supervisor || role == Role::auditor;
    case Permission::ivr_read:
    case Permission::reports_read:
      return role == Role::admin || role == Role::supervisor;
    case Permission::ivr_manage:
    case Permission::prompts_manage:
      return role == Role::admin;
    case Permission::agent_work:
      return role == Role::agent || role == Role::supervisor;
    case Permission::calls_place:
      return role == Role::agent || role == Role::supervisor || role == Role::admin;
    case Permission::acd_read:
    case Permission::acd_supervise:
      return role == Role::supervisor || role == Role::admin;
    case Permission::acd_manage:
      return role == Role::admin || role == Role::supervisor;
  }
  return false;
}

bool roles_have(const std::set<Role>& roles, Permission permission) {
  if (permission == Permission::public_access || permission == Permission::authenticated) return true;
  for (Role r : roles) {
    if (role_has(r, permission)) return true;
  }
  return false;
}

}  // namespace hotline::auth
