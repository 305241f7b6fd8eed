// The server's clock as the browser sees it, and a one-second tick for the
// live timers (time in state, wrap-up countdown, longest wait). Agent and
// queue times are server milliseconds; `session.ready`'s server_time (and
// each `queue.stats`'s `at`) give the offset, so a skewed PC clock does not
// show a wrap-up that already ended.
import { ref } from "vue";
import { hub } from "../ws/client";

let offsetMs = 0;
/** Updated every second; read it in a computed to re-render live timers. */
export const tick = ref(Date.now());
let timer: number | undefined;

export function serverNow(): number {
  return Date.now() + offsetMs;
}

export function noteServerTime(serverMs: number) {
  if (Number.isFinite(serverMs) && serverMs > 0) offsetMs = serverMs - Date.now();
}

/** Starts the tick (once) and listens for the server's time. */
export function startClock() {
  if (timer !== undefined) return;
  timer = window.setInterval(() => (tick.value = Date.now()), 1000);
  hub.on("session.ready", (p: { server_time?: string }) => {
    if (p.server_time) noteServerTime(Date.parse(p.server_time));
  });
}
