// pages/award.js — from the award to the contract, at /award?tender=ID
// (docs/award.md): one page, a panel by who looks.
//
//   agent        uploads the contract document (any file; its SHA-256 is
//                what both sides sign) with the amount, signs it with its
//                personal signing key; records each bidder's bond and
//                marks it refunded with a reference
//   winner       reads the contract (download, hash, amount, the exact
//                message) and signs it with its organisation's signing key;
//                sees its bond
//   bidder       files a complaint (投诉) to the supervisor and follows
//                it (deadlines, suspension, decision), may withdraw it;
//                sees its bond
//   supervisor   the complaint queue of every tender (accept, refuse with
//                a reason, suspend / lift, decide with the remedy), the
//                overdue list (complaint steps, bond refunds, late
//                contracts), the tender's bonds
//   everyone     the award, the signed contract's hash, decided complaints
//
// Per lot (docs/evaluation.md, "Lots and rounds"): award, contract and
// bonds are a lot's (`&lot=N` in the URL, ?lot=N on every award call; tabs
// from ./lots.js when the tender has several lots); a complaint names its
// lot (0: the whole tender — its documents, its opening). After a
// re-evaluation the round and the earlier rounds' report hashes show.
//
// Keys are read in the browser and never uploaded (../seal.js signRecord:
// ECDSA P-256 with SHA-256, PKCS#8 PEM), over the message the server
// gives (contract.sign_message). The server decides what each caller sees
// (award_view_json); this page shows what the view holds.

import { api } from '../api.js';
import { h, replace, loading, table } from '../dom.js';
import { t, has, errorText, formatTime } from '../i18n.js';
import { formatFen, parseYuan, messageSlot, kvList, timeEl, busy, tenderHref, stateTag, inputToMs } from './tender_common.js';
import { signRecord, SealError } from '../seal.js';
import { lotParam, withLot, pageHref, lotTabs, tabPanel, roundsBox, lotName, phaseLabel } from './lots.js';

const SUBJECTS = ['documents', 'opening', 'result'];
const FORMS = ['cash', 'guarantee', 'insurance'];

export function awardHref(id, lot) {
  return pageHref('/award?tender=' + encodeURIComponent(id), lot);
}

// The current lot's phase: awarded, contracted... (the tender's state is
// the least advanced of its lots; an old view without lots: the tender's).
function lotPhase(v, lot) {
  const l = (v.lots || []).find((x) => x.lot === lot);
  return (l && l.phase) || v.phase || v.tender.state;
}

// An error, with the rule's deadline when a rule refused.
function showError(slot, e) {
  const body = (e && e.body) || {};
  if (body.rule === 'complaint_days' && typeof body.limit === 'number') {
    slot.el.replaceChildren(
      h(
        'div',
        { class: 'alert alert-error rule-refusal', role: 'alert', dataset: { code: e.code, rule: body.rule } },
        h('p', null, errorText(e)),
        h('p', { class: 'small' }, t('award.rule_limit', { v: formatTime(body.limit) }), body.source ? ' · ' + body.source : ''),
      ),
    );
    return;
  }
  slot.error(e instanceof SealError ? { code: e.code, message: e.message } : e);
}

function statusTag(k) {
  const kind = k.status === 'decided' ? (k.decision === 'upheld' ? 'tag-danger' : 'tag-ok') : k.status === 'refused' || k.status === 'withdrawn' ? 'tag-muted' : 'tag-kind';
  return h('span', { class: ['tag', kind], dataset: { status: k.status } }, t('award.cstatus.' + k.status));
}

function overdueTag(on) {
  return on ? h('span', { class: 'tag tag-danger', dataset: { overdue: 'true' } }, t('award.overdue')) : null;
}

