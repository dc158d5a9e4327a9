// bid.test.mjs — sealing a bid in the browser (投标文件加密递交, /bid).
//
// Set-up through the API (bearer tokens): a P-256 test CA (`sunbid ca`) is
// trusted by the admin, bidder1's organisation registers its signing and
// encryption certificates, the agent publishes a tender whose documents are
// out at once, bidder1 registers for it.
//
// In Chromium, bidder1 opens /bid?tender=ID&lot=1, picks its key and
// certificates (PEM files it holds) and two bid files, and presses 加密并递交:
// the page seals the files with WebCrypto (suite intl) and uploads only the
// envelope. The receipt appears, the version list shows it current.
//
// Then the two implementations must agree: the bytes the server stored (the
// blob named by the receipt's SHA-256) are opened by the CLI, `sunbid unseal`
// with the bidder's encryption key, bound to the tender and lot, and give
// back exactly the files the browser was handed; `sunbid verify-receipt`
// accepts the receipt against the platform's published key and that file.
// A wrong key file is refused by the page before anything is uploaded.
//
// The opening form (开标一览表): the tender names bidder,price,duration,quality
// for the read-out; the page draws price, duration and quality inputs,
// refuses a bad price and a missing quality in the page, and seals the
// typed values as opening-form.json (role price-list) in exactly the
// server's canonical form, which `sunbid unseal` gives back. Every request
// the page makes is recorded (page.on('request')): no body carries any
// plaintext — neither the files nor the form's values. The advanced path
// (an attached opening-form.json) is checked the same way: an invalid one
// is refused, none at all needs a confirmation.
// Screenshots: desktop (Chinese), phone (English).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { run, DESKTOP, PHONE, DEMO_PASSWORD } from './lib/harness.mjs';

const BIN = process.env.SUNBID_BIN;
const DAY = 24 * 3600 * 1000;

function sunbid(args, what) {
  const r = spawnSync(BIN, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${what || args[0]} failed (${r.status}): ${r.stdout}${r.stderr}`);
  return r.stdout;
}

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
  if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${text.slice(0, 300)}`);
  return data;
}

