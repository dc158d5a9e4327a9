// tenders.test.mjs — the tender pages up to the bid deadline (交易项目).
//
// The agent creates a draft in the editor (/tenders/new), uploads a
// document and publishes with a bid deadline too soon: the refusal shows
// the rule (min_bid_days), its bound and its legal source, and marks the
// field. With the deadline moved the tender publishes straight into
// bidding. A bidder (phone) finds it in the public list, registers,
// downloads the document (logged; its SHA-256 checked in the browser) and
// asks a question, told that the asker stays hidden. The agent sees the
// asker, answers with a clarification, and sees the registration and the
// download in the secret lists. Another bidder registers and reads the
// clarification with the question but without who asked (page and API).
// A bidder objects: the tender pauses; the agent answers: it resumes. The
// supervisor reads everything, askers included, with no forms. The public
// list filters by category and state and counts down; the countdown runs
// on the server's clock even when the viewer's clock is three days off.
// The agent terminates the demo draft with a reason. Desktop and phone,
// Chinese and English; no horizontal scrolling on the phone.

import { run, DESKTOP, PHONE, pageFetch, settle, navIds } from './lib/harness.mjs';

const DAY = 86400000;
const stamp = Date.now() % 100000;
const TITLE = `榕城市滨海新城排水管网改造工程（测试 ${stamp}）`;
const DOC = '排水管网改造工程招标文件（测试）\n第一章 招标公告\n第二章 投标人须知\n';
const QUESTION = `第二章投标人须知中的项目经理是否须具备一级建造师资格？（${stamp}）`;
const CLARIFICATION = '项目经理须具备市政公用工程专业一级注册建造师资格，其余要求不变。';
const BIDDER1_ORG = '海峡建工集团有限公司';

const text = (page, sel) => page.locator(sel).first().innerText();

// "2026-03-01T09:30" in Beijing time for a datetime-local input.
function bj(ms) {
  return new Date(ms + 8 * 3600 * 1000).toISOString().slice(0, 16);
}

async function noOverflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

// "24 天 23:59:07" / "24 d 23:59:07" → whole days.
function cdDays(s) {
  const m = /^(\d+) (?:天|d) \d\d:\d\d:\d\d$/.exec(s.trim());
  return m ? Number(m[1]) : null;
}

async function login(h, page, user) {
  await h.login(page, user);
  await page.waitForURL((u) => u.pathname === '/workspace');
  await settle(page);
}