// A key file and a button that signs message and posts it.
function signForm(id, lot, prefix, message, docSha, reload, msg) {
  const file = h('input', { type: 'file', id: prefix + '-key', accept: '.pem,.key' });
  const btn = h('button', { type: 'button', class: 'btn btn-primary', id: prefix + '-btn' }, t('award.sign'));
  btn.addEventListener('click', () =>
    busy(btn, async () => {
      try {
        const f = file.files && file.files[0];
        if (!f) throw new SealError('no_key', t('award.choose_key'));
        const signature = await signRecord({ signKeyPem: await f.text(), message });
        await api('POST', withLot(`/api/tenders/${id}/award/contract/sign`, lot), { signature, document_sha256: docSha });
        reload(t('award.signed_ok'));
      } catch (e) {
        showError(msg, e);
      }
    }),
  );
  return h('div', { class: 'cert-form' }, h('div', { class: 'field' }, h('label', { for: prefix + '-key' }, t('award.sign_key')), file, h('p', { class: 'field-hint' }, t('award.key_hint'))), btn);
}

// ---- the award and the contract --------------------------------------------------

function awardCard(v, lot) {
  const a = v.award;
  const failed = lotPhase(v, lot) === 'failed';
  if (!a) return h('section', { class: 'card', id: 'award-summary', dataset: failed ? { phase: 'failed' } : undefined }, h('h2', null, t('award.award')), h('p', { class: failed ? 'alert alert-error' : 'muted' }, failed ? t('lot.failed') : t('award.not_awarded')));
  return h(
    'section',
    { class: 'card', id: 'award-summary' },
    h('h2', null, t('award.award')),
    kvList([
      [t('award.winner'), a.bidder || '#' + a.org_id, 'award-winner'],
      [t('award.award_at'), timeEl(a.award_ms)],
      [t('award.notice_sha'), h('code', { class: 'wrap-any' }, a.notice_sha256 || '')],
      [t('award.contract_due'), h('span', null, timeEl(a.contract_due_ms), ' ', overdueTag(a.contract_overdue))],
    ]),
  );
}

function contractCard(v, id, lot, reload) {
  const you = v.you || {};
  const k = v.contract;
  const msg = messageSlot();
  const parts = [h('h2', null, t('award.contract'))];
  if (k) {
    const sides = ['winner', 'tenderer'];
    parts.push(
      kvList([
        [t('award.amount'), formatFen(k.amount_fen), 'contract-amount'],
        [t('award.doc_sha'), h('code', { class: 'wrap-any', id: 'contract-sha' }, k.document_sha256)],
        k.name ? [t('award.doc'), h('a', { href: withLot(`/api/tenders/${id}/award/contract/document`, lot), id: 'contract-download' }, k.name)] : null,
        k.signed_ms ? [t('award.signed_at'), h('span', null, timeEl(k.signed_ms), ' ', k.late ? h('span', { class: 'tag tag-danger', id: 'contract-late' }, t('award.late')) : null)] : null,
      ]),
    );
    if (k.winner)
      parts.push(
        h(
          'ul',
          { class: 'plain-list', id: 'contract-sides' },
          sides.map((s) =>
            h('li', { dataset: { side: s, signed: String(!!k[s].signed) } }, h('span', { class: ['tag', k[s].signed ? 'tag-ok' : 'tag-muted'] }, t('award.side.' + s)), ' ', k[s].signed ? h('span', null, t('award.side_signed'), ' ', timeEl(k[s].signed_ms)) : t('award.side_waiting')),
          ),
        ),
      );
    if (k.sign_message) parts.push(h('details', null, h('summary', null, t('award.message')), h('pre', { class: 'mono wrap-any', id: 'contract-message' }, k.sign_message)));
    const mine = you.agent ? 'tenderer' : you.winner ? 'winner' : null;
    if (mine && k[mine] && !k[mine].signed && lotPhase(v, lot) === 'awarded') {
      parts.push(h('p', null, you.agent ? t('award.sign_agent_hint') : t('award.sign_winner_hint')));
      parts.push(signForm(id, lot, 'contract-sign', k.sign_message, k.document_sha256, reload, msg));
    }
  } else if (v.award) {
    parts.push(h('p', { class: 'muted', id: 'contract-none' }, t('award.no_contract')));
  }
  const anySigned = k && k.winner && (k.winner.signed || k.tenderer.signed);
  if (you.agent && lotPhase(v, lot) === 'awarded' && !anySigned) parts.push(uploadForm(id, lot, reload, msg));
  parts.push(msg.el);
  return h('section', { class: 'card', id: 'award-contract' }, ...parts);
}

