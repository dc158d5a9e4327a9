// pages/org_relations.js — an organisation's relationship records
// (GET/POST /api/orgs/:id/relations, DELETE …/:rid; supervisors also
// POST /api/supervision/relations/import): shareholders, managers, key
// staff (with their registration numbers), legal representative, phones,
// e-mail addresses, addresses and bank accounts, each with who recorded it
// (self-declared, imported, entered by a supervisor) and when.
//
// relationsCard(ctx, orgId) is mounted by pages/orgs.js: on a bidder's own
// organisation (what the bidder declares, source "self") and on any
// organisation a supervisor opens (source "supervisor", and the import of
// a CSV file in the format `sunbid graph` reads, docs/graph.md). The
// server decides; a bidder's delete button is shown only on its own
// self-declared records because that is all the server lets it delete.

import { api } from '../api.js';
import { h, replace, field, alertBox, showFormError, table, loading } from '../dom.js';
import { getLang, errorText, formatTime } from '../i18n.js';

const S = {
  'zh-CN': {
    title: '关联关系信息',
    intro: '股东、高管、项目经理等关键人员及其证件或注册证书编号，联系电话、邮箱、地址和银行账号。监管部门据此分析投标人之间的关联。',
    kind: '类别',
    legal_rep: '法定代表人',
    shareholder: '股东',
    manager: '高管',
    key_staff: '项目经理/关键人员',
    phone: '电话',
    email: '邮箱',
    address: '地址',
    bank_account: '银行账号',
    name: '姓名/名称',
    id_number: '身份证号/统一社会信用代码',
    id_number_staff: '注册证书编号',
    role: '职务',
    share_pct: '持股比例（%）',
    value: '内容',
    source: '来源',
    at: '记录时间',
    self: '自行申报',
    import: '监管导入',
    supervisor: '监管录入',
    add: '添加记录',
    added: '已添加。',
    del: '删除',
    deleted: '已删除。',
    empty: '尚无关联关系记录。',
    import_title: '导入关系文件（CSV）',
    import_hint: '与 sunbid graph 相同的 orgs.csv、people.csv 或 contacts.csv 格式；有错误时整份不导入。',
    import_btn: '导入',
    imported: '已导入 {added} 条，跳过 {skipped} 条。',
    detail: '内容',
  },
  en: {
    title: 'Relationship records',
    intro: 'Shareholders, managers, project managers and other key staff with their ID or registration numbers; phones, e-mail addresses, addresses and bank accounts. Supervisors use them to find links between bidders.',
    kind: 'Kind',
    legal_rep: 'Legal representative',
    shareholder: 'Shareholder',
    manager: 'Manager',
    key_staff: 'Project manager / key staff',
    phone: 'Phone',
    email: 'E-mail',
    address: 'Address',
    bank_account: 'Bank account',
    name: 'Name',
    id_number: 'ID number / USCC',
    id_number_staff: 'Registration number',
    role: 'Position',
    share_pct: 'Share (%)',
    value: 'Value',
    source: 'Source',
    at: 'Recorded',
    self: 'self-declared',
    import: 'imported',
    supervisor: 'supervisor',
    add: 'Add record',
    added: 'Added.',
    del: 'Delete',
    deleted: 'Deleted.',
    empty: 'No relationship records yet.',
    import_title: 'Import a relationships file (CSV)',
    import_hint: 'orgs.csv, people.csv or contacts.csv as `sunbid graph` reads them; a file with an error is not imported at all.',
    import_btn: 'Import',
    imported: 'Imported {added}, skipped {skipped}.',
    detail: 'Details',
  },
};

// The label of a record kind (legal_rep, shareholder, …) or a source (self,
// import, supervisor) in the page's language; the code itself when unknown.
// The supervision dashboard names a shared key's kind with it.
export function relationLabel(code) {
  const s = S[getLang()] || S['zh-CN'];
  return Object.prototype.hasOwnProperty.call(s, code) ? s[code] : code;
}

function tr(key, vars) {
  let s = (S[getLang()] || S['zh-CN'])[key];
  if (s === undefined) s = S['zh-CN'][key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, n) => (n in vars ? String(vars[n]) : m));
  return s;
}

const KINDS = ['key_staff', 'shareholder', 'manager', 'legal_rep', 'phone', 'email', 'address', 'bank_account'];
const PERSON = new Set(['key_staff', 'shareholder', 'manager', 'legal_rep']);

function detail(r) {
  if (!PERSON.has(r.kind)) return h('span', { class: 'mono' }, r.value);
  const parts = [h('strong', null, r.name || '—')];
  if (r.id_number) parts.push(' ', h('span', { class: 'mono small' }, r.id_number));
  if (r.role) parts.push(' · ', r.role);
  if (r.share_pct !== null && r.share_pct !== undefined) parts.push(' · ', `${r.share_pct}%`);
  return h('span', null, parts);
}

