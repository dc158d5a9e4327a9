// evaluation.test.mjs — the evaluation room in the browser (评标室,
// docs/evaluation.md, pages/evaluation.js), with the seven demo experts.
//
// The browser harness runs the server on the real clock, so the opening
// cannot be walked to its end here: the sealed opening of the demo works
// tender (three opened bids of lot 1) and its committee (expert1 ...
// expert7, expert1 elected chair) are planted into the store (python3's
// sqlite3, as the hall and the committee would leave them; the walk
// through the real draw and the API is tests/integration/test_evaluation.c,
// which also signs the report). From there it is the real thing: the agent
// starts the evaluation with the works template; each of the seven ticks
// the qualification sheet (four fail bid 3 on Q2 with a reason) and
// submits; the chair advances; each scores the two valid bids, expert7
// planting a far-off score; the warnings reach expert7 and the chair, the
// others see none; the chair cannot advance; expert7 confirms each warning
// with a reason; the chair advances and the report's hash and its PDF are
// there (English too; a phone without horizontal scrolling); a bidder and
// the public see nothing before the publicity.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { run, DESKTOP, PHONE, pageFetch, settle } from './lib/harness.mjs';

const TENDER = 1; // the demo works tender (comprehensive)

async function login(h, page, user) {
  await h.login(page, user);
  await page.waitForURL((u) => u.pathname === '/workspace');
  await settle(page);
}

function plant(dataDir) {
  const py = `
import sqlite3, sys, time, hashlib
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1000)
t = ${TENDER}
bids = [(4, 8000000000, 500), (5, 8200000000, 520), (6, 7900000000, 540)]
for seq, (org, price, days) in enumerate(bids, 1):
    h = hashlib.sha256(('planted-%d' % org).encode()).hexdigest()
    cur = db.execute("INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size, suite,"
                     " chain_hash, signer_fp, submitted_ms, seq)"
                     " VALUES (?, 1, ?, 1, 'submitted', ?, 1000, 'intl', ?, ?, ?, ?)",
                     (t, org, h, h, h, now, seq))
    db.execute("INSERT INTO opening_bids (bid_id, tender_id, lot_no, org_id, status, form, decided_ms)"
               " VALUES (?, ?, 1, ?, 'opened', ?, ?)",
               (cur.lastrowid, t, org, '{"duration_days":%d,"price_fen":%d}' % (days, price), now))
db.execute("INSERT INTO opening_halls (tender_id, phase, bidders, min_bids, record, record_hash,"
           " created_ms, updated_ms, version) VALUES (?, 'sealed', 3, 3, '{}', ?, ?, ?, 7)",
           (t, hashlib.sha256(b'{}').hexdigest(), now, now))
db.execute("UPDATE tenders SET state = 'evaluation', next_due_ms = NULL WHERE id = ?", (t,))
first = None
for i in range(1, 8):
    uid, name = db.execute("SELECT id, display_name FROM users WHERE username = ?", ('expert%d' % i,)).fetchone()
    cur = db.execute("INSERT INTO committee_members (tender_id, kind, name, user_id, added_ms)"
                     " VALUES (?, 'expert', ?, ?, ?)", (t, name, uid, now))
    first = first or cur.lastrowid
db.execute("INSERT INTO committees (tender_id, size, experts, reps, chair_member_id, chair_how,"
           " formed_ms, chair_ms) VALUES (?, 7, 7, 0, ?, 'elected', ?, ?)", (t, first, now, now))
db.commit()
`;
  execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db')]);
}

