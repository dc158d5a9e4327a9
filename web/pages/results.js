// pages/results.js — the public results (公示公告), without signing in:
//
//   /results             the tenders past their evaluation, newest first
//                        (GET /api/results, cursor pages): in the
//                        candidates' publicity (中标候选人公示) with the
//                        ranked candidates, the publicity's dates and whether
//                        it still runs, how to object and how many objections
//                        were raised; awarded (中标结果公告) with the winner
//                        and the award notice's date. Chips filter by state.
//   /result?tender=ID    one tender's result: the candidates, the bids not
//                        ranked with the reason, the publicity window, the
//                        objections as the public sees them (answered or not,
//                        never who raised them), the award notice
//                        (GET .../evaluation/notice, its SHA-256) and the
//                        contract.
//
// Lots (docs/evaluation.md, "Lots and rounds"): the list has one item per
// (tender, lot) with the lot's name; the result page shows one lot
// (`&lot=N`, tabs from ./lots.js when the tender has several lots; ?lot=N
// on its calls) and, after a re-evaluation, the round with the earlier
// rounds' report hashes.
//
// What is shown is what the server gives a stranger; a bidder signed in
// gets the objection form in the evaluation room (/evaluation?tender=ID).
// Phone-first: cards and stacked tables, no horizontal scrolling.

import { api } from '../api.js';
import { h, replace, loading, table, emptyState } from '../dom.js';
import { t, formatTime, errorText } from '../i18n.js';
import { pagedList } from '../list.js';
import { formatFen, kvList, timeEl, tenderHref, fetchTender, label, serverNow } from './tender_common.js';
import { lotParam, withLot, pageHref, lotTabs, tabPanel, roundsBox, lotName, lotsFromTender, lotsElsewhere } from './lots.js';

const FILTERS = ['', 'publicity', 'awarded', 'contracted'];

export function resultHref(id, lot) {
  return pageHref('/result?tender=' + encodeURIComponent(id), lot);
}

function now() {
  const s = serverNow();
  return typeof s === 'number' && Number.isFinite(s) ? s : Date.now();
}

function kindTag(state) {
  if (state === 'failed') return h('span', { class: 'tag tag-danger', dataset: { kind: 'failed' } }, t('res.kind.failed'));
  const pub = state === 'publicity';
  return h('span', { class: ['tag', pub ? 'tag-kind' : 'tag-ok'], dataset: { kind: pub ? 'publicity' : 'award' } }, pub ? t('res.kind.publicity') : t('res.kind.award'));
}

function publicityLine(p) {
  if (!p) return null;
  const running = now() < p.end_ms;
  return h(
    'span',
    { class: 'res-window', dataset: { running: String(running) } },
    timeEl(p.start_ms),
    ' – ',
    timeEl(p.end_ms),
    ' ',
    h('span', { class: ['tag', running ? 'tag-ok' : 'tag-muted'] }, running ? t('res.running') : t('res.ended')),
  );
}

function candidateList(cands) {
  if (!cands || cands.length === 0) return h('p', { class: 'muted small' }, t('res.no_candidates'));
  return h(
    'ol',
    { class: 'plain-list res-candidates' },
    cands.map((c) => h('li', { dataset: { rank: String(c.rank) } }, h('strong', null, t('res.rank_n', { n: c.rank })), ' ', c.bidder || '#' + c.org_id, ' · ', h('span', { class: 'money' }, formatFen(c.price_fen)))),
  );
}

function resultItem(r) {
  // one item per (tender, lot); a tender of one lot has no lot_name to show
  const lot = typeof r.lot === 'number' ? r.lot : 1;
  const phase = r.phase || r.state; // the lot's; the tender's is its least advanced lot's
  return h(
    'li',
    { class: 'notice res-item', dataset: { tender: String(r.id), lot: String(lot), state: r.state, phase } },
    h('p', { class: 'notice-tags' }, kindTag(phase), r.category ? h('span', { class: 'tag tag-cat' }, label('cat.', r.category)) : null),
    h('p', { class: 'notice-title' }, h('a', { href: resultHref(r.id, lot), 'data-link': true }, r.title)),
    r.lot_name || lot > 1 ? h('p', { class: 'res-lot', dataset: { testid: 'lot' } }, t('lot.n', { n: lot }), r.lot_name ? ' · ' + r.lot_name : '') : null,
    h('p', { class: 'notice-meta' }, h('span', { class: 'mono' }, r.code || ''), r.region ? h('span', null, r.region) : null),
    kvList([
      r.publicity ? [t('res.publicity'), publicityLine(r.publicity)] : null,
      r.award ? [t('res.winner'), h('strong', { dataset: { testid: 'winner' } }, r.award.bidder || '')] : null,
      r.award ? [t('res.award_at'), timeEl(r.award.award_ms)] : null,
      phase === 'publicity' && r.objections ? [t('res.objections'), t('res.objections_v', { total: r.objections.total, open: r.objections.open })] : null,
      r.round > 1 ? [t('lot.round'), t('lot.round_n', { n: r.round })] : null,
    ]),
    phase === 'publicity' ? candidateList(r.candidates) : null,
  );
}

