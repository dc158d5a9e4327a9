// pages/users.js — 用户管理 (admin only): the list of users (GET /api/users)
// and a form to create one (POST /api/users) with roles and an optional
// organisation picked from GET /api/orgs.

import { api } from '../api.js';
import { h, field, alertBox, showFormError, table, roleBadges, nextId } from '../dom.js';
import { t, formatTime, errorText } from '../i18n.js';
import { pagedList, emptyState } from '../list.js';

const ROLES = ['agent', 'bidder', 'expert', 'supervisor', 'admin'];

// All organisations for the picker (follows next_cursor, bounded).
async function allOrgs() {
  const out = [];
  let cursor = null;
  for (let i = 0; i < 50; i++) {
    const q = '/api/orgs?limit=100' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : '');
    const r = await api('GET', q);
    out.push(...(r.items || []));
    cursor = r.next_cursor;
    if (!cursor) break;
  }
  return out;
}

function rolesField() {
  const errId = nextId('roles-err');
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const boxes = ROLES.map((r) => {
    const id = nextId('role-' + r);
    const input = h('input', { type: 'checkbox', id, name: 'roles', value: r, onchange: () => self.setError(null) });
    return { r, input, el: h('label', { class: 'check', for: id }, input, h('span', null, t('role.' + r))) };
  });
  const fs = h(
    'fieldset',
    { class: 'field field-wide', dataset: { field: 'roles' }, 'aria-describedby': errId },
    h('legend', null, t('users.roles'), h('span', { class: 'req' }, ' *')),
    h('div', { class: 'checks' }, boxes.map((b) => b.el)),
    err,
  );
  const self = {
    el: fs,
    input: boxes[0].input,
    value: () => boxes.filter((b) => b.input.checked).map((b) => b.r),
    setError(msg) {
      err.textContent = msg || '';
      err.hidden = !msg;
      fs.classList.toggle('has-error', Boolean(msg));
    },
  };
  return self;
}

function userForm(ctx, onCreated, onCancel) {
  const alert = alertBox();
  const orgSelect = h('select', { name: 'org_id' }, h('option', { value: '' }, t('users.org_none')));
  const fields = {
    username: field({ name: 'username', label: t('users.username'), required: true, maxlength: 64, hint: t('users.username_hint') }),
    display_name: field({ name: 'display_name', label: t('users.display_name'), required: true, maxlength: 64 }),
    password: field({ name: 'password', label: t('users.password'), type: 'password', required: true, autocomplete: 'new-password', hint: t('users.password_hint') }),
    org_id: field({ name: 'org_id', label: t('users.org'), control: orgSelect }),
    roles: rolesField(),
  };
  allOrgs()
    .then((orgs) => {
      if (!ctx.alive()) return;
      for (const o of orgs) orgSelect.appendChild(h('option', { value: String(o.id) }, o.name + ' (' + o.uscc + ')'));
    })
    .catch((e) => {
      if (ctx.alive()) fields.org_id.setError(errorText(e));
    });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, t('users.create'));

  async function onSubmit(e) {
    e.preventDefault();
    alert.clear();
    for (const f of Object.values(fields)) f.setError(null);
    const roles = fields.roles.value();
    if (!roles.length) {
      fields.roles.setError(t('users.need_roles'));
      alert.show(t('form.fix'));
      fields.roles.input.focus();
      return;
    }
    const body = {
      username: fields.username.input.value.trim(),
      display_name: fields.display_name.input.value.trim(),
      password: fields.password.input.value,
      roles,
    };
    if (orgSelect.value) body.org_id = Number(orgSelect.value);
    submit.disabled = true;
    submit.textContent = t('form.saving');
    try {
      const u = await api('POST', '/api/users', body);
      if (!ctx.alive()) return;
      onCreated(u && u.user ? u.user : u);
    } catch (err) {
      if (!ctx.alive()) return;
      showFormError(err, fields, alert);
    } finally {
      submit.disabled = false;
      submit.textContent = t('users.create');
    }
  }

  return h(
    'form',
    { class: 'card form-card', id: 'user-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'user-form-h' },
    h('h2', { id: 'user-form-h' }, t('users.new')),
    alert.el,
    h('div', { class: 'form-grid' }, Object.values(fields).map((f) => f.el)),
    h('div', { class: 'form-actions' }, submit, h('button', { type: 'button', class: 'btn btn-secondary', onclick: onCancel }, t('form.cancel'))),
  );
}

export function render(ctx) {
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const cols = [
    { label: t('users.username'), render: (u) => h('span', { class: 'mono' }, u.username) },
    { label: t('users.display_name'), render: (u) => h('strong', null, u.display_name) },
    { label: t('users.roles'), render: (u) => roleBadges(u.roles) },
    { label: t('users.org'), render: (u) => (u.org ? u.org.name : null) },
    {
      label: t('users.status'),
      render: (u) =>
        u.disabled ? h('span', { class: 'tag tag-danger' }, t('users.disabled')) : h('span', { class: 'tag tag-ok' }, t('users.active')),
    },
    { label: t('users.created_at'), render: (u) => formatTime(u.created_ms), class: 'nowrap' },
  ];
  const list = pagedList(ctx, {
    path: '/api/users',
    renderItems: (items) => table(cols, items, t('users.title')),
    empty: () => emptyState(t('users.empty')),
  });
  const formSlot = h('div', { class: 'form-slot' });
  const newBtn = h('button', { type: 'button', class: 'btn btn-primary', id: 'user-new', 'aria-expanded': 'false', onclick: openForm }, t('users.new'));
  function closeForm() {
    formSlot.replaceChildren();
    newBtn.setAttribute('aria-expanded', 'false');
    newBtn.hidden = false;
  }
  function openForm() {
    status.textContent = '';
    const form = userForm(
      ctx,
      (u) => {
        closeForm();
        status.textContent = t('users.created', { name: u.username });
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
    { class: 'page', dataset: { page: 'users' } },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, t('users.title')), h('p', { class: 'muted' }, t('users.intro'))), newBtn),
    status,
    formSlot,
    h('div', { class: 'card card-flush' }, list.el),
  );
}
