// results.test.mjs — the public results (公示公告, pages/results.js) on a
// phone, without signing in.
//
// The evaluation itself is evaluation.test.mjs's (and the whole road to
// the award is tests/integration/test_evaluation.c): here the rows it
// leaves are planted into the demo store with python3's sqlite3 — tender 1
// in the candidates' publicity (two candidates, one bid not ranked, two
// objections of which one is answered), tender 2 awarded (its notice is
// computed by the server from them). A public viewer on a 375 px phone
// finds the results from the footer, sees both, the running publicity with
// its dates, the ranked candidates, the objections counted and how to
// object; filters by kind; opens each result: the candidates and the bid
// not ranked with its reason, the objections without who raised them, the
// award notice with its hash; English; no horizontal scrolling. Then the
// publicity ends (planted): the agent answers the open objection and awards
// on its logistics page (pages/eval_manage.js), and the public sees the
// notice; desktop.
//
// Lots (pages/lots.js): the demo works tender has two lots; lot 2 is
// planted in its publicity (with the end of lot 1's), in its second round (a re-evaluation, the
// first round's report hash kept). The list has one item per lot with the
// lot's name; the result page shows tabs (a single-lot tender none), a tab
// changes the data and the URL (&lot=N, the back button returns), the
// keyboard moves between tabs, a page loaded with &lot=2 opens lot 2, the
// earlier round's hash shows, and round 1's objection with its round and the
// system's "superseded" answer localized; on a 390 px phone the page never scrolls
// sideways (zh, en). The agent ends lot 2 as failed with a reason on its
// logistics page; the public sees the lot failed.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { run, DESKTOP, PHONE, pageFetch } from './lib/harness.mjs';

const SECRET = '这是异议的正文，公众不可见';

function plant(dataDir) {
  const py = `
import sqlite3, sys, time, json
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1000)
day = 86400000
orgs = [db.execute("SELECT org_id FROM users WHERE username = ?", ('bidder%d' % i,)).fetchone()[0] for i in (1, 2, 3)]
names = [db.execute("SELECT name FROM orgs WHERE id = ?", (o,)).fetchone()[0] for o in orgs]
bidders = [{"org_id": o, "bidder": n, "form": {"price_fen": p}} for o, n, p in zip(orgs, names, (950000000, 980000000, 1200000000))]
result = {"candidates": [{"rank": 1, "org_id": orgs[0], "bidder": names[0], "price_fen": 950000000},
                         {"rank": 2, "org_id": orgs[1], "bidder": names[1], "price_fen": 980000000}],
          "tie_at_cutoff": False,
          "not_valid": [{"org_id": orgs[2], "bidder": names[2], "reason": "above_ceiling"}]}
def ev(t, phase, start, award):
    db.execute("UPDATE tenders SET state = ?, next_due_ms = NULL WHERE id = ?", (phase, t))
    db.execute("INSERT INTO evaluations (tender_id, phase, method, template, template_sha, bidders, result,"
               " report_sha, publicity_start_ms, publicity_end_ms, award_org_id, award_ms, notice_sha,"
               " created_ms, updated_ms) VALUES (?, ?, 'lowest_price', '{\\"method\\":\\"lowest_price\\"}', 'aa', ?, ?,"
               " ?, ?, ?, ?, ?, ?, ?, ?)",
               (t, phase, json.dumps(bidders, ensure_ascii=False), json.dumps(result, ensure_ascii=False),
                'ab' * 32, start, start + 3 * day, orgs[0] if award else None, now if award else None,
                'cd' * 32 if award else None, now, now))
ev(1, 'publicity', now - day, False)
ev(2, 'awarded', now - 5 * day, True)
db.execute("INSERT INTO evaluation_objections (tender_id, org_id, body, raised_ms, due_ms) VALUES (1, ?, ?, ?, ?)",
           (orgs[2], sys.argv[2], now - 3600000, now + 3 * day))
db.execute("INSERT INTO evaluation_objections (tender_id, org_id, body, raised_ms, due_ms, answer, answered_ms)"
           " VALUES (1, ?, ?, ?, ?, '经复核，评标结果无误。', ?)", (orgs[1], sys.argv[2], now - 7200000, now + 3 * day, now - 600000))
db.commit()
`;
  execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db'), SECRET]);
}

