// supervision.test.mjs — the supervisor's dashboard (监管工作台, docs/supervision.md).
//
// The supervisor opens /supervision (in the navigation for supervisors
// only): no warnings yet, the live stream connected. Then an opening is
// sealed for the demo goods purchase with two bidders at the same price
// uploading from one address. The browser harness runs the server on the
// real clock, so the hall cannot be walked to its end here: its rows are
// planted into the store (python3's sqlite3, as an opening would leave
// them; the walk through the real hall is tests/integration/test_supervision.c).
// From there everything is the real thing: the risk watcher computes the
// flags and the warning arrives live on the page; the evidence shows the
// bids plotted (the two identical prices in red), the flags with their rules
// and evidence, the shared address marked; a lead is opened from it, a note
// and a file attached, the lead transferred to a named body and closed,
// the evidence package downloaded (a ZIP); an uploaded expert-scores file
// shows the favouring expert with its cases. English switch; phone 375 px
// without horizontal scrolling; a bidder is refused page and API.
//
// The bid document similarity and the expert patterns read what the server
// stored: a similarity result (the real computation from sealed envelopes
// is tests/integration/test_supervision_sim.c) is planted for the tender,
// and ten finished evaluations in which one demo expert scores one firm 12
// points above the panel; the evidence then shows the shared passages side
// by side (both documents, the passage marked in its context, the rare
// string flagged) and the shared author, and the expert-patterns card the
// flagged expert and firm by name with their ten cases.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { run, DESKTOP, PHONE, pageFetch, settle, navIds } from './lib/harness.mjs';

const TENDER = 2; // the demo goods purchase (bidding)

async function login(h, page, user) {
  await h.login(page, user);
  await page.waitForURL((u) => u.pathname === '/workspace');
  await settle(page);
}

// Writes a sealed opening of TENDER into the live store (WAL: the server
// keeps running): bids of the three demo bidders, 4 and 5 at one price and
// from one address, the hall sealed.
function plantOpening(dataDir) {
  const py = `
import sqlite3, sys, time, hashlib
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1000)
t = ${TENDER}
bids = [(4, 3, 371234500, '203.0.113.9'), (5, 4, 371234500, '203.0.113.9'), (6, 5, 375555500, '198.51.100.7')]
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

// Writes a similarity result for TENDER as domain/risk_sim.c stores it:
// two bidders' documents share two passages (the first rare), and their
// author; the third bidder's document is clean.
const PASSAGE = '本项目施工组织设计采用流水作业法，项目经理部下设五个职能部门，其中质量安全部由总工程师直接领导，每周组织一次安全检查并形成书面记录归档，安全帽统一采用橘黄色并编号管理。';
const COMMON = '投标人承诺严格遵守国家有关法律法规及招标文件的全部要求，按期保质完成本项目全部工作内容。';
function plantSimilarity(dataDir) {
  const enc = (s) => Buffer.byteLength(s);
  const side = (before, text, after) => ({ start: enc(before), end: enc(before) + enc(text), before, text, truncated: false, after });
  const doc = (i, org, name, fmt, author) => ({ i, bid_id: i + 1, org_id: org, org_name: ['海峡建工集团有限公司', '闽江路桥工程有限公司', '榕城市政建设有限公司'][org - 4], lot_no: 1, name, format: fmt, error: null, text_bytes: 40000,
    meta: { author, last_modified_by: null, company: null, application: fmt === 'docx' ? 'Microsoft Office Word 16.0000' : 'WPS 文字', producer: null, template: null, rsid_root: null, pdf_id: null, created: '2026-11-20T08:00:00Z', modified: null } });
  const sim = {
    version: 1, tender_id: TENDER, basis_version: 7, computed_ms: Date.now(), status: 'done', reason: null,
    params: { shingle: 8, min_passage: 50, min_chars: 100, rare: 0.5 },
    templates: [{ name: '招标文件.pdf', version: 1, format: 'pdf', error: null, text_bytes: 52000 }],
    bids: [4, 5, 6].map((o, i) => ({ bid_id: i + 1, org_id: o, org_name: '', lot_no: 1, status: 'read', reason: null, documents: 1 })),
    documents: [doc(0, 4, '技术标.docx', 'docx', '王工'), doc(1, 5, '技术标.pdf', 'pdf', '王工'), doc(2, 6, '施工组织设计.docx', 'docx', 'Administrator')],
    pairs: [{ a: 0, b: 1, same_lot: true, jaccard: 0.21, containment_a: 0.3, containment_b: 0.28, weight: 310.5, passages_found: 2, shared_chars: 130, flagged: true,
      passages: [
        { chars: 84, min_df: 2, weight: 260.1, rarity: 0.97, rare: true, in_a: side('第三章 施工组织设计。', PASSAGE, '第四章 进度计划。'), in_b: side('二、施工方案概述：', PASSAGE, '三、质量保证措施') },
        { chars: 46, min_df: 3, weight: 50.4, rarity: 0.31, rare: false, in_a: side('第一章 投标函。', COMMON, '法定代表人签字：'), in_b: side('投标承诺：', COMMON, '（盖章）') },
      ] }],
    metadata: [{ field: 'author', value: '王工', orgs: 2, documents: [0, 1] }, { field: 'created', value: '2026-11-20T08:00:00Z', orgs: 3, documents: [0, 1, 2] }],
    stats: { documents: 3, analysed: 3, candidates: 3, similar_pairs: 1, text_bytes: 120000 },
  };
  const py = `
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30)
db.execute("INSERT OR REPLACE INTO tender_similarity (tender_id, basis_version, status, pairs, result, computed_ms) VALUES (?, 7, 'done', 1, ?, ?)",
           (${TENDER}, sys.argv[2], int(time.time() * 1000)))
