// calendar.test.mjs — the admin's working-day calendar (/admin/calendar,
// docs/calendar.md): October 2026 on the plain week, a bad CSV refused
// with its line and nothing imported, the shipped 2026 file imported (National
// Day off, the adjusted Saturday worked), a day set and reset by hand from
// the grid, the deadline checker; a phone in English without overflow.

import fs from 'node:fs';
import path from 'node:path';
import { run, DESKTOP, PHONE, settle } from './lib/harness.mjs';

const SRC = process.env.SUNBID_SOURCE_DIR || path.resolve('../..');
const CSV_2026 = fs.readFileSync(path.join(SRC, 'data/calendar/2026.csv'));
const BAD = Buffer.from('date,kind,name\n2026-10-01,holiday,国庆节\n2026-10-32,holiday,x\n');

const why = (page, date) => page.getAttribute(`.cal-day[data-date="${date}"]`, 'data-why');

await run('calendar', async (h) => {
  const { t } = h;
  const page = await h.newPage(DESKTOP, 'admin (desktop)');
  await h.login(page, 'admin');
  await page.waitForURL((u) => u.pathname === '/workspace');
  t.ok('nav: the admin has 工作日历', await page.isVisible('[data-nav="calendar"]'));
  await h.goto(page, '/admin/calendar?month=2026-10');
  await page.waitForSelector('.cal-day[data-date="2026-10-31"]');
  t.eq('grid: 31 days in October', await page.locator('.cal-day').count(), 31);
  t.eq('grid: the month title', await page.innerText('#cal-month'), '2026年10月');
  t.eq('plain week: 10-01 (Thu) works', await why(page, '2026-10-01'), 'weekday');
  t.eq('plain week: 10-03 (Sat) rests', await why(page, '2026-10-03'), 'weekend');

  await h.step('a bad file names its line and imports nothing', async () => {
    await page.setInputFiles('#cal-import-form input[type="file"]', { name: 'bad.csv', mimeType: 'text/csv', buffer: BAD });
    await page.click('#cal-import');
    const alert = page.locator('#cal-import-form .alert');
    await alert.waitFor({ state: 'visible' });
    const msg = await alert.innerText();
    t.ok('import: the refusal says nothing was imported and names line 3', msg.includes('未导入') && msg.includes('line 3'), msg);
    await h.goto(page, '/admin/calendar?month=2026-10');
    await page.waitForSelector('.cal-day[data-date="2026-10-01"]');
    t.eq('import: 10-01 is still a plain weekday', await why(page, '2026-10-01'), 'weekday');
  });

  await h.step('the 2026 arrangement imports', async () => {
    await page.setInputFiles('#cal-import-form input[type="file"]', { name: '2026.csv', mimeType: 'text/csv', buffer: CSV_2026 });
    await page.click('#cal-import');
    await page.waitForFunction(() => (document.querySelector('#cal-import-form .alert') || {}).textContent?.includes('39'));
    await page.waitForSelector('.cal-day[data-date="2026-10-01"][data-why="holiday"]');
    t.eq('2026: 10-10 (Sat) is an adjusted working day', await why(page, '2026-10-10'), 'workday');
    t.ok('2026: 10-01 shows 国庆节', (await page.innerText('.cal-day[data-date="2026-10-01"]')).includes('国庆节'));
    await h.screenshot(page, 'calendar-desktop-zh.png');
  });

  await h.step('a day set and reset from the grid', async () => {
    await page.click('.cal-day[data-date="2026-10-12"]');
    t.eq('pick: the form takes the date', await page.inputValue('#cal-form [name="date"]'), '2026-10-12');
    await page.fill('#cal-form [name="name"]', '测试');
    await page.click('#cal-save');
    await page.waitForSelector('.cal-day[data-date="2026-10-12"][data-why="holiday"]');
    t.ok('set: the grid shows the holiday', true);
    await page.click('#cal-remove');
    await page.waitForSelector('.cal-day[data-date="2026-10-12"][data-why="weekday"]');
    t.ok('reset: back to a weekday', true);
  });

  await h.step('the deadline checker', async () => {
    await page.fill('#cal-due-form [name="from"]', '2026-09-29');
    await page.fill('#cal-due-form [name="days"]', '4');
    await page.selectOption('#cal-due-form select[name="kind"]', 'working');
    await page.click('#cal-due-form button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#cal-due-out').textContent.includes('2026-10-10'));
    t.ok('due: 4 working days from 9-29 end on the adjusted Saturday 10-10', true);
  });

  const phone = await h.newPage(PHONE, 'admin (phone, en)');
  await phone.context().addInitScript(() => window.localStorage.setItem('sunbid.lang', 'en'));
  await h.login(phone, 'admin');
  await phone.waitForURL((u) => u.pathname === '/workspace');
  await h.goto(phone, '/admin/calendar?month=2026-10');
  await phone.waitForSelector('.cal-day[data-date="2026-10-01"][data-why="holiday"]');
  t.eq('phone: English title', await phone.innerText('h1'), 'Working-day calendar');
  const over = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  t.ok('phone: no horizontal overflow', over <= 0, over);
  const small = await phone.$$eval('.cal-day', (els) => els.filter((e) => e.getBoundingClientRect().height < 40).length);
  t.eq('phone: every day is a 40px touch target', small, 0);
  await h.screenshot(phone, 'calendar-phone-en.png');
  await settle(phone);
});
