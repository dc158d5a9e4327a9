// pages/auction.js — online auctions (网络竞价): the list (/auctions), the
// live hall (/auction?id=N) and the agent's form (/auctions/new).
//
// The hall is one page for everyone, with parts by role:
//   public viewer   current price, leader's bidder number, the countdown, the
//                   bid history, all live from the auction's event stream
//   bidder          apply with a deposit reference; once qualified: the bidder
//                   number, leading / outbid, buttons with the next valid
//                   amounts (or the Dutch price, the reverse offer in its
//                   turn), a custom amount; sealed: the envelope file made
//                   with `sunbid seal`, its receipt, then the key release
// Retries: a bid answered 503 (auction_not_here: the node asked does not run
// the auction now, e.g. during a failover; overloaded) was not taken, and is
// sent again after Retry-After with the same ref, for up to ~15 s; a network
// failure likewise. A retry answered auction_bid_replayed means an earlier
// attempt was accepted (its answer was lost): the page says so and reloads.
//   agent (owner)   applications to confirm or reject, the reserve, cancel
// Time: the countdown is end_ms minus the server's clock (tender_common.js
// keeps the offset from each answer's now_ms), never a duration counted
// locally. Each event from GET /api/auctions/:id/events reloads the state.

import { api } from '../api.js';
import { sealBid, releaseKey } from '../seal.js';
import { h, table, replace } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { pagedList, emptyState } from '../list.js';
import { label, formatFen, parseYuan, msToInput, inputToMs, clockSample, serverNow, formatLeft, messageSlot, kvList, timeEl, busy } from './tender_common.js';

export function auctionHref(id) {
  return '/auction?id=' + encodeURIComponent(id);
}

function stateTag(a) {
  const s = a.state;
  const kind = s === 'live' ? 'tag-ok' : s === 'failed' || s === 'cancelled' ? 'tag-danger' : s === 'sold' ? 'tag-kind' : '';
  return h('span', { class: ['tag', 'astate', kind], dataset: { state: s } }, label('auction.state.', s));
}

// GET /api/auctions/:id with a clock sample from its now_ms.
async function fetchAuction(id) {
  const p0 = performance.now();
  const a = await api('GET', '/api/auctions/' + encodeURIComponent(id));
  clockSample(a.now_ms, p0, performance.now());
  return a;
}

// ---- the list ----------------------------------------------------------------

function renderList(ctx) {
  const cols = [
    { label: t('auction.title'), render: (x) => h('a', { href: auctionHref(x.id), 'data-link': true, class: 'al-link' }, x.title) },
    { label: t('auction.kind'), render: (x) => label('auction.kind.', x.kind) },
    { label: t('auction.state'), render: (x) => stateTag(x) },
    { label: t('auction.start_price'), render: (x) => h('span', { class: 'money' }, formatFen(x.start_price)), class: 'num' },
    { label: t('auction.start'), render: (x) => timeEl(x.start_ms), class: 'nowrap' },
    { label: t('auction.end'), render: (x) => timeEl(x.end_ms), class: 'nowrap' },
    { label: t('auction.nbids'), render: (x) => String(x.nbids), class: 'num' },
  ];
  const list = pagedList(ctx, {
    path: '/api/auctions',
    failed: t('auction.load_failed'),
    renderItems: (items) => table(cols, items, t('auction.list')),
    empty: () => emptyState(t('auction.empty'), t('auction.empty_hint')),
  });
  const newBtn = ctx.hasRole(['agent']) ? h('a', { href: '/auctions/new', 'data-link': true, class: 'btn btn-primary', id: 'auction-new' }, t('auction.new')) : null;
  return h(
    'section',
    { class: 'page page-auctions', dataset: { page: 'auctions' } },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, t('auction.list')), h('p', { class: 'muted' }, t('auction.intro'))), newBtn),
    h('div', { class: 'card card-flush' }, list.el),
  );
}

export const list = { render: renderList };

