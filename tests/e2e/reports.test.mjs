// Browser end to end for the reports (issue 9): a supervisor keeps the
// wallboard open while real sipp citizens call 12345 and key 1: one waits
// and gives up, one is answered by the agent's sipp desk phone; the queue
// tile's waiting, abandoned and answered counts follow from the WebSocket
// pushes alone. Then the reports page: the calls report filtered to the
// queue shows exactly those calls, the tickets report filtered by type the
// tickets this test filed, the comparison with the same day last year (seeded
// into the database while the daemon was down) the changes, the CSV (BOM)
// and XLSX (a zip with the sheet) downloads hold the same figures, the
// server's print view opens, and the page prints to an A4 landscape PDF
// through Chromium. Hot issues and the staffing forecast show this test's
// tickets and calls. Screenshots go to the artifacts directory.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { Daemon, launchBrowser, ARTIFACTS } from "./harness.mjs";
import { Sipp, hasSipp } from "./sipp.mjs";
import { PASSWORD, PHONE_PASSWORD, acdConfig, shotPath, resetArtifacts, waitFor, loginAs } from "./common.mjs";

const AGENT = "3001";
const EXT = "8101";
let d;
let browser;
let sipp;
let wall; // the supervisor's wallboard, then the reports
const pages = new Map();
const pageErrors = [];
const wallRequests = [];
const tokens = {};

/** The local date in Beijing (the reports' day), and the same date a year before (29 Feb → 28 Feb). */
const TODAY = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());
const LAST_YEAR = (() => {
  const [y, m, day] = TODAY.split("-").map(Number);
  const dd = m === 2 && day === 29 ? 28 : day;
  return `${y - 1}-${String(m).padStart(2, "0")}-${String(dd).padStart(2, "0")}`;
})();

async function shot(p, name) {
  await p.screenshot({ path: shotPath(name), fullPage: true });
}

async function tileValue(p, queue, testId) {
  return (await p.getByTestId(`queue-tile-${queue}`).getByTestId(testId).textContent()).trim();
}

