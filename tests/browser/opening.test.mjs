// opening.test.mjs — a whole tender, from its draft to a signed opening
// record, in the browser with several bidders (开标大厅, /opening).
//
// The server runs on a test clock (the harness starts it with serve
// --test-clock, run()'s serveArgs). Set-up through the API:
// the agent drafts and publishes a tender (the editor's browser flow has
// its own test, tenders.test.mjs); the admin adds two more bidder
// organisations and users, whose certificates come from the demo CA.
//
// Five bidders seal and submit in the browser (/bid): three type their
// opening form (price, duration and the tender's read-out field quality)
// into the page, which seals it as opening-form.json; bidder2 attaches its
// own (advanced); bidder4 seals none (the page asks, it confirms). The test
// clock moves to the deadline; everybody signs in again (sessions ended
// with the moved clock) and opens the hall:
//   bidder1 (phone, Chinese) unwraps its content key in the page from its
//           encryption key file and the envelope head             -> opened
//   bidder2 first pastes a wrong K (422, retried), then the K that
//           `sunbid unseal --release-key` prints for the stored blob  -> opened
//   bidder3 never decrypts; two opening officers (supervisor, admin)
//           open their escrow shares in their browsers and hand them
//           in; the host opens bidder3's bid with the escrow key     -> opened
//   bidder4 sealed no opening form: its own fault                 -> revoked
//   bidder5 tries another organisation's key (refused in the page),
//           then never decrypts: the window's end (test clock)     -> revoked
// The host's console starts the window, is refused while it runs (409),
// reads out; the read-out shows the sealed prices; bidder5 objects, the
// host answers; the bidders sign the record in the browser (ECDSA P-256
// over "sunbid opening record v1\n<id>\n<draft_sha256>\n"); the host seals
// it. A public viewer (phone, English, not signed in) follows it all
// live: phases, read-out, objection, the record's hash and the witness
// certificate link. The tender has escrow 2 of 3 (agent, supervisor,
// admin): the bid page seals every bid to its escrow key too.
//
// Live: a page opened before the deadline shows "not open" and switches to
// the hall by itself when the tender opens (tender.state on the public
// topic); a host page whose stream is cut (Playwright routes: the first
// connection ends at once, the reconnection is held) misses the sign-ins
// and shows them when the stream reopens (the reopen reloads the hall); a
// page sent `event: reset` reloads and says so. The read-out shows the
// tender's read-out fields as columns; the host sees each lot's count and,
// while signing, who signed in and has not signed.
//
// seal.js alone: sealBid with escrowKeys writes an envelope that the CLI
// opens with the escrow key and with the bidder's key, whose inspect
// lists both recipients, and whose releaseKey() (head only) equals
// `sunbid unseal --release-key`; signRecord's DER verifies with Node.
// Screenshots: desktop and phone (375 px), Chinese and English.

import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run, DESKTOP, PHONE, DEMO_PASSWORD, gotoReady, settle, login as formLogin, makeUscc } from './lib/harness.mjs';

const BIN = process.env.SUNBID_BIN;
const DAY = 24 * 3600 * 1000;
const MIN = 60 * 1000;
const FORMS = {
  bidder1: { price_fen: 987654300, duration_days: 365, quality: '合格' },
  bidder2: { price_fen: 912345600, duration_days: 300, quality: '优良' },
  bidder3: { price_fen: 955555500, duration_days: 330, quality: '合格' },
  bidder5: { price_fen: 899999900, duration_days: 400, quality: '合格' },
};
const yuan = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const OBJECTION = '我方未能在解密时间内完成解密，请求说明处理依据。';
const ANSWER = '解密时间已结束，依据电子招标投标办法第三十一条撤销该投标文件。';

function sunbid(args, what) {
  const r = spawnSync(BIN, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what || args[0]} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

// The server's manual clock starts at t0 (serve --test-clock).
const t0 = Date.now();

async function call(base, token, method, p, body, type) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  const r = await fetch(base + p, { method, headers, body: body === undefined ? undefined : type ? body : JSON.stringify(body) });
  const text = await r.text();
  let data = null;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  if (!r.ok) {
    const e = new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
    e.status = r.status;
    e.data = data;
    throw e;
  }
  return data;
}

async function token(base, username) {
  return (await call(base, null, 'POST', '/api/auth/login', { username, password: DEMO_PASSWORD, token: true })).token;
}

