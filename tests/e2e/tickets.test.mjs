// Browser end to end for work orders (issue 8): the whole closed loop in
// Debian's chromium against the real hotlined serving the built web app.
//   entry desk registers a letter, attaches its scan (a PNG made here),
//   (duplicate detection on a second one) and dispatches it → department
//   staff signs (a live reminder.due toast), attaches a PDF to the reply and
//   replies in the portal (deadlines coloured by escalation) → a reviewer,
//   who sees the alerts and overdue tickets at login, accepts → a callback
//   operator records "satisfied" and closes → the detail page, the letter,
//   the API agree, the detail page lists and downloads both attachments; a stale version gives the "changed by someone else"
//   message; a citizen looks the request up and files a mayor's-mailbox
//   message; the knowledge base search finds a Chinese substring.
// Screenshots of the main pages go to $HOTLINE_E2E_ARTIFACTS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { Daemon, launchBrowser, VIEWPORT, ARTIFACTS } from "./harness.mjs";

const PASSWORD = "e2e-pass-123";
const PHONE = "13700001111";
const CATEGORY = "0301"; // 公用事业 / 供水 → 市水务局 by the dispatch catalogue

// A real (tiny, grey) PNG: the "scanned letter" the clerk attaches.
function crc32(buf) {
  let c = ~0;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
function pngChunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
function scanPng(width = 16, height = 12) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const rows = Buffer.concat(Array.from({ length: height }, (_, y) => Buffer.from([0, ...Array(width).fill(0x40 + y * 8)])));
  return Buffer.concat([Buffer.from("\x89PNG\r\n\x1a\n", "latin1"), pngChunk("IHDR", header),
    pngChunk("IDAT", zlib.deflateSync(rows)), pngChunk("IEND", Buffer.alloc(0))]);
}
const SCAN = { name: "来信扫描件.png", mimeType: "image/png", buffer: scanPng() };
const REPLY_PDF = {
  name: "抢修记录.pdf",
  mimeType: "application/pdf",
  buffer: Buffer.from("%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n", "latin1"),
};

let d;
let browser;
const pages = new Map(); // name → page, for screenshots on failure
const world = {};
const pageErrors = [];

function shotPath(name) {
  return path.join(ARTIFACTS, `${name}.png`);
}
async function shot(page, name) {
  await page.screenshot({ path: shotPath(name), fullPage: true });
}

/** Uncaught script errors fail the run (checked by the last test). */
function watchErrors(name, page) {
  pages.set(name, page);
  page.on("pageerror", (e) => pageErrors.push(`[${name}] ${e.message}`));
}

/** A fresh browser context (own cookies) for one person, logged in through the login page. */
async function loginAs(name, jobNumber) {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: "zh-CN", timezoneId: "Asia/Shanghai" });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  watchErrors(name, page);
  await page.goto(`${d.base}/login`);
  await page.getByTestId("login-job").fill(jobNumber);
  await page.getByTestId("login-password").fill(PASSWORD);
  await page.getByTestId("login-submit").click();
  await page.waitForURL(`${d.base}/`);
  await page.getByTestId("current-user").waitFor();
  return page;
}

async function ticketByNumber(number) {
  const r = await d.must(200, "GET", `/api/v1/tickets?number=${number}`, undefined, await d.admin());
  assert.equal(r.items.length, 1, `ticket ${number} not found`);
  return r.items[0];
}

