// pages/ledger.js — 数字见证 (public): the witness log. Shows the latest
// signed checkpoint (GET /api/ledger/checkpoint, readable and raw), the
// log's public keys (GET /api/ledger/key), and the public entries newest
// first (GET /api/ledger/entries). "验证存证" fetches an inclusion proof for
// one entry against the checkpoint's size and checks it here, in the browser,
// with WebCrypto SHA-256 (RFC 9162 §2.1.3.2). An entry whose bytes are not
// public (no "entry", "public": false) is shown by its leaf hash, and that
// hash's inclusion is checked the same way. The checkpoint's signature is
// NOT checked here; the page says so. SM3 logs cannot be checked in the
// browser (WebCrypto has no SM3), so verification is skipped for them.
// Each entry links its witness certificate (GET /api/ledger/certificate,
// the file or the printable PDF), and the card "验证见证证书"
// (pages/certcheck.js) checks a pasted or uploaded certificate.

import { api, withQuery } from '../api.js';
import { h, replace, loading } from '../dom.js';
import { t, has, errorText, formatTime } from '../i18n.js';
import { b64ToBytes, equal, hex, leafHash, parseCheckpoint, rootFromInclusion } from '../tlog.js';
import { certificateCheck } from './certcheck.js';

// The proof arithmetic lives in tlog.js; re-exported for the browser test.
export { parseCheckpoint, rootFromInclusion };

const PAGE = 20;

async function fetchCheckpoint() {
  const res = await fetch('/api/ledger/checkpoint', { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'text/plain' } });
  if (res.status === 404) return null;
  if (!res.ok) {
    const e = new Error('http_' + res.status);
    e.status = res.status;
    e.code = 'http_' + res.status;
    throw e;
  }
  return res.text();
}

// ---- rendering --------------------------------------------------------

