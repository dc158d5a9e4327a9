// eval_manage.test.mjs — the evaluation's logistics (pages/eval_manage.js)
// and the supervisor's view (pages/eval_watch.js) on the demo data, from
// the draw to a started evaluation.
//
// The demo pool has 240 experts, of whom only expert1 ... expert7 have
// accounts (and so can answer an invitation); the admin first gives those
// seven the specialty A02.04 (燃气与热力工程), which no other demo expert
// has, through the API, so a draw of A02.04 draws only them. Then it is the
// real thing, through the pages: the agent opens the logistics from its
// tender console, asks for 5 experts of A02.04 with 1 reserve, the page runs
// the draw as soon as the witness log has a checkpoint over the commitment;
// the agent sees the commitment and the counts, never the names (the record
// is refused to it: draw_secret). Each expert opens the page: the first one
// invited declines with a reason, the others confirm; the reserve is called
// automatically and confirms. The agent forms the committee (5, odd, all
// experts: the rules ticked); three members elect the chair on the page.
// The sealed opening is planted (python3's sqlite3, as in evaluation.test:
// the harness runs on the real clock), and the agent starts the evaluation.
// The supervisor sees the drawn list with names, the decline and its
// reason, verifies the draw record in the browser (the supervisor's record
// carries the seed: the commitment, the commitment logged and included in
// the checkpoint, the snapshot's hash, the order reproduced, every member
// at its position), the committee and each member's progress. Desktop and phone, zh and en.

import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { run, DESKTOP, PHONE, pageFetch, settle } from './lib/harness.mjs';

const TENDER = 1; // the demo works tender (comprehensive, published)
const URL = `/evaluation/manage?tender=${TENDER}`;
const SPEC = 'A02.04';

async function login(h, page, user) {
  await h.login(page, user);
  await page.waitForURL((u) => u.pathname === '/workspace');
  await settle(page);
}

