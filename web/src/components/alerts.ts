import type { Alert } from "../api/types";
import { t, tv, formatTime } from "../i18n";

/** One line for a reminder or an escalation (toast and lists). */
export function alertText(a: Alert): string {
  if (a.kind === "reminder") {
    return t("alert.reminder", { number: a.ticket.number, note: a.note || a.ticket.summary, due: formatTime(a.due_at) });
  }
  return t("alert.escalation", {
    number: a.ticket.number,
    level: tv("escalation", a.level),
    deadline: tv("deadline", a.deadline),
    due: formatTime(a.due_at),
  });
}
