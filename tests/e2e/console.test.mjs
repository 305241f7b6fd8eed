// Browser end to end for the agent console (issue 7): an agent logs in to
// the ACD with a desk-phone extension and goes ready / not ready (buttons
// and F9); a sipp citizen dials 12345 and keys 1, the sipp desk phone
// rings, the console shows the screen pop (masked number, IVR path), the
// call, then the wrap-up countdown, which the agent extends and ends; a
// supervisor's forced state shows up live; the ticket draft survives a
// reload and is saved three ways (registered, answered from the knowledge
// base and closed, "cannot answer now" with a reminder); the department
// directory lists office numbers. The browser softphone: a citizen (a
// Python SIP UA that speaks a tone and measures what it hears) is answered
// in the browser with audio both ways, a ticket filed, held, muted, the page
// reloaded mid-call (the call stays), hung up, recorded. The test phone
// calls the echo test from the browser. Consultation between two browser
// agents: the first consults the second (呼叫班长) during a citizen's call,
// they talk, the first completes the transfer (the citizen and the second
// hear each other, the first goes to wrap-up); a supervisor listens in from
// the supervisor page with one click; the second consults the first back and
// makes it a three-way conference (everyone hears everyone), then leaves.
// Click-to-call from the callback page (回访): a ticket driven through the API
// to the callback queue; an agent not yet logged in to the ACD is sent to the
// console, logs in with the browser softphone, comes back and clicks 呼叫;
// the console answers its own leg by itself, the citizen (a UA behind the
// carrier trunk of acd.callback_trunk) is called with the ticket's full
// number and answers; audio flows both ways; the agent hangs up, records the
// result; the ticket's history names the call (callback_call).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { Daemon, launchBrowser } from "./harness.mjs";
import { Sipp, hasSipp, Citizen, AnsweringCitizen } from "./sipp.mjs";
import { PASSWORD, PHONE_PASSWORD, acdConfig, shotPath, resetArtifacts, waitFor, loginAs, expectState } from "./common.mjs";

const AGENT = "1001";
const EXT = "8001";
const BROWSER_AGENT = "1002";
const CONSULTED = "1003"; // a second browser agent, consulted by the first
const CALLBACK_AGENT = "1004"; // calls a ticket's citizen back from the callback page
const CALLBACK_PHONE = "13812345678"; // the ticket's caller, behind the carrier trunk
let d;
let browser;
let sipp;
let page; // the agent's console
const pages = new Map();
const pageErrors = [];
const tokens = {};
const world = { citizens: [] };

async function shot(p, name) {
  await p.screenshot({ path: shotPath(name), fullPage: true });
}

async function agentView(agent = AGENT) {
  return d.must(200, "GET", "/api/v1/agent", undefined, tokens[agent]);
}

/** mm:ss or h:mm:ss → seconds. */
function seconds(text) {
  return text.trim().split(":").map(Number).reduce((a, b) => a * 60 + b, 0);
}

before(async () => {
  resetArtifacts();
  // The citizen's phone behind the carrier trunk that click-to-call uses (acd.callback_trunk): its port goes into the config.
  world.carrier = await AnsweringCitizen.start();
  const config = acdConfig({ agents: [AGENT, BROWSER_AGENT, CONSULTED, CALLBACK_AGENT], wrapUpSeconds: 40 });
  config.trunks.push({ name: "carrier", address: `127.0.0.3:${world.carrier.port}` });
  config.acd.callback_trunk = "carrier";
  d = new Daemon(config);
  await d.start();
  await world.carrier.attach(d);
  const admin = await d.admin();
  const water = await d.must(201, "POST", "/api/v1/departments", { code: "water", name: "市水务局" }, admin);
  await d.must(200, "PATCH", `/api/v1/departments/${water.id}`, { office_phone: "0871-6310 1234" }, admin);
  await d.must(200, "PUT", "/api/v1/dispatch-catalogue/03", { department_id: water.id }, admin);
  world.water = water;
  await d.must(201, "POST", "/api/v1/sip/accounts", { username: EXT, password: PHONE_PASSWORD }, admin);
  await d.createUser(AGENT, ["agent"], { password: PASSWORD, displayName: "座席小刘" });
  await d.createUser(BROWSER_AGENT, ["agent"], { password: PASSWORD, displayName: "座席小周" });
  await d.createUser(CONSULTED, ["agent"], { password: PASSWORD, displayName: "座席小吴" });
  await d.createUser(CALLBACK_AGENT, ["agent"], { password: PASSWORD, displayName: "回访员小陈" });
  await d.createUser("sup", ["supervisor"], { password: PASSWORD, displayName: "值班长老王" });
  await d.createUser("installer", ["admin"], { password: PASSWORD, displayName: "安装员" });
  for (const who of [AGENT, BROWSER_AGENT, CONSULTED, CALLBACK_AGENT, "sup"]) tokens[who] = await d.login(who, PASSWORD);
  world.article = await d.must(201, "POST", "/api/v1/kb/articles",
    { section: "office_guide", title: "社保卡补办流程", body: "携带身份证到任一社保服务网点办理，当场制卡。", published: true }, admin);
  browser = await launchBrowser(["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required"]);
  sipp = new Sipp(d);
});

