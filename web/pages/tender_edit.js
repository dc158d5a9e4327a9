// pages/tender_edit.js — the agent's tender editor: /tenders/new creates a
// draft (POST /api/tenders), /tender/edit?id=N edits one (PUT with the
// version it was read at, so a stale form gets 409 conflict rather than
// overwriting), adds lots, uploads document versions, keeps an invited
// tender's invitation list (邀请招标) and publishes.
//
// Dates are typed in Beijing time whatever the viewer's zone (the inputs
// are datetime-local; tender_common.js converts). Money is typed in yuan
// and sent in fen. The rules in force for the chosen procedure
// (GET /api/tender-rules) are shown next to the dates, and a refused
// publication shows the rule it broke, the bound it needed and the legal
// source from the error body, and marks the field at fault.

import { api } from '../api.js';
import { h, replace, loading, field, table } from '../dom.js';
import { t, errorText } from '../i18n.js';
import {
  CATEGORIES,
  PROCEDURES,
  BOND_FORMS,
  EVAL_METHODS,
  label,
  stateTag,
  formatFen,
  parseYuan,
  fenToInput,
  msToInput,
  inputToMs,
  fetchTender,
  messageSlot,
  errorBox,
  busy,
  textArea,
  timeEl,
  tenderHref,
  formatSize,
  serverNow,
} from './tender_common.js';
import { docUploader } from './tender_manage.js';

const DATES = ['publish_at', 'doc_start', 'doc_end', 'clarify_deadline', 'bid_deadline'];
const MONEY = ['ceiling_fen', 'bond_fen'];
const INTS = ['owner_org_id', 'min_bids', 'decrypt_window_min', 'escrow_k', 'escrow_n'];

// The server names a field "bid_deadline" in a rule refusal and
// "bid_deadline_ms" in a format error; both are the same input here.
function fieldKey(f) {
  if (!f) return null;
  return f.endsWith('_ms') ? f.slice(0, -3) : f;
}

function select(name, codes, prefix, value) {
  return h(
    'select',
    { name },
    codes.map((c) => h('option', { value: c, selected: c === value }, label(prefix, c))),
  );
}

// Hints from the rules in force for a procedure.
function rulesHint(rules, procedure) {
  if (!rules) return '';
  const v = (name) => {
    const r = rules.find((x) => x.rule === name);
    return r && r.procedures && r.procedures[procedure] ? r.procedures[procedure].value : null;
  };
  const bp = v('bond_max_bp');
  return t('tender.edit.rules_hint', {
    bid: v('min_bid_days'),
    doc: v('min_doc_days'),
    obj: v('objection_days'),
    bond: bp === null ? '?' : (bp / 100).toFixed(bp % 100 ? 2 : 0),
    bids: v('min_bids'),
  });
}