export function render(ctx) {
  const state = FILTERS.includes(ctx.params.get('state')) ? ctx.params.get('state') : '';
  const chips = h(
    'div',
    { class: 'chips', role: 'group', 'aria-label': t('res.filter') },
    FILTERS.map((s) => h('a', { class: 'chip', href: s ? '/results?state=' + s : '/results', 'data-link': true, 'aria-current': s === state ? 'true' : null, dataset: { state: s || 'all' } }, t('res.filter.' + (s || 'all')))),
  );
  const list = pagedList(ctx, {
    path: '/api/results',
    params: { state },
    failed: t('res.load_failed'),
    renderItems: (items) => h('ul', { class: 'notice-list', id: 'results-list' }, items.map(resultItem)),
    empty: () => emptyState(t('res.empty'), t('res.empty_hint')),
  });
  return h(
    'div',
    { class: 'page page-results', dataset: { page: 'results' } },
    h('div', { class: 'hero' }, h('div', { class: 'hero-inner' }, h('h1', null, t('res.title')), h('p', null, t('res.intro')))),
    h('section', { class: 'card', 'aria-label': t('res.title') }, chips, list.el),
    h('section', { class: 'card', id: 'res-howto' }, h('h2', null, t('res.howto_title')), h('p', null, t('res.howto'))),
  );
}

// ---- one tender's result ------------------------------------------------------------

// An objection's answer for display: the system's answer to an objection of
// an ended round, "superseded: re-evaluation round N started"
// (docs/evaluation.md "Objections and rounds"), localized; others as given.
function objectionAnswer(o) {
  const m = /^superseded: re-evaluation round (\d+) started$/.exec(o.answer || '');
  return m ? t('lot.objection_superseded', { n: m[1] }) : o.answer || '';
}

function objectionsPanel(view) {
  const obs = view.objections || [];
  return h(
    'section',
    { class: 'card', id: 'res-objections' },
    h('h2', null, t('res.objections')),
    view.phase === 'publicity' ? h('p', { class: 'muted small' }, t('res.howto')) : null,
    obs.length === 0
      ? h('p', { class: 'muted' }, t('res.no_objections'))
      : h(
          'ul',
          { class: 'qa-list' },
          obs.map((o) =>
            h(
              'li',
              { class: 'qa-item', dataset: { objection: String(o.id), answered: String(Boolean(o.answered_ms)) } },
              h('p', { class: 'qa-meta' }, t('res.objection_n', { id: o.id }), ' · ', view.round > 1 ? [t('lot.round_n', { n: o.round }), ' · '] : null, formatTime(o.raised_ms), ' · ', t('res.due'), ' ', formatTime(o.due_ms)),
              o.answered_ms ? h('p', { class: 'qa-answer' }, t('res.answer'), ' ', objectionAnswer(o), ' (', formatTime(o.answered_ms), ')') : h('p', { class: 'muted small' }, t('res.awaiting_answer')),
            ),
          ),
        ),
  );
}

async function noticePanel(id, lot) {
  const n = await api('GET', withLot(`/api/tenders/${id}/evaluation/notice`, lot));
  const x = n.notice || {};
  return h(
    'section',
    { class: 'card', id: 'res-notice' },
    h('h2', null, t('res.notice_title')),
    kvList([
      [t('res.winner'), h('strong', { dataset: { testid: 'winner' } }, x.bidder || '')],
      [t('res.price'), h('span', { class: 'money' }, formatFen(x.price_fen))],
      [t('res.award_at'), timeEl(x.award_ms)],
      x.reason ? [t('res.award_reason'), x.reason] : null,
      [t('res.publicity'), h('span', null, timeEl(x.publicity_start_ms), ' – ', timeEl(x.publicity_end_ms))],
      [t('res.report_sha'), h('code', { class: 'mono wrap-any code-sm' }, x.report_sha256 || '')],
      [t('res.notice_sha'), h('code', { class: 'mono wrap-any code-sm', dataset: { testid: 'notice-sha' } }, n.notice_sha256 || '')],
    ]),
    h('p', null, h('a', { href: withLot(`/api/tenders/${id}/evaluation/notice`, lot) }, t('res.notice_json'))),
  );
}

