// pages/calendar.js — 工作日历 (admin): the working-day calendar that
// statutory deadlines are counted on (docs/calendar.md). A month grid from
// GET /api/calendar (Monday first; each day working or resting and why),
// a form to set a day as a holiday or an adjusted working day (PUT
// /api/calendar/days/:date) or back to the plain week (DELETE), a CSV
// import (POST /api/calendar/import, all or nothing), and a deadline
// checker (GET /api/calendar/due). ?month=YYYY-MM opens that month. The grid's looks live in
// pages/calendar.css (the CSP allows no inline styles), linked once.

import { api, withQuery } from '../api.js';
import { h, field, alertBox, showFormError, loading } from '../dom.js';
import { t, errorText } from '../i18n.js';

const CSS_HREF = '/pages/calendar.css';

function ensureCss() {
  if (document.querySelector('link[data-cal-css]')) return;
  document.head.appendChild(h('link', { rel: 'stylesheet', href: CSS_HREF, 'data-cal-css': '1' }));
}

const pad = (n) => String(n).padStart(2, '0');
const ymd = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;

// Today in China time, as [year, month].
function thisMonth() {
  const p = {};
  const fmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' });
  for (const part of fmt.formatToParts(new Date())) p[part.type] = part.value;
  return [Number(p.year), Number(p.month)];
}