function uploadForm(id, lot, reload, msg) {
  const file = h('input', { type: 'file', id: 'contract-file' });
  const amount = h('input', { type: 'text', id: 'contract-amount-in', inputmode: 'decimal', autocomplete: 'off' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('award.upload'));
  return h(
    'form',
    {
      class: 'form-section',
      id: 'contract-upload',
      onsubmit: async (ev) => {
        ev.preventDefault();
        await busy(btn, async () => {
          try {
            const f = file.files && file.files[0];
            if (!f) throw new SealError('no_file', t('award.choose_file'));
            const fen = parseYuan(amount.value);
            if (!Number.isSafeInteger(fen) || fen <= 0) throw new SealError('invalid_field', t('award.bad_amount'));
            const q = new URLSearchParams({ name: f.name, amount_fen: String(fen) });
            await api('POST', withLot(`/api/tenders/${id}/award/contract?${q}`, lot), f, { contentType: f.type || 'application/octet-stream' });
            reload(t('award.uploaded'));
          } catch (e) {
            showError(msg, e);
          }
        });
      },
    },
    h('h3', null, t('award.upload_title')),
    h('div', { class: 'field' }, h('label', { for: 'contract-file' }, t('award.doc')), file),
    h('div', { class: 'field' }, h('label', { for: 'contract-amount-in' }, t('award.amount_yuan')), amount),
    h('div', { class: 'form-actions' }, btn),
  );
}

// ---- complaints -------------------------------------------------------------------

function complaintRow(k, id, v, reload, msg) {
  const you = v.you || {};
  const open = k.status === 'filed' || k.status === 'accepted';
  const actions = [];
  const act = (label, path, body, cls) => {
    const b = h('button', { type: 'button', class: ['btn btn-small', cls], dataset: { act: path } }, label);
    b.addEventListener('click', () =>
      busy(b, async () => {
        try {
          await api('POST', `/api/complaints/${k.id}/${path}`, typeof body === 'function' ? body() : body);
          reload(t('award.saved'));
        } catch (e) {
          showError(msg, e);
        }
      }),
    );
    return b;
  };
  if (you.supervisor && open) {
    const reason = h('input', { type: 'text', maxlength: 2000, 'aria-label': t('award.reason'), placeholder: t('award.reason'), dataset: { in: 'reason' } });
    if (k.status === 'filed') actions.push(act(t('award.accept'), 'accept', undefined, 'btn-primary'), h('span', { class: 'field-inline' }, reason, act(t('award.refuse'), 'refuse', () => ({ reason: reason.value.trim() }))));
    actions.push(act(k.suspended ? t('award.lift') : t('award.suspend'), 'suspend', { suspend: !k.suspended }, k.suspended ? null : 'btn-danger'));
    if (k.status === 'accepted') {
      const decision = h('select', { 'aria-label': t('award.decision'), dataset: { in: 'decision' } }, ['dismissed', 'upheld'].map((d) => h('option', { value: d }, t('award.decision.' + d))));
      const remedy = h('select', { 'aria-label': t('award.remedy'), dataset: { in: 'remedy' } }, ['', 're_evaluation', 'annul_award'].map((r) => h('option', { value: r }, r ? t('award.remedy.' + r) : t('award.remedy_none'))));
      const text = h('textarea', { rows: 2, maxlength: 8000, 'aria-label': t('award.decision_text'), placeholder: t('award.decision_text'), dataset: { in: 'text' } });
      actions.push(
        h(
          'div',
          { class: 'form-section', dataset: { form: 'decide' } },
          decision,
          ' ',
          remedy,
          text,
          act(t('award.decide'), 'decide', () => ({ decision: decision.value, text: text.value.trim(), ...(remedy.value ? { remedy: remedy.value } : {}) }), 'btn-primary'),
        ),
      );
    }
  }
  if (you.bidder && open && k.org_id === you.org_id) actions.push(act(t('award.withdraw'), 'withdraw', {}));
  const due = k.status === 'filed' ? k.accept_due_ms : k.status === 'accepted' ? k.decide_due_ms : null;
  return h(
    'li',
    { class: 'qa-item', dataset: { complaint: String(k.id), status: k.status } },
    h('p', { class: 'qa-meta' }, '#' + k.id, ' ', statusTag(k), ' ', h('span', { class: 'tag tag-muted' }, t('award.subject.' + k.subject)), ' ', (v.lots || []).length > 1 && typeof k.lot === 'number' ? [h('span', { class: 'tag tag-kind', dataset: { lot: String(k.lot) } }, k.lot ? lotName(v.lots, k.lot) : t('award.lot_whole')), ' '] : null, k.suspended ? h('span', { class: 'tag tag-danger' }, t('award.suspended')) : null, ' ', overdueTag(k.overdue), ' ', k.complainant ? h('span', { class: 'small' }, k.complainant) : null),
    k.body ? h('p', { class: 'qa-body' }, k.body) : null,
    h('p', { class: 'small muted' }, t('award.filed_at'), ' ', timeEl(k.filed_ms), due ? [' · ', t('award.due'), ' ', timeEl(due)] : null),
    k.reason ? h('p', { class: 'small' }, t('award.reason'), ': ', k.reason) : null,
    k.decision ? h('p', { class: 'qa-answer' }, h('strong', null, t('award.decision.' + k.decision)), k.remedy ? ' · ' + t('award.remedy.' + k.remedy) : '', ' — ', k.decision_text || '') : null,
    typeof k.carried_out === 'boolean' ? carriedLine(k) : null,
    actions.length ? h('div', { class: 'entry-actions' }, actions) : null,
  );
}

// What a complaint is about: the whole tender (0: its documents, its
// opening) or one lot (its result). Offered when the tender has lots.
function complaintLot(lots, lot) {
  return h(
    'select',
    { id: 'complaint-lot' },
    h('option', { value: '0' }, t('award.lot_whole')),
    lots.map((l) => h('option', { value: String(l.lot), selected: l.lot === lot }, lotName(lots, l.lot))),
  );
}

// What the upheld remedy did on the lot: carried out, or why not.
function carriedLine(k) {
  const why = k.carried_why ? (has('award.carried_why.' + k.carried_why) ? t('award.carried_why.' + k.carried_why) : k.carried_why) : '';
  return h('p', { class: 'small', dataset: { carried: String(k.carried_out) } }, h('span', { class: ['tag', k.carried_out ? 'tag-ok' : 'tag-danger'] }, t(k.carried_out ? 'award.carried' : 'award.not_carried')), why ? ' ' + why : '');
}

function complaintForm(v, id, lot, reload, msg) {
  const lots = Array.isArray(v.lots) ? v.lots : null; // null: a server without lots
  const subject = h('select', { id: 'complaint-subject' }, SUBJECTS.map((s) => h('option', { value: s }, t('award.subject.' + s))));
  const which = lots && lots.length > 1 ? complaintLot(lots, lot) : null;
  if (which && subject.value !== 'result') which.value = '0';
  // a result is a lot's; documents and the opening are the whole tender's
  subject.addEventListener('change', () => {
    if (which && subject.value !== 'result') which.value = '0';
    else if (which && which.value === '0') which.value = String(lot);
  });
  const body = h('textarea', { id: 'complaint-body', rows: 4, maxlength: 8000 });
  const known = h('input', { type: 'datetime-local', id: 'complaint-known' });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary' }, t('award.file'));
  return h(
    'form',
    {
      class: 'form-section',
      id: 'complaint-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        await busy(btn, async () => {
          try {
            const b = { subject: subject.value, body: body.value.trim() };
            if (which) b.lot = Number(which.value);
            else if (lots) b.lot = subject.value === 'result' ? lot : 0;
            if (known.value) b.known_ms = inputToMs(known.value);
            await api('POST', `/api/tenders/${id}/complaints`, b);
            body.value = '';
            reload(t('award.filed'));
          } catch (e) {
            showError(msg, e);
          }
        });
      },
    },
    h('h3', null, t('award.file_title')),
    h('p', { class: 'small muted' }, t('award.file_hint')),
    h('div', { class: 'field' }, h('label', { for: 'complaint-subject' }, t('award.subject')), subject),
    which ? h('div', { class: 'field' }, h('label', { for: 'complaint-lot' }, t('award.lot')), which, h('p', { class: 'field-hint' }, t('award.lot_hint'))) : null,
    h('div', { class: 'field' }, h('label', { for: 'complaint-body' }, t('award.body')), body),
    h('div', { class: 'field' }, h('label', { for: 'complaint-known' }, t('award.known')), known, h('p', { class: 'field-hint' }, t('award.known_hint'))),
    h('div', { class: 'form-actions' }, btn),
  );
}

