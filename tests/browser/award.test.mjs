// award.test.mjs — from the award to the contract in the browser
// (定标与合同, docs/award.md, pages/award.js).
//
// The browser harness runs the server on the real clock, so the evaluation
// cannot be walked to its award here: the demo works tender is planted as
// awarded to bidder1 (python3's sqlite3: the bids of bidder1..3, the
// evaluation with its candidates and award, bidder2's answered objection;
// the walk through the API is tests/integration/test_award.c); its lot 2
// had no opened bid and failed at the start, so the tender is lot 1's and
// the page shows the lot tabs; bidder2's complaint names lot 1, one about
// the opening the whole tender (lot 0). The agent
// gets a personal signing certificate from the demo CA (`sunbid ca
// issue`), registered through the API. From there it is the real thing:
// bidder2 files a complaint about the result; the supervisor accepts it
// and suspends the tender; the agent uploads the contract and cannot sign
// while suspended; the supervisor decides (dismissed) and the tender
// resumes; the winner signs with its organisation's key file and the agent
// with its own, both in the browser: the tender is contracted; the agent
// records the bonds from the tender's requirement, corrects one
// and refunds one; bidder2 sees its own bond only, the
// public the decision without the complaint. Screenshots: the agent
// (zh-CN), the supervisor (English), bidder2 on a phone (no sideways
// scrolling).

import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { run, DESKTOP, PHONE, pageFetch, settle } from './lib/harness.mjs';

const TENDER = 1; // the demo works tender
const URL_ = `/award?tender=${TENDER}`;

async function login(h, page, user) {
  await h.login(page, user);
  await page.waitForURL((u) => u.pathname === '/workspace');
  await settle(page);
}

function plant(dataDir, tpl) {
  const py = `
import sqlite3, sys, time, hashlib, json
db = sqlite3.connect(sys.argv[1], timeout=30)
tpl = sys.argv[2]
now = int(time.time() * 1000)
t = ${TENDER}
orgs = [(4, 900000000), (5, 950000000), (6, 990000000)]
bidders = []
for seq, (org, price) in enumerate(orgs, 1):
    h = hashlib.sha256(('planted-%d' % org).encode()).hexdigest()
    db.execute("INSERT INTO bids (tender_id, lot_no, org_id, version, state, blob_hash, size, suite,"
               " chain_hash, signer_fp, submitted_ms, seq)"
               " VALUES (?, 1, ?, 1, 'submitted', ?, 1000, 'intl', ?, ?, ?, ?)",
               (t, org, h, h, h, now, seq))
    name = db.execute("SELECT name FROM orgs WHERE id = ?", (org,)).fetchone()[0]
    bidders.append({"org_id": org, "bidder": name, "form": {"price_fen": price}})
result = {"candidates": [dict(org_id=b["org_id"], bidder=b["bidder"], rank=i + 1,
                              price_fen=b["form"]["price_fen"]) for i, b in enumerate(bidders)]}
sha = lambda s: hashlib.sha256(s.encode()).hexdigest()
day = 24 * 3600 * 1000
db.execute("INSERT INTO evaluations (tender_id, phase, method, template, template_sha, bidders, result,"
           " report, report_sha, publicity_start_ms, publicity_end_ms, award_org_id, award_ms, notice_sha,"
           " created_ms, updated_ms, version) VALUES (?, 'awarded', 'comprehensive', ?, ?, ?, ?, '{}', ?,"
           " ?, ?, 4, ?, ?, ?, ?, 9)",
           (t, tpl, sha(tpl), json.dumps(bidders, ensure_ascii=False), json.dumps(result, ensure_ascii=False),
            sha('{}'), now - 5 * day, now - 2 * day, now - day, sha('notice'), now - 6 * day, now - day))
db.execute("INSERT INTO evaluation_objections (tender_id, org_id, body, raised_ms, due_ms, answer, answered_ms)"
           " VALUES (?, 5, '第一名业绩存疑', ?, ?, '经核查属实有效', ?)", (t, now - 4 * day, now - day, now - 3 * day))
# the demo tender's lot 2 had no opened bid: failed at the start (the tender is lot 1's)
db.execute("INSERT INTO evaluations (tender_id, lot_no, phase, method, template, template_sha, bidders,"
           " failed_reason, created_ms, updated_ms) VALUES (?, 2, 'failed', 'comprehensive', ?, ?, '[]',"
           " 'no opened bid', ?, ?)", (t, tpl, sha(tpl), now - 6 * day, now - 6 * day))
db.execute("UPDATE tenders SET state = 'awarded', next_due_ms = NULL WHERE id = ?", (t,))
db.commit()
`;
  execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db'), tpl]);
}

