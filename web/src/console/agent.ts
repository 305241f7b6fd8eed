// The agent's side of the ACD in this tab: my state, the screen pop of the
// call that rings, the live call and (with the browser softphone) its media.
// One instance per page load, kept outside the page component so that a
// call survives moving between pages of the app. The server is the truth:
// `agent.state` pushes for me replace `me`; a reload re-reads GET
// /api/v1/agent (and re-attaches through ws/attach.ts).
//
// Which channel does what (docs/acd.md, docs/websocket-protocol.md):
//  - state, wrap-up, hold/resume, transfer, desk-phone hang-up: the REST API;
//  - browser-device login, answer/reject (SDP), bye, DTMF, placing a call:
//    the WebSocket methods `agent.login`, `call.*`, with the REST API as the
//    fallback where one exists when the server lacks the method (-32601).
import { computed, ref, watch } from "vue";
import { hub, RpcError } from "../ws/client";
import { ApiError } from "../api/client";
import {
  acdApi, isBrowserDevice, type AgentView, type CallStatePush, type Invite, type MyAgent, type Ringing,
} from "../api/acd";
import { currentUser } from "../auth/session";
import { attached, sessionGeneration, forgetSession } from "../ws/attach";
import { BrowserCall } from "./webrtc";
import { startRinging, stopRinging, unlockAudio } from "./ringer";
import { serverNow, startClock, tick } from "../live/clock";

export interface LiveCall {
  uuid: string;
  direction: "in" | "out";
  number: string; // outbound: the dialled number; inbound: the masked caller
  state: "dialling" | "connected" | "held";
  muted: boolean;
  since: number; // server ms
}

const POP_KEY = "hotline.console.pop";
const REASON_KEY = "hotline.console.reason";
const EXT_KEY = "hotline.console.extension";

export const me = ref<AgentView | null>(null);
export const reasons = ref<Record<string, string>>({});
export const loaded = ref(false);
export const busy = ref(false);
export const error = ref("");
/** The screen pop: the last call offered to me (kept through the call and wrap-up, and across a reload). */
export const pop = ref<(Ringing & { answered?: boolean; at?: number }) | null>(readJson(POP_KEY, sessionStorage));
/** An offer is ringing now. */
export const ringingNow = ref(false);
/** The server's offer for my browser softphone, awaiting `call.answer`. */
export const invite = ref<Invite | null>(null);
export const call = ref<LiveCall | null>(null);
/** The browser media's connection state ("" without browser media). */
export const mediaState = ref("");
export const rememberedExtension = ref(readText(EXT_KEY, localStorage));
export const chosenReason = ref(readText(REASON_KEY, localStorage));

let media: BrowserCall | null = null;

function readJson<T>(key: string, store: Storage): T | null {
  try {
    const s = store.getItem(key);
    return s ? (JSON.parse(s) as T) : null;
  } catch {
    return null;
  }
}
function readText(key: string, store: Storage): string {
  try {
    return store.getItem(key) ?? "";
  } catch {
    return "";
  }
}
function writeStore(key: string, value: string | null, store: Storage) {
  try {
    if (value === null) store.removeItem(key);
    else store.setItem(key, value);
  } catch {
    /* storage unavailable */
  }
}

watch(pop, (p) => writeStore(POP_KEY, p ? JSON.stringify(p) : null, sessionStorage), { deep: true });
watch(chosenReason, (r) => writeStore(REASON_KEY, r, localStorage));

export const loggedIn = computed(() => !!me.value && me.value.state !== "logged_out");
export const deviceKind = computed<"browser" | "extension" | "">(() =>
  !me.value?.device ? "" : isBrowserDevice(me.value.device) ? "browser" : "extension",
);
export const timeInState = computed(() => {
  void tick.value;
  return me.value?.since ? serverNow() - me.value.since : 0;
});
export const wrapUpLeft = computed(() => {
  void tick.value;
  if (me.value?.state !== "wrap_up" || !me.value.wrap_up_until) return 0;
  return Math.max(0, me.value.wrap_up_until - serverNow());
});
export const callDuration = computed(() => {
  void tick.value;
  return call.value ? serverNow() - call.value.since : 0;
});
export const reasonChoices = computed(() => Object.entries(reasons.value).map(([code, label]) => ({ code, label })));

