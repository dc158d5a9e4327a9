// pages/lots.js — the lot switcher (标段切换) shared by the evaluation
// room, the logistics page, the supervisor's watch, the award page and the
// result page (docs/evaluation.md, "Lots and rounds").
//
// Evaluation, publicity, award, contract and bonds run per lot of a tender;
// each page reads the lot from its URL (`&lot=N`, default 1), passes
// `?lot=N` on every API call it makes about the evaluation or the award,
// and draws tabs — one per lot, with the lot's name and phase — when the
// tender has more than one lot. A tab is a push onto the history (the back
// button returns to the previous lot; a link with `&lot=2` opens lot 2).
//
// Keyboard: the tabs follow the WAI-ARIA tabs pattern with manual
// activation (arrow keys, Home and End move the focus; Enter or Space opens
// the lot); after the page is drawn again the chosen tab has the focus. On
// a phone the strip scrolls sideways inside itself, never the page.

import { api } from '../api.js';
import { h } from '../dom.js';
import { t, has, formatTime } from '../i18n.js';

const LOT_RE = /^[1-9]\d{0,5}$/;
let focusLot = null; // the tab to focus once the page is drawn again

// The lot in the page's URL (1 when absent or not a number).
export function lotParam(ctx) {
  const s = ctx.params.get('lot') || '';
  return LOT_RE.test(s) ? Number(s) : 1;
}

// An API path with ?lot=N (or &lot=N) added.
export function withLot(path, lot) {
  return path + (path.includes('?') ? '&' : '?') + 'lot=' + encodeURIComponent(lot);
}

// A page link: base with &lot=N when a lot other than the first is meant.
export function pageHref(base, lot) {
  return lot && lot !== 1 ? withLot(base, lot) : base;
}

// The current location with lot=N.
function hereWithLot(n) {
  const q = new URLSearchParams(window.location.search);
  q.set('lot', String(n));
  return window.location.pathname + '?' + q.toString();
}

// A lot's phase in words; none: the words for a lot without one (not
// started, or not yet public for the public).
export function phaseLabel(phase, none) {
  if (phase && has('eval.phase.' + phase)) return t('eval.phase.' + phase);
  return t(none || 'lot.phase.none');
}

function phaseClass(phase) {
  if (phase === 'failed') return 'tag-danger';
  if (phase === 'awarded' || phase === 'contracted') return 'tag-ok';
  if (!phase || !has('eval.phase.' + phase)) return 'tag-muted';
  return 'tag-kind';
}

// The lots as the tender detail gives them (before an evaluation view
// exists): [{lot, name}] without phases.
export function lotsFromTender(d) {
  return ((d && d.lots) || []).map((l) => ({ lot: l.lot_no, name: l.title }));
}

// The lots with their phases when the current lot has no evaluation view
// (not started: eval_wrong_phase): another lot's view lists them all; else
// the tender's lots without phases.
export async function lotsElsewhere(id, lot, tenderLots) {
  for (const l of (tenderLots || []).filter((x) => x.lot !== lot).slice(0, 4)) {
    try {
      const v = await api('GET', withLot(`/api/tenders/${id}/evaluation`, l.lot), undefined, { quiet: true });
      if (v && Array.isArray(v.lots)) return v.lots;
    } catch {
      /* that lot has no view either: try the next */
    }
  }
  return tenderLots || [];
}

// A lot's name for headings: "标段 2 · name".
export function lotName(lots, lot) {
  const l = (lots || []).find((x) => x.lot === lot);
  return t('lot.n', { n: lot }) + (l && l.name ? ' · ' + l.name : '');
}

