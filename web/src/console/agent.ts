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
//    fallback where one exists when the server lacks the method (-32601);
//  - consultation (attended transfer, three-way conference): `call.consult`,
//    `call.consult_cancel`, `call.transfer_complete`, `call.conference` (REST
//    for a desk phone); the consulted agent's leg is a `call.invite` with
//    "consult": true that becomes their call on `transferred_to_you`;
//  - click-to-call (`call.dial`, e.g. the callback page's 呼叫 button): the
//    server rings my own device first; the browser gets `call.invite` with
//    "outbound": true and answers it at once (no ring: I asked for it); the
//    server then dials the citizen. A queued callback rings like an offer
//    (`call.invite` with "callback": true, 回拨来电); answering dials the citizen.
//
// The store is installed by every page that can place or take a call (the
// console, the callback page): the pushes are handled wherever the agent is,
// and the softphone's media lives on across the app's pages.
import { computed, ref, watch } from "vue";
import { hub, RpcError } from "../ws/client";
import { ApiError } from "../api/client";
import {
  acdApi, isBrowserDevice, type AgentView, type CallStatePush, type ConsultState, type DialReply, type Invite, type MyAgent,
  type Ringing,
} from "../api/acd";
import { currentUser } from "../auth/session";
import { attached, sessionGeneration, forgetSession } from "../ws/attach";
import { BrowserCall } from "./webrtc";
import { startRinging, stopRinging, unlockAudio } from "./ringer";
import { serverNow, startClock, tick } from "../live/clock";

/** Whom I consult about my call, and how far that got. */
export interface ConsultLeg {
  target: string; // "agent:1002", "extension:8001" or a number
  label: string; // as the picker showed it ("" when only the push named it)
  state: ConsultState;
}

export interface LiveCall {
  uuid: string;
  direction: "in" | "out";
  number: string; // outbound: the dialled number; inbound: the masked caller
  state: "dialling" | "connected" | "held";
  muted: boolean;
  since: number; // server ms
  /** I consult someone about this call (attended transfer or conference). */
  consult?: ConsultLeg | null;
  /** Another agent (this job number) consults me; "" once the call is transferred to me. */
  consultFrom?: string;
  /**
   * The call reached me through a consultation: the ACD's agent.state does not
   * follow it (my ACD state stays ready / not ready while consulted), so only
   * `call.state` ended ends it.
   */
  viaConsult?: boolean;
  /** Consulted, the consulting agent made it a three-way call. */
  conference?: boolean;
  /** click_to_call: I called the citizen (外呼, `call.dial`); callback: a queued callback (回拨). */
  kind?: "click_to_call" | "callback";
  /** Click-to-call of a ticket's caller: the ticket (回访). */
  ticket?: number;
}

/** How the last consultation ended when it put me back with the citizen (shown in the softphone). */
export interface ConsultOutcome {
  cause: string; // consult_failed | consult_cancelled | consult_ended | transferred_to_you
  status?: number;
  from?: string;
}

/** The screen pop: a call.ringing push, or a consultation's invite (consult_from: the consulting agent). */
export type Pop = Ringing & { answered?: boolean; at?: number; consult_from?: string };

const POP_KEY = "hotline.console.pop";
const REASON_KEY = "hotline.console.reason";
const EXT_KEY = "hotline.console.extension";

export const me = ref<AgentView | null>(null);
export const reasons = ref<Record<string, string>>({});
export const loaded = ref(false);
export const busy = ref(false);
export const error = ref("");
/** The screen pop: the last call offered to me (kept through the call and wrap-up, and across a reload). */
export const pop = ref<Pop | null>(readJson(POP_KEY, sessionStorage));
/** An offer is ringing now. */
export const ringingNow = ref(false);
/** The server's offer for my browser softphone, awaiting `call.answer`. */
export const invite = ref<Invite | null>(null);
export const call = ref<LiveCall | null>(null);
/** The browser media's connection state ("" without browser media). */
export const mediaState = ref("");
export const consultOutcome = ref<ConsultOutcome | null>(null);
export const rememberedExtension = ref(readText(EXT_KEY, localStorage));
export const chosenReason = ref(readText(REASON_KEY, localStorage));

