// pages/bid.js — a bidder seals and submits its bid for one lot of a tender
// (投标文件加密递交), at /bid?tender=ID&lot=N.
//
// The files are sealed in this browser (../seal.js: suite intl, WebCrypto)
// with keys the bidder holds in files: its signing key (PKCS#8 PEM), its
// signing certificate and its encryption certificate. Only the envelope is
// uploaded (PUT /api/tenders/:id/lots/:lot/bid, streamed by the server), so
// the platform never holds the plaintext. The platform's signed receipt
// (回执) is shown at once, with the receipt and the sealed copy to keep
// (`sunbid verify-receipt --envelope COPY RECEIPT` checks both offline). The
// page lists the organisation's own versions and receipts and can withdraw
// the current one; nobody else sees any of it (docs/bids.md).
//
// The opening form (开标一览表, docs/opening.md "The opening form"): the page
// asks for the price (yuan, to the fen), the duration in days and one value
// per further field the tender names for the read-out (its
// opening.readout_fields, a comma list: "bidder" is the organisation's
// name and asks nothing, "price" and "duration" are price_fen and
// duration_days, any other name is a field of its own), checks them as the
// server's opening_form_check will, and seals them as the file
// opening-form.json of role price-list: {"duration_days":N,"price_fen":N,
// "name":"value"...}, compact, keys sorted. Without it the bid is revoked
// at the opening (the bidder's fault), so the form is the default; a bidder
// may instead attach its own opening-form.json under 报价清单 (advanced),
// which is checked the same way before sealing.

import { api, ApiError } from '../api.js';
import { h, replace, alertBox, table, emptyState, loading } from '../dom.js';
import { t, has, formatTime, errorText } from '../i18n.js';
import { sealBid, SealError } from '../seal.js';

const FILE_ROLES = ['commercial', 'technical', 'price-list'];
export const FORM_NAME = 'opening-form.json';
const FORM_MAX = 4096; // bytes (OPENING_FORM_MAX)
const FORM_FIELDS = 16; // OPENING_FORM_FIELDS
const MONEY_MAX = 2 ** 50; // fen (TENDER_MONEY_MAX)
const DAYS_MAX = 36500;
const te = new TextEncoder();

// The tender's read-out fields as form keys: price and duration always
// (price_fen is required, duration_days optional unless named), then the
// other names in the tender's order.
export function readoutKeys(list) {
  const names = String(list || 'bidder,price,duration')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  const extra = [];
  for (const n of names) {
    if (['bidder', 'price', 'duration', 'price_fen', 'duration_days'].includes(n) || !/^[a-z0-9_]{1,64}$/.test(n) || extra.includes(n)) continue;
    extra.push(n);
  }
  return { durationNamed: names.includes('duration') || names.includes('duration_days'), extra };
}

// "12,345,678.9" / "¥1234.56" -> fen (integer), or null.
export function yuanToFen(text) {
  const v = String(text || '')
    .replace(/[\s,，]/g, '')
    .replace(/^[¥￥]/, '');
  const m = /^(\d{1,16})(?:\.(\d{1,2}))?$/.exec(v);
  if (!m) return null;
  const fen = BigInt(m[1]) * 100n + BigInt((m[2] || '').padEnd(2, '0'));
  return fen <= BigInt(MONEY_MAX) ? Number(fen) : null;
}

// The server's opening_form_check, in the page: null when valid, else the
// offending key ('' for the whole form).
export function formProblem(obj, text) {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return '';
  if (te.encode(text).length > FORM_MAX) return '';
  const keys = Object.keys(obj);
  if (keys.length > FORM_FIELDS) return '';
  if (!Number.isInteger(obj.price_fen) || obj.price_fen < 0 || obj.price_fen > MONEY_MAX) return 'price_fen';
  for (const k of keys) {
    if (!/^[a-z0-9_]{1,64}$/.test(k)) return k;
    const v = obj[k];
    if (k === 'duration_days') {
      if (!Number.isInteger(v) || v < 0 || v > DAYS_MAX) return k;
    } else if (typeof v === 'string') {
      if (te.encode(v).length > 512) return k;
    } else if (!Number.isInteger(v)) return k;
  }
  return null;
}

