// pages/tender_common.js — what the tender pages share: the codes the API
// uses (categories, states, procedures, bond forms, evaluation methods) and
// their labels, money in fen shown as ¥ with thousands separators, Beijing
// time for <input type="datetime-local">, the server clock behind every
// countdown, the countdown itself, and the box that explains a refusal by a
// statutory rule (its name, the bound it needed and its legal source).
//
// The server clock. A deadline must count down by the server's time, never
// the viewer's clock alone (a wrong PC clock would show a bid deadline that
// has already passed as still open). GET /api/tenders/:id carries
// server_time_ms; every response carries a Date header (whole seconds). A
// sample taken around one request gives the server's time at the request's
// middle; the sample with the shortest round trip wins (as NTP does), and
// from it the time runs on performance.now(), which does not jump when the
// viewer's clock is changed. The list page, whose API has no time field,
// takes one sample from the Date header of GET /api/health; a later
// server_time_ms sample (better: milliseconds) replaces it.

import { api } from '../api.js';
import { h } from '../dom.js';
import { t, has, errorText, formatTime } from '../i18n.js';

// Codes as src/domain/tender_rules.c names them.
export const CATEGORIES = ['works', 'goods', 'services', 'land', 'mining', 'assets', 'emission', 'rural', 'forest'];
export const STATES = ['draft', 'published', 'bidding', 'opening', 'evaluation', 'publicity', 'awarded', 'contracted', 'archived', 'failed', 'cancelled'];
export const PROCEDURES = ['open', 'invited', 'negotiation', 'inquiry', 'single_source'];
export const BOND_FORMS = ['none', 'cash', 'guarantee', 'e_guarantee', 'insurance'];
export const EVAL_METHODS = ['comprehensive', 'lowest_evaluated', 'lowest_price', 'highest_price'];
// States before the deadline in which bidders act (register, ask, object).
export const PRE_DEADLINE = ['published', 'bidding'];

// A label for a code: t(prefix + code) when the table has it, else the code.
export function label(prefix, code) {
  if (code === undefined || code === null || code === '') return t('app.none');
  return has(prefix + code) ? t(prefix + code) : String(code);
}

export function stateTag(tender) {
  const s = tender.state;
  const kind = s === 'bidding' ? 'tag-ok' : s === 'cancelled' || s === 'failed' ? 'tag-danger' : s === 'published' ? 'tag-kind' : '';
  return h(
    'span',
    { class: 'badges' },
    h('span', { class: ['tag', 'tstate', kind], dataset: { state: s } }, label('tender.state.', s)),
    tender.paused ? h('span', { class: 'tag tag-danger tpaused' }, t('tender.paused')) : null,
    tender.scheduled && s === 'draft' ? h('span', { class: 'tag tag-kind' }, t('tender.scheduled')) : null,
  );
}

// ---- money ----------------------------------------------------------------

// 123456789 fen → "¥1,234,567.89". Integers only: fen never pass through
// floating point.
export function formatFen(fen) {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen)) return t('app.none');
  const neg = fen < 0;
  const abs = Math.abs(fen);
  const yuan = Math.floor(abs / 100);
  const cents = String(abs % 100).padStart(2, '0');
  const grouped = String(yuan).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (neg ? '-' : '') + '¥' + grouped + '.' + cents;
}

// "1,234,567.8" (yuan, as typed) → 123456780 fen; '' → null; bad → NaN.
export function parseYuan(s) {
  const v = String(s || '').replace(/[,，\s¥￥]/g, '');
  if (v === '') return null;
  const m = /^(\d{1,13})(?:\.(\d{1,2}))?$/.exec(v);
  if (!m) return Number.NaN;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

// 123456780 fen → "1234567.80" for an input's value.
export function fenToInput(fen) {
  if (typeof fen !== 'number' || !Number.isSafeInteger(fen)) return '';
  return Math.floor(fen / 100) + '.' + String(fen % 100).padStart(2, '0');
}

// ---- Beijing time in forms -------------------------------------------------

const BEIJING_MS = 8 * 3600 * 1000; // UTC+8, no daylight saving

// ms → "2026-03-01T09:30" (Beijing) for <input type="datetime-local">.
export function msToInput(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '';
  return new Date(ms + BEIJING_MS).toISOString().slice(0, 16);
}

// "2026-03-01T09:30" read as Beijing time → ms; '' → null; bad → NaN.
export function inputToMs(s) {
  if (!s) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) return Number.NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) - BEIJING_MS;
}

