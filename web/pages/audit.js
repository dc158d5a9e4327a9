// pages/audit.js — 审计日志 (admin, supervisor): the append-only audit trail
// from GET /api/audit, newest first, read-only.

import { h, table } from '../dom.js';
import { t, has, formatTime } from '../i18n.js';
import { pagedList, emptyState } from '../list.js';

// The detail is a JSON object (or its text): shown as "key: value" lines.
function detail(d) {
  if (d === null || d === undefined || d === '') return null;
  let v = d;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v);
    } catch {
      return h('code', { class: 'detail' }, d);
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return h('code', { class: 'detail' }, JSON.stringify(v));
  const keys = Object.keys(v);
  if (!keys.length) return null;
  return h(
    'dl',
    { class: 'detail' },
    keys.map((k) => [h('dt', null, k), h('dd', null, typeof v[k] === 'object' ? JSON.stringify(v[k]) : String(v[k]))]),
  );
}

export function render(ctx) {
  const cols = [
    { label: t('audit.at'), render: (a) => formatTime(a.at_ms), class: 'nowrap' },
    { label: t('audit.actor'), render: (a) => h('span', { class: 'mono' }, a.actor) },
    {
      label: t('audit.action'),
      render: (a) =>
        h(
          'span',
          { class: 'action' },
          has('action.' + a.action) ? t('action.' + a.action) : null,
          h('code', { class: 'code-sm' }, a.action),
        ),
    },
    { label: t('audit.object'), render: (a) => (a.object_type ? a.object_type + (a.object_id ? ' #' + a.object_id : '') : null) },
    { label: t('audit.remote_addr'), render: (a) => (a.remote_addr ? h('span', { class: 'mono' }, a.remote_addr) : null) },
    { label: t('audit.request_id'), render: (a) => (a.request_id ? h('span', { class: 'mono small' }, a.request_id) : null) },
    {
      label: t('audit.detail'),
      render: (a) => detail(a.detail),
      class: 'col-detail',
    },
  ];
  const list = pagedList(ctx, {
    path: '/api/audit',
    limit: 50,
    renderItems: (items) => table(cols, items, t('audit.title')),
    empty: () => emptyState(t('audit.empty')),
  });
  return h(
    'section',
    { class: 'page', dataset: { page: 'audit' } },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, t('audit.title')), h('p', { class: 'muted' }, t('audit.intro')))),
    h('div', { class: 'card card-flush' }, list.el),
  );
}
