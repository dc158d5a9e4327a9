// dom.js — small helpers to build the DOM without innerHTML.
//
// h('p', {class: 'x', onclick: fn}, 'text', child) creates elements; strings
// become text nodes, so data from the server is never parsed as HTML. The CSP
// forbids inline styles, so looks come from classes in app.css only.

import { t, errorText } from './i18n.js';

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'value' && 'value' in el) el.value = v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return (prefix || 'id') + '-' + uid;
}

// A labelled form field with a slot for its error message.
//   field({name, label, type, required, hint, autocomplete, control})
// Returns {el, input, setError(msg|null)}.
export function field(o) {
  const id = nextId('f-' + o.name);
  const errId = id + '-err';
  const hintId = o.hint ? id + '-hint' : null;
  const input =
    o.control ||
    h('input', {
      id,
      name: o.name,
      type: o.type || 'text',
      autocomplete: o.autocomplete || 'off',
      inputmode: o.inputmode,
      maxlength: o.maxlength,
      spellcheck: 'false',
      'aria-required': o.required ? 'true' : null,
    });
  input.id = id;
  if (!input.name) input.name = o.name;
  const describedBy = [hintId, errId].filter(Boolean).join(' ');
  input.setAttribute('aria-describedby', describedBy);
  const err = h('p', { class: 'field-error', id: errId, hidden: true });
  const el = h(
    'div',
    { class: 'field', dataset: { field: o.name } },
    h(
      'label',
      { for: id },
      o.label,
      o.required ? h('span', { class: 'req', title: t('app.required') }, ' *') : null,
    ),
    input,
    o.hint ? h('p', { class: 'field-hint', id: hintId }, o.hint) : null,
    err,
  );
  return {
    el,
    input,
    setError(msg) {
      if (msg) {
        err.textContent = msg;
        err.hidden = false;
        el.classList.add('has-error');
        input.setAttribute('aria-invalid', 'true');
      } else {
        err.textContent = '';
        err.hidden = true;
        el.classList.remove('has-error');
        input.removeAttribute('aria-invalid');
      }
    },
  };
}

// The form-level message region (role=alert so screen readers announce it).
export function alertBox() {
  const el = h('div', { class: 'alert', role: 'alert', 'aria-live': 'assertive', hidden: true });
  return {
    el,
    show(msg, kind) {
      el.textContent = msg;
      el.className = 'alert ' + (kind === 'ok' ? 'alert-ok' : 'alert-error');
      el.hidden = !msg;
    },
    clear() {
      el.textContent = '';
      el.hidden = true;
    },
  };
}

// Shows an ApiError on the form: on its field when the server names one we
// have, else in the form's alert box.
export function showFormError(err, fields, alert) {
  for (const f of Object.values(fields)) f.setError(null);
  const msg = errorText(err);
  const f = err && err.field && fields[err.field];
  if (f) {
    f.setError(msg);
    alert.show(t('form.fix'));
    f.input.focus();
  } else {
    alert.show(msg);
  }
}

// A table that turns into stacked cards on a phone (see .stack in app.css):
// each cell carries its column name in data-label.
//   table([{key, label, render(row)->node|string, class}], rows)
export function table(columns, rows, caption) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'data stack' },
      caption ? h('caption', { class: 'visually-hidden' }, caption) : null,
      h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label)))),
      h(
        'tbody',
        null,
        rows.map((r) =>
          h(
            'tr',
            { dataset: r.id !== undefined ? { id: String(r.id) } : undefined },
            columns.map((c) => {
              const v = c.render ? c.render(r) : r[c.key];
              return h(
                'td',
                { 'data-label': c.label, class: c.class },
                v === undefined || v === null || v === '' ? t('app.none') : v,
              );
            }),
          ),
        ),
      ),
    ),
  );
}

export function roleBadges(roles) {
  return h(
    'span',
    { class: 'badges' },
    (roles || []).map((r) => h('span', { class: 'badge role-' + r, dataset: { role: r } }, t('role.' + r))),
  );
}

export function emptyState(title, hint) {
  return h(
    'div',
    { class: 'empty', role: 'status' },
    h('img', { class: 'empty-icon', src: '/img/empty.svg', alt: '', width: 64, height: 64 }),
    h('p', { class: 'empty-title' }, title),
    hint ? h('p', { class: 'empty-hint' }, hint) : null,
  );
}

export function loading() {
  return h('p', { class: 'loading', role: 'status' }, t('app.loading'));
}
