// The role → permission table of src/auth/roles.cpp (docs/api.md "Roles and
// permissions"). GET /api/v1/auth/me tells the roles; the server checks every
// request again, so this only decides what the UI offers. Keep it in step
// with roles.cpp.
import type { Role } from "../api/types";

export type Permission =
  | "departments.read" | "users.read" | "users.manage" | "departments.manage" | "audit.read"
  | "notices.broadcast" | "system.read" | "sip_accounts.read" | "sip_accounts.manage"
  | "tickets.read" | "tickets.create" | "tickets.process" | "tickets.review" | "tickets.department"
  | "tickets.remind" | "tickets.caller" | "kb.read" | "kb.manage" | "call_records.read"
  | "recordings.read" | "ivr.read" | "ivr.manage" | "prompts.manage"
  | "agent.work" | "acd.read" | "acd.supervise" | "acd.manage" | "reports.read";

const ALL: Role[] = ["agent", "supervisor", "entry_clerk", "department_staff", "admin", "auditor"];

const grants: Record<Permission, Role[]> = {
  "departments.read": ALL,
  "users.read": ["admin", "supervisor", "auditor"],
  "users.manage": ["admin"],
  "departments.manage": ["admin"],
  "audit.read": ["admin", "auditor"],
  "notices.broadcast": ["admin", "supervisor"],
  "system.read": ["admin", "supervisor", "auditor"],
  "sip_accounts.read": ["admin", "supervisor"],
  "sip_accounts.manage": ["admin"],
  "tickets.read": ALL,
  "kb.read": ALL,
  "tickets.create": ["agent", "supervisor", "entry_clerk", "admin"],
  "tickets.process": ["agent", "supervisor", "admin"],
  "tickets.caller": ["agent", "supervisor", "admin"],
  "tickets.review": ["supervisor", "admin"],
  "kb.manage": ["supervisor", "admin"],
  "tickets.department": ["department_staff", "admin"],
  "tickets.remind": ["agent", "supervisor", "entry_clerk", "department_staff", "admin"],
  "call_records.read": ["admin", "supervisor", "auditor"],
  "recordings.read": ["admin", "supervisor", "auditor"],
  "ivr.read": ["admin", "supervisor"],
  "ivr.manage": ["admin"],
  "prompts.manage": ["admin"],
  "agent.work": ["agent", "supervisor"],
  "acd.read": ["supervisor", "admin"],
  "acd.supervise": ["supervisor", "admin"],
  "acd.manage": ["supervisor", "admin"],
  "reports.read": ["supervisor", "admin"],
};

export function rolesHave(roles: readonly Role[], permission: Permission): boolean {
  return roles.some((r) => grants[permission].includes(r));
}

/** Department staff whose only role is department_staff see their unit's tickets only. */
export function isScopedToUnit(roles: readonly Role[]): boolean {
  return roles.length > 0 && roles.every((r) => r === "department_staff");
}
