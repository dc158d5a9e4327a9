// admin.test.mjs — the administrator registers an organisation and a bidder
// in it through the web UI, and that bidder can sign in.
//
// A unified social credit code with a wrong check digit is refused by the
// server (422 invalid_uscc, field "uscc") and the form shows the localised
// message under the USCC input; the valid code is accepted and the
// organisation appears in the list. A user created with role bidder in that
// organisation then signs in and sees their name, organisation and the
// bidder's navigation.

import { run, DESKTOP, PHONE, navIds, pageFetch, settle, makeUscc, breakUscc } from './lib/harness.mjs';

const stamp = Date.now() % 1_000_000_000;
const ORG = {
  name: `闽江测试建设工程有限公司${stamp % 10000}`,
  uscc: makeUscc(stamp),
  legal_rep: '陈建国',
  contact_name: '林小梅',
  contact_phone: '0591-87654321',
  contact_email: 'bid@example.cn',
  address: '福建省福州市鼓楼区五四路 100 号',
};
const USER = {
  username: `bidder_t${stamp % 100000}`,
  display_name: '测试投标人 林工',
  password: 'Tb-2026#sunbid-Strong',
};

const text = (page, sel) => page.locator(sel).first().innerText();

await run('admin', async (h) => {
  const { t } = h;
  const page = await h.newPage(DESKTOP, 'admin (desktop)');
  await h.login(page, 'admin');
  await page.waitForURL((u) => u.pathname === '/workspace');
  await settle(page);

  // ---- organisation --------------------------------------------------------
  await h.step('register an organisation', async () => {
    await page.click('[data-nav="orgs"]');
    await page.waitForURL((u) => u.pathname === '/orgs');
    await settle(page);
    await page.click('#org-new');
    await page.waitForSelector('#org-form');
    t.ok('orgs: the form focuses its first field', await page.evaluate(() => document.activeElement && document.activeElement.name === 'name'));
    for (const [k, v] of Object.entries(ORG)) await page.fill(`#org-form [name="${k}"]`, k === 'uscc' ? breakUscc(v) : v);
    await page.click('#org-form button[type="submit"]');
    const err = page.locator('#org-form [data-field="uscc"] .field-error');
    await err.waitFor({ state: 'visible' });
    t.ok('orgs: a bad USCC shows the error on the USCC field', (await err.innerText()).startsWith('统一社会信用代码无效'), await err.innerText());
    t.eq('orgs: the USCC input is marked invalid', await page.getAttribute('#org-form [name="uscc"]', 'aria-invalid'), 'true');
    t.ok('orgs: the form says to correct the marked fields', (await text(page, '#org-form .alert')).includes('请更正'));
    t.eq('orgs: the USCC input has focus', await page.evaluate(() => document.activeElement.name), 'uscc');
    const before = await pageFetch(page, '/api/orgs?limit=100');
    t.ok('orgs: nothing was created by the bad request', !before.body.items.some((o) => o.name === ORG.name));
    await h.screenshot(page, 'org-form-error-desktop-zh.png');

    await page.fill('#org-form [name="uscc"]', ORG.uscc);
    await page.click('#org-form button[type="submit"]');
    await page.waitForSelector('#org-form', { state: 'detached' });
    await settle(page);
    t.ok('orgs: success is announced', (await text(page, '.status-line')).includes(ORG.name));
    const row = page.locator('main table.data tbody tr', { hasText: ORG.uscc });
    t.eq('orgs: the new organisation appears in the list once', await row.count(), 1);
    t.ok('orgs: ... with its name', (await row.first().innerText()).includes(ORG.name));
    t.ok('orgs: ... and its legal representative', (await row.first().innerText()).includes(ORG.legal_rep));
    const after = await pageFetch(page, '/api/orgs?limit=100');
    const created = after.body.items.find((o) => o.uscc === ORG.uscc);
    t.ok('orgs: the server has it', Boolean(created));
    if (created) t.eq('orgs: the server stored the contact e-mail', created.contact_email, ORG.contact_email);
    await h.screenshot(page, 'orgs-admin-desktop-zh.png');
  });

  await h.step('USCC error in English', async () => {
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    await page.click('#org-new');
    await page.fill('#org-form [name="name"]', 'Test Org');
    await page.fill('#org-form [name="uscc"]', '91350100M000100Y4Z');
    await page.fill('#org-form [name="legal_rep"]', 'Li Lei');
    await page.click('#org-form button[type="submit"]');
    const err = page.locator('#org-form [data-field="uscc"] .field-error');
    await err.waitFor({ state: 'visible' });
    t.ok('orgs (en): the USCC error is in English', (await err.innerText()).startsWith('The unified social credit code is invalid'), await err.innerText());
    await h.screenshot(page, 'org-form-error-desktop-en.png');
    await page.click('#org-form button[type="button"]');
    await page.waitForSelector('#org-form', { state: 'detached' });
    await page.click('#lang-switch');
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  });

  // ---- user ---------------------------------------------------------------------
  await h.step('create a bidder in it', async () => {
    await page.click('[data-nav="users"]');
    await page.waitForURL((u) => u.pathname === '/admin/users');
    await settle(page);
    await page.click('#user-new');
    await page.waitForSelector('#user-form');
    // The organisation picker is filled from GET /api/orgs.
    await page.waitForFunction((name) => [...document.querySelectorAll('#user-form select[name="org_id"] option')].some((o) => o.textContent.startsWith(name)), ORG.name);
    // No role chosen: the form says so before asking the server.
    await page.fill('#user-form [name="username"]', USER.username);
    await page.fill('#user-form [name="display_name"]', USER.display_name);
    await page.fill('#user-form [name="password"]', USER.password);
    await page.click('#user-form button[type="submit"]');
    t.ok('users: no role chosen is an error on the roles', (await text(page, '#user-form [data-field="roles"] .field-error')) === '请至少选择一个角色。');
    await page.check('#user-form input[name="roles"][value="bidder"]');
    const label = await page.$$eval(
      '#user-form select[name="org_id"] option',
      (os, name) => os.find((o) => o.textContent.startsWith(name)).value,
      ORG.name,
    );
    await page.selectOption('#user-form select[name="org_id"]', label);
    await h.screenshot(page, 'user-form-desktop-zh.png');
    await page.click('#user-form button[type="submit"]');
    await page.waitForSelector('#user-form', { state: 'detached' });
    await settle(page);
    t.ok('users: success is announced', (await text(page, '.status-line')).includes(USER.username));
    const row = page.locator('main table.data tbody tr', { hasText: USER.username });
    t.eq('users: the new user appears in the list', await row.count(), 1);
    const rowText = await row.first().innerText();
    t.ok('users: ... with the organisation', rowText.includes(ORG.name), rowText);
    t.ok('users: ... and the bidder role', rowText.includes('投标人/竞买人'), rowText);
    await h.screenshot(page, 'users-after-create-desktop-zh.png');

    // The same user name again is refused and nothing changes.
    await page.click('#user-new');
    await page.fill('#user-form [name="username"]', USER.username);
    await page.fill('#user-form [name="display_name"]', '重复');
    await page.fill('#user-form [name="password"]', USER.password);
    await page.check('#user-form input[name="roles"][value="bidder"]');
    await page.click('#user-form button[type="submit"]');
    const dup = page.locator('#user-form [data-field="username"] .field-error');
    await dup.waitFor({ state: 'visible' });
    t.eq('users: a duplicate user name is refused on the user name field', await dup.innerText(), '该用户名已被使用。');
    const list = await pageFetch(page, '/api/users?limit=100');
    t.eq('users: ... and no second user is created', list.body.items.filter((u) => u.username === USER.username).length, 1);
    await page.click('#user-form button[type="button"]');
    await page.click('#logout');
    await page.waitForSelector('#login-link');
  });

  // ---- the new user signs in ---------------------------------------------------
  await h.step('the new bidder signs in', async () => {
    const p2 = await h.newPage(PHONE, 'new bidder (phone)');
    await h.login(p2, USER.username, USER.password);
    await p2.waitForURL((u) => u.pathname === '/workspace');
    await settle(p2);
    t.eq('new bidder: workspace h1', await text(p2, 'main h1'), '工作台');
    t.eq('new bidder: workspace shows the organisation', await text(p2, '[data-testid="ws-org-name"]'), ORG.name);
    t.eq('new bidder: workspace shows the user name', await text(p2, '[data-testid="ws-username"]'), USER.username);
    await p2.click('.menu-toggle');
    t.eq('new bidder: header shows the display name', await text(p2, '.user-box .user-name'), USER.display_name);
    t.eq('new bidder: header shows the organisation', await text(p2, '.user-box .user-org'), ORG.name);
    t.eq('new bidder: role badge', await p2.$$eval('.user-box .badge', (bs) => bs.map((b) => b.dataset.role)), ['bidder']);
    t.eq('new bidder: bidder navigation only', await navIds(p2), ['home', 'tenders', 'auctions', 'results', 'ledger', 'workspace']);
    await h.screenshot(p2, 'new-bidder-phone-zh.png', { fullPage: false });
    const me = await pageFetch(p2, '/api/me');
    t.eq('new bidder: the server agrees on the organisation', me.body.user.org && me.body.user.org.uscc, ORG.uscc);
    await h.closePage(p2);
  });

  // ---- the audit trail shows what the admin did ----------------------------------
  await h.step('audit trail', async () => {
    const p3 = await h.newPage(DESKTOP, 'audit (desktop)');
    await h.login(p3, 'admin');
    await p3.waitForURL((u) => u.pathname === '/workspace');
    await p3.click('[data-nav="audit"]');
    await p3.waitForURL((u) => u.pathname === '/audit');
    await settle(p3);
    const rows = await p3.locator('main table.data tbody tr').count();
    t.ok('audit: the trail lists records', rows > 0, rows);
    const all = await p3.locator('main table.data').innerText();
    t.ok('audit: it records the admin creating the organisation and the user', all.includes('org.create') && all.includes('user.create'));
    await h.screenshot(p3, 'audit-after-create-desktop-zh.png');
    await h.closePage(p3);
  });
});
