// Browser end to end for the supervisor view and the wallboard (issues 7
// and 9): agents log in and change state through the REST API while a
// supervisor watches; the agents grid, the queue tiles and the wallboard's
// counts follow live from the WebSocket pushes alone (no page reload, no
// API request after the first load); the supervisor forces states from the
// grid; the wallboard shows today's tickets by type and the overdue count,
// draws its ECharts charts, lists the hot issues (热点诉求) made by this
// test's tickets and switches to TV mode.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Daemon, launchBrowser } from "./harness.mjs";
import { PASSWORD, PHONE_PASSWORD, acdConfig, shotPath, resetArtifacts, waitFor, loginAs, expectState } from "./common.mjs";

const AGENTS = { 3001: "8101", 3002: "8102" };
let d;
let browser;
let sup; // the supervisor's page
let wall; // the wallboard page
const pages = new Map();
const pageErrors = [];
const tokens = {};
const apiRequests = { supervisor: [], wallboard: [] };
const HOT_COUNT = 6; // today's 0302 (供电) tickets, all in 五华区: a category and a location that had none before
let newestHot; // the newest of them: the example ticket the wallboard shows

async function shot(p, name) {
  await p.screenshot({ path: shotPath(name), fullPage: true });
}

async function agentApi(agent, path, body) {
  return d.must(200, "POST", path, body, tokens[agent]);
}

/** Counts the page's API requests from now on (the live pages must make none). */
function countApi(p, list) {
  p.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/")) list.push(r.url());
  });
}

async function textOf(p, testId) {
  return (await p.getByTestId(testId).first().textContent()).trim();
}

/** The number of a wallboard state count (its label follows it in the tile). */
async function stateCount(p, state) {
  return Number((await p.getByTestId(`state-count-${state}`).locator(".statecount__n").textContent()).trim());
}

before(async () => {
  resetArtifacts();
  d = new Daemon(acdConfig({ agents: Object.keys(AGENTS) }));
  await d.start();
  const admin = await d.admin();
  for (const [agent, ext] of Object.entries(AGENTS)) {
    await d.must(201, "POST", "/api/v1/sip/accounts", { username: ext, password: PHONE_PASSWORD }, admin);
    await d.createUser(agent, ["agent"], { password: PASSWORD, displayName: `座席${agent}` });
    tokens[agent] = await d.login(agent, PASSWORD);
  }
  await d.createUser("sup", ["supervisor"], { password: PASSWORD, displayName: "值班长老王" });
  // Today's tickets: two complaints, one consultation; one of them overdue.
  for (const [type, summary] of [["complaint", "噪音扰民"], ["complaint", "占道经营"], ["consultation", "社保卡补办"]]) {
    await d.must(201, "POST", "/api/v1/tickets", { type, category_code: "0301", summary }, admin);
  }
  const water = await d.must(201, "POST", "/api/v1/departments", { code: "water", name: "市水务局" }, admin);
  const late = await d.must(201, "POST", "/api/v1/tickets", { type: "help", category_code: "0301", summary: "窨井盖缺失" }, admin);
  await d.must(200, "POST", `/api/v1/tickets/${late.id}/dispatch`, { version: late.version, lead_department_id: water.id, sign_due: Date.now() - 60_000 }, admin);
  // A power cut: six tickets in 0302 from 五华区 with none in the 4 weeks before. μ = 0, so by the
  // Poisson rule z = (6 − 0) ÷ √max(0, 1) = 6 ≥ 3 and x = 6 ≥ 5: hot, as category and as location.
  // 0301's four tickets stay below the 5-ticket minimum: not hot.
  for (let i = 0; i < HOT_COUNT; i++) {
    newestHot = await d.must(201, "POST", "/api/v1/tickets",
      { type: i % 2 ? "help" : "complaint", category_code: "0302", summary: `停电第${i + 1}户`, location: `五华区东风西路${i + 1}号` }, admin);
  }
  browser = await launchBrowser();
});

after(async () => {
  for (const [name, p] of pages) {
    try {
      if (!p.isClosed()) await p.screenshot({ path: shotPath(`zz-last-wallboard-${name}`), fullPage: true });
    } catch {
      /* best effort */
    }
  }
  if (browser) await browser.close();
  if (d) {
    const code = await d.stop();
    if (code !== 0) {
      console.error(`hotlined exited with ${code}\n${d.log()}`);
      process.exitCode = 1;
    }
    if (process.exitCode) console.error(d.log().slice(-6000));
    d.cleanup();
  }
});

