// pages/evaluation.js — the evaluation room (评标室) of one tender, at
// /evaluation?tender=ID: one page, a panel by who looks (docs/evaluation.md).
//
//   member       the bids as read out at the opening; the qualification
//                sheet (pass/fail per bid and criterion, a fail with its
//                reason); the scoring sheet (the subjective items of every
//                valid bid, a revision with its reason); its own score
//                warnings, each confirmed with a reason; the report's hash
//                and the signature, made here with the member's signing
//                key file (PKCS#8 PEM, P-256; read in the browser and never
//                uploaded: ../seal.js signRecord over the message
//                "sunbid-evaluation-report/1:<hash>")
//   chair        besides: every member's warnings and the next step
//   supervisor   every warning and entry count, the report
//   agent        starts the evaluation with a template, publishes the
//                candidates, answers objections, awards, records the
//                contract; sees the logistics only
//   everyone     from the publicity on: the candidates, the objections, the
//                award and the contract; a bidder may object
//
// The server decides what each caller sees (evaluation_view_json); this
// page shows what the view holds and offers the steps that fit the phase.
//
// Beside the sheets, for the members and supervisors: each bid with the
// bidder's credit and supervision records (GET /api/tenders/:id/credit,
// docs/credit.md); the bills of quantities lined up (GET .../lots/N/boq/
// comparison, docs/boq.md: unbalanced unit prices, identical price
// columns, arithmetic errors; the XLSX export), a table that scrolls
// sideways on a phone with its first column held; the inquiries to
// bidders (不见面询标, docs/credit.md), asked by the chair.
//
// Lots and rounds (docs/evaluation.md): the room shows one lot of the
// tender at a time (`&lot=N` in the URL, ./lots.js: tabs with each lot's
// name and phase when there are several); every call about the evaluation
// carries ?lot=N. The committee is the tender's; sheets, warnings, report
// and signatures are the lot's and its round's. From a re-evaluation on
// (round > 1) the earlier rounds' report hashes are listed.
//
// Live: the page follows /api/events?topic=evaluation.ID (members,
// supervisors, the tender's agent; counts and phase only, never scores,
// domain/evaluation_live.h) and reads the room again on each event. What
// the reader is typing survives the redraw: inputs, the chosen key file
// and the message slots are made once per key (kept) until the phase
// changes.

import { api } from '../api.js';
import { h, replace, loading, table } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { formatFen, messageSlot, kvList, timeEl, busy, tenderHref, fetchTender } from './tender_common.js';
import { signRecord, SealError } from '../seal.js';
import { awardHref } from './award.js';
import { lotParam, withLot, pageHref, lotTabs, tabPanel, roundsBox, lotsFromTender, lotsElsewhere, lotName } from './lots.js';

export const PHASES = ['qualification', 'scoring', 'signing', 'signed', 'publicity', 'awarded', 'contracted'];
const SIGN_PREFIX = 'sunbid-evaluation-report/1:';
// The room's live events (docs/evaluation.md, "Live updates").
const LIVE_EVENTS = ['evaluation.fail', 'evaluation.reevaluate', 'evaluation.award_revoked', 'evaluation.start', 'evaluation.qualify', 'evaluation.score', 'evaluation.adjust', 'evaluation.confirm', 'evaluation.advance', 'evaluation.sign', 'evaluation.publish', 'evaluation.object', 'evaluation.answer', 'evaluation.award', 'evaluation.contract', 'clarify.ask', 'clarify.answer'];
// Events of another lot that change its tab (its phase or round).
const LOT_PHASE_EVENTS = ['evaluation.fail', 'evaluation.reevaluate', 'evaluation.award_revoked', 'evaluation.start', 'evaluation.advance', 'evaluation.sign', 'evaluation.publish', 'evaluation.award', 'evaluation.contract'];
const BOQ_LINES_SHOWN = 300; // flagged lines drawn in the page; the XLSX has all
const INQUIRY_POLL_MS = 15000; // a waiting question is read again this often

// Elements made once per key and reused by every redraw (see the top).
function keeper() {
  const m = new Map();
  const kept = (key, make) => {
    if (!m.has(key)) m.set(key, make());
    return m.get(key);
  };
  kept.drop = (prefix) => {
    for (const k of [...m.keys()]) if (k.startsWith(prefix)) m.delete(k);
  };
  return kept;
}

export function evaluationHref(id, lot) {
  return pageHref('/evaluation?tender=' + encodeURIComponent(id), lot);
}

function roles(ctx) {
  return (ctx.user && ctx.user.roles) || [];
}

// Points as the server writes them (a number with two decimals).
function pts(v) {
  return typeof v === 'number' ? v.toFixed(2) : t('app.none');
}

function phaseBar(phase) {
  const at = PHASES.indexOf(phase);
  return h(
    'ol',
    { class: 'phase-bar', id: 'eval-phases', 'aria-label': t('eval.phases') },
    PHASES.map((p, i) =>
      h(
        'li',
        { class: ['phase', i < at ? 'phase-done' : null, i === at ? 'phase-now' : null], dataset: { phase: p }, 'aria-current': i === at ? 'step' : null },
        h('span', { class: 'phase-n', 'aria-hidden': 'true' }, String(i + 1)),
        h('span', { class: 'phase-name' }, t('eval.phase.' + p)),
      ),
    ),
  );
}