export function formatSize(n) {
  if (typeof n !== 'number') return t('app.none');
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

// ---- the server clock --------------------------------------------------------

const clock = {
  base: null, // server ms at perf
  perf: 0, // performance.now() of that instant
  rtt: Infinity, // round trip of the sample in use
};

// Takes a sample: the server's time serverMs was read between the local
// instants perf0 and perf1 (performance.now()); slack widens the sample's
// uncertainty (the Date header's whole seconds).
export function clockSample(serverMs, perf0, perf1, slack = 0) {
  if (typeof serverMs !== 'number' || !Number.isFinite(serverMs)) return;
  const rtt = perf1 - perf0 + slack;
  if (clock.base !== null && rtt >= clock.rtt) {
    // A worse sample is kept only when it contradicts the one in use (the
    // server's clock was stepped, e.g. a test clock moved forward).
    const predicted = clock.base + ((perf0 + perf1) / 2 - clock.perf);
    if (Math.abs(serverMs - predicted) <= (rtt + clock.rtt) / 2 + 1000) return;
  }
  clock.base = serverMs;
  clock.perf = (perf0 + perf1) / 2;
  clock.rtt = rtt;
}

export function clockSynced() {
  return clock.base !== null;
}

// The server's time now, or null before any sample.
export function serverNow() {
  if (clock.base === null) return null;
  return clock.base + (performance.now() - clock.perf);
}

// GET /api/tenders/:id with a clock sample from its server_time_ms.
export async function fetchTender(id) {
  const p0 = performance.now();
  const d = await api('GET', '/api/tenders/' + encodeURIComponent(id));
  const p1 = performance.now();
  if (d && typeof d.server_time_ms === 'number') clockSample(d.server_time_ms, p0, p1);
  return d;
}

// One sample from the Date header when no better one exists yet.
export async function syncClockFromDate() {
  if (clockSynced()) return;
  const p0 = performance.now();
  const res = await fetch('/api/health', { cache: 'no-store', credentials: 'same-origin' });
  const p1 = performance.now();
  const date = Date.parse(res.headers.get('Date') || '');
  // Date has whole seconds: the true time is in [date, date + 1000).
  if (Number.isFinite(date)) clockSample(date + 500, p0, p1, 1000);
}

// ---- the countdown -------------------------------------------------------------

// "12 天 03:45:07" / "12 d 03:45:07"; days omitted under one day.
export function formatLeft(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hh = String(Math.floor((s % 86400) / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  const hms = `${hh}:${mm}:${ss}`;
  return d > 0 ? t('tender.cd.days', { d, hms }) : hms;
}

// What a countdown to the bid deadline shows: {kind, text}.
//   kind: 'running' | 'paused' | 'closed' | 'none' | 'sync'
export function countdownState(tender, now) {
  const dl = tender.bid_deadline_ms;
  if (tender.state === 'draft') return { kind: 'none', text: t('tender.cd.draft') };
  if (tender.state === 'cancelled') return { kind: 'closed', text: t('tender.cd.cancelled') };
  if (!PRE_DEADLINE.includes(tender.state)) return { kind: 'closed', text: t('tender.cd.closed') };
  if (tender.paused) return { kind: 'paused', text: t('tender.cd.paused') };
  if (typeof dl !== 'number') return { kind: 'none', text: t('app.none') };
  if (now === null) return { kind: 'sync', text: t('tender.cd.sync') };
  if (dl - now <= 0) return { kind: 'closed', text: t('tender.cd.closed') };
  return { kind: 'running', text: formatLeft(dl - now) };
}

// A live countdown element for one tender. Returns {el, update(tender)};
// the element ticks once a second while it is in the document.
const live = new Set();
let ticker = null;

function tickAll() {
  const now = serverNow();
  for (const c of live) {
    if (!c.el.isConnected) {
      // gone from the page (or never shown within a few seconds): forget it
      if (c.seen || performance.now() - c.born > 5000) live.delete(c);
      continue;
    }
    c.seen = true;
    c.draw(now);
  }
  if (!live.size && ticker !== null) {
    clearInterval(ticker);
    ticker = null;
  }
}

export function countdown(tender, opts = {}) {
  const value = h('span', { class: 'cd-value' });
  const el = h(
    opts.big ? 'div' : 'span',
    { class: ['countdown', opts.big ? 'countdown-big' : null], role: 'timer', 'aria-atomic': 'true' },
    opts.big ? h('span', { class: 'cd-label' }, t('tender.cd.label')) : null,
    value,
  );
  const c = {
    el,
    seen: false, // was in the document at a tick
    born: performance.now(),
    tender,
    draw(now) {
      const s = countdownState(c.tender, now);
      if (value.textContent !== s.text) value.textContent = s.text;
      if (el.dataset.kind !== s.kind) el.dataset.kind = s.kind;
    },
  };
  c.draw(serverNow());
  live.add(c);
  if (ticker === null) ticker = setInterval(tickAll, 1000);
  return {
    el,
    update(next) {
      c.tender = next;
      c.draw(serverNow());
    },
  };
}

// ---- errors ----------------------------------------------------------------------

// What the limit of a refusal means, by rule: a time, an amount or a count.
const LIMIT_KIND = {
  min_bid_days: 'time',
  min_doc_days: 'time',
  dates_order: 'time',
  objection_days: 'time',
  clarify_deadline: 'time',
  doc_end: 'time',
  bond_max_bp: 'money',
  min_bids: 'count',
};

function limitText(rule, limit) {
  if (typeof limit !== 'number') return null;
  const kind = LIMIT_KIND[rule] || 'count';
  const v = kind === 'time' ? formatTime(limit) + ' ' + t('tender.bj') : kind === 'money' ? formatFen(limit) : String(limit);
  const key = has('tender.limit.' + rule) ? 'tender.limit.' + rule : 'tender.limit.any';
  return t(key, { v });
}

// A refusal by a statutory rule, laid out: the message, the rule, the bound
// and the legal source. For any other error: the message alone.
export function errorBox(err) {
  const body = (err && err.body) || {};
  const rule = body.rule || null;
  if (!rule) return h('div', { class: 'alert alert-error', role: 'alert', dataset: { code: err ? err.code : '' } }, errorText(err));
  const lim = limitText(rule, body.limit);
  const rows = [
    [t('tender.rule.rule'), h('span', null, label('tender.rule.', rule), ' ', h('code', { class: 'rule-name' }, rule))],
    lim ? [t('tender.rule.limit'), h('span', { class: 'rule-limit' }, lim)] : null,
    body.source ? [t('tender.rule.source'), h('span', { class: 'rule-source' }, body.source)] : null,
    err.field ? [t('tender.rule.field'), label('tender.f.', err.field)] : null,
  ].filter(Boolean);
  return h(
    'div',
    { class: 'alert alert-error rule-refusal', role: 'alert', dataset: { code: err.code, rule } },
    h('p', { class: 'rule-msg' }, errorText(err)),
    h('dl', { class: 'kv rule-kv' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
  );
}

// A slot that shows errorBox(err) or an OK line, or nothing.
export function messageSlot() {
  const el = h('div', { class: 'msg-slot', 'aria-live': 'polite' });
  return {
    el,
    error(err) {
      el.replaceChildren(errorBox(err));
    },
    ok(text) {
      el.replaceChildren(h('div', { class: 'alert alert-ok', role: 'status' }, text));
    },
    clear() {
      el.replaceChildren();
    },
  };
}

// ---- small pieces ------------------------------------------------------------------

// Fetches every page of a cursor list (bounded: maxPages of 100).
export async function fetchAll(path, maxPages = 20) {
  const out = [];
  let cursor = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await api('GET', path + sep + 'limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    out.push(...(r.items || []));
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  return out;
}

export function kvList(rows, cls) {
  return h(
    'dl',
    { class: ['kv', cls] },
    rows.filter(Boolean).map(([k, v, id]) => [h('dt', null, k), h('dd', { dataset: id ? { testid: id } : undefined }, v === undefined || v === null || v === '' ? t('app.none') : v)]),
  );
}

export function timeEl(ms) {
  if (typeof ms !== 'number' || !ms) return t('app.none');
  return h('time', { datetime: new Date(ms).toISOString() }, formatTime(ms));
}

// A labelled textarea (dom.field makes inputs; this is its multi-line twin).
export function textArea(o) {
  return h('textarea', { name: o.name, rows: o.rows || 4, maxlength: o.maxlength, 'aria-required': o.required ? 'true' : null });
}

// A submit button that shows "submitting" while fn runs.
export async function busy(button, fn) {
  const text = button.textContent;
  button.disabled = true;
  button.textContent = t('form.saving');
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.textContent = text;
  }
}

export function tenderHref(id) {
  return '/tender?id=' + encodeURIComponent(id);
}