function complaintsCard(v, id, lot, reload) {
  const you = v.you || {};
  const msg = messageSlot();
  const ks = v.complaints || [];
  return h(
    'section',
    { class: 'card', id: 'award-complaints' },
    h('h2', null, t('award.complaints')),
    ks.length ? h('ul', { class: 'qa-list', id: 'complaint-list' }, ks.map((k) => complaintRow(k, id, v, reload, msg))) : h('p', { class: 'muted' }, t('award.no_complaints')),
    msg.el,
    you.bidder && !you.agent ? complaintForm(v, id, lot, reload, msg) : null,
  );
}

// ---- bonds --------------------------------------------------------------------------

function bondsCard(v, id, lot, reload, bidders) {
  const you = v.you || {};
  if (!Array.isArray(v.bonds)) return null;
  const msg = messageSlot();
  const rows = v.bonds.map((b) => ({ ...b, id: b.org_id }));
  const cols = [
    { key: 'bidder', label: t('award.bidder') },
    { label: t('award.amount'), render: (b) => formatFen(b.amount_fen) },
    { label: t('award.form'), render: (b) => t('award.form.' + b.form) },
    { label: t('award.received'), render: (b) => timeEl(b.received_ms) },
    { label: t('award.refund_due'), render: (b) => (b.refund_due_ms ? h('span', null, timeEl(b.refund_due_ms), ' ', overdueTag(b.overdue)) : t('award.after_contract')) },
    {
      label: t('award.refund'),
      render: (b) => {
        if (b.refunded_ms) return h('span', { dataset: { refunded: 'true' } }, timeEl(b.refunded_ms), ' · ', b.refund_ref);
        if (!you.agent) return h('span', { class: 'tag tag-muted' }, t('award.not_refunded'));
        const ref = h('input', { type: 'text', maxlength: 200, 'aria-label': t('award.refund_ref'), placeholder: t('award.refund_ref') });
        const btn = h('button', { type: 'button', class: 'btn btn-small' }, t('award.mark_refunded'));
        btn.addEventListener('click', () =>
          busy(btn, async () => {
            try {
              await api('POST', withLot(`/api/tenders/${id}/award/bonds/${b.org_id}/refund`, lot), { reference: ref.value.trim() });
              reload(t('award.saved'));
            } catch (e) {
              showError(msg, e);
            }
          }),
        );
        return h('span', { class: 'field-inline' }, ref, btn);
      },
    },
  ];
  return h(
    'section',
    { class: 'card', id: 'award-bonds' },
    h('h2', null, t('award.bonds')),
    h('p', { class: 'small muted' }, t('award.bonds_hint', { n: String((v.rules && v.rules.refund_days) || 5) })),
    rows.length ? table(cols, rows) : h('p', { class: 'muted' }, t('award.no_bonds')),
    msg.el,
    you.agent ? bondForm(v, id, lot, reload, msg, bidders) : null,
  );
}

