// The reports API (docs/api.md "Reports", figures defined in docs/kpis.md):
// every report is one table object (title, filters, typed columns, rows with
// subtotals and a total, who generated it and when). The same URL with
// `format=csv|xlsx|html` is the export or the server's print view, so the
// pages build one query and use it four ways.
import { api } from "./client";

export type ReportKind = "calls" | "agents" | "agent-states" | "tickets" | "traffic" | "overdue";
export const REPORT_KINDS: ReportKind[] = ["calls", "agents", "agent-states", "tickets", "traffic", "overdue"];
export type Bucket = "total" | "hour" | "day" | "week" | "month" | "hour_of_day" | "day_of_week";
export const BUCKETS: Bucket[] = ["total", "day", "week", "month", "hour", "hour_of_day", "day_of_week"];
export type ComparePreset = "" | "yoy" | "mom" | "previous" | "custom";
export type ExportFormat = "csv" | "xlsx" | "html";

export type ColumnType = "count" | "percent" | "seconds" | "duration" | "number" | "text";

export interface ReportColumn {
  key: string;
  label: string;
  type: ColumnType;
  key_column: boolean;
}

export type ReportRow = { row_type: "data" | "subtotal" | "total" } & Record<string, string | number | null>;

export interface ReportTable {
  report?: string;
  title: string;
  filters: Array<{ name: string; value: string }>;
  columns: ReportColumn[];
  rows: ReportRow[];
  source?: string;
  notes?: string[];
  generated_at: string;
  generated_at_local: string;
  generated_by: string;
  /** Comparison only. */
  range?: string;
  base_range?: string;
}

export interface HotIssue {
  key: string;
  label: string;
  observed: number;
  baseline: number;
  expected: number;
  z: number;
  examples: Array<{ number: string; summary: string; location: string; created_at: string }>;
}

/** What each report can be grouped and filtered by (routes_reports.cpp, docs/api.md). */
export const REPORT_SHAPE: Record<ReportKind, { groups: string[]; filters: string[]; ranged: boolean; comparable: boolean }> = {
  calls: { groups: ["queue"], filters: ["queue"], ranged: true, comparable: true },
  agents: { groups: [], filters: ["agent"], ranged: true, comparable: true },
  "agent-states": { groups: ["agent", "reason"], filters: ["agent"], ranged: true, comparable: true },
  tickets: { groups: ["type", "channel", "category", "department"], filters: ["type", "channel", "category", "department", "agent", "status"], ranged: true, comparable: true },
  traffic: { groups: [], filters: ["queue"], ranged: true, comparable: true },
  overdue: { groups: ["department", "category", "type"], filters: ["type", "channel", "category", "department"], ranged: false, comparable: false },
};

/** The measures compared by default (all of them would be four columns each, too wide to read). */
export const DEFAULT_MEASURES: Record<ReportKind, string[]> = {
  calls: ["offered", "answered", "abandoned", "answer_rate", "service_level", "asa"],
  agents: ["answered", "handled", "talk_time", "aht", "tickets_created", "occupancy"],
  "agent-states": ["count", "time"],
  tickets: ["created", "dispatched", "finished", "closed_on_time_rate", "first_contact_rate", "satisfaction_rate"],
  traffic: ["inbound_calls", "offered", "answer_rate", "tickets_created"],
  overdue: [],
};

export type Query = Record<string, string | number | undefined>;

function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** The URL of a report (path below /api/v1/reports/) in a format; same-origin, so the session cookie goes along. */
export function reportUrl(path: string, query: Query, format?: ExportFormat): string {
  return withQuery(`/api/v1/reports/${path}`, format ? { ...query, format } : query);
}

export const reportsApi = {
  get: (path: string, query: Query) => api.get<ReportTable>(`/api/v1/reports/${path}`, query),
  hotIssues: (query: Query) => api.get<ReportTable & { issues: HotIssue[] }>("/api/v1/reports/hot-issues", query),
};

/** A local date (the browser's, which the app runs in UTC+8) as YYYY-MM-DD. */
export function isoDay(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** Quick ranges for the date pickers. */
export function quickRange(name: "today" | "yesterday" | "week" | "month" | "lastMonth" | "year", today = new Date()): [string, string] {
  const d = new Date(today.getFullYear(), today.getMonth(), today.getDate());
  switch (name) {
    case "today":
      return [isoDay(d), isoDay(d)];
    case "yesterday": {
      const y = new Date(d);
      y.setDate(d.getDate() - 1);
      return [isoDay(y), isoDay(y)];
    }
    case "week": {
      const monday = new Date(d);
      monday.setDate(d.getDate() - ((d.getDay() + 6) % 7));
      return [isoDay(monday), isoDay(d)];
    }
    case "month":
      return [isoDay(new Date(d.getFullYear(), d.getMonth(), 1)), isoDay(d)];
    case "lastMonth":
      return [isoDay(new Date(d.getFullYear(), d.getMonth() - 1, 1)), isoDay(new Date(d.getFullYear(), d.getMonth(), 0))];
    case "year":
      return [isoDay(new Date(d.getFullYear(), 0, 1)), isoDay(d)];
  }
}

function hms(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  const sign = s < 0 ? "-" : "";
  const a = Math.abs(s);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const sec = a % 60;
  return `${sign}${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}`;
}

/** A cell as the exports show it: rates in %, durations h:mm:ss, empty rates "—". */
export function formatCell(value: string | number | null | undefined, type: ColumnType): string {
  if (value === null || value === undefined || value === "") return type === "text" ? "" : "—";
  if (typeof value === "string") return value;
  switch (type) {
    case "count":
      return String(Math.round(value));
    case "percent":
      return `${(value * 100).toFixed(2)}%`;
    case "seconds":
      return value.toFixed(1);
    case "duration":
      return hms(value);
    case "number":
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
    default:
      return String(value);
  }
}
