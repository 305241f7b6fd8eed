// Shared pieces of the console and wallboard browser tests: the daemon's
// ACD configuration, logging in through the login page, screenshots,
// waiting for a condition.
import fs from "node:fs";
import path from "node:path";
import { ARTIFACTS, ROOT, VIEWPORT } from "./harness.mjs";

export const PASSWORD = "e2e-pass-123";
export const PHONE_PASSWORD = "phone-secret-01";

/** hotlined with citizens on a trunk (127.0.0.2), the 12345 flow, and one queue "human". */
export function acdConfig({ agents, wrapUpSeconds = 30 }) {
  return {
    trunks: [{ name: "citizens", acl: ["127.0.0.2/32"] }],
    dialplan: [{ match: "12345", to: "ivr:12345" }, { match: "9196", to: "echo" }, { match: "_8XXX", to: "extension" }],
    ivr: { flows_dir: path.join(ROOT, "ivr-flows"), variables: { city: "昆明市" } },
    sip: { max_requests_per_second: 100000, overload_lag_ms: 0 },
    acd: {
      queues: [
        { name: "human", display_name: "人工服务", strategy: "longest_idle", ring_timeout_seconds: 15,
          wrap_up_seconds: wrapUpSeconds, wrap_up_max_seconds: 300, missed_offers_to_pause: 3, announce_every_seconds: 60 },
        { name: "complaints", display_name: "投诉专席", strategy: "longest_idle", wrap_up_seconds: wrapUpSeconds },
      ],
      members: agents.flatMap((a) => [{ queue: "human", agent: a, penalty: 0 }, { queue: "complaints", agent: a, penalty: 0 }]),
    },
  };
}

export function shotPath(name) {
  return path.join(ARTIFACTS, `${name}.png`);
}

export function resetArtifacts() {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}

export async function waitFor(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A fresh browser context (own cookies) logged in through the login page. */
export async function loginAs(browser, d, jobNumber, { errors, pages, name = jobNumber, password = PASSWORD, contextOptions = {} } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: "zh-CN", timezoneId: "Asia/Shanghai", ...contextOptions });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  if (pages) pages.set(name, page);
  if (errors) page.on("pageerror", (e) => errors.push(`[${name}] ${e.message}`));
  await page.goto(`${d.base}/login`);
  await page.getByTestId("login-job").fill(jobNumber);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(`${d.base}/`);
  await page.getByTestId("current-user").waitFor();
  return page;
}

/** The data-state attribute of a test id, once it equals `state`. */
export async function expectState(page, testId, state, timeout = 20000) {
  await page.waitForSelector(`[data-testid="${testId}"][data-state="${state}"]`, { timeout });
}
