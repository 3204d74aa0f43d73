// End-to-end tests of the dashboard in a real browser against the real
// orchestrator and agent binaries, all on 127.0.0.1.
//
//   node e2e/run.mjs --orchestrator BIN --agent BIN --assets DIST --out DIR
//
// Chromium is Debian's (/usr/bin/chromium, or $SCRIPTMESH_CHROMIUM), driven
// by playwright-core; no browser is downloaded. Screenshots of every page go
// to DIR/screenshots. The steps share one orchestrator, one agent and one
// browser and run in order (later ones use the account and agent the first
// ones made); a failed step is reported and the rest still run when they can.
// The last line reads "N passed, N failed".
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith("--") ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
for (const k of ["orchestrator", "agent", "assets", "out"]) {
  if (!args[k]) throw new Error(`missing --${k}`);
}
const OUT = path.resolve(args.out);
const SHOTS = path.join(OUT, "screenshots");
const DATA = path.join(OUT, "data");
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(SHOTS, { recursive: true });
fs.mkdirSync(DATA, { recursive: true });

const OWNER = { email: "owner@example.com", password: "owner passphrase 1", org: "E2E Org" };
const NEW_PASSWORD = "owner passphrase 2";
const MEMBER = { email: "member@example.com", password: "member passphrase 1" };
const BIG_LINES = 400_000; // "line 0000001 xxx…" lines of 52 bytes: about 20 MiB

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitFor(what, fn, timeoutMs = 20_000, everyMs = 100) {
  const until = Date.now() + timeoutMs;
  let last;
  while (Date.now() < until) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? ": " + last.message : ""}`);
}

function assert(cond, message) {
  if (!cond) throw new Error("assertion failed: " + message);
}

const children = [];
function start(name, bin, argv, env = {}) {
  const log = fs.openSync(path.join(OUT, `${name}.log`), "w");
  const child = spawn(bin, argv, { stdio: ["ignore", log, log], env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

function stopAll() {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
}
process.on("exit", stopAll);

// --- the orchestrator --------------------------------------------------------

const port = await freePort();
const BASE = `http://127.0.0.1:${port}`;
start("orchestrator", args.orchestrator, [
  "serve",
  "--dev",
  "--listen",
  `127.0.0.1:${port}`,
  "--data-dir",
  DATA,
  "--public-url",
  BASE,
  "--web-assets",
  path.resolve(args.assets),
  "--heartbeat-sec",
  "1",
  "--rate-limit-default-per-min",
  "100000",
]);
await waitFor("the orchestrator", async () => (await fetch(BASE + "/healthz")).ok, 30_000);

async function apiCall(method, p, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = "Bearer " + token;
  const r = await fetch(BASE + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = null;
  }
  return { status: r.status, json, text };
}

async function apiLogin(email, password) {
  const r = await apiCall("POST", "/v1/auth/login", { email, password });
  assert(r.status === 200, `API login of ${email}: ${r.status} ${r.text}`);
  return r.json.access_token;
}

function outbox() {
  const file = path.join(DATA, "outbox.jsonl");
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function mailMatch(to, re) {
  return waitFor(`an e-mail to ${to} matching ${re}`, () => {
    for (const m of outbox().reverse()) {
      if (m.to !== to) continue;
      const found = re.exec(m.text ?? "");
      if (found) return found;
    }
    return null;
  });
}

// --- the browser ---------------------------------------------------------------

const browser = await chromium.launch({
  executablePath: process.env.SCRIPTMESH_CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});

const foreignRequests = [];
const pageErrors = [];
const cspViolations = [];

async function newPage(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  page.on("request", (req) => {
    const u = new URL(req.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.origin !== BASE) foreignRequests.push(req.url());
  });
  page.on("pageerror", (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) cspViolations.push(m.text());
  });
  page.setDefaultTimeout(15_000);
  return page;
}