// Compact JSON, keys sorted (the server's canonical form for a flat form).
export function formJson(obj) {
  const out = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return JSON.stringify(out);
}

function fileField(id, label, accept, hint) {
  const input = h('input', { type: 'file', id, name: id, accept });
  return {
    input,
    el: h(
      'div',
      { class: 'field', dataset: { field: id } },
      h('label', { for: id }, label),
      input,
      hint ? h('p', { class: 'field-hint' }, hint) : null,
    ),
  };
}

async function readText(input) {
  const f = input.files && input.files[0];
  return f ? f.text() : null;
}

// A read-out field's label: known names translated, others as named.
function readoutLabel(key) {
  const k = 'readout.' + key;
  return has(k) ? t(k) : key;
}

function short(hexs) {
  return hexs ? hexs.slice(0, 16) + '…' : '';
}

// PUT the envelope with the session's CSRF token; resolves to the JSON answer.
async function upload(tenderId, lot, blob) {
  const me = await api('GET', '/api/me');
  let res;
  try {
    res = await fetch(`/api/tenders/${tenderId}/lots/${lot}/bid`, {
      method: 'PUT',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/octet-stream',
        'X-CSRF-Token': me.csrf_token || '',
      },
      body: blob,
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', '');
  }
  const data = await res.json().catch(() => null);
  if (res.ok) return data;
  const e = (data && data.error) || {};
  throw new ApiError(res.status, e.code || 'http_' + res.status, e.message || '', e.field);
}

function download(name, blob, id, label) {
  const url = URL.createObjectURL(blob);
  return h('a', { href: url, download: name, id, class: 'btn btn-secondary' }, label);
}

export function render(ctx) {
  const tenderId = Number.parseInt(ctx.params.get('tender') || '', 10);
  let lot = Number.parseInt(ctx.params.get('lot') || '1', 10);
  const root = h('section', { class: 'page page-bid', 'aria-labelledby': 'bid-h' });
  const head = h('h1', { id: 'bid-h' }, t('bid.title'));
  if (!Number.isFinite(tenderId) || tenderId <= 0) {
    replace(root, head, h('p', { class: 'alert alert-error' }, t('bid.no_tender')));
    return root;
  }
  if (!Number.isFinite(lot) || lot <= 0) lot = 1;

  const info = h('div', { class: 'card', id: 'bid-tender' }, loading());
  const alert = alertBox();
  const status = h('p', { class: 'status-line', id: 'bid-status', role: 'status', 'aria-live': 'polite' });
  const receiptBox = h('div', { class: 'card', id: 'bid-receipt', hidden: true });
  const mine = h('div', { class: 'card', id: 'bid-mine' }, loading());
  let tender = null;

  const signKey = fileField('bid-sign-key', t('bid.sign_key'), '.pem,.key', t('bid.sign_key_hint'));
  const signCert = fileField('bid-sign-cert', t('bid.sign_cert'), '.pem,.crt,.cer', null);
  const encCert = fileField('bid-enc-cert', t('bid.enc_cert'), '.pem,.crt,.cer', t('bid.enc_cert_hint'));
  const files = FILE_ROLES.map((r) => ({ role: r, ...fileField('bid-file-' + r, t('bid.role.' + r), undefined, r === 'price-list' ? t('bid.price_list_hint') : null) }));

  // ---- the opening form (开标一览表) ----
  const formInputs = new Map(); // form key -> {input, el, err}
  function formField(key, label, opts) {
    const id = 'bid-rf-' + key;
    const errEl = h('p', { class: 'field-error', id: id + '-err', hidden: true });
    const input = h('input', {
      type: 'text',
      id,
      name: key,
      autocomplete: 'off',
      maxlength: opts.maxlength || 200,
      inputmode: opts.inputmode || null,
      'aria-describedby': id + '-err' + (opts.hint ? ' ' + id + '-hint' : ''),
      class: opts.num ? 'mono' : null,
    });
    const el = h(
      'div',
      { class: 'field', dataset: { field: key } },
      h('label', { for: id }, label, opts.required ? h('span', { class: 'req' }, ' *') : null),
      input,
      opts.hint ? h('p', { class: 'field-hint', id: id + '-hint' }, opts.hint) : null,
      errEl,
    );
    const f = {
      key,
      input,
      el,
      required: Boolean(opts.required),
      setError(msg) {
        errEl.textContent = msg || '';
        errEl.hidden = !msg;
        el.classList.toggle('has-error', Boolean(msg));
        if (msg) input.setAttribute('aria-invalid', 'true');
        else input.removeAttribute('aria-invalid');
      },
    };
    input.addEventListener('input', () => f.setError(null));
    formInputs.set(key, f);
    return el;
  }
  const formGrid = h('div', { class: 'form-grid', id: 'bid-openform-fields' });
  const manual = h('input', { type: 'checkbox', id: 'bid-form-manual', name: 'form-manual' });
  const formBox = h(
    'fieldset',
    { id: 'bid-openform', 'aria-describedby': 'bid-openform-hint' },
    h('legend', null, t('bid.oform')),
    h('p', { class: 'field-hint', id: 'bid-openform-hint' }, t('bid.oform_hint', { name: FORM_NAME })),
    formGrid,
    h('div', { class: 'field' }, h('label', { class: 'check', for: manual.id }, manual, h('span', null, t('bid.oform_manual', { name: FORM_NAME })))),
  );
  manual.addEventListener('change', () => {
    for (const f of formInputs.values()) {
      f.input.disabled = manual.checked;
      f.setError(null);
    }
    formGrid.hidden = manual.checked;
  });
  // Draws the inputs for the tender's read-out fields (called once the
  // tender is loaded; typed values are kept by key).
  function drawFormFields(list) {
    const kept = new Map([...formInputs].map(([k, f]) => [k, f.input.value]));
    formInputs.clear();
    const rk = readoutKeys(list);
    const els = [
      formField('price_fen', t('bid.oform_price'), { required: true, inputmode: 'decimal', num: true, hint: t('bid.oform_price_hint'), maxlength: 40 }),
      formField('duration_days', t('bid.oform_duration'), { required: rk.durationNamed, inputmode: 'numeric', num: true, hint: t('bid.oform_duration_hint'), maxlength: 6 }),
      ...rk.extra.map((k) => formField(k, readoutLabel(k), { required: true, maxlength: 512, hint: t('bid.oform_extra_hint', { key: k }) })),
    ];
    for (const [k, f] of formInputs) {
      if (kept.has(k)) f.input.value = kept.get(k);
      f.input.disabled = manual.checked;
    }
    replace(formGrid, els);
    formBox.dataset.fields = [...formInputs.keys()].join(',');
  }
  drawFormFields(null);

  // The form from the inputs: {obj} or {bad: [[key, message]...]}.
  function formFromInputs() {
    const obj = {};
    const bad = [];
    for (const [k, f] of formInputs) {
      const raw = f.input.value.trim();
      if (!raw) {
        if (f.required) bad.push([k, t('bid.oform_required')]);
        continue;
      }
      if (k === 'price_fen') {
        const fen = yuanToFen(raw);
        if (fen === null) bad.push([k, t('bid.oform_bad_price')]);
        else obj.price_fen = fen;
      } else if (k === 'duration_days') {
        const n = /^\d{1,5}$/.test(raw) ? Number(raw) : -1;
        if (n < 0 || n > DAYS_MAX) bad.push([k, t('bid.oform_bad_days', { max: DAYS_MAX })]);
        else obj.duration_days = n;
      } else if (te.encode(raw).length > 512 || /[\u0000-\u001f\u007f]/.test(raw)) {
        bad.push([k, t('bid.oform_bad_text')]);
      } else {
        obj[k] = raw;
      }
    }
    if (bad.length) return { bad };
    const text = formJson(obj);
    if (formProblem(obj, text) !== null) return { bad: [['', t('bid.oform_too_big', { max: FORM_MAX })]] };
    return { obj, text };
  }
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'bid-submit' }, t('bid.submit'));

  async function loadMine() {
    try {
      const d = await api('GET', `/api/tenders/${tenderId}/bids`);
      if (!ctx.alive()) return;
      const rows = (d.bids || []).filter((b) => b.lot === lot);
      const current = rows.find((b) => b.state === 'submitted');
      const withdraw = current
        ? h('button', { type: 'button', class: 'btn btn-secondary', id: 'bid-withdraw', onclick: onWithdraw }, t('bid.withdraw'))
        : null;
      replace(
        mine,
        h('h2', null, t('bid.mine')),
        rows.length === 0
          ? emptyState(t('bid.none'), t('bid.none_hint'))
          : table(
              [
                { label: t('bid.version'), render: (b) => String(b.version) },
                { label: t('bid.state'), render: (b) => h('span', { class: 'badge state-' + b.state, dataset: { state: b.state } }, t('bid.state.' + b.state)) },
                { label: t('bid.time'), render: (b) => formatTime(b.submitted_ms) },
                { label: t('bid.size'), render: (b) => String(b.size) },
                { label: t('bid.seq'), render: (b) => String(b.seq) },
                { label: 'SHA-256', render: (b) => h('span', { class: 'mono', title: b.sha256 }, short(b.sha256)) },
              ],
              rows,
              t('bid.mine'),
            ),
        withdraw ? h('div', { class: 'form-actions' }, withdraw) : null,
      );
    } catch (e) {
      if (ctx.alive()) replace(mine, h('p', { class: 'alert alert-error' }, errorText(e)));
    }
  }

  function showReceipt(d, envelope) {
    const r = d.receipt;
    const json = new Blob([JSON.stringify(d, null, 2)], { type: 'application/json' });
    replace(
      receiptBox,
      h('h2', null, d.unchanged ? t('bid.receipt_again') : t('bid.receipt')),
      h('p', null, t('bid.receipt_hint')),
      h('pre', { class: 'mono wrap-any receipt-text', id: 'bid-receipt-text' }, r.text),
      h('p', { class: 'muted' }, t('bid.receipt_key', { key: r.key_id })),
      h(
        'div',
        { class: 'form-actions' },
        download(`receipt-${tender.code}-${lot}-v${d.bid.version}.json`, json, 'bid-receipt-download', t('bid.save_receipt')),
        envelope ? download(`bid-${tender.code}-${lot}-v${d.bid.version}.sbe`, envelope, 'bid-envelope-download', t('bid.save_copy')) : null,
      ),
    );
    receiptBox.hidden = false;
  }

  async function onWithdraw() {
    if (!window.confirm(t('bid.withdraw_confirm'))) return;
    alert.clear();
    try {
      const d = await api('DELETE', `/api/tenders/${tenderId}/lots/${lot}/bid`);
      if (!ctx.alive()) return;
      showReceipt(d, null);
      status.textContent = t('bid.withdrawn');
      loadMine();
    } catch (e) {
      if (ctx.alive()) alert.show(errorText(e));
    }
  }

  async function onSubmit(e) {
    e.preventDefault();
    alert.clear();
    receiptBox.hidden = true;
    const chosen = files.filter((f) => f.input.files && f.input.files[0]).map((f) => ({ role: f.role, file: f.input.files[0] }));
    const [keyPem, signPem, encPem] = await Promise.all([readText(signKey.input), readText(signCert.input), readText(encCert.input)]);
    if (!keyPem || !signPem || !encPem) {
      alert.show(t('bid.need_keys'));
      return;
    }
    if (chosen.length === 0) {
      alert.show(t('bid.need_files'));
      return;
    }
    // the opening form: typed here (default) or attached (advanced)
    const attached = chosen.find((c) => c.role === 'price-list' && c.file.name === FORM_NAME);
    let sealedForm = null; // {name, role, data} added to the files
    if (!manual.checked) {
      for (const f of formInputs.values()) f.setError(null);
      const r = formFromInputs();
      if (r.bad) {
        for (const [k, m] of r.bad) if (formInputs.has(k)) formInputs.get(k).setError(m);
        alert.show(r.bad[0][0] ? t('bid.oform_fix') : r.bad[0][1]);
        const first = r.bad.find(([k]) => formInputs.has(k));
        if (first) formInputs.get(first[0]).input.focus();
        return;
      }
      if (chosen.some((c) => c.file.name === FORM_NAME)) {
        alert.show(t('bid.oform_twice', { name: FORM_NAME }));
        return;
      }
      sealedForm = { name: FORM_NAME, role: 'price-list', data: te.encode(r.text) };
    } else if (attached) {
      const text = await attached.file.text();
      let obj = null;
      try {
        obj = JSON.parse(text);
      } catch {
        obj = null;
      }
      const why = attached.file.size > FORM_MAX ? '' : formProblem(obj, text);
      if (why !== null) {
        alert.show(t('bid.oform_attached_bad', { name: FORM_NAME, key: why || '—' }));
        return;
      }
    } else if (!window.confirm(t('bid.oform_none_confirm', { name: FORM_NAME }))) {
      return;
    }
    submit.disabled = true;
    try {
      status.textContent = t('bid.sealing', { pct: 0 });
      // a tender with escrow (docs/escrow.md): sealed to its intl escrow key too
      const escrow = tender.opening && tender.opening.escrow_k > 0 ? await api('GET', `/api/tenders/${tenderId}/escrow`) : null;
      const escrowPem = escrow && escrow.public_keys ? escrow.public_keys.intl : null;
      const env = await sealBid({
        tender: tender.code,
        lot: String(lot),
        org: ctx.user && ctx.user.org ? ctx.user.org.uscc : '',
        signKeyPem: keyPem,
        signCertPem: signPem,
        encCertPem: encPem,
        escrowKeys: escrowPem ? [escrowPem] : [],
        files: [...chosen.map((c) => ({ name: c.file.name, role: c.role, data: c.file })), ...(sealedForm ? [sealedForm] : [])],
        onProgress: (f) => {
          if (ctx.alive()) status.textContent = t('bid.sealing', { pct: Math.round(f * 100) });
        },
      });
      if (!ctx.alive()) return;
      status.textContent = t('bid.uploading', { size: env.size });
      const d = await upload(tenderId, lot, env.blob);
      if (!ctx.alive()) return;
      status.textContent = t('bid.done', { seq: d.receipt.seq });
      root.dataset.sha256 = env.sha256;
      root.dataset.form = sealedForm ? 'typed' : attached ? 'attached' : 'none';
      showReceipt(d, env.blob);
      loadMine();
    } catch (err) {
      if (!ctx.alive()) return;
      status.textContent = '';
      if (err instanceof SealError) alert.show(t('bid.seal_failed', { why: err.message }));
      else alert.show(errorText(err));
    } finally {
      submit.disabled = false;
    }
  }

  const form = h(
    'form',
    { class: 'card form-card', id: 'bid-form', novalidate: true, onsubmit: onSubmit, 'aria-labelledby': 'bid-form-h' },
    h('h2', { id: 'bid-form-h' }, t('bid.form')),
    h('p', { class: 'muted' }, t('bid.privacy')),
    alert.el,
    h('fieldset', null, h('legend', null, t('bid.keys')), signKey.el, signCert.el, encCert.el),
    formBox,
    h('fieldset', null, h('legend', null, t('bid.files')), files.map((f) => f.el)),
    h('div', { class: 'form-actions' }, submit),
    status,
  );

  replace(root, head, info, form, receiptBox, mine);

  api('GET', `/api/tenders/${tenderId}`)
    .then((d) => {
      if (!ctx.alive()) return;
      tender = d.tender;
      drawFormFields(tender.opening ? tender.opening.readout_fields : null);
      const lots = d.lots || [];
      const lotTitle = lots.length ? (lots.find((l) => l.lot_no === lot) || {}).title : null;
      replace(
        info,
        h('h2', null, tender.title),
        h(
          'dl',
          { class: 'detail' },
          h('dt', null, t('bid.code')),
          h('dd', { class: 'mono', id: 'bid-code' }, tender.code),
          h('dt', null, t('bid.lot')),
          h('dd', null, lotTitle ? `${lot} · ${lotTitle}` : String(lot)),
          h('dt', null, t('bid.deadline')),
          h('dd', null, formatTime(tender.bid_deadline_ms)),
          h('dt', null, t('bid.tender_state')),
          h('dd', { dataset: { state: tender.state } }, t('bid.tender_state.' + tender.state)),
        ),
      );
      if (tender.state !== 'bidding') {
        submit.disabled = true;
        alert.show(t('bid.closed'));
      }
    })
    .catch((e) => {
      if (ctx.alive()) replace(info, h('p', { class: 'alert alert-error' }, errorText(e)));
    });
  loadMine();
  return root;
}