async function waitUntil(fn, ms = 10_000) {
  const until = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function token(base, username) {
  const d = await call(base, null, 'POST', '/api/auth/login', { username, password: DEMO_PASSWORD, token: true });
  return d.token;
}

await run('bid', async (h) => {
  const { t } = h;
  const base = h.url;
  const dir = fs.mkdtempSync(path.join(process.env.SUNBID_TEST_TMP || '/tmp', 'bid-browser-'));
  const file = (n) => path.join(dir, n);
  let tenderId = null;
  let code = null;
  let uscc = null;
  let bidder = null;

  await h.step('set-up: CA trusted, certificates registered, tender bidding', async () => {
    const admin = await token(base, 'admin');
    const agent = await token(base, 'agent');
    bidder = await token(base, 'bidder1');
    const me = await call(base, bidder, 'GET', '/api/me');
    uscc = me.user.org.uscc;
    sunbid(['ca', 'init', '--dir', file('ca'), '--alg', 'p256', '--name', 'Browser Test CA'], 'ca init');
    sunbid(['ca', 'issue', '--dir', file('ca'), '--usage', 'sign', '--subject-cn', me.user.org.name, '--uscc', uscc, '--out', file('sign')], 'ca issue');
    sunbid(['ca', 'issue', '--dir', file('ca'), '--usage', 'encrypt', '--subject-cn', me.user.org.name, '--uscc', uscc, '--out', file('enc')], 'ca issue');
    await call(base, admin, 'POST', '/api/trust', fs.readFileSync(file('ca/ca.crt.pem'), 'utf8'), 'application/x-pem-file');
    await call(base, bidder, 'POST', `/api/orgs/${me.user.org.id}/certs`, {
      sign: fs.readFileSync(file('sign.crt.pem'), 'utf8'),
      encrypt: fs.readFileSync(file('enc.crt.pem'), 'utf8'),
    });
    const now = Date.now();
    const created = await call(base, agent, 'POST', '/api/tenders', {
      title: '榕城市第二水厂配水管网工程',
      region: '350100',
      category: 'works',
      publish_at_ms: now,
      doc_start_ms: now,
      doc_end_ms: now + 7 * DAY,
      clarify_deadline_ms: now + 10 * DAY,
      bid_deadline_ms: now + 21 * DAY,
      readout_fields: 'bidder,price,duration,quality',
    });
    tenderId = created.tender.id;
    code = created.tender.code;
    await call(base, agent, 'POST', `/api/tenders/${tenderId}/documents?name=docs.pdf`, '%PDF the documents', 'application/pdf');
    await call(base, agent, 'POST', `/api/tenders/${tenderId}/publish`);
    let state = null;
    for (let i = 0; i < 100 && state !== 'bidding'; i++) {
      state = (await call(base, null, 'GET', `/api/tenders/${tenderId}`)).tender.state;
      if (state !== 'bidding') await new Promise((r) => setTimeout(r, 100));
    }
    t.eq('the tender takes bids', state, 'bidding');
    await call(base, bidder, 'POST', `/api/tenders/${tenderId}/register`);
    // the bid: a Chinese text and a binary of several 64 KiB chunks
    fs.writeFileSync(file('商务标.txt'), '投标报价：人民币壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元整（¥12,345,678.00）\n工期：540 日历天\n');
    const bin = Buffer.alloc(200_000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 31 + 7) & 0xff;
    fs.writeFileSync(file('technical.bin'), bin);
    fs.writeFileSync(file('not-a-key.pem'), 'hello');
  });

  let sha = null;
  const FORM = '{"duration_days":540,"price_fen":1234567890,"quality":"合格（优良）"}';
  const bodies = []; // every request the bid pages sent: {method, url, body}
  // Chromium does not show a Blob body to page.on('request'): the page's
  // fetch is wrapped too, keeping a copy of each body it is handed.
  const wrapFetch = (page) =>
    page.addInitScript(() => {
      const orig = window.fetch.bind(window);
      window.__sent = [];
      window.fetch = async (url, o) => {
        if (o && o.body !== undefined && o.body !== null) {
          const b = o.body instanceof Blob ? new Uint8Array(await o.body.arrayBuffer()) : new TextEncoder().encode(String(o.body));
          let s = '';
          for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
          window.__sent.push({ method: (o.method || 'GET').toUpperCase(), url: String(url), b64: btoa(s) });
        }
        return orig(url, o);
      };
    });
  const fetched = async (page) => (await page.evaluate(() => window.__sent || [])).map((x) => ({ method: x.method, url: x.url, body: Buffer.from(x.b64, 'base64') }));
  const record = (page) =>
    page.on('request', (r) => {
      let body = null;
      try {
        body = r.postDataBuffer();
      } catch {
        body = null;
      }
      bodies.push({ method: r.method(), url: r.url(), body });
    });
  await h.step('the bidder seals and submits in the browser', async () => {
    const page = await h.newPage(DESKTOP, 'bid (desktop)');
    record(page);
    await wrapFetch(page);
    await h.login(page, 'bidder1');
    await page.waitForSelector('[data-testid="user-name"]');
    await h.goto(page, `/bid?tender=${tenderId}&lot=1`);
    await page.waitForSelector('#bid-code');
    t.eq('the page names the tender', await page.locator('#bid-code').innerText(), code);
    t.eq('the title is Chinese', await page.locator('#bid-h').innerText(), '投标文件加密递交');
    // the opening form: the tender's read-out fields as inputs
    await page.waitForSelector('#bid-openform[data-fields="price_fen,duration_days,quality"]');
    t.ok('the form asks for price, duration and the tender\'s quality field', true);
    await page.setInputFiles('#bid-sign-key', file('not-a-key.pem'));
    await page.setInputFiles('#bid-sign-cert', file('sign.crt.pem'));
    await page.setInputFiles('#bid-enc-cert', file('enc.crt.pem'));
    await page.setInputFiles('#bid-file-commercial', file('商务标.txt'));
    await page.setInputFiles('#bid-file-technical', file('technical.bin'));
    // a price with three decimals and no quality: refused in the page
    await page.fill('#bid-rf-price_fen', '12,345,678.901');
    await page.fill('#bid-rf-duration_days', '540');
    await page.click('#bid-submit');
    await page.waitForSelector('#bid-rf-price_fen[aria-invalid="true"]');
    t.ok('a price finer than the fen is refused', true);
    t.eq('a missing read-out field is refused', await page.getAttribute('#bid-rf-quality', 'aria-invalid'), 'true');
    t.ok('the page says what to fix', (await page.locator('#bid-form > .alert').innerText()).includes('开标一览表'));
    await h.screenshot(page, 'bid-desktop-zh-form-errors.png');
    await page.fill('#bid-rf-price_fen', '¥12,345,678.9');
    await page.fill('#bid-rf-quality', '合格（优良）');
    // a wrong key file: refused in the page, nothing uploaded
    await page.click('#bid-submit');
    const alert = page.locator('#bid-form .alert');
    await alert.waitFor({ state: 'visible' });
    t.ok('a bad key is refused before upload', (await alert.innerText()).includes('加密失败'), await alert.innerText());
    const before = await call(base, bidder, 'GET', `/api/tenders/${tenderId}/bids`);
    t.eq('nothing was submitted', before.bids.length, 0);
    // the real key
    await page.setInputFiles('#bid-sign-key', file('sign.key.pem'));
    await page.click('#bid-submit');
    await page.locator('#bid-receipt').waitFor({ state: 'visible', timeout: 30_000 });
    const receipt = await page.locator('#bid-receipt-text').innerText();
    t.ok('the receipt names the tender', receipt.includes(`tender: ${code}`), receipt);
    t.ok('the receipt names the bidder', receipt.includes(`bidder: ${uscc}`), receipt);
    t.ok('the receipt says suite intl', receipt.includes('suite: intl'), receipt);
    sha = await page.locator('.page-bid').getAttribute('data-sha256');
    t.ok('the receipt names the SHA-256 the page computed', receipt.includes(`sha256: ${sha}`), { receipt, sha });
    await page.locator('#bid-mine [data-state="submitted"]').waitFor();
    t.ok('the version list shows it current', (await page.locator('#bid-mine').innerText()).includes('有效'));
    t.ok('the sealed copy can be saved', await page.locator('#bid-envelope-download').isVisible());
    t.eq('the page sealed the typed form', await page.locator('.page-bid').getAttribute('data-form'), 'typed');
    bodies.push(...(await fetched(page)));
    await h.screenshot(page, 'bid-desktop-zh.png');
    await h.checkClean(page);
  });

  await h.step('the CLI opens what the browser sealed', async () => {
    const blob = path.join(h.server.dataDir, 'blobs', sha.slice(0, 2), sha);
    t.ok('the server stored the envelope as a blob', fs.existsSync(blob), blob);
    fs.copyFileSync(blob, file('stored.sbe'));
    const out = file('opened');
    fs.mkdirSync(out);
    sunbid(
      ['unseal', '--key', file('enc.key.pem'), '--expect-tender', code, '--expect-lot', '1', '--expect-signer', file('sign.crt.pem'), '--out-dir', out, file('stored.sbe')],
      'unseal',
    );
    t.ok('the commercial part comes back byte for byte', fs.readFileSync(path.join(out, '商务标.txt')).equals(fs.readFileSync(file('商务标.txt'))));
    t.ok('the technical part comes back byte for byte', fs.readFileSync(path.join(out, 'technical.bin')).equals(fs.readFileSync(file('technical.bin'))));
    const form = path.join(out, 'opening-form.json');
    t.ok('the envelope holds opening-form.json', fs.existsSync(form));
    t.eq('opening-form.json is exactly the canonical form of what was typed', fs.readFileSync(form, 'utf8'), FORM);
    const listing = sunbid(['unseal', '--inspect', file('stored.sbe')], 'unseal --inspect');
    t.ok('opening-form.json is sealed with role price-list', /price-list/.test(listing), listing);
    // no request body carried plaintext: files, form, typed values
    const secrets = [
      ['the commercial file', fs.readFileSync(file('商务标.txt'))],
      ['the technical file', fs.readFileSync(file('technical.bin')).subarray(70_000, 70_064)],
      ['the form', Buffer.from(FORM)],
      ['the price', Buffer.from('1234567890')],
      ['the quality', Buffer.from('合格（优良）')],
      ['a form key', Buffer.from('price_fen')],
    ];
    const sent = bodies.filter((b) => b.body && b.body.length);
    const put = sent.find((b) => b.method === 'PUT' && /\/bid$/.test(b.url) && b.body.length > 1000);
    t.ok('the envelope upload was seen with its body', Boolean(put) && put.body.length === fs.statSync(blob).size, put ? put.body.length : null);
    for (const [what, bytes] of secrets) {
      const leak = sent.find((b) => b.body.includes(bytes));
      t.ok(`no request body carries ${what}`, !leak, leak ? leak.method + ' ' + leak.url : null);
    }
    // the receipt checks offline against the published key and the file
    const mine = await call(base, bidder, 'GET', `/api/tenders/${tenderId}/bids`);
    const keys = await call(base, null, 'GET', '/api/receipt-keys');
    fs.writeFileSync(file('platform.pem'), keys.items[0].public_key);
    fs.writeFileSync(file('receipt.json'), JSON.stringify({ receipt: mine.receipts[0] }));
    const v = spawnSync(BIN, ['verify-receipt', '--key', file('platform.pem'), '--envelope', file('stored.sbe'), file('receipt.json')], { encoding: 'utf8' });
    t.eq('verify-receipt accepts the receipt and the envelope', v.status, 0);
    const inspect = sunbid(['unseal', '--inspect', file('stored.sbe')], 'unseal --inspect');
    t.ok('the envelope is intl', /intl/.test(inspect), inspect);
  });

  await h.step('phone, English', async () => {
    const page = await h.newPage(PHONE, 'bid (phone)');
    await h.login(page, 'bidder1');
    await page.waitForSelector('[data-testid="user-name"]', { state: 'attached' });
    await page.click('#lang-switch').catch(async () => {
      await page.click('.menu-toggle');
      await page.click('#lang-switch');
    });
    await h.goto(page, `/bid?tender=${tenderId}&lot=1`);
    await page.locator('#bid-mine [data-state="submitted"]').waitFor();
    t.eq('the title is English', await page.locator('#bid-h').innerText(), 'Seal and submit a bid');
    await page.waitForSelector('#bid-rf-quality');
    t.ok('the form is in English', (await page.locator('#bid-openform').innerText()).includes('Bid price (yuan)'));
    await h.screenshot(page, 'bid-phone-en.png');
    // advanced: an attached opening-form.json is checked the same way
    record(page);
    const before = (await call(base, bidder, 'GET', `/api/tenders/${tenderId}/bids`)).bids.length;
    await page.setInputFiles('#bid-sign-key', file('sign.key.pem'));
    await page.setInputFiles('#bid-sign-cert', file('sign.crt.pem'));
    await page.setInputFiles('#bid-enc-cert', file('enc.crt.pem'));
    await page.check('#bid-form-manual');
    t.ok('advanced: the typed form is put aside', await page.locator('#bid-openform-fields').isHidden());
    await page.setInputFiles('#bid-file-price-list', { name: 'opening-form.json', mimeType: 'application/json', buffer: Buffer.from('{"price_fen":12.5}') });
    await page.click('#bid-submit');
    const alert = page.locator('#bid-form > .alert');
    await alert.waitFor({ state: 'visible' });
    t.ok('advanced: an invalid attached form is refused', (await alert.innerText()).includes('price_fen'), await alert.innerText());
    await h.screenshot(page, 'bid-phone-en-attached-bad.png');
    // none at all: the bidder must confirm; dismissed, nothing is sent
    await page.setInputFiles('#bid-file-price-list', []);
    await page.setInputFiles('#bid-file-commercial', file('商务标.txt'));
    let asked = null;
    page.once('dialog', (d) => {
      asked = d.message();
      d.dismiss();
    });
    await page.click('#bid-submit');
    await waitUntil(() => asked !== null);
    t.ok('advanced without a form: the page warns of the revocation', /revoked/.test(asked), asked);
    const after = (await call(base, bidder, 'GET', `/api/tenders/${tenderId}/bids`)).bids.length;
    t.eq('advanced: nothing was submitted', after, before);
  });

  await h.step('another bidder sees nothing of it', async () => {
    const other = await token(base, 'bidder2');
    const d = await call(base, other, 'GET', `/api/tenders/${tenderId}/bids`);
    t.eq('bidder2 lists no bid', d.bids.length, 0);
    const r = await fetch(`${base}/api/tenders/${tenderId}/bids`, { headers: { Authorization: 'Bearer ' + (await token(base, 'agent')) } });
    t.eq('the agent may not list bids', r.status, 403);
  });
});