export const detail = {
  render(ctx) {
    const idStr = ctx.params.get('tender') || '';
    const root = h('div', { class: 'page page-result', dataset: { page: 'result' } });
    const head = h('div', { class: 'page-head' }, h('h1', { id: 'res-h' }, t('res.detail_title')));
    if (!/^[1-9]\d{0,15}$/.test(idStr)) {
      replace(root, head, h('p', { class: 'alert alert-error' }, t('eval.no_tender')));
      return root;
    }
    const id = Number(idStr);
    const lot = lotParam(ctx);
    const tabs = h('div', { class: 'lot-switch' });
    const body = h('div', { id: 'res-body', 'aria-busy': 'true' }, loading());
    replace(root, head, h('p', null, h('a', { href: '/results', 'data-link': true }, t('res.back')), ' · ', h('a', { href: tenderHref(id), 'data-link': true }, t('eval.to_tender'))), tabs, body);
    (async () => {
      const settle = (p) => p.then((v) => ({ v }), (e) => ({ e }));
      const [dr, vr] = await Promise.all([settle(fetchTender(id)), settle(api('GET', withLot(`/api/tenders/${id}/evaluation`, lot)))]);
      if (!ctx.alive()) return;
      if (dr.e || vr.e) {
        const e = dr.e || vr.e;
        // another lot may be public: the tabs from the tender's lots
        const tl = dr.v ? await lotsElsewhere(id, lot, lotsFromTender(dr.v)) : [];
        if (!ctx.alive()) return;
        replace(tabs, lotTabs(ctx, tl, lot, 'res-body', 'lot.phase.pending'));
        tabPanel(body, tl, lot);
        replace(body, e.status === 404 && e.code !== 'lot_not_found' ? emptyState(t('res.not_public'), t('res.not_public_hint')) : h('p', { class: 'alert alert-error' }, errorText(e)));
        body.removeAttribute('aria-busy');
        return;
      }
      const d = dr.v;
      const view = vr.v;
      const x = d.tender;
      const res = view.result || {};
      const lots = view.lots || [];
      // the lot's phase says publicity or award (the tender's is its least advanced lot's)
      const phase = view.phase || x.state;
      // the lot's ceiling when the tender has lots with their own
      const tl = (d.lots || []).find((l) => l.lot_no === lot);
      const ceiling = (tl && tl.ceiling_fen) || x.ceiling_fen;
      replace(tabs, lotTabs(ctx, lots, lot, 'res-body', 'lot.phase.pending'));
      tabPanel(body, lots, lot);
      const parts = [
        h(
          'section',
          { class: 'card', id: 'res-summary' },
          h('p', { class: 'notice-tags' }, kindTag(phase === 'publicity' || phase === 'failed' ? phase : 'award'), x.category ? h('span', { class: 'tag tag-cat' }, label('cat.', x.category)) : null),
          h('h2', { class: 'notice-title' }, x.title),
          lots.length > 1 ? h('p', { class: 'res-lot', id: 'res-lot', dataset: { lot: String(lot) } }, lotName(lots, lot)) : null,
          kvList([
            view.round > 1 ? [t('lot.round'), t('lot.round_n', { n: view.round }), 'res-round'] : null,
            phase === 'failed' ? [t('lot.fail_reason'), view.failed_reason || view.fail_reason || '', 'res-fail-reason'] : null,
            [t('res.code'), h('span', { class: 'mono' }, x.code || '')],
            [t('eval.method'), t('eval.method.' + view.method)],
            ceiling ? [t('res.ceiling'), formatFen(ceiling)] : null,
            view.publicity ? [t('res.publicity'), publicityLine(view.publicity)] : null,
          ]),
        ),
        h(
          'section',
          { class: 'card', id: 'res-candidates' },
          h('h2', null, t('eval.candidates')),
          table(
            [
              { key: 'rank', label: t('eval.rank') },
              { label: t('eval.bidder'), render: (c) => c.bidder || '#' + c.org_id },
              { label: t('eval.price'), render: (c) => formatFen(c.price_fen) },
              (res.candidates || []).some((c) => typeof c.total === 'number' || typeof c.evaluated_fen === 'number')
                ? { label: t('res.score'), render: (c) => (typeof c.total === 'number' ? c.total.toFixed(2) : typeof c.evaluated_fen === 'number' ? formatFen(c.evaluated_fen) : t('app.none')) }
                : null,
            ].filter(Boolean),
            res.candidates || [],
            t('eval.candidates'),
          ),
          res.tie_at_cutoff ? h('p', { class: 'alert alert-info' }, t('res.tie')) : null,
          (res.not_valid || []).length
            ? h(
                'div',
                null,
                h('h3', null, t('res.not_valid')),
                table(
                  [
                    { label: t('eval.bidder'), render: (b) => b.bidder || '#' + b.org_id },
                    { label: t('res.why'), render: (b) => (t('res.invalid.' + b.reason) !== 'res.invalid.' + b.reason ? t('res.invalid.' + b.reason) : b.reason) },
                  ],
                  res.not_valid,
                  t('res.not_valid'),
                ),
              )
            : null,
        ),
        roundsBox(view, 'res-rounds'),
      ];
      if (view.publicity) parts.push(objectionsPanel(view));
      if (view.award) {
        try {
          parts.push(await noticePanel(id, lot));
        } catch (e) {
          parts.push(h('p', { class: 'alert alert-error' }, errorText(e)));
        }
      }
      if (view.contract)
        parts.push(h('section', { class: 'card', id: 'res-contract' }, h('h2', null, t('res.contract')), kvList([[t('eval.contract_amount'), formatFen(view.contract.amount_fen)], [t('eval.contract_at'), timeEl(view.contract.contract_ms)]])));
      if (!ctx.alive()) return;
      replace(body, ...parts);
      body.removeAttribute('aria-busy');
    })();
    return root;
  },
};