async function waitFor(what, fn, timeoutMs = 20000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // Escalation at 1 % of the time to a deadline: a ticket whose sign
  // deadline is 10 minutes away turns yellow after 6 s; the loop's ticket
  // (deadline ≥ 24 h away) stays uncoloured for the test's few minutes.
  d = new Daemon({ tickets: { scheduler_interval_seconds: 1, escalation_yellow_percent: 1 } });
  await d.start();
  const admin = await d.admin();
  const water = await d.must(201, "POST", "/api/v1/departments", { code: "water", name: "市水务局" }, admin);
  const housing = await d.must(201, "POST", "/api/v1/departments", { code: "housing", name: "市住建局" }, admin);
  await d.must(200, "PUT", "/api/v1/dispatch-catalogue/03", { department_id: water.id }, admin);
  world.water = water.id;
  world.housing = housing.id;
  // The entry-desk operator registers (entry_clerk) and dispatches
  // (tickets.process, which the agent role grants).
  await d.createUser("clerk", ["agent", "entry_clerk"], { password: PASSWORD, displayName: "录入员小李" });
  await d.createUser("w1", ["department_staff"], { password: PASSWORD, departmentId: water.id, displayName: "水务局小王" });
  await d.createUser("rev", ["supervisor"], { password: PASSWORD, displayName: "审核员老张" });
  await d.createUser("cb", ["agent"], { password: PASSWORD, displayName: "回访员小陈" });
  // Two more tickets of the water unit: one overdue (red), one near its deadline (yellow).
  const now = Date.now();
  for (const [key, summary, signDue] of [["red", "窨井盖缺失（已超期）", now - 60_000], ["yellow", "水压偏低（临近期限）", now + 600_000]]) {
    const t = await d.must(201, "POST", "/api/v1/tickets", { type: "help", category_code: "0301", summary }, admin);
    world[key] = await d.must(200, "POST", `/api/v1/tickets/${t.id}/dispatch`, { version: t.version, sign_due: signDue }, admin);
  }
  await d.must(201, "POST", "/api/v1/kb/articles",
    { section: "office_guide", title: "社保卡补办流程", body: "携带身份证到任一社保服务网点办理，当场制卡。", published: true }, admin);
  browser = await launchBrowser();
});

after(async () => {
  let failed = false;
  for (const [name, page] of pages) {
    try {
      if (!page.isClosed()) await page.screenshot({ path: shotPath(`zz-last-${name}`), fullPage: true });
    } catch {
      /* best effort */
    }
  }
  if (browser) await browser.close();
  if (d) {
    const code = await d.stop();
    if (code !== 0) {
      failed = true;
      console.error(`hotlined exited with ${code}\n${d.log()}`);
    }
    if (process.exitCode) console.error(d.log().slice(-6000));
    d.cleanup();
  }
  console.log(`screenshots: ${ARTIFACTS}`);
  if (failed) process.exitCode = 1;
});