// The tabs, or null for a tender of one lot. panelId: the element the tabs
// control (it gets role=tabpanel from tabPanel()); none: the i18n key for a
// lot without a phase (default: not started).
export function lotTabs(ctx, lots, lot, panelId, none) {
  if (!Array.isArray(lots) || lots.length <= 1) return null;
  // a redraw (a live event, a poll) keeps the focus on the tab that had it
  const ae = document.activeElement;
  const had = ae && ae.classList && ae.classList.contains('lot-tab') ? Number(ae.dataset.lot) : null;
  const tabs = [];
  const move = (from, to) => {
    const b = tabs[(to + tabs.length) % tabs.length];
    if (!b) return;
    tabs[from].setAttribute('tabindex', '-1');
    b.setAttribute('tabindex', '0');
    b.focus();
  };
  for (const [i, l] of lots.entries()) {
    const on = l.lot === lot;
    const b = h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: 'lot-tab-' + l.lot,
        class: 'lot-tab',
        'aria-selected': on ? 'true' : 'false',
        'aria-controls': panelId,
        tabindex: on ? '0' : '-1',
        dataset: { lot: String(l.lot), phase: l.phase || 'none' },
      },
      h('span', { class: 'lot-tab-name' }, t('lot.n', { n: l.lot }), l.name ? h('span', { class: 'lot-tab-title' }, l.name) : null),
      h('span', { class: ['tag', phaseClass(l.phase)] }, phaseLabel(l.phase, none), l.round > 1 ? ' · ' + t('lot.round_n', { n: l.round }) : ''),
    );
    b.addEventListener('click', () => {
      if (l.lot === lot) return;
      focusLot = l.lot;
      ctx.navigate(hereWithLot(l.lot));
    });
    b.addEventListener('keydown', (e) => {
      const k = e.key;
      if (k === 'ArrowRight' || k === 'ArrowDown') move(i, i + 1);
      else if (k === 'ArrowLeft' || k === 'ArrowUp') move(i, i - 1);
      else if (k === 'Home') move(i, 0);
      else if (k === 'End') move(i, tabs.length - 1);
      else return;
      e.preventDefault();
    });
    tabs.push(b);
  }
  const el = h('div', { class: 'lot-tabs', role: 'tablist', id: 'lot-tabs', 'aria-label': t('lot.tabs') }, tabs);
  const chosen = focusLot === lot; // drawn after a tab was chosen
  if (chosen) focusLot = null;
  const want = chosen ? lot : had;
  if (want !== null) {
    const b = tabs.find((x) => x.dataset.lot === String(want));
    // once attached to the page (the caller inserts the strip right away)
    setTimeout(() => {
      if (!b || !b.isConnected) return;
      b.focus({ preventScroll: true });
      if (chosen) b.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    }, 0);
  }
  return el;
}

// Marks el as the panel of the current tab (no-op for one lot).
export function tabPanel(el, lots, lot) {
  if (!Array.isArray(lots) || lots.length <= 1) {
    el.removeAttribute('role');
    el.removeAttribute('aria-labelledby');
    return el;
  }
  el.setAttribute('role', 'tabpanel');
  el.setAttribute('aria-labelledby', 'lot-tab-' + lot);
  return el;
}

// The round (重新评审) when it is above 1, with the earlier rounds' report
// hashes: view.round, view.rounds [{round, report_sha256, ended_ms, reason}].
// A card of its own, or (nested) a part of the caller's card.
export function roundsBox(view, id, nested) {
  const r = view && typeof view.round === 'number' ? view.round : 1;
  if (r <= 1) return null;
  const rows = (view.rounds || []).filter((x) => x && x.round < r);
  return h(
    nested ? 'div' : 'section',
    { class: nested ? 'lot-rounds' : 'card lot-rounds', id: id || 'lot-rounds', dataset: { round: String(r) } },
    h(nested ? 'h3' : 'h2', null, t('lot.round_now', { n: r })),
    h('p', { class: 'muted small' }, t('lot.round_intro')),
    rows.length
      ? h(
          'ol',
          { class: 'plain-list lot-round-list' },
          rows.map((x) =>
            h(
              'li',
              { dataset: { round: String(x.round) } },
              h('strong', null, t('lot.round_n', { n: x.round })),
              x.ended_ms ? [' · ', t('lot.ended'), ' ', h('time', { datetime: new Date(x.ended_ms).toISOString() }, formatTime(x.ended_ms))] : null,
              x.reason ? [' · ', x.reason] : null,
              h('br'),
              h('span', { class: 'small muted' }, t('lot.report_sha'), ' '),
              h('code', { class: 'mono wrap-any code-sm' }, x.report_sha256 || t('app.none')),
            ),
          ),
        )
      : h('p', { class: 'muted small' }, t('lot.no_history')),
  );
}
