// Re-attaching after a reload (docs/websocket-protocol.md, "The agent
// console"): `session.ready` carries a session_id; we keep it in
// sessionStorage (per tab, survives a reload, not a new tab). When a new
// connection's session.ready comes with another id, we ask the server to
// re-attach the old one (`session.attach`) within its grace period: the
// agent stays logged in and their live call stays up. A server without the
// method (-32601) or past the grace period simply answers an error; the
// console then re-reads its state over REST as usual.
import { ref } from "vue";
import { hub, RpcError } from "./client";

const KEY = "hotline.ws.session_id";

export interface AttachResult {
  agent?: unknown;
  call?: string | null;
  session_id?: string;
}

/** The last successful attach (the console re-reads its state and re-joins the call). */
export const attached = ref<AttachResult | null>(null);
/** Bumped after each session.ready has been dealt with (attach tried or not needed). */
export const sessionGeneration = ref(0);
export const currentSessionId = ref("");

function read(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}
function write(id: string) {
  try {
    sessionStorage.setItem(KEY, id);
  } catch {
    /* storage unavailable */
  }
}

/** Forgets the id (logout): a later login in this tab starts afresh. */
export function forgetSession() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* ignore */
  }
}

let installed = false;
export function installAttach() {
  if (installed) return;
  installed = true;
  hub.on("session.ready", async (p: { session_id?: string }) => {
    const mine = typeof p.session_id === "string" ? p.session_id : "";
    const previous = read();
    if (mine) currentSessionId.value = mine;
    if (mine && previous && previous !== mine) {
      try {
        const r = await hub.call<AttachResult>("session.attach", { session_id: previous });
        attached.value = r ?? {};
        // The server may name the id that now owns the agent; else it is this connection's.
        write(r?.session_id || mine);
      } catch (e) {
        if (!(e instanceof RpcError)) console.error(e);
        write(mine);
      }
    } else if (mine) {
      write(mine);
    }
    sessionGeneration.value++;
  });
}