/** Last year's calls in queue human, as the ACD logs them: 3 offered, 2 answered, 1 abandoned after 40 s. */
function seedLastYear(dbPath) {
  const at = (hh, mm, ss) => Date.parse(`${LAST_YEAR}T${hh}:${mm}:${ss}+08:00`);
  const rows = [
    [at("10", "00", "00"), "enter", "y1", "", 0, 0], [at("10", "00", "05"), "connect", "y1", AGENT, 5000, 0],
    [at("10", "01", "05"), "complete", "y1", AGENT, 0, 60000],
    [at("10", "10", "00"), "enter", "y2", "", 0, 0], [at("10", "10", "10"), "connect", "y2", AGENT, 10000, 0],
    [at("10", "12", "10"), "complete", "y2", AGENT, 0, 120000],
    [at("10", "20", "00"), "enter", "y3", "", 0, 0], [at("10", "20", "40"), "abandon", "y3", "", 40000, 0],
  ];
  const sql = rows
    .map(([atMs, kind, call, agent, wait, talk]) =>
      `INSERT INTO acd_queue_events (at, kind, queue, call, agent, wait_ms, talk_ms, detail) VALUES (${atMs}, '${kind}', 'human', '${call}', '${agent}', ${wait}, ${talk}, '${kind === "complete" ? "citizen" : ""}');`)
    .join("\n");
  const r = spawnSync("sqlite3", [dbPath], { input: `BEGIN;\n${sql}\nCOMMIT;\n`, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${r.stderr || r.error}`);
}

/** The cells of the report row whose `keyCol` cell reads `keyValue` (or of the row of a type), by column key. */
async function reportRow(p, { keyCol, keyValue, rowType }) {
  return p.evaluate(([k, v, type]) => {
    for (const tr of document.querySelectorAll('[data-testid="report-row"]')) {
      if (type && tr.dataset.rowType !== type) continue;
      if (k && tr.querySelector(`td[data-col="${k}"]`)?.textContent.trim() !== v) continue;
      const out = { row_type: tr.dataset.rowType };
      for (const td of tr.querySelectorAll("td")) out[td.dataset.col] = td.textContent.trim();
      return out;
    }
    return null;
  }, [keyCol, keyValue, rowType]);
}

async function runReport(p) {
  const responded = p.waitForResponse((r) => new URL(r.url()).pathname.startsWith("/api/v1/reports/") && r.request().method() === "GET");
  await p.getByTestId("report-run").click();
  const r = await responded;
  assert.equal(r.status(), 200, `report request ${r.url()}: ${await r.text()}`);
  await p.getByTestId("report-result").waitFor();
  return r.json();
}

/** Clicks a download link; the saved file's bytes and suggested name. */
async function download(p, testId, name) {
  const [dl] = await Promise.all([p.waitForEvent("download"), p.getByTestId(testId).click()]);
  const file = path.join(ARTIFACTS, name);
  await dl.saveAs(file);
  return { bytes: fs.readFileSync(file), suggested: dl.suggestedFilename() };
}

/** The entries of a zip (XLSX) by name, inflated: a small reader of the central directory. */
function unzip(buf) {
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  assert.ok(eocd >= 0, "the zip has an end of central directory");
  const count = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const out = {};
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(at), 0x02014b50, "central directory entry");
    const method = buf.readUInt16LE(at + 10);
    const size = buf.readUInt32LE(at + 20);
    const nameLen = buf.readUInt16LE(at + 28);
    const extraLen = buf.readUInt16LE(at + 30);
    const commentLen = buf.readUInt16LE(at + 32);
    const local = buf.readUInt32LE(at + 42);
    const name = buf.toString("utf8", at + 46, at + 46 + nameLen);
    const dataAt = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(dataAt, dataAt + size);
    out[name] = (method === 8 ? zlib.inflateRawSync(data) : data).toString("utf8");
    at += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}

/** CSV (RFC 4180, CRLF) into rows of fields. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(field), (field = "");
    else if (c === "\n") row.push(field.replace(/\r$/, "")), rows.push(row), (row = []), (field = "");
    else field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

before(async () => {
  resetArtifacts();
  d = new Daemon(acdConfig({ agents: [AGENT], wrapUpSeconds: 2 }));
  await d.start();
  const admin = await d.admin();
  await d.must(201, "POST", "/api/v1/sip/accounts", { username: EXT, password: PHONE_PASSWORD }, admin);
  await d.createUser(AGENT, ["agent"], { password: PASSWORD, displayName: "座席小李" });
  await d.createUser("sup", ["supervisor"], { password: PASSWORD, displayName: "值班长老王" });
  // Today's tickets, all in 0301 (供水): 2 complaints, 2 help, 1 consultation; five in a category that had
  // none before make it a hot issue (z = 5 ≥ 3, x = 5 ≥ 5).
  for (const [type, summary] of [["complaint", "小区停水"], ["complaint", "水压不足"], ["help", "水管爆裂"], ["help", "窨井冒水"], ["consultation", "水费查询"]]) {
    await d.must(201, "POST", "/api/v1/tickets", { type, category_code: "0301", summary }, admin);
  }
  // The same day last year, written while the daemon is down (the aggregate triggers run in sqlite3 too).
  await d.restart(() => seedLastYear(path.join(d.dataDir, "hotline.db")));
  tokens[AGENT] = await d.login(AGENT, PASSWORD);
  browser = await launchBrowser();
  sipp = new Sipp(d);
});

after(async () => {
  sipp?.stopAll();
  for (const [name, p] of pages) {
    try {
      if (!p.isClosed()) await p.screenshot({ path: shotPath(`zz-last-reports-${name}`), fullPage: true });
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

test("the wallboard follows real sipp calls live: waiting, abandoned, answered", { skip: !hasSipp() && "sipp is not installed" }, async () => {
  wall = await loginAs(browser, d, "sup", { errors: pageErrors, pages, name: "supervisor" });
  await wall.goto(`${d.base}/wallboard`);
  await wall.getByTestId("queue-tile-human").waitFor();
  for (const id of ["tile-waiting", "tile-answered", "tile-abandoned"]) assert.equal(await tileValue(wall, "human", id), "0", id);
  await new Promise((r) => setTimeout(r, 1500));
  wall.on("request", (r) => {
    if (new URL(r.url()).pathname.startsWith("/api/")) wallRequests.push(r.url());
  });
  await wall.evaluate(() => (window.__notReloaded = true));

  // The agent is logged in on the desk phone but not ready: the first citizen waits, then gives up after 9 s.
  await d.must(200, "POST", "/api/v1/agent/login", { extension: EXT }, tokens[AGENT]);
  await sipp.phone(EXT, PHONE_PASSWORD, "uas_agent.xml");
  const quitter = await sipp.citizen("12345", "uac_queue_abandon_late.xml");
  await waitFor("one caller waiting on the wallboard", async () => (await tileValue(wall, "human", "tile-waiting")) === "1", 30000);
  await shot(wall, "reports-01-wallboard-waiting");
  const quit = await quitter.done;
  assert.equal(quit.code, 0, `the abandoning citizen's sipp: ${quit.out}`);
  await waitFor("the abandon on the wallboard", async () => (await tileValue(wall, "human", "tile-abandoned")) === "1", 10000);
  assert.equal(await tileValue(wall, "human", "tile-waiting"), "0");

  // Ready now: the second citizen is answered by the sipp desk phone.
  await d.must(200, "POST", "/api/v1/agent/state", { state: "ready" }, tokens[AGENT]);
  const caller = await sipp.citizen("12345", "uac_queue.xml");
  await waitFor("the answered call on the wallboard", async () => (await tileValue(wall, "human", "tile-answered")) === "1", 30000);
  // Trunks and channels (calls.stats pushes): the citizen's trunk leg and the desk phone's extension leg.
  const cell = async (id) => (await wall.getByTestId(id).locator("td.num").textContent()).trim();
  await waitFor("the call on the channels tile", async () => (await wall.getByTestId("channels-calls").textContent()).trim() === "1" &&
    (await cell("channels-trunk-citizens")) === "1" && (await cell("channels-extensions")) === "1", 10000);
  assert.equal((await wall.getByTestId("channels-legs").textContent()).trim(), "2");
  await shot(wall, "reports-01b-wallboard-channels");
  const done = await caller.done;
  await waitFor("the channels free again", async () => (await wall.getByTestId("channels-calls").textContent()).trim() === "0", 10000);
  assert.equal(done.code, 0, `the answered citizen's sipp: ${done.out}`);
  assert.equal(await tileValue(wall, "human", "tile-abandoned"), "1");
  assert.equal(await tileValue(wall, "human", "tile-ar"), "50%", "answer rate 1 of 2 offered");
  assert.equal(await wall.evaluate(() => window.__notReloaded), true, "no page reload");
  assert.deepEqual(wallRequests, [], "the wallboard made no API request: pushes only");
  await shot(wall, "reports-02-wallboard-after-calls");
});

test("the calls report filtered to the queue shows exactly those calls", async () => {
  await wall.getByTestId("nav-reports").click();
  await wall.getByTestId("reports-page").waitFor();
  await wall.getByTestId("report-kind").selectOption("calls");
  await wall.getByTestId("quick-today").click();
  assert.equal(await wall.getByTestId("report-from").inputValue(), TODAY);
  await wall.getByTestId("group-queue").check();
  await wall.getByTestId("filter-queue").selectOption("human");
  const json = await runReport(wall);
  assert.equal(json.title, "话务统计表");
  const human = await reportRow(wall, { keyCol: "queue", keyValue: "human" });
  assert.ok(human, "a row for queue human");
  assert.equal(human.offered, "2");
  assert.equal(human.answered, "1");
  assert.equal(human.abandoned, "1", "the 9 s abandon is over the 5 s short-abandon threshold");
  assert.equal(human.short_abandoned, "0");
  assert.equal(human.answer_rate, "50.00%");
  assert.equal(human.handled, "1");
  const total = await reportRow(wall, { rowType: "total" });
  assert.equal(total.offered, "2");
  assert.match(await wall.getByTestId("report-meta").textContent(), /sup 值班长老王/);
  assert.ok((await wall.getByTestId("report-filter").allTextContents()).some((f) => /队列：human/.test(f)), "the filter is named");
  // 1366x768: the page itself does not scroll sideways (the wide table scrolls in its box).
  assert.ok(await wall.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), "no horizontal page scroll at 1366 px");
  await shot(wall, "reports-03-calls");
});