await run('tenders', async (h) => {
  const { t } = h;
  let id = null;
  let code = null;
  // ---- the helpers: money, Beijing time, countdown text, the server clock ----
  await h.step('helpers', async () => {
    const page = await h.newPage(DESKTOP, 'helpers');
    await h.goto(page, '/tenders');
    const r = await page.evaluate(async () => {
      const m = await import('/pages/tender_common.js');
      const s = (v) => String(v);
      return {
        fen: [m.formatFen(0), m.formatFen(5), m.formatFen(123456789), m.formatFen(100000000000), m.formatFen(null)],
        yuan: ['1,234.5', '0.01', '', '1.234', '-1', 'abc', '¥ 12', '12.', '99999999999999'].map((x) => s(m.parseYuan(x))),
        toMs: ['2026-03-01T09:30', '2026-03-01T00:00', '2026-3-1 9:30', ''].map((x) => s(m.inputToMs(x))),
        toInput: [m.msToInput(Date.UTC(2026, 2, 1, 1, 30)), m.msToInput(Date.UTC(2026, 1, 28, 16, 0)), m.msToInput(null)],
        left: [m.formatLeft(0), m.formatLeft(59999), m.formatLeft(86400000 + 3723000), m.formatLeft(-5)],
        cd: [
          m.countdownState({ state: 'bidding', paused: false, bid_deadline_ms: 1000 }, 2000).kind,
          m.countdownState({ state: 'bidding', paused: true, bid_deadline_ms: 9000 }, 2000).kind,
          m.countdownState({ state: 'bidding', paused: false, bid_deadline_ms: 9000 }, null).kind,
          m.countdownState({ state: 'draft', paused: false, bid_deadline_ms: 9000 }, 2000).kind,
          m.countdownState({ state: 'published', paused: false, bid_deadline_ms: 3602000 }, 2000).text,
        ],
      };
    });
    t.eq('fen → ¥ with separators', r.fen, ['¥0.00', '¥0.05', '¥1,234,567.89', '¥1,000,000,000.00', '—']);
    t.eq('yuan typed → fen; bad → NaN; empty → null', r.yuan, ['123450', '1', 'null', 'NaN', 'NaN', 'NaN', '1200', 'NaN', 'NaN']);
    t.eq('datetime-local is Beijing time', r.toMs, [String(Date.UTC(2026, 2, 1, 1, 30)), String(Date.UTC(2026, 1, 28, 16, 0)), 'NaN', 'null']);
    t.eq('ms → datetime-local in Beijing time', r.toInput, ['2026-03-01T09:30', '2026-03-01T00:00', '']);
    t.eq('countdown text', r.left, ['00:00:00', '00:00:59', '1 天 01:02:03', '00:00:00']);
    t.eq('countdown states', r.cd, ['closed', 'paused', 'sync', 'none', '01:00:00']);
    await h.closePage(page);
  });

  const agent = await h.newPage(DESKTOP, 'agent (desktop)');

  // ---- the agent: a draft, a refused publication, then published -------------
  await h.step('agent creates a draft', async () => {
    await login(h, agent, 'agent');
    const nav = await navIds(agent);
    t.ok('agent: nav has 交易项目 and 我的项目', nav.includes('tenders') && nav.includes('tenders-mine'), nav);
    await agent.click('[data-nav="tenders-mine"]');
    await agent.waitForURL((u) => u.pathname === '/tenders/mine');
    await settle(agent);
    t.eq('agent: 我的项目 h1', await text(agent, 'main h1'), '我的项目');
    t.ok('agent: the demo draft is listed for its owner', (await agent.locator('main table.data tbody tr').count()) >= 1);
    await agent.click('#tender-new');
    await agent.waitForURL((u) => u.pathname === '/tenders/new');
    // Publish now: publish_at and doc_start a little in the past, so the
    // documents go out with the notice and bidding opens at once.
    const now = Date.now();
    const f = (n) => `#tender-form [name="${n}"]`;
    await agent.fill(f('title'), TITLE);
    await agent.fill(f('description'), '新建及改造雨污分流排水管网约 12 公里。');
    await agent.fill(f('region'), '350100');
    await agent.selectOption(f('category'), 'works');
    await agent.selectOption(f('procedure'), 'open');
    await agent.fill(f('ceiling_fen'), '12,345,678.9');
    await agent.fill(f('bond_fen'), '200000');
    await agent.selectOption(f('bond_form'), 'e_guarantee');
    await agent.fill(f('publish_at'), bj(now - 10 * 60000));
    await agent.fill(f('doc_start'), bj(now - 10 * 60000));
    await agent.fill(f('doc_end'), bj(now + 7 * DAY));
    await agent.fill(f('clarify_deadline'), bj(now + 10 * DAY));
    await agent.fill(f('bid_deadline'), bj(now + 15 * DAY)); // too soon: 20 days needed
    const rules = await text(agent, '#tender-rules-hint');
    t.ok('editor: shows the rules of the procedure (20 days for open tenders)', rules.includes('不少于 20 日'), rules);
    await agent.click('#tender-save');
    await agent.waitForURL((u) => u.pathname === '/tender/edit');
    await settle(agent);
    id = Number(new URL(agent.url()).searchParams.get('id'));
    t.ok('editor: the draft has an id', id > 0, agent.url());
    const status = await text(agent, '.status-line');
    const m = /\d{6}-GC-\d{4}-\d{5}/.exec(status);
    t.ok('editor: says the draft was created with its unified code', Boolean(m), status);
    code = m ? m[0] : null;
    const api = await pageFetch(agent, '/api/tenders/' + id);
    t.eq('api: ceiling stored in fen', api.body.tender.ceiling_fen, 1234567890);
    t.eq('api: bond stored in fen', api.body.tender.bond_fen, 20000000);
    t.eq('api: the state is draft', api.body.tender.state, 'draft');
    t.eq('editor: the form shows the ceiling back in yuan', await agent.inputValue('#tender-form [name="ceiling_fen"]'), '12345678.90');
    t.eq('editor: the form shows the deadline back in Beijing time', await agent.inputValue('#tender-form [name="bid_deadline"]'), bj(now + 15 * DAY));
  });

  await h.step('agent: publishing without documents is refused', async () => {
    await agent.click('#tender-publish');
    const box = agent.locator('#tender-publish-card .msg-slot .alert');
    await box.waitFor();
    t.eq('publish without documents: the error is missing_field', await box.getAttribute('data-code'), 'missing_field');
    t.ok('publish without documents: says to upload documents', (await box.innerText()).includes('招标文件'), await box.innerText());
  });

  await h.step('agent uploads a document', async () => {
    await agent.setInputFiles('#doc-upload input[type="file"]', { name: '招标文件（测试）.txt', mimeType: 'text/plain', buffer: Buffer.from(DOC) });
    t.ok('upload: the chosen file is named', (await text(agent, '#doc-upload .file-chosen')).includes('招标文件（测试）.txt'));
    await agent.click('#doc-upload-submit');
    await agent.waitForSelector('#tender-docs-edit li[data-version="1"]');
    await settle(agent);
    t.ok('upload: version 1 is listed', (await text(agent, '#tender-docs-edit li[data-version="1"]')).includes('招标文件（测试）.txt'));
    t.ok('upload: the status says so', (await text(agent, '.status-line')).includes('第 1 版'));
    t.ok('publish card: documents ✓', (await agent.locator('#tender-publish-card .check-ok').count()) === 2);
  });

  await h.step('agent: a refused publication shows the rule', async () => {
    await agent.click('#tender-publish');
    const box = agent.locator('#tender-publish-card .rule-refusal');
    await box.waitFor();
    t.eq('refusal: the code is rule_deadline_too_soon', await box.getAttribute('data-code'), 'rule_deadline_too_soon');
    t.eq('refusal: names the rule min_bid_days', await box.getAttribute('data-rule'), 'min_bid_days');
    const body = await box.innerText();
    t.ok('refusal: localised message', body.includes('投标截止时间过早'), body);
    t.ok('refusal: the rule by name', body.includes('最短投标期限') && body.includes('min_bid_days'), body);
    t.ok('refusal: the legal source', body.includes('招标投标法 art. 24'), body);
    t.ok('refusal: the bound as a Beijing time', /投标截止时间最早可为 \d{4}-\d\d-\d\d \d\d:\d\d/.test(body), body);
    t.ok('refusal: the deadline field is marked', await agent.locator('#tender-form .field[data-field="bid_deadline"].has-error').isVisible());
    const api = await pageFetch(agent, '/api/tenders/' + id);
    t.eq('refusal: the tender stays a draft', api.body.tender.state, 'draft');
    await h.screenshot(agent, 'tender-publish-refused-desktop-zh.png');
  });

  await h.step('agent fixes the deadline and publishes', async () => {
    await agent.fill('#tender-form [name="bid_deadline"]', bj(Date.now() + 25 * DAY));
    await agent.click('#tender-save');
    await agent.waitForFunction(() => (document.querySelector('.status-line') || {}).textContent.includes('已保存'));
    await settle(agent);
    await agent.click('#tender-publish');
    await agent.waitForURL((u) => u.pathname === '/tender');
    await settle(agent);
    t.eq('published: the page says so', await text(agent, '.status-line'), '招标公告已发布。');
    t.eq('published: straight into bidding', await agent.getAttribute('.tender-tags .tstate', 'data-state'), 'bidding');
    t.eq('published: the code is shown', await text(agent, '[data-testid="tender-code"]'), code);
    t.eq('published: ceiling as ¥ with separators', await text(agent, '[data-testid="tender-ceiling"]'), '¥12,345,678.90');
    t.ok('published: bond and its form', (await text(agent, '[data-testid="tender-bond"]')).startsWith('¥200,000.00 · 电子保函'));
    await agent.waitForSelector('#tender-notices .notice[data-kind="tender"]');
    t.ok('published: the 招标公告 is listed', (await text(agent, '#tender-notices')).includes('招标公告'));
    t.ok('published: the agent panel is shown', await agent.isVisible('#agent-panel'));
  });

  // ---- a bidder on a phone ----------------------------------------------------------
  const b1 = await h.newPage(PHONE, 'bidder1 (phone)');
  await h.step('bidder1 finds the tender, registers, downloads, asks', async () => {
    await login(h, b1, 'bidder1');
    await h.goto(b1, '/tenders');
    const row = b1.locator(`main table.data tbody tr[data-id="${id}"]`);
    await row.waitFor();
    t.ok('bidder1: the tender is in the list', (await row.innerText()).includes(TITLE));
    await row.locator('a.tl-link').click();
    await b1.waitForURL((u) => u.pathname === '/tender');
    await settle(b1);
    t.ok('bidder1: documents need registration first', (await text(b1, '#tender-documents')).includes('报名后可下载'));
    t.eq('bidder1: no download button before registering', await b1.locator('.doc-download').count(), 0);
    await b1.click('#tender-register');
    await b1.waitForSelector('#bid-submit');
    await settle(b1);
    t.eq('bidder1: registered', await text(b1, '.status-line'), '报名成功。');
    t.eq('bid-submit: the section names the tender', await b1.getAttribute('#bid-submit', 'data-tender'), String(id));
    t.eq('bid-submit: ... and the lot (no lots: 1)', await b1.getAttribute('#bid-submit', 'data-lot'), '1');
    t.eq('bid-submit: heading', await text(b1, '#bid-submit h2'), '投标文件递交');
    t.ok('bid-submit: says sealing happens in the browser', (await text(b1, '#bid-submit')).includes('浏览器中加密'));

    const [dl] = await Promise.all([b1.waitForEvent('download'), b1.click('.doc-download[data-version="1"]')]);
    t.eq('download: the file name', dl.suggestedFilename(), '招标文件（测试）.txt');
    const stream = await dl.createReadStream();
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    t.eq('download: the bytes', Buffer.concat(chunks).toString('utf8'), DOC);
    await b1.waitForSelector('#tender-documents .msg-slot .alert-ok');
    t.ok('download: SHA-256 checked in the browser', (await text(b1, '#tender-documents .msg-slot')).includes('SHA-256 与平台公布的一致'));

    await b1.waitForFunction(() => (document.querySelector('#objection-until') || {}).textContent);
    const until = await text(b1, '#objection-until');
    t.ok('objection: the page says when objections close', /异议截止：\d{4}-\d\d-\d\d \d\d:\d\d.*投标截止前 10 日/.test(until), until);
    const note = await text(b1, '[data-testid="ask-form-note"]');
    t.ok('ask: the page says the asker is hidden', note.includes('提问人不公开') && note.includes('其他投标人看不到'), note);
    await b1.fill('#ask-form textarea', QUESTION);
    await b1.click('#ask-form button[type="submit"]');
    await b1.waitForSelector('#ask-form .alert-ok');
    await b1.waitForSelector('#my-questions .qa-item');
    t.ok('ask: the question is in my questions, open', (await text(b1, '#my-questions')).includes('待答复'));
    t.ok('phone: no horizontal scrolling (zh)', (await noOverflow(b1)) <= 0, await noOverflow(b1));
    await h.screenshot(b1, 'tender-bidder-phone-zh.png');
  });

  // ---- the agent: asker, clarification, secret lists ----------------------------------
  await h.step('agent sees the asker and clarifies', async () => {
    await agent.reload({ waitUntil: 'domcontentloaded' });
    await agent.waitForSelector('html[data-ready="true"]');
    await settle(agent);
    const qs = await text(agent, '#tender-questions');
    t.ok('agent: the question is listed with its asker', qs.includes(QUESTION.slice(0, 10)) && qs.includes(BIDDER1_ORG), qs);
    t.ok('agent: registrations list bidder1', (await text(agent, '#tender-registrations')).includes(BIDDER1_ORG));
    const dls = await text(agent, '#tender-downloads');
    t.ok('agent: the download log has bidder1 and v1', dls.includes(BIDDER1_ORG) && dls.includes('v1'), dls);
    t.eq('agent: registration count on the page', await text(agent, '[data-testid="tender-reg-count"]'), '1');
    await agent.check('#clarify-questions input[type="checkbox"]');
    await agent.fill('#clarify-form textarea[name="body"]', CLARIFICATION);
    await agent.click('#clarify-submit');
    await agent.waitForFunction(() => (document.querySelector('.status-line') || {}).textContent.includes('第 1 号澄清'));
    await settle(agent);
    t.ok('agent: the clarification is listed', (await text(agent, '#tender-clarifications')).includes(CLARIFICATION));
    t.ok('agent: the question is now answered', (await text(agent, '#tender-questions')).includes('已澄清'));
    await h.screenshot(agent, 'tender-agent-desktop-zh.png');
  });

  await h.step('bidders see the clarification without the asker', async () => {
    await b1.reload({ waitUntil: 'domcontentloaded' });
    await b1.waitForSelector('html[data-ready="true"]');
    await settle(b1);
    const c1 = await text(b1, '#tender-clarifications');
    t.ok('bidder1: the clarification and the question', c1.includes(CLARIFICATION) && c1.includes(QUESTION), c1);
    t.ok('bidder1: my question is now clarified', (await text(b1, '#my-questions')).includes('已澄清'));

    const b2 = await h.newPage(DESKTOP, 'bidder2 (desktop)');
    await login(h, b2, 'bidder2');
    await h.goto(b2, '/tender?id=' + id);
    await b2.click('#tender-register');
    await b2.waitForSelector('#tender-clarifications .clar-item');
    await settle(b2);
    const c2 = await text(b2, '#tender-clarifications');
    t.ok('bidder2: sees the clarification and the question', c2.includes(CLARIFICATION) && c2.includes(QUESTION), c2);
    t.ok('bidder2: the page says askers are not published', c2.includes('不公布提问单位'), c2);
    t.ok('bidder2: the asker appears nowhere on the page', !(await text(b2, 'main')).includes(BIDDER1_ORG));
    const api = await pageFetch(b2, `/api/tenders/${id}/clarifications`);
    t.ok('bidder2: the API carries no asker', api.status === 200 && !JSON.stringify(api.body).includes('org'), api.body);
    const qs = await pageFetch(b2, `/api/tenders/${id}/questions`);
    t.eq("bidder2: another bidder's question is not in its own list", (qs.body.items || []).length, 0);
    t.eq('bidder2: the registration list is not for bidders', (await pageFetch(b2, `/api/tenders/${id}/registrations`)).status, 403);

    // An objection pauses the tender; the agent's answer resumes it.
    await b2.fill('#object-form textarea', '第三章评标办法中的业绩加分标准限定了地域，排斥外地投标人。');
    await b2.click('#object-form button[type="submit"]');
    await b2.waitForFunction(() => (document.querySelector('.status-line') || {}).textContent.includes('项目已暂停'));
    await settle(b2);
    t.ok('objection: the tender shows 暂停中', await b2.isVisible('.tender-tags .tpaused'));
    t.ok('objection: questions wait while paused', (await text(b2, '#ask-closed')).includes('暂停'));
    t.eq('objection: the countdown is paused', await b2.getAttribute('#tender-countdown .countdown', 'data-kind'), 'paused');
    await h.screenshot(b2, 'tender-paused-desktop-zh.png');
    await h.closePage(b2);
    // bidder1's page, left open, learns it from the public event stream.
    await b1.waitForFunction(() => (document.querySelector('#tender-countdown .countdown') || {}).dataset?.kind === 'paused');
    t.ok('live: bidder1 sees the pause without reloading', await b1.locator('.live-alert').isVisible());

    await agent.reload({ waitUntil: 'domcontentloaded' });
    await agent.waitForSelector('html[data-ready="true"]');
    await settle(agent);
    const obj = agent.locator('#tender-objections .objection').first();
    t.ok('agent: the objection names its organisation', (await obj.innerText()).includes('闽江路桥工程有限公司'));
    await obj.locator('textarea').fill('业绩加分不限地域，第三章相应条款删除“本市”二字，其余不变。');
    await obj.locator('button[type="submit"]').click();
    await agent.waitForFunction(() => (document.querySelector('.status-line') || {}).textContent.includes('项目已恢复'));
    await settle(agent);
    t.eq('answer: the tender runs again', await agent.getAttribute('#tender-countdown .countdown', 'data-kind'), 'running');
    t.ok('answer: the history shows pause and resume', (await agent.locator('#tender-history li[data-action="pause"]').count()) === 1 && (await agent.locator('#tender-history li[data-action="resume"]').count()) === 1);
  });

  // ---- the supervisor: read-only, askers included --------------------------------------
  await h.step('supervisor reads everything', async () => {
    const sp = await h.newPage(DESKTOP, 'supervisor');
    await login(h, sp, 'supervisor');
    await h.goto(sp, '/tender?id=' + id);
    await sp.waitForSelector('#supervisor-panel #tender-questions');
    await settle(sp);
    t.ok('supervisor: the question with its asker', (await text(sp, '#tender-questions')).includes(BIDDER1_ORG));
    t.ok('supervisor: registrations', (await text(sp, '#tender-registrations')).includes('闽江路桥工程有限公司'));
    t.ok('supervisor: downloads', (await text(sp, '#tender-downloads')).includes(BIDDER1_ORG));
    t.ok('supervisor: objections with the answer', (await text(sp, '#tender-objections')).includes('业绩加分不限地域'));
    t.eq('supervisor: no forms', await sp.locator('#supervisor-panel form, #tender-register, #bid-submit').count(), 0);
    t.ok('supervisor: download allowed (read-only)', (await sp.locator('.doc-download').count()) === 1);
    await h.screenshot(sp, 'tender-supervisor-desktop-zh.png');
    await h.closePage(sp);
  });

  // ---- the public ----------------------------------------------------------------------
  await h.step('public list: filters and the countdown', async () => {
    const pub = await h.newPage(DESKTOP, 'public (desktop)');
    await h.goto(pub, '/');
    t.ok('public: nav has 交易项目', (await navIds(pub)).includes('tenders'));
    await pub.click('[data-nav="tenders"]');
    await pub.waitForURL((u) => u.pathname === '/tenders');
    await settle(pub);
    t.eq('public: h1', await text(pub, 'main h1'), '交易项目');
    const row = pub.locator(`main table.data tbody tr[data-id="${id}"]`);
    t.ok('public: the tender is listed', (await row.count()) === 1);
    await pub.waitForFunction((i) => {
      const el = document.querySelector(`tr[data-id="${i}"] .countdown`);
      return el && el.dataset.kind === 'running';
    }, id);
    const cd = await row.locator('.countdown').innerText();
    t.eq('public: the countdown runs (24 whole days left)', cdDays(cd), 24);
    t.ok('public: the ceiling is shown', (await row.innerText()).includes('¥12,345,678.90'));
    t.eq('public: no draft is listed', await pub.locator('main .tstate[data-state="draft"]').count(), 0);
    await pub.click('.chip[data-category="works"]');
    await settle(pub);
    t.ok('filter: category works keeps it', (await pub.locator(`tr[data-id="${id}"]`).count()) === 1);
    await pub.selectOption('#tender-state-filter', 'bidding');
    await pub.waitForURL((u) => u.searchParams.get('state') === 'bidding');
    await settle(pub);
    t.eq('filter: category and state in the URL', new URL(pub.url()).search, '?category=works&state=bidding');
    t.ok('filter: state bidding keeps it', (await pub.locator(`tr[data-id="${id}"]`).count()) === 1);
    t.ok('filter: only bidding tenders', (await pub.$$eval('main .tstate', (xs) => xs.map((x) => x.dataset.state))).every((s) => s === 'bidding'));
    await pub.click('.chip[data-category="land"]');
    await settle(pub);
    t.eq('filter: category land drops it', await pub.locator(`tr[data-id="${id}"]`).count(), 0);
    await h.goto(pub, '/tenders');
    await h.screenshot(pub, 'tenders-list-desktop-zh.png');

    await h.goto(pub, '/tender?id=' + id);
    t.ok('public: the page offers sign-in', await pub.isVisible('#tender-signin'));
    t.ok('public: documents need sign-in', (await text(pub, '#tender-documents')).includes('登录并报名后可下载'));
    t.eq('public: no secret lists', await pub.locator('#tender-registrations, #tender-downloads, #tender-clarifications').count(), 0);
    t.eq('public: no registration count', await pub.locator('[data-testid="tender-reg-count"]').count(), 0);
    await h.screenshot(pub, 'tender-public-desktop-zh.png');
    await pub.click('#lang-switch');
    await pub.waitForFunction(() => document.documentElement.lang === 'en');
    await settle(pub);
    t.eq('en: the ceiling label', await text(pub, '#tender-summary dt:nth-of-type(5)'), 'Ceiling price');
    t.ok('en: the countdown in English', cdDays(await text(pub, '#tender-countdown .cd-value')) === 24, await text(pub, '#tender-countdown .cd-value'));
    t.eq('en: the procedure', await text(pub, '[data-testid="tender-procedure"]'), 'Open tender');
    await h.screenshot(pub, 'tender-public-desktop-en.png');
    await h.goto(pub, '/tenders');
    t.eq('en: list h1', await text(pub, 'main h1'), 'Tenders');
    await h.screenshot(pub, 'tenders-list-desktop-en.png');
    await h.closePage(pub);
  });

  await h.step('the countdown follows the server, not a wrong client clock', async () => {
    const page = await h.newPage(DESKTOP, 'wrong clock');
    // The viewer's clock is three days fast.
    await page.clock.install({ time: new Date(Date.now() + 3 * DAY) });
    await h.goto(page, '/tender?id=' + id);
    await page.waitForFunction(() => (document.querySelector('#tender-countdown .countdown') || {}).dataset?.kind === 'running');
    const s = await text(page, '#tender-countdown .cd-value');
    t.eq('wrong clock: still 24 whole days left by the server', cdDays(s), 24);
    const client = await page.evaluate(() => Date.now());
    t.ok('wrong clock: the page really runs three days fast', client - Date.now() > 2.9 * DAY, client - Date.now());
    await h.goto(page, '/tenders');
    await page.waitForFunction((i) => (document.querySelector(`tr[data-id="${i}"] .countdown`) || {}).dataset?.kind === 'running', id);
    t.eq('wrong clock: the list too (Date header)', cdDays(await page.locator(`tr[data-id="${id}"] .countdown`).innerText()), 24);
    await h.closePage(page);
  });

  // ---- phone, English -----------------------------------------------------------------------
  await h.step('phone: list and tender in English', async () => {
    await b1.click('.menu-toggle');
    await b1.click('#lang-switch');
    await b1.waitForFunction(() => document.documentElement.lang === 'en');
    await h.goto(b1, '/tender?id=' + id);
    t.eq('phone en: bid section heading', await text(b1, '#bid-submit h2'), 'Bid submission');
    t.ok('phone en: the asker note in English', (await text(b1, '[data-testid="ask-form-note"]')).includes('The asker is not disclosed'));
    t.ok('phone en: no horizontal scrolling (tender)', (await noOverflow(b1)) <= 0, await noOverflow(b1));
    await h.screenshot(b1, 'tender-bidder-phone-en.png');
    await h.goto(b1, '/tenders');
    t.ok('phone en: no horizontal scrolling (list)', (await noOverflow(b1)) <= 0, await noOverflow(b1));
    await h.screenshot(b1, 'tenders-list-phone-en.png');
    await h.closePage(b1);
  });

  await h.step('phone: the agent editor in Chinese', async () => {
    const p = await h.newPage(PHONE, 'agent (phone)');
    await login(h, p, 'agent');
    await h.goto(p, '/tenders/new');
    t.ok('phone: editor fits (no horizontal scrolling)', (await noOverflow(p)) <= 0, await noOverflow(p));
    await h.screenshot(p, 'tender-new-phone-zh.png');
    await h.goto(p, '/tender?id=' + id);
    t.ok('phone: agent tender page fits', (await noOverflow(p)) <= 0, await noOverflow(p));
    await h.screenshot(p, 'tender-agent-phone-zh.png');
    await h.closePage(p);
  });

  // ---- termination --------------------------------------------------------------------------
  await h.step('agent terminates the demo draft with a reason', async () => {
    const list = await pageFetch(agent, '/api/tenders?mine=1&state=draft');
    const draft = (list.body.items || []).find((x) => x.id !== id);
    t.ok('cancel: the demo has a draft', Boolean(draft), list.body);
    if (!draft) return;
    await h.goto(agent, '/tender?id=' + draft.id);
    await agent.click('#tender-cancel summary');
    await agent.click('#cancel-submit');
    t.ok('cancel: a reason is required', await agent.locator('#cancel-form .field.has-error').isVisible());
    await agent.fill('#cancel-form textarea', '项目资金未落实，终止本次招标。');
    await agent.click('#cancel-submit');
    await agent.waitForFunction(() => (document.querySelector('.status-line') || {}).textContent.includes('已终止'));
    await settle(agent);
    t.eq('cancel: the state is cancelled', await agent.getAttribute('.tender-tags .tstate', 'data-state'), 'cancelled');
    t.eq('cancel: the reason is shown', await text(agent, '[data-testid="tender-cancel-reason"]'), '项目资金未落实，终止本次招标。');
  });
  await h.closePage(agent);
});
