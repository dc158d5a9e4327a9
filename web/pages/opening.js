// pages/opening.js — the opening hall (开标大厅, 不见面开标) of one tender,
// at /opening?tender=ID: one page for everybody, with a panel by who looks
// (docs/opening.md, "The hall pages").
//
//   everyone     the phase bar, the bidder count, the decryption countdown,
//                the read-out table from the read-out on, the objections,
//                the sealed record with its hash and the witness certificate,
//                and a live log of the hall's events
//   host         (an agent of the tender) the console: the next step
//                ({"from": phase}, so a stale console gets 409), 流标 with a
//                reason when too few bidders came, answers to objections,
//                and, for a tender with escrow, opening a pending bid with
//                the escrow key (POST .../opening/escrow-open)
//   bidder       signs in; releases its content key K — from its
//                encryption key file (PKCS#8 PEM, read here and never
//                uploaded: the page fetches its own envelope head and
//                unwraps K with WebCrypto, ../seal.js releaseKey) or pasted
//                from `sunbid unseal --release-key`; raises objections;
//                signs the record with its signing key file (signRecord)
//   officer      (escrow tenders, anyone signed in who holds an officer
//                key) decrypts its share locally and hands it in
//
// Live: GET the hall, then follow /api/tenders/:id/opening/events. Every
// (re)open of the stream GETs the hall again (a late joiner, a server
// restart, a long drop: whatever the stream missed is in the view) and every
// event after it reloads the view too (coalesced; loads never overlap, an
// event during a load causes one more). The browser's EventSource
// reconnects with Last-Event-ID by itself; a hub that cannot replay all
// that was missed sends `reset` (src/http/sse.c), which also reloads. A
// hall not open yet (409 wrong_state) follows the public topic for its
// tender's tender.state / opening.open and shows the hall as it opens.
// Officers' shares arrive as opening.escrow (with a slow poll as fallback).
// The countdown runs on the server's clock (the hall's server_ms sampled
// against performance.now(), tender_common.js), never on a duration the
// client measured alone.

import { api, ApiError } from '../api.js';
import { h, replace, loading, table } from '../dom.js';
import { t, has, errorText, formatTime } from '../i18n.js';
import { formatFen, clockSample, serverNow, formatLeft, messageSlot, kvList, timeEl, busy, textArea, tenderHref } from './tender_common.js';
import { releaseKey, signRecord, recordMessage, openShare, SealError } from '../seal.js';

export const PHASES = ['signin', 'decrypt', 'readout', 'objections', 'signing', 'sealed'];
const EVENTS = ['opening.open', 'opening.signin', 'opening.phase', 'opening.decrypt', 'opening.expire', 'opening.objection', 'opening.answer', 'opening.sign', 'opening.record', 'opening.escrow'];
// on the public topic, while the hall is not open yet
const PUBLIC_EVENTS = ['tender.state', 'opening.open', 'opening.phase'];
const ESCROW_POLL_S = 30; // fallback when opening.escrow events are missed
const LOG_MAX = 50;

export function openingHref(id) {
  return '/opening?tender=' + encodeURIComponent(id);
}

async function readFile(input) {
  const f = input.files && input.files[0];
  return f ? f.text() : null;
}

function fileInput(id, labelText, hint) {
  const input = h('input', { type: 'file', id, name: id, accept: '.pem,.key' });
  return {
    input,
    el: h('div', { class: 'field', dataset: { field: id } }, h('label', { for: id }, labelText), input, hint ? h('p', { class: 'field-hint' }, hint) : null),
  };
}

// A seal.js failure or an API error as one message.
function failText(e) {
  if (e instanceof SealError) return t('hall.key_failed', { why: e.message });
  return errorText(e);
}

function showError(slot, e) {
  if (e instanceof SealError) slot.error({ code: e.code, message: failText(e) });
  else slot.error(e);
}