test("the tickets report by type, then filtered to complaints", async () => {
  await wall.getByTestId("report-kind").selectOption("tickets");
  await wall.getByTestId("group-type").check();
  await runReport(wall);
  assert.equal((await reportRow(wall, { keyCol: "type", keyValue: "投诉" })).created, "2");
  assert.equal((await reportRow(wall, { keyCol: "type", keyValue: "求助" })).created, "2");
  assert.equal((await reportRow(wall, { keyCol: "type", keyValue: "咨询" })).created, "1");
  assert.equal((await reportRow(wall, { rowType: "total" })).created, "5");
  await wall.getByTestId("filter-type").selectOption("complaint");
  await wall.getByTestId("filter-category").selectOption("0301");
  await runReport(wall);
  assert.equal((await reportRow(wall, { rowType: "total" })).created, "2");
  assert.equal(await reportRow(wall, { keyCol: "type", keyValue: "求助" }), null, "help tickets are filtered out");
  await shot(wall, "reports-04-tickets-filtered");
});

test("compared with the same day last year, exported as CSV and XLSX", async () => {
  await wall.getByTestId("report-kind").selectOption("calls");
  await wall.getByTestId("group-queue").check();
  await wall.getByTestId("filter-queue").selectOption("human");
  await runReport(wall); // the plain report first: its columns are the measures to choose
  await wall.getByTestId("compare-preset").selectOption("yoy");
  await wall.getByTestId("measure-offered").waitFor();
  const json = await runReport(wall);
  assert.equal(json.base_range, LAST_YEAR);
  const human = await reportRow(wall, { keyCol: "queue", keyValue: "human" });
  assert.deepEqual(
    [human.offered, human.offered_base, human.offered_change, human.offered_change_rate],
    ["2", "3", "-1", "-33.33%"],
  );
  assert.deepEqual([human.answered, human.answered_base, human.answered_change, human.answered_change_rate], ["1", "2", "-1", "-50.00%"]);
  assert.deepEqual([human.abandoned, human.abandoned_base, human.abandoned_change], ["1", "1", "0"]);
  // 1 of 2 against 2 of 3: −16.67 percentage points.
  assert.equal(human.answer_rate_change, "-16.67个百分点");
  assert.ok((await wall.getByTestId("report-filter").allTextContents()).some((f) => f.includes(`对比期：${LAST_YEAR}`)));
  await shot(wall, "reports-05-compare-yoy");

  const csv = await download(wall, "export-csv", "calls-compare.csv");
  assert.deepEqual([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], "UTF-8 BOM");
  assert.match(csv.suggested, /\.csv$/);
  const rows = parseCsv(csv.bytes.toString("utf8").slice(1));
  const header = rows.find((r) => r.includes("进线量(本期)"));
  assert.ok(header, `a header row with 进线量(本期): ${JSON.stringify(rows.slice(0, 4))}`);
  const line = rows.find((r) => r[header.indexOf("队列")] === "human");
  assert.ok(line, "the human row");
  assert.equal(line[header.indexOf("进线量(本期)")], "2");
  assert.equal(line[header.indexOf("进线量(对比期)")], "3");
  assert.equal(line[header.indexOf("进线量增减")], "-1");

  const xlsx = await download(wall, "export-xlsx", "calls-compare.xlsx");
  assert.equal(xlsx.bytes.subarray(0, 2).toString("latin1"), "PK", "XLSX is a zip");
  assert.match(xlsx.suggested, /\.xlsx$/);
  const entries = unzip(xlsx.bytes);
  const sheet = entries["xl/worksheets/sheet1.xml"];
  assert.ok(sheet, `the sheet is in the workbook: ${Object.keys(entries)}`);
  const text = Object.values(entries).join("\n");
  for (const s of ["进线量(本期)", "进线量(对比期)", "human", "话务统计表"]) assert.ok(text.includes(s), `the workbook holds ${s}`);
  assert.match(sheet, /<v>3<\/v>/, "last year's 3 offered");
  assert.match(sheet, /<v>-1<\/v>/, "the change");
});

