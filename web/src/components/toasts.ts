// Transient messages at the top right: live `reminder.due` alerts, notices,
// results of actions.
import { reactive } from "vue";

export interface Toast {
  id: number;
  level: "info" | "success" | "warning" | "error";
  text: string;
  link?: string;
  timeoutMs: number;
}

export const toasts = reactive<Toast[]>([]);
let nextId = 1;

export function toast(text: string, level: Toast["level"] = "info", link?: string, timeoutMs = 8000) {
  const t: Toast = { id: nextId++, level, text, link, timeoutMs };
  toasts.push(t);
  if (timeoutMs > 0) window.setTimeout(() => dismiss(t.id), timeoutMs);
}

export function dismiss(id: number) {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}