/** The hot-issues panel lists 供电 and 五华区 with this test's counts, z and newest ticket, and not 0301. */
async function checkHotIssues(p) {
  const panel = p.getByTestId("wallboard-hot");
  await waitFor("the hot issues on the wallboard", async () => (await panel.getByTestId("wallboard-hot-issue").count()) === 2);
  const rows = await panel.getByTestId("wallboard-hot-issue").evaluateAll((els) =>
    els.map((e) => ({
      kind: e.dataset.kind,
      key: e.dataset.key,
      text: e.textContent,
      observed: e.querySelector('[data-testid="hot-observed"]').textContent.trim(),
      z: e.querySelector('[data-testid="hot-z"]').textContent.trim(),
      example: e.querySelector('[data-testid="hot-example"]')?.textContent.trim(),
    })));
  const byKey = Object.fromEntries(rows.map((r) => [`${r.kind}:${r.key}`, r]));
  assert.deepEqual(Object.keys(byKey).sort(), ["category:0302", "location:五华区"], "供电 and 五华区 are hot, 0301 (4 tickets) is not");
  for (const r of rows) {
    assert.equal(r.observed, String(HOT_COUNT), `${r.key}: this test's tickets`);
    assert.equal(r.z, "z 6.0", `${r.key}: z = (6 − 0) ÷ √1`);
    assert.equal(r.example, newestHot.number, `${r.key}: the newest ticket is the example`);
  }
  assert.match(byKey["category:0302"].text, /供电/);
  assert.match(byKey["category:0302"].text, /基线 0 件/);
  assert.match(await panel.locator("h2").textContent(), /热点诉求/);
}

/** Nothing of the wallboard is wider than the window, and the hot rows fit their panel. */
async function checkNoOverflow(p) {
  const o = await p.evaluate(() => {
    const panel = document.querySelector('[data-testid="wallboard-hot"]').getBoundingClientRect();
    const rows = [...document.querySelectorAll('[data-testid="wallboard-hot-issue"] .hotrow__line')];
    return {
      page: document.documentElement.scrollWidth - window.innerWidth,
      panelRight: panel.right - window.innerWidth,
      rows: rows.filter((r) => r.scrollWidth > r.clientWidth + 1).length,
    };
  });
  assert.ok(o.page <= 0, `the page scrolls sideways by ${o.page} px`);
  assert.ok(o.panelRight <= 0, `the hot panel ends ${o.panelRight} px past the window`);
  assert.equal(o.rows, 0, "no hot row spills out of its line");
}

test("the supervisor view and the wallboard open with the first REST load", async () => {
  sup = await loginAs(browser, d, "sup", { errors: pageErrors, pages, name: "supervisor" });
  await sup.getByTestId("nav-supervisor").click();
  await sup.getByTestId("queue-tile-human").waitFor();
  await sup.getByTestId("queue-tile-complaints").waitFor();
  wall = await loginAs(browser, d, "sup", { errors: pageErrors, pages, name: "wallboard" });
  await wall.goto(`${d.base}/wallboard`);
  await wall.getByTestId("queue-tile-human").waitFor();
  await waitFor("today's tickets", async () => (await textOf(wall, "tickets-today")) === String(4 + HOT_COUNT));
  assert.equal(await textOf(wall, "overdue-count"), "1");
  assert.ok((await wall.locator('[data-testid="echart"] canvas').count()) >= 4, "four ECharts charts drawn");
  await checkHotIssues(wall);
  // Let the first load settle, then watch: from here on only pushes may change the pages.
  await new Promise((r) => setTimeout(r, 1500));
  countApi(sup, apiRequests.supervisor);
  countApi(wall, apiRequests.wallboard);
  for (const p of [sup, wall]) await p.evaluate(() => (window.__notReloaded = true));
  await shot(sup, "supervisor-01-empty");
  await checkNoOverflow(wall);
  await shot(wall, "wallboard-01-first-load");
});

