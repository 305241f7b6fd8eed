// Shapes of the API's objects (docs/api.md). Only the fields the app uses.

export type Role = "agent" | "supervisor" | "entry_clerk" | "department_staff" | "admin" | "auditor";

export interface User {
  id: number;
  job_number: string;
  display_name: string;
  roles: Role[];
  enabled: boolean;
  department_id: number | null;
  session_expires_at?: string;
}

export type TicketState =
  | "created" | "closed_on_spot" | "rejected" | "referred" | "dispatched" | "signed" | "returned"
  | "extension_requested" | "replied" | "reviewed" | "called_back" | "closed" | "merged" | "archived";
export type TicketType =
  | "consultation" | "help" | "complaint" | "report" | "suggestion" | "praise" | "mailbox" | "other";
export type Channel = "phone" | "ivr_message" | "letter" | "fax" | "email" | "web" | "api";
export type Urgency = "normal" | "urgent" | "extra_urgent";
export type Satisfaction = "satisfied" | "basically_satisfied" | "unsatisfied";
export type Escalation = "none" | "yellow" | "red";

export interface TicketBrief {
  id: number;
  number: string;
  state: TicketState;
}

export interface Ticket {
  id: number;
  number: string;
  type: TicketType;
  type_label: string;
  channel: Channel;
  category_code: string;
  category: string;
  urgency: Urgency;
  urgency_label: string;
  complex: boolean;
  location: string | null;
  summary: string;
  content: string | null;
  has_caller_name: boolean;
  has_caller_phone: boolean;
  confidential: boolean;
  state: TicketState;
  state_label: string;
  lead_department_id: number | null;
  assisting_department_ids: number[];
  referred_to: string | null;
  reply: string | null;
  satisfaction: Satisfaction | null;
  version: number;
  sign_due: string | null;
  reply_due: string | null;
  close_due: string | null;
  current_deadline: string | null;
  escalation: Escalation;
  created_by: number | null;
  created_at: string;
  updated_at: string;
  merged_into: number | null;
  kb_article_id: number | null;
  caller?: { name: string | null; phone: string | null; masked: boolean } | null;
  duplicates?: TicketBrief[];
}

export interface HistoryEntry {
  id: number;
  at: string;
  actor_id: number | null;
  actor: string;
  action: string;
  from_state: TicketState | null;
  to_state: TicketState | null;
  reason: string | null;
  changes: Record<string, unknown> | null;
}

export interface Reminder {
  id: number;
  ticket_id: number;
  due_at: string;
  note: string;
  created_by: number;
  created_at: string;
  fired_at: string | null;
}

/** An alert: the `reminder.due` event's params, also the items of GET /tickets/alerts. */
export interface Alert {
  kind: "reminder" | "escalation";
  reminder_id?: number;
  note?: string;
  set_by?: number;
  level?: "yellow" | "red";
  deadline?: "sign" | "reply" | "close";
  ticket: { id: number; number: string; summary: string; state: TicketState; state_label: string; lead_department_id: number | null };
  due_at: string;
  due_at_ms: number;
  fired_at: string;
}

export interface Category {
  code: string;
  name: string;
  default_department: { id: number; name: string } | null;
  children?: Category[];
}

export interface Department {
  id: number;
  code: string;
  name: string;
  parent_id: number | null;
  office_phone?: string | null;
  staff_count?: number;
  children?: Department[];
}

export interface KbArticle {
  id: number;
  section: string;
  section_label: string;
  title: string;
  body: string;
  department_id: number | null;
  published: boolean;
  version: number;
  updated_at: string;
  score?: number;
}

export interface KbSection {
  section: string;
  label: string;
  published_articles: number;
}

export interface Items<T> {
  items: T[];
}
