// The WebSocket client of docs/websocket-protocol.md (`hotline-ws/1`): one
// connection per logged-in tab, JSON-RPC 2.0 calls, server events by method
// name (`reminder.due`, `system.notice`, later `ticket.updated`, `call.*`,
// `agent.*`, `queue.*`). The browser sends the session cookie with the
// upgrade. On a drop it reconnects with a backoff (1 s, 2 s, 4 s … 30 s, with
// jitter) and emits `ws.resync` so that pages re-read what they show; on
// close 1008 (session ended/expired) it stops and emits `ws.session_ended`.
import { ref } from "vue";

export const PROTOCOL = "hotline-ws/1";

type Handler = (params: any) => void;
interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: RpcError) => void;
}

export class RpcError extends Error {
  constructor(
    public code: number,
    message: string,
  ) {
    super(message);
  }
}

export type WsStatus = "idle" | "connecting" | "open" | "closed";

class Hub {
  status = ref<WsStatus>("idle");
  private ws: WebSocket | null = null;
  private wanted = false;
  private attempt = 0;
  private timer: number | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private handlers = new Map<string, Set<Handler>>();
  private everOpened = false;

  connect() {
    this.wanted = true;
    if (this.ws && (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)) return;
    window.clearTimeout(this.timer);
    this.status.value = "connecting";
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    ws.onmessage = (e) => this.onMessage(e.data);
    ws.onopen = () => {
      this.status.value = "open";
      this.attempt = 0;
      if (this.everOpened) this.emit("ws.resync", {});
      this.everOpened = true;
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.status.value = "closed";
      for (const p of this.pending.values()) p.reject(new RpcError(-32000, "connection closed"));
      this.pending.clear();
      if (e.code === 1008) {
        this.wanted = false;
        this.emit("ws.session_ended", { reason: e.reason });
        return;
      }
      if (this.wanted) this.scheduleReconnect();
    };
  }

  disconnect() {
    this.wanted = false;
    window.clearTimeout(this.timer);
    this.everOpened = false;
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000, "logout");
    this.status.value = "idle";
  }

  private scheduleReconnect() {
    const base = Math.min(30_000, 1000 * 2 ** this.attempt);
    this.attempt++;
    const delay = base / 2 + Math.random() * (base / 2);
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  private onMessage(data: unknown) {
    if (typeof data !== "string") return;
    let msg: any;
    try {
      msg = JSON.parse(data);
    } catch {
      return;
    }
    if (msg.id !== undefined && msg.id !== null && this.pending.has(msg.id)) {
      const p = this.pending.get(msg.id)!;
      this.pending.delete(msg.id);
      if (msg.error) p.reject(new RpcError(msg.error.code, msg.error.message));
      else p.resolve(msg.result);
      return;
    }
    if (typeof msg.method !== "string") return;
    if (msg.method === "session.ready" && msg.params?.protocol !== PROTOCOL) {
      console.error("unexpected WebSocket protocol", msg.params?.protocol);
      this.disconnect();
      return;
    }
    this.emit(msg.method, msg.params ?? {});
  }

  private emit(method: string, params: unknown) {
    for (const h of this.handlers.get(method) ?? []) {
      try {
        h(params);
      } catch (e) {
        console.error(e);
      }
    }
  }

  /** Subscribes to an event; returns the unsubscribe function. */
  on(method: string, handler: Handler): () => void {
    if (!this.handlers.has(method)) this.handlers.set(method, new Set());
    this.handlers.get(method)!.add(handler);
    return () => this.handlers.get(method)?.delete(handler);
  }

  call<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new RpcError(-32000, "not connected"));
    const id = this.nextId++;
    ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    return new Promise<T>((resolve, reject) =>
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject }),
    );
  }
}

export const hub = new Hub();
