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

import { api, ApiError } from '../api.js';
import { h, replace, alertBox, table, emptyState, loading } from '../dom.js';
import { t, formatTime, errorText } from '../i18n.js';
import { sealBid, SealError } from '../seal.js';

const FILE_ROLES = ['commercial', 'technical', 'price-list'];

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
  const files = FILE_ROLES.map((r) => ({ role: r, ...fileField('bid-file-' + r, t('bid.role.' + r), undefined, null) }));
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
        files: chosen.map((c) => ({ name: c.file.name, role: c.role, data: c.file })),
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
    h('fieldset', null, h('legend', null, t('bid.files')), files.map((f) => f.el)),
    h('div', { class: 'form-actions' }, submit),
    status,
  );

  replace(root, head, info, form, receiptBox, mine);

  api('GET', `/api/tenders/${tenderId}`)
    .then((d) => {
      if (!ctx.alive()) return;
      tender = d.tender;
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
