// pages/certcheck.js — "验证见证证书" on the public ledger page: anyone pastes
// or uploads a witness certificate (docs/certificate.md) and sees it
// checked. Two independent checks, and the page says which is which:
//   - the server's: POST /api/ledger/verify runs every check of
//     `sunbid verify` with this log's own keys, witnesses and TSA, and
//     answers with findings (code, status, entry, message);
//   - the browser's own, with WebCrypto, for SHA-256 logs: the checkpoint's
//     Ed25519 signature against the key this log publishes
//     (GET /api/ledger/key), each public entry's bytes against its leaf
//     hash, and each inclusion proof against the checkpoint's root. SM3 logs
//     and SM2 signatures cannot be checked in a browser; the page says so.

import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { t, has, errorText } from '../i18n.js';
import { b64ToBytes, equal, hex, leafHash, parseCheckpoint, parseEd25519Vkey, rootFromInclusion, verifyEd25519Line } from '../tlog.js';

const MAX_BYTES = 16 << 20; // CERT_MAX_BYTES

const STATUS_CLASS = { pass: 'tag-ok', fail: 'tag-danger', warn: 'tag-kind', skip: 'tag-muted' };

function statusBadge(status) {
  return h('span', { class: ['tag', STATUS_CLASS[status]] }, t('cert.status.' + status));
}

function codeText(code) {
  return has('cert.code.' + code) ? t('cert.code.' + code) : code;
}

// The browser's own checks of a parsed certificate; a list of
// {code, status, index, text}.
async function browserChecks(cert, logKeys) {
  const out = [];
  const cp = typeof cert.checkpoint === 'string' ? parseCheckpoint(cert.checkpoint) : null;
  if (!cp) {
    out.push({ code: 'checkpoint', status: 'fail', index: -1, text: t('cert.b.cp_malformed') });
    return out;
  }
  if (!cert.log || cert.log.hash !== 'sha256') {
    out.push({ code: 'inclusion', status: 'skip', index: -1, text: t('cert.b.sm3') });
    return out;
  }
  // The signature: with the key the log publishes, not the file's own.
  const keys = logKeys.map(parseEd25519Vkey).filter(Boolean);
  if (keys.length === 0) {
    out.push({ code: 'checkpoint', status: 'skip', index: -1, text: t('cert.b.no_key') });
  } else {
    for (const k of keys) {
      const r = await verifyEd25519Line(cp, k);
      const status = r === 'ok' ? 'pass' : r === 'unsupported' ? 'skip' : 'fail';
      out.push({ code: 'checkpoint', status, index: -1, text: t('cert.b.sig_' + r, { key: k.name + '+' + k.keyId }) });
    }
  }
  for (const e of Array.isArray(cert.entries) ? cert.entries : []) {
    let leaf;
    let path;
    try {
      leaf = b64ToBytes(e.leaf_hash);
      path = (e.proof || []).map(b64ToBytes);
    } catch {
      out.push({ code: 'inclusion', status: 'fail', index: e.index, text: t('cert.b.malformed') });
      continue;
    }
    if (typeof e.entry === 'string') {
      const bytes = b64ToBytes(e.entry);
      const ok = equal(await leafHash(bytes), leaf);
      out.push({ code: 'entry', status: ok ? 'pass' : 'fail', index: e.index, text: t(ok ? 'cert.b.entry_ok' : 'cert.b.entry_bad') });
    } else {
      out.push({ code: 'entry', status: 'skip', index: e.index, text: t('cert.b.withheld') });
    }
    const root = await rootFromInclusion(e.index, cp.size, leaf, path);
    const ok = root !== null && equal(root, cp.root);
    out.push({
      code: 'inclusion',
      status: ok ? 'pass' : 'fail',
      index: e.index,
      text: ok ? t('cert.b.incl_ok', { n: path.length, size: cp.size }) : t('cert.b.incl_bad', { size: cp.size, got: root ? hex(root).slice(0, 16) : '—' }),
    });
  }
  return out;
}