// A call through the app's api module (it holds the CSRF token).
async function pageCall(page, method, p, body) {
  return page.evaluate(
    async ([m, u, b]) => {
      const mod = await import('/api.js');
      try {
        return { ok: true, body: await mod.api(m, u, b) };
      } catch (e) {
        return { ok: false, code: e.code, status: e.status };
      }
    },
    [method, p, body],
  );
}

async function statusIs(page, text) {
  await page.waitForFunction((x) => (document.querySelector('#award-status') || {}).textContent === x, text);
}

await run('award', async (h) => {
  const { t } = h;
  const data = h.server.dataDir;
  const agentKey = path.join(data, 'award-agent');

  await h.step('planted: the tender awarded to bidder1; the agent\'s certificate', async () => {
    const a = await h.newPage(DESKTOP, 'agent (setup)');
    await login(h, a, 'agent');
    const tpls = await pageFetch(a, '/api/evaluation-templates');
    const tpl = ((tpls.body && tpls.body.items) || []).find((x) => x.name === 'works_comprehensive');
    t.ok('the works template', !!tpl, tpls.status);
    plant(data, JSON.stringify(tpl.template));
    execFileSync(process.env.SUNBID_BIN, ['ca', 'issue', '--dir', path.join(data, 'demo-ca'), '--usage', 'sign', '--subject-cn', 'agent', '--days', '30', '--out', agentKey]);
    const reg = await pageCall(a, 'POST', '/api/users/me/certs', { sign: fs.readFileSync(agentKey + '.crt.pem', 'utf8') });
    t.ok('the agent registers its signing certificate', reg.ok, reg);
    await h.goto(a, URL_);
    const winner = await a.locator('[data-testid="award-winner"]').innerText();
    t.ok('awarded to bidder1, by name', winner.length > 1 && !winner.startsWith('#'), winner);
    t.ok('the agent sees the upload form', (await a.locator('#contract-upload').count()) === 1);
    await h.closePage(a);
  });

  let complaintId = 0;
  await h.step('bidder2 complains about the result', async () => {
    const p = await h.newPage(DESKTOP, 'bidder2');
    await login(h, p, 'bidder2');
    await h.goto(p, URL_);
    t.ok('no contract panel for a loser', (await p.locator('#contract-sign-btn').count()) === 0);
    await p.selectOption('#complaint-subject', 'result');
    await p.fill('#complaint-body', '中标人业绩证明材料与事实不符，异议答复未予核实。请求责令重新评标。');
    await p.click('#complaint-form button[type="submit"]');
    await statusIs(p, '投诉已提交。');
    const li = p.locator('#complaint-list li[data-complaint]');
    t.eq('one complaint listed', await li.count(), 1);
    complaintId = Number(await li.first().getAttribute('data-complaint'));
    t.eq('filed', await li.first().getAttribute('data-status'), 'filed');
    // two lots: a result complaint names its lot, the lot is shown
    t.eq('the complaint names lot 1', await li.first().locator('[data-lot]').getAttribute('data-lot'), '1');
    // an empty body is refused with the server's message
    await p.selectOption('#complaint-subject', 'opening');
    t.eq('the opening: the whole tender', await p.locator('#complaint-lot').inputValue(), '0');
    await p.click('#complaint-form button[type="submit"]');
    await p.locator('#award-complaints .alert-error').waitFor();
    t.ok('an empty complaint is refused', (await p.locator('#award-complaints .alert-error').getAttribute('data-code')) === 'missing_field');
    await h.closePage(p);
  });

  await h.step('the supervisor accepts and suspends', async () => {
    const s = await h.newPage(DESKTOP, 'supervisor');
    await login(h, s, 'supervisor');
    await h.goto(s, URL_);
    t.ok('the queue lists it', (await s.locator('#award-queue tbody tr').count()) >= 1);
    const li = s.locator(`#complaint-list li[data-complaint="${complaintId}"]`);
    await li.locator('button[data-act="accept"]').click();
    await statusIs(s, '已保存。');
    t.eq('accepted', await s.locator(`#complaint-list li[data-complaint="${complaintId}"]`).getAttribute('data-status'), 'accepted');
    await s.locator(`#complaint-list li[data-complaint="${complaintId}"] button[data-act="suspend"]`).click();
    await s.locator('.tpaused').waitFor();
    t.ok('the tender shows paused', true);
    await h.closePage(s);
  });

  let docSha = '';
  await h.step('the agent uploads the contract; signing waits for the suspension', async () => {
    const a = await h.newPage(DESKTOP, 'agent');
    await login(h, a, 'agent');
    await h.goto(a, URL_);
    const doc = Buffer.from('%PDF-1.4\n% 榕城市滨江路改造工程施工合同（示例）\n');
    docSha = crypto.createHash('sha256').update(doc).digest('hex');
    await a.setInputFiles('#contract-file', { name: '施工合同.pdf', mimeType: 'application/pdf', buffer: doc });
    await a.fill('#contract-amount-in', '9,000,000.00');
    await a.click('#contract-upload button[type="submit"]');
    await a.locator('#contract-sha').waitFor();
    t.eq('the document hash', await a.locator('#contract-sha').innerText(), docSha);
    t.eq('the amount', await a.locator('[data-testid="contract-amount"]').innerText(), '¥9,000,000.00');
    t.ok('the message is shown', (await a.locator('#contract-message').textContent()).includes(docSha));
    await a.setInputFiles('#contract-sign-key', agentKey + '.key.pem');
    await a.click('#contract-sign-btn');
    await a.locator('#award-contract .alert-error').waitFor();
    t.eq('refused while suspended', await a.locator('#award-contract .alert-error').getAttribute('data-code'), 'tender_paused');
    await h.closePage(a);
  });

  await h.step('the supervisor decides: dismissed; the tender resumes', async () => {
    const s = await h.newPage(DESKTOP, 'supervisor (decide)');
    await login(h, s, 'supervisor');
    await h.goto(s, URL_);
    const li = s.locator(`#complaint-list li[data-complaint="${complaintId}"]`);
    await li.locator('select[data-in="decision"]').selectOption('dismissed');
    await li.locator('textarea[data-in="text"]').fill('经调查，投诉事项缺乏事实依据，驳回投诉。');
    await li.locator('button[data-act="decide"]').click();
    await statusIs(s, '已保存。');
    t.eq('decided', await s.locator(`#complaint-list li[data-complaint="${complaintId}"]`).getAttribute('data-status'), 'decided');
    t.eq('no longer paused', await s.locator('.tpaused').count(), 0);
    await h.closePage(s);
  });

  await h.step('the winner signs with its organisation\'s key', async () => {
    const b = await h.newPage(DESKTOP, 'bidder1 (winner)');
    await login(h, b, 'bidder1');
    await h.goto(b, URL_);
    t.eq('the winner reads the same hash', await b.locator('#contract-sha').innerText(), docSha);
    const dl = await b.evaluate(async () => {
      const r = await fetch(document.querySelector('#contract-download').href);
      return { status: r.status, sha: r.headers.get('x-document-sha256') };
    });
    t.ok('the winner downloads the document', dl.status === 200 && dl.sha === docSha, dl);
    await b.setInputFiles('#contract-sign-key', path.join(data, 'demo-keys', 'bidder1', 'sign.key.pem'));
    await b.click('#contract-sign-btn');
    await statusIs(b, '已签署。');
    t.eq('the winner has signed', await b.locator('#contract-sides li[data-side="winner"]').getAttribute('data-signed'), 'true');
    t.eq('still awarded', await b.locator('.tstate').getAttribute('data-state'), 'awarded');
    await h.closePage(b);
  });

  await h.step('the agent signs: contracted; bonds and a refund', async () => {
    const a = await h.newPage(DESKTOP, 'agent (sign)');
    await login(h, a, 'agent');
    await h.goto(a, URL_);
    await a.setInputFiles('#contract-sign-key', agentKey + '.key.pem');
    await a.click('#contract-sign-btn');
    await statusIs(a, '已签署。');
    t.eq('contracted', await a.locator('.tstate').getAttribute('data-state'), 'contracted');
    t.eq('both sides signed', await a.locator('#contract-sides li[data-signed="true"]').count(), 2);
    // every bidder from the tender's requirement, then bidder2's corrected
    await a.click('#bond-all');
    await a.locator('#award-bonds tbody tr[data-id="6"]').waitFor();
    t.eq('three bonds from the tender', await a.locator('#award-bonds tbody tr').count(), 3);
    const isSelect = await a.locator('#bond-org').evaluate((e) => e.tagName === 'SELECT');
    if (isSelect) await a.selectOption('#bond-org', '5');
    else await a.fill('#bond-org', '5');
    await a.fill('#bond-amount', '80000');
    await a.selectOption('#bond-form', 'guarantee');
    await a.evaluate(() => {
      document.querySelector('#award-status').textContent = '';
    });
    await a.click('#bond-record button[type="submit"]');
    await statusIs(a, '已保存。');
    t.ok('bidder2\'s corrected', (await a.locator('#award-bonds tbody tr[data-id="5"]').innerText()).includes('¥80,000.00'));
    const row = a.locator('#award-bonds tbody tr[data-id="4"]');
    await row.locator('input').fill('BOC-2026-0001');
    await row.locator('button').click();
    await a.locator('#award-bonds tbody tr[data-id="4"] [data-refunded="true"]').waitFor();
    t.ok('refunded, with its reference', (await a.locator('#award-bonds tbody tr[data-id="4"]').innerText()).includes('BOC-2026-0001'));
    await h.screenshot(a, 'award-agent-desktop-zh.png');
    await h.closePage(a);
  });

  await h.step('bidder2 on a phone: its complaint and its bond', async () => {
    const p = await h.newPage(PHONE, 'bidder2 (phone)');
    await login(h, p, 'bidder2');
    await h.goto(p, URL_);
    t.eq('its own bond only', await p.locator('#award-bonds tbody tr').count(), 1);
    t.eq('its complaint decided', await p.locator('#complaint-list li[data-status="decided"]').count(), 1);
    const over = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('phone: no sideways scrolling', over <= 0, over);
    await h.screenshot(p, 'award-bidder-phone-zh.png');
    await h.closePage(p);
  });

  await h.step('the supervisor in English; the public', async () => {
    const s = await h.newPage(DESKTOP, 'supervisor (en)');
    await login(h, s, 'supervisor');
    await s.evaluate(() => localStorage.setItem('sunbid.lang', 'en'));
    await h.goto(s, URL_);
    t.eq('English title', await s.locator('#award-h').innerText(), 'Award and contract');
    t.ok('the overdue list is there', (await s.locator('#award-overdue li').count()) >= 1);
    await h.screenshot(s, 'award-supervisor-desktop-en.png');
    await h.closePage(s);
    const pub = await h.newPage(DESKTOP, 'public');
    await h.goto(pub, URL_);
    t.eq('the public: the decided complaint', await pub.locator('#complaint-list li').count(), 1);
    t.eq('the public: not its text', await pub.locator('#complaint-list .qa-body').count(), 0);
    t.eq('the public: no bonds', await pub.locator('#award-bonds').count(), 0);
    t.ok('the public: the signed contract hash', (await pub.locator('#contract-sha').innerText()) === docSha);
    await h.closePage(pub);
  });
});