function daysIn(y, m) {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

// The server's message adds the line at fault to the localised text.
function importError(err) {
  const base = errorText(err);
  return err && err.code === 'calendar_file_invalid' && err.message ? `${base} (${err.message})` : base;
}

function dayCell(d, onPick, selected) {
  const n = Number(d.date.slice(8));
  const tag = d.working ? (d.why === 'workday' ? t('cal.tag.work') : '') : t('cal.tag.rest');
  const label = `${d.date} ${t('cal.why.' + d.why)}${d.name ? ' ' + d.name : ''}`;
  return h(
    'button',
    {
      type: 'button',
      class: ['cal-day', 'cal-' + d.why, d.working ? 'cal-working' : 'cal-rest', selected ? 'cal-selected' : null],
      'aria-label': label,
      'aria-pressed': selected ? 'true' : 'false',
      title: label,
      dataset: { date: d.date, why: d.why },
      onclick: () => onPick(d),
    },
    h('span', { class: 'cal-num' }, String(n)),
    tag ? h('span', { class: 'cal-tag' }, tag) : null,
    d.name ? h('span', { class: 'cal-name' }, d.name) : null,
  );
}

function grid(days, onPick, selected) {
  const first = days.length ? new Date(days[0].date + 'T00:00:00Z').getUTCDay() : 1;
  const lead = (first + 6) % 7; // Monday first
  const head = [1, 2, 3, 4, 5, 6, 7].map((i) => h('div', { class: 'cal-wd', role: 'columnheader' }, t('cal.wd.' + i)));
  const cells = [];
  for (let i = 0; i < lead; i++) cells.push(h('div', { class: 'cal-pad', 'aria-hidden': 'true' }));
  for (const d of days) cells.push(dayCell(d, onPick, selected === d.date));
  return h('div', { class: 'cal-grid', id: 'cal-grid' }, head, cells);
}

function legend() {
  return h(
    'ul',
    { class: 'cal-legend', 'aria-label': t('cal.legend') },
    ['weekday', 'weekend', 'holiday', 'workday'].map((w) => h('li', null, h('span', { class: 'cal-swatch cal-' + w }), t('cal.why.' + w))),
  );
}

function editForm(ctx, onChanged) {
  const alert = alertBox();
  const kind = h(
    'select',
    { name: 'kind' },
    h('option', { value: 'holiday' }, t('cal.kind.holiday')),
    h('option', { value: 'workday' }, t('cal.kind.workday')),
  );
  const fields = {
    date: field({ name: 'date', label: t('cal.date'), type: 'date', required: true }),
    kind: field({ name: 'kind', label: t('cal.kind'), control: kind }),
    name: field({ name: 'name', label: t('cal.name'), maxlength: 21, hint: t('cal.name_hint') }),
  };
  const save = h('button', { type: 'submit', class: 'btn btn-primary', id: 'cal-save' }, t('cal.save'));
  const remove = h('button', { type: 'button', class: 'btn btn-secondary', id: 'cal-remove', onclick: onRemove }, t('cal.remove'));

  async function send(method, body) {
    alert.clear();
    for (const f of Object.values(fields)) f.setError(null);
    const date = fields.date.input.value;
    if (!date) {
      fields.date.setError(t('cal.need_date'));
      fields.date.input.focus();
      return;
    }
    save.disabled = remove.disabled = true;
    try {
      await api(method, '/api/calendar/days/' + encodeURIComponent(date), body);
      if (!ctx.alive()) return;
      alert.show(t(method === 'PUT' ? 'cal.saved' : 'cal.removed', { date }), 'ok');
      onChanged(date);
    } catch (err) {
      if (ctx.alive()) showFormError(err, fields, alert);
    } finally {
      save.disabled = remove.disabled = false;
    }
  }
  function onSubmit(e) {
    e.preventDefault();
    send('PUT', { kind: kind.value, name: fields.name.input.value.trim() });
  }
  function onRemove() {
    send('DELETE');
  }
  const el = h(
    'form',
    { class: 'card form-card', id: 'cal-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'cal-form-h' },
    h('h2', { id: 'cal-form-h' }, t('cal.edit')),
    alert.el,
    h('div', { class: 'form-grid' }, Object.values(fields).map((f) => f.el)),
    h('div', { class: 'form-actions' }, save, remove),
  );
  return {
    el,
    pick(d) {
      alert.clear();
      fields.date.input.value = d.date;
      // what the day would become: a weekday is made a holiday, a weekend a working day
      kind.value = d.why === 'holiday' || d.why === 'weekday' ? 'holiday' : 'workday';
      fields.name.input.value = d.name || '';
    },
  };
}

function importForm(ctx, onDone) {
  const alert = alertBox();
  const file = h('input', { type: 'file', accept: '.csv,text/csv' });
  const f = field({ name: 'file', label: t('cal.import_file'), control: file, hint: t('cal.import_hint') });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'cal-import' }, t('cal.import_btn'));
  async function onSubmit(e) {
    e.preventDefault();
    alert.clear();
    const blob = file.files && file.files[0];
    if (!blob) {
      alert.show(t('cal.import_none'));
      return;
    }
    btn.disabled = true;
    try {
      const r = await api('POST', '/api/calendar/import', blob, { contentType: 'text/csv' });
      if (!ctx.alive()) return;
      alert.show(t('cal.imported', { n: r.imported }), 'ok');
      onDone();
    } catch (err) {
      if (ctx.alive()) alert.show(importError(err));
    } finally {
      btn.disabled = false;
    }
  }
  return h(
    'form',
    { class: 'card form-card', id: 'cal-import-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'cal-import-h' },
    h('h2', { id: 'cal-import-h' }, t('cal.import')),
    alert.el,
    f.el,
    h('div', { class: 'form-actions' }, btn),
  );
}

function dueForm(ctx) {
  const out = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite', id: 'cal-due-out' });
  const kind = h(
    'select',
    { name: 'kind' },
    h('option', { value: 'working' }, t('cal.due_kind.working')),
    h('option', { value: 'calendar' }, t('cal.due_kind.calendar')),
  );
  const fields = {
    from: field({ name: 'from', label: t('cal.due_from'), type: 'date', required: true }),
    days: field({ name: 'days', label: t('cal.due_days'), type: 'number', required: true }),
    kind: field({ name: 'kind', label: t('cal.kind'), control: kind }),
  };
  fields.days.input.value = '3';
  fields.days.input.min = '1';
  fields.days.input.max = '1000';
  async function onSubmit(e) {
    e.preventDefault();
    out.textContent = '';
    const from = fields.from.input.value;
    if (!from) {
      fields.from.setError(t('cal.need_date'));
      return;
    }
    fields.from.setError(null);
    // 09:00 China time of the starting day (any time of it gives the same end)
    const fromMs = Date.parse(from + 'T09:00:00+08:00');
    try {
      const r = await api('GET', withQuery('/api/calendar/due', { from_ms: fromMs, days: fields.days.input.value, kind: kind.value }));
      if (ctx.alive()) out.textContent = t('cal.due_result', { date: r.last_day });
    } catch (err) {
      if (ctx.alive()) out.textContent = errorText(err);
    }
  }
  return h(
    'form',
    { class: 'card form-card', id: 'cal-due-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'cal-due-h' },
    h('h2', { id: 'cal-due-h' }, t('cal.due')),
    h('div', { class: 'form-grid' }, Object.values(fields).map((f) => f.el)),
    h('div', { class: 'form-actions' }, h('button', { type: 'submit', class: 'btn btn-secondary' }, t('cal.due_btn'))),
    out,
  );
}

export function render(ctx) {
  ensureCss();
  let [year, month] = thisMonth();
  const asked = /^(\d{4})-(\d{2})$/.exec(ctx.params.get('month') || ''); // ?month=2026-10
  if (asked && Number(asked[2]) >= 1 && Number(asked[2]) <= 12) [year, month] = [Number(asked[1]), Number(asked[2])];
  let selected = null;
  const status = h('div', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  const title = h('h2', { class: 'cal-title', id: 'cal-month' });
  const body = h('div', { class: 'cal-body' }, loading());
  const form = editForm(ctx, (date) => {
    selected = date;
    load();
  });

  async function load() {
    title.textContent = t('cal.month', { y: year, m: month, mm: pad(month) });
    const from = ymd(year, month, 1);
    const to = ymd(year, month, daysIn(year, month));
    try {
      const r = await api('GET', withQuery('/api/calendar', { from, to }));
      if (!ctx.alive()) return;
      body.replaceChildren(
        grid(
          r.days || [],
          (d) => {
            selected = d.date;
            form.pick(d);
            for (const b of body.querySelectorAll('.cal-day')) {
              const on = b.dataset.date === d.date;
              b.classList.toggle('cal-selected', on);
              b.setAttribute('aria-pressed', on ? 'true' : 'false');
            }
          },
          selected,
        ),
      );
    } catch (err) {
      if (ctx.alive()) body.replaceChildren(h('p', { class: 'alert alert-error', role: 'alert' }, errorText(err)));
    }
  }
  function step(delta) {
    month += delta;
    if (month < 1) {
      month = 12;
      year -= 1;
    } else if (month > 12) {
      month = 1;
      year += 1;
    }
    status.textContent = '';
    load();
  }
  load();
  return h(
    'section',
    { class: 'page', dataset: { page: 'calendar' } },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, t('cal.title')), h('p', { class: 'muted' }, t('cal.intro')))),
    status,
    h(
      'div',
      { class: 'card cal-card' },
      h(
        'div',
        { class: 'cal-nav' },
        h('button', { type: 'button', class: 'btn btn-secondary', id: 'cal-prev', 'aria-label': t('cal.prev'), onclick: () => step(-1) }, '‹'),
        title,
        h('button', { type: 'button', class: 'btn btn-secondary', id: 'cal-next', 'aria-label': t('cal.next'), onclick: () => step(1) }, '›'),
      ),
      body,
      legend(),
    ),
    h('div', { class: 'cal-forms' }, form.el, importForm(ctx, load), dueForm(ctx)),
  );
}
