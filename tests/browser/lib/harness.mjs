// harness.mjs — the browser test harness: the real sunbid server, headless
// Debian Chromium driven by playwright-core, checks, and a clean shutdown.
//
// CTest runs each tests/browser/NAME.test.mjs as `node FILE` with
//   SUNBID_BIN         the server binary
//   SUNBID_TEST_TMP    a scratch directory (data dirs, screenshots, profiles)
//   SUNBID_SOURCE_DIR  the repository root (the web/ directory is served)
// A test file calls run(name, async (h) => {...}, opts). run() seeds a fresh
// demo data dir, starts `sunbid serve --listen 127.0.0.1:0` (plus
// opts.serveArgs, with opts.serveEnv added to its environment: e.g.
// ['--test-clock', ms] with {SUNBID_ALLOW_TEST_CLOCK: '1'} for a test that
// moves the server's clock), reads the URL it prints, launches Chromium, runs the body, and always stops both (SIGTERM to
// the server) — even when the body throws. It prints one line per check and a
// closing "N passed, N failed"; the exit code is non-zero on any failure.
//
// Every page made through h.newPage() is watched: console errors, uncaught
// page errors and CSP violations fail the test. The one expected kind of
// console error is Chromium's "Failed to load resource: ... status of 4xx"
// for an /api/ call (GET /api/me answers 401 to the public, a wrong password
// 401): those are the API contract, not page faults.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const DEMO_PASSWORD = 'Sunbid@2026';

const CHROMIUM = process.env.SUNBID_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const SERVER_START_MS = 30_000;
const SERVER_STOP_MS = 10_000;

function env(name, fallback) {
  const v = process.env[name];
  if (v) return v;
  if (fallback !== undefined) return fallback;
  throw new Error(`${name} is not set (CTest sets it; see tests/browser/README.md)`);
}

async function loadPlaywright() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) throw new Error(`playwright-core 1.65 needs Node.js >= 20; this is ${process.versions.node}`);
  try {
    return await import('playwright-core');
  } catch {
    throw new Error('playwright-core is missing: run `npm ci` in tests/browser (scripts/deps test does)');
  }
}

// ---- checks -------------------------------------------------------------

class Checks {
  constructor(name) {
    this.name = name;
    this.passed = 0;
    this.failed = 0;
    this.failures = [];
  }

  ok(name, cond, detail) {
    if (cond) {
      this.passed += 1;
      console.log(`ok   ${name}`);
    } else {
      this.failed += 1;
      this.failures.push(name);
      console.log(`FAIL ${name}${detail !== undefined ? ' — ' + fmt(detail) : ''}`);
    }
    return Boolean(cond);
  }

  eq(name, actual, expected) {
    const same = JSON.stringify(actual) === JSON.stringify(expected);
    return this.ok(name, same, same ? undefined : `got ${fmt(actual)}, want ${fmt(expected)}`);
  }

  // Runs fn as one step; an exception is one failure, not the end of the run.
  async step(name, fn) {
    try {
      await fn();
    } catch (e) {
      this.ok(`${name}: ${e && e.message ? e.message.split('\n')[0] : e}`, false);
      if (process.env.SUNBID_TEST_VERBOSE) console.log(e && e.stack);
    }
  }
}

