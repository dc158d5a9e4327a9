// ledger.test.mjs — the public witness-log page (数字见证, /ledger).
//
// Signed out, the page is in the navigation and shows the latest signed
// checkpoint and the log's keys. The admin then creates an organisation
// (POST /api/orgs with the CSRF token), which appends an "org.create" entry;
// once a checkpoint covers it, the public page lists the entry with its
// decoded canonical JSON, and "验证存证" verifies its inclusion proof in the
// browser (WebCrypto SHA-256, RFC 9162 §2.1.3.2) against the checkpoint's
// root: ✓. A tampered proof hash must not lead to the same root (checked with
// the page's own verifier). A private entry (the demo's user.create) is
// listed without its bytes ("public": false from the API), says so, and
// its leaf hash alone still verifies. An entry's witness certificate (file
// and PDF) is linked; pasted into the page's checker it passes both the
// server's checks and the browser's own (Ed25519 signature, entry hash,
// inclusion), and an uploaded tampered copy fails both, on the entry.
// Desktop and phone, Chinese and English.

import { run, DESKTOP, PHONE, navIds, pageFetch, settle, makeUscc } from './lib/harness.mjs';

const stamp = Date.now() % 1_000_000_000;
const ORG = {
  name: `闽江见证测试有限公司${stamp % 10000}`,
  uscc: makeUscc(stamp + 17),
  legal_rep: '王见证',
  contact_name: '李存证',
  contact_phone: '0591-87650000',
  contact_email: 'witness@example.cn',
  address: '福建省福州市鼓楼区五四路 200 号',
};

const text = (page, sel) => page.locator(sel).first().innerText();