db.commit()
`;
  execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db'), JSON.stringify(sim)]);
}

// Ten finished evaluations (copies of the demo's first tender) scored by
// four demo experts for the three demo bidders; the second expert scores
// 闽江路桥 (org 5) 12 points above the others.
function plantEvaluations(dataDir) {
  const py = `
import sqlite3, sys, time, random
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1000)
rnd = random.Random(5)
cols = [r[1] for r in db.execute("PRAGMA table_info(tenders)") if r[1] != 'id']
experts = db.execute("SELECT id, name FROM experts ORDER BY id LIMIT 4").fetchall()
for k in range(10):
    row = dict(zip(cols, db.execute("SELECT " + ",".join(cols) + " FROM tenders WHERE id = 1").fetchone()))
    row.update(code='350100-GC-2025-%05d' % (900 + k), code_year=2025, code_seq=900 + k, title='历史项目 %d 号' % (k + 1), state='evaluation')
    cur = db.execute("INSERT INTO tenders (" + ",".join(cols) + ") VALUES (" + ",".join("?" * len(cols)) + ")", [row[c] for c in cols])
    t = cur.lastrowid
    db.execute("INSERT INTO evaluations (tender_id, phase, method, template, template_sha, bidders, created_ms, updated_ms)"
               " VALUES (?, 'awarded', 'comprehensive', '{}', 'x', '[]', ?, ?)", (t, now, now))
    for e, (xid, xname) in enumerate(experts):
        m = db.execute("INSERT INTO committee_members (tender_id, kind, expert_id, name, added_ms) VALUES (?, 'expert', ?, ?, ?)",
                       (t, xid, xname, now)).lastrowid
        for f, org in enumerate((4, 5, 6)):
            score = 70 + 5 * f + rnd.uniform(-3, 3) + (12 if e == 1 and org == 5 else 0)
            db.execute("INSERT INTO evaluation_entries (tender_id, member_id, org_id, item, value, updated_ms) VALUES (?, ?, ?, 's:T1', ?, ?)",
                       (t, m, org, int(round(score * 100)), now))