function tenderForm(ctx, tender, onSaved) {
  const creating = !tender;
  const x = tender || {};
  const msg = messageSlot();
  const fields = {};
  const add = (name, o) => {
    fields[name] = field({ name, label: o.label, required: o.required, hint: o.hint, type: o.type, maxlength: o.maxlength, inputmode: o.inputmode, control: o.control });
    if (o.wide) fields[name].el.classList.add('field-wide');
    if (o.value !== undefined && o.value !== null && !o.control) fields[name].input.value = String(o.value);
    if (o.disabled) fields[name].input.disabled = true;
    return fields[name];
  };

  add('title', { label: t('tender.f.title'), required: true, maxlength: 200, wide: true, value: x.title });
  add('description', { label: t('tender.f.description'), wide: true, control: textArea({ name: 'description', maxlength: 6000, rows: 4 }) });
  fields.description.input.value = x.description || '';
  add('region', { label: t('tender.f.region'), required: true, maxlength: 6, inputmode: 'numeric', hint: t('tender.f.region_hint'), value: x.region || '', disabled: !creating });
  fields.region.input.classList.add('mono');
  add('category', { label: t('tender.f.category'), required: true, control: select('category', CATEGORIES, 'cat.', x.category || 'works') });
  if (!creating) fields.category.input.disabled = true;
  add('procedure', { label: t('tender.f.procedure'), control: select('procedure', PROCEDURES, 'tender.proc.', x.procedure || 'open') });
  add('owner_org_id', { label: t('tender.f.owner_org_id'), type: 'number', inputmode: 'numeric', hint: t('tender.f.owner_hint'), value: x.owner_org_id && x.owner_org_id !== x.agent_org_id ? x.owner_org_id : '' });
  add('ceiling_fen', { label: t('tender.f.ceiling'), inputmode: 'decimal', hint: t('tender.f.money_hint'), value: fenToInput(x.ceiling_fen) });
  add('bond_fen', { label: t('tender.f.bond'), inputmode: 'decimal', hint: t('tender.f.money_hint'), value: x.bond_fen ? fenToInput(x.bond_fen) : '' });
  add('bond_form', { label: t('tender.f.bond_form'), control: select('bond_form', BOND_FORMS, 'tender.bondform.', x.bond_form || 'none') });
  add('eval_method', { label: t('tender.f.eval_method'), control: select('eval_method', EVAL_METHODS, 'tender.eval.', x.eval_method || 'comprehensive') });
  const op = x.opening || {};
  add('min_bids', { label: t('tender.f.min_bids'), type: 'number', inputmode: 'numeric', value: op.min_bids });
  add('decrypt_window_min', { label: t('tender.f.decrypt_window_min'), type: 'number', inputmode: 'numeric', value: op.decrypt_window_min });
  for (const d of DATES) {
    add(d, {
      label: t('tender.f.' + d) + ' ' + t('tender.bj'),
      type: 'datetime-local',
      required: d !== 'publish_at',
      hint: d === 'publish_at' ? t('tender.f.publish_at_hint') : null,
      value: msToInput(x[d + '_ms']),
    });
  }
  add('escrow_k', { label: t('tender.f.escrow_k'), type: 'number', inputmode: 'numeric', value: op.escrow_k || '' });
  add('escrow_n', { label: t('tender.f.escrow_n'), type: 'number', inputmode: 'numeric', value: op.escrow_n || '' });
  add('readout_fields', { label: t('tender.f.readout_fields'), hint: t('tender.f.readout_hint'), maxlength: 600, value: op.readout_fields || '', wide: true });
  fields.readout_fields.input.classList.add('mono');

  const rulesNote = h('p', { class: 'alert alert-info form-note', id: 'tender-rules-hint' });
  let rules = null;
  const showRules = () => {
    rulesNote.textContent = rulesHint(rules, fields.procedure.input.value);
    rulesNote.hidden = !rules;
  };
  rulesNote.hidden = true;
  fields.procedure.input.addEventListener('change', showRules);
  api('GET', '/api/tender-rules')
    .then((r) => {
      if (!ctx.alive()) return;
      rules = r.items || [];
      showRules();
    })
    .catch(() => {});

  let version = x.version || 0;
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'tender-save' }, creating ? t('tender.edit.create') : t('tender.edit.save'));

  // Marks the field an error names; focus: move the keyboard focus to it.
  function setFieldError(err, focus = true) {
    const k = fieldKey(err.field);
    const f = k && fields[k];
    if (f) {
      f.setError(errorText(err));
      if (focus) f.input.focus();
    }
    return Boolean(f);
  }

  async function onSubmit(e) {
    e.preventDefault();
    msg.clear();
    for (const f of Object.values(fields)) f.setError(null);
    const body = {};
    const v = (k) => fields[k].input.value.trim();
    let bad = null;
    const fail = (k, text) => {
      fields[k].setError(text);
      if (!bad) bad = k;
    };
    if (!v('title')) fail('title', t('err.missing_field'));
    else body.title = v('title');
    if (creating) {
      if (!/^\d{6}$/.test(v('region'))) fail('region', t('tender.f.region_bad'));
      else body.region = v('region');
      body.category = fields.category.input.value;
    }
    body.description = fields.description.input.value.trim();
    body.procedure = fields.procedure.input.value;
    body.bond_form = fields.bond_form.input.value;
    body.eval_method = fields.eval_method.input.value;
    for (const k of MONEY) {
      const fen = parseYuan(v(k));
      if (Number.isNaN(fen)) fail(k, t('tender.f.money_bad'));
      else if (fen !== null) body[k] = fen;
      else if (k === 'bond_fen' && !creating) body[k] = 0;
    }
    for (const k of INTS) {
      if (v(k) === '') continue;
      if (!/^\d{1,9}$/.test(v(k))) fail(k, t('err.invalid_field'));
      else body[k] = Number(v(k));
    }
    if (body.escrow_k === undefined && body.escrow_n !== undefined) body.escrow_k = 0;
    if (body.escrow_n === undefined && body.escrow_k !== undefined) body.escrow_n = 0;
    if (v('readout_fields')) body.readout_fields = v('readout_fields');
    for (const d of DATES) {
      const ms = inputToMs(fields[d].input.value);
      if (Number.isNaN(ms)) fail(d, t('tender.f.date_bad'));
      else if (ms !== null) body[d + '_ms'] = ms;
    }
    if (bad) {
      msg.error({ code: 'invalid_field', message: t('form.fix') });
      fields[bad].input.focus();
      return;
    }
    if (!creating) body.version = version;
    await busy(submit, async () => {
      try {
        const r = creating ? await api('POST', '/api/tenders', body) : await api('PUT', '/api/tenders/' + x.id, body);
        if (!ctx.alive()) return;
        version = r.tender.version;
        onSaved(r);
      } catch (err) {
        if (!ctx.alive()) return;
        const marked = setFieldError(err);
        if (err.body && err.body.rule) msg.error(err);
        else if (marked) msg.error({ code: err.code, message: t('form.fix') });
        else msg.error(err);
      }
    });
  }

  const g = (names) => h('div', { class: 'form-grid' }, names.map((n) => fields[n].el));
  const form = h(
    'form',
    { class: 'card form-card tender-form', id: 'tender-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'tender-form-h' },
    h('h2', { id: 'tender-form-h' }, creating ? t('tender.edit.new_h') : t('tender.edit.fields_h')),
    h('fieldset', { class: 'form-section' }, h('legend', null, t('tender.edit.basics')), g(['title', 'description', 'region', 'category', 'procedure', 'owner_org_id'])),
    h('fieldset', { class: 'form-section' }, h('legend', null, t('tender.edit.money')), g(['ceiling_fen', 'bond_fen', 'bond_form', 'eval_method'])),
    h('fieldset', { class: 'form-section' }, h('legend', null, t('tender.edit.dates')), rulesNote, g(DATES)),
    h(
      'details',
      { class: 'form-section form-advanced' },
      h('summary', null, t('tender.edit.opening')),
      g(['min_bids', 'decrypt_window_min', 'escrow_k', 'escrow_n', 'readout_fields']),
    ),
    h('div', { class: 'form-actions' }, submit, creating ? h('a', { href: '/tenders/mine', 'data-link': true, class: 'btn btn-secondary' }, t('form.cancel')) : null),
    msg.el,
  );
  return {
    el: form,
    setVersion(v) {
      version = v;
    },
    markField: setFieldError,
  };
}