// Lot 2 of tender 1 in its publicity, round 2 (round 1's report kept).
function plantLot2(dataDir) {
  const py = `
import sqlite3, sys, time, json
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1000)
day = 86400000
orgs = [db.execute("SELECT org_id FROM users WHERE username = ?", ('bidder%d' % i,)).fetchone()[0] for i in (1, 2, 3)]
names = [db.execute("SELECT name FROM orgs WHERE id = ?", (o,)).fetchone()[0] for o in orgs]
bidders = [{"org_id": o, "bidder": n, "form": {"price_fen": p}} for o, n, p in zip(orgs, names, (330000000, 310000000, 320000000))]
result = {"candidates": [{"rank": 1, "org_id": orgs[1], "bidder": names[1], "price_fen": 310000000},
                         {"rank": 2, "org_id": orgs[2], "bidder": names[2], "price_fen": 320000000}],
          "tie_at_cutoff": False, "not_valid": []}
db.execute("INSERT INTO evaluations (tender_id, lot_no, round, phase, method, template, template_sha, bidders,"
           " result, report_sha, publicity_start_ms, publicity_end_ms, created_ms, updated_ms)"
           " VALUES (1, 2, 2, 'publicity', 'lowest_price', '{\\"method\\":\\"lowest_price\\"}', 'aa', ?, ?, ?, ?, ?, ?, ?)",
           (json.dumps(bidders, ensure_ascii=False), json.dumps(result, ensure_ascii=False), 'ef' * 32,
            now - 3600000, now + 3 * day, now, now))
db.execute("INSERT INTO evaluation_rounds (tender_id, lot_no, round, report_sha, reason, ended_ms)"
           " VALUES (1, 2, 1, ?, '投诉处理决定：责令重新评审', ?)", ('e1' * 32, now - 2 * day))
# round 1's objection still open when round 1 ended: closed by the system
db.execute("INSERT INTO evaluation_objections (tender_id, lot_no, round, org_id, body, raised_ms, due_ms,"
           " answer, answered_ms) VALUES (1, 2, 1, ?, '第一轮的异议', ?, ?,"
           " 'superseded: re-evaluation round 2 started', ?)", (orgs[2], now - 3 * day, now, now - 2 * day))
db.execute("UPDATE tenders SET state = 'publicity' WHERE id = 1")
db.commit()
`;
  execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db')]);
}

const PHONE390 = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

