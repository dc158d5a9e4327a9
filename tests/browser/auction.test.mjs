// auction.test.mjs — the auction pages (网络竞价) with two browsers bidding
// against each other to the end, on the server's test clock.
//
// The server runs on a manual clock (serve --test-clock, run()'s serveArgs)
// that only the test moves (POST /api/test/clock, as admin): the auction
// engine and the halls follow it, so nobody waits for a real countdown.
// The agent creates an auction through the form (/auctions/new) and lands on
// its hall. A second, short English auction is created through the API (it
// starts 20 s on, ends 30 s later, with a 15-second countdown). Two bidders,
// each in its own browser context (one of them on a phone), apply with a
// deposit reference in the hall; the agent confirms both deposits in the
// console and they get their bidder numbers. When the auction is live they
// take turns clicking the next valid amount: each sees the other's bid
// arrive live (leading / outbid) without reloading. At the end both halls
// show the auction sold, the result names the last bidder's number, the
// price is the last bid, and the signed result text is there. Public list
// and hall are readable signed out. Screenshots: desktop and phone.
// A sealed-bid auction: the bidder on the phone seals its price in the
// browser with its key files (certificates from `sunbid ca`), gets the
// receipt, and after the end releases the key from its encryption key file,
// in the browser; the auction closes sold at the sealed price.

import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { run, DESKTOP, PHONE, settle, DEMO_PASSWORD } from './lib/harness.mjs';