test("entry desk: register a letter, see the duplicate check, dispatch it", async () => {
  const page = await loginAs("clerk", "clerk");
  await page.getByTestId("nav-entry").click();
  await page.getByTestId("entry-form").waitFor();
  await page.getByTestId("entry-channel").selectOption("letter");
  await page.getByTestId("entry-type").selectOption("complaint");
  await page.getByTestId("entry-category").selectOption(CATEGORY);
  assert.match(await page.getByTestId("entry-suggestion").textContent(), /市水务局/);
  await page.getByTestId("entry-urgency").selectOption("normal");
  await page.getByTestId("entry-caller-name").fill("王小明");
  await page.getByTestId("entry-caller-phone").fill(PHONE);
  await page.getByTestId("entry-location").fill("幸福路12号");
  await page.getByTestId("entry-summary").fill("来信：小区停水三天无人处理");
  await page.getByTestId("entry-content").fill("幸福路12号小区自周一起停水，物业称等待水务部门处理，至今无人上门。");
  await shot(page, "01-entry-form");
  await page.getByTestId("entry-submit").click();
  await page.getByTestId("entry-result").waitFor();
  const number = (await page.getByTestId("created-number").textContent()).trim();
  assert.match(number, /^\d{13,}$/);
  world.number = number;

  // The scanned letter, attached right after registering (file picker).
  const result = page.getByTestId("entry-result");
  await result.getByTestId("attach-input").setInputFiles(SCAN);
  const scanRow = result.getByTestId("attach-item").filter({ hasText: SCAN.name });
  await scanRow.waitFor();
  assert.equal(await scanRow.getAttribute("data-kind"), "file");
  await shot(page, "02a-entry-attachment");

  // Dispatch: the catalogue's unit is pre-selected; add an assisting unit.
  await page.getByTestId("action-dispatch").click();
  const form = page.getByTestId("form-dispatch");
  await form.waitFor();
  assert.equal(await form.getByTestId("field-lead").inputValue(), String(world.water));
  assert.match(await form.getByTestId("dispatch-suggestion").textContent(), /市水务局/);
  await form.getByTestId(`assist-${world.housing}`).check();
  await form.getByTestId("action-submit").click();
  await page.getByTestId("dispatched").waitFor();
  assert.match(await page.getByTestId("dispatched").textContent(), /市水务局/);
  await shot(page, "02-entry-dispatched");

  const t = await ticketByNumber(number);
  world.id = t.id;
  assert.equal(t.state, "dispatched");
  assert.equal(t.channel, "letter");
  assert.equal(t.lead_department_id, world.water);
  assert.deepEqual(t.assisting_department_ids, [world.housing]);

  // A second letter from the same caller in the same category: the check
  // shows the open ticket before sending; sending is refused (409) until the
  // clerk chooses to merge.
  await page.getByTestId("entry-again").click();
  await page.getByTestId("entry-category").selectOption(CATEGORY);
  await page.getByTestId("entry-caller-phone").fill(PHONE);
  await page.getByTestId("entry-summary").fill("再次来信：停水仍未解决");
  const dups = page.getByTestId("duplicates");
  await dups.waitFor();
  assert.match(await dups.textContent(), new RegExp(number));
  await page.getByTestId("entry-submit").click();
  await page.getByTestId("entry-merge").waitFor();
  await shot(page, "03-entry-duplicate");
  await page.getByTestId("entry-merge").click();
  await page.getByTestId("merged-into").waitFor();
  assert.match(await page.getByTestId("merged-into").textContent(), new RegExp(number));
  const second = await ticketByNumber((await page.getByTestId("created-number").textContent()).trim());
  assert.equal(second.state, "merged");
  assert.equal(second.merged_into, world.id);
});

test("department portal: deadlines by escalation, sign with a live reminder, reply", async () => {
  // The yellow ticket turns yellow 6 s after it was filed.
  await waitFor("the yellow ticket to escalate", async () => (await ticketByNumber(world.yellow.number)).escalation === "yellow");
  const page = await loginAs("w1", "w1");
  await page.getByTestId("nav-portal").click();
  const toSign = page.getByTestId("portal-dispatched");
  const card = toSign.getByTestId(`card-${world.number}`);
  await card.waitFor();
  assert.equal(await card.getAttribute("data-escalation"), "none");
  assert.equal(await toSign.getByTestId(`card-${world.red.number}`).getAttribute("data-escalation"), "red");
  assert.equal(await toSign.getByTestId(`card-${world.yellow.number}`).getAttribute("data-escalation"), "yellow");
  // The most urgent first.
  const order = await toSign.locator("article").evaluateAll((els) => els.map((e) => e.getAttribute("data-escalation")));
  assert.deepEqual(order, ["red", "yellow", "none"]);
  await shot(page, "04-portal-inbox");
  // Department staff never get the dispatch or review actions.
  assert.equal(await page.getByTestId("nav-entry").count(), 0);
  assert.equal(await page.getByTestId("nav-review").count(), 0);

  await card.getByTestId("action-sign").click();
  const signed = page.getByTestId("portal-signed").getByTestId(`card-${world.number}`);
  await signed.waitFor();

  // A timed reminder (定时催办) set now reaches the open portal as a toast.
  const admin = await d.admin();
  await d.must(201, "POST", `/api/v1/tickets/${world.id}/reminders`, { due_at: Date.now() + 1000, note: "请尽快答复市民" }, admin);
  const reminderToast = page.getByTestId("toast").filter({ hasText: "请尽快答复市民" });
  await reminderToast.waitFor();
  assert.match(await reminderToast.textContent(), new RegExp(`催办.*${world.number}`));
  await shot(page, "05-portal-reminder-toast");

  // The reply's attachment, uploaded on the signed ticket's card.
  const replyFiles = signed.getByTestId(`reply-attachments-${world.number}`);
  await replyFiles.locator("summary").click();
  // The panel lists all the ticket's files (the clerk's scan too); what is added here is a reply file.
  await replyFiles.getByTestId("attach-input").setInputFiles(REPLY_PDF);
  const replyRow = replyFiles.getByTestId("attach-item").filter({ hasText: REPLY_PDF.name });
  await replyRow.waitFor();
  assert.equal(await replyRow.getAttribute("data-kind"), "reply");
  await replyRow.getByTestId("attach-delete").waitFor(); // the uploader may delete it
  await shot(page, "05a-portal-reply-attachment");

  await signed.getByTestId("action-reply").click();
  await signed.getByTestId("field-reply").fill("经查为主管道爆裂，已于当日抢修完毕，18时恢复供水。");
  await signed.getByTestId("action-submit").click();
  await page.getByTestId("portal-replied").getByTestId(`card-${world.number}`).waitFor();
  const t = await ticketByNumber(world.number);
  assert.equal(t.state, "replied");
  assert.match(t.reply, /恢复供水/);
});

