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
  // Work orders (工单) and the knowledge base: see docs/api.md "Tickets".
  tickets_read,        // list and read tickets (department staff: their unit's only)
  tickets_create,      // file tickets, the entry desk (letters, faxes, e-mails, IVR messages)
  tickets_process,     // hotline-side actions: dispatch, close on the spot, callback, close, merge, edit
  tickets_review,      // review a unit's work: accept or send back replies, extensions, archive
  tickets_department,  // a unit's actions: sign, return, ask for an extension, reply
  tickets_remind,      // set timed reminders (定时催办)
  tickets_caller,      // see the caller's full name and number (others see 138****5678)
  kb_read,
  kb_manage,
  call_records_read,
  // Media (issue 4): listen to and download call recordings (every playback
  // and download is audited); upload the prompts that replace TTS.
  recordings_read,
  prompts_manage,
  ivr_read,    // IVR flows: list, source, load errors, live node counts
  ivr_manage,  // IVR flows: replace a flow, reload the folder
  // The ACD (issue 6): see docs/acd.md.
  agent_work,     // an agent's own login, states and calls
  acd_read,       // live queues and agents, the queue event log
  acd_supervise,  // force states, listen/whisper/barge, force release (all audited)
  acd_manage,     // queues and their members
  reports_read,  // statistics and reports, comparisons, hot issues, staffing (issue 9)
  calls_place,   // place calls from the browser softphone (agents' outbound dial, the admin's test phone)
};

std::string_view to_string(Permission permission);
bool role_has(Role role, Permission permission);
bool roles_have(const std::set<Role>& roles, Permission permission);

}  // namespace hotline::auth
