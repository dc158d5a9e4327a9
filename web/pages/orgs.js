// pages/orgs.js — organisations: the list (GET /api/orgs) for admin and
// supervisor, and for admin a registration form (POST /api/orgs). The server
// validates the unified social credit code (GB 32100 check digit); its
// field errors (invalid_uscc on "uscc", missing_field, already_exists) are
// shown under the input they name.

import { api } from '../api.js';
import { h, field, alertBox, showFormError, table } from '../dom.js';
import { t, formatTime } from '../i18n.js';
import { pagedList, emptyState } from '../list.js';
import { relationsCard } from './org_relations.js';

const FIELDS = [
  { name: 'name', key: 'orgs.name', required: true, maxlength: 200, autocomplete: 'organization' },
  { name: 'uscc', key: 'orgs.uscc', required: true, maxlength: 18, hint: 'orgs.uscc_hint', mono: true },
  { name: 'legal_rep', key: 'orgs.legal_rep', required: true, maxlength: 100 },
  { name: 'contact_name', key: 'orgs.contact_name', maxlength: 100 },
  { name: 'contact_phone', key: 'orgs.contact_phone', type: 'tel', maxlength: 40, inputmode: 'tel' },
  { name: 'contact_email', key: 'orgs.contact_email', type: 'email', maxlength: 200 },
  { name: 'address', key: 'orgs.address', maxlength: 300, wide: true },
];

function orgForm(ctx, onCreated, onCancel) {
  const alert = alertBox();
  const fields = {};
  for (const f of FIELDS) {
    fields[f.name] = field({
      name: f.name,
      label: t(f.key),
      type: f.type,
      required: f.required,
      maxlength: f.maxlength,
      inputmode: f.inputmode,
      autocomplete: f.autocomplete,
      hint: f.hint ? t(f.hint) : null,
    });
    if (f.mono) fields[f.name].input.classList.add('mono');
    if (f.wide) fields[f.name].el.classList.add('field-wide');
  }
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('orgs.create'));

  async function onSubmit(e) {
    e.preventDefault();
    alert.clear();
    const body = {};
    for (const f of FIELDS) {
      let v = fields[f.name].input.value.trim();
      if (f.name === 'uscc') v = v.toUpperCase();
      if (v || f.required) body[f.name] = v;
    }
    submit.disabled = true;
    submit.textContent = t('form.saving');
    try {
      const org = await api('POST', '/api/orgs', body);
      if (!ctx.alive()) return;
      onCreated(org);
    } catch (err) {
      if (!ctx.alive()) return;
      showFormError(err, fields, alert);
    } finally {
      submit.disabled = false;
      submit.textContent = t('orgs.create');
    }
  }

  return h(
    'form',
    { class: 'card form-card', id: 'org-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'org-form-h' },
    h('h2', { id: 'org-form-h' }, t('orgs.new')),
    alert.el,
    h('div', { class: 'form-grid' }, Object.values(fields).map((f) => f.el)),
    h('div', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'btn btn-secondary', onclick: onCancel }, t('form.cancel'))),
  );
}

// /org: a bidder's own organisation, with its relationship records (org_relations.js)
export const mine = {
  render(ctx) {
    const org = ctx.user && ctx.user.org;
    return h('section', { class: 'page', dataset: { page: 'org' } }, h('div', { class: 'page-head' }, h('h1', null, org ? org.name : t('app.none'))), org ? relationsCard(ctx, org.id) : null);
  },
};

export function render(ctx) {
  const picked = Number(ctx.params.get('org')) || 0; // ?org=ID: that one's records above the list
  const admin = ctx.hasRole(['admin']);
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const cols = [
    { label: t('orgs.name'), render: (o) => h('a', { href: '/orgs?org=' + o.id, 'data-link': true }, h('strong', null, o.name)) },
    { label: t('orgs.uscc'), render: (o) => h('span', { class: 'mono' }, o.uscc) },
    { label: t('orgs.legal_rep'), key: 'legal_rep' },
    {
      label: t('orgs.contact'),
      render: (o) => {
        const parts = [o.contact_name, o.contact_phone, o.contact_email].filter(Boolean);
        return parts.length ? parts.join(' · ') : null;
      },
    },
    { label: t('orgs.address'), key: 'address' },
    { label: t('orgs.created_at'), render: (o) => formatTime(o.created_ms), class: 'nowrap' },
  ];
  const list = pagedList(ctx, {
    path: '/api/orgs',
    renderItems: (items) => table(cols, items, admin ? t('orgs.title_admin') : t('orgs.title')),
    empty: () => emptyState(t('orgs.empty')),
  });

  const formSlot = h('div', { class: 'form-slot' });
  const newBtn = admin
    ? h('button', { type: 'button', class: 'btn btn-primary', id: 'org-new', 'aria-expanded': 'false', onclick: openForm }, t('orgs.new'))
    : null;
  function closeForm() {
    formSlot.replaceChildren();
    newBtn.setAttribute('aria-expanded', 'false');
    newBtn.hidden = false;
  }
  function openForm() {
    status.textContent = '';
    const form = orgForm(
      ctx,
      (org) => {
        closeForm();
        status.textContent = t('orgs.created', { name: org.name });
        list.reload();
        newBtn.focus();
      },
      () => {
        closeForm();
        newBtn.focus();
      },
    );
    formSlot.replaceChildren(form);
    newBtn.setAttribute('aria-expanded', 'true');
    newBtn.hidden = true;
    form.querySelector('input').focus();
  }

  return h(
    'section',
    { class: 'page', dataset: { page: 'orgs' } },
    h(
      'div',
      { class: 'page-head' },
      h('div', null, h('h1', null, admin ? t('orgs.title_admin') : t('orgs.title'), admin ? null : h('span', { class: 'tag tag-muted' }, t('orgs.readonly'))), h('p', { class: 'muted' }, t('orgs.intro'))),
      newBtn,
    ),
    status,
    formSlot,
    picked ? relationsCard(ctx, picked) : null,
    h('div', { class: 'card card-flush' }, list.el),
  );
}