test("reviewer: alerts and overdue tickets at login, accept the reply", async () => {
  const page = await loginAs("rev", "rev");
  // The home page after login lists the fired reminder and the overdue ticket.
  await page.getByTestId("alerts").getByTestId("alert-item").filter({ hasText: world.number }).first().waitFor();
  await page.getByTestId(`row-${world.red.number}`).waitFor();
  await shot(page, "06-home-alerts");

  await page.getByTestId("nav-review").click();
  const card = page.getByTestId("review-replied").getByTestId(`card-${world.number}`);
  await card.waitFor();
  assert.match(await card.getByTestId("card-reply").textContent(), /恢复供水/);
  await shot(page, "07-review-queue");
  await card.getByTestId("action-accept-reply").click();
  await card.getByTestId("form-accept-reply").getByTestId("action-submit").click();
  await card.waitFor({ state: "detached" });
  assert.equal((await ticketByNumber(world.number)).state, "reviewed");
});

test("callback: caller number, disabled call button, record satisfied, close", async () => {
  const page = await loginAs("cb", "cb");
  await page.getByTestId("nav-callback").click();
  const card = page.getByTestId("callback-waiting").getByTestId(`card-${world.number}`);
  await card.waitFor();
  // Agents may see the full number (tickets.caller).
  assert.match(await card.getByTestId("callback-caller").textContent(), new RegExp(PHONE));
  const call = card.getByTestId("call-button");
  assert.equal(await call.isDisabled(), true);
  assert.match(await card.getByTestId("call-button-wrap").getAttribute("title"), /ACD/);
  await shot(page, "08-callback-queue");

  await card.getByTestId("action-record-callback").click();
  await card.getByTestId("satisfaction-satisfied").check();
  await card.getByTestId("field-reason").fill("市民表示已恢复供水，对处理结果满意。");
  await card.getByTestId("action-submit").click();
  const done = page.getByTestId("callback-done").getByTestId(`card-${world.number}`);
  await done.waitFor();
  assert.match(await done.getByTestId(`satisfaction-${world.number}`).textContent(), /满意/);
  await done.getByTestId("action-close").click();
  await done.getByTestId("form-close").getByTestId("action-submit").click();
  await done.waitFor({ state: "detached" });

  // The final state through the API ...
  const t = await ticketByNumber(world.number);
  assert.equal(t.state, "closed");
  assert.equal(t.satisfaction, "satisfied");
  const history = await d.must(200, "GET", `/api/v1/tickets/${world.id}/history`, undefined, await d.admin());
  const actions = history.items.map((h) => h.action);
  for (const a of ["create", "dispatch", "sign", "reply", "accept_reply", "record_callback", "close"]) {
    assert.ok(actions.includes(a), `history lacks ${a}: ${actions}`);
  }

  // ... and in the page: state, satisfaction, the full history.
  await page.goto(`${d.base}/tickets/${world.id}`);
  const badge = page.locator(".detail-head").getByTestId("state-badge");
  await badge.waitFor();
  assert.equal(await badge.getAttribute("data-state"), "closed");
  assert.match(await page.getByTestId("detail-satisfaction").textContent(), /满意/);
  assert.match(await page.getByTestId("detail-reply").textContent(), /恢复供水/);
  const rows = await page.getByTestId("history").locator("tbody tr").evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action")));
  for (const a of ["create", "dispatch", "sign", "reply", "accept_reply", "record_callback", "close"]) {
    assert.ok(rows.includes(a), `history table lacks ${a}: ${rows}`);
  }
  assert.equal(await page.getByTestId("action-record-callback").count(), 0);

  // Both attachments: the clerk's scan and the unit's reply file, with their
  // uploaders; the download links give the bytes back.
  const files = page.getByTestId("detail-attachments");
  const scan = files.getByTestId("attach-item").filter({ hasText: SCAN.name });
  const replyFile = files.getByTestId("attach-item").filter({ hasText: REPLY_PDF.name });
  await scan.waitFor();
  await replyFile.waitFor();
  assert.match(await scan.getByTestId("attach-uploader").textContent(), /录入员小李/);
  assert.match(await replyFile.getByTestId("attach-uploader").textContent(), /水务局小王/);
  assert.equal(await replyFile.getAttribute("data-kind"), "reply");
  assert.equal(await scan.getByTestId("attach-delete").count(), 0); // not the callback operator's
  for (const [row, file] of [[scan, SCAN], [replyFile, REPLY_PDF]]) {
    const href = await row.getByTestId("attach-download").getAttribute("href");
    const res = await page.request.get(`${d.base}${href}`);
    assert.equal(res.status(), 200);
    assert.equal(res.headers()["content-type"], file.mimeType);
    assert.ok(Buffer.from(await res.body()).equals(file.buffer), `${file.name}: the bytes differ`);
    assert.match(res.headers()["content-disposition"], new RegExp(encodeURIComponent(file.name)));
  }
  assert.ok(rows.includes("attachment_added"), `history table lacks attachment_added: ${rows}`);
  const listed = await d.must(200, "GET", `/api/v1/tickets/${world.id}/attachments`, undefined, await d.admin());
  assert.deepEqual(listed.items.map((a) => [a.name, a.kind, a.uploaded_by.job_number]),
    [[SCAN.name, "file", "clerk"], [REPLY_PDF.name, "reply", "w1"]]);
  await shot(page, "09-ticket-closed");

  // The official letter (公函) print view the API serves.
  const [letter] = await Promise.all([page.context().waitForEvent("page"), page.getByTestId("letter-link").click()]);
  await letter.waitForLoadState();
  assert.match(await letter.content(), new RegExp(world.number));
  await shot(letter, "10-letter");
  await letter.close();
});

