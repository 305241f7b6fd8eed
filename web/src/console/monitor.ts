// One-click monitoring from the supervisor's browser (监听 / 密语 / 强插):
// `call.monitor {"agent", "mode", "sdp": OFFER}` answers like `call.invite`
// with `{"call", "sdp": ANSWER}`; the supervisor hears the agent's live call
// through this WebRTC leg (and, whispering, speaks to the agent only;
// barging, to both). `call.bye` of the leg stops it; the supervised call goes
// on. The server ends the leg with `call.state` ended when the call ends.
// One monitoring session per tab; starting another stops the first.
import { ref } from "vue";
import { hub, RpcError } from "../ws/client";
import { ApiError } from "../api/client";
import { BrowserCall, type MediaStats } from "./webrtc";
import type { CallStatePush, MonitorMode } from "../api/acd";

export interface MonitorSession {
  agent: string;
  mode: MonitorMode;
  call: string; // "" until the server answered
  status: "connecting" | "connected" | "ended";
  cause: string;
  since: number; // browser ms
}

export const monitorSession = ref<MonitorSession | null>(null);
export const monitorError = ref("");
export const monitorStats = ref<MediaStats | null>(null);

let media: BrowserCall | null = null;
let generation = 0; // a newer start() or stop() makes an older start() give up
let statsTimer: number | undefined;
let installed = false;

function message(e: unknown): string {
  if (e instanceof ApiError || e instanceof RpcError) return e.message;
  if (e instanceof DOMException) return `${e.name}: ${e.message}`;
  return (e as Error)?.message ?? String(e);
}

function install() {
  if (installed) return;
  installed = true;
  hub.on("call.state", (p: CallStatePush) => {
    const s = monitorSession.value;
    if (!s || !s.call || p.call !== s.call) return;
    if (p.state === "ended") finish(p.cause ?? "");
  });
}

function finish(cause: string) {
  window.clearInterval(statsTimer);
  statsTimer = undefined;
  media?.close();
  media = null;
  const s = monitorSession.value;
  if (s) monitorSession.value = { ...s, status: "ended", cause };
}

/** Joins `agent`'s live call in `mode`; the page shows monitorSession. */
export async function startMonitor(agent: string, mode: MonitorMode): Promise<void> {
  install();
  await stopMonitor();
  const gen = ++generation;
  monitorError.value = "";
  monitorStats.value = null;
  monitorSession.value = { agent, mode, call: "", status: "connecting", cause: "", since: Date.now() };
  let m: BrowserCall | null = null;
  try {
    m = await BrowserCall.create();
    // Listening, the supervisor's microphone has nobody to reach: send silence.
    m.setMuted(mode === "listen");
    const offer = await m.offer();
    const r = await hub.call<{ call: string; sdp: string }>("call.monitor", { agent, mode, sdp: offer });
    if (gen !== generation) {
      // Stopped (or restarted) while we waited for the answer: hang this leg up.
      hub.call("call.bye", { call: r.call }).catch(() => undefined);
      m.close();
      return;
    }
    await m.accept(r.sdp);
    media = m;
    monitorSession.value = { ...monitorSession.value!, call: r.call, status: "connected" };
    statsTimer = window.setInterval(async () => {
      if (media) monitorStats.value = await media.stats();
    }, 1000);
  } catch (e) {
    m?.close();
    if (gen !== generation) return;
    monitorError.value = message(e);
    finish("error");
  }
}

/** Hangs up the monitoring leg (the supervised call goes on). */
export async function stopMonitor(): Promise<void> {
  const s = monitorSession.value;
  generation++;
  if (!s || s.status === "ended") return;
  const id = s.call;
  finish("stopped");
  if (!id) return;
  try {
    await hub.call("call.bye", { call: id });
  } catch (e) {
    // Already gone on the server (the call ended meanwhile): nothing to stop.
    if (!(e instanceof RpcError && e.code === -32004)) monitorError.value = message(e);
  }
}

/** Clears the panel of an ended session. */
export function dismissMonitor() {
  if (monitorSession.value?.status === "ended") monitorSession.value = null;
}

/** For the browser tests: the monitoring leg's counters. */
async function stats() {
  return media ? media.stats() : null;
}
(window as any).__hotlineMonitor = { stats };
