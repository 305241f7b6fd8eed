// The e2e harness, mirroring tests/integration/harness.py: the real hotlined
// on free ports (port 0, read back from its log) with its own data dir and a
// config file whose http.static_dir is the built web app; a small HTTP
// client; users made through the API as admin; Debian's chromium driven by
// playwright-core.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, "..", "..");
export const HOTLINED = process.env.HOTLINED || path.join(ROOT, "build", "asan", "src", "hotlined");
export const WEB_DIST = process.env.HOTLINE_WEB_DIST || path.join(ROOT, "web", "dist");
export const ARTIFACTS = process.env.HOTLINE_E2E_ARTIFACTS || path.join(ROOT, "build", "e2e-artifacts");
export const CHROMIUM = process.env.HOTLINE_CHROMIUM || "/usr/bin/chromium";
export const ADMIN_PASSWORD = "admin-pass-123";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function merge(base, extra) {
  for (const [k, v] of Object.entries(extra || {})) {
    if (v && typeof v === "object" && !Array.isArray(v)) base[k] = merge(base[k] || {}, v);
    else base[k] = v;
  }
  return base;
}

export class Daemon {
  constructor(config) {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), "hotline-e2e-"));
    this.dataDir = path.join(this.root, "var");
    this.config = merge(
      {
        http: { listen: "127.0.0.1:0", static_dir: WEB_DIST },
        sip: { listen: "127.0.0.1:0" },
        log: { console: false, level: "info" },
      },
      config,
    );
    this.configPath = path.join(this.root, "hotlined.json");
    fs.writeFileSync(this.configPath, JSON.stringify(this.config));
    this.proc = null;
    this.port = null;
    this.exit = null;
  }

  get base() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60000) {
    for (const [what, p] of [["hotlined", HOTLINED], ["web/dist/index.html (run scripts/build-web)", path.join(WEB_DIST, "index.html")]]) {
      if (!fs.existsSync(p)) throw new Error(`missing ${what}: ${p}`);
    }
    const stderr = fs.openSync(path.join(this.root, "stderr.log"), "a");
    this.proc = spawn(HOTLINED, ["--config", this.configPath, "--data-dir", this.dataDir], {
      env: { ...process.env, HOTLINE_ADMIN_PASSWORD: ADMIN_PASSWORD },
      stdio: ["ignore", stderr, stderr],
    });
    this.exited = new Promise((resolve) => this.proc.on("exit", (code, signal) => resolve((this.exit = { code, signal }))));
    const deadline = Date.now() + timeoutMs;
    const logPath = path.join(this.dataDir, "log", "hotlined.log");
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`hotlined exited with ${JSON.stringify(this.exit)}:\n${this.log()}`);
      if (fs.existsSync(logPath)) {
        const text = fs.readFileSync(logPath, "utf8");
        const m = /event=daemon\.ready .*?http=127\.0\.0\.1:(\d+)/.exec(text);
        if (m) {
          this.port = Number(m[1]);
          // The SIP port, for tests that place calls with sipp (logged before the ready line).
          const sip = /event=sip\.listening address=127\.0\.0\.1:(\d+)/.exec(text);
          this.sipPort = sip ? Number(sip[1]) : null;
          break;
        }
      }
      await sleep(50);
    }
    if (!this.port) throw new Error("hotlined did not log its port in time:\n" + this.log());
    while (Date.now() < deadline) {
      try {
        const r = await fetch(`${this.base}/healthz`);
        if (r.status === 200) return this;
      } catch {
        /* not yet */
      }
      await sleep(100);
    }
    throw new Error("hotlined did not answer /healthz in time:\n" + this.log());
  }

  /** SIGTERM; resolves to the exit code (must be 0). */
  async stop(timeoutMs = 30000) {
    if (!this.proc || this.exit) return this.exit?.code ?? null;
    this.proc.kill("SIGTERM");
    const timer = setTimeout(() => this.proc.kill("SIGKILL"), timeoutMs);
    const { code } = await this.exited;
    clearTimeout(timer);
    return code;
  }

  /**
   * Stops the daemon (it must exit 0), runs `between()` while it is down
   * (e.g. to seed its SQLite file), and starts it again on new ports. The
   * first run's log is kept beside the new one.
   */
  async restart(between) {
    const code = await this.stop();
    if (code !== 0) throw new Error(`hotlined exited with ${code} on restart:\n${this.log()}`);
    if (between) await between();
    const logPath = path.join(this.dataDir, "log", "hotlined.log");
    if (fs.existsSync(logPath)) fs.renameSync(logPath, `${logPath}.before-restart`);
    this.proc = null;
    this.exit = null;
    this.port = null;
    this.adminToken = null;
    return this.start();
  }

  cleanup() {
    if (this.proc && !this.exit) this.proc.kill("SIGKILL");
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  log() {
    const p = path.join(this.root, "stderr.log");
    const logFile = path.join(this.dataDir, "log", "hotlined.log");
    let s = fs.existsSync(p) ? fs.readFileSync(p, "utf8") : "";
    if (fs.existsSync(logFile)) s += "\n--- hotlined.log ---\n" + fs.readFileSync(logFile, "utf8");
    return s.slice(-20000);
  }

  /** One HTTP request; JSON in and out. Resolves to {status, body}. */
  async request(method, urlPath, body, token) {
    const headers = {};
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const r = await fetch(this.base + urlPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let value = text;
    if ((r.headers.get("content-type") || "").includes("json") && text) value = JSON.parse(text);
    return { status: r.status, body: value };
  }

  /** Like request, but the status must be `expect`. */
  async must(expect, method, urlPath, body, token) {
    const r = await this.request(method, urlPath, body, token);
    if (r.status !== expect) {
      throw new Error(`${method} ${urlPath}: expected ${expect}, got ${r.status}: ${JSON.stringify(r.body)}`);
    }
    return r.body;
  }

  async login(jobNumber, password) {
    const body = await this.must(200, "POST", "/api/v1/auth/login", { job_number: jobNumber, password });
    return body.token;
  }

  async admin() {
    if (!this.adminToken) this.adminToken = await this.login("admin", ADMIN_PASSWORD);
    return this.adminToken;
  }

  async createUser(jobNumber, roles, { password = "e2e-pass-123", departmentId, displayName } = {}) {
    const body = { job_number: jobNumber, display_name: displayName || `用户${jobNumber}`, password, roles };
    if (departmentId !== undefined) body.department_id = departmentId;
    return this.must(201, "POST", "/api/v1/users", body, await this.admin());
  }
}

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Debian's chromium, headless; playwright gives each launch a fresh user-data-dir.
 * `extraArgs` add flags, e.g. the fake microphone for the softphone tests.
 */
export async function launchBrowser(extraArgs = []) {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    throw new Error(`playwright-core is not installed in tests/e2e (run scripts/build-web --e2e): ${e.message}`);
  }
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: run scripts/setup (Debian package chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, ...extraArgs], timeout: 60000 });
}

export const VIEWPORT = { width: 1366, height: 768 };