test("the server's print view and printing the page to an A4 landscape PDF", async () => {
  const [view] = await Promise.all([wall.context().waitForEvent("page"), wall.getByTestId("export-html").click()]);
  pages.set("print-view", view);
  await view.waitForLoadState();
  assert.match(await view.locator("h1").textContent(), /话务统计表（对比）/);
  assert.match(await view.locator("body").textContent(), /sup 值班长老王/);
  await shot(view, "reports-06-server-print-view");
  await view.close();
  pages.delete("print-view");

  await wall.emulateMedia({ media: "print" });
  try {
    assert.equal(await wall.locator("header.topbar").isVisible(), false, "no app bar on paper");
    assert.equal(await wall.getByTestId("report-form").isVisible(), false, "no controls on paper");
    const head = wall.getByTestId("print-head");
    assert.equal(await head.isVisible(), true);
    assert.match(await head.textContent(), /话务统计表（对比）/);
    assert.match(await head.textContent(), new RegExp(`对比期：${LAST_YEAR}`));
    assert.match(await wall.getByTestId("print-generated-by").textContent(), /sup 值班长老王/);
    assert.match(await wall.getByTestId("print-generated-at").textContent(), new RegExp(TODAY));
    await shot(wall, "reports-07-print-media");
    // On A4 landscape (297 mm less the 2 × 8 mm margins ≈ 1,062 CSS px) the 28 columns fit the page width.
    await wall.setViewportSize({ width: 1062, height: 750 });
    const overflow = await wall.evaluate(() => document.querySelector('[data-testid="report-table"]').getBoundingClientRect().right - window.innerWidth);
    assert.ok(overflow <= 1, `the table fits the printed page width (overflow ${overflow} px)`);
    await shot(wall, "reports-07b-print-media-a4-width");
    await wall.setViewportSize({ width: 1366, height: 768 });
    const pdfPath = path.join(ARTIFACTS, "reports-compare.pdf");
    const pdf = await wall.pdf({ path: pdfPath, preferCSSPageSize: true, printBackground: true });
    assert.equal(pdf.subarray(0, 5).toString("latin1"), "%PDF-");
    assert.ok(pdf.length > 10000, `a real document (${pdf.length} bytes)`);
    const box = /\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/.exec(pdf.toString("latin1"));
    assert.ok(box, "a page box");
    const [w, h] = [Number(box[1]), Number(box[2])];
    assert.ok(Math.abs(w - 842) < 2 && Math.abs(h - 595) < 2, `A4 landscape from the print CSS: ${w}x${h} pt`);
  } finally {
    await wall.emulateMedia({ media: "screen" });
  }
});

