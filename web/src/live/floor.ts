// The live floor: every queue and every agent, for the supervisor view, the
// wallboard and the console's transfer picker. One REST load at start (and
// after a WebSocket reconnect, when pushes were missed), then only the
// `queue.stats` and `agent.state` pushes: no browser polls the database.
import { ref } from "vue";
import { hub } from "../ws/client";
import { acdApi, type AgentView, type QueueStats, type QueueView } from "../api/acd";
import { serverNow } from "./clock";

export const queues = ref<QueueView[]>([]);
/** Server ms when `queues` were measured (their longest_wait_ms is as of then). */
export const queuesAt = ref(0);
export const agents = ref<Record<string, AgentView>>({});
/** The last error of the REST load ("" when fine). */
export const floorError = ref("");
/** Pushes received since the page loaded (the tests and the status line show it). */
export const pushCount = ref(0);

/** Calls and channels in use (`calls.stats` pushes); null until the first. */
export interface ChannelUse {
  calls: number;
  max_calls: number;
  legs: number;
  trunks: Array<{ trunk: string; legs: number }>;
  extensions: number;
  browsers: number;
  at: number;
}
export const channels = ref<ChannelUse | null>(null);

/** Samples of waiting callers over time (for the wallboard's line chart): [server ms, total waiting]. */
export const waitingHistory = ref<Array<[number, number]>>([]);
const HISTORY_MS = 30 * 60 * 1000;

let subscribed = false;
let withRest = false;

function sample() {
  const total = queues.value.reduce((n, q) => n + q.waiting, 0);
  const now = queuesAt.value || serverNow();
  const h = waitingHistory.value.filter(([t]) => t >= now - HISTORY_MS);
  h.push([now, total]);
  waitingHistory.value = h;
}

function onQueueStats(p: QueueStats) {
  pushCount.value++;
  if (!Array.isArray(p.queues)) return;
  queues.value = p.queues;
  queuesAt.value = p.at || serverNow();
  sample();
}

function onAgentState(a: AgentView) {
  pushCount.value++;
  if (!a || !a.agent) return;
  agents.value = { ...agents.value, [a.agent]: a };
}

/** Reads queues and agents over REST (supervisors and admins only: acd.read). */
export async function loadFloor(): Promise<void> {
  floorError.value = "";
  try {
    const [q, a] = await Promise.all([acdApi.queues(), acdApi.agents()]);
    queues.value = q.items;
    queuesAt.value = serverNow();
    const map: Record<string, AgentView> = {};
    for (const x of a.items) map[x.agent] = x;
    agents.value = map;
    sample();
  } catch (e) {
    floorError.value = (e as Error).message;
  }
}

/**
 * Subscribes to the pushes (once per page load). With `rest`, also loads
 * the floor over REST now and after every reconnect.
 */
export function watchFloor(rest: boolean): Promise<void> | void {
  if (!subscribed) {
    subscribed = true;
    hub.on("queue.stats", onQueueStats);
    hub.on("agent.state", onAgentState);
    hub.on("calls.stats", (c: ChannelUse) => {
      pushCount.value++;
      if (c && typeof c.calls === "number") channels.value = c;
    });
    hub.on("ws.resync", () => {
      if (withRest) loadFloor();
    });
  }
  if (rest) {
    withRest = true;
    return loadFloor();
  }
}

/** A queue's display name when the pushes told it, else its name. */
export function queueLabel(name: string | null | undefined): string {
  if (!name) return "—";
  return queues.value.find((q) => q.name === name)?.display_name || name;
}

/** Live longest wait of a queue: the pushed figure plus the time since it was measured. */
export function liveLongestWait(q: QueueView, now: number): number {
  if (!q.waiting) return 0;
  return q.longest_wait_ms + Math.max(0, now - (queuesAt.value || now));
}
