// The ACD's objects and calls (docs/acd.md): agent views, queue views, the
// agent's own REST actions and the supervisor's. The agent console and the
// supervisor pages use these; live changes arrive as `agent.state` and
// `queue.stats` pushes over the WebSocket (live/floor.ts).
import { api } from "./client";
import type { Items } from "./types";

export type AgentState =
  | "logged_out" | "ready" | "not_ready" | "ringing" | "on_call" | "on_hold" | "wrap_up" | "busy_elsewhere";

export const AGENT_STATES: AgentState[] = [
  "ready", "ringing", "on_call", "on_hold", "wrap_up", "not_ready", "busy_elsewhere", "logged_out",
];

/** An agent as GET /api/v1/acd/agents and the `agent.state` push give it. */
export interface AgentView {
  agent: string;
  device: string; // extension:8001 | browser:SESSION
  state: AgentState;
  reason: string;
  since: number; // ms, server clock
  call: string;
  queue: string;
  calls_today: number;
  missed_in_row: number;
  wrap_up_until: number; // ms, server clock; 0 outside wrap-up
}

/** GET /api/v1/agent: my view plus the reasons to choose and my live call. */
export interface MyAgent extends Partial<AgentView> {
  agent: string;
  state: AgentState;
  not_ready_reasons?: Record<string, string>;
  live_call?: string;
}

export interface QueueView {
  name: string;
  display_name: string;
  waiting: number;
  callbacks_waiting: number;
  longest_wait_ms: number;
  agents: { logged_in: number; ready: number; busy: number; not_ready: number; wrap_up: number };
  today: {
    offered: number;
    answered: number;
    abandoned: number;
    answered_within_sl: number;
    overflowed: number;
    service_level: number; // 0..1
    answer_rate: number; // 0..1
  };
  estimated_wait_ms: number;
  settings?: { service_level_seconds?: number; wrap_up_seconds?: number };
  members?: Array<{ agent: string; penalty: number }>;
}

/** The `queue.stats` push. */
export interface QueueStats {
  queues: QueueView[];
  at: number;
}

/** A step of the IVR path (the interpreter's path_json): node and outcome. */
export interface IvrStep {
  t?: number;
  node: string;
  out?: string;
}

/** The `call.ringing` push: the screen pop. */
export interface Ringing {
  offer: number | string;
  call: string;
  queue: string;
  caller_masked: string;
  callback: boolean;
  priority: number;
  waited_ms: number;
  ivr_path: IvrStep[];
  /** Earlier tickets of the caller's number, when the server sends them. */
  earlier_tickets?: Array<{ id: number; number: string; state: string; summary?: string; created_at?: string }>;
}

/** The `call.invite` push to a browser agent: the server's offer. */
export interface Invite {
  call: string;
  sdp: string;
  caller_masked?: string;
  queue?: string;
  /** After session.attach: the same call offered again to the reloaded page (answer at once). */
  reattach?: boolean;
  /** Another agent consults me about their call (attended transfer): no queue, no offer. */
  consult?: boolean;
  /** The consulting agent's job number (with `consult`). */
  from_agent?: string;
  /**
   * Click-to-call (`call.dial`): my own device rings first, for a call I asked
   * for: answer at once; answering dials the citizen (`caller_masked`).
   */
  outbound?: boolean;
  /** A queued callback (the citizen pressed 1 in the queue): answering dials the citizen (`caller_masked`). */
  callback?: boolean;
}

/** The reply of `call.dial` / POST /api/v1/agent/call/dial. */
export interface DialReply {
  call: string;
  number_masked: string;
}

/** The consultation states of the consulting agent's call (docs/console.md). */
export type ConsultState = "consult_ringing" | "consulting" | "conference";

/** The `call.state` push. */
export interface CallStatePush {
  call: string;
  state: "ringing" | "connected" | "held" | "ended" | ConsultState;
  cause?: string;
  /** consult_ringing / consulting: whom I consult ("agent:1002", "extension:8001", a number). */
  target?: string;
  /** connected after consult_failed: the SIP status of the consulted party's refusal. */
  status?: number;
}

/** One-click monitoring modes of `call.monitor`. */
export type MonitorMode = "listen" | "whisper" | "barge";

export const acdApi = {
  me: () => api.get<MyAgent>("/api/v1/agent"),
  login: (extension: string) => api.post<AgentView>("/api/v1/agent/login", { extension }),
  logout: () => api.post<AgentView>("/api/v1/agent/logout"),
  ready: () => api.post<AgentView>("/api/v1/agent/state", { state: "ready" }),
  notReady: (reason: string) => api.post<AgentView>("/api/v1/agent/state", { state: "not_ready", reason }),
  wrapupDone: () => api.post<AgentView>("/api/v1/agent/wrapup", { done: true }),
  wrapupExtend: (seconds: number) => api.post<AgentView>("/api/v1/agent/wrapup", { extend_seconds: seconds }),
  callAction: (action: "hangup" | "hold" | "resume") => api.post<{ ok: boolean }>(`/api/v1/agent/call/${action}`),
  transfer: (target: string) => api.post<{ ok: boolean }>("/api/v1/agent/call/transfer", { target }),
  consult: (target: string) => api.post<{ ok: boolean }>("/api/v1/agent/call/consult", { target }),
  consultAction: (action: "consult_cancel" | "transfer_complete" | "conference") =>
    api.post<{ ok: boolean }>(`/api/v1/agent/call/${action}`),
  /** Click-to-call: rings my device, then the number (or the ticket's caller, unsealed on the server). */
  dial: (target: { ticket: number } | { number: string }) => api.post<DialReply>("/api/v1/agent/call/dial", target),

  queues: () => api.get<Items<QueueView>>("/api/v1/acd/queues"),
  agents: () => api.get<Items<AgentView>>("/api/v1/acd/agents"),
  forceState: (agent: string, state: "ready" | "not_ready" | "logged_out", reason?: string) =>
    api.post<AgentView>(`/api/v1/acd/agents/${encodeURIComponent(agent)}/state`, reason ? { state, reason } : { state }),
  release: (call: string) => api.post<{ ok: boolean }>(`/api/v1/acd/calls/${encodeURIComponent(call)}/release`),
};

/** "extension:8001" → "8001"; a browser device → "". */
export function extensionOf(device: string | undefined | null): string {
  return device && device.startsWith("extension:") ? device.slice("extension:".length) : "";
}

export function isBrowserDevice(device: string | undefined | null): boolean {
  return !!device && device.startsWith("browser");
}

/** mm:ss or h:mm:ss of a duration in ms (negative counts as 0). */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const mm = String(m).padStart(h ? 2 : 1, "0");
  const ss = String(sec).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function percent(x: number | undefined | null): string {
  if (x === undefined || x === null || Number.isNaN(x)) return "—";
  return `${Math.round(x * 1000) / 10}%`;
}