db.commit()
print(experts[1][1])
`;
  return execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db')]).toString().trim();
}

function scoresCsv() {
  const rows = ['tender_id,expert_id,firm_id,score'];
  let seed = 11;
  for (let t = 0; t < 30; t++)
    for (let e = 0; e < 4; e++)
      for (let f = 0; f < 4; f++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        const noise = ((seed >> 8) % 600) / 100 - 3;
        rows.push(`T${String(t).padStart(2, '0')},专家${e},企业${f},${(70 + 5 * f + noise + (e === 1 && f === 1 ? 12 : 0)).toFixed(2)}`);
      }
  return rows.join('\n') + '\n';
}

async function noOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

await run('supervision', async (h) => {
  const { t } = h;
  const page = await h.newPage(DESKTOP, 'supervisor (desktop)');
  let leadId = null;

  await h.step('supervisor: the dashboard, empty, live', async () => {
    await login(h, page, 'supervisor');
    const nav = await navIds(page);
    t.ok('supervisor: nav has supervision', nav.includes('supervision'), nav);
    await page.click('[data-nav="supervision"]');
    await page.waitForURL((u) => u.pathname === '/supervision');
    await settle(page);
    t.eq('h1', await page.locator('main h1').innerText(), '监管工作台');
    await page.waitForSelector('[data-testid="live"][data-state="on"]');
    t.ok('the live stream is connected', true);
    t.ok('no warnings yet', (await page.locator('section[aria-labelledby="sup-warnings"] .empty').count()) === 1);
  });

  await h.step('an opening is sealed: the warning arrives live', async () => {
    plantOpening(h.server.dataDir);
    const flash = page.locator('[data-testid="flash"] .alert');
    await flash.waitFor({ timeout: 20_000 });
    const msg = await flash.innerText();
    t.ok('the warning names the tender and its score', msg.includes('350100-HW-2026-00001') && /风险分 \d+/.test(msg), msg);
    await page.locator('[data-testid="warnings"] li').first().waitFor();
    t.ok('the warnings list shows it', (await page.locator('[data-testid="warnings"] li').count()) === 1);
    const row = page.locator('section[aria-labelledby="sup-risks"] tbody tr').first();
    t.ok('the risk list has it', (await row.innerText()).includes('350100-HW-2026-00001'));
  });

  await h.step('the evidence: plot, flags, shared values', async () => {
    await page.locator('section[aria-labelledby="sup-risks"] tbody tr a.btn').first().click();
    await page.waitForURL((u) => u.searchParams.get('tender') === String(TENDER));
    await page.locator('[data-testid="flags"] li').first().waitFor();
    const kinds = await page.$$eval('[data-testid="flags"] li', (ls) => ls.map((l) => l.dataset.kind));
    t.ok('flags: identical prices and one upload address', kinds.includes('identical_prices') && kinds.includes('same_upload_ip'), kinds);
    const p1 = await page.locator('[data-testid="flags"] li[data-kind="identical_prices"]').innerText();
    t.ok('P1 shows its rule, the two bidders and the price', p1.includes('P1') && p1.includes('海峡建工集团有限公司') && p1.includes('闽江路桥工程有限公司') && p1.includes('3,712,345.00'), p1);
    const dots = await page.$$eval('svg.risk-plot circle', (cs) => cs.map((c) => c.getAttribute('fill')));
    t.eq('the plot has the three bids, the two identical in red', dots.slice().sort(), ['#0b4a8b', '#b3261e', '#b3261e']);
    const shared = await page.locator('[data-testid="evidence"] table .tag-danger').count();
    t.ok('the bidders table marks the shared price and address', shared >= 4, shared);
    const score = await page.locator('[data-testid="score"]').innerText();
    t.ok('the score is shown', /风险分 \d+/.test(score), score);
    await h.screenshot(page, 'supervision-evidence-desktop-zh.png');
  });

  await h.step('bid document similarity: the passages side by side', async () => {
    plantSimilarity(h.server.dataDir);
    await h.goto(page, `/supervision?tender=${TENDER}`);
    const pair = page.locator('[data-testid="sim-pair"]');
    await pair.first().waitFor();
    t.eq('one pair, flagged S1', [await pair.count(), await pair.first().getAttribute('data-flagged')], [1, '1']);
    const head = await pair.first().locator('p').first().innerText();
    t.ok('the pair names both bidders and files', head.includes('海峡建工集团有限公司 · 技术标.docx') && head.includes('闽江路桥工程有限公司 · 技术标.pdf'), head);
    const passages = pair.first().locator('[data-testid="sim-passage"]');
    t.eq('two passages, the first rare', [await passages.count(), await passages.nth(0).getAttribute('data-rare'), await passages.nth(1).getAttribute('data-rare')], [2, '1', '0']);
    t.ok('the rare string is marked', (await passages.nth(0).locator('[data-testid="rare"]').count()) === 1 && (await passages.nth(1).locator('[data-testid="rare"]').count()) === 0);
    const sides = passages.nth(0).locator('[data-testid="sim-side"]');
    t.eq('two sides', await sides.count(), 2);
    const marks = await passages.nth(0).locator('mark').allInnerTexts();
    t.eq('the passage marked on both sides', marks, [PASSAGE, PASSAGE]);
    const [left, right] = await sides.allInnerTexts();
    t.ok('each side in its own context', left.includes('第三章 施工组织设计') && left.includes('第四章 进度计划') && right.includes('二、施工方案概述') && right.includes('三、质量保证措施'), [left, right]);
    const boxes = await sides.evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ x: r.x, y: r.y, w: r.width })));
    t.ok('desktop: side by side (two columns)', boxes[1].x > boxes[0].x + boxes[0].w - 1 && Math.abs(boxes[0].y - boxes[1].y) < 2, boxes);
    const meta = await page.locator('[data-testid="sim-meta"] tbody tr').allInnerTexts();
    t.ok('the shared author and creation time', meta.length === 2 && meta[0].includes('作者') && meta[0].includes('王工') && meta[1].includes('创建时间'), meta);
    await pair.first().scrollIntoViewIfNeeded();
    await h.screenshot(page, 'supervision-similarity-desktop-zh.png', { fullPage: false });
    const r = await pageFetch(page, `/api/supervision/tenders/${TENDER}/similarity`);
    t.eq('api: the stored result', [r.status, r.body.similarity.pairs.length], [200, 1]);
  });

  await h.step('a lead: open, attach, transfer, package, close', async () => {
    await page.click('[data-testid="lead-from-risk"]');
    const form = page.locator('[data-testid="lead-new"] form');
    t.eq('the form is filled from the warning', await form.locator('input[name="tender_id"]').inputValue(), String(TENDER));
    await form.locator('button[type="submit"]').click();
    await page.waitForURL((u) => u.searchParams.get('lead'));
    leadId = Number(new URL(page.url()).searchParams.get('lead'));
    await page.locator('[data-testid="lead-status"] [data-status="open"]').waitFor();
    t.ok('the lead is open, with the flags snapshot attached', (await page.locator('[data-testid="evidence-list"] li').count()) === 1);
    await page.fill('section[aria-labelledby="sup-lead"] textarea[name="text"]', '两家报价完全相同，且从同一地址上传。');
    await page.click('section[aria-labelledby="sup-lead"] form >> text=添加说明');
    await page.locator('[data-testid="evidence-list"] li').nth(1).waitFor();
    await page.setInputFiles('section[aria-labelledby="sup-lead"] input[type="file"]', { name: '现场记录.txt', mimeType: 'text/plain', buffer: Buffer.from('现场记录：两家投标人同一经办人。') });
    await page.click('section[aria-labelledby="sup-lead"] form >> text=上传文件');
    await page.locator('[data-testid="evidence-list"] li').nth(2).waitFor();
    t.ok('the note and the file are listed with their SHA-256', (await page.locator('[data-testid="evidence-list"]').innerText()).includes('现场记录.txt'));
    const tf = page.locator('[data-testid="transfer"]');
    await tf.locator('input[name="to"]').fill('榕城市纪委监委');
    await tf.locator('input[name="on"]').fill('2026-02-03');
    await tf.locator('button[type="submit"]').click();
    await page.locator('[data-testid="lead-status"] [data-status="transferred"]').waitFor();
    t.ok('transferred, to the named body', (await page.locator('section[aria-labelledby="sup-lead"] dl').innerText()).includes('榕城市纪委监委'));
    const pkg = await page.evaluate(async (id) => {
      const r = await fetch(`/api/leads/${id}/package`);
      const b = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, type: r.headers.get('content-type'), magic: String.fromCharCode(b[0], b[1]), size: b.length };
    }, leadId);
    t.ok('the evidence package is a ZIP', pkg.status === 200 && pkg.type === 'application/zip' && pkg.magic === 'PK' && pkg.size > 500, pkg);
    t.eq('the package link points at it', await page.getAttribute('[data-testid="package"]', 'href'), `/api/leads/${leadId}/package`);
    await h.screenshot(page, 'supervision-lead-desktop-zh.png');
    await page.fill('[data-testid="close"] textarea', '已移送纪委监委，办结。');
    await page.click('[data-testid="close"] button[type="submit"]');
    await page.locator('[data-testid="lead-status"] [data-status="closed"]').waitFor();
    t.ok('closed: no more forms', (await page.locator('[data-testid="close"]').count()) === 0);
    const api = await pageFetch(page, `/api/leads/${leadId}`);
    t.eq('api: three evidence items, closed', [api.body.evidence.length, api.body.lead.status], [3, 'closed']);
  });

  await h.step('expert patterns from the stored scores', async () => {
    const name = plantEvaluations(h.server.dataDir);
    await h.goto(page, '/supervision');
    const sec = page.locator('section[aria-labelledby="sup-patterns"]');
    await sec.locator('[data-testid="patterns-out"] table').first().waitFor();
    t.ok('ten evaluations read', (await sec.locator('[data-testid="patterns-source"]').innerText()).includes('10 个已完成评标项目'));
    const rows = await sec.locator('[data-testid="patterns-out"] table').first().locator('tbody tr').allInnerTexts();
    t.ok('one pair flagged, by name: the expert → 闽江路桥', rows.length === 1 && rows[0].includes(name) && rows[0].includes('闽江路桥工程有限公司'), [name, rows]);
    await sec.locator('[data-testid="cases"] summary').first().click();
    const cases = sec.locator('[data-testid="cases"] tbody tr');
    t.eq('its ten cases', await cases.count(), 10);
    t.ok('each case names its tender (a link) and the scores', (await cases.first().innerText()).includes('350100-GC-2025-009') && (await cases.first().locator('a').count()) === 1);
    await sec.scrollIntoViewIfNeeded();
    await h.screenshot(page, 'supervision-patterns-desktop-zh.png', { fullPage: false });
  });

  await h.step('expert scores', async () => {
    const sec = page.locator('section[aria-labelledby="sup-experts"]');
    await sec.locator('input[type="file"]').setInputFiles({ name: 'scores.csv', mimeType: 'text/csv', buffer: Buffer.from(scoresCsv()) });
    await sec.locator('button[type="submit"]').click();
    await sec.locator('[data-testid="experts-out"] table').first().waitFor();
    const rows = await sec.locator('[data-testid="experts-out"] table').first().locator('tbody tr').allInnerTexts();
    t.ok('one pair flagged: 专家1 → 企业1', rows.length === 1 && rows[0].includes('专家1') && rows[0].includes('企业1'), rows);
    await sec.locator('[data-testid="cases"] summary').first().click();
    t.eq('its 30 cases', await sec.locator('[data-testid="cases"] tbody tr').count(), 30);
    await sec.scrollIntoViewIfNeeded();
    await h.screenshot(page, 'supervision-experts-result-desktop-zh.png', { fullPage: false });
    await sec.locator('input[type="file"]').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('tender_id,expert_id\nT1,E1\n') });
    await sec.locator('button[type="submit"]').click();
    await sec.locator('.alert-error').waitFor();
    t.ok('a bad file is refused with its reason', (await sec.locator('.alert-error').innerText()).includes('专家评分文件'));
    await h.screenshot(page, 'supervision-experts-refused-desktop-zh.png', { fullPage: false });
  });

  await h.step('English', async () => {
    await h.goto(page, `/supervision?tender=${TENDER}`);
    await page.click('#lang-switch');
    await page.locator('main h1', { hasText: 'Supervision' }).waitFor();
    await page.locator('[data-testid="flags"] li').first().waitFor();
    t.ok('flags in English', (await page.locator('[data-testid="flags"]').innerText()).includes('Identical prices'));
    await page.locator('[data-testid="sim-pair"]').first().waitFor();
    const sim = await page.locator('[data-testid="similarity"]').innerText();
    t.ok('similarity in English', sim.includes('Bid document similarity') && sim.includes('rare string') && sim.includes('Author'), sim.slice(0, 200));
    await h.screenshot(page, 'supervision-evidence-desktop-en.png');
    await page.click('#lang-switch');
    await page.locator('main h1', { hasText: '监管工作台' }).waitFor();
  });

  await h.step('phone 375 px', async () => {
    const phone = await h.newPage(PHONE, 'supervisor (phone)');
    await login(h, phone, 'supervisor');
    await h.goto(phone, `/supervision?tender=${TENDER}`);
    await phone.locator('[data-testid="flags"] li').first().waitFor();
    await phone.locator('[data-testid="sim-pair"]').first().waitFor();
    t.eq('phone: no horizontal scrolling (evidence)', await noOverflow(phone), 0);
    const sides = await phone.locator('[data-testid="sim-side"]').evaluateAll((els) => els.slice(0, 2).map((e) => e.getBoundingClientRect().y));
    t.ok('phone: the two sides stacked', sides[1] > sides[0] + 20, sides);
    await phone.locator('[data-testid="sim-passage"]').first().scrollIntoViewIfNeeded();
    await h.screenshot(phone, 'supervision-similarity-phone-zh.png', { fullPage: false });
    await phone.locator('svg.risk-plot').scrollIntoViewIfNeeded();
    await h.screenshot(phone, 'supervision-plot-phone-zh.png', { fullPage: false });
    await h.screenshot(phone, 'supervision-evidence-phone-zh.png');
    await h.goto(phone, `/supervision?lead=${leadId}`);
    await phone.locator('[data-testid="lead-status"]').waitFor();
    t.eq('phone: no horizontal scrolling (lead)', await noOverflow(phone), 0);
    await h.screenshot(phone, 'supervision-lead-phone-top-zh.png', { fullPage: false });
    await h.screenshot(phone, 'supervision-lead-phone-zh.png');
    await h.closePage(phone);
  });

  await h.step('a bidder may not', async () => {
    const b = await h.newPage(DESKTOP, 'bidder');
    await login(h, b, 'bidder1');
    t.ok('bidder: no supervision in the nav', !(await navIds(b)).includes('supervision'));
    await h.goto(b, '/supervision');
    t.ok('bidder: the page is refused', (await b.locator('main').innerText()).length > 0 && (await b.locator('[data-page="supervision"]').count()) === 0);
    const r = await pageFetch(b, '/api/supervision/risks');
    t.eq('bidder: API 403', [r.status, r.body && r.body.error.code], [403, 'forbidden']);
    const sim = await pageFetch(b, `/api/supervision/tenders/${TENDER}/similarity`);
    t.eq('bidder: no similarity (bid contents)', [sim.status, sim.body && sim.body.error.code], [403, 'forbidden']);
    const ex = await pageFetch(b, '/api/supervision/experts/bias');
    t.eq('bidder: no expert patterns', ex.status, 403);
    await h.closePage(b);
  });
});