test("a stale version shows 'changed by someone else' and reloads", async () => {
  const admin = await d.admin();
  const t = await d.must(201, "POST", "/api/v1/tickets", { type: "consultation", category_code: "0302", summary: "咨询停电检修时间" }, admin);
  const page = pages.get("cb");
  await page.goto(`${d.base}/tickets/${t.id}`);
  await page.getByTestId("detail-version").filter({ hasText: "1" }).waitFor();
  // Someone else edits the ticket meanwhile.
  await d.must(200, "PATCH", `/api/v1/tickets/${t.id}`, { version: 1, urgency: "urgent", reason: "涉及老人" }, admin);
  await page.getByTestId("action-reject").click();
  await page.getByTestId("field-reason").fill("非本热线受理范围");
  await page.getByTestId("action-submit").click();
  await page.getByTestId("version-conflict").waitFor();
  assert.match(await page.getByTestId("version-conflict").textContent(), /他人修改/);
  await shot(page, "11-version-conflict");
  assert.equal((await ticketByNumber(t.number)).state, "created"); // nothing was written
  await page.getByTestId("conflict-reload").click();
  await page.getByTestId("detail-version").filter({ hasText: "2" }).waitFor();
});

test("citizen: look up the closed request by number and last 4 digits", async () => {
  const context = await browser.newContext({ viewport: VIEWPORT, locale: "zh-CN" });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  watchErrors("citizen", page);
  await page.goto(`${d.base}/public/lookup`);
  await page.getByTestId("lookup-number").fill(world.number);
  await page.getByTestId("lookup-last4").fill("0000");
  await page.getByTestId("lookup-submit").click();
  await page.getByTestId("lookup-error").waitFor();
  await page.getByTestId("lookup-last4").fill(PHONE.slice(-4));
  await page.getByTestId("lookup-submit").click();
  await page.getByTestId("lookup-result").waitFor();
  assert.equal(await page.getByTestId("lookup-state").getAttribute("data-state"), "closed");
  assert.match(await page.getByTestId("lookup-state").textContent(), /已办结/);
  assert.match(await page.getByTestId("lookup-department").textContent(), /市水务局/);
  assert.match(await page.getByTestId("lookup-reply").textContent(), /恢复供水/);
  await shot(page, "12-public-lookup");
});

