// pages/tender_detail.js — one tender (/tender?id=N), for everyone who may
// see it (a draft only to its owners and the supervisor: others get 404).
//
// The public part: the unified transaction code, category, procedure, the
// ceiling price and the bond (fen shown as ¥), the key dates in Beijing
// time, lots, document versions, the notices (招标公告 / 变更公告) and the
// tender's history, and a live countdown to the bid deadline by the
// server's clock (server_time_ms of GET /api/tenders/:id; see
// tender_common.js). Changes announced on the public event stream
// (tender.state, .paused, .resumed, .clarification, .document) move the
// countdown at once and offer a reload, without clearing a form being
// written.
//
// Then one panel by who is looking: a bidder registers, downloads the
// documents (the server logs each download), reads clarifications, asks
// questions (the asker is hidden from other bidders; the page says so) and
// objects; the section #bid-submit (data-tender: the tender id, data-lot: its
// lot numbers, comma separated, "1" for a tender without lots) is the mount
// point of the sealing module, shown before the deadline; until that is
// wired it links each lot to pages/bid.js. The tender's own agents manage it
// (tender_manage.js); the supervisor reads everything (tender_manage.js,
// read-only). Anonymous visitors are invited to sign in.

import { api, withQuery, ApiError } from '../api.js';
import { h, replace, loading, table, field } from '../dom.js';
import { t, errorText, formatTime } from '../i18n.js';
import {
  PRE_DEADLINE,
  label,
  stateTag,
  formatFen,
  formatSize,
  fetchTender,
  countdown,
  kvList,
  timeEl,
  textArea,
  busy,
  messageSlot,
  errorBox,
  tenderHref,
  serverNow,
} from './tender_common.js';
import { agentPanel, supervisorPanel, clarificationList } from './tender_manage.js';

const LIVE_EVENTS = ['tender.state', 'tender.paused', 'tender.resumed', 'tender.clarification', 'tender.document'];

// ---- documents ---------------------------------------------------------------

