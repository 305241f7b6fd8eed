// sipp from the browser tests: a desk phone that registers an extension
// and answers the ACD's offers, and citizens dialling 12345 (the
// scenarios of tests/sip and tests/e2e/sip; Debian package sip-tester).
import { spawn, spawnSync } from "node:child_process";
import dgram from "node:dgram";
import fs from "node:fs";
import path from "node:path";
import { ROOT } from "./harness.mjs";

export const SIPP = process.env.HOTLINE_SIPP || "/usr/bin/sipp";
export const hasSipp = () => fs.existsSync(SIPP);
const SIP_DIRS = [path.join(ROOT, "tests", "e2e", "sip"), path.join(ROOT, "tests", "sip")];

function scenario(name) {
  for (const dir of SIP_DIRS) {
    const p = path.join(dir, name);
    if (fs.existsSync(p)) return p;
  }
  throw new Error(`no sipp scenario ${name}`);
}

function bind(port, address) {
  return new Promise((resolve) => {
    const s = dgram.createSocket("udp4");
    s.once("error", () => resolve(null));
    s.bind(port, address, () => resolve(s));
  });
}

/** A free UDP port on `address` (0: let the kernel pick). */
export async function freeUdpPort(address = "127.0.0.1") {
  const s = await bind(0, address);
  const port = s.address().port;
  s.close();
  return port;
}

/** An even port with the next three free too (sipp's RTP/RTCP media ports). */
export async function freeMediaPort() {
  for (let i = 0; i < 50; i++) {
    const base = (await freeUdpPort()) & ~1;
    const socks = [];
    let ok = true;
    for (let p = base; p < base + 4; p++) {
      const s = await bind(p, "127.0.0.1");
      if (!s) {
        ok = false;
        break;
      }
      socks.push(s);
    }
    socks.forEach((s) => s.close());
    if (ok) return base;
  }
  throw new Error("no free media ports");
}

export class Sipp {
  constructor(daemon) {
    this.d = daemon;
    this.procs = [];
  }

  workdir(name) {
    const dir = path.join(this.d.root, `sipp-${name}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  }

  async args(name, address, port, extra) {
    return [`127.0.0.1:${this.d.sipPort}`, "-sf", scenario(name), "-t", "u1", "-i", address, "-p", String(port),
      "-mp", String(await freeMediaPort()), "-nostdin", "-trace_err", ...extra];
  }

  /** Registers `ext` and answers every call to it with `name` until stopped. */
  async phone(ext, password, name = "uas_agent_slow.xml") {
    const port = await freeUdpPort();
    const work = this.workdir(`phone-${ext}`);
    const reg = spawnSync(SIPP, [`127.0.0.1:${this.d.sipPort}`, "-sf", scenario("register.xml"), "-t", "u1", "-i", "127.0.0.1",
      "-p", String(port), "-s", ext, "-au", ext, "-ap", password, "-m", "1", "-timeout", "10s", "-timeout_error", "-nostdin"],
    { cwd: work, encoding: "utf8", timeout: 30000 });
    if (reg.status !== 0) throw new Error(`sipp register ${ext} failed: ${reg.stdout?.slice(-1500)} ${reg.stderr?.slice(-500)}`);
    const proc = spawn(SIPP, await this.args(name, "127.0.0.1", port, ["-s", ext]), { cwd: work, stdio: "ignore" });
    this.procs.push(proc);
    await new Promise((r) => setTimeout(r, 300));
    return proc;
  }

  /** One citizen from the citizens' trunk address dialling `number` (keys 1 and waits for the agent). */
  async citizen(number = "12345", name = "uac_queue.xml") {
    const work = this.workdir("citizen");
    const proc = spawn(SIPP, await this.args(name, "127.0.0.2", 0, ["-s", number, "-m", "1", "-timeout", "120s", "-timeout_error"]),
      { cwd: work, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    proc.stdout.on("data", (d) => (out = (out + d).slice(-4000)));
    proc.stderr.on("data", (d) => (out = (out + d).slice(-4000)));
    this.procs.push(proc);
    proc.done = new Promise((resolve) => proc.on("exit", (code) => resolve({ code, out })));
    return proc;
  }

  stopAll() {
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL");
    }
    this.procs = [];
  }
}

/** A citizen_ua.py process: one JSON line per event or answer on stdout, commands on stdin. */
class CitizenProcess {
  constructor(args) {
    this.lines = [];
    this.waiters = [];
    this.proc = spawn("python3", [path.join(ROOT, "tests", "e2e", "citizen_ua.py"), ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let buf = "";
    this.err = "";
    this.proc.stdout.on("data", (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.ended) this.ended = true;
        const w = this.waiters.shift();
        if (w) w(msg);
        else this.lines.push(msg);
      }
    });
    this.proc.stderr.on("data", (d) => (this.err = (this.err + d).slice(-3000)));
    this.done = new Promise((resolve) => this.proc.on("exit", (code) => resolve({ code, err: this.err })));
  }

  next(timeoutMs = 20000) {
    if (this.lines.length) return Promise.resolve(this.lines.shift());
    return new Promise((resolve, reject) => {
      const waiter = (m) => {
        clearTimeout(timer);
        resolve(m);
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`citizen: no answer (${this.err})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async ask(command, timeoutMs) {
    this.proc.stdin.write(`${command}\n`);
    return this.next(timeoutMs);
  }

  kill() {
    if (this.proc.exitCode === null) this.proc.kill("SIGKILL");
  }
}

/**
 * A citizen that speaks and listens (tests/e2e/citizen_ua.py): dials
 * `number`, keys `digits`, then sends a 600 Hz tone until the call ends.
 * ask("level 2") → what it heard over the last 2 s ({rms, tone600}).
 */
export class Citizen extends CitizenProcess {
  constructor(daemon, number = "12345", digits = "1", caller = "13800138000") {
    super([String(daemon.sipPort), number, digits, caller]);
  }
}

/**
 * The citizen's phone behind a carrier trunk (citizen_ua.py --answer, on
 * 127.0.0.3): start it before the daemon (`port` goes into the trunk's
 * address), then `attach(daemon)`; it answers the first INVITE
 * ({answered, number}) and speaks the 600 Hz tone. Same commands as Citizen.
 */
export class AnsweringCitizen extends CitizenProcess {
  static async start() {
    const c = new AnsweringCitizen(["--answer"]);
    const first = await c.next(10000);
    if (!first.listening) throw new Error(`citizen_ua --answer: ${JSON.stringify(first)}`);
    c.port = first.listening;
    return c;
  }

  async attach(daemon) {
    const r = await this.ask(`server ${daemon.sipPort}`);
    if (r.server !== daemon.sipPort) throw new Error(`citizen_ua --answer: ${JSON.stringify(r)}`);
  }
}