const axeSource = fs.readFileSync(path.join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
const axeFindings = [];
const axeRuns = [];

// Screenshot and accessibility check of the page as it is now.
async function inspect(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  const result = await page.evaluate(`(() => { ${axeSource}\n return axe.run(document, { resultTypes: ["violations"] }); })()`);
  axeRuns.push(`${name}: ${result.violations.length} violation(s) of any impact`);
  for (const v of result.violations) {
    if (v.impact === "serious" || v.impact === "critical") {
      axeFindings.push(`${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    }
  }
}

async function signIn(page, email, password) {
  await page.goto(BASE + "/login");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Agents" }).waitFor();
}

// --- the steps -------------------------------------------------------------------

const results = [];
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`ok - ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    results.push({ name, ok: false });
    console.log(`not ok - ${name} (${Date.now() - t0} ms)\n  ${String(e.stack || e).split("\n").join("\n  ")}`);
  }
}

const state = {};
const page = await newPage();

await step("the UI is served with a strict CSP and deep links open the app", async () => {
  const r = await fetch(BASE + "/jobs/job_unknown");
  assert(r.status === 200, "deep link status " + r.status);
  const csp = r.headers.get("content-security-policy") ?? "";
  assert(csp.includes("script-src 'self'") && !csp.includes("unsafe"), "CSP: " + csp);
  assert(r.headers.get("x-content-type-options") === "nosniff", "nosniff");
  assert(r.headers.get("referrer-policy") === "no-referrer", "referrer policy");
  assert((await fetch(BASE + "/v1/nothing")).status === 404, "API 404 kept");
});

await step("sign up through the UI, verify with the e-mailed code, sign in", async () => {
  await page.goto(BASE + "/login");
  await inspect(page, "login");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email", { exact: true }).fill(OWNER.email);
  await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
  await page.getByLabel("Organization", { exact: true }).fill(OWNER.org);
  await inspect(page, "signup");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/verify\?email=/);
  const [, code] = await mailMatch(OWNER.email, /\b(\d{6})\b/);
  await page.getByLabel("Verification code").fill(code);
  await inspect(page, "verify");
  await page.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL(/\/login\?verified=1/);
  await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Agents" }).waitFor();
  for (const nav of ["Agents", "Jobs", "Schedules", "Integrations", "API keys", "Users", "Settings"]) {
    await page.getByRole("navigation").getByRole("link", { name: nav, exact: true }).waitFor();
  }
  // The refresh token is an HttpOnly cookie scoped to /v1/auth, never in the page.
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === "sm_refresh");
  assert(session && session.httpOnly && session.sameSite === "Strict" && session.path === "/v1/auth", "session cookie " + JSON.stringify(session));
  assert(!(await page.evaluate(() => document.cookie)).includes("sm_refresh"), "cookie readable by script");
  // A reload keeps the session through the cookie.
  await page.reload();
  await page.getByRole("heading", { name: "Agents" }).waitFor();
  state.token = await apiLogin(OWNER.email, OWNER.password);
});

await step("add an agent; it comes online without a reload", async () => {
  await page.getByRole("button", { name: "Add agent" }).click();
  await page.getByLabel("Name", { exact: true }).fill("e2e-agent");
  await page.getByLabel("Tags", { exact: true }).fill("e2e");
  await page.getByRole("button", { name: "Create agent" }).click();
  const key = await page.getByLabel("Agent key").inputValue();
  assert(key.startsWith("sm_agent_"), "agent key shown");
  await inspect(page, "agents-add");
  const dir = path.join(OUT, "agent");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "key"), key, { mode: 0o600 });
  const sh = (script) => ["/bin/sh", "-c", script];
  fs.writeFileSync(
    path.join(dir, "manifest.json"),
    JSON.stringify({
      scripts: {
        greet: { command: sh('echo "hello $NAME"; echo "to stderr" >&2; exit 3'), params: { NAME: { required: true, pattern: "^[a-z]+$" } } },
        html: { command: sh("printf '<script>window.__pwned=1</script><b>bold</b>\\n\\033[31mred text\\033[0m\\n'") },
        slow: { command: sh('for i in 1 2 3 4 5 6; do echo "tick $i"; sleep 1; done') },
        big: { command: sh(`awk 'BEGIN { for (i = 1; i <= ${BIG_LINES}; i++) printf "line %07d %s\\n", i, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" }'`) },
      },
    }),
  );
  await page.getByRole("button", { name: "Done" }).click();
  const row = page.getByRole("row").filter({ hasText: "e2e-agent" });
  await row.getByText("offline").waitFor();
  start("agent", args.agent, [
    "--url",
    BASE,
    "--key-file",
    path.join(dir, "key"),
    "--manifest",
    path.join(dir, "manifest.json"),
    "--spool",
    path.join(dir, "spool"),
    "--tags",
    "e2e",
  ]);
  await row.getByText("online").waitFor({ timeout: 20_000 });
  state.agentId = await row.getAttribute("data-agent-id");
  // Heartbeats arrive every second: the sparklines fill without a reload.
  await waitFor("heartbeat history", async () => {
    const r = await apiCall("GET", `/v1/agents/${state.agentId}/metrics`, undefined, state.token);
    return r.json?.samples?.length >= 2;
  });
  // ... and the page draws them without a reload.
  await waitFor("a sparkline of two or more heartbeats", async () => {
    const points = await row.getByRole("img", { name: "e2e-agent CPU history" }).locator("polyline").getAttribute("points");
    return points && points.trim().split(" ").length >= 2;
  });
  await inspect(page, "agents");
  await row.getByRole("link", { name: "e2e-agent" }).click();
  await page.getByRole("rowheader", { name: "greet" }).waitFor();
  await page.getByText("^[a-z]+$").first().waitFor();
  await inspect(page, "agent");
});

