// pages/workspace.js — 工作台: who you are, your organisation, your roles and
// what each role does, with links to the pages your roles open. Later issues
// add the real work (tenders, bids, evaluation) here.

import { h, roleBadges } from '../dom.js';
import { t } from '../i18n.js';

function dl(rows) {
  return h(
    'dl',
    { class: 'kv' },
    rows.map(([k, v, id]) => [h('dt', null, k), h('dd', { dataset: id ? { testid: id } : undefined }, v)]),
  );
}

export function render(ctx) {
  const u = ctx.user;
  const shortcuts = [];
  if (ctx.hasRole(['admin'])) shortcuts.push(['/admin/users', t('nav.users')], ['/orgs', t('nav.orgs_admin')]);
  else if (ctx.hasRole(['supervisor'])) shortcuts.push(['/orgs', t('nav.orgs')]);
  else if (ctx.hasRole(['bidder']) && u.org) shortcuts.push(['/org', u.org.name]);
  if (ctx.hasRole(['admin', 'supervisor'])) shortcuts.push(['/audit', t('nav.audit')]);
  shortcuts.push(['/', t('nav.home')]);

  return h(
    'section',
    { class: 'page', dataset: { page: 'workspace' } },
    h('div', { class: 'page-head' }, h('h1', null, t('ws.title')), h('p', { class: 'muted' }, t('ws.welcome', { name: u.display_name || u.username }))),
    h(
      'div',
      { class: 'grid-2' },
      h(
        'div',
        { class: 'card' },
        h('h2', null, t('ws.account')),
        dl([
          [t('ws.display_name'), u.display_name, 'ws-display-name'],
          [t('ws.username'), u.username, 'ws-username'],
          [t('ws.roles'), roleBadges(u.roles), 'ws-roles'],
        ]),
      ),
      h(
        'div',
        { class: 'card' },
        h('h2', null, t('ws.org')),
        u.org
          ? dl([
              [t('ws.org_name'), u.org.name, 'ws-org-name'],
              [t('ws.uscc'), h('span', { class: 'mono' }, u.org.uscc || t('app.none'))],
            ])
          : h('p', { class: 'muted', dataset: { testid: 'ws-no-org' } }, t('ws.no_org')),
      ),
    ),
    h(
      'div',
      { class: 'card' },
      h('h2', null, t('ws.my_roles')),
      h(
        'ul',
        { class: 'role-list' },
        (u.roles || []).map((r) => h('li', null, h('span', { class: 'badge role-' + r }, t('role.' + r)), h('p', null, t('role.desc.' + r)))),
      ),
    ),
    h(
      'nav',
      { class: 'card', 'aria-labelledby': 'ws-shortcuts' },
      h('h2', { id: 'ws-shortcuts' }, t('ws.shortcuts')),
      h('ul', { class: 'shortcut-list' }, shortcuts.map(([p, l]) => h('li', null, h('a', { href: p, 'data-link': true, class: 'btn btn-secondary' }, l)))),
    ),
  );
}