// Polls the public API until a checkpoint covers an org.create entry for orgId.
async function findEntry(page, orgId) {
  return page.evaluate(async (id) => {
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const r = await fetch('/api/ledger/checkpoint', { cache: 'no-store' });
      if (r.ok) {
        const size = Number.parseInt((await r.text()).split('\n')[1], 10);
        for (let end = size; end > 0; end -= 256) {
          const e = await (await fetch(`/api/ledger/entries?start=${Math.max(0, end - 256)}&end=${end}`)).json();
          for (const x of e.entries || []) {
            if (!x.entry) continue;
            const bin = atob(x.entry);
            const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
            const o = JSON.parse(new TextDecoder().decode(bytes));
            if (o.type === 'org.create' && o.subject && o.subject.id === id) return { index: x.index, size };
          }
        }
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    return null;
  }, orgId);
}

async function verifyEntry(t, page, index, label) {
  const li = page.locator(`li.ledger-entry[data-index="${index}"]`);
  await li.waitFor({ state: 'visible' });
  t.ok(`${label}: the entry shows its type org.create`, (await li.locator('.entry-type').innerText()) === 'org.create');
  await li.locator('.verify-btn').click();
  const res = li.locator('.verify-result .alert');
  await res.waitFor({ state: 'visible' });
  t.eq(`${label}: inclusion verified in the browser`, await res.getAttribute('data-ok'), 'true');
  t.ok(`${label}: the result starts with ✓`, (await res.innerText()).startsWith('✓'), await res.innerText());
  return li;
}

await run('ledger', async (h) => {
  const { t } = h;
  let orgId = null;
  let found = null;

  await h.step('public: the page is in the navigation and shows the checkpoint', async () => {
    const page = await h.newPage(DESKTOP, 'ledger (anonymous)');
    await h.goto(page, '/');
    t.ok('public: nav has the witness log', (await navIds(page)).includes('ledger'));
    t.eq('public: nav label is 数字见证', await text(page, '[data-nav="ledger"]'), '数字见证');
    await page.click('[data-nav="ledger"]');
    await page.waitForURL((u) => u.pathname === '/ledger');
    await settle(page);
    t.eq('public: h1 is 数字见证', await text(page, 'main h1'), '数字见证');
    t.eq('public: nav marks it current', await page.getAttribute('[data-nav="ledger"]', 'aria-current'), 'page');
    await page.waitForSelector('#cp-size, #cp-none');
    const raw = await page.evaluate(async () => (await fetch('/api/ledger/checkpoint')).text());
    const size = Number.parseInt(raw.split('\n')[1], 10);
    if (await page.locator('#cp-size').count()) {
      t.eq('public: the checkpoint size matches the API', Number(await text(page, '#cp-size')), size);
      t.eq('public: the origin is shown', await text(page, '#cp-origin'), raw.split('\n')[0]);
      t.eq('public: the root hash is shown', await text(page, '#cp-root'), raw.split('\n')[2]);
      t.eq('public: the raw checkpoint is shown', await page.locator('#cp-raw').textContent(), raw);
    } else t.ok('public: no checkpoint yet is said', true);
    const key = await pageFetch(page, '/api/ledger/key');
    t.eq('public: GET /api/ledger/key is 200', key.status, 200);
    t.eq('public: the hash algorithm is shown', await text(page, '#key-hash'), key.body.hash);
    const note = await text(page, '#ledger-note');
    t.ok('public: the page says the check runs in the browser', note.includes('浏览器中运行'));
    t.ok('public: ... and that the signature is not checked in the browser', note.includes('不在浏览器中验证该签名'));
    await h.closePage(page);
  });

  await h.step('admin creates an organisation → an org.create entry', async () => {
    const page = await h.newPage(DESKTOP, 'admin');
    await h.login(page, 'admin');
    await page.waitForURL((u) => u.pathname === '/workspace');
    const r = await page.evaluate(async (org) => {
      const me = await (await fetch('/api/me')).json();
      const res = await fetch('/api/orgs', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: JSON.stringify(org),
      });
      return { status: res.status, body: await res.json().catch(() => null) };
    }, ORG);
    t.ok('admin: POST /api/orgs succeeds', r.status === 201 || r.status === 200, r);
    orgId = r.body && (r.body.id ?? (r.body.org && r.body.org.id));
    t.ok('admin: the new organisation has an id', Number.isInteger(orgId), r.body);
    found = await findEntry(page, orgId);
    t.ok('admin: a signed checkpoint covers the org.create entry', Boolean(found), found);
    await h.closePage(page);
  });

  await h.step('public: verify inclusion, desktop zh + en', async () => {
    if (!found) return;
    const page = await h.newPage(DESKTOP, 'ledger desktop');
    await h.goto(page, '/ledger');
    await page.reload({ waitUntil: 'domcontentloaded' });
    await page.waitForSelector('html[data-ready="true"]');
    await settle(page);
    const size = Number(await text(page, '#cp-size'));
    t.ok('desktop: the checkpoint covers the entry', size > found.index, { size, found });
    const li = await verifyEntry(t, page, found.index, 'desktop zh');
    const body = await li.innerText();
    t.ok('desktop: the entry shows the actor admin', body.includes('admin'));
    t.ok('desktop: the entry shows the subject 机构 #id', body.includes('机构 #' + orgId), body);
    t.ok('desktop: the entry names the event 创建机构', body.includes('创建机构'));
    t.ok('desktop: the entry time is labelled Beijing time', body.includes('北京时间'));
    // The verifier rejects a proof with one hash changed.
    const tamper = await page.evaluate(
      async ({ index, size }) => {
        const m = await import('/pages/ledger.js');
        const cpText = await (await fetch('/api/ledger/checkpoint')).text();
        const cp = m.parseCheckpoint(cpText);
        const b = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
        const e = (await (await fetch(`/api/ledger/entries?start=${index}&end=${index + 1}`)).json()).entries[0];
        const p = await (await fetch(`/api/ledger/proof/inclusion?index=${index}&size=${cp.size}`)).json();
        const entry = b(e.entry);
        const leaf = new Uint8Array(await crypto.subtle.digest('SHA-256', Uint8Array.of(0, ...entry)));
        const path = p.hashes.map(b);
        const eq = (x, y) => !!x && x.length === y.length && x.every((v, i) => v === y[i]);
        const good = eq(await m.rootFromInclusion(index, cp.size, leaf, path), cp.root);
        let bad = null;
        if (path.length) {
          path[0][0] ^= 1;
          bad = eq(await m.rootFromInclusion(index, cp.size, leaf, path), cp.root);
        }
        const wrongIndex = cp.size > 1 ? eq(await m.rootFromInclusion((index + 1) % cp.size, cp.size, leaf, p.hashes.map(b)), cp.root) : null;
        return { good, bad, wrongIndex, n: path.length, size };
      },
      found,
    );
    t.ok('verifier: the real proof verifies', tamper.good, tamper);
    if (tamper.bad !== null) t.ok('verifier: a proof with one flipped bit fails', tamper.bad === false, tamper);
    if (tamper.wrongIndex !== null) t.ok('verifier: the proof for another index fails', tamper.wrongIndex === false, tamper);
    await h.screenshot(page, 'ledger-desktop-zh.png');

    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await settle(page);
    t.eq('en: h1 is Witness log', await text(page, 'main h1'), 'Witness log');
    t.eq('en: nav label', await text(page, '[data-nav="ledger"]'), 'Witness log');
    t.ok('en: the note says it runs in the browser', (await text(page, '#ledger-note')).includes('runs in your browser'));
    await verifyEntry(t, page, found.index, 'desktop en');
    t.ok('en: the result is in English', (await text(page, `li.ledger-entry[data-index="${found.index}"] .verify-result`)).includes('Verified'));
    await h.screenshot(page, 'ledger-desktop-en.png');
    await h.closePage(page);
  });

  await h.step('public: a withheld (private) entry shows its hash and verifies', async () => {
    if (!found) return;
    const page = await h.newPage(DESKTOP, 'ledger withheld');
    await h.goto(page, '/ledger');
    await page.waitForSelector('#cp-size');
    const priv = await page.evaluate(async () => {
      const size = Number.parseInt((await (await fetch('/api/ledger/checkpoint')).text()).split('\n')[1], 10);
      const e = await (await fetch(`/api/ledger/entries?start=${Math.max(0, size - 20)}&end=${size}`)).json();
      const x = (e.entries || []).find((y) => y.public === false);
      return x ? { index: x.index, hasEntry: 'entry' in x, leaf: x.leaf_hash } : null;
    });
    t.ok('withheld: the API lists a private entry among the newest 20', Boolean(priv), priv);
    if (!priv) return;
    t.ok('withheld: the API gives the public no bytes for it', priv.hasEntry === false, priv);
    const li = page.locator(`li.ledger-entry[data-index="${priv.index}"]`);
    await li.waitFor({ state: 'visible' });
    t.ok('withheld: the page says the content is not public', (await li.innerText()).includes('内容不公开'));
    await li.locator('.verify-btn').click();
    const res = li.locator('.verify-result .alert');
    await res.waitFor({ state: 'visible' });
    t.eq('withheld: its leaf hash verifies in the browser', await res.getAttribute('data-ok'), 'true');
    await h.closePage(page);
  });

  await h.step('public: a witness certificate checked on the page, and a tampered one refused', async () => {
    if (!found) return;
    const page = await h.newPage(DESKTOP, 'ledger certificate');
    await h.goto(page, '/ledger');
    await page.waitForSelector('#cp-size');
    const li = page.locator(`li.ledger-entry[data-index="${found.index}"]`);
    await li.waitFor({ state: 'visible' });
    const hrefs = await li.evaluate((el) => [...el.querySelectorAll('.cert-links a')].map((a) => a.getAttribute('href')));
    t.ok('cert: the entry links its certificate file and PDF', hrefs.length === 2 && hrefs[1].includes('format=pdf'), hrefs);
    const got = await page.evaluate(async (links) => {
      const f = await fetch(links[0]);
      const p = await fetch(links[1]);
      const pdf = new Uint8Array(await p.arrayBuffer());
      return { file: await f.text(), pdfType: p.headers.get('Content-Type'), pdfHead: String.fromCharCode(...pdf.slice(0, 5)) };
    }, hrefs);
    t.eq('cert: the PDF link serves a PDF', got.pdfHead, '%PDF-');
    const cert = JSON.parse(got.file);
    t.eq('cert: the file is a v1 certificate', cert.format, 'sunbid-witness-certificate/v1');

    // Paste the real certificate: both the server and the browser pass it.
    await page.fill('#cert-text', got.file);
    await page.click('#cert-verify');
    const verdict = page.locator('#cert-verdict');
    await verdict.waitFor({ state: 'visible' });
    t.eq('cert: a real certificate is valid', await verdict.getAttribute('data-ok'), 'true');
    const rows = async (id) => page.$$eval(`#${id}-findings tbody tr`, (trs) => trs.map((tr) => [tr.dataset.code, tr.dataset.status]));
    const server = await rows('cert-server');
    const browser = await rows('cert-browser');
    t.ok('cert: the server passed its inclusion check', server.some(([c, st]) => c === 'inclusion' && st === 'pass'), server);
    t.ok('cert: the browser checked the Ed25519 signature itself', browser.some(([c, st]) => c === 'checkpoint' && st === 'pass'), browser);
    t.ok('cert: the browser checked the inclusion itself', browser.some(([c, st]) => c === 'inclusion' && st === 'pass'), browser);
    t.ok('cert: nothing failed', !server.concat(browser).some(([, st]) => st === 'fail'), { server, browser });
    await verdict.scrollIntoViewIfNeeded();
    await h.screenshot(page, 'ledger-certificate-ok.png', { fullPage: false });

    // Upload a tampered file (one byte of the entry changed): both refuse it.
    const e0 = cert.entries[0];
    const bytes = Uint8Array.from(atob(e0.entry), (c) => c.charCodeAt(0));
    bytes[bytes.length - 2] ^= 0x01;
    e0.entry = btoa(String.fromCharCode(...bytes));
    await page.fill('#cert-text', '');
    await page.setInputFiles('#cert-file', { name: 'tampered.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(cert)) });
    await page.waitForFunction(() => document.querySelector('#cert-text').value.length > 0);
    await page.click('#cert-verify');
    await page.waitForFunction(() => document.querySelector('#cert-verdict') && document.querySelector('#cert-verdict').dataset.ok === 'false');
    const server2 = await rows('cert-server');
    const browser2 = await rows('cert-browser');
    t.ok('tampered: the server names the entry check as failed', server2.some(([c, st]) => c === 'entry' && st === 'fail'), server2);
    t.ok('tampered: the browser finds the entry hash wrong too', browser2.some(([c, st]) => c === 'entry' && st === 'fail'), browser2);
    await h.screenshot(page, 'ledger-certificate-bad.png', { fullPage: false });

    // Not JSON at all: a clear message, no request.
    await page.fill('#cert-text', 'not a certificate');
    await page.click('#cert-verify');
    await page.locator('#cert-error').waitFor({ state: 'visible' });
    t.ok('junk: says it is not a JSON certificate', (await text(page, '#cert-error')).includes('JSON'));
    await h.closePage(page);
  });

  await h.step('public: phone zh + en', async () => {
    if (!found) return;
    const page = await h.newPage(PHONE, 'ledger phone');
    await h.goto(page, '/ledger');
    await page.waitForSelector('#cp-size');
    const li = await verifyEntry(t, page, found.index, 'phone zh');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('phone: no horizontal scrolling', overflow <= 0, overflow);
    await h.screenshot(page, 'ledger-phone-zh.png');
    await li.scrollIntoViewIfNeeded();
    await h.screenshot(page, 'ledger-phone-zh-entry.png', { fullPage: false });
    await page.click('.menu-toggle');
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await settle(page);
    await verifyEntry(t, page, found.index, 'phone en');
    const overflowEn = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('phone en: no horizontal scrolling', overflowEn <= 0, overflowEn);
    await h.screenshot(page, 'ledger-phone-en.png');
    await h.closePage(page);
  });
});