function fmt(v) {
  if (typeof v === 'string') return JSON.stringify(v.length > 300 ? v.slice(0, 300) + '…' : v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

// ---- the server ---------------------------------------------------------

function runToEnd(bin, args, opts) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code, sig) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${path.basename(bin)} ${args.join(' ')} exited ${code ?? sig}: ${out.trim().slice(-800)}`));
    });
  });
}

// Seeds a fresh demo data dir and starts `sunbid serve` on a free port.
// serveArgs: more arguments for serve; serveEnv: more environment for it.
export async function startServer(tmp, label, { serveArgs = [], serveEnv = {} } = {}) {
  const bin = env('SUNBID_BIN');
  const src = env('SUNBID_SOURCE_DIR', path.resolve(here, '../../..'));
  if (!fs.existsSync(bin)) throw new Error(`SUNBID_BIN ${bin} does not exist (build first)`);
  fs.mkdirSync(tmp, { recursive: true });
  const dataDir = fs.mkdtempSync(path.join(tmp, `data-${label}-`));
  await runToEnd(bin, ['demo', '--data-dir', dataDir]);

  const logPath = path.join(dataDir, 'server.log');
  const log = fs.createWriteStream(logPath);
  const proc = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--web-dir', path.join(src, 'web'), ...serveArgs.map(String)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...serveEnv },
  });
  proc.stderr.pipe(log);
  let exited = null;
  const exitPromise = new Promise((resolve) => {
    proc.on('exit', (code, sig) => {
      exited = { code, sig };
      resolve(exited);
    });
  });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not print its URL within ${SERVER_START_MS} ms (log: ${logPath})`)), SERVER_START_MS);
    const rl = readline.createInterface({ input: proc.stdout });
    rl.on('line', (line) => {
      log.write(line + '\n');
      const m = /listening on (http:\/\/[^\s]+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].replace(/\/+$/, ''));
      }
    });
    proc.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    exitPromise.then((x) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${x.code ?? x.sig}) before it was ready; log: ${logPath}`));
    });
  });
  await waitHealthy(url);

  return {
    url,
    dataDir,
    logPath,
    proc,
    // SIGTERM, then SIGKILL if it does not stop in time. Returns the exit.
    async stop() {
      if (exited) return exited;
      proc.kill('SIGTERM');
      const t = setTimeout(() => {
        if (!exited) proc.kill('SIGKILL');
      }, SERVER_STOP_MS);
      const x = await exitPromise;
      clearTimeout(t);
      log.end();
      return x;
    },
  };
}

async function waitHealthy(url) {
  const until = Date.now() + SERVER_START_MS;
  let last = '';
  while (Date.now() < until) {
    try {
      const r = await fetch(url + '/api/health');
      if (r.status === 200) return;
      last = 'status ' + r.status;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`GET /api/health never answered 200 (${last})`);
}

// ---- the browser --------------------------------------------------------

export async function launchBrowser(tmp) {
  const { chromium } = await loadPlaywright();
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium (scripts/deps test does)`);
  // playwright makes a fresh profile (user-data-dir) per launch under the
  // temp dir and removes it on close.  Chromium puts its SingletonSocket, a
  // unix socket, in the profile, and a socket path has at most 107 bytes: a
  // scratch dir deep in a checkout (/check/work/main/build/dev/testtmp/...)
  // makes the browser abort at start.  Use the scratch dir when it is short,
  // else a private directory under /tmp removed when the test exits.
  let profiles = path.join(tmp, 'profiles');
  if (profiles.length > 40) {
    profiles = fs.mkdtempSync(path.join(os.tmpdir().length <= 20 ? os.tmpdir() : '/tmp', 'sbp-'));
    process.on('exit', () => fs.rmSync(profiles, { recursive: true, force: true }));
  }
  fs.mkdirSync(profiles, { recursive: true });
  const oldTmp = process.env.TMPDIR;
  process.env.TMPDIR = profiles;
  try {
    return await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60_000 });
  } finally {
    if (oldTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = oldTmp;
  }
}

const EXPECTED_API_ERROR = /^Failed to load resource: the server responded with a status of 4\d\d/;