function message(e: unknown): string {
  if (e instanceof ApiError || e instanceof RpcError) return e.message;
  if (e instanceof DOMException) return `${e.name}: ${e.message}`;
  return (e as Error)?.message ?? String(e);
}

async function act<T>(fn: () => Promise<T>): Promise<T | undefined> {
  busy.value = true;
  error.value = "";
  try {
    return await fn();
  } catch (e) {
    error.value = message(e);
    return undefined;
  } finally {
    busy.value = false;
  }
}

/** A WebSocket method, or `fallback` when the server does not have it. */
async function viaWs<T>(method: string, params: Record<string, unknown>, fallback?: () => Promise<T>): Promise<T> {
  try {
    return await hub.call<T>(method, params);
  } catch (e) {
    if (fallback && e instanceof RpcError && (e.code === -32601 || e.code === -32000)) return fallback();
    throw e;
  }
}

function myJob(): string {
  return currentUser.value?.job_number ?? "";
}

// ---- my state ----

function applyMine(a: AgentView) {
  const before = me.value?.state;
  me.value = a;
  switch (a.state) {
    case "ringing":
      break;
    case "on_call":
    case "on_hold":
      stopRinging();
      ringingNow.value = false;
      if (pop.value && (!a.call || pop.value.call === a.call)) pop.value.answered = true;
      if (!call.value) {
        call.value = {
          uuid: a.call, direction: "in", number: pop.value?.caller_masked ?? "", state: "connected", muted: false,
          since: a.since || serverNow(),
        };
      } else {
        call.value.state = a.state === "on_hold" ? "held" : "connected";
        if (!call.value.uuid && a.call) call.value.uuid = a.call;
      }
      break;
    case "busy_elsewhere":
      stopRinging();
      ringingNow.value = false;
      break;
    default:
      // ready, not_ready, wrap_up, logged_out: no call of the ACD any more.
      stopRinging();
      ringingNow.value = false;
      if (pop.value && !pop.value.answered && before === "ringing") pop.value = null;
      if (call.value && (call.value.direction === "in" || before === "busy_elsewhere")) endCall();
      invite.value = null;
  }
}

/** GET /api/v1/agent: my state, the reasons, the live call. */
export async function loadAgent(): Promise<void> {
  try {
    const r: MyAgent = await acdApi.me();
    reasons.value = r.not_ready_reasons ?? {};
    if (!chosenReason.value || !(chosenReason.value in reasons.value)) chosenReason.value = Object.keys(reasons.value)[0] ?? "";
    const { not_ready_reasons: _r, live_call, ...view } = r;
    applyMine({
      agent: view.agent, device: view.device ?? "", state: view.state, reason: view.reason ?? "", since: view.since ?? 0,
      call: view.call ?? "", queue: view.queue ?? "", calls_today: view.calls_today ?? 0,
      missed_in_row: view.missed_in_row ?? 0, wrap_up_until: view.wrap_up_until ?? 0,
    });
    if (live_call && call.value && !call.value.uuid) call.value.uuid = live_call;
    if (live_call && !call.value) {
      call.value = { uuid: live_call, direction: "in", number: pop.value?.caller_masked ?? "", state: "connected", muted: false, since: serverNow() };
    }
    if (!live_call && call.value && !media && !["on_call", "on_hold", "busy_elsewhere"].includes(view.state)) endCall();
    error.value = "";
  } catch (e) {
    error.value = message(e);
  } finally {
    loaded.value = true;
  }
}

export function loginWithExtension(extension: string) {
  unlockAudio();
  rememberedExtension.value = extension;
  writeStore(EXT_KEY, extension, localStorage);
  return act(async () => applyMine(await acdApi.login(extension)));
}

export function loginWithBrowser() {
  unlockAudio();
  return act(async () => {
    // Ask for the microphone now, while the click still counts as a user gesture.
    const probe = await navigator.mediaDevices.getUserMedia({ audio: true });
    probe.getTracks().forEach((t) => t.stop());
    applyMine(await hub.call<AgentView>("agent.login", { device: "browser" }));
  });
}