await step("run a script with a parameter from the form; read its stdout and exit code", async () => {
  await page.getByRole("navigation").getByRole("link", { name: "Jobs", exact: true }).click();
  await page.getByRole("button", { name: "Run script" }).click();
  await page.getByLabel("Agent", { exact: true }).selectOption(state.agentId);
  await page.getByLabel("Script", { exact: true }).selectOption("greet");
  await page.getByLabel("NAME", { exact: true }).fill("Bad1");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.getByText("NAME must match ^[a-z]+$").waitFor();
  assert(page.url().endsWith("/jobs"), "stayed on the form with a bad parameter");
  await inspect(page, "jobs-run");
  await page.getByLabel("NAME", { exact: true }).fill("world");
  await page.getByRole("button", { name: "Run", exact: true }).click();
  await page.waitForURL(/\/jobs\/job_/);
  await page.getByRole("log", { name: "stdout" }).getByText("hello world").waitFor();
  await page.getByRole("log", { name: "stderr" }).getByText("to stderr").waitFor();
  await waitFor("exit code 3", async () => (await page.getByTestId("exit-code").textContent()) === "3");
  await inspect(page, "job");
  // The server checks the pattern too.
  const r = await apiCall("POST", "/v1/jobs", { agent_id: state.agentId, script: "greet", params: { NAME: "Bad1" } }, state.token);
  assert(r.status === 422 && r.json.error.code === "invalid_param", "server refuses the bad value: " + r.text);
  await page.getByRole("navigation").getByRole("link", { name: "Jobs", exact: true }).click();
  await page.getByRole("link", { name: /^job_/ }).first().waitFor();
  await inspect(page, "jobs");
});

await step("a job printing HTML shows it as text, with ANSI colours", async () => {
  const r = await apiCall("POST", "/v1/jobs", { agent_id: state.agentId, script: "html" }, state.token);
  assert(r.status === 202, "trigger html: " + r.text);
  await page.goto(`${BASE}/jobs/${r.json.job_id}`);
  const log = page.getByRole("log", { name: "stdout" });
  await log.getByText("<script>window.__pwned=1</script><b>bold</b>").waitFor();
  assert((await log.locator("b, script").count()) === 0, "no element made from the output");
  assert((await page.evaluate(() => window.__pwned)) === undefined, "the printed script did not run");
  await log.locator("span.fg-c1", { hasText: "red text" }).waitFor();
});

await step("a running job's output arrives live", async () => {
  const r = await apiCall("POST", "/v1/jobs", { agent_id: state.agentId, script: "slow" }, state.token);
  await page.goto(`${BASE}/jobs/${r.json.job_id}`);
  const log = page.getByRole("log", { name: "stdout" });
  await log.getByText("tick 2").waitFor({ timeout: 20_000 });
  const status = await page.locator(".facts .badge").first().textContent();
  assert(status === "running", "still running while output arrives, was " + status);
  assert((await log.getByText("tick 6").count()) === 0, "not all output yet");
  await log.getByText("tick 6").waitFor({ timeout: 20_000 });
  await page.locator(".facts .badge", { hasText: "succeeded" }).waitFor({ timeout: 20_000 });
});