function hexOf(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

// GET the bytes (the server logs the download), check their SHA-256 against
// X-Document-SHA256 where WebCrypto exists, and hand them to the browser
// as a file. Returns a message for the row.
async function downloadDoc(tenderId, doc) {
  let res;
  try {
    res = await fetch(`/api/tenders/${tenderId}/documents/${doc.version}`, { credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', '');
  }
  if (!res.ok) {
    let e = {};
    try {
      e = ((await res.json()) || {}).error || {};
    } catch {
      e = {};
    }
    const err = new ApiError(res.status, e.code || 'http_' + res.status, e.message || '', e.field);
    err.body = e;
    throw err;
  }
  const blob = await res.blob();
  const want = (res.headers.get('X-Document-SHA256') || doc.sha256 || '').toLowerCase();
  let check = 'skipped';
  if (window.crypto && window.crypto.subtle && want) {
    const got = hexOf(await window.crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    check = got === want ? 'ok' : 'bad';
  }
  if (check !== 'bad') {
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: doc.name, class: 'visually-hidden' });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30000);
  }
  return check;
}

function documentsCard(ctx, d, canDownload, why) {
  const tender = d.tender;
  const docs = d.documents || [];
  const msg = messageSlot();
  const cols = [
    { label: t('tender.doc.version'), render: (x) => 'v' + x.version, class: 'nowrap' },
    { label: t('tender.doc.name'), render: (x) => h('span', { class: 'doc-name' }, x.name) },
    { label: t('tender.doc.size'), render: (x) => formatSize(x.size), class: 'nowrap' },
    { label: t('tender.doc.sha256'), render: (x) => h('code', { class: 'mono wrap-any small', title: x.sha256 }, x.sha256) },
    { label: t('tender.doc.uploaded'), render: (x) => timeEl(x.uploaded_ms), class: 'nowrap' },
  ];
  if (canDownload) {
    cols.push({
      label: t('tender.doc.action'),
      render: (x) => {
        const b = h('button', { type: 'button', class: 'btn btn-small btn-secondary doc-download', dataset: { version: String(x.version) } }, t('tender.doc.download'));
        b.addEventListener('click', () =>
          busy(b, async () => {
            msg.clear();
            try {
              const check = await downloadDoc(tender.id, x);
              if (!ctx.alive()) return;
              if (check === 'bad') msg.error({ code: 'sha_mismatch', message: t('tender.doc.sha_bad') });
              else msg.ok(t(check === 'ok' ? 'tender.doc.sha_ok' : 'tender.doc.sha_skip', { name: x.name, v: x.version }));
            } catch (e) {
              if (ctx.alive()) msg.error(e);
            }
          }),
        );
        return b;
      },
    });
  }
  return h(
    'section',
    { class: 'card', id: 'tender-documents', 'aria-labelledby': 'td-docs-h' },
    h('h2', { id: 'td-docs-h' }, t('tender.docs')),
    docs.length ? table(cols, docs, t('tender.docs')) : h('p', { class: 'muted' }, t('tender.doc.none')),
    why ? h('p', { class: 'muted small doc-why' }, why) : null,
    canDownload ? h('p', { class: 'muted small' }, t('tender.doc.logged')) : null,
    msg.el,
  );
}

// ---- notices and history -----------------------------------------------------------

// The notices of this tender. GET /api/notices has no filter by tender, so
// read its category's notices newest first and stop at the tender's
// publication (its notices are not older); at most 5 pages of 100.
async function tenderNotices(tender) {
  if (!tender.published_ms) return [];
  const out = [];
  let cursor = null;
  for (let i = 0; i < 5; i++) {
    const r = await api('GET', withQuery('/api/notices', { category: tender.category, limit: 100, cursor }));
    let older = false;
    for (const n of r.items || []) {
      if (n.ref_type === 'tender' && n.ref_id === tender.id) out.push(n);
      if (n.published_ms < tender.published_ms) older = true;
    }
    cursor = r.next_cursor;
    if (older || !cursor) break;
  }
  return out;
}

function noticesCard(ctx, tender) {
  const box = h('div', { 'aria-busy': 'true' }, loading());
  tenderNotices(tender)
    .then((ns) => {
      if (!ctx.alive()) return;
      box.setAttribute('aria-busy', 'false');
      if (!ns.length) {
        replace(box, h('p', { class: 'muted' }, t('tender.notices_none')));
        return;
      }
      replace(
        box,
        h(
          'ul',
          { class: 'notice-list' },
          ns.map((n) =>
            h(
              'li',
              { class: 'notice', dataset: { id: String(n.id), kind: n.kind } },
              h('div', { class: 'notice-tags' }, h('span', { class: 'tag tag-kind kind-' + n.kind }, label('kind.', n.kind))),
              h('p', { class: 'notice-title' }, n.title),
              h('p', { class: 'notice-meta' }, timeEl(n.published_ms)),
            ),
          ),
        ),
      );
    })
    .catch((e) => {
      if (!ctx.alive()) return;
      box.setAttribute('aria-busy', 'false');
      replace(box, h('p', { class: 'alert alert-error' }, errorText(e)));
    });
  return h('section', { class: 'card', id: 'tender-notices', 'aria-labelledby': 'td-not-h' }, h('h2', { id: 'td-not-h' }, t('tender.notices')), box);
}

function historyCard(d) {
  const hist = d.history || [];
  if (!hist.length) return null;
  return h(
    'section',
    { class: 'card', id: 'tender-history', 'aria-labelledby': 'td-hist-h' },
    h('h2', { id: 'td-hist-h' }, t('tender.history')),
    h(
      'ol',
      { class: 'tender-timeline' },
      hist.map((x) =>
        h(
          'li',
          { dataset: { action: x.action } },
          h('span', { class: 'tl-when' }, timeEl(x.at_ms)),
          h(
            'span',
            { class: 'tl-what' },
            label('tender.act.', x.action),
            x.from !== x.to ? h('span', { class: 'muted small' }, ' · ' + label('tender.state.', x.from) + ' → ' + label('tender.state.', x.to)) : null,
            x.due_ms ? h('span', { class: 'muted small' }, ' · ' + t('tender.timer_due', { time: timeEl(x.due_ms).textContent })) : null,
          ),
        ),
      ),
    ),
  );
}

// ---- the bidder ------------------------------------------------------------------------

function textForm(ctx, o) {
  const msg = messageSlot();
  const f = field({ name: o.name, label: o.label, required: true, hint: o.hint, control: textArea({ name: o.name, maxlength: o.maxlength, required: true }) });
  f.el.classList.add('field-wide');
  const submit = h('button', { type: 'submit', class: o.danger ? 'btn btn-danger' : 'btn btn-primary' }, o.submit);
  async function onSubmit(e) {
    e.preventDefault();
    msg.clear();
    f.setError(null);
    const text = f.input.value.trim();
    if (!text) {
      f.setError(t('err.missing_field'));
      f.input.focus();
      return;
    }
    await busy(submit, async () => {
      try {
        const r = await o.send(text);
        if (!ctx.alive()) return;
        f.input.value = '';
        msg.ok(o.done(r));
        if (o.after) o.after(r);
      } catch (err) {
        if (!ctx.alive()) return;
        if (err.field === o.name || err.field === 'body') f.setError(errorText(err));
        msg.error(err);
      }
    });
  }
  return h(
    'form',
    { class: 'tender-form', id: o.id, novalidate: true, onsubmit: onSubmit, 'aria-labelledby': o.id + '-h' },
    h('h3', { id: o.id + '-h' }, o.title),
    o.note ? h('p', { class: 'alert alert-info form-note', dataset: { testid: o.id + '-note' } }, o.note) : null,
    f.el,
    h('div', { class: 'form-actions' }, submit),
    msg.el,
  );
}

function ownList(ctx, path, id, empty, row) {
  const box = h('div', { id, 'aria-busy': 'true' }, loading());
  async function load() {
    box.setAttribute('aria-busy', 'true');
    try {
      const r = await api('GET', path + '?limit=100');
      if (!ctx.alive()) return;
      const items = r.items || [];
      replace(box, items.length ? h('ul', { class: 'qa-list' }, items.map(row)) : h('p', { class: 'muted' }, empty));
    } catch (e) {
      if (ctx.alive()) replace(box, h('p', { class: 'alert alert-error' }, errorText(e)));
    } finally {
      box.setAttribute('aria-busy', 'false');
    }
  }
  load();
  return { el: box, reload: load };
}

function bidderPanel(ctx, d, reload) {
  const tender = d.tender;
  const id = tender.id;
  const open = PRE_DEADLINE.includes(tender.state);
  // Registration and questions wait while an objection pauses the tender;
  // questions close at clarify_deadline (by the server's clock).
  const now = serverNow();
  const askOpen = open && !tender.paused && (now === null || now <= tender.clarify_deadline_ms);
  const parts = [];
  if (!d.you.registered) {
    const msg = messageSlot();
    const regOpen = open && !tender.paused && (now === null || now <= tender.doc_end_ms);
    const b = h('button', { type: 'button', class: 'btn btn-primary', id: 'tender-register' }, t('tender.reg.button'));
    b.addEventListener('click', () =>
      busy(b, async () => {
        msg.clear();
        try {
          await api('POST', `/api/tenders/${id}/register`, {});
          if (ctx.alive()) reload(t('tender.reg.done'));
        } catch (e) {
          if (ctx.alive()) msg.error(e);
        }
      }),
    );
    parts.push(
      h(
        'section',
        { class: 'card', id: 'tender-register-card', 'aria-labelledby': 'td-reg-h' },
        h('h2', { id: 'td-reg-h' }, t('tender.reg.title')),
        h('p', null, regOpen ? t('tender.reg.text') : tender.paused && open ? t('tender.reg.paused') : t('tender.reg.closed')),
        h('p', { class: 'muted small' }, t('tender.reg.secret')),
        regOpen ? h('div', { class: 'form-actions' }, b) : null,
        msg.el,
      ),
    );
    return parts;
  }

  // The mount point of the sealing module. data-lot: the lot numbers, comma
  // separated ("1" when the tender has no lots: it is its own lot 1).
  const lots = (d.lots || []).length ? d.lots.map((l) => ({ no: l.lot_no, title: l.title })) : [{ no: 1, title: null }];
  if (open) {
    const links =
      tender.state === 'bidding'
        ? h(
            'ul',
            { class: 'plain-list bid-links' },
            lots.map((l) =>
              h(
                'li',
                null,
                h(
                  'a',
                  { href: `/bid?tender=${id}&lot=${l.no}`, 'data-link': true, class: 'btn btn-secondary' },
                  l.title ? t('tender.bid.lot_link', { n: l.no, title: l.title }) : t('tender.bid.link'),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted small' }, t('tender.bid.not_yet'));
    parts.push(
      h(
        'section',
        { class: 'card', id: 'bid-submit', 'aria-labelledby': 'bid-submit-h', dataset: { tender: String(id), lot: lots.map((l) => l.no).join(',') } },
        h('h2', { id: 'bid-submit-h' }, t('tender.bid.title')),
        h('p', { class: 'muted' }, t('tender.bid.note')),
        links,
      ),
    );
  }

  const myQs = ownList(ctx, `/api/tenders/${id}/questions`, 'my-questions', t('tender.q.none_mine'), (q) =>
    h(
      'li',
      { class: 'qa-item', dataset: { id: String(q.id) } },
      h('p', { class: 'qa-body' }, q.body),
      h('p', { class: 'qa-meta muted small' }, timeEl(q.asked_ms), ' · ', q.answered ? h('span', { class: 'tag tag-ok' }, t('tender.q.answered')) : h('span', { class: 'tag' }, t('tender.q.open'))),
    ),
  );
  const myObjs = ownList(ctx, `/api/tenders/${id}/objections`, 'my-objections', t('tender.obj.none_mine'), (o) =>
    h(
      'li',
      { class: 'qa-item', dataset: { id: String(o.id) } },
      h('p', { class: 'qa-body' }, o.body),
      h('p', { class: 'qa-meta muted small' }, timeEl(o.raised_ms), ' · ', t('tender.obj.due', { time: timeEl(o.answer_due_ms).textContent })),
      o.answer ? h('div', { class: 'qa-answer' }, h('strong', null, t('tender.obj.answer_is')), o.answer, ' ', h('span', { class: 'muted small' }, timeEl(o.answered_ms))) : h('p', { class: 'muted small' }, t('tender.obj.waiting')),
    ),
  );
  const clar = clarificationList(ctx, id);

  parts.push(
    h(
      'section',
      { class: 'card', id: 'tender-clarifications', 'aria-labelledby': 'td-clar-h' },
      h('h2', { id: 'td-clar-h' }, t('tender.clar.title')),
      h('p', { class: 'muted small' }, t('tender.clar.hidden_asker')),
      clar.el,
    ),
  );
  ctx.onClarification = clar.reload;

  parts.push(
    h(
      'section',
      { class: 'card', id: 'tender-ask', 'aria-labelledby': 'td-ask-h' },
      h('h2', { id: 'td-ask-h' }, t('tender.q.title')),
      askOpen
        ? textForm(ctx, {
            id: 'ask-form',
            name: 'body',
            title: t('tender.q.new'),
            label: t('tender.q.body'),
            hint: t('tender.q.hint', { time: timeEl(tender.clarify_deadline_ms).textContent }),
            note: t('tender.q.anon'),
            maxlength: 4000,
            submit: t('tender.q.submit'),
            send: (text) => api('POST', `/api/tenders/${id}/questions`, { body: text }),
            done: () => t('tender.q.done'),
            after: () => myQs.reload(),
          })
        : h('p', { class: 'muted', id: 'ask-closed' }, tender.paused && open ? t('tender.q.paused') : t('tender.q.closed', { time: timeEl(tender.clarify_deadline_ms).textContent })),
      h('h3', null, t('tender.q.mine')),
      myQs.el,
    ),
  );

  // When objections close: the rule objection_days of the tender's procedure.
  const objUntil = h('p', { class: 'small', id: 'objection-until' });
  if (open) {
    api('GET', '/api/tender-rules')
      .then((r) => {
        const rule = (r.items || []).find((x) => x.rule === 'objection_days');
        const p = rule && rule.procedures && rule.procedures[tender.procedure];
        if (!ctx.alive() || !p || typeof tender.bid_deadline_ms !== 'number') return;
        objUntil.textContent = t('tender.obj.until', { time: formatTime(tender.bid_deadline_ms - p.value * 86400000), days: p.value });
      })
      .catch(() => {});
  }
  parts.push(
    h(
      'section',
      { class: 'card', id: 'tender-object', 'aria-labelledby': 'td-obj-h' },
      h('h2', { id: 'td-obj-h' }, t('tender.obj.title')),
      objUntil,
      open
        ? textForm(ctx, {
            id: 'object-form',
            name: 'body',
            title: t('tender.obj.new'),
            label: t('tender.obj.body'),
            note: t('tender.obj.note'),
            maxlength: 4000,
            danger: true,
            submit: t('tender.obj.submit'),
            send: (text) => api('POST', `/api/tenders/${id}/objections`, { body: text }),
            done: () => t('tender.obj.done'),
            after: () => reload(t('tender.obj.done')),
          })
        : null,
      h('h3', null, t('tender.obj.mine')),
      myObjs.el,
    ),
  );
  return parts;
}

// ---- the page ---------------------------------------------------------------------------

function summaryCard(d) {
  const x = d.tender;
  return h(
    'section',
    { class: 'card', id: 'tender-summary', 'aria-labelledby': 'td-sum-h' },
    h('h2', { id: 'td-sum-h' }, t('tender.summary')),
    kvList([
      [t('tender.code'), h('span', { class: 'mono' }, x.code), 'tender-code'],
      [t('tender.category'), label('cat.', x.category), 'tender-category'],
      [t('tender.procedure'), label('tender.proc.', x.procedure), 'tender-procedure'],
      [t('tender.region'), h('span', { class: 'mono' }, x.region)],
      [t('tender.ceiling'), x.ceiling_fen === null ? t('tender.no_ceiling') : h('span', { class: 'money' }, formatFen(x.ceiling_fen)), 'tender-ceiling'],
      [t('tender.bond'), x.bond_fen ? [h('span', { class: 'money' }, formatFen(x.bond_fen)), ' · ', label('tender.bondform.', x.bond_form)] : t('tender.bondform.none'), 'tender-bond'],
      [t('tender.eval_method'), label('tender.eval.', x.eval_method)],
      [t('tender.min_bids'), x.opening ? String(x.opening.min_bids) : null],
      x.published_ms ? [t('tender.published'), timeEl(x.published_ms)] : null,
      x.cancel_reason ? [t('tender.cancel_reason'), x.cancel_reason, 'tender-cancel-reason'] : null,
      typeof d.registrations === 'number' ? [t('tender.reg_count'), String(d.registrations), 'tender-reg-count'] : null,
    ]),
    x.description ? h('div', { class: 'tender-desc' }, h('h3', null, t('tender.description')), h('p', null, x.description)) : null,
  );
}

function datesCard(x) {
  return h(
    'section',
    { class: 'card', id: 'tender-dates', 'aria-labelledby': 'td-dates-h' },
    h('h2', { id: 'td-dates-h' }, t('tender.dates'), h('span', { class: 'muted small heading-note' }, t('tender.bj'))),
    kvList([
      [t('tender.f.publish_at'), timeEl(x.publish_at_ms)],
      [t('tender.f.doc_start'), timeEl(x.doc_start_ms)],
      [t('tender.f.doc_end'), timeEl(x.doc_end_ms)],
      [t('tender.f.clarify_deadline'), timeEl(x.clarify_deadline_ms)],
      [t('tender.f.bid_deadline'), h('strong', null, timeEl(x.bid_deadline_ms)), 'tender-deadline'],
    ]),
  );
}

function lotsCard(d) {
  const lots = d.lots || [];
  if (!lots.length) return null;
  return h(
    'section',
    { class: 'card', id: 'tender-lots', 'aria-labelledby': 'td-lots-h' },
    h('h2', { id: 'td-lots-h' }, t('tender.lots')),
    table(
      [
        { label: t('tender.lot.no'), render: (l) => t('tender.lot.n', { n: l.lot_no }), class: 'nowrap' },
        { label: t('tender.lot.title'), key: 'title' },
        { label: t('tender.ceiling'), render: (l) => (l.ceiling_fen === null ? null : formatFen(l.ceiling_fen)), class: 'num' },
        { label: t('tender.bond'), render: (l) => formatFen(l.bond_fen), class: 'num' },
      ],
      lots.map((l) => ({ ...l, id: l.lot_no })),
      t('tender.lots'),
    ),
  );
}

function countdownCard(d) {
  const x = d.tender;
  const cd = countdown(x, { big: true });
  // Moved by a clarification or an amendment (a pause moves it by the
  // paused time too; seconds of a short pause are not worth a line).
  const moved = x.original_deadline_ms && x.bid_deadline_ms && formatTime(x.original_deadline_ms) !== formatTime(x.bid_deadline_ms);
  const el = h(
    'section',
    { class: 'card countdown-card', id: 'tender-countdown', 'aria-labelledby': 'td-cd-h' },
    h('h2', { id: 'td-cd-h', class: 'visually-hidden' }, t('tender.cd.label')),
    cd.el,
    h('p', { class: 'cd-deadline' }, t('tender.cd.deadline'), h('strong', null, timeEl(x.bid_deadline_ms)), ' ', h('span', { class: 'muted small' }, t('tender.bj'))),
    moved ? h('p', { class: 'muted small cd-moved' }, t('tender.cd.moved', { time: timeEl(x.original_deadline_ms).textContent })) : null,
    x.paused && x.paused_since_ms ? h('p', { class: 'alert alert-error cd-paused' }, t('tender.cd.paused_since', { time: timeEl(x.paused_since_ms).textContent })) : null,
    h('p', { class: 'muted small' }, t('tender.cd.server')),
  );
  return { el, cd };
}

function signInCard(ctx) {
  const next = '/tender?' + ctx.params.toString();
  return h(
    'section',
    { class: 'card side-card', id: 'tender-signin' },
    h('h2', null, t('tender.signin.title')),
    h('p', null, t('tender.signin.text')),
    h('a', { href: '/login?next=' + encodeURIComponent(next), 'data-link': true, class: 'btn btn-primary btn-block' }, t('nav.login')),
  );
}

export function render(ctx) {
  const idStr = ctx.params.get('id') || '';
  const root = h('section', { class: 'page page-tender', dataset: { page: 'tender' } });
  if (!/^[1-9]\d{0,15}$/.test(idStr)) {
    replace(root, h('h1', null, t('tender.not_found')), h('p', null, h('a', { href: '/tenders', 'data-link': true }, t('tender.back'))));
    return root;
  }
  const id = Number(idStr);
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const liveNote = h('div', { class: 'live-note', 'aria-live': 'polite' });
  const body = h('div', { 'aria-busy': 'true' }, loading());
  replace(root, body);
  let countdownCtl = null;
  let current = null;
  const subctx = { ...ctx };

  async function load(okText) {
    body.setAttribute('aria-busy', 'true');
    try {
      const d = await fetchTender(id);
      if (!ctx.alive()) return;
      current = d;
      draw(d);
      if (okText) status.textContent = okText;
    } catch (e) {
      if (!ctx.alive()) return;
      replace(
        body,
        e.status === 404
          ? h('div', { id: 'tender-missing' }, h('h1', null, t('tender.not_found')), h('p', null, t('tender.not_found_text')), h('p', null, h('a', { href: '/tenders', 'data-link': true, class: 'btn btn-secondary' }, t('tender.back'))))
          : h('div', null, h('h1', null, t('tender.title_generic')), errorBox(e), h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => load() }, t('app.retry'))),
      );
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }

  function draw(d) {
    const x = d.tender;
    const u = ctx.user;
    const isBidder = ctx.hasRole(['bidder']);
    const isSupervisor = ctx.hasRole(['supervisor']);
    const owner = d.you && d.you.owner;
    status.textContent = '';
    liveNote.replaceChildren();
    const { el: cdCard, cd } = countdownCard(d);
    countdownCtl = cd;

    let canDownload = false;
    let why = null;
    if (owner || isSupervisor) canDownload = (d.documents || []).length > 0;
    else if (isBidder && d.you.registered) {
      canDownload = x.state === 'bidding';
      if (x.state === 'published') why = t('tender.doc.from', { time: timeEl(x.doc_start_ms).textContent });
    } else if (PRE_DEADLINE.includes(x.state)) why = isBidder ? t('tender.doc.register_first') : u ? null : t('tender.doc.signin_first');

    const side = [cdCard];
    // the opening hall (pages/opening.js), from the deadline on
    if (!PRE_DEADLINE.includes(x.state) && !['draft', 'cancelled'].includes(x.state)) side.push(h('section', { class: 'card', id: 'tender-hall-card' }, h('h2', null, t('hall.title')), h('p', { class: 'muted small' }, t('hall.link_text')), h('a', { href: '/opening?tender=' + x.id, 'data-link': true, class: 'btn btn-primary btn-block', id: 'tender-hall-link' }, t('hall.enter'))));
    if (['evaluation', 'publicity', 'awarded', 'contracted'].includes(x.state)) side.push(h('section', { class: 'card', id: 'tender-eval-card' }, h('h2', null, t('eval.title')), h('a', { href: '/evaluation?tender=' + x.id, 'data-link': true, class: 'btn btn-block', id: 'tender-eval-link' }, t('eval.enter'))));
    if (!u && PRE_DEADLINE.includes(x.state)) side.push(signInCard(ctx));
    if (x.state === 'draft' && owner) {
      side.push(
        h(
          'section',
          { class: 'card', id: 'tender-draft-card' },
          h('h2', null, t('tender.draft.title')),
          h('p', null, t('tender.draft.text')),
          h('a', { href: '/tender/edit?id=' + x.id, 'data-link': true, class: 'btn btn-primary btn-block', id: 'tender-edit-link' }, t('tender.draft.edit')),
        ),
      );
    }

    const main = [summaryCard(d), datesCard(x), lotsCard(d), documentsCard(subctx, d, canDownload, why), noticesCard(ctx, x), historyCard(d)];
    const panels = [];
    if (isBidder && !owner && x.state !== 'draft') panels.push(...bidderPanel(subctx, d, load));
    if (owner && ctx.hasRole(['agent'])) panels.push(agentPanel(subctx, d, load));
    else if (isSupervisor) panels.push(supervisorPanel(subctx, d));

    replace(
      body,
      h(
        'div',
        { class: 'page-head tender-head' },
        h(
          'div',
          null,
          h('p', { class: 'crumbs' }, h('a', { href: '/tenders', 'data-link': true }, t('tender.list.title'))),
          h('h1', { id: 'tender-title' }, x.title),
          h('div', { class: 'tender-tags' }, stateTag(x), h('span', { class: 'tag tag-cat' }, label('cat.', x.category)), h('span', { class: 'tag' }, label('tender.proc.', x.procedure)), h('span', { class: 'mono code-sm' }, x.code)),
        ),
      ),
      status,
      liveNote,
      h('div', { class: 'tender-grid' }, h('div', { class: 'tender-main' }, main), h('aside', { class: 'tender-side', 'aria-label': t('tender.side') }, side)),
      panels.length ? h('div', { class: 'tender-panels' }, panels) : null,
    );
    if (ctx.params.get('done') === 'published') {
      status.textContent = t(x.scheduled ? 'tender.pub.scheduled' : 'tender.pub.done');
      ctx.params.delete('done'); // said once: a reload does not say it again
      window.history.replaceState(null, '', tenderHref(x.id));
    }
  }

  // Live changes of this tender on the public event stream.
  let es = null;
  if (typeof window.EventSource === 'function') {
    es = new window.EventSource('/api/events?topic=public');
    const onEvent = (ev) => {
      if (!ctx.alive()) {
        es.close();
        return;
      }
      let data;
      try {
        data = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (!data || data.tender_id !== id || !current) return;
      // Already shown: the change happened before the page's last read
      // (typically the viewer's own step, which reloads the page itself).
      if (typeof data.at_ms === 'number' && data.at_ms <= current.server_time_ms) return;
      const x = { ...current.tender };
      if (typeof data.bid_deadline_ms === 'number') x.bid_deadline_ms = data.bid_deadline_ms;
      if (typeof data.state === 'string') x.state = data.state;
      if (typeof data.paused === 'boolean') x.paused = data.paused;
      current = { ...current, tender: x };
      if (countdownCtl) countdownCtl.update(x);
      if (ev.type === 'tender.clarification' && subctx.onClarification) subctx.onClarification();
      liveNote.replaceChildren(
        h(
          'div',
          { class: 'alert alert-info live-alert' },
          h('span', null, t('tender.live.changed')),
          ' ',
          h('button', { type: 'button', class: 'btn btn-small btn-secondary', onclick: () => load() }, t('tender.live.reload')),
        ),
      );
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