/** The last click-to-call placed from this tab: the call, the masked number, the ticket (the callback page shows it). */
export interface Dialled extends DialReply {
  ticket?: number;
  at: number;
}
export const dialled = ref<Dialled | null>(null);
/** How my last click-to-call or callback ended (`call.state` ended's cause: normal, no_answer, busy, …). */
export const lastEnded = ref<{ call: string; cause: string; kind: NonNullable<LiveCall["kind"]>; number: string; ticket?: number } | null>(null);

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
      // Being consulted makes me busy for the ACD while the consultation rings: keep it ringing.
      if (!invite.value?.consult) {
        stopRinging();
        ringingNow.value = false;
      }
      break;
    default: {
      // ready, not_ready, wrap_up, logged_out: no call of the ACD any more,
      // except a consultation's leg, which the ACD state does not follow.
      const consultRinging = !!invite.value?.consult && a.state !== "logged_out";
      const consultCall = !!call.value?.viaConsult && a.state !== "logged_out";
      if (!consultRinging) {
        stopRinging();
        ringingNow.value = false;
        invite.value = null;
      }
      if (pop.value && !pop.value.answered && before === "ringing") pop.value = null;
      if (call.value && !consultCall && (call.value.direction === "in" || before === "busy_elsewhere")) {
        noteEnded(call.value, ""); // the cause comes with `call.state` ended, if it comes after this
        endCall();
      }
    }
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
  if (pop.value?.consult_from && call.value?.consultFrom) pop.value = null; // a consultation that never became mine
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

/** My click-to-call's own leg could not be answered: end it now rather than let the server wait for its ring timeout. */
function giveUpOutbound(inv: Invite) {
  if (!inv.outbound) return;
  if (invite.value?.call === inv.call) invite.value = null;
  hub.call("call.reject", { call: inv.call }).catch(() => undefined);
}

async function answerInvite(inv: Invite) {
  let m: BrowserCall;
  try {
    m = await BrowserCall.create();
  } catch (e) {
    giveUpOutbound(inv);
    throw e;
  }
  let created = false;
  try {
    const sdp = await m.answer(inv.sdp);
    if (inv.outbound && call.value?.uuid !== inv.call) {
      // My click-to-call: `call.state` connected may come before the answer's reply, so the call exists first.
      call.value = outboundCall(inv);
      created = true;
    }
    await hub.call("call.answer", { call: inv.call, sdp });
  } catch (e) {
    m.close();
    if (created && call.value?.uuid === inv.call) call.value = null;
    giveUpOutbound(inv);
    throw e;
  }
  closeMedia();
  watchMedia(m);
  stopRinging();
  ringingNow.value = false;
  if (pop.value && pop.value.call === inv.call) pop.value.answered = true;
  const keep = call.value?.uuid === inv.call ? call.value : null;
  const c: LiveCall = keep ?? {
    uuid: inv.call, direction: "in", number: inv.caller_masked ?? pop.value?.caller_masked ?? "", state: "connected",
    muted: false, since: serverNow(),
  };
  if (inv.consult) {
    // Not mine until the consulting agent completes the transfer (call.state transferred_to_you).
    c.consultFrom = inv.from_agent || "?";
    c.viaConsult = true;
  }
  if (inv.callback && !c.kind) c.kind = "callback";
  call.value = c;
  invite.value = null;
}

