// sup_graph.test.mjs — relationship records and the drawn relationship
// graph (docs/supervision.md, "Relationship records and the tender graph").
//
// bidder1 opens its organisation's page (/org, linked from the workspace) and declares a project manager with his registration
// number in the relations card; the record is listed as self-declared. A
// supervisor imports a people.csv (the same manager at bidders 5 and 6) and
// a contacts.csv (one bank account at 4, 5, 6 and, one hop out, at the
// agency 2) in the format of `sunbid graph`. An opening of the demo goods
// purchase with the three bidders is planted into the store (as in
// supervision.test.mjs: the browser harness runs on the real clock). The
// supervisor's evidence view of the tender then shows the L1 flag naming
// the key staff registration and the bank account, and the graph drawn as
// SVG: three ringed bidders, the agency one hop out, a person and a bank
// account key, edges labelled with the role; the linked bidders of lot 1
// listed under it. Desktop in Chinese, phone in English without horizontal
// scrolling; screenshots of both. A bidder gets 403 from the graph API.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { run, DESKTOP, PHONE, pageFetch, settle, DEMO_PASSWORD } from './lib/harness.mjs';

const TENDER = 2; // the demo goods purchase (bidding)

async function apiAs(h, token, method, p, body, type) {
  const headers = { Accept: 'application/json', ...(token ? { Authorization: 'Bearer ' + token } : {}) };
  if (body !== undefined) headers['Content-Type'] = type || 'application/json';
  const r = await fetch(h.url + p, { method, headers, body: body === undefined ? undefined : type ? body : JSON.stringify(body) });
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

// A sealed opening of TENDER with bids of the three demo bidders.
function plantOpening(dataDir) {
  const py = `
import sqlite3, sys, time, hashlib
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1000)
t = ${TENDER}
bids = [(4, 3, 371234500, '203.0.113.9'), (5, 4, 377700000, '198.51.100.8'), (6, 5, 382200000, '198.51.100.7')]
for seq, (org, user, price, ip) in enumerate(bids, 1):
    h = hashlib.sha256(('planted-%d' % org).encode()).hexdigest()
    fp = hashlib.sha256(('cert-%d' % org).encode()).hexdigest()
    cur = db.execute("INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size, suite,"
                     " chain_hash, signer_fp, user_id, remote_addr, submitted_ms, seq)"
                     " VALUES (?, 1, ?, 1, 'submitted', ?, 1000, 'intl', ?, ?, ?, ?, ?, ?)",
                     (t, org, h, h, fp, user, ip, now, seq))
    db.execute("INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status, form, decided_ms)"
               " VALUES (?, ?, 1, ?, 'opened', ?, ?)",
               (cur.lastrowid, t, org, '{"price_fen":%d,"duration_days":30}' % price, now))
db.execute("INSERT INTO opening_halls (tender_id, phase, bidders, min_bids, record, record_hash,"
           " created_ms, updated_ms, version) VALUES (?, 'sealed', 3, 3, '{}', ?, ?, ?, 7)",
           (t, hashlib.sha256(b'{}').hexdigest(), now, now))
db.commit()
`;
  execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db')]);
}

async function noOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

await run('sup_graph', async (h) => {
  const { t } = h;

  await h.step('bidder1 declares its project manager on its organisation page', async () => {
    const page = await h.newPage(DESKTOP, 'bidder1 (desktop)');
    await h.login(page, 'bidder1');
    await page.waitForURL((u) => u.pathname === '/workspace');
    await page.click('main a[href="/org"]');
    await page.waitForURL((u) => u.pathname === '/org');
    const card = page.locator('[data-testid="relations"]');
    await card.waitFor();
    t.eq('the card is for organisation 4', await card.getAttribute('data-org'), '4');
    await page.locator('[data-testid="relations-empty"]').waitFor();
    const form = page.locator('[data-testid="relations-form"]');
    await form.locator('select[name="kind"]').selectOption('key_staff');
    await form.locator('input[name="name"]').fill('陈建');
    await form.locator('input[name="id_number"]').fill('闽1350708001234');
    await form.locator('input[name="role"]').fill('项目经理');
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-testid="relations-list"] tbody tr').first().waitFor();
    const row = await page.locator('[data-testid="relations-list"] tbody tr').first().innerText();
    t.ok('listed as self-declared key staff with the number', row.includes('自行申报') && row.includes('闽1350708001234') && row.includes('陈建'), row);
    t.eq('its own record can be deleted', await page.locator('[data-testid="relations-list"] tbody tr button').count(), 1);
    // a bad record: the field says why
    await form.locator('select[name="kind"]').selectOption('phone');
    await form.locator('input[name="value"]').fill('12');
    await form.locator('button[type="submit"]').click();
    await page.locator('[data-field="value"].has-error').waitFor();
    t.ok('a phone too short is refused on its field', true);
    await h.screenshot(page, 'org-relations-desktop-zh.png');
    const r = await pageFetch(page, `/api/supervision/tenders/${TENDER}/graph`);
    t.eq('a bidder may not read the graph', r.status, 403);
    await h.closePage(page);
  });

  await h.step('a supervisor imports the ring; the opening is sealed', async () => {
    const sup = await token(h, 'supervisor');
    let r = await apiAs(h, sup, 'POST', '/api/supervision/relations/import',
      'org_id,person_id,name,role\n5,闽 135070800-1234,陈建,项目经理\n6,闽1350708001234,陈建,建造师\n', 'text/csv');
    t.eq('people.csv imported', r.body && r.body.added, 2);
    r = await apiAs(h, sup, 'POST', '/api/supervision/relations/import',
      'org_id,kind,value\n4,bank_account,6222 0202 0011 2233 445\n5,银行账号,6222-0202-0011-2233-445\n6,account,6222020200112233445\n2,bank_account,6222020200112233445\n', 'text/csv');
    t.eq('contacts.csv imported', r.body && r.body.added, 4);
    r = await apiAs(h, sup, 'POST', '/api/supervision/relations/import', 'org_id,kind,value\n4,fax machine,1\n', 'text/csv');
    t.ok('a bad file is refused with its code', r.status === 422 && r.body.error.code === 'relations_file_invalid', r.body);
    plantOpening(h.server.dataDir);
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      const x = await apiAs(h, sup, 'GET', `/api/supervision/risks/${TENDER}`);
      ok = x.status === 200;
      if (!ok) await new Promise((res) => setTimeout(res, 200));
    }
    t.ok('the risk watcher assessed the tender', ok);
  });

  await h.step('the evidence: the L1 flag and the drawn graph', async () => {
    const page = await h.newPage(DESKTOP, 'supervisor (desktop)');
    await h.login(page, 'supervisor');
    await page.waitForURL((u) => u.pathname === '/workspace');
    await h.goto(page, `/supervision?tender=${TENDER}`);
    await page.locator('[data-testid="flags"] li').first().waitFor();
    const l1 = await page.$$eval('[data-testid="flags"] li[data-rule="L1"]', (ls) => ls.map((l) => l.innerText));
    t.ok('L1 names the key staff registration, its kind in words', l1.some((x) => x.includes('项目经理/关键人员') && x.includes('1350708001234') && !x.includes('key_staff')), l1);
    t.ok('L1 names the bank account, its holders and sources in words', l1.some((x) => x.includes('银行账号') && x.includes('6222020200112233445') && x.includes('（') && !x.includes('bank_account')), l1);
    const svg = page.locator('[data-testid="rel-graph-svg"]');
    await svg.waitFor();
    const nodes = await page.$$eval('[data-testid="rel-graph-svg"] g[data-node]', (gs) => gs.map((g) => ({ id: g.dataset.node, type: g.dataset.type, ring: g.dataset.ring === '1' })));
    const bidders = nodes.filter((n) => n.type === 'bidder');
    t.eq('three bidders drawn, all ringed', bidders.map((n) => n.id + (n.ring ? '*' : '')).sort(), ['o4*', 'o5*', 'o6*']);
    t.ok('the agency is drawn one hop out', nodes.some((n) => n.id === 'o2' && n.type === 'org'), nodes);
    t.ok('a person key and a bank account key', nodes.some((n) => n.type === 'person') && nodes.some((n) => n.type === 'bank_account'), nodes);
    const labels = await page.$$eval('[data-testid="rel-graph-svg"] text[data-edge-label]', (ts) => ts.map((x) => x.textContent));
    t.ok('edges labelled with the role and the kind', labels.filter((x) => x === '项目经理/关键人员').length === 3 && labels.filter((x) => x === '银行账号').length === 4, labels);
    const linked = await page.locator('[data-testid="rel-graph-linked"]').innerText();
    t.ok('the linked bidders of lot 1', linked.includes('第 1 标段') && linked.includes('海峡建工集团有限公司') && linked.includes('闽江路桥工程有限公司') && linked.includes('榕城市政建设有限公司'), linked);
    const list = await page.locator('[data-testid="rel-graph-links"]').innerText();
    t.ok('the shared keys as text, with their sources', list.includes('自行申报') && list.includes('监管导入'), list);
    await page.locator('[data-testid="rel-graph"]').scrollIntoViewIfNeeded();
    await h.screenshot(page, 'sup-graph-desktop-zh.png');
    await page.locator('[data-testid="rel-graph"]').screenshot({ path: path.join(h.shotsDir, 'sup-graph-card-desktop-zh.png') });
    await h.closePage(page);
  });

  await h.step('phone, English', async () => {
    const page = await h.newPage({ ...PHONE, locale: 'en' }, 'supervisor (phone)');
    await h.login(page, 'supervisor');
    await page.waitForURL((u) => u.pathname === '/workspace');
    await page.evaluate(() => localStorage.setItem('sunbid.lang', 'en'));
    await h.goto(page, `/supervision?tender=${TENDER}`);
    await settle(page);
    await page.locator('[data-testid="rel-graph-svg"]').waitFor();
    const title = await page.locator('#rel-graph-h').innerText();
    t.ok('the card title in the language shown', title === 'Relationship graph' || title === '关系图谱', title);
    const box = await page.locator('[data-testid="rel-graph-svg"]').boundingBox();
    t.ok('the drawing fits the phone', box && box.width <= 375 && box.width > 250, box);
    t.ok('no horizontal scrolling', (await noOverflow(page)) <= 0);
    await page.locator('[data-testid="rel-graph"]').screenshot({ path: path.join(h.shotsDir, 'sup-graph-card-phone.png') });
    await h.closePage(page);
  });
});