// A failed lot (该标段流标): no phase bar, the reason.
function failedBox(view) {
  const why = view.fail_reason || view.failed_reason || '';
  return h('section', { class: 'card', id: 'eval-failed', dataset: { phase: 'failed' } }, h('p', { class: 'alert alert-error' }, t('lot.failed')), why ? kvList([[t('lot.fail_reason'), why, 'eval-fail-reason']]) : null);
}

function bidderName(view, org) {
  const b = (view.bidders || []).find((x) => x.org_id === org);
  if (b) return b.bidder;
  const c = ((view.result && view.result.candidates) || []).find((x) => x.org_id === org);
  return c ? c.bidder : '#' + org;
}

function entry(view, org, item) {
  return (view.entries || []).find((e) => e.member_id === view.you && e.org_id === org && e.item === item);
}

// ---- the member's sheets --------------------------------------------------------

function qualificationSheet(view, tpl, id, lot, reload, kept) {
  const msg = kept('in:qmsg', messageSlot);
  const rows = [];
  for (const b of view.bidders || [])
    for (const c of tpl.qualification || []) {
      const e = entry(view, b.org_id, 'q:' + c.code);
      const pass = kept(`in:q:${b.org_id}:${c.code}:p`, () => h('input', { type: 'checkbox', checked: !e || e.value === 1, 'aria-label': t('eval.pass') }));
      const reason = kept(`in:q:${b.org_id}:${c.code}:r`, () => h('input', { type: 'text', maxlength: 2000, value: (e && e.reason) || '', 'aria-label': t('eval.reason') }));
      rows.push({ org: b.org_id, bidder: b.bidder, code: c.code, name: c.name, pass, reason });
    }
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('eval.submit_sheet'));
  const form = h(
    'form',
    {
      class: 'eval-sheet',
      id: 'eval-qualification',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const votes = rows.map((r) => ({ org_id: r.org, criterion: r.code, pass: r.pass.checked, ...(r.reason.value.trim() ? { reason: r.reason.value.trim() } : {}) }));
        await busy(submit, async () => {
          try {
            await api('POST', withLot(`/api/tenders/${id}/evaluation/qualification`, lot), { votes, submit: true });
            reload(t('eval.saved'));
          } catch (e) {
            msg.error(e);
          }
        });
      },
    },
    table(
      [
        { key: 'bidder', label: t('eval.bidder') },
        { key: 'name', label: t('eval.criterion') },
        { label: t('eval.pass'), render: (r) => r.pass },
        { label: t('eval.reason'), render: (r) => r.reason },
      ],
      rows,
    ),
    msg.el,
    submit,
  );
  return h('section', { class: 'card' }, h('h2', null, t('eval.qualification')), form);
}

function scoringSheet(view, tpl, id, lot, reload, kept) {
  const msg = kept('in:smsg', messageSlot);
  const items = (tpl.items || []).filter((i) => i.kind === 'subjective');
  const qualified = new Set(view.qualified || []);
  const rows = [];
  for (const b of view.bidders || [])
    for (const it of items) {
      if (!qualified.has(b.org_id)) continue;
      const e = entry(view, b.org_id, 's:' + it.code);
      const input = kept(`in:s:${b.org_id}:${it.code}`, () => h('input', { type: 'number', min: 0, max: it.points, step: '0.01', value: e ? (e.value / 100).toFixed(2) : '', 'aria-label': `${b.bidder} ${it.name}` }));
      rows.push({ org: b.org_id, bidder: b.bidder, code: it.code, name: `${it.name} (${pts(it.min)}–${pts(it.max)})`, input });
    }
  const reason = kept('in:revise', () => h('input', { type: 'text', id: 'eval-revise-reason', maxlength: 2000, 'aria-label': t('eval.revise_reason') }));
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('eval.submit_sheet'));
  const form = h(
    'form',
    {
      class: 'eval-sheet',
      id: 'eval-scoring',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const scores = rows.filter((r) => r.input.value !== '').map((r) => ({ org_id: r.org, item: r.code, score: Number(r.input.value) }));
        const body = { scores, submit: true };
        if (reason.value.trim()) body.reason = reason.value.trim();
        await busy(submit, async () => {
          try {
            await api('POST', withLot(`/api/tenders/${id}/evaluation/scores`, lot), body);
            reload(t('eval.saved'));
          } catch (e) {
            msg.error(e);
          }
        });
      },
    },
    table(
      [
        { key: 'bidder', label: t('eval.bidder') },
        { key: 'name', label: t('eval.item') },
        { label: t('eval.score'), render: (r) => r.input },
      ],
      rows,
    ),
    h('div', { class: 'field' }, h('label', { for: 'eval-revise-reason' }, t('eval.revise_reason')), reason),
    msg.el,
    submit,
  );
  return h('section', { class: 'card' }, h('h2', null, t('eval.scoring')), form);
}