test("hot issues and the staffing forecast show this test's tickets and calls", async () => {
  await wall.getByTestId("reports-tab-hot").click();
  await wall.getByTestId("hot-result").waitFor();
  const issue = wall.getByTestId("hot-issue").first();
  await issue.waitFor();
  assert.match(await issue.textContent(), /0301/);
  assert.match(await issue.textContent(), /z = 5\.00/);
  assert.match(await issue.textContent(), /本期 5 件/);
  await shot(wall, "reports-08-hot-issues");

  await wall.getByTestId("reports-tab-staffing").click();
  await wall.getByTestId("staffing-result").waitFor();
  const total = await reportRow(wall, { rowType: "total" });
  assert.equal(total.actual_offered, "2", "today's two callers in the actual column");
  assert.ok((await wall.locator('[data-testid="staffing-result"] canvas').count()) >= 1, "the forecast chart is drawn");
  await shot(wall, "reports-09-staffing");

  await wall.getByTestId("reports-tab-cdr").click();
  await wall.getByTestId("cdr-run").click();
  await wall.getByTestId("cdr-result").waitFor();
  assert.ok((await wall.getByTestId("report-row").count()) >= 3, "two calls to 12345 and the total");
  await shot(wall, "reports-10-cdr");
});

test("no uncaught script errors in the pages", () => {
  assert.deepEqual(pageErrors, []);
});
