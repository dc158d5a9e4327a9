// pages/home.js — the public home: published notices (公告) from
// GET /api/notices, newest first, filtered by category chips. The category
// is kept in the URL (?category=works) so a filtered list can be linked.

import { h } from '../dom.js';
import { t, has, formatTime } from '../i18n.js';
import { pagedList, emptyState } from '../list.js';

// Notice categories as the store names them (store/sqlite/migrations.c).
export const CATEGORIES = ['works', 'goods', 'services', 'land', 'mining', 'assets', 'emission'];

const label = (prefix, code) => (code && has(prefix + code) ? t(prefix + code) : code || '');

function noticeItem(n) {
  return h(
    'li',
    { class: 'notice', dataset: { id: String(n.id) } },
    h(
      'div',
      { class: 'notice-tags' },
      n.kind ? h('span', { class: 'tag tag-kind kind-' + n.kind }, label('kind.', n.kind)) : null,
      n.category ? h('span', { class: 'tag tag-cat' }, label('cat.', n.category)) : null,
    ),
    h('p', { class: 'notice-title' }, n.title),
    h(
      'p',
      { class: 'notice-meta' },
      n.region ? h('span', null, h('span', { class: 'visually-hidden' }, t('home.region') + ' '), n.region) : null,
      h(
        'time',
        { datetime: new Date(n.published_ms || 0).toISOString() },
        h('span', { class: 'visually-hidden' }, t('home.published') + ' '),
        formatTime(n.published_ms),
      ),
    ),
  );
}

export function render(ctx) {
  const cat = CATEGORIES.includes(ctx.params.get('category')) ? ctx.params.get('category') : '';
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': t('home.filter') },
    ['', ...CATEGORIES].map((c) =>
      h(
        'a',
        {
          class: 'chip',
          href: c ? '/?category=' + c : '/',
          'data-link': true,
          'aria-current': c === cat ? 'true' : null,
          dataset: { category: c || 'all' },
        },
        c ? t('cat.' + c) : t('cat.all'),
      ),
    ),
  );
  const list = pagedList(ctx, {
    path: '/api/notices',
    params: { category: cat },
    failed: t('home.load_failed'),
    renderItems: (items) => h('ul', { class: 'notice-list' }, items.map(noticeItem)),
    empty: () =>
      emptyState(t('home.empty'), cat ? t('home.empty_cat', { category: t('cat.' + cat) }) : t('home.empty_hint')),
  });
  const aside = h(
    'aside',
    { class: 'card side-card' },
    h('h2', null, t('home.side_title')),
    h('p', null, ctx.user ? t('home.side_user') : t('home.side_anon')),
    ctx.user
      ? h('a', { href: '/workspace', 'data-link': true, class: 'btn btn-primary btn-block' }, t('home.side_workspace'))
      : h('a', { href: '/login', 'data-link': true, class: 'btn btn-primary btn-block' }, t('home.side_login')),
  );
  return h(
    'div',
    { class: 'page page-home', dataset: { page: 'home' } },
    h('div', { class: 'hero' }, h('div', { class: 'hero-inner' }, h('h1', null, t('home.title')), h('p', null, t('home.intro')))),
    h(
      'div',
      { class: 'home-grid' },
      h('section', { class: 'card notices-card', 'aria-labelledby': 'notices-h' }, h('h2', { id: 'notices-h', class: 'visually-hidden' }, t('home.title')), chips, list.el),
      aside,
    ),
  );
}