export function logout() {
  return act(async () => {
    const view = deviceKind.value === "browser" ? await viaWs<AgentView>("agent.logout", {}, acdApi.logout) : await acdApi.logout();
    applyMine(view);
  });
}

export function setReady() {
  unlockAudio();
  return act(async () => applyMine(await acdApi.ready()));
}

export function setNotReady(reason = chosenReason.value) {
  return act(async () => applyMine(await acdApi.notReady(reason || Object.keys(reasons.value)[0] || "break")));
}

/** F9: ready ↔ not ready (with the chosen reason). */
export function toggleReady() {
  if (!loggedIn.value || !me.value) return;
  if (me.value.state === "ready") return setNotReady();
  if (me.value.state === "not_ready") return setReady();
}

export function wrapUpDone() {
  return act(async () => applyMine(await acdApi.wrapupDone()));
}

export function wrapUpExtend(seconds = 30) {
  return act(async () => applyMine(await acdApi.wrapupExtend(seconds)));
}

// ---- the call ----

function closeMedia() {
  media?.close();
  media = null;
  mediaState.value = "";
}

function endCall() {
  closeMedia();
  call.value = null;
  invite.value = null;
  stopRinging();
  ringingNow.value = false;
}

function watchMedia(m: BrowserCall) {
  media = m;
  mediaState.value = m.pc.connectionState;
  m.onStateChange = (s) => {
    mediaState.value = s;
  };
}

async function answerInvite(inv: Invite) {
  const m = await BrowserCall.create();
  try {
    const sdp = await m.answer(inv.sdp);
    await hub.call("call.answer", { call: inv.call, sdp });
  } catch (e) {
    m.close();
    throw e;
  }
  closeMedia();
  watchMedia(m);
  stopRinging();
  ringingNow.value = false;
  if (pop.value && pop.value.call === inv.call) pop.value.answered = true;
  const keep = call.value?.uuid === inv.call ? call.value : null;
  call.value = keep ?? {
    uuid: inv.call, direction: "in", number: inv.caller_masked ?? pop.value?.caller_masked ?? "", state: "connected",
    muted: false, since: serverNow(),
  };
  invite.value = null;
}

/** F2. Browser device: answer the offer with our SDP; desk phone: the phone itself answers. */
export function answer() {
  if (invite.value) {
    const inv = invite.value;
    return act(() => answerInvite(inv));
  }
  if (ringingNow.value && deviceKind.value === "extension") {
    error.value = "";
    return Promise.resolve("pick_up_phone" as const);
  }
  return Promise.resolve(undefined);
}

export function reject() {
  const id = invite.value?.call ?? pop.value?.call;
  if (!id) return;
  return act(async () => {
    await hub.call("call.reject", { call: id });
    stopRinging();
    ringingNow.value = false;
    invite.value = null;
  });
}

/** F4: hang up my call. */
export function hangUp() {
  if (!call.value && !loggedIn.value) return;
  return act(async () => {
    if (media && call.value?.uuid) {
      const id = call.value.uuid;
      await viaWs("call.bye", { call: id }, () => acdApi.callAction("hangup"));
    } else {
      await acdApi.callAction("hangup");
    }
    if (media) endCall();
  });
}

export function setHold(on: boolean) {
  return act(async () => {
    if (media && call.value?.uuid) {
      await viaWs("call.hold", { call: call.value.uuid, hold: on }, () => acdApi.callAction(on ? "hold" : "resume"));
    } else {
      await acdApi.callAction(on ? "hold" : "resume");
    }
    if (call.value) call.value.state = on ? "held" : "connected";
  });
}

export function setMuted(on: boolean) {
  if (!media || !call.value) return;
  media.setMuted(on);
  call.value.muted = on;
}

export const canMute = computed(() => !!call.value && deviceKind.value === "browser");

export function sendDtmf(digits: string) {
  const id = call.value?.uuid;
  if (!id) return;
  return act(async () => {
    try {
      await hub.call("call.dtmf", { call: id, digits });
    } catch (e) {
      if (e instanceof RpcError && e.code === -32601 && media?.insertDtmf(digits)) return;
      throw e;
    }
  });
}