// ---- the form ----------------------------------------------------------------

function input(name, type, attrs) {
  return h('input', { id: 'af-' + name, name, type: type || 'text', ...(attrs || {}) });
}

function row(name, labelKey, control, hintKey) {
  return h(
    'div',
    { class: 'field' },
    h('label', { for: 'af-' + name }, t(labelKey)),
    control,
    hintKey ? h('p', { class: 'hint muted small' }, t(hintKey)) : null,
  );
}

function renderCreate(ctx) {
  const msg = messageSlot();
  const kind = h(
    'select',
    { id: 'af-kind', name: 'kind' },
    ['english', 'dutch', 'sealed', 'reverse'].map((k) => h('option', { value: k }, label('auction.kind.', k))),
  );
  const preset = h(
    'select',
    { id: 'af-preset', name: 'preset' },
    ['custom', 'land', 'judicial', 'procurement'].map((k) => h('option', { value: k }, label('auction.preset.', k))),
  );
  const soon = (serverNow() || Date.now()) + 3600 * 1000;
  const f = {
    title: input('title', 'text', { maxlength: 100, required: true }),
    start_price: input('start_price', 'text', { inputmode: 'decimal', required: true }),
    increment: input('increment', 'text', { inputmode: 'decimal', required: true }),
    reserve: input('reserve', 'text', { inputmode: 'decimal' }),
    max_price: input('max_price', 'text', { inputmode: 'decimal' }),
    deposit: input('deposit', 'text', { inputmode: 'decimal' }),
    start: input('start', 'datetime-local', { value: msToInput(soon), required: true }),
    end: input('end', 'datetime-local'),
    window: input('window', 'number', { min: 1, max: 1440, value: 5 }),
    step: input('step', 'number', { min: 1, max: 3600, value: 60 }),
  };
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'af-submit' }, t('auction.create'));
  const form = h(
    'form',
    {
      class: 'card form auction-form',
      novalidate: true,
      onsubmit: async (e) => {
        e.preventDefault();
        msg.clear();
        const body = { title: f.title.value.trim(), kind: kind.value, preset: preset.value, start_ms: inputToMs(f.start.value) };
        for (const k of ['start_price', 'increment', 'reserve', 'max_price', 'deposit']) {
          const v = parseYuan(f[k].value);
          if (v !== null) body[k] = v;
        }
        const end = inputToMs(f.end.value);
        if (end) body.end_ms = end;
        if (kind.value === 'english' && preset.value !== 'judicial') body.window_ms = Number(f.window.value) * 60000;
        if (kind.value === 'dutch') body.step_ms = Number(f.step.value) * 1000;
        if (kind.value === 'reverse') body.preset = 'procurement';
        else if (preset.value === 'procurement') body.preset = 'custom';
        try {
          const a = await busy(submit, () => api('POST', '/api/auctions', body));
          if (ctx.alive()) ctx.navigate(auctionHref(a.id));
        } catch (err) {
          if (ctx.alive()) msg.error(err);
        }
      },
    },
    row('title', 'auction.title', f.title),
    row('kind', 'auction.kind', kind),
    row('preset', 'auction.preset', preset, 'auction.preset_hint'),
    row('start_price', 'auction.start_price', f.start_price, 'auction.yuan_hint'),
    row('increment', 'auction.increment', f.increment),
    row('reserve', 'auction.reserve', f.reserve, 'auction.reserve_hint'),
    row('max_price', 'auction.max_price', f.max_price),
    row('deposit', 'auction.deposit', f.deposit),
    row('start', 'auction.start', f.start, 'auction.bj_hint'),
    row('end', 'auction.end', f.end, 'auction.end_hint'),
    row('window', 'auction.window_min', f.window),
    row('step', 'auction.step_s', f.step),
    msg.el,
    h('div', { class: 'form-actions' }, submit),
  );
  return h(
    'section',
    { class: 'page page-auction-new', dataset: { page: 'auction-new' } },
    h('div', { class: 'page-head' }, h('h1', null, t('auction.new'))),
    form,
  );
}