function bondForm(v, id, lot, reload, msg, bidders) {
  const org = bidders.length
    ? h('select', { id: 'bond-org' }, bidders.map((b) => h('option', { value: String(b.org_id) }, b.bidder || '#' + b.org_id)))
    : h('input', { type: 'number', id: 'bond-org', min: 1 });
  const amount = h('input', { type: 'text', id: 'bond-amount', inputmode: 'decimal', placeholder: formatFen(v.tender.bond_fen) });
  const form = h('select', { id: 'bond-form' }, h('option', { value: '' }, t('award.form_default')), FORMS.map((f) => h('option', { value: f }, t('award.form.' + f))));
  const received = h('input', { type: 'datetime-local', id: 'bond-received' });
  const btn = h('button', { type: 'submit', class: 'btn' }, t('award.record_bond'));
  const all = h('button', { type: 'button', class: 'btn btn-secondary', id: 'bond-all' }, t('award.record_all'));
  all.addEventListener('click', () =>
    busy(all, async () => {
      try {
        await api('POST', withLot(`/api/tenders/${id}/award/bonds`, lot), { all: true });
        reload(t('award.saved'));
      } catch (e) {
        showError(msg, e);
      }
    }),
  );
  return h(
    'form',
    {
      class: 'form-section',
      id: 'bond-record',
      onsubmit: async (ev) => {
        ev.preventDefault();
        await busy(btn, async () => {
          try {
            const b = { org_id: Number(org.value) };
            const fen = parseYuan(amount.value);
            if (fen !== null) b.amount_fen = fen;
            if (form.value) b.form = form.value;
            if (received.value) b.received_ms = inputToMs(received.value);
            await api('POST', withLot(`/api/tenders/${id}/award/bonds`, lot), b);
            reload(t('award.saved'));
          } catch (e) {
            showError(msg, e);
          }
        });
      },
    },
    h('h3', null, t('award.record_bond')),
    h('div', { class: 'field' }, h('label', { for: 'bond-org' }, t('award.bidder')), org),
    h('div', { class: 'field' }, h('label', { for: 'bond-amount' }, t('award.amount_yuan')), amount),
    h('div', { class: 'field' }, h('label', { for: 'bond-form' }, t('award.form')), form),
    h('div', { class: 'field' }, h('label', { for: 'bond-received' }, t('award.received')), received),
    h('div', { class: 'form-actions' }, btn, ' ', all),
  );
}