await step("a 20 MiB output opens at once and reaches its last line with a bounded heap", async () => {
  const r = await apiCall("POST", "/v1/jobs", { agent_id: state.agentId, script: "big" }, state.token);
  const id = r.json.job_id;
  const done = await apiCall("GET", `/v1/jobs/${id}?wait=60`, undefined, state.token);
  assert(done.json.status === "succeeded", "big job: " + done.text);
  assert(done.json.stdout_bytes >= 20 * 1000 * 1000, "stdout bytes " + done.json.stdout_bytes);
  const t0 = Date.now();
  await page.goto(`${BASE}/jobs/${id}`);
  const log = page.getByRole("log", { name: "stdout" });
  await log.getByText("line 0000001").waitFor();
  const opened = Date.now() - t0;
  const last = `line ${String(BIG_LINES).padStart(7, "0")}`;
  const t1 = Date.now();
  await page.getByRole("button", { name: "Jump to end" }).first().click();
  await log.getByText(last).waitFor({ timeout: 5_000 });
  const jumped = Date.now() - t1;
  // Search reaches a line far from the window by scanning blocks.
  await page.getByRole("searchbox", { name: "Search stdout" }).fill("line 0200000");
  await page.getByRole("button", { name: "Find next" }).first().click();
  await log.getByText("line 0200000").waitFor({ timeout: 15_000 });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  const rendered = await log.locator(".ln").count();
  console.log(`  opened in ${opened} ms, last line in ${jumped} ms, JS heap ${(usedSize / 1048576).toFixed(1)} MiB, ${rendered} lines in the DOM`);
  assert(usedSize < 200 * 1024 * 1024, "JS heap " + usedSize);
  assert(rendered < 500, "virtualised: " + rendered + " line elements");
});

await step("toggle a schedule off and the API agrees", async () => {
  const created = await apiCall(
    "POST",
    "/v1/schedules",
    { name: "nightly", cron: "0 3 * * *", timezone: "UTC", script: "greet", agent_id: state.agentId, params: { NAME: "cron" } },
    state.token,
  );
  assert(created.status === 201, "create schedule: " + created.text);
  await page.goto(BASE + "/schedules");
  const row = page.getByRole("row").filter({ hasText: "nightly" });
  const toggle = row.getByRole("switch", { name: "Enabled" });
  assert((await toggle.getAttribute("aria-checked")) === "true", "enabled at first");
  await inspect(page, "schedules");
  await toggle.click();
  await waitFor("switch off", async () => (await toggle.getAttribute("aria-checked")) === "false");
  const after = await apiCall("GET", `/v1/schedules/${created.json.id}`, undefined, state.token);
  assert(after.json.enabled === false, "API says disabled: " + after.text);
  await page.getByRole("button", { name: "New schedule" }).click();
  await page.getByLabel("Cron expression").fill("*/15 * * * *");
  await page.getByText("Runs every 15 minutes").waitFor();
  await page.getByText("Next runs:").waitFor();
  await inspect(page, "schedules-new");
  await row.getByRole("link", { name: "nightly" }).click();
  await page.getByRole("heading", { name: "Schedule nightly" }).waitFor();
  await inspect(page, "schedule");
});

await step("the other pages: integrations, API keys, users, settings", async () => {
  for (const [nav, name] of [
    ["Integrations", "integrations"],
    ["API keys", "api-keys"],
    ["Users", "users"],
    ["Settings", "settings"],
  ]) {
    await page.getByRole("navigation").getByRole("link", { name: nav, exact: true }).click();
    await page.getByRole("heading", { name: nav, exact: true }).waitFor();
    await page.waitForLoadState("networkidle");
    await inspect(page, name);
  }
  await page.getByRole("navigation").getByRole("link", { name: "API keys", exact: true }).click();
  await page.getByLabel("Key name").fill("ci");
  await page.getByRole("button", { name: "Create key" }).click();
  assert((await page.getByLabel("New API key (shown once)").inputValue()).startsWith("sm_live_"), "API key shown once");
});

await step("set a new password through the e-mailed reset link", async () => {
  const p = await newPage();
  await p.goto(BASE + "/login");
  await p.getByRole("link", { name: "Forgot password?" }).click();
  await p.getByLabel("Email", { exact: true }).fill(OWNER.email);
  await inspect(p, "forgot-password");
  await p.getByRole("button", { name: "Send reset link" }).click();
  await p.getByRole("status").waitFor();
  const [link] = await mailMatch(OWNER.email, new RegExp(`${BASE.replace(/[.]/g, "\\.")}/reset-password\\?token=[A-Za-z0-9_-]+`));
  await p.goto(link);
  await inspect(p, "reset-password");
  await p.getByLabel("New password").fill(NEW_PASSWORD);
  await p.getByRole("button", { name: "Set password" }).click();
  await p.waitForURL(/\/login\?reset=1/);
  await signIn(p, OWNER.email, NEW_PASSWORD);
  await p.context().close();
  state.token = await apiLogin(OWNER.email, NEW_PASSWORD);
});

