// escrow_edit.test.mjs — choosing the opening officers of a tender with
// escrow in the agent's editor (开标官与托管密钥, docs/escrow.md).
//
// The agent drafts a tender allowing escrow 2-of-3 (through the API), opens
// it in the editor: the card lists the users who may be officers (the demo
// gives the agent, the supervisor and the admin personal encryption
// certificates; no bidder is offered), numbers them in the order ticked and
// saves them; the server's list has them in that order. Two officers for
// n = 3 are refused at publication, naming the field; with the third the
// tender publishes and its escrow public keys appear. Desktop (Chinese) and
// phone (English, no horizontal scrolling).

import { run, DESKTOP, PHONE, DEMO_PASSWORD } from './lib/harness.mjs';

const DAY = 24 * 3600 * 1000;

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

async function token(base, username) {
  const d = await call(base, null, 'POST', '/api/auth/login', { username, password: DEMO_PASSWORD, token: true });
  return d.token;
}

await run('escrow_edit', async (h) => {
  const { t } = h;
  const base = h.url;
  let id = null;
  let agent = null;
  const uid = {};

  await h.step('set-up: a draft allowing escrow 2-of-3', async () => {
    agent = await token(base, 'agent');
    for (const u of ['agent', 'supervisor', 'admin', 'bidder1']) {
      const me = await call(base, await token(base, u), 'GET', '/api/me');
      uid[u] = me.user.id;
    }
    const now = Date.now();
    const created = await call(base, agent, 'POST', '/api/tenders', {
      title: '榕城市第三水厂托管密钥测试工程',
      region: '350100',
      category: 'works',
      publish_at_ms: now,
      doc_start_ms: now,
      doc_end_ms: now + 7 * DAY,
      clarify_deadline_ms: now + 10 * DAY,
      bid_deadline_ms: now + 21 * DAY,
      escrow_k: 2,
      escrow_n: 3,
    });
    id = created.tender.id;
    await call(base, agent, 'POST', `/api/tenders/${id}/documents?name=docs.pdf`, '%PDF the documents', 'application/pdf');
  });

  await h.step('the agent picks the officers in the editor', async () => {
    const page = await h.newPage(DESKTOP, 'escrow editor (desktop)');
    await h.login(page, 'agent');
    await page.waitForSelector('[data-testid="user-name"]');
    await h.goto(page, `/tender/edit?id=${id}`);
    await page.waitForSelector('#tender-escrow-edit li[data-user]');
    const offered = await page.locator('#tender-escrow-edit li[data-user]').evaluateAll((els) => els.map((e) => Number(e.dataset.user)));
    t.ok('the agent, supervisor and admin are offered', ['agent', 'supervisor', 'admin'].every((u) => offered.includes(uid[u])), JSON.stringify(offered));
    t.ok('no bidder is offered', !offered.includes(uid.bidder1));
    t.ok('the card says how many to choose', (await page.locator('#escrow-need').innerText()).includes('需选 3 名开标官（已选 0 名）'));
    // supervisor first, then agent: numbered in that order
    await page.locator(`#tender-escrow-edit li[data-user="${uid.supervisor}"] input`).check();
    await page.locator(`#tender-escrow-edit li[data-user="${uid.agent}"] input`).check();
    t.eq('numbered in the order ticked', await page.locator(`#tender-escrow-edit li[data-user="${uid.agent}"] .tag`).innerText(), '#2');
    await page.click('#escrow-save');
    await page.waitForFunction(() => (document.querySelector('.status-line') || {}).textContent === '开标官已保存。');
    let view = await call(base, agent, 'GET', `/api/tenders/${id}/escrow`);
    t.eq('the server has them in order', view.officers.map((o) => o.user_id), [uid.supervisor, uid.agent]);
    // two officers for n = 3: the publication is refused, naming the field
    await page.waitForSelector('#tender-publish');
    await page.click('#tender-publish');
    const box = page.locator('#tender-publish-card .alert');
    await box.waitFor();
    t.ok('publishing with two officers is refused', (await box.innerText()).length > 0, await box.innerText());
    await page.waitForSelector(`#tender-escrow-edit li[data-user="${uid.admin}"] input`);
    await page.locator(`#tender-escrow-edit li[data-user="${uid.admin}"] input`).check();
    t.ok('the count follows', (await page.locator('#escrow-need').innerText()).includes('已选 3 名'));
    await page.click('#escrow-save');
    await page.waitForFunction(() => (document.querySelector('.status-line') || {}).textContent === '开标官已保存。');
    await h.screenshot(page, 'escrow-editor-desktop-zh.png');
    view = await call(base, agent, 'GET', `/api/tenders/${id}/escrow`);
    t.eq('three officers, x = 1..3', view.officers.map((o) => [o.x, o.user_id]), [[1, uid.supervisor], [2, uid.agent], [3, uid.admin]]);
    await page.waitForSelector('#tender-publish');
    await page.click('#tender-publish');
    await page.waitForURL((u) => u.pathname === '/tender' || u.search.includes('done=published'));
    view = await call(base, null, 'GET', `/api/tenders/${id}/escrow`);
    t.ok('published: the escrow public keys are out', !!(view.public_keys && view.public_keys.intl && view.public_keys.gm));
  });

  await h.step('phone, English', async () => {
    const now = Date.now();
    const created = await call(base, agent, 'POST', '/api/tenders', {
      title: 'Escrow officers on a phone',
      region: '350100',
      category: 'works',
      publish_at_ms: now,
      doc_start_ms: now,
      doc_end_ms: now + 7 * DAY,
      clarify_deadline_ms: now + 10 * DAY,
      bid_deadline_ms: now + 21 * DAY,
      escrow_k: 2,
      escrow_n: 2,
    });
    const page = await h.newPage(PHONE, 'escrow editor (phone)');
    await h.login(page, 'agent');
    await page.waitForURL((u) => u.pathname === '/workspace');
    await page.evaluate(() => localStorage.setItem('sunbid.lang', 'en'));
    await h.goto(page, `/tender/edit?id=${created.tender.id}`);
    await page.waitForSelector('#tender-escrow-edit li[data-user]');
    t.ok('English text', (await page.locator('#escrow-need').innerText()).startsWith('Choose 2 officers'));
    const over = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    t.ok('no horizontal scrolling', over <= 0, String(over));
    await page.locator('#tender-escrow-edit').scrollIntoViewIfNeeded();
    await h.screenshot(page, 'escrow-editor-phone-en.png');
  });
});
