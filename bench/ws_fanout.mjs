// WebSocket fan-out latency of hotlined. Opens CLIENTS WebSockets on /ws, waits
// until each got session.ready, then ROUNDS times POSTs one notice and waits
// until every client got the system.notice event. A delivery's latency is the
// client's receive time minus params.sent_at_ms (daemon and clients share the
// machine's clock). All clients live in this one Node process, so its single
// event loop, which handles the messages one after another, is part of what is
// measured. Exits 1 if any client misses a notice.
//
// Usage: HOTLINE_TOKEN=... node ws_fanout.mjs http://127.0.0.1:PORT [CLIENTS] [ROUNDS]
import WebSocket from "ws";

const [base, clientsArg = "2000", roundsArg = "5"] = process.argv.slice(2);
const token = process.env.HOTLINE_TOKEN;
const clients = Number(clientsArg);
const rounds = Number(roundsArg);
if (!base || !token || !(clients > 0) || !(rounds > 0)) {
  console.error("usage: HOTLINE_TOKEN=... node ws_fanout.mjs http://127.0.0.1:PORT [CLIENTS] [ROUNDS]");
  process.exit(2);
}
const CONNECT_BATCH = 100; // upgrades in flight at once
const TIMEOUT_MS = 30_000; // for the connect phase and for each round

const sockets = [];
let round = null; // { latencies, received, done }
let unexpectedCloses = 0;

function openClient(i) {
  return new Promise((resolve, reject) => {
    const url = `${base.replace(/^http/, "ws")}/ws?access_token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(url, { perMessageDeflate: false });
    const timer = setTimeout(() => reject(new Error(`client ${i}: no session.ready in time`)), TIMEOUT_MS);
    ws.on("message", (data) => {
      const now = Date.now();
      const msg = JSON.parse(data);
      if (msg.method === "session.ready") {
        clearTimeout(timer);
        resolve(ws);
      } else if (msg.method === "system.notice" && round) {
        round.latencies.push(now - msg.params.sent_at_ms);
        if (++round.received === clients) round.done();
      }
    });
    ws.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`client ${i}: ${err.message}`));
    });
    ws.on("close", () => unexpectedCloses++);
  });
}

function percentile(sorted, p) {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summary(latencies) {
  const s = [...latencies].sort((a, b) => a - b);
  return `min ${s[0]}  p50 ${percentile(s, 50)}  p99 ${percentile(s, 99)}  max ${s[s.length - 1]} ms`;
}

async function broadcast(n) {
  let done;
  const delivered = new Promise((resolve) => (done = resolve));
  round = { latencies: [], received: 0, done };
  const start = Date.now();
  const res = await fetch(`${base}/api/v1/notices`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ text: `Benchmark notice ${n}`, level: "info" }),
  });
  const posted = Date.now() - start;
  const body = await res.json();
  if (!res.ok) throw new Error(`POST /api/v1/notices: HTTP ${res.status} ${JSON.stringify(body)}`);
  let timer;
  await Promise.race([delivered, new Promise((resolve) => (timer = setTimeout(resolve, TIMEOUT_MS)))]);
  clearTimeout(timer);
  const r = round;
  round = null;
  const all = Date.now() - start;
  console.log(
    `round ${n}: ${r.received}/${clients} received (server sent to ${body.delivered_to})  ${summary(r.latencies)}` +
      `  | POST answered in ${posted} ms, last delivery ${all} ms after the POST`,
  );
  return r;
}

let failed = false;
try {
  const t0 = Date.now();
  for (let i = 0; i < clients; i += CONNECT_BATCH) {
    const batch = [];
    for (let j = i; j < Math.min(clients, i + CONNECT_BATCH); j++) batch.push(openClient(j));
    sockets.push(...(await Promise.all(batch)));
  }
  console.log(`${clients} WebSockets open, all got session.ready, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  // Node loads its HTTP client on the first fetch(), which would stall the
  // event loop in the middle of round 1: load it now.
  await fetch(`${base}/healthz`).then((res) => res.arrayBuffer());

  const all = [];
  let received = 0;
  for (let n = 1; n <= rounds; n++) {
    await new Promise((resolve) => setTimeout(resolve, 500)); // let the previous round settle
    const r = await broadcast(n);
    all.push(...r.latencies);
    received += r.received;
    if (r.received !== clients) failed = true;
  }
  console.log(`all ${rounds} rounds: ${received}/${clients * rounds} received  ${summary(all)}`);
  console.log(
    "note: latency = receive time - params.sent_at_ms, in whole ms. All clients share one Node event loop, " +
      "which handles the messages one after another, so the spread (p99, max) includes that queueing.",
  );
  if (unexpectedCloses) {
    console.log(`${unexpectedCloses} WebSockets closed during the run`);
    failed = true;
  }
} catch (err) {
  console.error(`ws_fanout: ${err.message}`);
  failed = true;
}
if (failed) console.error("ws_fanout: FAILED");
for (const ws of sockets) ws.terminate();
process.exit(failed ? 1 : 0);