function kv(rows) {
  return h(
    'dl',
    { class: 'kv' },
    rows.filter(Boolean).map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

function decodeEntry(e) {
  if (!e.entry) return { bytes: null, obj: null };
  let bytes;
  try {
    bytes = b64ToBytes(e.entry);
  } catch {
    return { bytes: null, obj: null };
  }
  let obj = null;
  try {
    obj = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    obj = null;
  }
  return { bytes, obj };
}

// Download links for an entry's witness certificate: the file and its
// printable page, in the page's language.
function certLinks(index) {
  const base = '/api/ledger/certificate?index=' + index;
  const lang = document.documentElement.lang === 'en' ? '&lang=en' : '';
  return h(
    'span',
    { class: 'cert-links' },
    h('span', { class: 'muted small cert-links-label' }, t('ledger.cert')),
    h('a', { class: 'btn btn-small cert-json', href: base, download: '' }, t('ledger.cert_json')),
    h('a', { class: 'btn btn-small cert-pdf', href: base + '&format=pdf' + lang, download: '' }, t('ledger.cert_pdf')),
  );
}

function subjectText(s) {
  if (!s || typeof s !== 'object') return null;
  const ty = s.type && has('ledger.subj.' + s.type) ? t('ledger.subj.' + s.type) : s.type || '';
  return ty + (s.id !== undefined ? ' #' + s.id : '');
}

function actorText(a) {
  if (!a || typeof a !== 'object') return null;
  return (a.name || '') + (a.id !== undefined ? ' (#' + a.id + ')' : '');
}

export function render(ctx) {
  const cpBox = h('div', { 'aria-busy': 'true' }, loading());
  const keyBox = h('div', { 'aria-busy': 'true' }, loading());
  const entriesBox = h('div', { 'aria-busy': 'true' }, loading());
  const certBox = h('div', { id: 'ledger-cert-box' }, certificateCheck(null));
  let cp = null;
  let hashAlg = null;

  const page = h(
    'section',
    { class: 'page page-ledger', dataset: { page: 'ledger' } },
    h('div', { class: 'page-head' }, h('div', null, h('h1', null, t('ledger.title')), h('p', { class: 'muted' }, t('ledger.intro')))),
    h('div', { class: 'alert alert-info ledger-note', id: 'ledger-note' }, t('ledger.honest')),
    h('section', { class: 'card', id: 'ledger-checkpoint', 'aria-labelledby': 'cp-h' }, h('h2', { id: 'cp-h' }, t('ledger.cp_title')), cpBox),
    h('section', { class: 'card', id: 'ledger-keys', 'aria-labelledby': 'key-h' }, h('h2', { id: 'key-h' }, t('ledger.key_title')), keyBox),
    h('section', { class: 'card', id: 'ledger-entries', 'aria-labelledby': 'ent-h' }, h('h2', { id: 'ent-h' }, t('ledger.entries_title')), entriesBox),
    certBox,
  );

  function failBox(box, e, retry) {
    box.setAttribute('aria-busy', 'false');
    replace(
      box,
      h(
        'div',
        { class: 'alert alert-error list-error', role: 'alert' },
        h('span', null, t('ledger.load_failed') + ' ' + errorText(e)),
        h('button', { type: 'button', class: 'btn btn-small', onclick: retry }, t('app.retry')),
      ),
    );
  }

  function drawCheckpoint() {
    cpBox.setAttribute('aria-busy', 'false');
    if (!cp) {
      replace(cpBox, h('p', { class: 'muted', id: 'cp-none' }, t('ledger.cp_none')));
      return;
    }
    replace(
      cpBox,
      kv([
        [t('ledger.origin'), h('span', { class: 'mono', id: 'cp-origin' }, cp.origin)],
        [t('ledger.size'), h('span', { class: 'mono', id: 'cp-size' }, String(cp.size))],
        [t('ledger.root'), h('span', { class: 'mono wrap-any', id: 'cp-root' }, cp.rootB64)],
        [t('ledger.root_hex'), h('span', { class: 'mono wrap-any small' }, hex(cp.root))],
        [
          t('ledger.sigs'),
          h(
            'ul',
            { class: 'plain-list' },
            cp.sigs.map((s) => h('li', null, h('span', { class: 'mono' }, s.name), s.keyId ? h('span', { class: 'mono small muted' }, ' ' + t('ledger.key_id') + ' ' + s.keyId) : null)),
          ),
        ],
      ]),
      h('details', { class: 'raw' }, h('summary', null, t('ledger.raw')), h('pre', { class: 'mono wrap-any', id: 'cp-raw' }, cp.text)),
    );
  }

  async function loadTop() {
    cpBox.setAttribute('aria-busy', 'true');
    keyBox.setAttribute('aria-busy', 'true');
    try {
      const [text, key] = await Promise.all([fetchCheckpoint(), api('GET', '/api/ledger/key', undefined, { quiet: true })]);
      if (!ctx.alive()) return;
      cp = text ? parseCheckpoint(text) : null;
      hashAlg = key && key.hash ? String(key.hash).toLowerCase() : null;
      drawCheckpoint();
      keyBox.setAttribute('aria-busy', 'false');
      replace(
        keyBox,
        kv([
          [t('ledger.origin'), h('span', { class: 'mono' }, key.origin || '')],
          [t('ledger.hash'), h('span', { class: 'mono', id: 'key-hash' }, key.hash || '')],
          [t('ledger.keys'), h('ul', { class: 'plain-list' }, (key.keys || []).map((k) => h('li', null, h('code', { class: 'wrap-any' }, k))))],
        ]),
        hashAlg === 'sm3' ? h('p', { class: 'alert alert-error', id: 'sm3-note' }, t('ledger.sm3')) : null,
      );
      replace(certBox, certificateCheck(key));
      loadEntries(false);
    } catch (e) {
      if (!ctx.alive()) return;
      failBox(cpBox, e, loadTop);
      keyBox.setAttribute('aria-busy', 'false');
      replace(keyBox);
      entriesBox.setAttribute('aria-busy', 'false');
      replace(entriesBox);
    }
  }

  // Entries, newest first: pages of PAGE going back from the checkpoint.
  let items = [];
  let nextEnd = 0; // leaves [0, nextEnd) not loaded yet
  async function loadEntries(more) {
    if (!cp || cp.size === 0) {
      entriesBox.setAttribute('aria-busy', 'false');
      replace(entriesBox, h('p', { class: 'muted', id: 'entries-none' }, t('ledger.entries_none')));
      return;
    }
    if (!more) {
      items = [];
      nextEnd = cp.size;
    }
    entriesBox.setAttribute('aria-busy', 'true');
    const end = nextEnd;
    const start = Math.max(0, end - PAGE);
    try {
      const data = await api('GET', withQuery('/api/ledger/entries', { start, end }), undefined, { quiet: true });
      if (!ctx.alive()) return;
      const got = (data.entries || []).slice().sort((a, b) => b.index - a.index);
      items = items.concat(got);
      nextEnd = start;
      drawEntries();
    } catch (e) {
      if (!ctx.alive()) return;
      failBox(entriesBox, e, () => loadEntries(more));
    }
  }

  function drawEntries() {
    entriesBox.setAttribute('aria-busy', 'false');
    replace(
      entriesBox,
      h('p', { class: 'muted small' }, t('ledger.tz')),
      h('ol', { class: 'ledger-list', reversed: true }, items.map(entryItem)),
      nextEnd > 0
        ? h('div', { class: 'load-more' }, h('button', { type: 'button', class: 'btn btn-secondary', id: 'entries-older', onclick: () => loadEntries(true) }, t('ledger.older')))
        : null,
    );
  }

  function entryItem(e) {
    const { bytes, obj } = decodeEntry(e);
    const result = h('div', { class: 'verify-result', 'aria-live': 'polite' });
    // withheld entries: the leaf hash alone is still provable
    const canVerify = (bytes || e.leaf_hash) && hashAlg !== 'sm3' && cp;
    const btn = canVerify
      ? h('button', { type: 'button', class: 'btn btn-secondary verify-btn', onclick: () => verify(e, bytes, btn, result) }, t('ledger.verify'))
      : null;
    return h(
      'li',
      { class: 'ledger-entry', dataset: { index: String(e.index) } },
      h(
        'div',
        { class: 'entry-head' },
        h('span', { class: 'badge entry-index' }, '#' + e.index),
        obj && obj.type ? h('code', { class: 'entry-type' }, obj.type) : h('span', { class: 'muted' }, t('ledger.withheld')),
        obj && obj.type && has('ledger.ev.' + obj.type) ? h('span', { class: 'entry-type-label' }, t('ledger.ev.' + obj.type)) : null,
      ),
      kv([
        obj ? [t('ledger.subject'), subjectText(obj.subject) || t('app.none')] : null,
        obj ? [t('ledger.actor'), actorText(obj.actor) || t('app.none')] : null,
        obj ? [t('ledger.time'), obj.time_ms !== undefined ? formatTime(obj.time_ms) : t('app.none')] : null,
        obj && obj.doc_hash ? [t('ledger.doc_hash'), h('span', { class: 'mono wrap-any small' }, obj.doc_hash)] : null,
        [t('ledger.leaf_hash'), h('span', { class: 'mono wrap-any small' }, e.leaf_hash ? hex(b64ToBytes(e.leaf_hash)) : '')],
      ]),
      bytes ? h('details', { class: 'raw' }, h('summary', null, t('ledger.entry_raw')), h('pre', { class: 'mono wrap-any' }, new TextDecoder().decode(bytes))) : null,
      h(
        'div',
        { class: 'entry-actions' },
        btn,
        hashAlg === 'sm3' ? h('span', { class: 'muted small' }, t('ledger.sm3_skip')) : null,
        cp && e.index < cp.size ? certLinks(e.index) : null,
      ),
      result,
    );
  }

  async function verify(e, bytes, btn, result) {
    btn.disabled = true;
    replace(result, h('p', { class: 'muted' }, t('ledger.verifying')));
    const show = (ok, msg) =>
      replace(
        result,
        h(
          'p',
          { class: 'alert ' + (ok ? 'alert-ok' : 'alert-error'), dataset: { ok: ok ? 'true' : 'false' } },
          h('strong', null, (ok ? '✓ ' : '✗ ') + t(ok ? 'ledger.ok' : 'ledger.bad')),
          ' ',
          msg,
        ),
      );
    try {
      if (!window.crypto || !crypto.subtle) {
        show(false, t('ledger.no_webcrypto'));
        return;
      }
      const size = cp.size;
      const proof = await api('GET', withQuery('/api/ledger/proof/inclusion', { index: e.index, size }), undefined, { quiet: true });
      if (!ctx.alive()) return;
      const leaf = bytes ? await leafHash(bytes) : b64ToBytes(e.leaf_hash);
      if (bytes && e.leaf_hash && !equal(leaf, b64ToBytes(e.leaf_hash))) {
        show(false, t('ledger.leaf_mismatch'));
        return;
      }
      const path = (proof.hashes || []).map(b64ToBytes);
      const root = await rootFromInclusion(e.index, size, leaf, path);
      if (!ctx.alive()) return;
      if (root && equal(root, cp.root)) show(true, t('ledger.ok_detail', { index: e.index, size, n: path.length }));
      else if (!root) show(false, t('ledger.bad_shape', { index: e.index, size }));
      else show(false, t('ledger.bad_root', { index: e.index, size, got: hex(root).slice(0, 16) }));
    } catch (err) {
      if (!ctx.alive()) return;
      show(false, t('ledger.verify_failed') + ' ' + errorText(err));
    } finally {
      btn.disabled = false;
    }
  }

  loadTop();
  return page;
}