// ---- the supervisors' queue and overdue list -------------------------------------------

function supervisorCard(queue, overdue) {
  const items = (queue && queue.items) || [];
  const od = overdue || {};
  const link = (tid, lot) => h('a', { href: awardHref(tid, lot) }, '#' + tid + (lot > 1 ? ' · ' + t('lot.n', { n: lot }) : ''));
  return h(
    'section',
    { class: 'card', id: 'award-queue' },
    h('h2', null, t('award.queue')),
    items.length
      ? table(
          [
            { label: t('award.tender'), render: (k) => link(k.tender_id, k.lot) },
            { label: t('award.subject'), render: (k) => t('award.subject.' + k.subject) },
            { label: t('award.status'), render: (k) => h('span', null, statusTag(k), ' ', overdueTag(k.overdue)) },
            { label: t('award.complainant'), render: (k) => k.complainant },
            { label: t('award.filed_at'), render: (k) => timeEl(k.filed_ms) },
          ],
          items,
        )
      : h('p', { class: 'muted' }, t('award.no_complaints')),
    h('h3', null, t('award.overdue_list')),
    h(
      'ul',
      { class: 'plain-list', id: 'award-overdue' },
      (od.complaints || []).map((c) => h('li', { dataset: { kind: 'complaint' } }, overdueTag(true), ' ', t('award.overdue_complaint', { id: String(c.complaint_id), step: t('award.step.' + c.step) }), ' ', link(c.tender_id, c.lot), ' · ', timeEl(c.due_ms))),
      (od.bonds || []).map((b) => h('li', { dataset: { kind: 'bond' } }, overdueTag(true), ' ', t('award.overdue_bond', { bidder: b.bidder, amount: formatFen(b.amount_fen) }), ' ', link(b.tender_id, b.lot))),
      (od.contracts || []).map((c) => h('li', { dataset: { kind: 'contract' } }, overdueTag(true), ' ', t('award.overdue_contract'), ' ', link(c.tender_id, c.lot), ' ', c.title || '', ' · ', timeEl(c.due_ms))),
      (od.complaints || []).length + (od.bonds || []).length + (od.contracts || []).length === 0 ? h('li', { class: 'muted' }, t('award.nothing_overdue')) : null,
    ),
  );
}