// A write through the page's session (with its CSRF token).
async function apiCall(page, method, p, body) {
  return page.evaluate(
    async ([method, p, body]) => {
      const me = await (await fetch('/api/me')).json();
      const r = await fetch(p, {
        method,
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': me.csrf_token },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      let j = null;
      try {
        j = await r.json();
      } catch {
        j = null;
      }
      return { status: r.status, body: j };
    },
    [method, p, body],
  );
}

function plantOpening(dataDir) {
  const py = `
import sqlite3, sys, time, hashlib
db = sqlite3.connect(sys.argv[1], timeout=30)
now = int(time.time() * 1000)
t = ${TENDER}
bids = [(4, 4800000000, 500), (5, 4920000000, 520), (6, 4740000000, 540)]
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
db.commit()
`;
  execFileSync('python3', ['-c', py, path.join(dataDir, 'sunbid.db')]);
}

async function count(page, k) {
  return Number(await page.locator(`.em-draw [data-count="${k}"] strong`).first().innerText());
}

await run('eval_manage', async (h) => {
  const { t } = h;
  const experts = {}; // username -> page
  const names = [];
  let agent;

  await h.step('admin: the seven experts with accounts get the specialty A02.04', async () => {
    const a = await h.newPage(DESKTOP, 'admin');
    await login(h, a, 'admin');
    const list = await pageFetch(a, '/api/experts?limit=100');
    const seven = (list.body.items || []).filter((e) => /^expert[1-7]$/.test(e.username || ''));
    t.eq('seven experts with accounts', seven.length, 7);
    for (const e of seven) {
      const r = await apiCall(a, 'PUT', `/api/experts/${e.id}`, { specialties: [SPEC] });
      t.eq(`${e.username}: ${SPEC}`, r.status, 200);
      names.push(e.name);
    }
    await h.closePage(a);
  });

  await h.step('agent: the logistics from the tender console; a draw is requested', async () => {
    agent = await h.newPage(DESKTOP, 'agent');
    await login(h, agent, 'agent');
    await h.goto(agent, `/tender?id=${TENDER}`);
    await agent.click('#tender-eval-manage');
    await agent.waitForURL((u) => u.pathname === '/evaluation/manage');
    await agent.locator('#draw-form').waitFor();
    t.eq('title', await agent.locator('main h1').innerText(), '评标组织');
    t.ok('the recusal rules are shown', (await agent.locator('#draw-recusal').textContent()).includes('30日'));
    await agent.selectOption('#draw-groups .em-spec', SPEC);
    await agent.fill('#draw-groups .em-count', '5');
    await agent.fill('#draw-groups .em-reserves', '1');
    await agent.click('#draw-submit');
    await agent.locator('.em-draw[data-state="committed"]').waitFor();
    const c = await agent.locator('.em-draw [data-testid="draw-commitment"]').innerText();
    t.ok('the commitment is shown', /^[0-9a-f]{64}$/.test(c.trim()), c);
    await h.screenshot(agent, 'eval-manage-committed-desktop-zh.png');
  });

  await h.step('agent: the draw runs once the checkpoint holds the commitment', async () => {
    await agent.click('.em-draw button[data-action="run"]');
    await agent.locator('.em-draw[data-state="drawn"]').waitFor({ timeout: 40_000 });
    t.eq('5 notified', await count(agent, 'notified'), 5);
    t.eq('5 pending', await count(agent, 'pending'), 5);
    t.ok('the list is secret to the agent', (await agent.locator('[data-testid="draw-secret"]').count()) === 1);
    const text = await agent.locator('main').innerText();
    t.ok('no expert name on the agent page', !names.some((n) => text.includes(n)));
    const rec = await pageFetch(agent, '/api/draws/1/record');
    t.eq('the record is refused to the agent', rec.body && rec.body.error && rec.body.error.code, 'draw_secret');
    await h.screenshot(agent, 'eval-manage-drawn-desktop-zh.png');
  });

  const confirmed = [];
  let decliner = null;
  await h.step('experts answer: one declines, the reserve is called, all others confirm', async () => {
    for (let i = 1; i <= 7; i++) {
      const p = await h.newPage(DESKTOP, `expert${i}`);
      await login(h, p, `expert${i}`);
      experts[`expert${i}`] = p;
    }
    for (let pass = 0; pass < 4; pass++) {
      let any = false;
      for (const [u, p] of Object.entries(experts)) {
        await h.goto(p, URL);
        await p.locator('#em-invitations').waitFor();
        const li = p.locator('#em-invitations li[data-status="notified"]');
        if ((await li.count()) === 0) continue;
        any = true;
        if (!decliner) {
          await li.locator('input').fill('评标期间出差在外');
          if (pass === 0) await h.screenshot(p, 'eval-manage-invitation-desktop-zh.png');
          await li.locator('button[data-action="decline"]').click();
          decliner = u;
        } else {
          await li.locator('button[data-action="confirm"]').click();
          confirmed.push(u);
        }
        await p.waitForFunction(() => document.querySelector('#em-status').textContent === '已答复邀请。');
      }
      if (!any) break;
    }
    t.ok('one declined', decliner !== null);
    t.eq('five confirmed', confirmed.length, 5);
  });

  await h.step('agent: the counts followed; the committee is formed', async () => {
    await h.goto(agent, URL);
    await agent.locator('#committee').waitFor();
    t.eq('5 confirmed', await count(agent, 'confirmed'), 5);
    t.eq('1 declined', await count(agent, 'declined'), 1);
    t.eq('0 pending', await count(agent, 'pending'), 0);
    await agent.click('#committee-form');
    await agent.locator('[data-testid="committee-state"] .tag-ok').waitFor();
    t.eq('the rules hold: at least 5, odd, experts ≥ 2/3', await agent.locator('#committee-rules li.check-ok').count(), 3);
    t.ok('start waits for the chair', await agent.locator('#em-start').isDisabled());
  });

  await h.step('members elect the chair', async () => {
    for (const u of confirmed.slice(0, 3)) {
      const p = experts[u];
      await h.goto(p, URL);
      await p.locator('#vote-submit').waitFor();
      await p.click('#vote-submit');
      await p.waitForFunction(() => document.querySelector('#em-status').textContent === '已投票。');
    }
    const p = experts[confirmed[0]];
    await h.goto(p, URL);
    t.ok('a chair is elected', (await p.locator('#em-vote [data-testid="committee-chair"]').innerText()) !== '尚未产生');
    t.eq('the decliner is no member', await experts[decliner].locator('#em-vote').count(), 0);
  });

  await h.step('planted: the sealed opening', async () => {
    plantOpening(h.server.dataDir);
    t.ok('planted', true);
  });

  await h.step('agent: the evaluation starts', async () => {
    await h.goto(agent, URL);
    t.ok('the chair is an expert, elected', (await agent.locator('[data-testid="committee-chair"]').innerText()).includes('委员推选'));
    await agent.locator('#em-template option').nth(3).waitFor({ state: 'attached' });
    await agent.selectOption('#em-template', 'works_comprehensive');
    await agent.click('#em-start');
    await agent.locator('[data-testid="eval-phase"] strong[data-phase="qualification"]').waitFor();
    t.eq('phase', await agent.locator('[data-testid="eval-phase"]').innerText(), '初步评审');
    await h.screenshot(agent, 'eval-manage-started-desktop-zh.png');
    await agent.click('#lang-switch');
    await agent.waitForFunction(() => document.querySelector('main h1').textContent === 'Evaluation logistics');
    await h.screenshot(agent, 'eval-manage-started-desktop-en.png');
    await agent.click('#lang-switch');
    const ph = await h.newPage(PHONE, 'agent phone');
    await login(h, ph, 'agent');
    await h.goto(ph, URL);
    await ph.locator('#em-evaluation').waitFor();
    const over = await ph.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('agent phone: no horizontal scrolling', over <= 0, over);
    await h.screenshot(ph, 'eval-manage-phone-zh.png');
    await h.closePage(ph);
  });

  await h.step('supervisor: the list, the record verified, the committee, the progress', async () => {
    const s = await h.newPage(DESKTOP, 'supervisor');
    await login(h, s, 'supervisor');
    await h.goto(s, URL);
    await s.locator('.em-draw').waitFor();
    t.ok('title: the read-only oversight', (await s.locator('main h1').innerText()).startsWith('评标监督'));
    const rows = await s.locator('.em-draw tbody tr').count();
    t.ok('the drawn list: six or more positions', rows >= 6, rows);
    const drawText = await s.locator('.em-draw').innerText();
    t.ok('names are visible to the supervisor', names.filter((n) => drawText.includes(n)).length >= 6);
    t.ok('the decline and its reason', drawText.includes('评标期间出差在外'));
    t.eq('one declined member', await s.locator('.em-draw [data-status="declined"]').count(), 1);
    await s.click('.em-draw button[data-action="verify"]');
    await s.locator('.draw-checks li[data-check="members"]').waitFor();
    const states = await s.locator('.draw-checks li').evaluateAll((els) => Object.fromEntries(els.map((e) => [e.dataset.check, e.dataset.state])));
    t.eq('the record checks', states, {
      format: 'ok',
      commitment: 'ok',
      'commit-entry': 'ok',
      'commit-inclusion': 'ok',
      snapshot: 'ok',
      order: 'ok',
      members: 'ok',
    });
    t.eq('the committee: five members', await s.locator('#committee tbody tr').count(), 5);
    t.eq('the room: qualification', await s.locator('#ew-room [data-testid="eval-phase"]').innerText(), '初步评审');
    t.eq('each member\u2019s progress', await s.locator('#ew-room table').first().locator('tbody tr').count(), 5);
    await h.screenshot(s, 'eval-watch-desktop-zh.png');
    const sp = await h.newPage(PHONE, 'supervisor phone');
    await login(h, sp, 'supervisor');
    await h.goto(sp, URL);
    await sp.locator('.em-draw').waitFor();
    await sp.click('.em-draw button[data-action="verify"]');
    await sp.locator('.draw-checks li[data-check="members"]').waitFor();
    const over = await sp.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('supervisor phone: no horizontal scrolling', over <= 0, over);
    await sp.locator('.draw-checks').scrollIntoViewIfNeeded();
    await h.screenshot(sp, 'eval-watch-phone-zh.png', { fullPage: false });
    await h.closePage(sp);
    await h.closePage(s);
  });
});
