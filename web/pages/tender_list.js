// pages/tender_list.js — 交易项目 (public): tenders newest first from
// GET /api/tenders, filtered by category (chips) and state (a select), both
// kept in the URL (/tenders?category=works&state=bidding) so a filtered list
// can be linked. Each row counts down to its bid deadline by the server's
// clock (tender_common.js). An agent also reaches /tenders/mine, the
// tenders of its own organisation (mine=1, drafts included), and creates a
// draft from there. The server shows drafts only to their owners and the
// supervisor.

import { h, table } from '../dom.js';
import { t } from '../i18n.js';
import { pagedList, emptyState } from '../list.js';
import { CATEGORIES, STATES, label, stateTag, formatFen, countdown, syncClockFromDate, tenderHref, timeEl } from './tender_common.js';

function makeRender(mine) {
  return function render(ctx) {
    const cat = CATEGORIES.includes(ctx.params.get('category')) ? ctx.params.get('category') : '';
    const st = STATES.includes(ctx.params.get('state')) ? ctx.params.get('state') : '';
    const base = mine ? '/tenders/mine' : '/tenders';
    const href = (c, s) => {
      const q = new URLSearchParams();
      if (c) q.set('category', c);
      if (s) q.set('state', s);
      const qs = q.toString();
      return qs ? base + '?' + qs : base;
    };

    const chips = h(
      'div',
      { class: 'chips', role: 'group', 'aria-label': t('tender.list.filter_cat') },
      ['', ...CATEGORIES].map((c) =>
        h(
          'a',
          { class: 'chip', href: href(c, st), 'data-link': true, 'aria-current': c === cat ? 'true' : null, dataset: { category: c || 'all' } },
          c ? t('cat.' + c) : t('cat.all'),
        ),
      ),
    );
    // States a visitor may see; drafts only in "mine" (and for the supervisor).
    const states = STATES.filter((s) => s !== 'draft' || mine || ctx.hasRole(['supervisor']));
    const stateSelect = h(
      'select',
      { id: 'tender-state-filter', name: 'state', onchange: (e) => ctx.navigate(href(cat, e.target.value)) },
      h('option', { value: '' }, t('tender.list.all_states')),
      states.map((s) => h('option', { value: s, selected: s === st }, label('tender.state.', s))),
    );
    const filters = h(
      'div',
      { class: 'tender-filters' },
      chips,
      h('div', { class: 'field field-inline' }, h('label', { for: 'tender-state-filter' }, t('tender.list.filter_state')), stateSelect),
    );

    const cols = [
      {
        label: t('tender.title'),
        render: (x) =>
          h(
            'div',
            { class: 'tl-title' },
            h('a', { href: tenderHref(x.id), 'data-link': true, class: 'tl-link' }, x.title),
            h('span', { class: 'mono code-sm tl-code' }, x.code),
          ),
      },
      { label: t('tender.category'), render: (x) => label('cat.', x.category) },
      { label: t('tender.procedure'), render: (x) => label('tender.proc.', x.procedure) },
      { label: t('tender.state'), render: (x) => stateTag(x) },
      { label: t('tender.ceiling'), render: (x) => (x.ceiling_fen === null ? null : h('span', { class: 'money' }, formatFen(x.ceiling_fen))), class: 'num' },
      { label: t('tender.bid_deadline'), render: (x) => timeEl(x.bid_deadline_ms), class: 'nowrap' },
      { label: t('tender.cd.label'), render: (x) => countdown(x).el, class: 'nowrap' },
    ];
    const params = { category: cat, state: st, mine: mine ? '1' : '' };
    // The countdowns need the server's time: one sample (best effort).
    const list = pagedList(ctx, {
      path: '/api/tenders',
      params,
      failed: t('tender.list.load_failed'),
      renderItems: (items) => table(cols, items, mine ? t('tender.mine.title') : t('tender.list.title')),
      empty: () => emptyState(t('tender.list.empty'), cat || st ? t('tender.list.empty_filtered') : mine ? t('tender.mine.empty_hint') : t('tender.list.empty_hint')),
    });
    syncClockFromDate().catch(() => {});

    const newBtn =
      mine && ctx.hasRole(['agent'])
        ? h('a', { href: '/tenders/new', 'data-link': true, class: 'btn btn-primary', id: 'tender-new' }, t('tender.new'))
        : null;
    return h(
      'section',
      { class: 'page page-tenders', dataset: { page: mine ? 'tenders-mine' : 'tenders' } },
      h(
        'div',
        { class: 'page-head' },
        h('div', null, h('h1', null, mine ? t('tender.mine.title') : t('tender.list.title')), h('p', { class: 'muted' }, mine ? t('tender.mine.intro') : t('tender.list.intro'))),
        newBtn,
      ),
      h('div', { class: 'card tender-filter-card' }, filters, h('p', { class: 'muted small tl-tz' }, t('tender.list.tz'))),
      h('div', { class: 'card card-flush' }, list.el),
    );
  };
}

export const render = makeRender(false);
export const mine = { render: makeRender(true) };