function sunbid(args, what) {
  const r = spawnSync(process.env.SUNBID_BIN, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what || args[0]} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const stamp = Date.now() % 100000;

// The server's manual clock starts here and moves only by setClock.
const t0 = Date.now();

async function apiAs(h, token, method, p, body) {
  const r = await fetch(h.url + p, {
    method,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await r.json();
  } catch {
    data = null;
  }
  return { status: r.status, body: data };
}

async function token(h, user) {
  const r = await apiAs(h, null, 'POST', '/api/auth/login', { username: user, password: DEMO_PASSWORD, token: true });
  if (r.status !== 200) throw new Error('login ' + user + ': ' + r.status);
  return r.body.token;
}

// The end the server has now for auction `id` (extensions and any outage
// shift included): where the clock must go for it to close.
async function endOf(h, id) {
  const r = await apiAs(h, null, 'GET', '/api/auctions/' + id);
  if (r.status !== 200 || !r.body.end_ms) throw new Error('GET auction ' + id + ': ' + r.status);
  return r.body.end_ms;
}

// Moves the server's test clock to `ms` (forward only).
async function setClock(h, ms) {
  const r = await apiAs(h, await token(h, 'admin'), 'POST', '/api/test/clock', { now_ms: ms });
  if (r.status !== 200) throw new Error('test clock: ' + r.status + ' ' + JSON.stringify(r.body));
  return r.body.now_ms;
}

async function login(h, page, user) {
  await h.login(page, user);
  await page.waitForURL((u) => u.pathname === '/workspace');
  await settle(page);
}

const text = (page, sel) => page.locator(sel).first().innerText();

async function waitText(page, sel, want, ms = 20000) {
  await page.waitForFunction(
    ([s, w]) => {
      const el = document.querySelector(s);
      return el && el.textContent.includes(w);
    },
    [sel, want],
    { timeout: ms },
  );
}

await run('auction', async (h) => {
  const { t } = h;
  let agent, b1, b2;
  let id = null;
  let short = null; // the short auction's start and end (server ms)

  await h.step('the agent creates an auction with the form', async () => {
    agent = await h.newPage(DESKTOP, 'agent');
    await login(h, agent, 'agent');
    await h.goto(agent, '/auctions/new');
    t.eq('form: h1', await text(agent, 'main h1'), '新建竞价');
    await agent.fill('#af-title', `国有建设用地使用权挂牌出让（表单 ${stamp}）`);
    await agent.selectOption('#af-kind', 'english');
    await agent.selectOption('#af-preset', 'land');
    await agent.fill('#af-start_price', '1,000,000');
    await agent.fill('#af-increment', '10,000');
    await agent.fill('#af-reserve', '1,050,000');
    await agent.click('#af-submit');
    await agent.waitForURL((u) => u.pathname === '/auction');
    await settle(agent);
    await waitText(agent, 'main h1', '表单');
    t.ok('form: lands on the hall of the new auction', (await text(agent, 'main h1')).includes(`表单 ${stamp}`));
    t.ok('form: the agent sees the reserve in the console', (await text(agent, '.agent-panel')).includes('¥1,050,000.00'));
  });

  await h.step('a short live auction, two bidders qualified', async () => {
    const at = await token(h, 'agent');
    const list = await apiAs(h, null, 'GET', '/api/auctions');
    const start = list.body.now_ms + 20000;
    short = { start, end: start + 30000 };
    const r = await apiAs(h, at, 'POST', '/api/auctions', {
      title: `排污权竞价（测试 ${stamp}）`,
      kind: 'english',
      start_price: 500000,
      increment: 5000,
      start_ms: start,
      end_ms: start + 30000,
      window_ms: 15000,
      deposit: 50000,
    });
    t.eq('api: the short auction is created', r.status, 201);
    id = r.body.id;
    b1 = await h.newPage(DESKTOP, 'bidder1');
    b2 = await h.newPage(PHONE, 'bidder2 (phone)');
    await login(h, b1, 'bidder1');
    await login(h, b2, 'bidder2');
    for (const [p, ref] of [
      [b1, 'BOND-A-' + stamp],
      [b2, 'BOND-B-' + stamp],
    ]) {
      await h.goto(p, '/auction?id=' + id);
      await p.fill('#auction-deposit-ref', ref);
      await p.click('#auction-apply');
      await waitText(p, '[data-testid="my-reg"]', '等待确认保证金');
    }
    t.ok('bidders: both applied', true);
    await h.goto(agent, '/auction?id=' + id);
    for (let i = 0; i < 2; i++) {
      await agent.waitForSelector('.agent-panel button[data-action="qualify"]');
      await agent.locator('.agent-panel button[data-action="qualify"]').first().click();
      await agent.waitForFunction((n) => document.querySelectorAll('.agent-panel button[data-action="qualify"]').length === n, 1 - i);
    }
    t.ok('console: both deposits confirmed', (await agent.locator('.agent-panel button[data-action="qualify"]').count()) === 0);
    await h.screenshot(agent, 'auction-console-desktop-zh.png');
  });

  const paddles = {};
  let last = null;
  await h.step('two browsers bid against each other', async () => {
    for (const [name, p] of [
      ['b1', b1],
      ['b2', b2],
    ]) {
      await h.goto(p, '/auction?id=' + id);
      await p.waitForSelector('[data-testid="my-paddle"]');
      paddles[name] = (await text(p, '[data-testid="my-paddle"]')).trim();
    }
    t.ok('bidders: six-digit numbers', /^\d{6}$/.test(paddles.b1) && /^\d{6}$/.test(paddles.b2), paddles);
    t.ok('bidders: numbers differ', paddles.b1 !== paddles.b2);
    t.ok('hall: not live before the start', !(await text(b1, '.badges .astate')).includes('竞价中'));
    // the clock reaches the start (the page turns live by the event stream)
    await setClock(h, short.start);
    await waitText(b1, '.badges .astate', '竞价中', 40000);
    await waitText(b2, '.badges .astate', '竞价中', 40000);
    t.ok('hall: countdown runs on the server clock', /\d\d:\d\d:\d\d/.test(await text(b1, '[data-testid="countdown"]')));
    let price = 500000;
    for (let i = 0; i < 4; i++) {
      const [me, other, meName] = i % 2 === 0 ? [b1, b2, 'b1'] : [b2, b1, 'b2'];
      await me.waitForSelector('.bid-buttons .bid-btn');
      const amount = Number(await me.locator('.bid-buttons .bid-btn').first().getAttribute('data-amount'));
      t.eq(`bid ${i + 1}: the first button is the next valid amount`, amount, i === 0 ? 500000 : price + 5000);
      await me.locator('.bid-buttons .bid-btn').first().click();
      await waitText(me, '[data-testid="my-status"]', '领先');
      // the other browser hears of it live, without a reload
      await waitText(other, '[data-testid="my-status"]', '已被超越');
      await waitText(other, '[data-testid="leader"]', paddles[meName]);
      price = amount;
      last = meName;
    }
    t.ok('bids: each browser saw the other take the lead', true);
    t.ok('history: four bids listed', (await b1.locator('[data-testid="history"] tbody tr').count()) === 4);
    await h.screenshot(b1, 'auction-hall-desktop-zh.png');
    await h.screenshot(b2, 'auction-hall-phone-zh.png');
    const overflow = await b2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('phone: no horizontal scrolling', overflow <= 1, overflow);

    // to the end: both halls close with the last bidder as the winner
    t.ok('hall: still live before the end', (await text(b1, '.badges .astate')).includes('竞价中'));
    await setClock(h, Math.max(short.end, await endOf(h, id)));
    await waitText(b1, '.badges .astate', '已成交', 20000);
    await waitText(b2, '.badges .astate', '已成交', 20000);
    await b1.waitForSelector('[data-testid="result"]');
    t.ok('result: names the last bidder', (await text(b1, '[data-testid="result-winner"]')).includes(paddles[last]));
    t.ok('result: at the last price', (await text(b1, '[data-testid="result-price"]')).includes('¥5,150.00'));
    t.ok('result: the signed text is there', (await b1.locator('.signed-text').textContent()).startsWith('sunbid auction result v1'));
    await h.screenshot(b2, 'auction-result-phone-zh.png');
  });

  await h.step('the public sees the list and the hall', async () => {
    const pub = await h.newPage(DESKTOP, 'public');
    await h.goto(pub, '/auctions');
    t.ok('public list: shows the auction', (await text(pub, 'main')).includes(`排污权竞价（测试 ${stamp}）`));
    await h.goto(pub, '/auction?id=' + id);
    await pub.waitForSelector('[data-testid="result"]');
    t.ok('public hall: no bidder panel', (await pub.locator('.bidder-panel').count()) === 0);
    t.eq('public hall: the leader by number only', (await text(pub, '[data-testid="leader"]')).trim(), paddles[last]);
    await h.closePage(pub);
  });

  await h.step('a sealed-bid auction: sealed and opened in the browser', async () => {
    const dir = fs.mkdtempSync(path.join(process.env.SUNBID_TEST_TMP || '/tmp', 'auction-browser-'));
    const file = (n) => path.join(dir, n);
    const admin = await token(h, 'admin');
    const at = await token(h, 'agent');
    const bt = await token(h, 'bidder2');
    const me = (await apiAs(h, bt, 'GET', '/api/me')).body;
    const org = me.user.org;
    sunbid(['ca', 'init', '--dir', file('ca'), '--alg', 'p256', '--name', 'Auction Browser CA'], 'ca init');
    sunbid(['ca', 'issue', '--dir', file('ca'), '--usage', 'sign', '--subject-cn', org.name, '--uscc', org.uscc, '--out', file('sign')], 'ca issue');
    sunbid(['ca', 'issue', '--dir', file('ca'), '--usage', 'encrypt', '--subject-cn', org.name, '--uscc', org.uscc, '--out', file('enc')], 'ca issue');
    const tr = await fetch(h.url + '/api/trust', { method: 'POST', headers: { Authorization: 'Bearer ' + admin, 'Content-Type': 'application/x-pem-file' }, body: fs.readFileSync(file('ca/ca.crt.pem'), 'utf8') });
    t.ok('set-up: the CA is trusted', tr.status === 201 || tr.status === 200, tr.status);
    const cr = await apiAs(h, bt, 'POST', `/api/orgs/${org.id}/certs`, { sign: fs.readFileSync(file('sign.crt.pem'), 'utf8'), encrypt: fs.readFileSync(file('enc.crt.pem'), 'utf8') });
    t.eq('set-up: certificates registered', cr.status, 201);
    const list = await apiAs(h, null, 'GET', '/api/auctions');
    const start = list.body.now_ms + 12000;
    const r = await apiAs(h, at, 'POST', '/api/auctions', { title: `股权转让（密封 ${stamp}）`, kind: 'sealed', start_price: 800000, increment: 10000, start_ms: start, end_ms: start + 25000, step_ms: 60000 });
    t.eq('api: the sealed auction is created', r.status, 201);
    const sid = r.body.id;
    const reg = await apiAs(h, bt, 'POST', `/api/auctions/${sid}/register`, { deposit_ref: 'BOND-S-' + stamp });
    t.eq('api: applied', reg.status, 201);
    const q = await apiAs(h, at, 'POST', `/api/auctions/${sid}/registrations/${reg.body.id}`, { qualify: true });
    t.eq('api: qualified', q.status, 200);

    await h.goto(b2, '/auction?id=' + sid);
    await setClock(h, start);
    await waitText(b2, '.badges .astate', '竞价中', 20000);
    await b2.waitForSelector('#auction-seal-form');
    await b2.fill('#auction-sealed-price', '8,300');
    await b2.setInputFiles('#auction-sign-key', file('sign.key.pem'));
    await b2.setInputFiles('#auction-sign-cert', file('sign.crt.pem'));
    await b2.setInputFiles('#auction-enc-cert', file('enc.crt.pem'));
    await b2.click('#auction-seal');
    await b2.waitForSelector('[data-testid="receipt"]', { timeout: 20000 });
    const receipt = (await text(b2, '[data-testid="receipt"]')).trim();
    t.ok('sealed: the receipt is a SHA-256', /^[0-9a-f]{64}$/.test(receipt), receipt);
    t.eq('sealed: the price is hidden meanwhile', (await text(b2, '[data-testid="price"]')).trim(), '保密');
    await h.screenshot(b2, 'auction-sealed-phone-zh.png');

    // the end: the key is released from the encryption key file, here
    t.ok('sealed: no key release before the end', (await b2.locator('#auction-reveal-form').count()) === 0);
    await setClock(h, Math.max(start + 25000, await endOf(h, sid)));
    await b2.waitForSelector('#auction-reveal-form', { timeout: 20000 });
    await b2.setInputFiles('#auction-enc-key', file('enc.key.pem'));
    await b2.click('#auction-reveal');
    await waitText(b2, '.badges .astate', '已成交', 30000);
    await b2.waitForSelector('[data-testid="result"]');
    t.ok('sealed: sold at the sealed price', (await text(b2, '[data-testid="result-price"]')).includes('¥8,300.00'));
    t.ok('sealed: the bidder wins', (await text(b2, '[data-testid="result-winner"]')).includes((await text(b2, '[data-testid="my-paddle"]')).trim()));
    const overflow = await b2.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('sealed, phone: no horizontal scrolling', overflow <= 1, overflow);
  });
}, { serveArgs: ['--test-clock', String(t0)], serveEnv: { SUNBID_ALLOW_TEST_CLOCK: '1' } });