function outboundCall(inv: Invite): LiveCall {
  const mine = dialled.value?.call === inv.call ? dialled.value : null;
  return {
    uuid: inv.call, direction: "out", number: inv.caller_masked || mine?.number_masked || "", state: "dialling",
    muted: false, since: serverNow(), kind: "click_to_call", ...(mine?.ticket ? { ticket: mine.ticket } : {}),
  };
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
    if (pop.value?.consult_from && !pop.value.answered) pop.value = null;
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
    if (media) {
      // The reply may come before `call.state` ended: I hung up, so it ended normally.
      noteEnded(call.value, "normal");
      endCall();
    }
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

// ---- consultation: attended transfer and three-way conference ----

/** The consultation in progress on my call ("" when none). */
export const consultState = computed<ConsultState | "">(() => call.value?.consult?.state ?? "");
/** Another agent consults me and the call is not mine yet. */
export const consultedBy = computed(() => call.value?.consultFrom ?? "");

/**
 * Consults `target` ("agent:JOB", "extension:NUM" or a number) about my call:
 * the citizen hears music while I talk to them.
 */
export function consult(target: string, label = "") {
  const c = call.value;
  if (!c) return Promise.resolve(undefined);
  return act(async () => {
    if (media && c.uuid) {
      await viaWs("call.consult", { target }, () => acdApi.consult(target));
    } else {
      await acdApi.consult(target);
    }
    consultOutcome.value = null;
    const now = call.value;
    // The consult_ringing push may have come before the reply: keep its state then.
    if (now && now.consult?.target === target) now.consult.label = label || now.consult.label;
    else if (now) now.consult = { target, label, state: "consult_ringing" };
    return true;
  });
}

function consultAction(action: "consult_cancel" | "transfer_complete" | "conference") {
  const c = call.value;
  if (!c) return Promise.resolve(undefined);
  return act(async () => {
    if (media && c.uuid) {
      await viaWs(`call.${action}`, {}, () => acdApi.consultAction(action));
    } else {
      await acdApi.consultAction(action);
    }
    // Desk phones get no call.state pushes: follow the reply.
    const now = call.value;
    if (now?.uuid === c.uuid && now.consult) {
      if (action === "conference") now.consult.state = "conference";
      else if (action === "consult_cancel") {
        now.consult = null;
        now.state = "connected";
      }
    }
    return true;
  });
}

/** 取消咨询: hangs up (or stops ringing) the consulted party; back with the citizen. In a conference: drops them. */
export const cancelConsult = () => consultAction("consult_cancel");
/** 完成转接: the citizen and the consulted party talk on; I leave (wrap-up as after a blind transfer). */
export const completeTransfer = () => consultAction("transfer_complete");
/** 三方通话: all three hear each other. */
export const conference = () => consultAction("conference");

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

/** Why a click-to-call was refused (the callback page says what to do). */
export type DialProblem = "not_logged_in" | "busy" | "not_connected" | "other";

export class DialError extends Error {
  constructor(
    readonly problem: DialProblem,
    message: string,
  ) {
    super(message);
    this.name = "DialError";
  }
}

/**
 * The server's refusals of `call.dial` (all `conflict`, -32002 / HTTP 409),
 * told apart by their text (src/api/routes_acd.cpp, src/pbx/outbound_call.cpp).
 */
function dialProblem(e: unknown): DialProblem {
  const text = message(e);
  if (/^log in first|no device to ring/.test(text)) return "not_logged_in";
  if (/^you are busy|^you are on a call/.test(text)) return "busy";
  if (/console is not connected|phone cannot be reached/.test(text)) return "not_connected";
  return "other";
}

/**
 * Click-to-call (外呼): `call.dial` rings my own device first (the browser
 * softphone answers by itself, a desk phone rings), then the citizen: a
 * number, or a ticket's caller, whose number the server unseals (the page
 * only ever has it masked). Needs the ACD login; ready, not ready or wrap-up.
 * Throws a DialError.
 */
export async function dialCitizen(target: { ticket: number } | { number: string }): Promise<DialReply> {
  unlockAudio();
  if (loaded.value && !loggedIn.value) throw new DialError("not_logged_in", "log in first: the call rings your device");
  const ticket = "ticket" in target ? target.ticket : undefined;
  try {
    const r = await viaWs<DialReply>("call.dial", { ...target }, () => acdApi.dial(target));
    dialled.value = { ...r, ...(ticket ? { ticket } : {}), at: serverNow() };
    // The invite may have been answered before this reply: name the call's ticket now.
    if (call.value?.uuid === r.call && ticket) call.value.ticket = ticket;
    return r;
  } catch (e) {
    const problem = dialProblem(e);
    if (problem === "not_logged_in" || problem === "busy") loadAgent();
    throw new DialError(problem, message(e));
  }
}

export function dismissPop() {
  if (!ringingNow.value) pop.value = null;
}

// ---- pushes ----

function onRinging(p: Ringing) {
  consultOutcome.value = null;
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
  if (p.outbound && !p.consult) {
    // My own click-to-call (also after a reload while it rang): no ring, answer at once.
    invite.value = p;
    consultOutcome.value = null;
    act(() => answerInvite(p));
    return;
  }
  // After a reload mid-call the server offers the same call again: re-join it at once.
  // (The server marks such an offer "reattach"; it may come before the session.attach reply.)
  const rejoin = p.reattach === true || (call.value && call.value.uuid === p.call) ||
    (attached.value?.call && attached.value.call === p.call);
  invite.value = p;
  if (rejoin) {
    act(() => answerInvite(p));
    return;
  }
  consultOutcome.value = null;
  if (!pop.value || pop.value.call !== p.call || p.consult) {
    pop.value = {
      offer: "", call: p.call, queue: p.queue ?? "", caller_masked: p.caller_masked ?? "", callback: !!p.callback, priority: 0,
      waited_ms: 0, ivr_path: [], answered: false, at: serverNow(),
      ...(p.consult ? { consult_from: p.from_agent || "?" } : {}),
    };
  } else if (p.callback) {
    pop.value.callback = true; // caller_masked is the number to call back (回拨来电)
  }
  ringingNow.value = true;
  startRinging();
}

/** Keeps how my click-to-call or callback ended, for the callback page. */
function noteEnded(c: LiveCall | null, cause: string) {
  if (!c?.kind || !c.uuid) return;
  lastEnded.value = { call: c.uuid, cause, kind: c.kind, number: c.number, ticket: c.ticket };
}

function onCallState(p: CallStatePush) {
  if (p.state === "ended" && lastEnded.value?.call === p.call && p.cause) lastEnded.value.cause = p.cause; // after my hang-up's reply
  const mine = call.value?.uuid === p.call || invite.value?.call === p.call || pop.value?.call === p.call;
  if (!mine) return;
  if (p.state === "ended") {
    if (invite.value?.call === p.call) invite.value = null;
    if (pop.value?.call === p.call && pop.value.consult_from && !pop.value.answered) pop.value = null;
    if (call.value?.uuid === p.call) {
      noteEnded(call.value, p.cause ?? "");
      consultOutcome.value = p.cause === "transferred" ? { cause: "transferred" } : null;
      endCall();
    }
    stopRinging();
    ringingNow.value = false;
    return;
  }
  const c = call.value;
  if (c?.uuid !== p.call) return;
  switch (p.state) {
    case "consult_ringing":
    case "consulting":
    case "conference": {
      if (c.consultFrom) {
        // I am the consulted party: the consulting agent mixed the three of us.
        c.conference = p.state === "conference";
        return;
      }
      const prev = c.consult;
      const target = p.target || prev?.target || "";
      c.consult = { target, label: prev && prev.target === target ? prev.label : "", state: p.state };
      c.state = "connected";
      return;
    }
    case "connected":
      if (c.state === "dialling") c.since = serverNow();
      c.state = "connected";
      if (p.cause === "transferred_to_you") {
        // The consulting agent left: the call is mine now (ticket form, hold, transfer, consult).
        consultOutcome.value = { cause: p.cause, from: c.consultFrom };
        c.consultFrom = "";
        c.conference = false;
        if (pop.value?.call === p.call) pop.value.answered = true;
      } else if (c.consult || p.cause?.startsWith("consult_")) {
        c.consult = null;
        if (p.cause) consultOutcome.value = { cause: p.cause, status: p.status };
      }
      return;
    case "held":
      c.state = "held";
      return;
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