// GET the bidder's own envelope head (bytes).
async function fetchHead(tenderId, lot) {
  let res;
  try {
    res = await fetch(`/api/tenders/${tenderId}/opening/envelope-head?lot_no=${lot}`, { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', '');
  }
  if (res.ok) return res.arrayBuffer();
  const data = await res.json().catch(() => null);
  const e = (data && data.error) || {};
  throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || '', e.field);
}

function phaseBar(phase) {
  const failed = phase === 'failed';
  const at = PHASES.indexOf(phase);
  return h(
    'ol',
    { class: 'phase-bar', id: 'hall-phases', 'aria-label': t('hall.phases') },
    PHASES.map((p, i) =>
      h(
        'li',
        {
          class: ['phase', i < at ? 'phase-done' : null, i === at ? 'phase-now' : null],
          dataset: { phase: p },
          'aria-current': i === at ? 'step' : null,
        },
        h('span', { class: 'phase-n', 'aria-hidden': 'true' }, String(i + 1)),
        h('span', { class: 'phase-name' }, t('hall.phase.' + p)),
      ),
    ),
    failed ? h('li', { class: 'phase phase-now phase-failed', dataset: { phase: 'failed' }, 'aria-current': 'step' }, h('span', { class: 'phase-name' }, t('hall.phase.failed'))) : null,
  );
}

function statusTag(status) {
  const kind = status === 'opened' ? 'tag-ok' : status === 'revoked' || status === 'withdrawn' ? 'tag-danger' : 'tag-muted';
  return h('span', { class: ['tag', kind, 'bid-status'], dataset: { status } }, t('hall.status.' + status));
}

// The form's values: price as ¥, days, the other fields as they are.
function formCells(form) {
  if (!form) return null;
  const parts = [];
  for (const [k, v] of Object.entries(form)) {
    if (k === 'price_fen') continue;
    const name = k === 'duration_days' ? t('hall.duration') : k;
    parts.push(h('span', { class: 'form-field' }, name + ': ' + (k === 'duration_days' ? t('hall.days', { n: v }) : String(v))));
  }
  return parts.length ? h('span', { class: 'form-fields' }, parts) : null;
}

// A read-out field's label: known names translated, others as named.
export function readoutLabel(key) {
  if (key === 'price' || key === 'price_fen') return t('hall.price');
  if (key === 'duration' || key === 'duration_days') return t('hall.duration');
  return has('readout.' + key) ? t('readout.' + key) : key;
}

// The tender's read-out fields as form keys, in its order ("bidder" is a
// column of its own; price and duration are price_fen and duration_days).
function readoutKeys(list) {
  const out = [];
  for (const n of String(list || '').split(',')) {
    const k = n.trim() === 'price' ? 'price_fen' : n.trim() === 'duration' ? 'duration_days' : n.trim();
    if (k && k !== 'bidder' && !out.includes(k)) out.push(k);
  }
  if (!out.includes('price_fen')) out.unshift('price_fen'); // always read out
  return out;
}

function readoutCell(b, k) {
  const v = b.form ? b.form[k] : undefined;
  if (v === undefined || v === null) return null;
  if (k === 'price_fen') return typeof v === 'number' ? h('span', { class: 'money', dataset: { testid: 'price' } }, formatFen(v)) : String(v);
  if (k === 'duration_days') return h('span', { class: 'nowrap', dataset: { testid: 'duration' } }, t('hall.days', { n: v }));
  return h('span', { class: 'readout-value', dataset: { key: k } }, String(v));
}

function bidsTable(hall, fields) {
  const readout = PHASES.indexOf(hall.phase) >= 2;
  const cols = [
    { label: t('hall.lot'), render: (b) => String(b.lot_no), class: 'nowrap' },
    { label: t('hall.bidder'), render: (b) => h('span', { class: 'bidder-name' }, b.bidder) },
    { label: t('hall.status'), render: (b) => statusTag(b.status) },
  ];
  if (readout && fields) {
    // the columns the tender names (readout_fields); a revoked bid's reason
    // under its status
    cols[2] = { label: t('hall.status'), render: (b) => [statusTag(b.status), b.reason ? h('div', { class: 'muted small bid-reason' }, reasonText(b.reason)) : null] };
    for (const k of readoutKeys(fields)) cols.push({ label: readoutLabel(k), render: (b) => readoutCell(b, k), class: k === 'price_fen' ? 'num' : null });
  } else if (readout) {
    // a server without readout_fields: the form as it is
    cols.push({ label: t('hall.price'), render: (b) => (b.form && typeof b.form.price_fen === 'number' ? h('span', { class: 'money', dataset: { testid: 'price' } }, formatFen(b.form.price_fen)) : null), class: 'num' });
    cols.push({ label: t('hall.form'), render: (b) => formCells(b.form) || (b.reason ? h('span', { class: 'muted small bid-reason' }, reasonText(b.reason)) : null) });
  }
  cols.push({ label: t('hall.signed_in'), render: (b) => (b.signed_in ? '✓' : '—'), class: 'nowrap' });
  if (PHASES.indexOf(hall.phase) >= 4) cols.push({ label: t('hall.signed'), render: (b) => (b.signed ? '✓' : '—'), class: 'nowrap' });
  return table(
    cols,
    (hall.bids || []).map((b) => ({ ...b, id: b.org_id + '-' + b.lot_no })),
    t('hall.bids'),
  );
}

function reasonText(r) {
  if (r === 'not decrypted within the window') return t('hall.reason.window');
  if (r === 'opening form missing or invalid') return t('hall.reason.form');
  return r;
}

export function render(ctx) {
  const idStr = ctx.params.get('tender') || '';
  const root = h('section', { class: 'page page-opening', dataset: { page: 'opening' }, 'aria-labelledby': 'hall-h' });
  if (!/^[1-9]\d{0,15}$/.test(idStr)) {
    replace(root, h('h1', { id: 'hall-h' }, t('hall.title')), h('p', { class: 'alert alert-error' }, t('hall.no_tender')));
    return root;
  }
  const id = Number(idStr);
  const body = h('div', { 'aria-busy': 'true' }, loading());
  const live = h('span', { class: 'tag tag-muted live-state', id: 'hall-live', dataset: { state: 'connecting' } }, t('hall.live.connecting'));
  const logList = h('ol', { class: 'hall-log plain-list', id: 'hall-log', 'aria-live': 'polite' });
  const status = h('p', { class: 'status-line', id: 'hall-status', role: 'status', 'aria-live': 'polite' });
  const cdValue = h('span', { class: 'cd-value', id: 'hall-countdown' }, '--:--:--');
  const cdBox = h('div', { class: 'countdown countdown-big', role: 'timer', 'aria-atomic': 'true', dataset: { kind: 'none' } }, h('span', { class: 'cd-label' }, t('hall.window')), cdValue);
  replace(root, h('div', { class: 'page-head' }, h('div', null, h('h1', { id: 'hall-h' }, t('hall.title')), h('p', { class: 'muted' }, t('hall.intro')))), status, body);

  let tender = null; // GET /api/tenders/:id (title, escrow, you.owner)
  let hall = null;
  let escrow = null; // GET /api/tenders/:id/escrow, for an escrow tender in phase decrypt
  // Inputs (chosen key files, typed text) and message slots outlive the
  // redraw that every live event causes: one element per key, made once.
  const kept = new Map();
  const keep = (key, make) => {
    if (!kept.has(key)) kept.set(key, make());
    return kept.get(key);
  };

  function tick() {
    if (!hall || !cdBox.isConnected) return;
    const now = serverNow();
    cdBox.hidden = hall.phase !== 'signin' && hall.phase !== 'decrypt';
    if (hall.phase !== 'decrypt' || typeof hall.window_end_ms !== 'number') {
      cdBox.dataset.kind = 'none';
      cdValue.textContent = hall.phase === 'signin' ? t('hall.window_not_started') : t('hall.window_over');
      return;
    }
    if (now === null) return;
    const left = hall.window_end_ms - now;
    cdBox.dataset.kind = left > 0 ? 'running' : 'closed';
    cdValue.textContent = left > 0 ? formatLeft(left) : t('hall.window_closed');
  }
  // Officers' shares arrive as opening.escrow; in case one is missed, an
  // escrow tender in phase decrypt is read again every ESCROW_POLL_S.
  let ticks = 0;
  const ticker = setInterval(() => {
    if (!ctx.alive()) {
      clearInterval(ticker);
      return;
    }
    tick();
    ticks += 1;
    if (ticks % ESCROW_POLL_S === 0 && hall && hall.phase === 'decrypt' && escrowOf().k > 0) load();
  }, 1000);

  // One load at a time; a call during a load makes one more after it, so
  // whatever happened after the running GET's snapshot is shown too.
  let inFlight = null;
  let again = false;
  let loads = 0;
  function load() {
    if (inFlight) {
      again = true;
      return inFlight;
    }
    inFlight = loadOnce().finally(() => {
      inFlight = null;
      loads += 1;
      root.dataset.loads = String(loads);
      if (again && ctx.alive()) {
        again = false;
        load();
      }
    });
    return inFlight;
  }

  async function loadOnce() {
    try {
      const p0 = performance.now();
      const d = await api('GET', `/api/tenders/${id}/opening`);
      clockSample(d.server_ms, p0, performance.now());
      if (!tender) tender = await api('GET', `/api/tenders/${id}`);
      // the escrow's officers and shares (public), while it can matter
      if (escrowOf().k > 0 && d.phase === 'decrypt') escrow = await api('GET', `/api/tenders/${id}/escrow`).catch(() => null);
      if (!ctx.alive()) return;
      if (hall && hall.phase !== d.phase) status.textContent = ''; // said for the step before
      hall = d;
      root.dataset.open = 'true';
      followPublic(false);
      draw();
    } catch (e) {
      if (!(e instanceof ApiError)) console.error(e); // a bug of this page: the tests see it
      if (!ctx.alive()) return;
      body.setAttribute('aria-busy', 'false');
      if (e.code === 'wrong_state' && !hall) {
        // not open yet: wait for it on the public topic, say when it opens
        root.dataset.open = 'false';
        followPublic(true);
        if (!tender) tender = await api('GET', `/api/tenders/${id}`).catch(() => null);
        if (!ctx.alive() || hall) return;
        const x = tender ? tender.tender : {};
        const waiting = x.state === 'bidding' || x.state === 'published';
        replace(
          body,
          h(
            'div',
            { class: 'alert ' + (waiting ? 'alert-info' : 'alert-error'), id: 'hall-error', dataset: { code: e.code } },
            h('p', null, t('hall.not_open')),
            waiting && x.bid_deadline_ms ? h('p', { class: 'small' }, t('hall.opens_at'), ' ', timeEl(x.bid_deadline_ms), ' ', t('hall.opens_by_itself')) : null,
          ),
          tenderLink(),
        );
        return;
      }
      replace(body, h('div', { class: 'alert alert-error', id: 'hall-error', dataset: { code: e.code || '' } }, errorText(e)), tenderLink());
    }
  }

  function tenderLink() {
    return h('p', null, h('a', { href: tenderHref(id), 'data-link': true, class: 'btn btn-secondary', id: 'hall-tender-link' }, t('hall.to_tender')));
  }

  // ---- the parts everyone sees ----

  function summaryCard() {
    const x = tender ? tender.tender : {};
    return h(
      'section',
      { class: 'card hall-summary', id: 'hall-summary', dataset: { phase: hall.phase } },
      h('h2', { class: 'hall-tender-title' }, x.title || hall.code),
      h('p', { class: 'mono code-sm' }, hall.code),
      phaseBar(hall.phase),
      h(
        'div',
        { class: 'hall-facts' },
        cdBox,
        kvList([
          [t('hall.phase'), h('strong', { id: 'hall-phase', dataset: { phase: hall.phase } }, t('hall.phase.' + hall.phase))],
          [t('hall.bidders'), h('span', { id: 'hall-bidders' }, t('hall.bidders_n', { n: hall.bidders, min: hall.min_bids }))],
          hall.window_end_ms ? [t('hall.window_end'), timeEl(hall.window_end_ms)] : null,
          [t('hall.live'), live],
        ]),
      ),
    );
  }

  function readoutCard() {
    const rows = hall.bids || [];
    const readout = PHASES.indexOf(hall.phase) >= 2;
    let content;
    if (!rows.length) content = h('p', { class: 'muted', id: 'hall-bids-hidden' }, readout ? t('hall.no_bids') : t('hall.bids_hidden', { n: hall.bidders }));
    else content = bidsTable(hall, hall.readout_fields ?? (tender && tender.tender.opening ? tender.tender.opening.readout_fields : null));
    return h('section', { class: 'card card-flush-table', id: 'hall-bids', 'aria-labelledby': 'hall-bids-h' }, h('h2', { id: 'hall-bids-h' }, readout ? t('hall.readout') : t('hall.bids')), content);
  }

  function objectionsCard(host) {
    const objs = hall.objections || [];
    const canAnswer = host && hall.phase === 'objections';
    return h(
      'section',
      { class: 'card', id: 'hall-objections', 'aria-labelledby': 'hall-obj-h' },
      h('h2', { id: 'hall-obj-h' }, t('hall.objections')),
      objs.length
        ? h(
            'ol',
            { class: 'qa-list' },
            objs.map((o) =>
              h(
                'li',
                { class: 'qa-item hall-objection', dataset: { id: String(o.id), open: o.answer ? 'false' : 'true' } },
                h('p', { class: 'qa-body' }, o.body),
                h('p', { class: 'qa-meta muted small' }, timeEl(o.raised_ms), ' · ', o.answer ? h('span', { class: 'tag tag-ok' }, t('hall.obj.answered')) : h('span', { class: 'tag' }, t('hall.obj.open'))),
                o.answer ? h('div', { class: 'qa-answer' }, h('strong', null, t('hall.obj.answer_is')), o.answer) : canAnswer ? answerForm(o) : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('hall.obj.none')),
    );
  }

  function answerForm(o) {
    const msg = keep('answer-msg-' + o.id, messageSlot);
    const ta = keep('answer-' + o.id, () => textArea({ name: 'answer', rows: 2, maxlength: 8000 }));
    ta.id = 'hall-answer-' + o.id;
    const b = h('button', { type: 'submit', class: 'btn btn-primary btn-small' }, t('hall.obj.answer'));
    return h(
      'form',
      {
        class: 'tender-form hall-answer-form',
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          const text = ta.value.trim();
          if (!text) return msg.error({ code: 'missing_field', message: t('err.missing_field') });
          return busy(b, async () => {
            try {
              await api('POST', `/api/tenders/${id}/opening/objections/${o.id}/answer`, { answer: text });
              ta.value = '';
              if (ctx.alive()) load();
            } catch (err) {
              if (ctx.alive()) msg.error(err);
            }
          });
        },
      },
      h('label', { for: ta.id, class: 'visually-hidden' }, t('hall.obj.answer')),
      ta,
      h('div', { class: 'form-actions' }, b),
      msg.el,
    );
  }

  function recordCard() {
    if (!hall.record_sha256) return null;
    const rec = hall.record || {};
    return h(
      'section',
      { class: 'card hall-record', id: 'hall-record', 'aria-labelledby': 'hall-rec-h' },
      h('h2', { id: 'hall-rec-h' }, t('hall.record')),
      h('p', null, t('hall.record_text')),
      kvList([
        [t('hall.record_hash'), h('code', { class: 'mono wrap-any', id: 'hall-record-hash' }, hall.record_sha256)],
        rec.sealed_ms ? [t('hall.sealed_at'), timeEl(rec.sealed_ms)] : null,
      ]),
      h(
        'div',
        { class: 'form-actions' },
        h('a', { class: 'btn btn-secondary', id: 'hall-record-json', href: `/api/tenders/${id}/opening/record`, target: '_blank', rel: 'noopener' }, t('hall.record_json')),
        h('a', { class: 'btn btn-primary', id: 'hall-certificate', href: `/api/ledger/certificate?subject=tender&id=${id}`, target: '_blank', rel: 'noopener' }, t('hall.certificate')),
      ),
      h('p', { class: 'muted small' }, t('hall.certificate_hint')),
    );
  }

  function logCard() {
    return h('section', { class: 'card', id: 'hall-log-card', 'aria-labelledby': 'hall-log-h' }, h('h2', { id: 'hall-log-h' }, t('hall.log')), logList.childElementCount ? logList : [logList, h('p', { class: 'muted small', id: 'hall-log-empty' }, t('hall.log_empty'))]);
  }

  // The tender's escrow: k of n officers (0: none).
  function escrowOf() {
    const op = (tender && tender.tender && tender.tender.opening) || {};
    return { k: op.escrow_k || 0, n: op.escrow_n || 0 };
  }

  // ---- the host ----

  function hostConsole() {
    const msg = keep('host-msg', messageSlot);
    const ph = hall.phase;
    const parts = [h('h2', null, t('hall.host'))];
    const next = { signin: 'hall.next.signin', decrypt: 'hall.next.decrypt', readout: 'hall.next.readout', objections: 'hall.next.objections', signing: 'hall.next.signing' }[ph];
    if (next) {
      const b = h('button', { type: 'button', class: 'btn btn-primary', id: 'hall-advance', dataset: { from: ph } }, t(next));
      b.addEventListener('click', () =>
        busy(b, async () => {
          msg.clear();
          try {
            await api('POST', `/api/tenders/${id}/opening/advance`, { from: ph });
            if (ctx.alive()) load();
          } catch (e) {
            if (ctx.alive()) msg.error(e);
          }
        }),
      );
      parts.push(h('p', { class: 'muted small' }, t(next + '_hint')), h('div', { class: 'form-actions' }, b));
    } else {
      parts.push(h('p', { class: 'muted' }, t('hall.host_done')));
    }
    const lots = Array.isArray(hall.lots) ? hall.lots : [];
    if (lots.length) {
      // each lot's count; a lot with too few bids failed (流标) at the opening
      parts.push(
        h('h3', null, t('hall.lots')),
        h(
          'ul',
          { class: 'plain-list hall-lots', id: 'hall-lots' },
          lots.map((l) =>
            h(
              'li',
              { class: 'hall-lot', dataset: { lot: String(l.lot), failed: String(Boolean(l.failed)), bidders: String(l.bidders) } },
              h('strong', null, t('hall.lot_n', { n: l.lot })),
              ' ',
              t('hall.lot_bidders', { n: l.bidders }),
              l.failed ? [' ', h('span', { class: 'tag tag-danger' }, t('hall.phase.failed'))] : null,
              l.failed && l.reason ? h('span', { class: 'muted small' }, ' · ' + l.reason) : null,
            ),
          ),
        ),
      );
    }
    if (ph === 'signing') parts.push(unsignedList());
    // 流标 only once the hall has opened: before, its count is no count
    if (ph === 'signin' && hallOpened() && hall.bidders < hall.min_bids) {
      const reason = keep('fail-reason', () => textArea({ name: 'reason', rows: 2, maxlength: 8000 }));
      reason.id = 'hall-fail-reason';
      if (!reason.dataset.filled) {
        reason.value = t('hall.fail_default', { n: hall.bidders, min: hall.min_bids });
        reason.dataset.filled = '1';
      }
      const fb = h('button', { type: 'submit', class: 'btn btn-danger', id: 'hall-fail' }, t('hall.fail'));
      parts.push(
        h(
          'form',
          {
            class: 'tender-form hall-fail-form',
            novalidate: true,
            onsubmit: (e) => {
              e.preventDefault();
              return busy(fb, async () => {
                msg.clear();
                try {
                  await api('POST', `/api/tenders/${id}/opening/fail`, { reason: reason.value.trim() });
                  if (ctx.alive()) load();
                } catch (err) {
                  if (ctx.alive()) msg.error(err);
                }
              });
            },
          },
          h('p', { class: 'alert alert-error' }, t('hall.too_few', { n: hall.bidders, min: hall.min_bids })),
          h('label', { for: reason.id }, t('hall.fail_reason')),
          reason,
          h('div', { class: 'form-actions' }, fb),
        ),
      );
    }
    const esc = escrowOf();
    if (ph === 'decrypt' && esc.k > 0) {
      const pending = (hall.bids || []).filter((b) => b.status === 'pending');
      parts.push(
        h('h3', null, t('hall.escrow_open')),
        h('p', { class: 'muted small' }, t('hall.escrow_open_hint', { k: esc.k, n: esc.n })),
        escrow
          ? h(
              'p',
              { class: escrow.recovered ? 'alert alert-ok' : 'alert alert-info', id: 'hall-escrow-state', dataset: { recovered: String(Boolean(escrow.recovered)) } },
              escrow.recovered ? t('hall.escrow_recovered') : t('hall.escrow_shares', { n: (escrow.officers || []).filter((o) => o.submitted).length, k: esc.k }),
            )
          : null,
        pending.length
          ? h(
              'ul',
              { class: 'plain-list hall-escrow-list' },
              pending.map((b) => {
                const eb = h('button', { type: 'button', class: 'btn btn-secondary btn-small hall-escrow-open', dataset: { org: String(b.org_id), lot: String(b.lot_no) } }, t('hall.escrow_open_btn'));
                eb.addEventListener('click', () =>
                  busy(eb, async () => {
                    msg.clear();
                    try {
                      const r = await api('POST', `/api/tenders/${id}/opening/escrow-open`, { lot_no: b.lot_no, org_id: b.org_id });
                      if (!ctx.alive()) return;
                      msg.ok(t('hall.decrypted', { status: t('hall.status.' + (r.status || 'opened')) }));
                      load();
                    } catch (e) {
                      if (ctx.alive()) msg.error(e);
                    }
                  }),
                );
                return h('li', null, h('span', null, b.bidder + ' · ' + t('hall.lot_n', { n: b.lot_no })), ' ', eb);
              }),
            )
          : h('p', { class: 'muted small' }, t('hall.none_pending')),
      );
    }
    parts.push(msg.el);
    return h('section', { class: 'card hall-console', id: 'hall-host' }, parts);
  }

  // Whether the hall has opened (its first step seeded the bids): the
  // view's opened_ms or lots when the server gives them, else any bid row.
  function hallOpened() {
    if (typeof hall.opened_ms === 'number') return hall.opened_ms > 0;
    if (Array.isArray(hall.lots) && hall.lots.length) return true;
    return (hall.bids || []).length > 0;
  }

  // The host's view of who still has to sign: organisations signed in and
  // not signed (one signature covers all of an organisation's lots).
  function unsignedList() {
    const byOrg = new Map();
    for (const b of hall.bids || []) {
      const o = byOrg.get(b.org_id) || { name: b.bidder, signedIn: false, signed: false };
      o.signedIn = o.signedIn || Boolean(b.signed_in);
      o.signed = o.signed || Boolean(b.signed);
      byOrg.set(b.org_id, o);
    }
    const missing = [...byOrg.entries()].filter(([, o]) => o.signedIn && !o.signed);
    if (!missing.length) return h('p', { class: 'alert alert-ok', id: 'hall-unsigned', dataset: { n: '0' } }, t('hall.all_signed'));
    return h(
      'div',
      { id: 'hall-unsigned', dataset: { n: String(missing.length) } },
      h('h3', null, t('hall.unsigned', { n: missing.length })),
      typeof hall.signing_end_ms === 'number' ? h('p', { class: 'muted small' }, t('hall.signing_end'), ' ', timeEl(hall.signing_end_ms)) : null,
      h(
        'ul',
        { class: 'plain-list' },
        missing.map(([orgId, o]) => h('li', { class: 'hall-unsigned-org', dataset: { org: String(orgId) } }, o.name)),
      ),
    );
  }

  // ---- the bidder ----

  function bidderPanel() {
    const u = ctx.user;
    const orgId = u && u.org ? u.org.id : 0;
    const mine = (hall.bids || []).filter((b) => b.org_id === orgId);
    const ph = hall.phase;
    const parts = [];
    // Before its first step the hall has no rows yet (the first sign-in
    // creates it): a bidder may still sign in; the server decides.
    const early = (ph === 'signin' || ph === 'decrypt') && !(hall.bids || []).length;
    if (!mine.length && !early) {
      if (ph !== 'sealed' && ph !== 'failed') parts.push(h('section', { class: 'card', id: 'hall-not-bidder' }, h('p', { class: 'muted' }, PHASES.indexOf(ph) >= 2 ? t('hall.not_bidder') : t('hall.not_bidder_yet'))));
      return parts;
    }
    const msg = keep('signin-msg', messageSlot);
    const signedIn = mine.length > 0 && mine.every((b) => b.signed_in);
    if ((ph === 'signin' || ph === 'decrypt') && !signedIn) {
      const b = h('button', { type: 'button', class: 'btn btn-primary', id: 'hall-signin' }, t('hall.signin'));
      b.addEventListener('click', () =>
        busy(b, async () => {
          msg.clear();
          try {
            await api('POST', `/api/tenders/${id}/opening/signin`, {});
            if (ctx.alive()) load();
          } catch (e) {
            if (ctx.alive()) msg.error(e);
          }
        }),
      );
      parts.push(h('section', { class: 'card', id: 'hall-signin-card' }, h('h2', null, t('hall.signin_title')), h('p', { class: 'muted' }, t('hall.signin_text')), h('div', { class: 'form-actions' }, b), msg.el));
    } else if (signedIn) {
      parts.push(h('p', { class: 'alert alert-ok', id: 'hall-signed-in' }, t('hall.signed_in_ok')));
    }
    if (ph === 'decrypt') {
      for (const b of mine) parts.push(decryptCard(b));
    }
    if (ph === 'objections') parts.push(objectForm());
    if (ph === 'signing') parts.push(signCard(mine.every((b) => b.signed)));
    return parts;
  }

  function decryptCard(bid) {
    const lot = bid.lot_no;
    const msg = keep('decrypt-msg-' + lot, messageSlot);
    const card = h('section', { class: 'card hall-decrypt', id: 'hall-decrypt-' + lot, dataset: { lot: String(lot), status: bid.status } });
    if (bid.status !== 'pending') {
      replace(card, h('h2', null, t('hall.decrypt_title', { n: lot })), h('p', null, t('hall.decrypted', { status: t('hall.status.' + bid.status) })));
      return card;
    }
    const keyFile = keep('enc-key-' + lot, () => fileInput('hall-enc-key-' + lot, t('hall.enc_key'), t('hall.enc_key_hint')));
    const kInput = keep('k-' + lot, () => h('input', { type: 'text', id: 'hall-k-' + lot, name: 'key', class: 'mono', autocomplete: 'off', spellcheck: 'false', maxlength: 64, inputmode: 'latin' }));
    const b1 = h('button', { type: 'button', class: 'btn btn-primary hall-decrypt-file', id: 'hall-decrypt-file-' + lot }, t('hall.decrypt_file'));
    const b2 = h('button', { type: 'button', class: 'btn btn-secondary hall-decrypt-k', id: 'hall-decrypt-k-' + lot }, t('hall.decrypt_k'));
    async function release(getK, button) {
      await busy(button, async () => {
        msg.clear();
        try {
          const k = await getK();
          const r = await api('POST', `/api/tenders/${id}/opening/decrypt`, { lot_no: lot, key: k });
          if (!ctx.alive()) return;
          status.textContent = t('hall.decrypted', { status: t('hall.status.' + r.status) });
          load();
        } catch (e) {
          if (ctx.alive()) showError(msg, e);
        }
      });
    }
    b1.addEventListener('click', () =>
      release(async () => {
        const pem = await readFile(keyFile.input);
        if (!pem) throw new SealError('bad_key', t('hall.need_key'));
        const head = await fetchHead(id, lot);
        const u = ctx.user;
        return releaseKey({ head, encKeyPem: pem, expect: { tender: hall.code, lot: String(lot), org: u && u.org ? u.org.uscc : undefined } });
      }, b1),
    );
    b2.addEventListener('click', () =>
      release(async () => {
        const k = kInput.value.trim().toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(k)) throw new SealError('bad_input', t('hall.k_format'));
        return k;
      }, b2),
    );
    replace(
      card,
      h('h2', null, t('hall.decrypt_title', { n: lot })),
      h('p', { class: 'muted small' }, t('hall.decrypt_privacy')),
      keyFile.el,
      h('div', { class: 'form-actions' }, b1),
      kDetails(lot, h('summary', null, t('hall.k_paste')), h('div', { class: 'field' }, h('label', { for: kInput.id }, t('hall.k_label')), kInput, h('p', { class: 'field-hint' }, t('hall.k_hint'))), h('div', { class: 'form-actions' }, b2)),
      msg.el,
    );
    return card;
  }

  // The "paste K" fold, which stays open across redraws once opened.
  function kDetails(lot, ...children) {
    const st = keep('k-open-' + lot, () => ({ open: false }));
    const d = h('details', { class: 'hall-k-details', open: st.open }, ...children);
    d.addEventListener('toggle', () => (st.open = d.open));
    return d;
  }

  function objectForm() {
    const msg = keep('object-msg', messageSlot);
    const ta = keep('object-body', () => textArea({ name: 'body', rows: 3, maxlength: 8000 }));
    ta.id = 'hall-objection-body';
    const b = h('button', { type: 'submit', class: 'btn btn-danger', id: 'hall-object' }, t('hall.obj.raise'));
    return h(
      'form',
      {
        class: 'card tender-form',
        id: 'hall-object-form',
        novalidate: true,
        onsubmit: (e) => {
          e.preventDefault();
          const text = ta.value.trim();
          if (!text) return msg.error({ code: 'missing_field', message: t('err.missing_field') });
          return busy(b, async () => {
            msg.clear();
            try {
              await api('POST', `/api/tenders/${id}/opening/objections`, { body: text });
              if (!ctx.alive()) return;
              ta.value = '';
              status.textContent = t('hall.obj.raised');
              load();
            } catch (err) {
              if (ctx.alive()) msg.error(err);
            }
          });
        },
      },
      h('h2', null, t('hall.obj.new')),
      h('label', { for: ta.id }, t('hall.obj.body')),
      ta,
      h('div', { class: 'form-actions' }, b),
      msg.el,
    );
  }

  function signCard(done) {
    const msg = keep('sign-msg', messageSlot);
    if (done) return h('section', { class: 'card', id: 'hall-sign-card' }, h('h2', null, t('hall.sign_title')), h('p', { class: 'alert alert-ok', id: 'hall-signed' }, t('hall.signed_ok')));
    const keyFile = keep('sign-key', () => fileInput('hall-sign-key', t('hall.sign_key'), t('hall.sign_key_hint')));
    const draft = hall.draft_sha256 || '';
    const b = h('button', { type: 'button', class: 'btn btn-primary', id: 'hall-sign' }, t('hall.sign'));
    b.addEventListener('click', () =>
      busy(b, async () => {
        msg.clear();
        try {
          const pem = await readFile(keyFile.input);
          if (!pem) throw new SealError('bad_key', t('hall.need_key'));
          const signature = await signRecord({ signKeyPem: pem, message: recordMessage(hall.tender_id, draft) });
          await api('POST', `/api/tenders/${id}/opening/sign`, { signature });
          if (ctx.alive()) load();
        } catch (e) {
          if (ctx.alive()) showError(msg, e);
        }
      }),
    );
    return h(
      'section',
      { class: 'card', id: 'hall-sign-card' },
      h('h2', null, t('hall.sign_title')),
      h('p', null, t('hall.sign_text')),
      draft ? kvList([[t('hall.draft_hash'), h('code', { class: 'mono wrap-any', id: 'hall-draft-hash' }, draft)]]) : null,
      keyFile.el,
      h('div', { class: 'form-actions' }, b),
      msg.el,
    );
  }

  // ---- escrow officers ----

  function officerCard(me) {
    const msg = keep('officer-msg', messageSlot);
    if (me.submitted && !msg.el.childElementCount) msg.ok(t('hall.share_in', { x: me.x }));
    const keyFile = keep('officer-key', () => fileInput('hall-officer-key', t('hall.officer_key'), t('hall.officer_key_hint')));
    const b = h('button', { type: 'button', class: 'btn btn-secondary', id: 'hall-share' }, t('hall.share_send'));
    b.addEventListener('click', () =>
      busy(b, async () => {
        msg.clear();
        try {
          const pem = await readFile(keyFile.input);
          if (!pem) throw new SealError('bad_key', t('hall.need_key'));
          const s = await api('GET', `/api/tenders/${id}/escrow/share`);
          const opened = await openShare({ encKeyPem: pem, tenderId: id, x: s.x, encryptedShare: s.encrypted_share });
          const r = await api('POST', `/api/tenders/${id}/escrow/shares`, { share: opened.share });
          if (ctx.alive()) msg.ok(t('hall.share_done', { x: r.x ?? opened.x, n: r.submitted ?? '?' }) + (r.recovered ? ' ' + t('hall.recovered') : ''));
        } catch (e) {
          if (ctx.alive()) showError(msg, e);
        }
      }),
    );
    return h(
      'section',
      { class: 'card', id: 'hall-officer' },
      h('h2', null, t('hall.officer')),
      h('p', { class: 'muted small' }, t('hall.officer_text')),
      keyFile.el,
      h('div', { class: 'form-actions' }, b),
      msg.el,
    );
  }

  function draw() {
    const active = document.activeElement; // a kept input being typed into keeps its focus
    body.setAttribute('aria-busy', 'false');
    const owner = Boolean(tender && tender.you && tender.you.owner) && ctx.hasRole(['agent']);
    const bidder = ctx.hasRole(['bidder']);
    root.dataset.phase = hall.phase;
    const side = [];
    if (owner) side.push(hostConsole());
    if (bidder) side.push(...bidderPanel());
    const officer = escrow && ctx.user ? (escrow.officers || []).find((o) => o.user_id === ctx.user.id) : null;
    if (officer && hall.phase === 'decrypt') side.push(officerCard(officer));
    if (!ctx.user && hall.phase !== 'sealed' && hall.phase !== 'failed') {
      side.push(h('section', { class: 'card', id: 'hall-public-note' }, h('p', { class: 'muted' }, t('hall.public_note')), h('a', { href: '/login?next=' + encodeURIComponent(openingHref(id)), 'data-link': true, class: 'btn btn-secondary' }, t('nav.login'))));
    }
    replace(
      body,
      // On a phone the columns dissolve (app.css): summary, record, the
      // viewer's actions, read-out, objections, log — actions near the top.
      h(
        'div',
        { class: 'hall-grid' },
        h('div', { class: 'hall-main' }, summaryCard(), recordCard(), readoutCard(), objectionsCard(owner)),
        h('aside', { class: 'hall-side', 'aria-label': t('hall.side') }, side.length ? h('div', { class: 'hall-actions' }, side) : null, logCard()),
      ),
      tenderLink(),
    );
    if (active && active !== document.body && active.isConnected && document.activeElement !== active) active.focus({ preventScroll: true });
    tick();
  }

  // ---- live ----

  function logEvent(name, data) {
    const empty = document.getElementById('hall-log-empty');
    if (empty) empty.remove();
    let key = 'hall.ev.' + name.replace('opening.', '');
    if (name === 'opening.escrow' && typeof data.received === 'number') key = data.recovered ? 'hall.ev.escrow_recovered' : 'hall.ev.escrow_share';
    if (name === 'tender.state') key = 'hall.ev.tender_state';
    logList.prepend(
      h(
        'li',
        { class: 'hall-log-item', dataset: { event: name } },
        h('span', { class: 'muted small' }, typeof data.at_ms === 'number' ? formatTime(data.at_ms) : ''),
        ' ',
        t(key, { phase: data.phase ? t('hall.phase.' + data.phase) : '', subject: data.subject ?? '', n: data.received ?? data.bidders ?? '', k: data.needed ?? '', state: data.state ? t('bid.tender_state.' + data.state) : '' }),
      ),
    );
    while (logList.childElementCount > LOG_MAX) logList.lastElementChild.remove();
  }

  let pending = null;
  const reloadSoon = () => {
    if (pending) return;
    pending = setTimeout(() => {
      pending = null;
      if (ctx.alive()) load();
    }, 150);
  };
  const parse = (ev) => {
    try {
      return JSON.parse(ev.data) || {};
    } catch {
      return {};
    }
  };
  let pubEs = null; // the public topic, while the hall is not open
  function followPublic(on) {
    if (!on || !ctx.alive()) {
      if (pubEs) pubEs.close();
      pubEs = null;
      return;
    }
    if (pubEs || typeof window.EventSource !== 'function') return;
    pubEs = new window.EventSource('/api/events?topic=public');
    const onPublic = (ev) => {
      const data = parse(ev);
      if (data.tender_id !== id) return;
      logEvent(ev.type, data);
      reloadSoon();
    };
    for (const name of PUBLIC_EVENTS) pubEs.addEventListener(name, onPublic);
    pubEs.onopen = () => ctx.alive() && !hall && load(); // missed while connecting
  }

  if (typeof window.EventSource === 'function') {
    const es = new window.EventSource(`/api/tenders/${id}/opening/events`);
    const setLive = (state) => {
      live.dataset.state = state;
      live.className = 'tag live-state ' + (state === 'open' ? 'tag-ok' : 'tag-muted');
      live.textContent = t('hall.live.' + state);
    };
    let opens = 0;
    es.onopen = () => {
      if (!ctx.alive()) return;
      opens += 1;
      root.dataset.opens = String(opens);
      setLive('open');
      load(); // the state now; the stream brings what follows
    };
    es.onerror = () => ctx.alive() && setLive(es.readyState === 2 ? 'closed' : 'connecting');
    const onEvent = (ev) => {
      if (!ctx.alive()) {
        es.close();
        return;
      }
      const data = parse(ev);
      if (data.tender_id !== undefined && data.tender_id !== id) return;
      logEvent(ev.type, data);
      reloadSoon();
    };
    for (const name of EVENTS) es.addEventListener(name, onEvent);
    // the hub could not replay all we missed (restart, a long drop): reload
    es.addEventListener('reset', (ev) => {
      if (!ctx.alive()) return;
      logEvent('reset', parse(ev));
      load();
    });
    const watchdog = setInterval(() => {
      if (!ctx.alive()) {
        es.close();
        followPublic(false);
        clearInterval(watchdog);
      }
    }, 1000);
  }

  load();
  return root;
}