async function noOverflow(p) {
  return p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

await run('results', async (h) => {
  const { t } = h;

  await h.step('planted: a publicity and an award', async () => {
    plant(h.server.dataDir);
    t.ok('planted', true);
  });

  let phone;
  await h.step('public phone: the list from the footer', async () => {
    phone = await h.newPage(PHONE, 'public phone');
    await h.goto(phone, '/');
    await phone.click('#footer-results');
    await phone.waitForURL((u) => u.pathname === '/results');
    await phone.locator('#results-list li.res-item').nth(1).waitFor();
    t.eq('two results, newest first', await phone.locator('#results-list li.res-item').evaluateAll((els) => els.map((e) => e.dataset.tender)), ['2', '1']);
    const pub = phone.locator('li.res-item[data-tender="1"]');
    t.eq('publicity: its kind', await pub.locator('[data-kind]').innerText(), '中标候选人公示');
    t.eq('publicity: still running', await pub.locator('.res-window').getAttribute('data-running'), 'true');
    t.eq('publicity: two ranked candidates', await pub.locator('.res-candidates li').count(), 2);
    t.ok('publicity: the first candidate with its price', /第1名.*¥9,500,000\.00/.test(await pub.locator('.res-candidates li').first().innerText()));
    t.ok('publicity: the objections counted', (await pub.innerText()).includes('已提出 2 件，待答复 1 件'));
    const aw = phone.locator('li.res-item[data-tender="2"]');
    t.eq('award: its kind', await aw.locator('[data-kind]').innerText(), '中标结果公告');
    t.ok('award: the winner', (await aw.locator('[data-testid="winner"]').innerText()).length > 0);
    t.ok('how to object is explained', (await phone.locator('#res-howto').innerText()).includes('3日内'));
    t.ok('no objection text anywhere', !(await phone.locator('main').innerText()).includes(SECRET));
    const over = await noOverflow(phone);
    t.ok('phone: no horizontal scrolling', over <= 0, over);
    await h.screenshot(phone, 'results-list-phone-zh.png');
  });

  await h.step('filter by kind', async () => {
    await phone.click('.chips a[data-state="publicity"]');
    await phone.waitForFunction(() => document.querySelectorAll('#results-list li.res-item').length === 1);
    t.eq('publicity only', await phone.locator('#results-list li.res-item').getAttribute('data-tender'), '1');
    await phone.click('.chips a[data-state="awarded"]');
    await phone.waitForFunction(() => document.querySelector('#results-list li.res-item')?.dataset.tender === '2');
    t.ok('awards only', (await phone.locator('#results-list li.res-item').count()) === 1);
    await phone.click('.chips a[data-state="contracted"]');
    await phone.locator('main .empty').waitFor();
    t.ok('contracted: none yet', true);
  });

  await h.step('one publicity: candidates, the bid not ranked, objections', async () => {
    await h.goto(phone, '/results');
    await phone.click('li.res-item[data-tender="1"] .notice-title a');
    await phone.waitForURL((u) => u.pathname === '/result');
    await phone.locator('#res-candidates tbody tr').first().waitFor();
    t.eq('two candidates', await phone.locator('#res-candidates table').first().locator('tbody tr').count(), 2);
    t.ok('the bid not ranked and why', (await phone.locator('#res-candidates').innerText()).includes('超过最高投标限价'));
    t.eq('two objections', await phone.locator('#res-objections li.qa-item').count(), 2);
    t.eq('one answered', await phone.locator('#res-objections li[data-answered="true"]').count(), 1);
    t.ok('who objected and what they wrote stay hidden', !(await phone.locator('main').innerText()).includes(SECRET));
    t.eq('no award notice yet', await phone.locator('#res-notice').count(), 0);
    const over = await noOverflow(phone);
    t.ok('phone: no horizontal scrolling', over <= 0, over);
    await h.screenshot(phone, 'result-publicity-phone-zh.png');
  });

  await h.step('the award notice, in English', async () => {
    await h.goto(phone, '/result?tender=2');
    await phone.locator('#res-notice').waitFor();
    const sha = await phone.locator('#res-notice [data-testid="notice-sha"]').innerText();
    const api = await pageFetch(phone, '/api/tenders/2/evaluation/notice');
    t.eq('the notice is public', api.status, 200);
    t.eq('its hash as the API gives it', sha, api.body.notice_sha256);
    t.ok('the winner', (await phone.locator('#res-notice [data-testid="winner"]').innerText()).length > 0);
    await h.screenshot(phone, 'result-award-phone-zh.png');
    await phone.click('.menu-toggle');
    await phone.click('#lang-switch');
    await phone.waitForFunction(() => document.querySelector('main h1').textContent === 'Evaluation result');
    t.ok('English: the notice', (await phone.locator('#res-notice h2').innerText()) === 'Award notice');
    const over = await noOverflow(phone);
    t.ok('phone (en): no horizontal scrolling', over <= 0, over);
    await h.screenshot(phone, 'result-award-phone-en.png');
    await h.closePage(phone);
  });

  await h.step('agent: the publicity ends; it answers the objection and awards', async () => {
    const py = "import sqlite3, sys, time\ndb = sqlite3.connect(sys.argv[1], timeout=30)\n" +
      "db.execute('UPDATE evaluations SET publicity_end_ms = ? WHERE tender_id = 1', (int(time.time() * 1000) - 1000,))\ndb.commit()\n";
    execFileSync('python3', ['-c', py, path.join(h.server.dataDir, 'sunbid.db')]);
    // tender 1 has two lots: lot 2 in its publicity keeps the tender listed
    plantLot2(h.server.dataDir);
    const a = await h.newPage(DESKTOP, 'agent');
    await h.login(a, 'agent');
    await a.waitForURL((u) => u.pathname === '/workspace');
    await h.goto(a, '/evaluation/manage?tender=1');
    await a.locator('#em-objections').waitFor();
    t.eq('the agent sees both objections', await a.locator('#em-objections li.qa-item').count(), 2);
    const open = a.locator('#em-objections li.qa-item:has(input)');
    t.eq('one to answer', await open.count(), 1);
    await open.locator('input').fill('经复核，评标结果符合招标文件规定。');
    await open.locator('button').click();
    await a.waitForFunction(() => document.querySelector('#em-status').textContent === '已答复异议。');
    await h.screenshot(a, 'eval-manage-publicity-desktop-zh.png');
    await a.click('#em-award');
    await a.waitForFunction(() => document.querySelector('#em-status').textContent === '已发出中标通知书。');
    await a.locator('[data-testid="eval-phase"] strong[data-phase="awarded"]').waitFor();
    t.ok('phase: awarded', true);
    await h.closePage(a);
    const p = await h.newPage(PHONE, 'public phone 2');
    await h.goto(p, '/result?tender=1');
    await p.locator('#res-notice').waitFor();
    t.ok('the public sees the award notice', (await p.locator('#res-notice [data-testid="winner"]').innerText()).length > 0);
    await h.closePage(p);
  });

  await h.step('desktop; a result not yet public', async () => {
    const d = await h.newPage(DESKTOP, 'public desktop');
    await h.goto(d, '/results');
    await d.locator('#results-list li.res-item').nth(1).waitFor();
    await h.screenshot(d, 'results-list-desktop-zh.png');
    await h.goto(d, '/result?tender=3');
    await d.locator('main .empty').waitFor();
    t.ok('a draft tender: not public', (await d.locator('main .empty-title').innerText()) === '结果尚未公示');
    const r = await pageFetch(d, '/api/results');
    t.eq('the API: an item per lot, both lots 1 awarded now', r.body.items.map((x) => [x.id, x.lot, x.phase]), [[2, 1, 'awarded'], [1, 1, 'awarded'], [1, 2, 'publicity']]);
    await h.closePage(d);
  });

  await h.step('lots: one item per lot, tabs on the result page', async () => {
    const p = await h.newPage(PHONE390, 'public phone 390');
    await h.goto(p, '/results');
    const l2 = p.locator('li.res-item[data-tender="1"][data-lot="2"]');
    await l2.waitFor();
    t.eq('tender 1: an item per lot', await p.locator('li.res-item[data-tender="1"]').evaluateAll((els) => els.map((e) => e.dataset.lot).sort()), ['1', '2']);
    t.ok('lot 2: its name', (await l2.locator('[data-testid="lot"]').innerText()).includes('第二标段'));
    t.eq('lot 2: in its publicity', await l2.locator('[data-kind]').innerText(), '中标候选人公示');
    t.ok('lot 1: its name', (await p.locator('li.res-item[data-tender="1"][data-lot="1"] [data-testid="lot"]').innerText()).includes('第一标段'));
    await l2.locator('.notice-title a').click();
    await p.waitForURL((u) => u.pathname === '/result' && u.searchParams.get('lot') === '2');
    await p.locator('#lot-tabs').waitFor();
    t.eq('two tabs', await p.locator('#lot-tabs [role="tab"]').count(), 2);
    t.eq('lot 2 selected', await p.locator('#lot-tabs [aria-selected="true"]').getAttribute('data-lot'), '2');
    t.ok('tab 2: its phase', (await p.locator('#lot-tab-2').innerText()).includes('候选人公示'));
    t.ok('lot 2: its candidates', (await p.locator('#res-candidates tbody tr').first().innerText()).includes('3,100,000.00'));
    t.ok('lot 2: round 2 with round 1\'s report hash', (await p.locator('#res-rounds').innerText()).includes('e1'.repeat(32)));
    const obs2 = await p.locator('#res-objections').innerText();
    t.ok('lot 2: round 1\'s objection with its round, superseded (localized)', obs2.includes('第 1 轮') && obs2.includes('已因重新评审失效') && !obs2.includes('superseded:'), obs2);
    t.eq('lot 2: no award notice', await p.locator('#res-notice').count(), 0);
    let over = await noOverflow(p);
    t.ok('390 px: no horizontal scrolling', over <= 0, over);
    await h.screenshot(p, 'result-lot2-phone390-zh.png');
    // a tab: other data, the URL; back returns
    await p.click('#lot-tab-1');
    await p.waitForURL((u) => u.searchParams.get('lot') === '1');
    await p.locator('#res-notice').waitFor();
    t.eq('lot 1 selected', await p.locator('#lot-tabs [aria-selected="true"]').getAttribute('data-lot'), '1');
    t.ok('lot 1: the award notice', (await p.locator('#res-notice [data-testid="winner"]').innerText()).length > 0);
    t.eq('lot 1: round 1, no history', await p.locator('#res-rounds').count(), 0);
    t.eq('the chosen tab keeps the focus', await p.evaluate(() => document.activeElement && document.activeElement.id), 'lot-tab-1');
    await p.goBack();
    await p.waitForURL((u) => u.searchParams.get('lot') === '2');
    await p.locator('#res-rounds').waitFor();
    t.ok('back: lot 2 again', (await p.locator('#lot-tabs [aria-selected="true"]').getAttribute('data-lot')) === '2');
    // the keyboard: arrows move, Enter opens
    await p.focus('#lot-tab-2');
    await p.keyboard.press('ArrowRight');
    t.eq('ArrowRight wraps to tab 1', await p.evaluate(() => document.activeElement.id), 'lot-tab-1');
    await p.keyboard.press('Enter');
    await p.waitForURL((u) => u.searchParams.get('lot') === '1');
    await p.locator('#res-notice').waitFor();
    t.ok('Enter opens lot 1', true);
    await p.click('.menu-toggle');
    await p.click('#lang-switch');
    await p.waitForFunction(() => document.querySelector('#lot-tab-1')?.textContent.includes('Lot 1'));
    await p.click('#lot-tab-2');
    await p.locator('#res-rounds').waitFor();
    t.ok('English: the round', (await p.locator('#res-rounds h2').innerText()).includes('Round 2'));
    t.ok('English: the superseded objection', (await p.locator('#res-objections').innerText()).includes('Superseded by the re-evaluation (round 2 started)'));
    over = await noOverflow(p);
    t.ok('390 px (en): no horizontal scrolling', over <= 0, over);
    await h.screenshot(p, 'result-lot2-phone390-en.png');
    await h.closePage(p);
    // a late loader with &lot=2; a single-lot tender has no tabs
    const d = await h.newPage(DESKTOP, 'public desktop lots');
    await h.goto(d, '/result?tender=1&lot=2');
    await d.locator('#res-rounds').waitFor();
    t.eq('&lot=2 opens lot 2', await d.locator('#lot-tabs [aria-selected="true"]').getAttribute('data-lot'), '2');
    await h.screenshot(d, 'result-lot2-desktop-zh.png');
    await h.goto(d, '/result?tender=2');
    await d.locator('#res-notice').waitFor();
    t.eq('a single-lot tender: no tabs', await d.locator('#lot-tabs').count(), 0);
    await h.goto(d, '/result?tender=1&lot=7');
    await d.locator('main .alert-error').waitFor();
    t.ok('a lot the tender lacks: lot_not_found', (await d.locator('main .alert-error').innerText()).includes('没有这个标段'));
    await h.closePage(d);
  });

  await h.step('lots: the agent ends lot 2 as failed', async () => {
    const a = await h.newPage(DESKTOP, 'agent lots');
    await h.login(a, 'agent');
    await a.waitForURL((u) => u.pathname === '/workspace');
    await h.goto(a, '/evaluation/manage?tender=1&lot=2');
    await a.locator('#em-evaluation #lot-tabs').waitFor();
    t.eq('manage: lot 2 selected', await a.locator('#lot-tabs [aria-selected="true"]').getAttribute('data-lot'), '2');
    t.ok('manage: lot 1 awarded on its tab', (await a.locator('#lot-tab-1').innerText()).includes('已定标'));
    await a.click('#em-fail-zone summary');
    await a.fill('#em-fail-reason', '候选人均放弃中标，该标段流标');
    await a.click('#em-fail');
    await a.waitForFunction(() => document.querySelector('#em-status').textContent === '该标段已流标。');
    await a.locator('[data-testid="eval-phase"] strong[data-phase="failed"]').waitFor();
    t.ok('manage: lot 2 failed', (await a.locator('[data-testid="eval-fail-reason"]').innerText()).includes('候选人均放弃'));
    await h.screenshot(a, 'eval-manage-lot2-failed-desktop-zh.png');
    await h.closePage(a);
    const p = await h.newPage(PHONE390, 'public phone lots');
    await h.goto(p, '/result?tender=1&lot=2');
    await p.locator('[data-kind="failed"]').waitFor();
    t.ok('the public sees lot 2 failed, with why', (await p.locator('[data-testid="res-fail-reason"]').innerText()).includes('候选人均放弃'));
    t.ok('tab 2: failed', (await p.locator('#lot-tab-2').innerText()).includes('已流标'));
    await h.closePage(p);
  });
});