function warningsPanel(view, id, lot, reload, kept) {
  const ws = view.warnings || [];
  if (ws.length === 0) return h('section', { class: 'card', id: 'eval-warnings' }, h('h2', null, t('eval.warnings')), h('p', { class: 'muted' }, t('eval.no_warnings')));
  const msg = kept('in:wmsg', messageSlot);
  return h(
    'section',
    { class: 'card', id: 'eval-warnings' },
    h('h2', null, t('eval.warnings')),
    table(
      [
        { label: t('eval.warning_kind'), render: (w) => t('eval.warn.' + w.kind) },
        { label: t('eval.member'), render: (w) => '#' + w.member_id },
        { label: t('eval.bidder'), render: (w) => (w.org_id ? bidderName(view, w.org_id) : t('app.none')) },
        { label: t('eval.item'), render: (w) => w.item || t('eval.whole_sheet') },
        { label: t('eval.score'), render: (w) => `${pts(w.score)} (${pts(w.median)})` },
        { label: t('eval.status'), render: (w) => t('eval.wstatus.' + w.status) + (w.reason ? ' — ' + w.reason : '') },
        {
          label: t('eval.action'),
          render: (w) => {
            if (w.status !== 'open' || w.member_id !== view.you) return '';
            const reason = kept(`in:w:${w.id}`, () => h('input', { type: 'text', maxlength: 2000, 'aria-label': t('eval.reason') }));
            const btn = h('button', { type: 'button', class: 'btn' }, t('eval.confirm'));
            btn.addEventListener('click', () =>
              busy(btn, async () => {
                try {
                  await api('POST', withLot(`/api/tenders/${id}/evaluation/warnings/${w.id}/confirm`, lot), { reason: reason.value.trim() });
                  reload();
                } catch (e) {
                  msg.error(e);
                }
              }),
            );
            return h('span', null, reason, btn);
          },
        },
      ],
      ws.map((w) => ({ ...w })),
    ),
    msg.el,
  );
}

function signPanel(view, id, lot, reload, kept) {
  const msg = kept('sign:msg', messageSlot);
  const file = kept('sign:file', () => h('input', { type: 'file', id: 'eval-sign-key', accept: '.pem,.key' }));
  const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.sign'));
  const signed = (view.signatures || []).some((s) => s.member_id === view.you);
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        const f = file.files && file.files[0];
        if (!f) throw new SealError('no_key', t('eval.choose_key'));
        const signature = await signRecord({ signKeyPem: await f.text(), message: SIGN_PREFIX + view.report_sha256 });
        await api('POST', withLot(`/api/tenders/${id}/evaluation/sign`, lot), { signature });
        msg.clear();
        reload();
      } catch (e) {
        msg.error(e instanceof SealError ? { code: e.code, message: e.message } : e);
      }
    }),
  );
  return h(
    'section',
    { class: 'card', id: 'eval-sign' },
    h('h2', null, t('eval.report')),
    kvList([
      [t('eval.report_sha'), h('code', null, view.report_sha256)],
      [t('eval.signed_count'), `${(view.signatures || []).length} / ${view.members}`, 'eval-signed'],
    ]),
    signatureList(view),
    h('p', null, h('a', { href: withLot(`/api/tenders/${id}/evaluation/report?format=pdf`, lot) }, t('eval.report_pdf')), ' · ', h('a', { href: withLot(`/api/tenders/${id}/evaluation/report`, lot) }, t('eval.report_json'))),
    signed || view.phase !== 'signing' ? h('p', { class: 'alert alert-ok' }, signed ? t('eval.you_signed') : '') : h('div', null, h('div', { class: 'field' }, h('label', { for: 'eval-sign-key' }, t('eval.sign_key')), file), btn),
    msg.el,
  );
}

// The signatures so far: member and time (the certificates are in the report's answer).
function signatureList(view) {
  const sg = view.signatures || [];
  if (sg.length === 0) return null;
  return h(
    'ul',
    { class: 'plain-list', id: 'eval-signatures' },
    sg.map((s) => h('li', { dataset: { member: String(s.member_id) } }, '#' + s.member_id + (s.member_id === view.you ? ' · ' + t('room.you') : '') + ' — ', timeEl(s.signed_ms))),
  );
}

// ---- beside the bids: credit, the bills of quantities, inquiries --------------------

const CREDIT_KINDS = ['penalty', 'bad', 'good', 'dishonest', 'other'];