export function render(ctx) {
  const idStr = ctx.params.get('tender') || '';
  const root = h('section', { class: 'page page-award', dataset: { page: 'award' }, 'aria-labelledby': 'award-h' });
  const head = h('div', { class: 'page-head' }, h('h1', { id: 'award-h' }, t('award.title')));
  if (!/^[1-9]\d{0,15}$/.test(idStr)) {
    replace(root, head, h('p', { class: 'alert alert-error' }, t('award.no_tender')));
    return root;
  }
  const id = Number(idStr);
  const lot = lotParam(ctx);
  const status = h('p', { class: 'status-line', id: 'award-status', role: 'status', 'aria-live': 'polite' });
  const tabs = h('div', { class: 'lot-switch' });
  const body = h('div', { id: 'award-body', 'aria-busy': 'true' }, loading());
  replace(root, head, tabs, status, body);

  // done: what the last step did, shown once the page is redrawn (a test
  // or a reader waiting for it then sees the new state).
  async function load(done) {
    const said = typeof done === 'string' ? done : '';
    let v;
    try {
      v = await api('GET', withLot(`/api/tenders/${id}/award`, lot));
    } catch (e) {
      if (!ctx.alive()) return;
      const msg = messageSlot();
      msg.error(e);
      replace(body, msg.el);
      body.removeAttribute('aria-busy');
      status.textContent = '';
      return;
    }
    const you = v.you || {};
    const lots = v.lots || [];
    const cur = lots.find((l) => l.lot === lot) || {};
    let queue = null;
    let overdue = null;
    let bidders = [];
    let ev = null; // the lot's evaluation: the bidders (agent), the rounds (round > 1)
    const extra = [];
    if (you.supervisor) extra.push(api('GET', '/api/complaints').then((r) => (queue = r)).catch(() => null), api('GET', '/api/award/overdue').then((r) => (overdue = r)).catch(() => null));
    if (you.agent || cur.round > 1)
      extra.push(
        api('GET', withLot(`/api/tenders/${id}/evaluation`, lot))
          .then((x) => {
            ev = x;
            const r = (x && x.result) || {};
            bidders = [...(r.candidates || []), ...(r.unranked || r.not_ranked || [])].filter((b) => b && b.org_id);
          })
          .catch(() => null),
      );
    await Promise.all(extra);
    if (!ctx.alive()) return;
    replace(tabs, lotTabs(ctx, lots, lot, 'award-body'));
    tabPanel(body, lots, lot);
    replace(
      body,
      h(
        'div',
        { class: 'tender-head' },
        h('p', { class: 'small muted' }, v.tender.code),
        h('h2', { class: 'hall-tender-title' }, v.tender.title),
        stateTag(v.tender),
        lots.length > 1 ? h('p', { class: 'lot-line', id: 'award-lot', dataset: { lot: String(lot) } }, h('strong', null, lotName(lots, lot)), ' ', h('span', { class: 'tag tag-muted' }, phaseLabel(cur.phase)), cur.round > 1 ? ' · ' + t('lot.round_n', { n: cur.round }) : '') : null,
        h('p', { class: 'small' }, h('a', { href: tenderHref(id) }, t('award.to_tender')), ' · ', h('a', { href: pageHref('/evaluation?tender=' + id, lot) }, t('award.to_evaluation'))),
      ),
      ev ? roundsBox(ev, 'award-rounds') : null,
      h('div', { class: 'grid-2' }, awardCard(v, lot), contractCard(v, id, lot, load)),
      complaintsCard(v, id, lot, load),
      bondsCard(v, id, lot, load, bidders),
      you.supervisor ? supervisorCard(queue, overdue) : null,
    );
    body.removeAttribute('aria-busy');
    status.textContent = said;
  }
  load();
  return root;
}