/** Blind transfer: "queue:NAME", "extension:NUM" or a number. */
export function transfer(target: string) {
  return act(async () => {
    if (media && call.value?.uuid) {
      await viaWs("call.transfer", { call: call.value.uuid, target }, () => acdApi.transfer(target));
    } else {
      await acdApi.transfer(target);
    }
    return true;
  });
}

/** Places a call from the browser softphone (outbound dial, directory). */
export function dial(number: string) {
  const digits = number.replace(/[^\d*#+]/g, "");
  if (!digits) return;
  return act(async () => {
    const m = await BrowserCall.create();
    try {
      const offer = await m.offer();
      const r = await hub.call<{ call: string; sdp: string }>("call.invite", { number: digits, sdp: offer });
      await m.accept(r.sdp);
      closeMedia();
      watchMedia(m);
      call.value = { uuid: r.call, direction: "out", number: digits, state: "dialling", muted: false, since: serverNow() };
    } catch (e) {
      m.close();
      throw e;
    }
  });
}

export function dismissPop() {
  if (!ringingNow.value) pop.value = null;
}

// ---- pushes ----

function onRinging(p: Ringing) {
  pop.value = { ...p, ivr_path: Array.isArray(p.ivr_path) ? p.ivr_path : [], answered: false, at: serverNow() };
  ringingNow.value = true;
  startRinging();
}

function onOfferCancelled(p: { offer: number | string; call: string }) {
  if (pop.value && (pop.value.offer === p.offer || pop.value.call === p.call)) {
    stopRinging();
    ringingNow.value = false;
    if (!pop.value.answered) pop.value = null;
  }
  if (invite.value?.call === p.call) invite.value = null;
}

function onInvite(p: Invite) {
  // After a reload mid-call the server offers the same call again: re-join it at once.
  // (The server marks such an offer "reattach"; it may come before the session.attach reply.)
  const rejoin = p.reattach === true || (call.value && call.value.uuid === p.call) ||
    (attached.value?.call && attached.value.call === p.call);
  invite.value = p;
  if (rejoin) {
    act(() => answerInvite(p));
    return;
  }
  if (!pop.value || pop.value.call !== p.call) {
    pop.value = {
      offer: "", call: p.call, queue: p.queue ?? "", caller_masked: p.caller_masked ?? "", callback: false, priority: 0,
      waited_ms: 0, ivr_path: [], answered: false, at: serverNow(),
    };
  }
  ringingNow.value = true;
  startRinging();
}

function onCallState(p: CallStatePush) {
  const mine = call.value?.uuid === p.call || invite.value?.call === p.call || pop.value?.call === p.call;
  if (!mine) return;
  if (p.state === "ended") {
    if (invite.value?.call === p.call) invite.value = null;
    if (call.value?.uuid === p.call) endCall();
    stopRinging();
    ringingNow.value = false;
    return;
  }
  if (call.value?.uuid === p.call) {
    if (p.state === "connected") {
      if (call.value.state === "dialling") call.value.since = serverNow();
      call.value.state = "connected";
    } else if (p.state === "held") call.value.state = "held";
  }
}

let installed = false;
/** Subscribes to the pushes and loads my state (once per page load). */
export function installConsole() {
  startClock();
  if (installed) return;
  installed = true;
  hub.on("agent.state", (a: AgentView) => {
    if (a && a.agent && a.agent === myJob()) applyMine(a);
  });
  hub.on("call.ringing", onRinging);
  hub.on("call.offer_cancelled", onOfferCancelled);
  hub.on("call.invite", onInvite);
  hub.on("call.state", onCallState);
  hub.on("ws.resync", loadAgent);
  watch(sessionGeneration, () => loadAgent());
  watch(currentUser, (u, old) => {
    if (u?.id !== old?.id) reset();
  });
  loadAgent();
}

function reset() {
  endCall();
  me.value = null;
  loaded.value = false;
  pop.value = null;
  forgetSession();
  if (currentUser.value) loadAgent();
}

/** For the browser tests: the media's counters. */
export async function mediaStats() {
  return media ? media.stats() : null;
}
(window as any).__hotlineConsole = { mediaStats };