// Each bid as read out at the opening, with its bidder's credit records.
function bidsPanel(view, credit) {
  const by = new Map(((credit && credit.bidders) || []).map((b) => [b.org_id, b]));
  const recs = (org) => {
    if (!credit) return h('span', { class: 'muted' }, t('room.credit_loading'));
    if (credit.error) return h('span', { class: 'muted', dataset: { code: credit.error } }, t('room.credit_unavailable'));
    const rs = (by.get(org) || {}).records || [];
    if (rs.length === 0) return h('span', { class: 'tag tag-ok' }, t('room.credit_none'));
    return h(
      'ul',
      { class: 'plain-list credit-list' },
      rs.map((r) =>
        h(
          'li',
          { dataset: { kind: r.kind } },
          h('span', { class: ['tag', r.kind === 'good' ? 'tag-ok' : r.kind === 'other' ? 'tag-muted' : 'tag-danger'] }, CREDIT_KINDS.includes(r.kind) ? t('room.credit.' + r.kind) : r.kind),
          ' ',
          r.source || '',
          r.ref ? ` (${r.ref})` : '',
          ' · ',
          typeof r.record_ms === 'number' ? h('time', { datetime: new Date(r.record_ms).toISOString() }, formatTime(r.record_ms).slice(0, 10)) : '',
          h('br'),
          h('span', { class: 'small' }, r.text || ''),
        ),
      ),
    );
  };
  return h(
    'section',
    { class: 'card', id: 'eval-bids' },
    h('h2', null, t('room.bids')),
    table(
      [
        { key: 'bidder', label: t('eval.bidder') },
        { label: t('eval.price'), render: (b) => formatFen(b.form && b.form.price_fen) },
        { label: t('room.credit'), render: (b) => recs(b.org_id) },
      ],
      (view.bidders || []).map((b) => ({ ...b, id: b.org_id })),
    ),
  );
}

// A heading inside a card, spaced from the table above it.
function subhead(text) {
  const e = h('h3', null, text);
  e.style.marginTop = '1.1em';
  return e;
}

function boqMarks(m) {
  if (!m) return '';
  return m
    .split('+')
    .map((x) => (['missing', 'changed', 'unpriced', 'high', 'low', 'arith'].includes(x) ? t('room.boq.mark.' + x) : x))
    .join(' · ');
}

// A table whose first column stays in place while the rest scrolls
// sideways (a wide line-up on a phone). The styles go through the CSSOM,
// which the page's CSP allows.
function scrollTable(head, rows, id) {
  const stick = (cell, isHead) => {
    const st = cell.style;
    st.position = 'sticky';
    st.left = '0';
    st.zIndex = isHead ? '2' : '1';
    st.minWidth = '9.5em';
    st.maxWidth = '11em'; // a long name wraps rather than fill a phone's width
    st.whiteSpace = 'normal';
    st.overflowWrap = 'anywhere';
    st.boxShadow = 'inset -1px 0 0 var(--border)';
    if (!isHead) {
      // a row header reads like the row's other cells
      st.background = 'var(--surface)';
      st.color = 'inherit';
      st.fontWeight = 'normal';
    }
    return cell;
  };
  const tbl = h(
    'table',
    { class: 'data boq-table' },
    h('thead', null, h('tr', null, head.map((x, i) => (i === 0 ? stick(h('th', { scope: 'col' }, x), true) : h('th', { scope: 'col' }, x))))),
    h(
      'tbody',
      null,
      rows.map((r) => h('tr', { dataset: r.data || undefined }, r.cells.map((c, i) => (i === 0 ? stick(h('th', { scope: 'row' }, c), false) : h('td', null, c))))),
    ),
  );
  tbl.style.width = 'auto';
  tbl.style.minWidth = '100%';
  const wrap = h('div', { class: 'table-wrap boq-scroll', id, tabindex: '0', role: 'region', 'aria-label': head[0] }, tbl);
  wrap.style.maxWidth = '100%';
  wrap.style.overflowX = 'auto';
  return wrap;
}