function findingsTable(rows, idPrefix) {
  const table = h(
    'table',
    { class: 'data stack cert-findings', id: idPrefix + '-findings' },
    h('thead', null, h('tr', null, h('th', null, t('cert.col.check')), h('th', null, t('cert.col.status')), h('th', null, t('cert.col.entry')), h('th', null, t('cert.col.detail')))),
    h(
      'tbody',
      null,
      rows.map((f) =>
        h(
          'tr',
          { dataset: { code: f.code, status: f.status } },
          h('td', { 'data-label': t('cert.col.check') }, codeText(f.code)),
          h('td', { 'data-label': t('cert.col.status') }, statusBadge(f.status)),
          h('td', { 'data-label': t('cert.col.entry'), class: 'mono' }, Number.isInteger(f.index) && f.index >= 0 ? '#' + f.index : '—'),
          h('td', { 'data-label': t('cert.col.detail'), class: 'cert-msg' }, f.text),
        ),
      ),
    ),
  );
  return h('div', { class: 'table-wrap' }, table);
}

// The card. keyInfo is GET /api/ledger/key's answer (or null).
export function certificateCheck(keyInfo) {
  const text = h('textarea', { id: 'cert-text', class: 'mono', rows: 6, spellcheck: 'false', placeholder: t('cert.paste_ph'), 'aria-label': t('cert.paste') });
  const file = h('input', { type: 'file', id: 'cert-file', accept: '.json,application/json' });
  const out = h('div', { id: 'cert-result', 'aria-live': 'polite' });
  const button = h('button', { type: 'submit', class: 'btn btn-primary', id: 'cert-verify' }, t('cert.verify'));

  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    if (f.size > MAX_BYTES) {
      replace(out, h('div', { class: 'alert alert-error', role: 'alert' }, t('cert.too_big')));
      return;
    }
    text.value = await f.text();
  });

  async function check(ev) {
    ev.preventDefault();
    let cert;
    try {
      cert = JSON.parse(text.value);
    } catch {
      replace(out, h('div', { class: 'alert alert-error', role: 'alert', id: 'cert-error' }, t('cert.not_json')));
      return;
    }
    button.disabled = true;
    replace(out, h('p', { class: 'muted' }, t('cert.checking')));
    let report = null;
    let serverError = null;
    try {
      report = await api('POST', '/api/ledger/verify', cert);
    } catch (e) {
      serverError = e;
    }
    let mine = [];
    if (globalThis.crypto && crypto.subtle) {
      try {
        mine = await browserChecks(cert, keyInfo && Array.isArray(keyInfo.keys) ? keyInfo.keys : []);
      } catch {
        mine = [{ code: 'inclusion', status: 'fail', index: -1, text: t('cert.b.malformed') }];
      }
    } else {
      mine = [{ code: 'inclusion', status: 'skip', index: -1, text: t('ledger.no_webcrypto') }];
    }
    button.disabled = false;

    const browserOk = mine.every((f) => f.status !== 'fail');
    const serverOk = report !== null && report.ok === true;
    const ok = serverOk && browserOk;
    const subject = cert.subject || {};
    const entries = Array.isArray(cert.entries) ? cert.entries : [];
    const withheld = entries.filter((e) => typeof e.entry !== 'string').length;
    replace(
      out,
      h(
        'div',
        { class: ['alert', ok ? 'alert-ok' : 'alert-error'], id: 'cert-verdict', dataset: { ok: String(ok) }, role: 'status' },
        h('strong', null, t(ok ? 'cert.ok' : 'cert.bad')),
        ' ',
        t('cert.summary', {
          subject: (has('ledger.subj.' + subject.type) ? t('ledger.subj.' + subject.type) : subject.type || '?') + ' #' + (subject.id !== undefined ? subject.id : subject.index),
          n: entries.length,
          withheld,
        }),
      ),
      h('h3', null, t('cert.server_title')),
      serverError
        ? h('div', { class: 'alert alert-error', role: 'alert', id: 'cert-server-error' }, errorText(serverError))
        : [
            report.keys_pinned ? null : h('p', { class: 'muted' }, t('cert.not_pinned')),
            findingsTable(
              report.findings.map((f) => ({ code: f.code, status: f.status, index: f.index, text: f.message })),
              'cert-server',
            ),
          ],
      h('h3', null, t('cert.browser_title')),
      findingsTable(mine, 'cert-browser'),
    );
  }

  return h(
    'section',
    { class: 'card', id: 'ledger-cert', 'aria-labelledby': 'cert-h' },
    h('h2', { id: 'cert-h' }, t('cert.title')),
    h('p', { class: 'muted' }, t('cert.intro')),
    h(
      'form',
      { class: 'form cert-form', onsubmit: check },
      h('label', { for: 'cert-text' }, t('cert.paste')),
      text,
      h('div', { class: 'cert-actions' }, h('label', { for: 'cert-file', class: 'btn btn-secondary' }, t('cert.upload')), file, button),
    ),
    out,
  );
}