function lotsCard(ctx, d, refresh) {
  const id = d.tender.id;
  const msg = messageSlot();
  const title = field({ name: 'title', label: t('tender.lot.title'), required: true, maxlength: 200 });
  const ceiling = field({ name: 'ceiling_fen', label: t('tender.f.ceiling'), inputmode: 'decimal' });
  const bond = field({ name: 'bond_fen', label: t('tender.f.bond'), inputmode: 'decimal' });
  title.el.classList.add('field-wide');
  const submit = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'lot-add' }, t('tender.lot.add'));
  async function onSubmit(e) {
    e.preventDefault();
    msg.clear();
    for (const f of [title, ceiling, bond]) f.setError(null);
    const body = { title: title.input.value.trim() };
    if (!body.title) {
      title.setError(t('err.missing_field'));
      title.input.focus();
      return;
    }
    for (const [k, f] of [['ceiling_fen', ceiling], ['bond_fen', bond]]) {
      const fen = parseYuan(f.input.value);
      if (Number.isNaN(fen)) {
        f.setError(t('tender.f.money_bad'));
        f.input.focus();
        return;
      }
      if (fen !== null) body[k] = fen;
    }
    await busy(submit, async () => {
      try {
        const r = await api('POST', `/api/tenders/${id}/lots`, body);
        if (!ctx.alive()) return;
        refresh(t('tender.lot.added', { n: r.lot_no }));
      } catch (err) {
        if (!ctx.alive()) return;
        const f = { title, ceiling_fen: ceiling, bond_fen: bond }[err.field];
        if (f) f.setError(errorText(err));
        msg.error(err);
      }
    });
  }
  const lots = d.lots || [];
  return h(
    'section',
    { class: 'card', id: 'tender-lots-edit', 'aria-labelledby': 'te-lots-h' },
    h('h2', { id: 'te-lots-h' }, t('tender.lots')),
    lots.length
      ? table(
          [
            { label: t('tender.lot.no'), render: (l) => t('tender.lot.n', { n: l.lot_no }), class: 'nowrap' },
            { label: t('tender.lot.title'), key: 'title' },
            { label: t('tender.ceiling'), render: (l) => (l.ceiling_fen === null ? null : formatFen(l.ceiling_fen)) },
            { label: t('tender.bond'), render: (l) => formatFen(l.bond_fen) },
          ],
          lots.map((l) => ({ ...l, id: l.lot_no })),
          t('tender.lots'),
        )
      : h('p', { class: 'muted' }, t('tender.lot.none')),
    h(
      'form',
      { class: 'tender-form', id: 'lot-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'te-lot-new-h' },
      h('h3', { id: 'te-lot-new-h' }, t('tender.lot.new')),
      h('div', { class: 'form-grid' }, title.el, ceiling.el, bond.el),
      h('div', { class: 'form-actions' }, submit),
      msg.el,
    ),
  );
}

