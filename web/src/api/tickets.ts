// The ticket lifecycle as the UI sees it: which action is offered in which
// state, to whom, and which arguments it asks for (docs/api.md "Lifecycle
// actions"; the server's state machine is src/tickets/lifecycle.cpp and
// refuses anything else anyway).
import { api } from "./client";
import type { Ticket, TicketState } from "./types";
import type { Permission } from "../auth/permissions";

export type ActionName =
  | "close-on-spot" | "reject" | "refer" | "dispatch" | "sign" | "return-to-hotline" | "redispatch"
  | "request-extension" | "approve-extension" | "refuse-extension" | "reply" | "accept-reply" | "send-back"
  | "record-callback" | "reopen" | "close" | "merge" | "archive";

export type FieldKind =
  | "reason" | "reply" | "referred_to" | "lead" | "assisting" | "reply_due" | "satisfaction" | "master";

export interface ActionSpec {
  name: ActionName;
  perm: Permission;
  from: TicketState[];
  /** Fields the form shows; `required` ones must be filled before sending. */
  fields: FieldKind[];
  required: FieldKind[];
  /** Done by the lead unit (tickets.department). */
  department?: boolean;
  style?: "primary" | "danger" | "default";
  when?: (t: Ticket) => boolean;
}

const OPEN: TicketState[] = ["created", "dispatched", "signed", "returned", "extension_requested", "replied", "reviewed", "called_back"];

export const ACTIONS: ActionSpec[] = [
  { name: "dispatch", perm: "tickets.process", from: ["created"], fields: ["lead", "assisting", "reason"], required: ["lead"], style: "primary" },
  { name: "close-on-spot", perm: "tickets.process", from: ["created"], fields: ["reply"], required: ["reply"] },
  { name: "reject", perm: "tickets.process", from: ["created"], fields: ["reason"], required: ["reason"], style: "danger" },
  { name: "refer", perm: "tickets.process", from: ["created"], fields: ["referred_to", "reason"], required: ["referred_to"] },
  { name: "sign", perm: "tickets.department", department: true, from: ["dispatched"], fields: [], required: [], style: "primary" },
  { name: "return-to-hotline", perm: "tickets.department", department: true, from: ["dispatched", "signed"], fields: ["reason"], required: ["reason"], style: "danger" },
  { name: "request-extension", perm: "tickets.department", department: true, from: ["signed"], fields: ["reply_due", "reason"], required: ["reply_due", "reason"] },
  { name: "reply", perm: "tickets.department", department: true, from: ["signed"], fields: ["reply"], required: ["reply"], style: "primary" },
  { name: "redispatch", perm: "tickets.process", from: ["returned"], fields: ["lead", "assisting", "reason"], required: ["lead"], style: "primary" },
  { name: "approve-extension", perm: "tickets.review", from: ["extension_requested"], fields: ["reply_due", "reason"], required: [], style: "primary" },
  { name: "refuse-extension", perm: "tickets.review", from: ["extension_requested"], fields: ["reason"], required: ["reason"], style: "danger" },
  { name: "accept-reply", perm: "tickets.review", from: ["replied"], fields: ["reason"], required: [], style: "primary" },
  { name: "send-back", perm: "tickets.review", from: ["replied"], fields: ["reason"], required: ["reason"], style: "danger" },
  { name: "record-callback", perm: "tickets.process", from: ["reviewed"], fields: ["satisfaction", "reason"], required: ["satisfaction"], style: "primary" },
  { name: "close", perm: "tickets.process", from: ["reviewed", "called_back"], fields: ["reason"], required: [], style: "primary" },
  { name: "reopen", perm: "tickets.process", from: ["called_back"], fields: ["reason", "lead", "assisting"], required: ["reason"], when: (t) => t.satisfaction === "unsatisfied", style: "danger" },
  { name: "merge", perm: "tickets.process", from: OPEN, fields: ["master", "reason"], required: ["master"] },
  { name: "archive", perm: "tickets.review", from: ["closed_on_spot", "rejected", "referred", "closed", "merged"], fields: [], required: [] },
];

export function isOpen(state: TicketState): boolean {
  return OPEN.includes(state);
}

export function actionSpec(name: ActionName): ActionSpec {
  return ACTIONS.find((a) => a.name === name)!;
}

/** Actions the user may take on the ticket now. */
export function availableActions(
  t: Ticket,
  can: (p: Permission) => boolean,
  scopedDepartmentId: number | null,
): ActionSpec[] {
  return ACTIONS.filter(
    (a) =>
      a.from.includes(t.state) &&
      can(a.perm) &&
      (!a.when || a.when(t)) &&
      // Only the lead unit acts for the department (an assisting unit sees, does not act).
      (!a.department || scopedDepartmentId === null || t.lead_department_id === scopedDepartmentId),
  );
}

export function runAction(t: Ticket, name: ActionName, args: Record<string, unknown>): Promise<Ticket> {
  return api.post<Ticket>(`/api/v1/tickets/${t.id}/${name}`, { version: t.version, ...args });
}

export function letterUrl(t: Ticket): string {
  return `/api/v1/tickets/${t.id}/letter`;
}