async function waitFor(what, fn, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('timed out waiting for ' + what);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Waits for sel; on a timeout the error names the alerts the page shows.
async function expect(p, sel) {
  try {
    await p.waitForSelector(sel);
  } catch (e) {
    const alerts = await p.$$eval('.alert', (els) => els.filter((x) => !x.hidden).map((x) => (x.dataset.code || '') + ': ' + x.textContent)).catch(() => []);
    throw new Error(`${sel} never showed (alerts: ${JSON.stringify(alerts)})`);
  }
}

await run('opening', async (h) => {
  const { t } = h;
  const dir = fs.mkdtempSync(path.join(process.env.SUNBID_TEST_TMP || '/tmp', 'opening-browser-'));
  const file = (n) => path.join(dir, n);
  let now = t0;
  const srv = h.server;
  const base = srv.url;
  const keys = {}; // user -> {sign, signCert, enc, encCert, uscc, orgId}
  let id = null;
  let code = null;
  const setClock = (ms) => call(base, adminToken, 'POST', '/api/test/clock', { now_ms: ms });
  let adminToken = await token(base, 'admin');

  // pages on the clock server
  async function page(opts, label, lang) {
    const p = await h.newPage(opts, label);
    if (lang) await p.context().addInitScript((l) => window.localStorage.setItem('sunbid.lang', l), lang);
    return p;
  }
  const go = (p, rel) => gotoReady(p, base + rel);
  async function signIn(p, user) {
    await formLogin(p, base, user, DEMO_PASSWORD);
    await p.waitForURL((u) => u.pathname === '/workspace');
    await settle(p);
  }

  await h.step('set-up: bidders 4 and 5, the tender, registrations', async () => {
    for (const u of ['bidder1', 'bidder2', 'bidder3']) {
      const d = path.join(srv.dataDir, 'demo-keys', u);
      const tk = await token(base, u);
      const me = await call(base, tk, 'GET', '/api/me');
      keys[u] = { sign: path.join(d, 'sign.key.pem'), signCert: path.join(d, 'sign.crt.pem'), enc: path.join(d, 'encrypt.key.pem'), encCert: path.join(d, 'encrypt.crt.pem'), uscc: me.user.org.uscc, orgId: me.user.org.id };
    }
    for (const [i, u] of [
      [4, 'bidder4'],
      [5, 'bidder5'],
    ]) {
      const uscc = makeUscc(424242 + i * 7919 + (now % 1000));
      const org = await call(base, adminToken, 'POST', '/api/orgs', { name: `开标测试投标人${i}有限公司`, uscc, legal_rep: '林' + i });
      const orgId = (org.org || org).id;
      await call(base, adminToken, 'POST', '/api/users', { username: u, display_name: `投标人${i}`, password: DEMO_PASSWORD, roles: ['bidder'], org_id: orgId });
      const ca = path.join(srv.dataDir, 'demo-ca');
      for (const usage of ['sign', 'encrypt']) sunbid(['ca', 'issue', '--dir', ca, '--usage', usage, '--subject-cn', `投标人${i}`, '--uscc', uscc, '--out', file(`${u}-${usage}`)], 'ca issue');
      const tk = await token(base, u);
      await call(base, tk, 'POST', `/api/orgs/${orgId}/certs`, { sign: fs.readFileSync(file(`${u}-sign.crt.pem`), 'utf8'), encrypt: fs.readFileSync(file(`${u}-encrypt.crt.pem`), 'utf8') });
      keys[u] = { sign: file(`${u}-sign.key.pem`), signCert: file(`${u}-sign.crt.pem`), enc: file(`${u}-encrypt.key.pem`), encCert: file(`${u}-encrypt.crt.pem`), uscc, orgId };
    }
    const agent = await token(base, 'agent');
    const created = await call(base, agent, 'POST', '/api/tenders', {
      escrow_k: 2,
      escrow_n: 3,
      title: '榕城市江滨大道综合管廊工程（开标测试）',
      region: '350100',
      category: 'works',
      min_bids: 3,
      decrypt_window_min: 30,
      readout_fields: 'bidder,price,duration,quality',
      publish_at_ms: now,
      doc_start_ms: now,
      doc_end_ms: now + 7 * DAY,
      clarify_deadline_ms: now + 10 * DAY,
      bid_deadline_ms: now + 21 * DAY,
    });
    id = created.tender.id;
    code = created.tender.code;
    await call(base, agent, 'POST', `/api/tenders/${id}/documents?name=docs.pdf`, '%PDF the documents', 'application/pdf');
    // the opening officers: agent (SM2), supervisor and admin (P-256, demo keys)
    const officers = [];
    for (const u of ['agent', 'supervisor', 'admin']) officers.push((await call(base, await token(base, u), 'GET', '/api/me')).user.id);
    await call(base, agent, 'PUT', `/api/tenders/${id}/escrow/officers`, { officers });
    await call(base, agent, 'POST', `/api/tenders/${id}/publish`);
    await waitFor('bidding', async () => (await call(base, null, 'GET', `/api/tenders/${id}`)).tender.state === 'bidding');
    for (const u of Object.keys(keys)) await call(base, await token(base, u), 'POST', `/api/tenders/${id}/register`);
    for (const [u, f] of Object.entries(FORMS)) fs.writeFileSync(file(`${u}-opening-form.json`), JSON.stringify(f));
    fs.writeFileSync(file('技术标.txt'), '施工组织设计（测试）\n');
    t.ok('five bidders registered', Object.keys(keys).length === 5);
    const esc = await call(base, null, 'GET', `/api/tenders/${id}/escrow`);
    t.ok('the tender has an intl escrow public key', Boolean(esc.public_keys && esc.public_keys.intl), esc);
  });

  // ---- sealing in the browser ----
  const sha = {};
  for (const u of ['bidder1', 'bidder2', 'bidder3', 'bidder4', 'bidder5']) {
    await h.step(`${u} seals and submits in the browser`, async () => {
      const p = await page(DESKTOP, `bid ${u}`);
      await signIn(p, u);
      await go(p, `/bid?tender=${id}&lot=1`);
      await p.waitForSelector('#bid-code');
      const k = keys[u];
      await p.setInputFiles('#bid-sign-key', k.sign);
      await p.setInputFiles('#bid-sign-cert', k.signCert);
      await p.setInputFiles('#bid-enc-cert', k.encCert);
      await p.setInputFiles('#bid-file-technical', file('技术标.txt'));
      await p.waitForSelector('#bid-rf-quality');
      if (u === 'bidder2') {
        // advanced: its own opening-form.json under the price list
        await p.check('#bid-form-manual');
        await p.setInputFiles('#bid-file-price-list', { name: 'opening-form.json', mimeType: 'application/json', buffer: fs.readFileSync(file(`${u}-opening-form.json`)) });
      } else if (FORMS[u]) {
        await p.fill('#bid-rf-price_fen', yuan(FORMS[u].price_fen));
        await p.fill('#bid-rf-duration_days', String(FORMS[u].duration_days));
        await p.fill('#bid-rf-quality', FORMS[u].quality);
      } else {
        // no form at all: the page warns, the bidder insists
        await p.check('#bid-form-manual');
        p.once('dialog', (d) => d.accept());
      }
      await p.click('#bid-submit');
      await p.locator('#bid-receipt').waitFor({ state: 'visible', timeout: 30_000 });
      sha[u] = await p.locator('.page-bid').getAttribute('data-sha256');
      t.ok(`${u}: receipt shown`, Boolean(sha[u]));
      t.eq(`${u}: the form sealed`, await p.locator('.page-bid').getAttribute('data-form'), u === 'bidder2' ? 'attached' : FORMS[u] ? 'typed' : 'none');
      await h.closePage(p);
    });
  }

  // ---- seal.js on its own: escrow recipients, the head, a record signature ----
  await h.step('seal.js: escrow recipients open with the CLI; releaseKey equals unseal --release-key; signRecord verifies', async () => {
    const ca = path.join(srv.dataDir, 'demo-ca');
    sunbid(['ca', 'issue', '--dir', ca, '--usage', 'encrypt', '--subject-cn', 'escrow', '--out', file('escrow')], 'ca issue');
    const escrowSpki = new crypto.X509Certificate(fs.readFileSync(file('escrow.crt.pem'))).publicKey.export({ type: 'spki', format: 'pem' });
    const p = await page(DESKTOP, 'seal.js');
    await go(p, '/');
    const k = keys.bidder1;
    const out = await p.evaluate(
      async (a) => {
        const m = await import('/seal.js');
        const env = await m.sealBid({ tender: a.code, lot: '1', org: a.uscc, signKeyPem: a.sign, signCertPem: a.signCert, encCertPem: a.encCert, escrowKeys: [a.escrow], files: [{ name: 'opening-form.json', role: 'price-list', data: new TextEncoder().encode('{"price_fen":1}') }] });
        const bytes = new Uint8Array(await env.blob.arrayBuffer());
        const head = m.parseHead(bytes);
        const k1 = await m.releaseKey({ head: bytes.slice(0, head.end).buffer, encKeyPem: a.enc, expect: { tender: a.code, lot: '1', org: a.uscc } });
        let otherTender = null;
        try {
          await m.releaseKey({ head: bytes.slice(0, head.end).buffer, encKeyPem: a.enc, expect: { tender: 'X' + a.code } });
        } catch (e) {
          otherTender = e.code;
        }
        let wrongKey = null;
        try {
          await m.releaseKey({ head: bytes.slice(0, head.end).buffer, encKeyPem: a.otherEnc });
        } catch (e) {
          wrongKey = e.code;
        }
        let cut = null;
        try {
          m.parseHead(bytes.slice(0, head.end - 1));
        } catch (e) {
          cut = e.code;
        }
        const sig = await m.signRecord({ signKeyPem: a.sign, message: m.recordMessage(7, 'ab'.repeat(32)) });
        let b = '';
        for (const x of bytes) b += String.fromCharCode(x);
        return { env: btoa(b), kinds: head.recipients.map((r) => r.kind), k1, otherTender, wrongKey, cut, sig };
      },
      {
        code,
        uscc: k.uscc,
        sign: fs.readFileSync(k.sign, 'utf8'),
        signCert: fs.readFileSync(k.signCert, 'utf8'),
        encCert: fs.readFileSync(k.encCert, 'utf8'),
        enc: fs.readFileSync(k.enc, 'utf8'),
        otherEnc: fs.readFileSync(keys.bidder2.enc, 'utf8'),
        escrow: escrowSpki,
      },
    );
    fs.writeFileSync(file('escrow-test.sbe'), Buffer.from(out.env, 'base64'));
    t.eq('seal.js: bidder block first, then the escrow block', out.kinds, [1, 2]);
    fs.mkdirSync(file('escrow-open'));
    sunbid(['unseal', '--key', file('escrow.key.pem'), '--expect-tender', code, '--out-dir', file('escrow-open'), file('escrow-test.sbe')], 'unseal with the escrow key');
    t.eq('the CLI opens it with the escrow key', fs.readFileSync(file('escrow-open/opening-form.json'), 'utf8'), '{"price_fen":1}');
    const inspect = sunbid(['unseal', '--inspect', file('escrow-test.sbe')], 'inspect');
    t.ok('inspect lists the escrow recipient', /escrow/.test(inspect) && /bidder/.test(inspect), inspect);
    const cliK = sunbid(['unseal', '--release-key', '--key', k.enc, file('escrow-test.sbe')], 'release-key').trim();
    t.eq('releaseKey (head only, in the browser) = sunbid unseal --release-key', out.k1, cliK);
    t.eq('releaseKey refuses a head of another tender', out.otherTender, 'bad_input');
    t.eq('releaseKey refuses a key that is no recipient', out.wrongKey, 'wrong_key');
    t.eq('parseHead refuses a cut head', out.cut, 'bad_input');
    const pub = new crypto.X509Certificate(fs.readFileSync(k.signCert)).publicKey;
    const ok = crypto.verify('sha256', Buffer.from(`sunbid opening record v1\n7\n${'ab'.repeat(32)}\n`), pub, Buffer.from(out.sig, 'base64'));
    t.ok('signRecord: a DER ECDSA signature the certificate key verifies', ok);
    await h.closePage(p);
  });

  // ---- the deadline ----
  const early = await page(DESKTOP, 'early viewer (desktop, zh)');
  await h.step('a page opened before the deadline says "not open"', async () => {
    await go(early, `/opening?tender=${id}`);
    await early.waitForSelector('#hall-error[data-code="wrong_state"]');
    t.ok('early: not open yet', (await early.locator('#hall-error').innerText()).includes('尚未进入开标'));
    await h.screenshot(early, 'opening-early-desktop-zh.png');
  });
  now += 21 * DAY + 1000;
  await h.step('the test clock reaches the deadline: the hall opens', async () => {
    await setClock(now);
    adminToken = await token(base, 'admin');
    await waitFor('opening', async () => (await call(base, null, 'GET', `/api/tenders/${id}`)).tender.state === 'opening');
    t.ok('the tender is in opening', true);
    await early.waitForSelector('#hall-phase[data-phase="signin"]', { timeout: 20_000 });
    t.ok('early: the page switched to the hall by itself (tender.state on the public topic)', true);
    t.ok('early: the log names the move', (await early.locator('#hall-log').innerText()).includes('开标中'), await early.locator('#hall-log').innerText());
    await h.closePage(early);
  });

  const pub = await page(PHONE, 'public viewer (phone, en)', 'en');
  const host = await page(DESKTOP, 'host (desktop, zh)');
  const bp = {};
  // a host page whose stream is cut: the first connection ends at once, the
  // reconnection is held until `release`
  const watch = await page(DESKTOP, 'host, stream cut (desktop, zh)');
  let streamReqs = 0;
  let release = null;
  const held = new Promise((r) => (release = r));
  const ticks = async (p) => p.$$eval('#hall-bids td', (tds) => tds.filter((td) => td.textContent.trim() === '✓').length);
  await h.step('a host page whose stream drops', async () => {
    await watch.route('**/opening/events', async (route) => {
      streamReqs += 1;
      if (streamReqs === 1) return route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store' }, body: 'retry: 100\n\n' });
      if (streamReqs === 2) await held;
      return route.continue();
    });
    await signIn(watch, 'agent');
    await go(watch, `/opening?tender=${id}`);
    await watch.waitForSelector('#hall-host');
    await waitFor('the reconnection', async () => streamReqs >= 2);
    t.eq('watch: nothing signed in yet', await ticks(watch), 0);
  });

  await h.step('everybody enters the hall', async () => {
    await go(pub, `/opening?tender=${id}`);
    await pub.waitForSelector('#hall-phase[data-phase="signin"]');
    await pub.waitForSelector('#hall-live[data-state="open"]');
    t.eq('public: the title is English', await pub.locator('#hall-h').innerText(), 'Opening hall');
    t.ok('public: bidders hidden before the read-out', (await pub.locator('#hall-bids').innerText()).includes('hidden'));
    await signIn(host, 'agent');
    await go(host, `/tender?id=${id}`);
    await host.click('#tender-hall-host');
    await host.waitForSelector('#hall-host #hall-advance[data-from="signin"]');
    await host.waitForSelector('#hall-live[data-state="open"]');
    t.eq('host: the title is Chinese', await host.locator('#hall-h').innerText(), '开标大厅');
    for (const u of ['bidder1', 'bidder2', 'bidder3', 'bidder4', 'bidder5']) {
      bp[u] = await page(u === 'bidder1' ? PHONE : DESKTOP, `${u} hall`);
      await signIn(bp[u], u);
      await go(bp[u], `/opening?tender=${id}`);
      await bp[u].click('#hall-signin');
      await bp[u].waitForSelector('#hall-signed-in');
    }
    t.ok('five bidders signed in', true);
    await pub.waitForSelector('#hall-log [data-event="opening.signin"]');
    t.ok('public: the sign-ins appear live', (await pub.locator('#hall-log [data-event="opening.signin"]').count()) >= 1);
    await h.screenshot(pub, 'opening-public-phone-en-signin.png');
    const hall0 = await call(base, await token(base, 'agent'), 'GET', `/api/tenders/${id}/opening`);
    if (Array.isArray(hall0.lots) && hall0.lots.length) {
      await host.waitForSelector('#hall-lots .hall-lot[data-lot="1"]');
      t.eq('host: the lot\'s count', await host.locator('#hall-lots .hall-lot[data-lot="1"]').getAttribute('data-bidders'), String(hall0.lots[0].bidders));
    } else {
      t.ok('host: per-lot counts (the server gives no lots yet: skipped)', true);
    }
  });

  await h.step('the cut stream reopens: the host page reloads and shows the sign-ins', async () => {
    t.eq('watch: while cut, the sign-ins are not shown', await ticks(watch), 0);
    const opensBefore = Number((await watch.locator('.page-opening').getAttribute('data-opens')) || 0);
    release();
    await waitFor('five sign-ins on the reopened page', async () => (await ticks(watch)) === 5);
    const opens = Number(await watch.locator('.page-opening').getAttribute('data-opens'));
    t.ok('watch: shown after the reopen (reloaded on open, no event needed)', opens > opensBefore, { opens, opensBefore });
    await h.screenshot(watch, 'opening-host-desktop-zh-reopened.png');
    await h.closePage(watch);
  });

  await h.step('a page sent "event: reset" reloads the hall', async () => {
    const rp = await page(PHONE, 'reset viewer (phone, en)', 'en');
    let n = 0;
    await rp.route('**/opening/events', async (route) => {
      n += 1;
      if (n === 1) return route.fulfill({ status: 200, headers: { 'Content-Type': 'text/event-stream' }, body: 'retry: 600000\nevent: reset\ndata: {"reason":"restart"}\n\n' });
      return route.continue();
    });
    await go(rp, `/opening?tender=${id}`);
    await rp.waitForSelector('#hall-log [data-event="reset"]');
    t.ok('reset: the log says the hall was reloaded', (await rp.locator('#hall-log').innerText()).includes('reloaded'));
    await waitFor('loads after the reset', async () => Number((await rp.locator('.page-opening').getAttribute('data-loads')) || 0) >= 2);
    t.ok('reset: the hall was loaded again', true);
    await h.screenshot(rp, 'opening-reset-phone-en.png');
    await h.closePage(rp);
  });

  await h.step('the host starts the decryption window; everyone sees it live', async () => {
    await host.click('#hall-advance');
    await host.waitForSelector('#hall-phase[data-phase="decrypt"]');
    await pub.waitForSelector('#hall-phase[data-phase="decrypt"]');
    await pub.waitForSelector('#hall-log [data-event="opening.phase"]');
    const cd = await pub.locator('#hall-countdown').innerText();
    t.ok('public: the countdown runs on server time (about 30 minutes)', /^(00:)?(29|30):\d\d$|^00:(29|30):\d\d$/.test(cd), cd);
    await bp.bidder1.waitForSelector('#hall-decrypt-1[data-status="pending"]');
  });

  await h.step('bidder1 (phone) unwraps its key in the page from its key file', async () => {
    const p = bp.bidder1;
    await p.setInputFiles('#hall-enc-key-1', keys.bidder1.enc);
    await p.click('#hall-decrypt-file-1');
    await p.waitForSelector('#hall-decrypt-1[data-status="opened"]');
    t.ok('bidder1: opened', true);
    await h.screenshot(p, 'opening-bidder-phone-zh-decrypt.png');
  });

  await h.step('bidder2 pastes K from sunbid unseal --release-key (a wrong one first)', async () => {
    const p = bp.bidder2;
    await p.click('#hall-decrypt-1 summary');
    await p.fill('#hall-k-1', '00'.repeat(32));
    await p.click('#hall-decrypt-k-1');
    const err = p.locator('#hall-decrypt-1 .alert-error');
    await err.waitFor();
    t.eq('a wrong K: 422 opening_wrong_key shown', await err.getAttribute('data-code'), 'opening_wrong_key');
    const blob = path.join(srv.dataDir, 'blobs', sha.bidder2.slice(0, 2), sha.bidder2);
    const k = sunbid(['unseal', '--release-key', '--key', keys.bidder2.enc, blob], 'release-key').trim();
    await p.fill('#hall-k-1', k);
    await p.click('#hall-decrypt-k-1');
    await p.waitForSelector('#hall-decrypt-1[data-status="opened"]');
    t.ok('bidder2: opened with the CLI K', true);
  });

  await h.step('bidder4 (no opening form) is revoked; bidder5 tries a wrong key file', async () => {
    await bp.bidder4.setInputFiles('#hall-enc-key-1', keys.bidder4.enc);
    await bp.bidder4.click('#hall-decrypt-file-1');
    await expect(bp.bidder4, '#hall-decrypt-1[data-status="revoked"]');
    t.ok('bidder4 revoked', true);
    // a wrong key file is refused in the page, nothing posted
    await bp.bidder5.setInputFiles('#hall-enc-key-1', keys.bidder2.enc);
    await bp.bidder5.click('#hall-decrypt-file-1');
    const err = bp.bidder5.locator('#hall-decrypt-1 .alert-error');
    await err.waitFor();
    t.eq('bidder5: another organisation\'s key is refused locally', await err.getAttribute('data-code'), 'wrong_key');
  });

  await h.step('escrow: two officers hand in their shares in the browser; the host opens bidder3 with the key', async () => {
    const before = await host.locator('.hall-escrow-open').count();
    t.eq('host: escrow-open offered for the two pending bids', before, 2);
    const offPages = [];
    for (const u of ['supervisor', 'admin']) {
      const p = await page(u === 'admin' ? PHONE : DESKTOP, `officer ${u}`);
      await signIn(p, u);
      await go(p, `/opening?tender=${id}`);
      await p.waitForSelector('#hall-officer');
      await p.setInputFiles('#hall-officer-key', path.join(srv.dataDir, 'demo-keys', u, 'encrypt.key.pem'));
      await p.click('#hall-share');
      await expect(p, '#hall-officer .alert-ok');
      offPages.push(p);
    }
    const last = await offPages[1].locator('#hall-officer .alert-ok').innerText();
    t.ok('the second share recovers the key', /还原|recovered/.test(last), last);
    const ev = await call(base, null, 'GET', `/api/tenders/${id}/escrow`);
    t.eq('the escrow key is recovered', Boolean(ev.recovered), true);
    await h.screenshot(offPages[1], 'opening-officer-phone-zh.png');
    await host.waitForSelector('#hall-escrow-state[data-recovered="true"]', { timeout: 20_000 });
    t.ok('host: the console shows the key recovered (opening.escrow, or the slow poll)', true);
    await host.click(`.hall-escrow-open[data-org="${keys.bidder3.orgId}"]`);
    await expect(host, '#hall-host .alert-ok');
    await bp.bidder3.waitForSelector('#hall-decrypt-1[data-status="opened"]');
    t.ok('bidder3 opened with the escrow key', true);
    await h.screenshot(host, 'opening-host-desktop-zh-decrypt.png');
  });

  await h.step('the host cannot read out while the window runs; the clock ends it', async () => {
    await host.click('#hall-advance');
    const err = host.locator('#hall-host .alert-error');
    await err.waitFor();
    t.eq('advance during the window: 409 opening_window_open', await err.getAttribute('data-code'), 'opening_window_open');
    await setClock(now + 30 * MIN + 1000);
    await host.click('#hall-advance');
    await host.waitForSelector('#hall-phase[data-phase="readout"]');
    await pub.waitForSelector('#hall-phase[data-phase="readout"]');
    await pub.waitForSelector('#hall-bids table');
    const text = await pub.locator('#hall-bids').innerText();
    t.ok('public read-out: bidder1\'s price as sealed', text.includes('¥9,876,543.00'), text);
    t.ok('public read-out: bidder2\'s price', text.includes('¥9,123,456.00'), text);
    t.ok('public read-out: bidder3\'s price (escrow)', text.includes('¥9,555,555.00'), text);
    t.ok('public read-out: bidder5\'s price never read', !text.includes('8,999,999'), text);
    const statuses = await pub.$$eval('#hall-bids .bid-status', (els) => els.map((e) => e.dataset.status).sort());
    t.eq('three opened, two revoked', statuses, ['opened', 'opened', 'opened', 'revoked', 'revoked']);
    t.ok('the revoked reasons are shown (window, form)', /within the window/.test(text) && /form missing/.test(text), text);
    t.ok('public read-out: the tender\'s read-out field is a column', text.includes('Quality') && text.includes('优良'), text);
    t.ok('public read-out: durations', text.includes('365 days') && text.includes('300 days'), text);
    await h.screenshot(pub, 'opening-public-phone-en-readout.png');
    await h.screenshot(host, 'opening-host-desktop-zh-readout.png');
  });

  await h.step('an objection raised in the hall and answered on the spot', async () => {
    await host.click('#hall-advance');
    await bp.bidder5.waitForSelector('#hall-object-form');
    await bp.bidder5.fill('#hall-objection-body', OBJECTION);
    await bp.bidder5.click('#hall-object');
    await pub.waitForSelector('#hall-log [data-event="opening.objection"]');
    const item = host.locator('.hall-objection[data-open="true"]');
    await item.waitFor();
    const oid = await item.getAttribute('data-id');
    await host.click('#hall-advance');
    const err = host.locator('#hall-host .alert-error');
    await err.waitFor();
    t.eq('advance with an open objection: 409 opening_objections_open', await err.getAttribute('data-code'), 'opening_objections_open');
    await host.fill(`#hall-answer-${oid}`, ANSWER);
    await host.click(`.hall-objection[data-id="${oid}"] .hall-answer-form button`);
    await pub.waitForSelector(`.hall-objection[data-id="${oid}"][data-open="false"]`);
    t.ok('public: the objection and its answer appear live', (await pub.locator('#hall-objections').innerText()).includes(ANSWER));
    await h.screenshot(host, 'opening-host-desktop-zh-objections.png');
  });

  await h.step('the bidders sign the record in the browser; the host seals it', async () => {
    await host.click('#hall-advance');
    await host.waitForSelector('#hall-phase[data-phase="signing"]');
    const hall = await call(base, null, 'GET', `/api/tenders/${id}/opening`);
    t.ok('the hall view names draft_sha256 in phase signing', /^[0-9a-f]{64}$/.test(hall.draft_sha256 || ''), hall.draft_sha256);
    for (const u of ['bidder1', 'bidder2', 'bidder3']) {
      await bp[u].waitForSelector('#hall-sign');
      await bp[u].setInputFiles('#hall-sign-key', keys[u].sign);
      await bp[u].click('#hall-sign');
      await expect(bp[u], '#hall-signed');
    }
    t.ok('three bidders signed', true);
    await host.waitForSelector('#hall-unsigned[data-n="2"]');
    const unsigned = await host.$$eval('#hall-unsigned .hall-unsigned-org', (els) => els.map((e) => Number(e.dataset.org)).sort());
    t.eq('host: bidders 4 and 5 signed in and have not signed', unsigned, [keys.bidder4.orgId, keys.bidder5.orgId].sort());
    await h.screenshot(host, 'opening-host-desktop-zh-signing.png');
    const hallS = await call(base, null, 'GET', `/api/tenders/${id}/opening`);
    if (typeof hallS.signing_end_ms === 'number') {
      // two signed-in bidders have not signed: sealing waits for the signing window
      await host.click('#hall-advance');
      const err = host.locator('#hall-host .alert-error');
      await err.waitFor();
      t.ok('host: sealing refused while signed-in bidders may still sign', Boolean(await err.getAttribute('data-code')), await err.getAttribute('data-code'));
      await setClock(hallS.signing_end_ms + 1000);
    }
    await h.screenshot(bp.bidder1, 'opening-bidder-phone-zh-signing.png');
    await host.click('#hall-advance');
    await host.waitForSelector('#hall-record');
    await pub.waitForSelector('#hall-record-hash');
    const hash = (await pub.locator('#hall-record-hash').innerText()).trim();
    const rec = await call(base, null, 'GET', `/api/tenders/${id}/opening/record`);
    t.eq('public: the sealed record\'s hash, live', hash, rec.record_sha256);
    t.eq('the certificate link', await pub.locator('#hall-certificate').getAttribute('href'), `/api/ledger/certificate?subject=tender&id=${id}`);
    await pub.waitForSelector('#hall-log [data-event="opening.record"]');
    const state = (await call(base, null, 'GET', `/api/tenders/${id}`)).tender.state;
    t.eq('the tender moved to evaluation', state, 'evaluation');
    await h.screenshot(pub, 'opening-public-phone-en-sealed.png');
    await h.screenshot(host, 'opening-host-desktop-zh-sealed.png');
  });

  await h.step('desktop English, phone Chinese; no horizontal scrolling on the phone', async () => {
    const en = await page(DESKTOP, 'public desktop en', 'en');
    await go(en, `/opening?tender=${id}`);
    await en.waitForSelector('#hall-record-hash');
    await h.screenshot(en, 'opening-public-desktop-en-sealed.png');
    const zh = await page(PHONE, 'public phone zh');
    await go(zh, `/opening?tender=${id}`);
    await zh.waitForSelector('#hall-record-hash');
    await h.screenshot(zh, 'opening-public-phone-zh-sealed.png');
    for (const p of [zh, pub, bp.bidder1]) {
      const over = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      t.ok(`${p.label}: no horizontal overflow`, over <= 0, over);
    }
  });
}, { serveArgs: ['--test-clock', String(t0)], serveEnv: { SUNBID_ALLOW_TEST_CLOCK: '1' } });