function docsCard(ctx, d, refresh) {
  const docs = d.documents || [];
  return h(
    'section',
    { class: 'card', id: 'tender-docs-edit', 'aria-labelledby': 'te-docs-h' },
    h('h2', { id: 'te-docs-h' }, t('tender.docs')),
    docs.length
      ? h(
          'ul',
          { class: 'plain-list doc-list' },
          docs.map((x) => h('li', { dataset: { version: String(x.version) } }, h('strong', null, 'v' + x.version), ' ', x.name, ' ', h('span', { class: 'muted small' }, formatSize(x.size) + ' · ', timeEl(x.uploaded_ms)))),
        )
      : h('p', { class: 'muted', id: 'docs-none' }, t('tender.doc.none_yet')),
    docUploader(ctx, d.tender, (r) => refresh(t('tender.doc.uploaded_ok', { v: r.version, name: r.name }))),
  );
}

// The opening officers of a tender with escrow (docs/escrow.md): the n
// users whose personal encryption certificates the escrow key's shares are
// sealed to at publication, chosen from GET /api/escrow/candidates and saved
// in order (x = 1..n) with PUT /api/tenders/:id/escrow/officers.
function escrowCard(ctx, d, refresh) {
  const x = d.tender;
  const op = x.opening || {};
  const n = op.escrow_n || 0;
  const msg = messageSlot();
  const list = h('div', { 'aria-busy': 'true' }, loading());
  const card = h(
    'section',
    { class: 'card', id: 'tender-escrow-edit', 'aria-labelledby': 'te-escrow-h' },
    h('h2', { id: 'te-escrow-h' }, t('tender.escrow.title')),
    h('p', { class: 'muted small' }, t('tender.escrow.intro', { n, k: op.escrow_k })),
    list,
    msg.el,
  );
  (async () => {
    try {
      const [cur, cand] = await Promise.all([api('GET', `/api/tenders/${x.id}/escrow`), api('GET', '/api/escrow/candidates')]);
      if (!ctx.alive()) return;
      const chosen = (cur.officers || []).map((o) => o.user_id);
      const items = cand.items || [];
      if (!items.length) {
        replace(list, h('p', { class: 'alert alert-info', id: 'escrow-none' }, t('tender.escrow.none')));
        return;
      }
      const need = h('p', { id: 'escrow-need' });
      const showNeed = () => {
        need.textContent = t('tender.escrow.need', { n, m: chosen.length });
      };
      const boxes = items.map((c) => {
        const box = h('input', { type: 'checkbox', name: 'officer', value: String(c.user_id), checked: chosen.includes(c.user_id) });
        const num = h('span', { class: 'tag', hidden: !chosen.includes(c.user_id) }, chosen.includes(c.user_id) ? '#' + (chosen.indexOf(c.user_id) + 1) : '');
        box.addEventListener('change', () => {
          const i = chosen.indexOf(c.user_id);
          if (box.checked && i < 0) chosen.push(c.user_id);
          if (!box.checked && i >= 0) chosen.splice(i, 1);
          for (const b of boxes) {
            b.num.textContent = chosen.includes(b.id) ? '#' + (chosen.indexOf(b.id) + 1) : '';
            b.num.hidden = !chosen.includes(b.id);
          }
          showNeed();
        });
        const row = h(
          'li',
          { dataset: { user: String(c.user_id) } },
          h('label', null, box, ' ', num, ' ', h('strong', null, c.name), ' ', h('span', { class: 'muted small' }, c.username + ' · ' + c.roles.map((r) => t('role.' + r)).join('、'))),
          h('div', { class: 'muted small' }, t('tender.escrow.cert', { subject: c.subject, alg: c.key_alg === 'sm2' ? 'SM2' : 'P-256' })),
        );
        return { id: c.user_id, num, row };
      });
      const save = h('button', { type: 'button', class: 'btn btn-primary', id: 'escrow-save' }, t('tender.escrow.save'));
      save.addEventListener('click', () =>
        busy(save, async () => {
          msg.clear();
          try {
            await api('PUT', `/api/tenders/${x.id}/escrow/officers`, { officers: chosen });
            if (ctx.alive()) refresh(t('tender.escrow.saved'));
          } catch (err) {
            if (ctx.alive()) msg.error(err);
          }
        }),
      );
      showNeed();
      replace(list, need, h('ul', { class: 'plain-list escrow-officers' }, boxes.map((b) => b.row)), h('div', { class: 'form-actions' }, save));
    } catch (err) {
      if (ctx.alive()) replace(list, errorBox(err));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  })();
  return card;
}

// The invitation list of an invited tender (邀请招标, docs/tenders.md):
// organisations added by USCC or id with POST /api/tenders/:id/invitees,
// removed with DELETE .../invitees/:org. Publication needs at least three
// (招标投标法 art. 17); only the invitees may register.
function invitesCard(ctx, d, refresh) {
  const x = d.tender;
  const msg = messageSlot();
  const list = h('div', { 'aria-busy': 'true' }, loading());
  const who = field({ name: 'invitee', label: t('tender.inv.who'), required: true, maxlength: 18, hint: t('tender.inv.who_hint') });
  const submit = h('button', { type: 'submit', class: 'btn btn-secondary', id: 'invitee-add' }, t('tender.inv.add'));
  async function onSubmit(e) {
    e.preventDefault();
    msg.clear();
    who.setError(null);
    const v = who.input.value.trim().toUpperCase();
    let body = null;
    if (/^[1-9]\d{0,15}$/.test(v)) body = { org_id: Number(v) };
    else if (/^[0-9A-Z]{18}$/.test(v)) body = { uscc: v };
    if (!body) {
      who.setError(t('tender.inv.who_bad'));
      who.input.focus();
      return;
    }
    await busy(submit, async () => {
      try {
        await api('POST', `/api/tenders/${x.id}/invitees`, body);
        if (ctx.alive()) refresh(t('tender.inv.added'));
      } catch (err) {
        if (!ctx.alive()) return;
        who.setError(errorText(err));
        msg.error(err);
      }
    });
  }
  const card = h(
    'section',
    { class: 'card', id: 'tender-invitees-edit', 'aria-labelledby': 'te-inv-h' },
    h('h2', { id: 'te-inv-h' }, t('tender.inv.title')),
    h('p', { class: 'muted small' }, t('tender.inv.intro')),
    list,
    h(
      'form',
      { class: 'tender-form', id: 'invitee-form', novalidate: true, onsubmit: onSubmit },
      h('div', { class: 'form-grid' }, who.el),
      h('div', { class: 'form-actions' }, submit),
    ),
    msg.el,
  );
  (async () => {
    try {
      const r = await api('GET', `/api/tenders/${x.id}/invitees`);
      if (!ctx.alive()) return;
      const items = r.items || [];
      const need = h('p', { id: 'invitees-need', class: items.length >= r.min_invitees ? 'muted' : 'alert alert-info' }, t('tender.inv.need', { n: r.min_invitees, m: items.length }));
      const remove = (o) => {
        const b = h('button', { type: 'button', class: 'btn btn-secondary btn-sm', dataset: { org: String(o.org_id) } }, t('tender.inv.remove'));
        b.addEventListener('click', () =>
          busy(b, async () => {
            msg.clear();
            try {
              await api('DELETE', `/api/tenders/${x.id}/invitees/${o.org_id}`);
              if (ctx.alive()) refresh(t('tender.inv.removed', { name: o.org_name }));
            } catch (err) {
              if (ctx.alive()) msg.error(err);
            }
          }),
        );
        return b;
      };
      replace(
        list,
        need,
        items.length
          ? table(
              [
                { label: t('tender.inv.org'), key: 'org_name' },
                { label: t('tender.inv.uscc'), render: (o) => h('span', { class: 'mono' }, o.uscc), class: 'nowrap' },
                { label: '', render: remove },
              ],
              items.map((o) => ({ ...o, id: o.org_id })),
              t('tender.inv.title'),
            )
          : h('p', { class: 'muted', id: 'invitees-none' }, t('tender.inv.none')),
      );
    } catch (err) {
      if (ctx.alive()) replace(list, errorBox(err));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  })();
  return card;
}

function publishCard(ctx, d, form) {
  const x = d.tender;
  const msg = messageSlot();
  const docsOk = (d.documents || []).length > 0;
  const datesOk = DATES.slice(1).every((k) => x[k + '_ms']);
  const now = serverNow();
  const later = x.publish_at_ms && now !== null && x.publish_at_ms > now;
  const item = (ok, text) => h('li', { class: ok ? 'check-ok' : 'check-no' }, h('span', { class: 'check-mark', 'aria-hidden': 'true' }, ok ? '✓' : '✗'), h('span', { class: 'visually-hidden' }, ok ? t('tender.pub.ok') : t('tender.pub.missing')), ' ', text);
  const b = h('button', { type: 'button', class: 'btn btn-primary', id: 'tender-publish' }, t('tender.pub.button'));
  b.addEventListener('click', () =>
    busy(b, async () => {
      msg.clear();
      try {
        await api('POST', `/api/tenders/${x.id}/publish`, {});
        if (ctx.alive()) ctx.navigate(tenderHref(x.id) + '&done=published');
      } catch (err) {
        if (!ctx.alive()) return;
        msg.error(err); // announced (role=alert); the field is marked too
        form.markField(err, false);
      }
    }),
  );
  return h(
    'section',
    { class: 'card', id: 'tender-publish-card', 'aria-labelledby': 'te-pub-h' },
    h('h2', { id: 'te-pub-h' }, t('tender.pub.title')),
    h(
      'ul',
      { class: 'plain-list pub-checks' },
      item(docsOk, t('tender.pub.c_docs')),
      item(datesOk, t('tender.pub.c_dates')),
      x.procedure === 'invited' ? item((d.invitees || 0) >= 3, t('tender.pub.c_invitees', { n: d.invitees || 0 })) : null,
    ),
    h('p', null, later ? t('tender.pub.when_later', { time: timeEl(x.publish_at_ms).textContent }) : t('tender.pub.when_now')),
    h('p', { class: 'muted small' }, t('tender.pub.rules')),
    h('div', { class: 'form-actions' }, b),
    msg.el,
  );
}

function renderPage(ctx, creating) {
  const root = h('section', { class: 'page page-tender-edit', dataset: { page: creating ? 'tender-new' : 'tender-edit' } });
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const head = (title, extra) =>
    h(
      'div',
      { class: 'page-head' },
      h('div', null, h('p', { class: 'crumbs' }, h('a', { href: '/tenders/mine', 'data-link': true }, t('tender.mine.title'))), h('h1', null, title, extra || null), h('p', { class: 'muted' }, t('tender.edit.intro'))),
    );
  if (creating) {
    const form = tenderForm(ctx, null, (r) => ctx.navigate('/tender/edit?id=' + r.tender.id + '&created=1', { replace: true }));
    replace(root, head(t('tender.edit.new_title')), status, form.el);
    return root;
  }
  const idStr = ctx.params.get('id') || '';
  if (!/^[1-9]\d{0,15}$/.test(idStr)) {
    replace(root, h('h1', null, t('tender.not_found')));
    return root;
  }
  const body = h('div', { 'aria-busy': 'true' }, loading());
  replace(root, body);
  let form = null;

  async function load(okText, keepForm) {
    body.setAttribute('aria-busy', 'true');
    try {
      const d = await fetchTender(idStr);
      if (!ctx.alive()) return;
      const x = d.tender;
      if (!d.you.owner) {
        replace(body, h('h1', null, x.title), h('p', { class: 'alert alert-error' }, t('err.not_owner')));
        return;
      }
      if (x.state !== 'draft') {
        replace(body, head(x.title, stateTag(x)), h('p', { class: 'alert alert-info', id: 'not-draft' }, t('tender.edit.not_draft')), h('a', { href: tenderHref(x.id), 'data-link': true, class: 'btn btn-primary' }, t('tender.edit.to_detail')));
        return;
      }
      // Lots and documents bump the version: keep the form, take the new one.
      if (keepForm && form) form.setVersion(x.version);
      else form = tenderForm(ctx, x, (r) => load(t('tender.edit.saved', { v: r.tender.version }), true));
      const refresh = (text) => load(text, true);
      replace(
        body,
        head(x.title, stateTag(x)),
        h('p', { class: 'muted mono code-sm' }, x.code),
        status,
        x.scheduled ? h('p', { class: 'alert alert-info' }, t('tender.edit.scheduled', { time: timeEl(x.publish_at_ms).textContent })) : null,
        form.el,
        lotsCard(ctx, d, refresh),
        docsCard(ctx, d, refresh),
        x.procedure === 'invited' ? invitesCard(ctx, d, refresh) : null,
        x.opening && x.opening.escrow_k > 0 ? escrowCard(ctx, d, refresh) : null,
        publishCard(ctx, d, form),
        h('p', null, h('a', { href: tenderHref(x.id), 'data-link': true }, t('tender.edit.preview'))),
      );
      status.textContent = okText || (ctx.params.get('created') ? t('tender.edit.created', { code: x.code }) : '');
    } catch (e) {
      if (!ctx.alive()) return;
      replace(body, h('h1', null, e.status === 404 ? t('tender.not_found') : t('tender.title_generic')), errorBox(e));
    } finally {
      body.setAttribute('aria-busy', 'false');
    }
  }
  load();
  return root;
}

export const create = { render: (ctx) => renderPage(ctx, true) };
export const edit = { render: (ctx) => renderPage(ctx, false) };