export const create = { render: renderCreate };

// ---- the hall ----------------------------------------------------------------

// The amounts a bidder may click: the next valid one and two more steps.
function quickAmounts(a) {
  const me = a.me || {};
  if (a.kind === 'english' && me.leading) return []; // the leader may not raise itself
  if (a.kind === 'english' && typeof me.next_min === 'number') {
    const out = [me.next_min, me.next_min + a.increment, me.next_min + 5 * a.increment];
    return out.filter((v) => !a.max_price || v <= a.max_price);
  }
  if (a.kind === 'dutch' && typeof a.current_price === 'number') return [a.current_price];
  if (a.kind === 'reverse' && typeof me.max_offer === 'number' && me.max_offer > 0) return [me.max_offer, me.max_offer - a.increment].filter((v) => v > 0);
  return [];
}

function phaseText(a, now) {
  if (a.state === 'scheduled') return t('auction.phase.scheduled');
  if (a.state !== 'live') return label('auction.state.', a.state);
  if (a.kind === 'english') return now !== null && now < a.timed_from_ms ? t('auction.phase.free') : t('auction.phase.timed');
  if (a.kind === 'dutch') return t('auction.phase.dutch');
  if (a.kind === 'sealed') return now !== null && now >= a.end_ms ? t('auction.phase.reveal') : t('auction.phase.sealed');
  if (a.round) return t('auction.phase.round', { round: a.round, turn: a.turn || t('app.none') });
  return t('auction.phase.pause');
}