export function relationsCard(ctx, orgId) {
  const supervisor = ctx.hasRole(['supervisor']);
  const canEdit = supervisor || (ctx.hasRole(['bidder']) && ctx.user && ctx.user.org && ctx.user.org.id === orgId);
  const alert = alertBox();
  const listSlot = h('div', null, loading());

  async function load() {
    try {
      const r = await api('GET', `/api/orgs/${orgId}/relations`);
      if (!ctx.alive()) return;
      drawList(r.items || []);
    } catch (e) {
      if (!ctx.alive()) return;
      replace(listSlot, h('p', { class: 'alert alert-error', role: 'alert' }, errorText(e)));
    }
  }

  async function remove(r) {
    alert.clear();
    try {
      await api('DELETE', `/api/orgs/${orgId}/relations/${r.id}`);
      if (!ctx.alive()) return;
      alert.show(tr('deleted'), 'ok');
      load();
    } catch (e) {
      if (ctx.alive()) alert.show(errorText(e));
    }
  }

  function drawList(items) {
    if (!items.length) {
      replace(listSlot, h('p', { class: 'muted', dataset: { testid: 'relations-empty' } }, tr('empty')));
      return;
    }
    const cols = [
      { label: tr('kind'), render: (r) => tr(r.kind) },
      { label: tr('detail'), render: detail },
      { label: tr('source'), render: (r) => h('span', { class: 'badge tag' }, tr(r.source)) },
      { label: tr('at'), render: (r) => formatTime(r.created_ms), class: 'nowrap' },
    ];
    if (canEdit)
      cols.push({
        label: '',
        render: (r) =>
          supervisor || r.source === 'self'
            ? h('button', { type: 'button', class: 'btn btn-ghost btn-small', onclick: () => remove(r) }, tr('del'))
            : null,
      });
    replace(listSlot, h('div', { dataset: { testid: 'relations-list' } }, table(cols, items, tr('title'))));
  }

  // the form: which inputs show depends on the kind
  const kindSel = h('select', { name: 'kind' }, KINDS.map((k) => h('option', { value: k }, tr(k))));
  const fields = {
    kind: field({ name: 'kind', label: tr('kind'), control: kindSel, required: true }),
    name: field({ name: 'name', label: tr('name'), maxlength: 200 }),
    id_number: field({ name: 'id_number', label: tr('id_number'), maxlength: 64 }),
    role: field({ name: 'role', label: tr('role'), maxlength: 100 }),
    share_pct: field({ name: 'share_pct', label: tr('share_pct'), inputmode: 'decimal', maxlength: 8 }),
    value: field({ name: 'value', label: tr('value'), maxlength: 300 }),
  };
  fields.id_number.input.classList.add('mono');
  function showFor(kind) {
    const person = PERSON.has(kind);
    fields.name.el.hidden = !person;
    fields.id_number.el.hidden = !person;
    fields.role.el.hidden = !(kind === 'manager' || kind === 'key_staff');
    fields.share_pct.el.hidden = kind !== 'shareholder';
    fields.value.el.hidden = person;
    fields.id_number.el.querySelector('label').firstChild.textContent = kind === 'key_staff' ? tr('id_number_staff') : tr('id_number');
  }
  kindSel.addEventListener('change', () => showFor(kindSel.value));
  showFor(kindSel.value);
  const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, tr('add'));

  async function onSubmit(e) {
    e.preventDefault();
    alert.clear();
    const kind = kindSel.value;
    const body = { kind };
    for (const k of ['name', 'id_number', 'role', 'value']) {
      const v = fields[k].input.value.trim();
      if (!fields[k].el.hidden && v) body[k] = v;
    }
    const sp = fields.share_pct.input.value.trim();
    if (!fields.share_pct.el.hidden && sp) body.share_pct = Number(sp.replace('%', ''));
    submit.disabled = true;
    try {
      await api('POST', `/api/orgs/${orgId}/relations`, body);
      if (!ctx.alive()) return;
      for (const k of ['name', 'id_number', 'role', 'share_pct', 'value']) fields[k].input.value = '';
      for (const f of Object.values(fields)) f.setError(null);
      alert.show(tr('added'), 'ok');
      load();
    } catch (err) {
      if (ctx.alive()) showFormError(err, fields, alert);
    } finally {
      submit.disabled = false;
    }
  }

  const form = canEdit
    ? h('form', { class: 'form-card', novalidate: true, onsubmit: onSubmit, dataset: { testid: 'relations-form' } },
        h('div', { class: 'form-grid' }, Object.values(fields).map((f) => f.el)),
        h('div', { class: 'form-actions' }, submit))
    : null;

  let importer = null;
  if (supervisor) {
    const fileIn = h('input', { type: 'file', accept: '.csv,text/csv', name: 'relations' });
    const fFile = field({ name: 'file', label: tr('import_title'), control: fileIn, hint: tr('import_hint') });
    const btn = h('button', { type: 'button', class: 'btn btn-secondary' }, tr('import_btn'));
    btn.addEventListener('click', async () => {
      alert.clear();
      const f = fileIn.files && fileIn.files[0];
      if (!f) return;
      btn.disabled = true;
      try {
        const r = await api('POST', '/api/supervision/relations/import', f, { contentType: 'text/csv' });
        if (!ctx.alive()) return;
        alert.show(tr('imported', r), 'ok');
        load();
      } catch (e) {
        if (ctx.alive()) alert.show(errorText(e) + (e.message ? ' ' + e.message : ''));
      } finally {
        btn.disabled = false;
      }
    });
    importer = h('div', { class: 'form-card', dataset: { testid: 'relations-import' } }, fFile.el, h('div', { class: 'form-actions' }, btn));
  }

  load();
  return h('section', { class: 'card', 'aria-labelledby': 'rel-h', dataset: { testid: 'relations', org: String(orgId) } },
    h('h2', { id: 'rel-h' }, tr('title')),
    h('p', { class: 'muted small' }, tr('intro')),
    alert.el,
    listSlot,
    form,
    importer);
}