test("citizen: a mayor's mailbox message becomes a ticket", async () => {
  const page = pages.get("citizen");
  await page.goto(`${d.base}/public/mailbox`);
  await page.getByTestId("mailbox-name").fill("陈市民");
  await page.getByTestId("mailbox-phone").fill("13600002222");
  await page.getByTestId("mailbox-category").selectOption("0301");
  await page.getByTestId("mailbox-location").fill("建设路8号");
  await page.getByTestId("mailbox-subject").fill("建议增加夜间公交线路");
  await page.getByTestId("mailbox-content").fill("建设路一带夜间22点后无公交，建议增开夜班线路。");
  await shot(page, "13-public-mailbox-form");
  await page.getByTestId("mailbox-submit").click();
  await page.getByTestId("mailbox-result").waitFor();
  const number = (await page.getByTestId("mailbox-number").textContent()).trim();
  await shot(page, "14-public-mailbox-done");
  const t = await ticketByNumber(number);
  assert.equal(t.type, "mailbox");
  assert.equal(t.channel, "web");
  assert.equal(t.summary, "建议增加夜间公交线路");
  assert.equal(t.state, "created");

  // The English switch translates the page.
  await page.getByTestId("lang").selectOption("en");
  await page.getByRole("heading", { name: "Mayor's mailbox" }).waitFor();
  await shot(page, "15-public-mailbox-en");
});

test("knowledge base: full-text search finds a Chinese substring", async () => {
  const page = pages.get("w1");
  await page.getByTestId("nav-kb").click();
  await page.getByTestId("kb-q").fill("社保卡");
  await page.getByTestId("kb-search").click();
  await page.getByTestId("kb-item").filter({ hasText: "社保卡补办流程" }).waitFor();
  await page.getByTestId("kb-q").fill("不存在的词语组合");
  await page.getByTestId("kb-search").click();
  await page.getByTestId("kb-empty").waitFor();
  await page.getByTestId("kb-q").fill("服务网点");
  await page.getByTestId("kb-search").click();
  await page.getByTestId("kb-item").filter({ hasText: "社保卡补办流程" }).waitFor();
  await shot(page, "16-kb-search");
});

test("no uncaught script errors in any page", () => {
  assert.deepEqual(pageErrors, []);
});