function renderHall(ctx) {
  const id = ctx.params.get('id') || '';
  const root = h('section', { class: 'page page-auction', dataset: { page: 'auction' } }, h('p', { class: 'muted' }, t('app.loading')));
  const msg = messageSlot();
  let current = null;
  let cdTimer = null;

  const countdownEl = h('span', { class: 'cd-value', dataset: { testid: 'countdown' }, 'aria-live': 'off' }, '--:--:--');
  function tick() {
    if (!ctx.alive()) {
      clearInterval(cdTimer);
      return;
    }
    if (!current) return;
    const now = serverNow();
    let target = current.state === 'scheduled' ? current.start_ms : current.kind === 'reverse' && current.turn_end_ms ? current.turn_end_ms : current.end_ms;
    if (current.kind === 'sealed' && current.state === 'live' && now !== null && now >= current.end_ms) {
      target = current.reveal_end_ms;
      if (!current.revealShown) {
        current.revealShown = true; // bidding just ended: the key release form
        load();
      }
    }
    if (now === null || current.state === 'sold' || current.state === 'failed' || current.state === 'cancelled') countdownEl.textContent = t('auction.closed');
    else countdownEl.textContent = formatLeft(target - now);
  }
  cdTimer = setInterval(tick, 250);

  // One bid, retried while the answer says it was not taken (see the top).
  async function sendBid(amount) {
    const ref = 'w' + Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
    const path = '/api/auctions/' + encodeURIComponent(id) + '/bids';
    for (let attempt = 0; ; attempt++) {
      try {
        return await api('POST', path, { amount, ref });
      } catch (err) {
        const retry = err.code === 'auction_not_here' || err.code === 'overloaded' || err.code === 'network';
        if (attempt > 0 && err.code === 'auction_bid_replayed') return { replayed: true, amount };
        if (!retry || attempt >= 14 || !ctx.alive()) throw err;
        msg.ok(t('auction.retrying'));
        await new Promise((r) => setTimeout(r, 1000 * Math.min(err.retryAfter || 1, 3)));
      }
    }
  }

  async function placeBid(amount, button) {
    msg.clear();
    try {
      const r = await busy(button, () => sendBid(amount));
      if (!ctx.alive()) return;
      msg.ok(r.replayed ? t('auction.bid_was_ok') : t('auction.bid_ok', { amount: formatFen(r.amount), seq: r.seq }));
      await load();
    } catch (err) {
      if (!ctx.alive()) return;
      msg.error(err);
      load();
    }
  }

  // sealed: the envelope before the end, the key after it. Sealing and the
  // key release happen in this browser (../seal.js, suite intl): the key
  // files are read here and never uploaded; an envelope made with
  // `sunbid seal`, or K from `sunbid unseal --release-key`, work as well.
  function fileInput(idName, accept) {
    return h('input', { id: idName, name: idName, type: 'file', accept });
  }
  async function readText(input) {
    const f = input.files && input.files[0];
    return f ? f.text() : null;
  }
  async function sendEnvelope(blob, button) {
    const r = await busy(button, () => api('POST', '/api/auctions/' + encodeURIComponent(id) + '/envelope', blob));
    if (!ctx.alive()) return;
    msg.ok(t('auction.envelope_ok', { seq: r.seq }));
    load();
  }
  async function sendKey(k, button) {
    const r = await busy(button, () => api('POST', '/api/auctions/' + encodeURIComponent(id) + '/reveal', { key: k }));
    if (!ctx.alive()) return;
    msg.ok(label('auction.open.', r.outcome));
    load();
  }
  function form(idName, onsubmit, title, fields, button) {
    return h(
      'form',
      {
        class: 'form',
        id: idName,
        onsubmit: async (e) => {
          e.preventDefault();
          msg.clear();
          try {
            await onsubmit();
          } catch (err) {
            if (ctx.alive()) msg.error(err);
          }
        },
      },
      h('h3', null, title),
      ...fields,
      h('div', { class: 'form-actions' }, button),
    );
  }
  function field(forId, text, control, hint) {
    return h('div', { class: 'field' }, h('label', { for: forId }, text), control, hint ? h('p', { class: 'hint muted small' }, hint) : null);
  }

  function sealedPanel(a, me) {
    const now = serverNow();
    const ended = now !== null && now >= a.end_ms;
    const tender = 'auction-' + a.id;
    const uscc = ctx.user && ctx.user.org ? ctx.user.org.uscc : '';
    const rows = [];
    if (me.envelope_sha256) {
      // 64 hex digits: break points every 16, so a phone need not scroll
      const parts = me.envelope_sha256.match(/.{1,16}/g).flatMap((x, i) => (i ? [h('wbr'), x] : [x]));
      rows.push(h('p', { class: 'small' }, t('auction.receipt'), ' ', h('code', { class: 'mono', dataset: { testid: 'receipt' } }, ...parts)));
    }
    if (me.opened && me.opened !== 'pending') rows.push(h('p', { dataset: { testid: 'opened' } }, label('auction.open.', me.opened)));
    if (a.state === 'live' && !ended && !me.envelope_sha256) {
      const price = h('input', { id: 'auction-sealed-price', name: 'price', type: 'text', inputmode: 'decimal', placeholder: t('auction.amount_ph') });
      const sk = fileInput('auction-sign-key', '.pem,.key');
      const sc = fileInput('auction-sign-cert', '.pem,.crt,.cer');
      const ec = fileInput('auction-enc-cert', '.pem,.crt,.cer');
      const go = h('button', { type: 'submit', class: 'btn btn-primary', id: 'auction-seal' }, t('auction.seal'));
      rows.push(
        form(
          'auction-seal-form',
          async () => {
            const v = parseYuan(price.value);
            if (!Number.isSafeInteger(v) || v <= 0) throw { code: 'invalid_field', message: t('auction.amount_bad') };
            const [keyPem, signPem, encPem] = await Promise.all([readText(sk), readText(sc), readText(ec)]);
            if (!keyPem || !signPem || !encPem) throw { code: 'invalid_field', message: t('auction.need_keys') };
            const formJson = JSON.stringify({ price_fen: v });
            const env = await sealBid({ tender, lot: '1', org: uscc, signKeyPem: keyPem, signCertPem: signPem, encCertPem: encPem, files: [{ name: 'opening-form.json', role: 'price-list', data: new Blob([formJson]) }] });
            if (!ctx.alive()) return;
            await sendEnvelope(env.blob, go);
          },
          t('auction.seal_here'),
          [field('auction-sealed-price', t('auction.amount'), price, t('auction.sealed_price_hint')), field('auction-sign-key', t('auction.sign_key'), sk), field('auction-sign-cert', t('auction.sign_cert'), sc), field('auction-enc-cert', t('auction.enc_cert'), ec)],
          go,
        ),
      );
      const file = fileInput('auction-envelope', '.sbe');
      const up = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'auction-upload' }, t('auction.upload'));
      rows.push(
        form(
          'auction-upload-form',
          async () => {
            const f = file.files && file.files[0];
            if (!f) throw { code: 'invalid_field', message: t('auction.envelope_hint', { tender }) };
            await sendEnvelope(f, up);
          },
          t('auction.or_file'),
          [field('auction-envelope', t('auction.envelope'), file, t('auction.envelope_hint', { tender }))],
          up,
        ),
      );
    }
    if (a.state === 'live' && ended && me.opened === 'pending') {
      const ek = fileInput('auction-enc-key', '.pem,.key');
      const go = h('button', { type: 'submit', class: 'btn btn-primary', id: 'auction-reveal' }, t('auction.reveal'));
      rows.push(
        form(
          'auction-reveal-form',
          async () => {
            const pem = await readText(ek);
            if (!pem) throw { code: 'invalid_field', message: t('auction.need_enc_key') };
            const res = await fetch('/api/auctions/' + encodeURIComponent(id) + '/envelope', { credentials: 'same-origin', cache: 'no-store' });
            if (!res.ok) throw { code: 'http_' + res.status, message: '' };
            const k = await releaseKey({ head: await res.arrayBuffer(), encKeyPem: pem, expect: { tender, lot: '1' } });
            if (!ctx.alive()) return;
            await sendKey(k, go);
          },
          t('auction.reveal_title'),
          [field('auction-enc-key', t('auction.enc_key'), ek, t('auction.enc_key_hint'))],
          go,
        ),
      );
      const kIn = h('input', { id: 'auction-key', name: 'key', type: 'text', maxlength: 64, autocomplete: 'off', spellcheck: 'false', class: 'mono' });
      const go2 = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'auction-reveal-k' }, t('auction.reveal'));
      rows.push(
        form(
          'auction-reveal-k-form',
          async () => {
            const k = kIn.value.trim().toLowerCase();
            if (!/^[0-9a-f]{64}$/.test(k)) throw { code: 'invalid_field', message: t('auction.key_hint') };
            await sendKey(k, go2);
          },
          t('auction.or_key'),
          [field('auction-key', t('auction.key'), kIn, t('auction.key_hint'))],
          go2,
        ),
      );
    }
    return h('div', { class: 'card bidder-panel' }, h('h2', null, t('auction.my')), kvList([[t('auction.paddle'), h('span', { class: 'mono paddle' }, me.paddle), 'my-paddle'], typeof me.my_amount === 'number' ? [t('auction.my_amount'), formatFen(me.my_amount)] : null]), ...rows);
  }

  function bidderPanel(a) {
    const me = a.me;
    if (!ctx.hasRole(['bidder'])) return null;
    const closed = a.state === 'sold' || a.state === 'failed' || a.state === 'cancelled';
    if (!me) {
      if (a.state !== 'scheduled') return h('div', { class: 'card' }, h('p', { class: 'muted' }, t('auction.reg_closed')));
      const ref = h('input', { id: 'auction-deposit-ref', name: 'deposit_ref', type: 'text', maxlength: 100 });
      const go = h('button', { type: 'submit', class: 'btn btn-primary', id: 'auction-apply' }, t('auction.apply'));
      return h(
        'form',
        {
          class: 'card form',
          onsubmit: async (e) => {
            e.preventDefault();
            msg.clear();
            try {
              await busy(go, () => api('POST', '/api/auctions/' + encodeURIComponent(id) + '/register', { deposit_ref: ref.value.trim() }));
              if (ctx.alive()) load();
            } catch (err) {
              if (ctx.alive()) msg.error(err);
            }
          },
        },
        h('h2', null, t('auction.apply_title')),
        h('div', { class: 'field' }, h('label', { for: 'auction-deposit-ref' }, t('auction.deposit_ref')), ref, h('p', { class: 'hint muted small' }, t('auction.deposit_hint', { deposit: formatFen(a.deposit) }))),
        h('div', { class: 'form-actions' }, go),
      );
    }
    if (me.state !== 'qualified') return h('div', { class: 'card', dataset: { testid: 'my-reg' } }, h('p', null, label('auction.reg.', me.state)));
    if (a.kind === 'sealed') return sealedPanel(a, me);
    const status =
      typeof me.leading === 'boolean'
        ? h('span', { class: ['tag', me.leading ? 'tag-ok' : 'tag-danger'], dataset: { testid: 'my-status' } }, me.leading ? t('auction.leading') : t('auction.outbid'))
        : null;
    const buttons = closed
      ? []
      : quickAmounts(a).map((v) => {
          const b = h('button', { type: 'button', class: 'btn btn-primary bid-btn', dataset: { amount: String(v) }, onclick: () => placeBid(v, b) }, formatFen(v));
          return b;
        });
    const custom = h('input', { id: 'auction-amount', name: 'amount', type: 'text', inputmode: 'decimal', placeholder: t('auction.amount_ph') });
    const send = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'auction-bid' }, a.kind === 'sealed' ? t('auction.seal') : t('auction.bid'));
    const form = closed
      ? null
      : h(
          'form',
          {
            class: 'form bid-form form-actions',
            onsubmit: (e) => {
              e.preventDefault();
              const v = parseYuan(custom.value);
              if (!Number.isSafeInteger(v) || v <= 0) {
                msg.error({ code: 'invalid_field', message: t('auction.amount_bad') });
                return;
              }
              placeBid(v, send);
            },
          },
          h('label', { for: 'auction-amount' }, t('auction.amount')),
          custom,
          send,
        );
    return h(
      'div',
      { class: 'card bidder-panel' },
      h('h2', null, t('auction.my')),
      kvList([
        [t('auction.paddle'), h('span', { class: 'mono paddle' }, me.paddle), 'my-paddle'],
        [t('auction.my_status'), status],
        typeof me.my_amount === 'number' ? [t('auction.my_amount'), formatFen(me.my_amount)] : null,
        typeof me.next_min === 'number' ? [t('auction.next_min'), formatFen(me.next_min), 'next-min'] : null,
      ]),
      buttons.length ? h('div', { class: 'form-actions bid-buttons' }, buttons) : null,
      form,
    );
  }

  function agentPanel(a) {
    const u = ctx.user;
    const owner = u && ctx.hasRole(['agent']) && u.org && u.org.id === a.agent_org_id;
    if (!owner) return null;
    const regsBox = h('div', { class: 'regs' }, t('app.loading'));
    api('GET', '/api/auctions/' + encodeURIComponent(id) + '/registrations')
      .then((r) => {
        if (!ctx.alive()) return;
        const cols = [
          { label: t('auction.org'), render: (x) => x.org_name },
          { label: t('auction.deposit_ref'), render: (x) => x.deposit_ref },
          { label: t('auction.reg_state'), render: (x) => label('auction.reg.', x.state) },
          { label: t('auction.paddle'), render: (x) => x.paddle || t('app.none') },
          {
            label: '',
            render: (x) =>
              x.state === 'applied' && a.state === 'scheduled'
                ? h(
                    'span',
                    { class: 'btn-row' },
                    ['qualify', 'reject'].map((k) => {
                      const b = h(
                        'button',
                        {
                          type: 'button',
                          class: ['btn', 'btn-small', k === 'qualify' ? 'btn-primary' : 'btn-secondary'],
                          dataset: { action: k, reg: String(x.id) },
                          onclick: async () => {
                            try {
                              await busy(b, () => api('POST', '/api/auctions/' + encodeURIComponent(id) + '/registrations/' + x.id, { qualify: k === 'qualify' }));
                              if (ctx.alive()) load();
                            } catch (err) {
                              if (ctx.alive()) msg.error(err);
                            }
                          },
                        },
                        t('auction.' + k),
                      );
                      return b;
                    }),
                  )
                : null,
          },
        ];
        regsBox.replaceChildren(r.items.length ? table(cols, r.items, t('auction.regs')) : h('p', { class: 'muted' }, t('auction.no_regs')));
      })
      .catch((err) => ctx.alive() && regsBox.replaceChildren(h('p', { class: 'alert alert-error' }, err.message || err.code)));
    const reason = h('input', { id: 'auction-cancel-reason', type: 'text', maxlength: 200 });
    const cancel = h('button', { type: 'submit', class: 'btn btn-danger', id: 'auction-cancel' }, t('auction.cancel'));
    const open = a.state === 'scheduled' || a.state === 'live';
    return h(
      'div',
      { class: 'card agent-panel' },
      h('h2', null, t('auction.console')),
      kvList([[t('auction.reserve'), a.reserve ? formatFen(a.reserve) : t('app.none')]]),
      regsBox,
      open
        ? h(
            'form',
            {
              class: 'form cancel-form',
              onsubmit: async (e) => {
                e.preventDefault();
                try {
                  await busy(cancel, () => api('POST', '/api/auctions/' + encodeURIComponent(id) + '/cancel', { reason: reason.value.trim() || '-' }));
                  if (ctx.alive()) load();
                } catch (err) {
                  if (ctx.alive()) msg.error(err);
                }
              },
            },
            h('label', { for: 'auction-cancel-reason' }, t('auction.cancel_reason')),
            reason,
            cancel,
          )
        : null,
    );
  }

  async function resultPanel(a) {
    if (a.state !== 'sold' && a.state !== 'failed' && a.state !== 'cancelled') return null;
    try {
      const r = await api('GET', '/api/auctions/' + encodeURIComponent(id) + '/result');
      return h(
        'div',
        { class: 'card result-panel', dataset: { testid: 'result' } },
        h('h2', null, t('auction.result')),
        kvList([
          [t('auction.outcome'), label('auction.state.', r.outcome), 'result-outcome'],
          r.reason ? [t('auction.reason'), label('auction.reason.', r.reason)] : null,
          r.winner ? [t('auction.winner'), h('span', null, h('span', { class: 'mono' }, r.winner), ' ', r.winner_name), 'result-winner'] : null,
          r.winner ? [t('auction.price'), formatFen(r.price), 'result-price'] : null,
          [t('auction.key_id'), h('span', { class: 'mono code-sm' }, r.key_id)],
        ]),
        h('details', null, h('summary', null, t('auction.signed_text')), h('pre', { class: 'mono code-sm signed-text' }, r.body), h('p', { class: 'mono code-sm' }, t('auction.signature') + ': ' + r.signature)),
      );
    } catch {
      return null;
    }
  }

  async function historyPanel(a) {
    const r = await api('GET', '/api/auctions/' + encodeURIComponent(id) + '/bids?limit=100');
    const items = (r.items || []).slice().reverse();
    const cols = [
      { label: t('auction.seq'), render: (x) => String(x.seq), class: 'num' },
      { label: t('auction.bidder'), render: (x) => (x.bidder ? h('span', { class: 'mono' }, x.bidder) : t('auction.hidden')) },
      { label: t('auction.amount'), render: (x) => (typeof x.amount === 'number' ? formatFen(x.amount) : t('auction.hidden')), class: 'num' },
      { label: t('auction.time'), render: (x) => formatTime(x.received_ms), class: 'nowrap' },
    ];
    return h('div', { class: 'card card-flush history', dataset: { testid: 'history' } }, items.length ? table(cols, items, t('auction.history')) : h('p', { class: 'muted pad' }, t('auction.no_bids')));
  }

  async function load() {
    let a;
    try {
      a = await fetchAuction(id);
    } catch (err) {
      if (!ctx.alive()) return;
      root.replaceChildren(h('h1', null, t('auction.hall')), h('div', { class: 'alert alert-error' }, err.message || err.code));
      return;
    }
    if (!ctx.alive()) return;
    current = a;
    const now = serverNow();
    a.revealShown = a.kind === 'sealed' && now !== null && now >= a.end_ms;
    const hidden = a.kind === 'sealed' && a.state !== 'sold' && a.state !== 'failed';
    const price = a.kind === 'dutch' && typeof a.current_price === 'number' ? a.current_price : a.price;
    const live = a.state === 'live' || a.state === 'scheduled';
    const hall = h(
      'section',
      { class: 'card countdown-card hall' },
      h(
        'div',
        { class: 'countdown countdown-big', dataset: { kind: live ? 'running' : 'closed' } },
        h('span', { class: 'cd-label' }, a.kind === 'dutch' ? t('auction.current_price') : t('auction.price')),
        h('strong', { class: 'cd-value money', dataset: { testid: 'price' } }, hidden ? t('auction.hidden') : typeof price === 'number' ? formatFen(price) : formatFen(a.start_price)),
      ),
      h(
        'div',
        { class: 'countdown countdown-big cd-deadline', dataset: { kind: live ? 'running' : 'closed' } },
        h('span', { class: 'cd-label' }, a.state === 'scheduled' ? t('auction.to_start') : t('auction.to_end')),
        countdownEl,
      ),
      kvList([
        [t('auction.phase'), phaseText(a, now), 'phase'],
        [t('auction.leader'), a.leader ? h('span', { class: 'mono' }, a.leader) : t('app.none'), 'leader'],
        [t('auction.nbids'), String(a.nbids), 'nbids'],
        [t('auction.end'), timeEl(a.end_ms)],
        a.shift_ms ? [t('auction.shift'), t('auction.shift_text', { s: Math.round(a.shift_ms / 1000) })] : null,
        [t('auction.increment'), formatFen(a.increment)],
        a.max_price ? [t('auction.max_price'), formatFen(a.max_price)] : null,
        [t('auction.reserve'), a.has_reserve ? t('auction.reserve_hidden') : t('app.none')],
      ]),
    );
    const parts = await Promise.all([resultPanel(a), historyPanel(a).catch(() => null)]);
    if (!ctx.alive()) return;
    replace(
      root,
      h(
        'div',
        { class: 'page-head' },
        h('div', null, h('h1', null, a.title), h('p', { class: 'badges' }, h('span', { class: 'tag tag-kind' }, label('auction.kind.', a.kind)), ' ', h('span', { class: 'tag' }, label('auction.preset.', a.preset)), ' ', stateTag(a))),
      ),
      msg.el,
      hall,
      parts[0],
      bidderPanel(a),
      agentPanel(a),
      parts[1],
      h('p', { class: 'muted small' }, t('auction.tz')),
    );
    tick();
  }

  // live: every event of the auction reloads (coalesced)
  if (typeof window.EventSource === 'function') {
    const es = new window.EventSource('/api/auctions/' + encodeURIComponent(id) + '/events');
    let pending = null;
    const onEvent = () => {
      if (!ctx.alive()) {
        es.close();
        return;
      }
      if (pending) return;
      pending = setTimeout(() => {
        pending = null;
        if (ctx.alive()) load();
      }, 150);
    };
    for (const name of ['bids', 'state', 'end']) es.addEventListener(name, onEvent);
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

export const hall = { render: renderHall };