test("an agent logs in and goes ready through the API: both pages follow live", async () => {
  const readyBefore = await stateCount(wall, "ready");
  const notReadyBefore = await stateCount(wall, "not_ready");
  await agentApi("3001", "/api/v1/agent/login", { extension: AGENTS[3001] });
  await expectState(sup, "agent-row-3001", "not_ready");
  await expectState(wall, "wb-agent-3001", "not_ready");
  await agentApi("3001", "/api/v1/agent/state", { state: "ready" });
  await expectState(sup, "agent-row-3001", "ready");
  await expectState(wall, "wb-agent-3001", "ready");
  await waitFor("the ready count on the wallboard", async () => (await stateCount(wall, "ready")) === readyBefore + 1);
  // queue.stats (at most once a second) brings the queue tiles along.
  const tile = sup.getByTestId("queue-tile-human");
  await waitFor("the human queue tile to show one ready agent", async () => (await tile.getByTestId("tile-ready").textContent()).trim() === "1", 10000);
  assert.equal((await tile.getByTestId("tile-logged-in").textContent()).trim(), "1");
  const wallTile = wall.getByTestId("queue-tile-human");
  await waitFor("the wallboard tile too", async () => (await wallTile.getByTestId("tile-ready").textContent()).trim() === "1", 10000);

  await agentApi("3002", "/api/v1/agent/login", { extension: AGENTS[3002] });
  await agentApi("3002", "/api/v1/agent/state", { state: "not_ready", reason: "meal" });
  await expectState(sup, "agent-row-3002", "not_ready");
  await expectState(wall, "wb-agent-3002", "not_ready");
  assert.match(await sup.getByTestId("agent-row-3002").textContent(), /用餐/);
  assert.match(await wall.getByTestId("wb-agent-3002").textContent(), /用餐/);
  await waitFor("the not-ready count on the wallboard", async () => (await stateCount(wall, "not_ready")) === notReadyBefore + 1);
  await waitFor("two agents logged in on the tile", async () => (await tile.getByTestId("tile-logged-in").textContent()).trim() === "2", 10000);
  // Time in state ticks on the wallboard.
  const row = wall.getByTestId("wb-agent-3002");
  const t0 = await row.locator(".mono").textContent();
  await waitFor("time in state to tick", async () => (await row.locator(".mono").textContent()) !== t0, 5000);

  for (const p of [sup, wall]) assert.equal(await p.evaluate(() => window.__notReloaded), true, "no page reload");
  assert.deepEqual(apiRequests.supervisor, [], "the supervisor view made no API request: pushes only");
  assert.deepEqual(apiRequests.wallboard, [], "the wallboard made no API request: pushes only");
  assert.ok(Number((await textOf(wall, "push-count")).replace(/\D/g, "")) >= 4, "pushes were counted");
  await shot(sup, "supervisor-02-live");
  await shot(wall, "wallboard-02-live");
});

test("the supervisor forces states from the grid", async () => {
  const row = sup.getByTestId("agent-row-3001");
  await sup.getByTestId("force-reason").selectOption("meeting");
  await row.getByTestId("force-not-ready").click();
  await expectState(sup, "agent-row-3001", "not_ready");
  const view = (await d.must(200, "GET", "/api/v1/acd/agents", undefined, await d.login("sup", PASSWORD))).items.find((a) => a.agent === "3001");
  assert.equal(view.state, "not_ready");
  assert.equal(view.reason, "forced:sup:meeting", "the cause names the supervisor and the reason");
  assert.match(await row.textContent(), /班长 sup 强制 会议/);
  assert.equal((await d.must(200, "GET", "/api/v1/agent", undefined, tokens[3001])).state, "not_ready");
  await expectState(wall, "wb-agent-3001", "not_ready");
  await row.getByTestId("force-ready").click();
  await expectState(sup, "agent-row-3001", "ready");
  // Listen / whisper / barge explain the dial prefixes (enabled during a call only).
  assert.equal(await row.getByTestId("monitor-listen").isDisabled(), true);
  await sup.getByTestId("agent-row-3002").getByTestId("force-logout").click();
  await expectState(sup, "agent-row-3002", "logged_out");
  await waitFor("3002 to leave the wallboard", async () => (await wall.getByTestId("wb-agent-3002").count()) === 0);
  await shot(sup, "supervisor-03-forced");
});

test("wallboard: English, then TV mode hides the top bar", async () => {
  await wall.getByTestId("lang").selectOption("en");
  assert.match(await wall.getByTestId("wallboard").textContent(), /Agents by state/);
  assert.match(await wall.getByTestId("wallboard-hot").textContent(), /Hot issues/);
  await wall.getByTestId("lang").selectOption("zh-CN");
  await wall.getByTestId("tv-toggle").click();
  await waitFor("the top bar to hide", async () => !(await wall.locator("header.topbar").isVisible()));
  assert.equal(await wall.getByTestId("wallboard-hot-issue").count(), 2, "the hot issues stay in TV mode");
  assert.ok(await wall.getByTestId("wallboard-hot").isVisible());
  await checkNoOverflow(wall);
  await wall.getByTestId("wallboard-hot").screenshot({ path: shotPath("wallboard-04-hot-issues-tv") });
  await shot(wall, "wallboard-03-tv");
  await wall.getByTestId("tv-toggle").click();
  await wall.locator("header.topbar").waitFor({ state: "visible" });
});

test("no uncaught script errors in the pages", () => {
  assert.deepEqual(pageErrors, []);
});