function boqBody(id, lot, r) {
  const cmp = r.comparison || {};
  const bidders = cmp.bidders || [];
  const xlsx = `/api/tenders/${id}/lots/${lot}/boq/comparison?format=xlsx`;
  const parts = [
    kvList([
      [t('room.boq.tender'), r.tender_boq ? `${r.tender_boq.name || ''} · ${r.tender_boq.lines} ${t('room.boq.lines')}` : ''],
      [t('room.boq.flagged'), `${cmp.lines_flagged ?? 0} / ${cmp.lines_total ?? 0}`, 'boq-flagged'],
    ]),
    h('p', null, h('a', { href: xlsx, id: 'eval-boq-xlsx', download: '' }, t('room.boq.xlsx'))),
  ];
  const missing = (r.bids || []).filter((b) => b.boq !== 'found');
  if (missing.length)
    parts.push(h('ul', { class: 'plain-list' }, missing.map((b) => h('li', null, `${b.org_name}: ${t('room.boq.status.' + b.boq)}${b.reason ? ' — ' + b.reason : ''}`))));
  if (bidders.length === 0) {
    parts.push(h('p', { class: 'muted' }, t('room.boq.no_bids')));
    return parts;
  }
  parts.push(
    subhead(t('room.boq.by_bidder')),
    scrollTable(
      [t('eval.bidder'), t('room.boq.matched'), t('room.boq.missing'), t('room.boq.extra'), t('room.boq.unbalanced'), t('room.boq.arith'), t('room.boq.total')],
      bidders.map((b) => ({ cells: [b.name, String(b.matched), String(b.missing), String(b.extra), String(b.unbalanced), String(b.arith), typeof b.total === 'number' ? b.total.toFixed(2) : ''] })),
      'eval-boq-bidders',
    ),
  );
  const flagged = (cmp.lines || []).filter((l) => (l.marks || []).some(Boolean)).slice(0, BOQ_LINES_SHOWN);
  parts.push(subhead(t('room.boq.flagged_lines')));
  if (flagged.length === 0) parts.push(h('p', { class: 'muted' }, t('room.boq.none_flagged')));
  else
    parts.push(
      scrollTable(
        [t('room.boq.code'), t('room.boq.name'), t('room.boq.qty'), t('room.boq.median'), ...bidders.map((b) => b.name)],
        flagged.map((l) => ({
          data: { code: l.code },
          cells: [
            l.code,
            `${l.name || ''}${l.unit ? ' (' + l.unit + ')' : ''}`,
            String(l.qty),
            typeof l.median === 'number' ? l.median.toFixed(2) : '',
            ...(l.prices || []).map((p, i) => {
              const m = (l.marks || [])[i];
              return h('span', { class: m ? 'boq-flag' : null, dataset: m ? { mark: m } : undefined }, p === null || p === undefined ? t('app.none') : Number(p).toFixed(2), m ? h('br') : null, m ? h('small', { class: 'tag tag-danger' }, boqMarks(m)) : null);
            }),
          ],
        })),
        'eval-boq-lines',
      ),
    );
  const pairs = cmp.pairs || [];
  parts.push(subhead(t('room.boq.pairs')));
  if (pairs.length === 0) parts.push(h('p', { class: 'muted' }, t('room.boq.no_pairs')));
  else
    parts.push(
      h(
        'ul',
        { class: 'plain-list', id: 'eval-boq-pairs' },
        pairs.map((p) =>
          h(
            'li',
            { class: p.whole_column ? 'alert alert-error' : null },
            t(p.whole_column ? 'room.boq.pair_whole' : 'room.boq.pair', {
              a: (bidders[p.a] || {}).name || p.a,
              b: (bidders[p.b] || {}).name || p.b,
              same: p.same,
              both: p.both,
            }),
          ),
        ),
      ),
    );
  return parts;
}

// The line-up, fetched once (the bids do not change during the evaluation).
function boqPanel(id, lot) {
  const body = h('div', { 'aria-busy': 'true' }, loading());
  const sec = h('section', { class: 'card', id: 'eval-boq' }, h('h2', null, t('room.boq')), body);
  api('GET', `/api/tenders/${id}/lots/${lot}/boq/comparison`)
    .then((r) => {
      replace(body, ...boqBody(id, lot, r));
      body.removeAttribute('aria-busy');
    })
    .catch((e) => {
      const msg = messageSlot();
      if (e.code === 'boq_tender_missing') replace(body, h('p', { class: 'muted', dataset: { code: e.code } }, t('room.boq.no_tender_boq')));
      else {
        msg.error(e);
        replace(body, msg.el);
      }
      body.removeAttribute('aria-busy');
    });
  return sec;
}