await step("accept an invitation; a member sees no admin controls and the server refuses them", async () => {
  await signIn(page, OWNER.email, NEW_PASSWORD); // the reset may have ended the older session
  await page.getByRole("navigation").getByRole("link", { name: "Users", exact: true }).click();
  await page.getByLabel("Email", { exact: true }).fill(MEMBER.email);
  await page.getByLabel("Role", { exact: true }).selectOption("member");
  await page.getByRole("button", { name: "Invite" }).click();
  await page.getByText(`Invitation sent to ${MEMBER.email}.`).waitFor();
  const [link] = await mailMatch(MEMBER.email, new RegExp(`${BASE.replace(/[.]/g, "\\.")}/invitations/accept\\?token=[A-Za-z0-9_-]+`));
  const m = await newPage({ width: 390, height: 844 });
  await m.goto(link);
  await inspect(m, "invitation-accept");
  await m.getByLabel("New password").fill(MEMBER.password);
  await m.getByRole("button", { name: "Set password" }).click();
  await m.waitForURL(/\/login\?reset=1/);
  await signIn(m, MEMBER.email, MEMBER.password);
  await m.getByRole("row").filter({ hasText: "e2e-agent" }).waitFor();
  assert((await m.getByRole("button", { name: "Add agent" }).count()) === 0, "no Add agent for a member");
  await inspect(m, "agents-phone");
  await m.goto(BASE + "/schedules");
  await m.getByRole("row").filter({ hasText: "nightly" }).waitFor();
  assert((await m.getByRole("switch").count()) === 0, "no schedule switch for a member");
  assert((await m.getByRole("button", { name: "New schedule" }).count()) === 0, "no New schedule for a member");
  await m.goto(`${BASE}/agents/${state.agentId}`);
  await m.getByRole("heading", { name: "Agent e2e-agent" }).waitFor();
  assert((await m.getByRole("button", { name: "Delete agent" }).count()) === 0, "no Delete agent for a member");
  const memberToken = await apiLogin(MEMBER.email, MEMBER.password);
  const refused = [
    await apiCall("POST", "/v1/agents", { name: "sneaky" }, memberToken),
    await apiCall("DELETE", `/v1/agents/${state.agentId}`, undefined, memberToken),
    await apiCall("GET", "/v1/users", undefined, memberToken),
  ];
  for (const r of refused) assert(r.status === 403, "member refused: " + r.status + " " + r.text);
  await m.context().close();
});

await step("tabs opened at once share the session (their refreshes take turns)", async () => {
  const p = await newPage();
  await signIn(p, OWNER.email, NEW_PASSWORD);
  const tabs = await Promise.all([1, 2, 3].map(() => p.context().newPage()));
  await Promise.all(tabs.map((t) => t.goto(BASE + "/jobs")));
  // Each tab is signed in once its refresh is through (a reload in the middle
  // of one would drop the new cookie on the floor; see docs/dashboard.md).
  await Promise.all(tabs.map((t) => t.getByRole("heading", { name: "Jobs" }).waitFor()));
  for (const t of [...tabs, p]) {
    await t.reload();
    await t.getByRole("heading", { name: "Jobs" }).or(t.getByRole("heading", { name: "Agents" })).first().waitFor();
    assert(!t.url().includes("/login"), "a tab was signed out: " + t.url());
  }
  await p.context().close();
});

await step("a revoked session lands on the sign-in page", async () => {
  const p = await newPage();
  await signIn(p, OWNER.email, NEW_PASSWORD);
  // Signing out elsewhere with the same cookie revokes it; the page's next
  // refresh then fails.
  const cookie = (await p.context().cookies()).find((c) => c.name === "sm_refresh");
  const out = await fetch(BASE + "/v1/auth/logout", {
    method: "POST",
    headers: { "Content-Type": "application/json", Cookie: `sm_refresh=${cookie.value}` },
    body: "{}",
  });
  assert(out.status === 204, "logout by cookie " + out.status);
  await p.reload();
  await p.waitForURL(/\/login/);
  await p.context().close();
});

await step("no request left the orchestrator, no page error, no CSP violation, axe clean", async () => {
  assert(foreignRequests.length === 0, "requests elsewhere: " + foreignRequests.join(", "));
  assert(pageErrors.length === 0, "page errors: " + pageErrors.join(" | "));
  assert(cspViolations.length === 0, "CSP violations: " + cspViolations.join(" | "));
  assert(axeFindings.length === 0, "axe: " + axeFindings.join(" | "));
  assert(axeRuns.length >= 15, "axe ran on every page: " + axeRuns.length);
  console.log("  axe: " + axeRuns.join("; "));
  const shots = fs.readdirSync(SHOTS);
  console.log(`  ${shots.length} screenshots in ${SHOTS}`);
});

await browser.close();
stopAll();
const failed = results.filter((r) => !r.ok).length;
console.log(`${results.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