await run('evaluation', async (h) => {
  const { t } = h;
  const url = `/evaluation?tender=${TENDER}`;
  const experts = [];

  await h.step('planted: the sealed opening and the committee', async () => {
    plant(h.server.dataDir);
    t.ok('planted', true);
  });

  await h.step('bidder and public see nothing yet', async () => {
    const p = await h.newPage(DESKTOP, 'public');
    await h.goto(p, url);
    t.ok('public: an error, no sheets', (await p.locator('main .alert-error').count()) === 1 && (await p.locator('#eval-qualification').count()) === 0);
    await h.closePage(p);
  });

  await h.step('agent starts the evaluation', async () => {
    const a = await h.newPage(DESKTOP, 'agent');
    await login(h, a, 'agent');
    await h.goto(a, url);
    await a.locator('#eval-template option').nth(3).waitFor({ state: 'attached' });
    await a.selectOption('#eval-template', 'works_comprehensive');
    await a.click('#eval-start button');
    await a.locator('#eval-phases li.phase-now').waitFor();
    t.eq('phase after start', await a.locator('#eval-phases li.phase-now .phase-name').innerText(), '初步评审');
    t.ok('the agent sees no sheets', (await a.locator('#eval-qualification').count()) === 0);
    await h.closePage(a);
  });

  await h.step('seven experts review the qualification', async () => {
    for (let i = 0; i < 7; i++) {
      const p = await h.newPage(DESKTOP, `expert${i + 1}`);
      await login(h, p, `expert${i + 1}`);
      await h.goto(p, url);
      await p.locator('#eval-qualification').waitFor();
      const boxes = p.locator('#eval-qualification input[type="checkbox"]');
      t.eq(`expert${i + 1}: 3 bids × 4 criteria`, await boxes.count(), 12);
      if (i < 4) {
        await boxes.nth(9).uncheck(); /* bid 3, Q2 */
        await p.locator('#eval-qualification input[type="text"]').nth(9).fill('投标函未加盖公章');
      }
      await p.click('#eval-qualification button[type="submit"]');
      await p.waitForFunction(() => document.querySelector('#eval-status').textContent === '已保存。');
      experts.push(p);
    }
    t.ok('every sheet submitted', true);
  });

  await h.step('the chair advances to scoring', async () => {
    const chair = experts[0];
    await chair.click('#eval-advance');
    await chair.locator('#eval-scoring').waitFor();
    t.eq('phase', await chair.locator('#eval-phases li.phase-now .phase-name').innerText(), '详细评审');
  });

  await h.step('seven experts score; expert7 plants a far-off score', async () => {
    for (let i = 0; i < 7; i++) {
      const p = experts[i];
      await h.goto(p, url);
      await p.locator('#eval-scoring').waitFor();
      const inputs = p.locator('#eval-scoring input[type="number"]');
      t.eq(`expert${i + 1}: 2 valid bids × 3 items`, await inputs.count(), 6);
      const v = [15 + i * 0.3, 8 + i * 0.1, 4 + i * 0.05, 13 + i * 0.25, 7 + i * 0.1, 3.5 + i * 0.05];
      if (i === 6) v[3] = 3; /* bid 2, T1: below the range and far from the others */
      for (let k = 0; k < 6; k++) await inputs.nth(k).fill(v[k].toFixed(2));
      await p.click('#eval-scoring button[type="submit"]');
      await p.waitForFunction(() => document.querySelector('#eval-status').textContent === '已保存。');
    }
    await h.screenshot(experts[6], 'evaluation-scoring-desktop-zh.png');
  });

  await h.step('warnings: expert7 and the chair see them, the others not', async () => {
    const x7 = experts[6];
    await h.goto(x7, url);
    const rows = await x7.locator('#eval-warnings tbody tr').count();
    t.ok('expert7 has warnings', rows >= 2, rows);
    const chair = experts[0];
    await h.goto(chair, url);
    t.eq('the chair sees them all', await chair.locator('#eval-warnings tbody tr').count(), rows);
    await h.screenshot(chair, 'evaluation-warnings-chair-desktop-zh.png');
    await h.goto(experts[2], url);
    t.eq('expert3 sees none', await experts[2].locator('#eval-warnings tbody tr').count(), 0);
    await chair.click('#eval-advance');
    await chair.locator('main .alert-error[data-code="eval_warnings_open"]').waitFor();
    t.ok('the chair cannot close the scoring', true);
  });

  await h.step('expert7 confirms each warning with a reason', async () => {
    const x7 = experts[6];
    await h.goto(x7, url);
    for (let k = 0; k < 6; k++) {
      const buttons = x7.locator('#eval-warnings tbody button');
      const n = await buttons.count();
      if (n === 0) break;
      await x7.locator('#eval-warnings tbody input[type="text"]').first().fill('该投标人施工组织设计缺少关键工序');
      await buttons.first().click();
      await x7.waitForFunction((m) => document.querySelectorAll('#eval-warnings tbody button').length < m, n);
    }
    t.eq('no warning left open', await x7.locator('#eval-warnings tbody button').count(), 0);
  });

  await h.step('the chair closes the scoring: the report', async () => {
    const chair = experts[0];
    await h.goto(chair, url);
    await chair.click('#eval-advance');
    await chair.locator('#eval-sign').waitFor();
    const sha = await chair.locator('#eval-sign code').innerText();
    t.ok('the report hash is shown', /^[0-9a-f]{64}$/.test(sha), sha);
    t.ok('candidates listed', (await chair.locator('#eval-result tbody tr').count()) === 2);
    const status = await chair.evaluate(async (u) => (await fetch(u)).status, `/api/tenders/${TENDER}/evaluation/report?format=pdf`);
    t.eq('the PDF is served', status, 200);
    const rep = await pageFetch(chair, `/api/tenders/${TENDER}/evaluation/report`);
    t.eq('the report JSON carries the hash', rep.body && rep.body.report_sha256, sha);
    await h.screenshot(chair, 'evaluation-report-desktop-zh.png');
  });

  await h.step('English; phone 375 px', async () => {
    const chair = experts[0];
    await chair.click('#lang-switch');
    await chair.waitForFunction(() => document.querySelector('main h1').textContent === 'Evaluation room');
    t.eq('phase in English', await chair.locator('#eval-phases li.phase-now .phase-name').innerText(), 'Signing');
    await h.screenshot(chair, 'evaluation-report-desktop-en.png');
    await chair.click('#lang-switch');
    const phone = await h.newPage(PHONE, 'expert7 (phone)');
    await login(h, phone, 'expert7');
    await h.goto(phone, url);
    await phone.locator('#eval-sign').waitFor();
    const over = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('phone: no horizontal scrolling', over <= 0, over);
    await h.screenshot(phone, 'evaluation-report-phone-zh.png');
    await h.closePage(phone);
  });

  await h.step('a bidder still sees nothing', async () => {
    const b = await h.newPage(DESKTOP, 'bidder');
    await login(h, b, 'bidder1');
    const r = await pageFetch(b, `/api/tenders/${TENDER}/evaluation`);
    t.eq('bidder: 404', r.status, 404);
    await h.closePage(b);
  });
});