after(async () => {
  sipp?.stopAll();
  for (const c of world.citizens) c.kill();
  world.carrier?.kill();
  for (const [name, p] of pages) {
    try {
      if (!p.isClosed()) await p.screenshot({ path: shotPath(`zz-last-console-${name}`), fullPage: true });
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

test("desk phone: the agent logs in to the ACD and goes ready / not ready (buttons and F9)", async () => {
  page = await loginAs(browser, d, AGENT, { errors: pageErrors, pages, name: "agent" });
  await page.getByTestId("nav-console").click();
  await page.getByTestId("acd-login-form").waitFor();
  await page.getByTestId("device-extension").check();
  await page.getByTestId("acd-extension").fill(EXT);
  await shot(page, "console-00-login");
  await page.getByTestId("acd-login").click();
  await expectState(page, "agent-state", "not_ready");
  assert.match(await page.getByTestId("agent-device").textContent(), new RegExp(EXT));
  let view = await agentView();
  assert.equal(view.state, "not_ready");
  assert.equal(view.device, `extension:${EXT}`);

  await page.getByTestId("set-ready").click();
  await expectState(page, "agent-state", "ready");
  assert.equal((await agentView()).state, "ready");

  await page.getByTestId("reason-select").selectOption("meal");
  await page.getByTestId("set-not-ready").click();
  await expectState(page, "agent-state", "not_ready");
  assert.match(await page.getByTestId("agent-reason").textContent(), /用餐/);
  view = await agentView();
  assert.equal(view.state, "not_ready");
  assert.equal(view.reason, "meal");

  // The time in state ticks.
  const t0 = seconds(await page.getByTestId("time-in-state").textContent());
  await waitFor("the time in state to tick", async () => seconds(await page.getByTestId("time-in-state").textContent()) >= t0 + 2, 6000);

  await page.keyboard.press("F9");
  await expectState(page, "agent-state", "ready");
  assert.equal((await agentView()).state, "ready");
  assert.match(await page.getByTestId("statebar").textContent(), /F2.*F4.*F9/s);
  await shot(page, "console-01-ready");
});

test("a supervisor's forced state reaches the console live (agent.state push)", async () => {
  await d.must(200, "POST", `/api/v1/acd/agents/${AGENT}/state`, { state: "not_ready", reason: "training" }, tokens.sup);
  await expectState(page, "agent-state", "not_ready");
  assert.match(await page.getByTestId("agent-reason").textContent(), /培训/);
  await page.keyboard.press("F9");
  await expectState(page, "agent-state", "ready");
});

test("a queue call on the desk phone: screen pop, on call, wrap-up countdown, extend, done", { skip: !hasSipp() && "sipp is not installed" }, async () => {
  assert.ok(d.sipPort, "the daemon's SIP port");
  await sipp.phone(EXT, PHONE_PASSWORD, "uas_agent_slow.xml");
  const citizen = await sipp.citizen("12345");

  // The desk phone rings for 3 s: the console shows the incoming call and the screen pop.
  await page.getByTestId("incoming").waitFor({ timeout: 30000 });
  const caller = await page.getByTestId("pop-caller").textContent();
  assert.match(caller, /\*/, "the caller's number is masked");
  assert.doesNotMatch(caller, /1380013\d{2,}$/, "never the full number");
  const ivrPath = await page.getByTestId("pop-ivr-path").textContent();
  assert.notEqual(ivrPath.trim(), "—", "the IVR path the caller took");
  assert.equal(await page.getByTestId("pop-queue").getAttribute("data-queue"), "human");
  await waitFor("the queue's display name from queue.stats", async () => /人工服务/.test(await page.getByTestId("pop-queue").textContent()), 5000);
  await shot(page, "console-02-ringing");

  await expectState(page, "agent-state", "on_call", 15000);
  await page.getByTestId("oncall").waitFor();
  assert.match(await page.getByTestId("draft-call").textContent(), /\*/, "the ticket form is bound to the call");
  await shot(page, "console-03-on-call");

  // The phone hangs up after 5 s: wrap-up with its countdown.
  await expectState(page, "agent-state", "wrap_up", 15000);
  const left = seconds(await page.getByTestId("wrapup-countdown").textContent());
  assert.ok(left > 25 && left <= 40, `wrap-up countdown starts near 40 s, shows ${left}`);
  await waitFor("the countdown to go down", async () => seconds(await page.getByTestId("wrapup-countdown").textContent()) < left, 5000);
  const before = (await agentView()).wrap_up_until;
  await shot(page, "console-04-wrap-up");
  await page.getByTestId("wrapup-extend").click();
  await waitFor("the countdown to be extended", async () => seconds(await page.getByTestId("wrapup-countdown").textContent()) >= left + 20, 5000);
  assert.ok((await agentView()).wrap_up_until >= before + 29000, "the server extended the wrap-up by 30 s");

  await page.getByTestId("wrapup-done").click();
  await expectState(page, "agent-state", "ready");
  assert.equal(await page.getByTestId("calls-today").textContent(), "1");
  const { code, out } = await citizen.done;
  assert.equal(code, 0, `the citizen's sipp: ${out}`);
  sipp.stopAll();
  // Not ready for the rest of the tests: no more offers to the dead phone.
  await page.getByTestId("set-not-ready").click();
  await expectState(page, "agent-state", "not_ready");
});

test("the ticket draft survives a reload; saved, answered from the KB, or kept for a later answer", async () => {
  await page.getByTestId("tf-clear").click();
  await page.getByTestId("tf-type").selectOption("complaint");
  await page.getByTestId("tf-category").selectOption("0301");
  await page.getByTestId("tf-urgency").selectOption("urgent");
  await page.getByTestId("tf-caller-name").fill("王小明");
  await page.getByTestId("tf-caller-phone").fill("13700001111");
  await page.getByTestId("tf-location").fill("幸福路12号");
  await page.getByTestId("tf-summary").fill("来电：小区停水三天无人处理");
  await page.getByTestId("tf-content").fill("幸福路12号小区自周一起停水，物业称等待水务部门处理。");
  await page.getByTestId("draft-saved").waitFor();

  await page.reload();
  await page.getByTestId("ticket-form").waitFor();
  await expectState(page, "agent-state", "not_ready");
  assert.equal(await page.getByTestId("tf-type").inputValue(), "complaint");
  assert.equal(await page.getByTestId("tf-category").inputValue(), "0301");
  assert.equal(await page.getByTestId("tf-urgency").inputValue(), "urgent");
  assert.equal(await page.getByTestId("tf-caller-name").inputValue(), "王小明");
  assert.equal(await page.getByTestId("tf-caller-phone").inputValue(), "13700001111");
  assert.equal(await page.getByTestId("tf-location").inputValue(), "幸福路12号");
  assert.equal(await page.getByTestId("tf-summary").inputValue(), "来电：小区停水三天无人处理");
  assert.match(await page.getByTestId("tf-content").inputValue(), /停水/);
  await shot(page, "console-05-draft-after-reload");

  await page.getByTestId("tf-save").click();
  const number = (await page.getByTestId("ticket-saved-number").textContent()).trim();
  const r = await d.must(200, "GET", `/api/v1/tickets?number=${number}`, undefined, tokens.sup);
  assert.equal(r.items.length, 1);
  const saved = r.items[0];
  assert.equal(saved.channel, "phone");
  assert.equal(saved.type, "complaint");
  assert.equal(saved.urgency, "urgent");
  assert.equal(saved.summary, "来电：小区停水三天无人处理");
  assert.equal(saved.state, "created");
  assert.equal(await page.getByTestId("tf-summary").inputValue(), "", "saving clears the draft");
  await page.reload();
  await page.getByTestId("ticket-form").waitFor();
  assert.equal(await page.getByTestId("tf-summary").inputValue(), "", "and the cleared draft stays cleared");

  // A consultation answered from the knowledge base and closed on the spot.
  await page.getByTestId("tf-type").selectOption("consultation");
  await page.getByTestId("tf-category").selectOption("0301");
  await page.getByTestId("tf-summary").fill("咨询社保卡补办");
  await page.getByTestId("tf-kb-q").fill("社保卡");
  await page.getByTestId("tf-kb-search").click();
  await page.getByTestId(`tf-kb-use-${world.article.id}`).click();
  assert.match(await page.getByTestId("tf-reply").inputValue(), /社保服务网点/);
  await shot(page, "console-06-kb-answer");
  await page.getByTestId("tf-answer").click();
  await page.getByTestId("ticket-saved").waitFor();
  const answered = (await page.getByTestId("ticket-saved-number").textContent()).trim();
  const closed = (await d.must(200, "GET", `/api/v1/tickets?number=${answered}`, undefined, tokens.sup)).items[0];
  assert.equal(closed.state, "closed_on_spot");
  assert.equal(closed.kb_article_id, world.article.id);

  // "Cannot answer now": filed with a reminder for the later answer.
  await page.getByTestId("ticket-new").click();
  await page.getByTestId("tf-type").selectOption("help");
  await page.getByTestId("tf-category").selectOption("0301");
  await page.getByTestId("tf-summary").fill("询问停水原因，需向水务局核实");
  await page.getByTestId("tf-later-toggle").click();
  await page.getByTestId("tf-later-hours").fill("1");
  await page.getByTestId("tf-later-note").fill("核实后回电市民");
  const t0 = Date.now();
  await page.getByTestId("tf-later-save").click();
  await page.getByTestId("ticket-saved").waitFor();
  const laterNumber = (await page.getByTestId("ticket-saved-number").textContent()).trim();
  const laterTicket = (await d.must(200, "GET", `/api/v1/tickets?number=${laterNumber}`, undefined, tokens.sup)).items[0];
  const reminders = (await d.must(200, "GET", `/api/v1/tickets/${laterTicket.id}/reminders`, undefined, tokens.sup)).items;
  assert.equal(reminders.length, 1);
  assert.equal(reminders[0].note, "核实后回电市民");
  const due = Date.parse(reminders[0].due_at);
  assert.ok(Math.abs(due - (t0 + 3600_000)) < 60_000, `the reminder is due in an hour (${reminders[0].due_at})`);
  await shot(page, "console-07-later");
});

test("the department directory lists office numbers; reminders are shown", async () => {
  await page.getByTestId("side-reminders").click();
  await page.getByTestId("console-reminders").waitFor();
  await page.getByTestId("side-directory").click();
  await page.getByTestId("directory").waitFor();
  await page.getByTestId(`directory-dial-${world.water.id}`).waitFor();
  assert.match(await page.getByTestId("directory").textContent(), /市水务局.*0871-6310 1234/s);
  await page.getByTestId("directory-filter").fill("水务");
  await shot(page, "console-08-directory");
  // English switch.
  await page.getByTestId("lang").selectOption("en");
  assert.match(await page.getByTestId("statebar").textContent(), /Not ready/);
  await shot(page, "console-09-english");
  await page.getByTestId("lang").selectOption("zh-CN");
});

test("browser softphone: a queue call with audio both ways, a ticket, hold, mute, a reload mid-call, wrap-up, the recording", async () => {
  const p = await loginAs(browser, d, BROWSER_AGENT, { errors: pageErrors, pages, name: "browser-agent" });
  await p.goto(`${d.base}/console`);
  await p.getByTestId("device-browser").check();
  await p.getByTestId("acd-login").click();
  await expectState(p, "agent-state", "not_ready");
  assert.match(await p.getByTestId("agent-device").textContent(), /browser|浏览器/);
  await p.getByTestId("set-ready").click();
  await expectState(p, "agent-state", "ready");

  const citizen = new Citizen(d, "12345", "1", "13912340001");
  world.citizens.push(citizen);
  assert.deepEqual(await citizen.next(), { answered: true });
  await p.getByTestId("incoming").waitFor({ timeout: 30000 });
  assert.match(await p.getByTestId("pop-caller").textContent(), /139\*+0001|139\*{4}0001/);
  await shot(p, "console-10-browser-ringing");
  await p.keyboard.press("F2");
  await expectState(p, "agent-state", "on_call", 15000);
  const stats = () => p.evaluate(() => window.__hotlineConsole.mediaStats());
  // Citizen → browser: packets over DTLS-SRTP, and the citizen's voice (its tone) as audio energy.
  await waitFor("the citizen's voice in the browser", async () => {
    const s = await stats();
    return s && s.packetsReceived > 50 && s.audioLevel > 0.01;
  }, 20000);
  // Browser → citizen: the fake microphone is heard; muted, it is not.
  // (First past the job-number announcement the citizen hears on connect.)
  await new Promise((r) => setTimeout(r, 4500));
  await p.getByTestId("mute").click();
  await new Promise((r) => setTimeout(r, 1500));
  const muted = await citizen.ask("level 1");
  await p.getByTestId("mute").click();
  await new Promise((r) => setTimeout(r, 1500));
  const spoken = await citizen.ask("level 1");
  assert.ok(spoken.rms > 200, `the citizen hears the agent's microphone (rms ${spoken.rms})`);
  assert.ok(muted.rms < spoken.rms / 4, `muted, the citizen hears (almost) nothing (${muted.rms} vs ${spoken.rms})`);
  await shot(p, "console-11-browser-on-call");

  // The agent files the ticket during the call.
  await p.getByTestId("tf-clear").click();
  await p.getByTestId("tf-type").selectOption("help");
  await p.getByTestId("tf-category").selectOption("0301");
  await p.getByTestId("tf-summary").fill("来电：询问停水恢复时间");
  await p.getByTestId("tf-save").click();
  const number = (await p.getByTestId("ticket-saved-number").textContent()).trim();
  const filed = (await d.must(200, "GET", `/api/v1/tickets?number=${number}`, undefined, tokens.sup)).items[0];
  assert.equal(filed.summary, "来电：询问停水恢复时间");

  // Hold: the citizen hears music instead of the agent; resume.
  await p.getByTestId("hold").click();
  await expectState(p, "agent-state", "on_hold", 10000);
  await new Promise((r) => setTimeout(r, 1500));
  const held = await citizen.ask("level 1");
  assert.ok(held.rms > 100, `music on hold (${held.rms})`);
  await p.getByTestId("hold").click();
  await expectState(p, "agent-state", "on_call", 10000);

  // A reload mid-call keeps the call: the page re-attaches and answers the fresh offer.
  const callId = (await agentView(BROWSER_AGENT)).live_call;
  assert.ok(callId);
  await p.reload();
  await expectState(p, "agent-state", "on_call", 20000);
  await waitFor("media again after the reload", async () => {
    const s = await stats();
    return s && s.packetsReceived > 50 && s.audioLevel > 0.01;
  }, 20000);
  assert.equal((await agentView(BROWSER_AGENT)).live_call, callId, "the same call");
  assert.ok(!citizen.ended, "the citizen was not dropped");
  await shot(p, "console-12-browser-after-reload");

  await p.keyboard.press("F4");
  await expectState(p, "agent-state", "wrap_up", 15000);
  assert.deepEqual(await citizen.next(), { ended: true });
  assert.equal((await citizen.done).code, 0);
  await shot(p, "console-13-browser-wrap-up");

  // The recording of the call plays: a stereo WAV with the citizen on the left.
  let rec;
  await waitFor("the recording's index row", async () => {
    const r = await d.must(200, "GET", `/api/v1/recordings?call_id=${callId}`, undefined, tokens.sup);
    rec = r.items?.[0];
    return !!rec;
  }, 15000);
  const res = await fetch(`${d.base}/api/v1/recordings/${rec.id}/audio`, { headers: { Authorization: `Bearer ${tokens.sup}` } });
  assert.equal(res.status, 200);
  const wav = Buffer.from(await res.arrayBuffer());
  assert.equal(wav.toString("ascii", 0, 4), "RIFF");
  assert.equal(wav.readUInt16LE(22), 2, "stereo");
  assert.ok(wav.length > 8000 * 2 * 2 * 5, `at least 5 s of audio (${wav.length} bytes)`);
});

test("test phone: an admin calls 9196 (echo) from the browser and hears itself", async () => {
  const p = await loginAs(browser, d, "installer", { errors: pageErrors, pages, name: "installer" });
  await p.getByTestId("nav-testphone").click();
  await p.getByTestId("testphone").waitFor();
  await p.getByTestId("tp-number").fill("9196");
  await shot(p, "testphone-01");
  await p.getByTestId("tp-call").click();
  await p.waitForSelector('[data-testid="tp-status"][data-status="connected"]', { timeout: 20000 });
  await waitFor("echoed audio", async () => /(rx|收) [1-9]\d+ /.test((await p.getByTestId("tp-stats").textContent()) ?? ""), 15000);
  await p.getByTestId("key-1").click();
  await shot(p, "testphone-02-connected");
  await p.getByTestId("tp-hangup").click();
  await p.waitForSelector('[data-testid="tp-status"][data-status="ended"]');
});

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const consoleStats = (p) => p.evaluate(() => window.__hotlineConsole.mediaStats());

/** What a page's softphone received over `ms`: packets and audio energy (inbound-rtp). */
async function heardBy(p, ms = 1500, stats = consoleStats) {
  const s0 = await stats(p);
  await sleep(ms);
  const s1 = await stats(p);
  assert.ok(s0 && s1, "the page has browser media");
  return { packets: s1.packetsReceived - s0.packetsReceived, energy: s1.totalAudioEnergy - s0.totalAudioEnergy, level: s1.audioLevel };
}

/** Logs `p` in to the ACD with the browser device and leaves it not ready (no queue offers). */
async function browserLogin(p) {
  await p.goto(`${d.base}/console`);
  await p.getByTestId("device-browser").check();
  await p.getByTestId("acd-login").click();
  await expectState(p, "agent-state", "not_ready");
}

test("consult between browser agents: attended transfer, one-click monitoring, three-way conference", async () => {
  const t0 = Date.now();
  const a = pages.get("browser-agent"); // 1002, from the browser softphone test
  assert.ok(a, "the browser agent's page");
  const b = await loginAs(browser, d, CONSULTED, { errors: pageErrors, pages, name: "consulted-agent" });
  await browserLogin(b);
  const sup = await loginAs(browser, d, "sup", { errors: pageErrors, pages, name: "supervisor" });
  await sup.goto(`${d.base}/supervisor`);
  await sup.getByTestId("agents-grid").waitFor();
  // The first agent ends the wrap-up of the last call and goes ready for the next citizen.
  if ((await agentView(BROWSER_AGENT)).state === "wrap_up") await a.getByTestId("wrapup-done").click();
  await waitFor("the browser agent out of wrap-up", async () => (await agentView(BROWSER_AGENT)).state !== "wrap_up", 10000);
  if ((await agentView(BROWSER_AGENT)).state !== "ready") await a.getByTestId("set-ready").click();
  await expectState(a, "agent-state", "ready");

  const citizen = new Citizen(d, "12345", "1", "13912340002");
  world.citizens.push(citizen);
  assert.deepEqual(await citizen.next(), { answered: true });
  await a.getByTestId("incoming").waitFor({ timeout: 30000 });
  await a.keyboard.press("F2");
  await expectState(a, "agent-state", "on_call", 15000);
  await waitFor("the citizen's voice in the first agent's browser", async () => {
    const s = await consoleStats(a);
    return s && s.packetsReceived > 50 && s.audioLevel > 0.01;
  }, 20000);
  const callId = (await agentView(BROWSER_AGENT)).live_call;
  assert.ok(callId, "the first agent's live call");

  // 呼叫班长: the picker opens in consult mode on the agents; any logged-in agent will do.
  await a.getByTestId("call-supervisor").click();
  await a.waitForSelector('[data-testid="transfer-picker"][data-mode="consult"]');
  assert.equal(await a.getByTestId("transfer-tab-queues").count(), 0, "queues cannot be consulted");
  await a.getByTestId(`transfer-agent-${CONSULTED}`).waitFor();
  await shot(a, "console-19-consult-picker");
  await a.getByTestId(`transfer-agent-${CONSULTED}`).click();
  await a.getByTestId("consult").waitFor();
  assert.match(await a.getByTestId("consult-target").textContent(), new RegExp(CONSULTED));
  assert.ok(await a.getByTestId("hold").isDisabled(), "no hold while consulting");
  assert.ok(await a.getByTestId("transfer").isDisabled(), "no blind transfer while consulting");

  // The consulted agent's console rings: 咨询来电 from 1002 with the citizen's masked number.
  await b.getByTestId("incoming-consult").waitFor({ timeout: 15000 });
  assert.match(await b.getByTestId("incoming-consult").textContent(), new RegExp(`咨询来电.*${BROWSER_AGENT}`));
  assert.match(await b.getByTestId("incoming-number").textContent(), /139\*+0002/);
  await shot(b, "console-20-consult-ringing");
  await b.keyboard.press("F2");
  await expectState(a, "consult", "consulting", 15000);
  await b.getByTestId("consulted-by").waitFor();
  assert.equal(await b.getByTestId("draft-call").count(), 0, "the ticket form is not bound to a consultation");
  // The two agents talk: each browser receives the other's (fake) microphone.
  await waitFor("the first agent's voice in the consulted browser", async () => (await consoleStats(b))?.packetsReceived > 25, 10000);
  const bHearsA = await heardBy(b);
  const aHearsB = await heardBy(a, 500);
  assert.ok(bHearsA.packets > 40 && bHearsA.energy > 0.005, `the consulted agent hears the first (${JSON.stringify(bHearsA)})`);
  assert.ok(aHearsB.packets > 10, `the first agent hears the consulted (${JSON.stringify(aHearsB)})`);
  assert.ok(!citizen.ended, "the citizen waits");
  await shot(a, "console-21-consulting");

  // 完成转接: the citizen and the consulted agent talk; the first agent goes to wrap-up.
  await a.getByTestId("consult-complete").click();
  await expectState(a, "agent-state", "wrap_up", 15000);
  await b.waitForSelector('[data-testid="consult-outcome"][data-cause="transferred_to_you"]', { timeout: 10000 });
  assert.equal(await b.getByTestId("consulted-by").count(), 0);
  await b.getByTestId("draft-call").waitFor({ timeout: 5000 }); // now the ticket form is bound to the call
  await sleep(1500);
  const bHearsCitizen = await heardBy(b);
  assert.ok(bHearsCitizen.packets > 40 && bHearsCitizen.level > 0.01 && bHearsCitizen.energy > 0.005,
    `the citizen's tone reaches the consulted browser (${JSON.stringify(bHearsCitizen)})`);
  const citizenHearsB = await citizen.ask("level 1");
  assert.ok(citizenHearsB.rms > 200, `the citizen hears the consulted agent's microphone (rms ${citizenHearsB.rms})`);
  assert.ok(!citizen.ended, "the citizen was not dropped");
  await shot(b, "console-22-transferred-to-consulted");

  // One-click monitoring: the supervisor listens to the consulted agent's call from the browser.
  const row = sup.getByTestId(`agent-row-${CONSULTED}`);
  await waitFor("the consulted agent's live call in the supervisor's grid", async () => !(await row.getByTestId("monitor-listen").isDisabled()), 10000);
  await row.getByTestId("monitor-listen").click();
  await sup.waitForSelector('[data-testid="monitor"][data-status="connected"][data-mode="listen"]', { timeout: 15000 });
  const monitorStats = (p) => p.evaluate(() => window.__hotlineMonitor.stats());
  await waitFor("the monitored call's audio in the supervisor's browser", async () => (await monitorStats(sup))?.packetsReceived > 50, 10000);
  const supHears = await heardBy(sup, 1000, monitorStats);
  assert.ok(supHears.packets > 25 && supHears.energy > 0.005, `the supervisor hears the call (${JSON.stringify(supHears)})`);
  await sup.getByTestId("monitor-stats").waitFor();
  await shot(sup, "supervisor-01-monitor-listen");
  await sup.getByTestId("monitor-stop").click();
  await sup.waitForSelector('[data-testid="monitor"][data-status="ended"]');
  await sleep(500);
  assert.ok(!citizen.ended, "stopping the monitor leaves the call alone");
  assert.equal((await agentView(CONSULTED)).live_call, callId, "the consulted agent owns the same call");

  // The first agent is free again; the consulted agent (now owning the call)
  // consults them through the transfer picker's consult mode and makes it a conference.
  await a.getByTestId("wrapup-done").click();
  await waitFor("the first agent out of wrap-up", async () => (await agentView(BROWSER_AGENT)).state !== "wrap_up", 10000);
  await b.getByTestId("transfer").click();
  await b.getByTestId("transfer-mode-consult").check();
  await b.getByTestId(`transfer-agent-${BROWSER_AGENT}`).click();
  await a.getByTestId("incoming-consult").waitFor({ timeout: 15000 });
  assert.match(await a.getByTestId("incoming-consult").textContent(), new RegExp(CONSULTED));
  await a.keyboard.press("F2");
  await expectState(b, "consult", "consulting", 15000);
  await b.getByTestId("consult-conference").click();
  await expectState(b, "consult", "conference", 10000);
  await sleep(1500);
  const [aInConf, bInConf] = await Promise.all([heardBy(a), heardBy(b)]);
  const citizenInConf = await citizen.ask("level 1");
  assert.ok(aInConf.packets > 40 && aInConf.level > 0.01, `the citizen reaches the first agent in the conference (${JSON.stringify(aInConf)})`);
  assert.ok(bInConf.packets > 40 && bInConf.level > 0.01, `the citizen reaches the consulted agent in the conference (${JSON.stringify(bInConf)})`);
  assert.ok(citizenInConf.rms > 200, `the citizen hears the agents in the conference (rms ${citizenInConf.rms})`);
  await shot(b, "console-23-conference");
  await shot(a, "console-24-conference-joined");

  // The agent who owns the call leaves the conference: the other two talk on; then the citizen's call ends.
  await b.getByTestId("hangup").click();
  await a.waitForSelector('[data-testid="consult-outcome"][data-cause="transferred_to_you"]', { timeout: 10000 });
  assert.ok(!citizen.ended, "the citizen stays with the first agent");
  // (The agents who were handed the call are not the ACD's: they go back to the state they had, not to wrap-up.)
  await expectState(b, "agent-state", "not_ready", 10000);
  await a.keyboard.press("F4");
  assert.deepEqual(await citizen.next(), { ended: true });
  await a.getByTestId("dial-form").waitFor({ timeout: 10000 }); // the softphone is idle again
  await expectState(a, "agent-state", "ready", 10000);
  console.log(`consultation test took ${Math.round((Date.now() - t0) / 1000)} s; heard: b<-a ${JSON.stringify(bHearsA)}, ` +
    `b<-citizen ${JSON.stringify(bHearsCitizen)}, citizen<-b rms ${citizenHearsB.rms}, supervisor ${JSON.stringify(supHears)}, ` +
    `conference a ${JSON.stringify(aInConf)} b ${JSON.stringify(bInConf)} citizen rms ${citizenInConf.rms}`);
});

test("click-to-call from the callback page: the console answers by itself, the citizen answers, audio both ways, the result recorded", async () => {
  const t0 = Date.now();
  const admin = await d.admin();
  // A ticket through its lifecycle into the callback queue (回访): reviewed, with the caller's phone.
  let ticket = await d.must(201, "POST", "/api/v1/tickets",
    { type: "help", category_code: "0301", summary: "停水报修（回访）", caller_name: "赵女士", caller_phone: CALLBACK_PHONE }, admin);
  for (const [action, extra] of [["dispatch", {}], ["sign", {}], ["reply", { reply: "管道已修复，已恢复供水。" }], ["accept-reply", {}]]) {
    ticket = await d.must(200, "POST", `/api/v1/tickets/${ticket.id}/${action}`, { version: ticket.version, ...extra }, admin);
  }
  assert.equal(ticket.state, "reviewed");

  const p = await loginAs(browser, d, CALLBACK_AGENT, { errors: pageErrors, pages, name: "callback-agent" });
  await p.getByTestId("nav-callback").click();
  const card = p.getByTestId("callback-waiting").getByTestId(`card-${ticket.number}`);
  await card.waitFor();
  // Not logged in to the ACD: the button waits and the page sends the agent to the console.
  await p.getByTestId("callback-login-banner").waitFor();
  assert.equal(await card.getByTestId("call-button").isDisabled(), true);
  assert.match(await card.getByTestId("call-button-wrap").getAttribute("title"), /ACD/);
  await p.getByTestId("callback-login-link").click();
  await p.getByTestId("device-browser").check();
  await p.getByTestId("acd-login").click();
  await expectState(p, "agent-state", "not_ready");
  // Back to the callback page within the app: the same connection, the same softphone.
  await p.getByTestId("nav-callback").click();
  await card.waitFor();
  await waitFor("the call button", async () => !(await card.getByTestId("call-button").isDisabled()), 5000);
  assert.equal(await p.getByTestId("callback-login-banner").count(), 0);
  await shot(p, "callback-01-queue");

  await card.getByTestId("call-button").click();
  // The server unsealed the ticket's number: the carrier is asked for the full number, and its citizen answers.
  assert.deepEqual(await world.carrier.next(20000), { answered: true, number: CALLBACK_PHONE });
  // The console answered its own leg by itself: no ring, 外呼 with the masked number, then connected.
  await p.waitForSelector('[data-testid="call-strip"][data-kind="click_to_call"][data-state="connected"]', { timeout: 15000 });
  assert.equal(await p.getByTestId("strip-ringing").count(), 0, "the agent's own leg does not ring");
  assert.match(await p.getByTestId("strip-label").textContent(), /外呼/);
  const shown = await p.getByTestId("strip-number").textContent();
  assert.match(shown, /138\*{4}5678/);
  assert.doesNotMatch(shown, new RegExp(CALLBACK_PHONE), "the page shows the number masked");
  await card.getByTestId("callback-live").waitFor();
  const view = await agentView(CALLBACK_AGENT);
  assert.equal(view.state, "busy_elsewhere", "the ACD offers nothing meanwhile");
  const callId = view.live_call || view.call;
  assert.ok(callId, `the agent's live call (${JSON.stringify(view)})`);
  // A second call while on this one: the button waits, the server refuses.
  assert.equal(await card.getByTestId("call-button").isDisabled(), true);
  const again = await d.request("POST", "/api/v1/agent/call/dial", { ticket: ticket.id }, tokens[CALLBACK_AGENT]);
  assert.equal(again.status, 409, JSON.stringify(again.body));

  // Audio both ways, once the "connecting you" prompt is over: the citizen's tone in the page, the fake microphone at the citizen.
  await sleep(2500);
  const agentHears = await heardBy(p);
  const citizenHears = await world.carrier.ask("level 1");
  assert.ok(agentHears.packets > 40 && agentHears.level > 0.01 && agentHears.energy > 0.005,
    `the citizen's tone reaches the browser (${JSON.stringify(agentHears)})`);
  assert.ok(citizenHears.rms > 200, `the citizen hears the agent's microphone (rms ${citizenHears.rms})`);
  await shot(p, "callback-02-on-call");

  // The agent hangs up from the callback page; the citizen's phone gets the BYE.
  await p.getByTestId("strip-hangup").click();
  assert.deepEqual(await world.carrier.next(), { ended: true });
  await p.getByTestId("call-strip").waitFor({ state: "detached", timeout: 10000 });
  await p.waitForSelector('[data-testid="strip-ended"][data-cause="normal"]');
  await waitFor("the agent back to not ready", async () => (await agentView(CALLBACK_AGENT)).state === "not_ready", 10000);

  // The callback's result, recorded as before.
  await card.getByTestId("action-record-callback").click();
  await card.getByTestId("satisfaction-satisfied").check();
  await card.getByTestId("field-reason").fill("市民确认已恢复供水，对处理结果满意。");
  await card.getByTestId("action-submit").click();
  const done = p.getByTestId("callback-done").getByTestId(`card-${ticket.number}`);
  await done.waitFor();
  assert.match(await done.getByTestId(`satisfaction-${ticket.number}`).textContent(), /满意/);
  await shot(p, "callback-03-recorded");

  const history = (await d.must(200, "GET", `/api/v1/tickets/${ticket.id}/history`, undefined, admin)).items;
  const line = history.find((h) => h.action === "callback_call");
  assert.ok(line, `the history names the call: ${JSON.stringify(history.map((h) => h.action))}`);
  assert.equal(line.changes?.call, callId);
  assert.equal(line.actor, CALLBACK_AGENT);
  assert.ok(history.findIndex((h) => h.action === "callback_call") < history.findIndex((h) => h.action === "record_callback"));
  console.log(`click-to-call test took ${Math.round((Date.now() - t0) / 1000)} s; heard: browser<-citizen ${JSON.stringify(agentHears)}, ` +
    `citizen<-browser rms ${citizenHears.rms}`);
});

test("no uncaught script errors in the pages", () => {
  assert.deepEqual(pageErrors, []);
});