// The questions to bidders and their signed answers; the chair asks.
function inquiriesPanel(view, id, inq, reload, kept) {
  const items = (inq && inq.items) || [];
  const parts = [h('h2', null, t('room.inquiries'))];
  if (inq && inq.error) parts.push(h('p', { class: 'muted', dataset: { code: inq.error } }, t('room.inquiries_unavailable')));
  else if (items.length === 0) parts.push(h('p', { class: 'muted' }, t('room.inquiries_none')));
  else
    parts.push(
      h(
        'ol',
        { class: 'plain-list', id: 'eval-inquiry-list' },
        items.map((q) =>
          h(
            'li',
            { dataset: { id: String(q.id), answered: q.answered_ms ? 'yes' : 'no' } },
            h('p', null, h('strong', null, q.org_name || '#' + q.org_id), ' · ', timeEl(q.asked_ms), ' → ', timeEl(q.deadline_ms)),
            h('p', null, q.body || ''),
            q.answered_ms
              ? h('p', { class: 'alert alert-ok' }, t('room.answered'), ' ', timeEl(q.answered_ms), h('br'), q.answer || '', q.cert_sha256 ? h('br') : null, q.cert_sha256 ? h('small', { class: 'muted' }, t('room.signed_by_cert') + ' ' + q.cert_sha256.slice(0, 16) + '…') : null)
              : h('p', { class: 'tag tag-danger' }, t('room.waiting')),
          ),
        ),
      ),
    );
  if (view.chair && (view.phase === 'qualification' || view.phase === 'scoring')) {
    const msg = kept('in:iqmsg', messageSlot);
    const org = kept('in:iqorg', () => h('select', { id: 'eval-inq-org' }, (view.bidders || []).map((b) => h('option', { value: String(b.org_id) }, b.bidder))));
    const text = kept('in:iqtext', () => h('textarea', { id: 'eval-inq-body', rows: 3, maxlength: 8000 }));
    const hours = kept('in:iqhours', () => h('input', { type: 'number', id: 'eval-inq-hours', min: 1, max: 168, value: 24 }));
    const btn = h('button', { type: 'button', class: 'btn' }, t('room.ask'));
    btn.addEventListener('click', () =>
      busy(btn, async () => {
        try {
          // server time: as read with the list, plus the time since
          const now = inq && inq.server_ms ? inq.server_ms + (Date.now() - inq.read_at) : Date.now();
          await api('POST', `/api/tenders/${id}/inquiries`, { org_id: Number(org.value), body: text.value.trim(), deadline_ms: now + Math.round(Number(hours.value) * 3600000) });
          text.value = '';
          msg.clear();
          reload();
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    parts.push(
      h('div', { class: 'field' }, h('label', { for: 'eval-inq-org' }, t('eval.bidder')), org),
      h('div', { class: 'field' }, h('label', { for: 'eval-inq-body' }, t('room.question')), text),
      h('div', { class: 'field' }, h('label', { for: 'eval-inq-hours' }, t('room.deadline_hours')), hours),
      btn,
      msg.el,
    );
  }
  return h('section', { class: 'card', id: 'eval-inquiries' }, ...parts);
}

// ---- the agent's console --------------------------------------------------------

function agentPanel(view, id, lot, reload) {
  const msg = messageSlot();
  const step = async (btn, path, body) =>
    busy(btn, async () => {
      try {
        await api('POST', withLot(`/api/tenders/${id}/evaluation/${path}`, lot), body);
        reload();
      } catch (e) {
        msg.error(e);
      }
    });
  const parts = [];
  if (view.phase === 'signed') {
    const days = h('input', { type: 'number', min: 3, max: 30, value: 3, id: 'eval-days' });
    const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.publish'));
    btn.addEventListener('click', () => step(btn, 'publish', { days: Number(days.value) }));
    parts.push(h('div', { class: 'field' }, h('label', { for: 'eval-days' }, t('eval.publicity_days')), days), btn);
  }
  if (view.phase === 'publicity') {
    for (const o of view.objections || []) {
      if (o.answered_ms) continue;
      const ans = h('input', { type: 'text', maxlength: 2000, 'aria-label': t('eval.answer') });
      const btn = h('button', { type: 'button', class: 'btn' }, t('eval.answer'));
      btn.addEventListener('click', () => step(btn, `objections/${o.id}/answer`, { answer: ans.value.trim() }));
      parts.push(h('p', null, `#${o.id} ${o.body || ''} `, ans, btn));
    }
    const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.award'));
    btn.addEventListener('click', () => step(btn, 'award', {}));
    parts.push(btn);
  }
  if (view.phase === 'awarded') {
    // both sides sign the contract online on the award page (docs/award.md)
    parts.push(h('p', null, h('a', { class: 'btn btn-primary', id: 'eval-award-link', href: awardHref(id, lot) }, t('award.title'))));
  }
  if (parts.length === 0) return null;
  return h('section', { class: 'card', id: 'eval-agent' }, h('h2', null, t('eval.console')), ...parts, msg.el);
}

function startPanel(id, lot, reload) {
  const msg = messageSlot();
  const select = h('select', { id: 'eval-template' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary' }, t('eval.start'));
  api('GET', '/api/evaluation-templates')
    .then((r) => replace(select, (r.items || []).map((x) => h('option', { value: x.name }, x.name))))
    .catch((e) => msg.error(e));
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        await api('POST', withLot(`/api/tenders/${id}/evaluation/start`, lot), { template: select.value });
        reload();
      } catch (e) {
        msg.error(e);
      }
    }),
  );
  return h('section', { class: 'card', id: 'eval-start' }, h('h2', null, t('eval.start')), h('div', { class: 'field' }, h('label', { for: 'eval-template' }, t('eval.template')), select), btn, msg.el);
}

// ---- everyone, from the publicity on ---------------------------------------------

function resultPanel(view, id, lot, ctx, reload) {
  const res = view.result || {};
  const parts = [
    h('h2', null, t('eval.candidates')),
    table(
      [
        { key: 'rank', label: t('eval.rank') },
        // an upheld complaint annulled this award (docs/award.md): kept, marked
        { label: t('eval.bidder'), render: (c) => (c.annulled ? `${c.bidder || ''} (${t('eval.annulled')})` : c.bidder || '') },
        { label: t('eval.price'), render: (c) => formatFen(c.price_fen) },
        { label: t('eval.total'), render: (c) => (c.total !== undefined ? pts(c.total) : c.evaluated_fen !== undefined ? formatFen(c.evaluated_fen) : '') },
      ],
      res.candidates || [],
    ),
  ];
  if (view.publicity)
    parts.push(kvList([[t('eval.publicity_from'), timeEl(view.publicity.start_ms)], [t('eval.publicity_to'), timeEl(view.publicity.end_ms)]]));
  if (view.award) parts.push(h('p', { class: 'alert alert-ok', id: 'eval-award' }, t('eval.awarded_to', { bidder: view.award.bidder || '' })));
  if (view.phase === 'publicity' && roles(ctx).includes('bidder')) {
    const msg = messageSlot();
    const body = h('textarea', { rows: 3, maxlength: 8000, id: 'eval-objection' });
    const btn = h('button', { type: 'button', class: 'btn' }, t('eval.object'));
    btn.addEventListener('click', () =>
      busy(btn, async () => {
        try {
          await api('POST', withLot(`/api/tenders/${id}/evaluation/objections`, lot), { body: body.value.trim() });
          reload(t('eval.objected'));
        } catch (e) {
          msg.error(e);
        }
      }),
    );
    parts.push(h('div', { class: 'field' }, h('label', { for: 'eval-objection' }, t('eval.objection')), body), btn, msg.el);
  }
  return h('section', { class: 'card', id: 'eval-result' }, ...parts);
}

export function render(ctx) {
  const idStr = ctx.params.get('tender') || '';
  const root = h('section', { class: 'page page-evaluation', dataset: { page: 'evaluation' }, 'aria-labelledby': 'eval-h' });
  const head = h('div', { class: 'page-head' }, h('h1', { id: 'eval-h' }, t('eval.title')));
  if (!/^[1-9]\d{0,15}$/.test(idStr)) {
    replace(root, head, h('p', { class: 'alert alert-error' }, t('eval.no_tender')));
    return root;
  }
  const id = Number(idStr);
  const lot = lotParam(ctx);
  const body = h('div', { id: 'eval-body', 'aria-busy': 'true' }, loading());
  const tabs = h('div', { class: 'lot-switch' });
  // What the last step did ("saved"): outside the body, so a reload keeps it.
  const status = h('p', { class: 'status-line', id: 'eval-status', role: 'status', 'aria-live': 'polite' });
  const live = h('span', { class: 'tag tag-muted live-state', id: 'eval-live', hidden: true, dataset: { state: 'off' } });
  const lastEvent = h('span', { class: 'muted small', id: 'eval-last-event' });
  replace(root, head, h('p', { class: 'eval-links' }, h('a', { href: tenderHref(id) }, t('eval.to_tender')), ' ', live, ' ', lastEvent), tabs, status, body);
  const kept = keeper();
  let phase = null;
  let credit = null; // the credit records, read once
  let boq = null; // the BoQ card, made once
  let tenderLots = null; // the tender's lots, when no view lists them
  const LIVE = {}; // load(LIVE): a redraw for a live event keeps the status line

  async function load(done) {
    if (done !== LIVE) status.textContent = typeof done === 'string' ? done : '';
    let view;
    try {
      view = await api('GET', withLot(`/api/tenders/${id}/evaluation`, lot));
    } catch (e) {
      if (!ctx.alive()) return;
      const msg = messageSlot();
      // no evaluation of this lot yet: said so, not as an error
      if (e.code === 'eval_wrong_phase') msg.el.replaceChildren(h('p', { class: 'alert alert-info', id: 'eval-not-started', dataset: { code: e.code } }, t('lot.not_started')));
      else msg.error(e);
      const parts = [msg.el];
      if (e.code === 'eval_wrong_phase' && roles(ctx).includes('agent')) parts.push(startPanel(id, lot, load));
      // the tabs from the tender's lots: the reader may switch to a lot that has a room
      if (!tenderLots) tenderLots = await fetchTender(id).then((d) => lotsElsewhere(id, lot, lotsFromTender(d)), () => []);
      if (!ctx.alive()) return;
      replace(tabs, lotTabs(ctx, tenderLots, lot, 'eval-body'));
      tabPanel(body, tenderLots, lot);
      replace(body, ...parts);
      body.removeAttribute('aria-busy');
      return;
    }
    if (!ctx.alive()) return;
    // Only those the topic admits (a refused stream would be a console
    // error): members, supervisors (the bids are theirs to see), the
    // tender's agent (it sees the room before the publicity, the report's
    // hash after).
    const publicPhase = ['publicity', 'awarded', 'contracted'].includes(view.phase);
    if (typeof view.you === 'number' || Array.isArray(view.bidders) || (roles(ctx).includes('agent') && (!publicPhase || view.report_sha256))) follow();
    if (phase !== view.phase) kept.drop('in:');
    phase = view.phase;
    const tpl = view.template || {};
    const member = typeof view.you === 'number';
    const insider = Array.isArray(view.bidders); // members and supervisors
    let inq = null;
    if (insider || roles(ctx).includes('agent')) {
      const [c, q] = await Promise.all([
        credit || !insider ? Promise.resolve(credit) : api('GET', `/api/tenders/${id}/credit`).catch((e) => ({ error: e.code || 'error' })),
        api('GET', `/api/tenders/${id}/inquiries`).catch((e) => ({ error: e.code || 'error' })),
      ]);
      if (!ctx.alive()) return;
      credit = c;
      inq = q;
      if (inq && !inq.error) inq.read_at = Date.now();
    }
    const lots = view.lots || [];
    replace(tabs, lotTabs(ctx, lots, lot, 'eval-body'));
    tabPanel(body, lots, lot);
    const parts = [
      view.phase === 'failed' ? failedBox(view) : phaseBar(view.phase),
      roundsBox(view, 'eval-rounds'),
      h(
        'section',
        { class: 'card', id: 'eval-summary' },
        kvList([
          lots.length > 1 ? [t('lot.lot'), lotName(lots, lot), 'eval-lot'] : null,
          view.round > 1 ? [t('lot.round'), t('lot.round_n', { n: view.round }), 'eval-round'] : null,
          [t('eval.method'), t('eval.method.' + view.method)],
          [t('eval.members'), String(view.members)],
          [t('eval.bids'), String(view.bids)],
          view.sheets ? [t('eval.sheets'), `${view.sheets.qualification} / ${view.sheets.scoring}`, 'eval-sheets'] : null,
          member ? [t('eval.you'), '#' + view.you + (view.chair ? ' · ' + t('eval.chair') : '')] : null,
        ]),
      ),
    ];
    // While the sheets are open the bids come first (what is scored), the
    // reference cards after them; from the report on the signature first.
    const sheetsOpen = view.phase === 'qualification' || view.phase === 'scoring';
    if (insider && sheetsOpen) parts.push(bidsPanel(view, credit));
    if (member && view.phase === 'qualification' && (tpl.qualification || []).length) parts.push(qualificationSheet(view, tpl, id, lot, load, kept));
    if (member && view.phase === 'scoring') parts.push(scoringSheet(view, tpl, id, lot, load, kept));
    if (view.warnings) parts.push(warningsPanel(view, id, lot, load, kept));
    if (view.report_sha256) parts.push(signPanel(view, id, lot, load, kept));
    if (view.chair && sheetsOpen) {
      const msg = kept('in:advmsg', messageSlot);
      const btn = h('button', { type: 'button', class: 'btn btn-primary', id: 'eval-advance' }, t('eval.advance'));
      btn.addEventListener('click', () =>
        busy(btn, async () => {
          try {
            await api('POST', withLot(`/api/tenders/${id}/evaluation/advance`, lot), { from: view.phase });
            load();
          } catch (e) {
            msg.error(e);
          }
        }),
      );
      parts.push(h('section', { class: 'card' }, h('h2', null, t('eval.chair_console')), btn, msg.el));
    }
    if (insider && !sheetsOpen) parts.push(bidsPanel(view, credit));
    if (insider && PHASES.indexOf(view.phase) <= PHASES.indexOf('signing')) {
      boq = boq || boqPanel(id, lot);
      parts.push(boq);
    }
    if (inq && (insider || (inq.items || []).length)) parts.push(inquiriesPanel(view, id, inq, load, kept));
    if (roles(ctx).includes('agent')) {
      const a = agentPanel(view, id, lot, load);
      if (a) parts.push(a);
    }
    if (view.result && PHASES.indexOf(view.phase) >= PHASES.indexOf('signing')) parts.push(resultPanel(view, id, lot, ctx, load));
    if (view.contract) parts.push(kvList([[t('eval.contract_amount'), formatFen(view.contract.amount_fen)], [t('eval.contract_at'), timeEl(view.contract.contract_ms)]]));
    replace(body, ...parts);
    body.removeAttribute('aria-busy');
    // A question waiting for its answer is read again now and then: the
    // answer comes from the bidder's side (clarify.answer), which the room's
    // stream carries only where api/clarify.c publishes it.
    clearTimeout(inqTimer);
    if (inq && (inq.items || []).some((q) => !q.answered_ms)) inqTimer = setTimeout(() => ctx.alive() && load(LIVE), INQUIRY_POLL_MS);
  }
  let inqTimer = null;

  // ---- live ----
  let es = null;
  function follow() {
    if (es || typeof window.EventSource !== 'function' || !ctx.user) return;
    es = new window.EventSource(`/api/events?topic=evaluation.${id}`);
    let pending = null;
    const setLive = (state) => {
      live.hidden = false;
      live.dataset.state = state;
      live.className = 'tag live-state ' + (state === 'open' ? 'tag-ok' : 'tag-muted');
      live.textContent = t('room.live.' + state);
    };
    setLive('connecting');
    es.onopen = () => ctx.alive() && setLive('open');
    es.onerror = () => ctx.alive() && setLive(es.readyState === 2 ? 'closed' : 'connecting');
    const onEvent = (ev) => {
      if (!ctx.alive()) {
        es.close();
        return;
      }
      let data = {};
      try {
        data = JSON.parse(ev.data) || {};
      } catch {
        data = {};
      }
      if (data.tender_id !== undefined && data.tender_id !== id) return;
      // another lot's event: only a change of its phase (its tab) matters
      if (typeof data.lot === 'number' && data.lot !== lot && !LOT_PHASE_EVENTS.includes(ev.type)) return;
      lastEvent.dataset.event = ev.type;
      lastEvent.textContent = t('room.ev.' + ev.type.replace('.', '_')) + (typeof data.at_ms === 'number' ? ' · ' + formatTime(data.at_ms) : '');
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        if (ctx.alive()) load(LIVE);
      }, 150);
    };
    for (const name of LIVE_EVENTS) es.addEventListener(name, onEvent);
    const watchdog = setInterval(() => {
      if (!ctx.alive()) {
        es.close();
        clearInterval(watchdog);
      }
    }, 1000);
  }

  load();
  return root;
}
