// The ticket lifecycle as the UI sees it: which action is offered in which
// state, to whom, and which arguments it asks for (docs/api.md "Lifecycle
// actions"; the server's state machine is src/tickets/lifecycle.cpp and
// refuses anything else anyway).
import { api, ApiError } from "./client";
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

// -- Attachments (docs/api.md "Ticket attachments") ---------------------------

export type AttachmentKind = "file" | "reply";

export interface Attachment {
  id: number;
  ticket_id: number;
  name: string;
  content_type: string;
  size: number;
  sha256: string;
  kind: AttachmentKind;
  uploaded_by: { id: number | null; job_number: string; name: string };
  uploaded_at: string;
  uploaded_at_ms: number;
  deleted_at: string | null;
  deleted_by: string | null;
  download_url: string;
  can_delete: boolean;
}

export interface AttachmentList {
  items: Attachment[];
  max_bytes: number;
  can_upload: boolean;
}

/** What the file picker offers (the server checks the type and the bytes again). */
export const ATTACHMENT_ACCEPT =
  ".pdf,.jpg,.jpeg,.png,.gif,.webp,.tif,.tiff,.bmp,.wav,.mp3,.amr,.m4a,.txt,.csv,.eml,.doc,.docx,.xls,.xlsx,.pptx,.ofd";

export function listAttachments(ticketId: number): Promise<AttachmentList> {
  return api.get<AttachmentList>(`/api/v1/tickets/${ticketId}/attachments`);
}

export function deleteAttachment(a: Attachment): Promise<Attachment> {
  return api.del<Attachment>(a.download_url);
}

/**
 * Uploads one file as the raw body (?name= its name). XMLHttpRequest rather
 * than fetch, for the upload progress. Errors become ApiError with the
 * server's message (413 too large, 415 type not allowed or not what it says).
 */
export function uploadAttachment(
  ticketId: number,
  file: File,
  kind: AttachmentKind,
  onProgress?: (fraction: number) => void,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const query = new URLSearchParams({ name: file.name, kind });
    xhr.open("POST", `/api/v1/tickets/${ticketId}/attachments?${query.toString()}`);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.responseType = "text";
    if (onProgress) {
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
    }
    xhr.onerror = () => reject(new ApiError(0, "network", "network error"));
    xhr.onload = () => {
      let data: unknown = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status === 201) {
        resolve(data as Attachment);
        return;
      }
      const err = (data as { error?: { code?: string; message?: string } } | null)?.error;
      reject(new ApiError(xhr.status, err?.code ?? "http_" + xhr.status, err?.message ?? xhr.statusText));
    };
    xhr.send(file);
  });
}

/** 1536 → "1.5 KB" (binary units, one decimal). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