// Watches a page for console errors, page errors and CSP violations.
function watch(page, problems) {
  page.on('console', (msg) => {
    if (msg.type() !== 'error' && msg.type() !== 'warning') return;
    const text = msg.text();
    const loc = msg.location() || {};
    if (msg.type() === 'error' && EXPECTED_API_ERROR.test(text) && /\/api\//.test(loc.url || '')) return;
    if (msg.type() === 'warning' && !/Content[- ]Security[- ]Policy|Refused to/i.test(text)) return;
    problems.push(`console.${msg.type()}: ${text}${loc.url ? ' (' + loc.url + ')' : ''}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('requestfailed', (req) => {
    const f = req.failure();
    // Navigations away abort in-flight fetches; that is not a fault.
    if (f && /ERR_ABORTED/.test(f.errorText)) return;
    problems.push(`requestfailed: ${req.method()} ${req.url()} ${f ? f.errorText : ''}`);
  });
  page.on('response', (res) => {
    const u = new URL(res.url());
    if (!u.pathname.startsWith('/api/') && res.status() >= 400) problems.push(`HTTP ${res.status()} for ${u.pathname}`);
  });
}

// In-page listener for CSP violations (the console also reports them).
const CSP_PROBE = `
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sourceFile || '') + ':' + (e.lineNumber || ''));
  });
`;

// ---- the run ------------------------------------------------------------

export const DESKTOP = { viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 };
export const PHONE = { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

// opts: { serveArgs, serveEnv } for the server (see startServer).
export async function run(name, body, opts = {}) {
  const t = new Checks(name);
  const tmp = path.join(env('SUNBID_TEST_TMP', path.join(os.tmpdir(), 'sunbid-test')), 'browser-' + name);
  const shots = path.join(env('SUNBID_TEST_TMP', path.join(os.tmpdir(), 'sunbid-test')), 'screenshots');
  fs.mkdirSync(shots, { recursive: true });
  let server = null;
  let browser = null;
  const pages = [];
  const contexts = [];
  let stopping = false;

  async function cleanup() {
    if (stopping) return;
    stopping = true;
    for (const c of contexts) await c.close().catch(() => {});
    if (browser) await browser.close().catch(() => {});
    if (server) {
      const x = await server.stop().catch((e) => ({ code: String(e) }));
      t.ok('server stops cleanly on SIGTERM', x.code === 0 || (x.code === null && x.sig === 'SIGTERM'), x);
    }
  }
  const onSignal = (sig) => {
    console.log(`interrupted by ${sig}`);
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  console.log(`# browser/${name}`);
  try {
    server = await startServer(tmp, name, opts);
    console.log(`# server ${server.url} (data ${server.dataDir})`);
    browser = await launchBrowser(tmp);
    console.log(`# chromium ${browser.version()}`);

    const h = {
      t,
      url: server.url,
      server,
      browser,
      shotsDir: shots,
      step: (name, fn) => t.step(name, fn),
      // A new isolated browser context (its own cookies and storage) and page.
      async newPage(opts = DESKTOP, label = 'page') {
        const ctx = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...opts });
        ctx.setDefaultTimeout(15_000);
        contexts.push(ctx);
        await ctx.addInitScript(CSP_PROBE);
        const page = await ctx.newPage();
        const problems = [];
        watch(page, problems);
        pages.push({ page, problems, label });
        page.problems = problems;
        page.label = label;
        return page;
      },
      async closePage(page) {
        await h.checkClean(page);
        await page.context().close();
      },
      // No console errors, page errors or CSP violations so far on this page.
      async checkClean(page) {
        if (page.isClosed()) return;
        const csp = await page.evaluate(() => window.__csp || []).catch(() => []);
        const all = page.problems.concat(csp.map((c) => 'csp: ' + c));
        t.ok(`${page.label}: no console errors, page errors or CSP violations`, all.length === 0, all);
        page.problems.length = 0;
      },
      // Full page by default; {fullPage: false} for just the viewport.
      async screenshot(page, file, opts = {}) {
        const p = path.join(shots, file);
        await page.screenshot({ path: p, fullPage: opts.fullPage !== false });
        console.log(`# screenshot ${p}`);
        return p;
      },
      goto: (page, p) => gotoReady(page, server.url + p),
      login: (page, username, password) => login(page, server.url, username, password ?? DEMO_PASSWORD),
    };
    await body(h);
    for (const { page } of pages) await h.checkClean(page);
  } catch (e) {
    t.ok(`${name}: ${e && e.message ? e.message.split('\n')[0] : e}`, false);
    if (e && e.stack) console.log(e.stack);
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (t.failed && server) console.log(`# server log: ${server.logPath}`);
  console.log(`${t.passed} passed, ${t.failed} failed`);
  process.exitCode = t.failed || t.passed === 0 ? 1 : 0;
}

// Loads a path and waits until the app has rendered (html[data-ready]).
export async function gotoReady(page, url) {
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('html[data-ready="true"]');
  await settle(page);
}

// Waits until no list on the page is still loading.
export async function settle(page) {
  await page.waitForFunction(() => !document.querySelector('[aria-busy="true"]'));
}

// Signs in through the login form; resolves when the layout shows the user.
export async function login(page, base, username, password) {
  await gotoReady(page, base + '/login');
  await page.fill('#login-form input[name="username"]', username);
  await page.fill('#login-form input[name="password"]', password);
  await page.click('#login-submit');
}

// Runs fetch inside the page (same origin, with the session cookie).
export async function pageFetch(page, p) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { Accept: 'application/json' } });
    let body = null;
    try {
      body = await r.json();
    } catch {
      body = null;
    }
    return { status: r.status, body };
  }, p);
}

// Ids of the navigation entries shown in the header, in order.
export async function navIds(page) {
  return page.$$eval('#nav-panel .nav-list a', (as) => as.map((a) => a.dataset.nav));
}

// A unified social credit code (GB 32100) with a valid check digit, whose
// organisation-code part (chars 9-17) is also valid under GB 11714.
export function makeUscc(seed) {
  const ALPH = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const W18 = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
  const W9 = [3, 7, 9, 10, 5, 8, 4, 2];
  let n = seed >>> 0;
  let body = '';
  for (let i = 0; i < 8; i++) {
    body += String(n % 10);
    n = Math.floor(n / 10) + (i + 1) * 7919;
  }
  let s9 = 0;
  for (let i = 0; i < 8; i++) s9 += Number(body[i]) * W9[i];
  const c9 = 11 - (s9 % 11);
  const orgCode = body + (c9 === 10 ? 'X' : c9 === 11 ? '0' : String(c9));
  const first17 = '91' + '350100' + orgCode;
  let s = 0;
  for (let i = 0; i < 17; i++) s += ALPH.indexOf(first17[i]) * W18[i];
  const c = (31 - (s % 31)) % 31;
  return first17 + ALPH[c];
}

// The same code with a wrong check digit.
export function breakUscc(code) {
  const ALPH = '0123456789ABCDEFGHJKLMNPQRTUWXY';
  const last = code[17];
  return code.slice(0, 17) + ALPH[(ALPH.indexOf(last) + 1) % 31];
}
