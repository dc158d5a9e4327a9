// seal.js — sealing a bid in the browser: the envelope format of
// docs/envelope.md, suite intl (P-256, SHA-256, AES-256-GCM), with WebCrypto
// alone, so the plaintext never leaves the bidder's machine. `sunbid unseal`
// opens what this writes, and the server checks it like any other envelope.
//
//   const env = await sealBid({tender, lot, org, signKeyPem, signCertPem,
//                              encCertPem, files: [{name, role, data}], onProgress});
//   env.blob      the envelope (.sbe) as a Blob, ready to upload
//   env.sha256    hex SHA-256 of its bytes (what the receipt will name)
//   env.chain     hex chain value h (docs/envelope.md, "Signature")
//   o.escrowKeys  optional [SPKI PEM]: the tender's escrow keys, further
//                 recipient blocks (kind 2) after the bidder's own
//
// At the opening (pages/opening.js), with keys read from the bidder's files
// and never uploaded:
//   releaseKey({head, encKeyPem, expect})  K (64 hex) from the bidder's own
//                 recipient block of the envelope head the server returns
//   signRecord({signKeyPem, message})      base64 DER ECDSA P-256 SHA-256
//   openShare({encKeyPem, tenderId, x, encryptedShare})  -> {x, share}: an
//                 escrow officer's Shamir share (base64), decrypted locally
//
// Limits: a file is read whole (File.arrayBuffer) because WebCrypto has no
// streaming hash; the envelope is assembled from 64 KiB pieces in a Blob,
// which the browser may keep on disk. The CLI (`sunbid seal`) streams and
// has no such limit; the page says so. The machine fingerprint is left
// unknown (zeros): a page cannot read the host name or MAC address.
//
// Everything is big-endian as in the format; every multi-byte integer is
// written by the helpers below.

const te = new TextEncoder();
const CHUNK = 65536;
const SUITE_INTL = 2;
const ROLES = { commercial: 1, technical: 2, 'price-list': 3, other: 4 };
const TOOL = 'sunbid-web 1';
const NAME_BAD = /[\u0000-\u001f\u007f/\\:*?"<>|]/;

export class SealError extends Error {
  constructor(code, message) {
    super(message || code);
    this.code = code; // 'bad_key', 'bad_certificate', 'bad_input', 'crypto'
  }
}

// ---- bytes --------------------------------------------------------------

function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u8(v) {
  return Uint8Array.of(v & 0xff);
}

function u16(v) {
  return Uint8Array.of((v >>> 8) & 0xff, v & 0xff);
}

function u32(v) {
  return Uint8Array.of((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
}

function u64(v) {
  const out = new Uint8Array(8);
  let x = BigInt(v);
  for (let i = 7; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256(data) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

// ---- PEM and a little DER -------------------------------------------------

export function pemToDer(pem, label) {
  const re = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`);
  const m = re.exec(pem);
  if (!m) return null;
  const b64 = m[1].replace(/[\r\n\s]/g, '');
  try {
    return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

// One DER element at off: {tag, start (of content), len, end}.
function derAt(buf, off) {
  if (off + 2 > buf.length) throw new SealError('bad_certificate', 'truncated DER');
  const tag = buf[off];
  let len = buf[off + 1];
  let p = off + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3 || p + n > buf.length) throw new SealError('bad_certificate', 'bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | buf[p + i];
    p += n;
  }
  if (p + len > buf.length) throw new SealError('bad_certificate', 'truncated DER');
  return { tag, start: p, len, end: p + len };
}

// The SubjectPublicKeyInfo DER of an X.509 certificate.
export function certSpki(der) {
  const cert = derAt(der, 0); // Certificate SEQUENCE
  const tbs = derAt(der, cert.start); // tbsCertificate SEQUENCE
  let p = tbs.start;
  let el = derAt(der, p);
  if (el.tag === 0xa0) {
    p = el.end; // [0] version
    el = derAt(der, p);
  }
  // serialNumber, signature, issuer, validity, subject, then the key
  for (let i = 0; i < 5; i++) {
    el = derAt(der, p);
    p = el.end;
  }
  const spki = derAt(der, p);
  if (spki.tag !== 0x30) throw new SealError('bad_certificate', 'no public key in the certificate');
  return der.slice(p, spki.end);
}

// WebCrypto's r || s (64 bytes) as DER SEQUENCE { INTEGER r, INTEGER s }.
function ecdsaDer(raw) {
  const int = (b) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.slice(i);
    if (v[0] & 0x80) v = concat([Uint8Array.of(0), v]);
    return concat([Uint8Array.of(0x02, v.length), v]);
  };
  const body = concat([int(raw.slice(0, 32)), int(raw.slice(32))]);
  return concat([Uint8Array.of(0x30, body.length), body]);
}

// ---- keys -----------------------------------------------------------------

async function importSignKey(pem) {
  const der = pemToDer(pem, 'PRIVATE KEY');
  if (!der) throw new SealError('bad_key', 'the signing key must be an unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY)');
  try {
    return await crypto.subtle.importKey('pkcs8', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  } catch {
    throw new SealError('bad_key', 'the signing key is not a P-256 key');
  }
}

async function importRecipient(certDer) {
  return importRecipientSpki(certSpki(certDer), 'the encryption certificate does not hold a P-256 key');
}

// A recipient from its SubjectPublicKeyInfo DER (an escrow key is given so).
async function importRecipientSpki(spki, why) {
  let key;
  try {
    key = await crypto.subtle.importKey('spki', spki, { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  } catch {
    throw new SealError('bad_certificate', why);
  }
  const canonical = new Uint8Array(await crypto.subtle.exportKey('spki', key));
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', key));
  return { key, raw, keyId: await sha256(canonical) };
}

// HKDF-SHA-256 → raw bytes.
async function hkdf(ikm, salt, info, bytes) {
  const base = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  const bits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, base, bytes * 8);
  return new Uint8Array(bits);
}

async function aesKey(raw) {
  return crypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, ['encrypt']);
}

// ECIES wrap of the content key to the recipient (docs/envelope.md): 113 bytes.
async function wrapKey(contentKey, rcpt) {
  const eph = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const E = new Uint8Array(await crypto.subtle.exportKey('raw', eph.publicKey));
  const Z = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: rcpt.key }, eph.privateKey, 256));
  const kek = await aesKey(await hkdf(Z, concat([E, rcpt.raw]), te.encode('sunbid-envelope-v1 intl wrap'), 32));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, kek, contentKey));
  return concat([E, ct]);
}

// The 12-byte STREAM nonce of chunk c.
function nonce(c, last) {
  const n = new Uint8Array(12);
  let x = BigInt(c);
  for (let i = 10; i >= 0; i--) {
    n[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  n[11] = last ? 1 : 0;
  return n;
}

function idBytes(s, what, min) {
  const b = te.encode(s || '');
  if (b.length < min || b.length > 64 || /[^\x21-\x7e]/.test(s || '')) throw new SealError('bad_input', `bad ${what}`);
  return concat([u8(b.length), b]);
}

export function nameOk(name) {
  const b = te.encode(name);
  return b.length >= 1 && b.length <= 255 && !NAME_BAD.test(name) && !name.startsWith('.');
}

// ---- sealing --------------------------------------------------------------

export async function sealBid(o) {
  const progress = o.onProgress || (() => {});
  const files = o.files || [];
  if (files.length < 1 || files.length > 64) throw new SealError('bad_input', 'choose 1 to 64 files');
  const seen = new Set();
  for (const f of files) {
    if (!nameOk(f.name) || seen.has(f.name)) throw new SealError('bad_input', `bad or repeated file name: ${f.name}`);
    seen.add(f.name);
    if (!ROLES[f.role]) throw new SealError('bad_input', `bad role ${f.role}`);
  }
  const signKey = await importSignKey(o.signKeyPem);
  const signCert = pemToDer(o.signCertPem, 'CERTIFICATE');
  const encCert = pemToDer(o.encCertPem, 'CERTIFICATE');
  if (!signCert || !encCert) throw new SealError('bad_certificate', 'the certificates must be PEM (BEGIN CERTIFICATE)');
  if (signCert.length > 16384) throw new SealError('bad_certificate', 'the signing certificate is too large');
  const rcpt = await importRecipient(encCert);
  // the tender's escrow keys (SPKI PEM): further recipients, kind 2
  const escrowPems = o.escrowKeys || [];
  if (escrowPems.length > 7) throw new SealError('bad_input', 'at most 7 escrow keys');
  const escrow = [];
  for (const pem of escrowPems) {
    const spki = pemToDer(pem, 'PUBLIC KEY');
    if (!spki) throw new SealError('bad_certificate', 'an escrow key must be a PEM public key (BEGIN PUBLIC KEY)');
    escrow.push(await importRecipientSpki(spki, 'an escrow key is not a P-256 key'));
  }
  const ids = new Set([hex(rcpt.keyId)]);
  for (const e of escrow) {
    if (ids.has(hex(e.keyId))) throw new SealError('bad_input', 'the same key twice among the recipients');
    ids.add(hex(e.keyId));
  }

  // the plaintexts (see the limits at the top)
  const plain = [];
  for (const f of files) plain.push(new Uint8Array(f.data instanceof Blob ? await f.data.arrayBuffer() : f.data));

  const contentKey = crypto.getRandomValues(new Uint8Array(32));
  const blocks = [];
  for (const [kind, r] of [[1, rcpt], ...escrow.map((e) => [2, e])]) {
    const w = await wrapKey(contentKey, r);
    blocks.push(concat([u8(kind), r.keyId, u16(w.length), w]));
  }
  const header = concat([
    u64(o.createdMs ?? Date.now()),
    idBytes(o.tender, 'tender id', 1),
    idBytes(o.lot, 'lot id', 1),
    idBytes(o.org || '', 'organisation id', 0),
    new Uint8Array(32), // host hash: unknown in a browser
    new Uint8Array(32), // MAC hash: unknown
    concat([u8(TOOL.length), te.encode(TOOL)]),
    u16(signCert.length),
    signCert,
    u8(blocks.length), // the bidder first, then the escrow keys
    ...blocks,
    u8(files.length),
    ...files.map((f, i) => concat([u8(ROLES[f.role]), u64(plain[i].length)])),
  ]);
  const magic = Uint8Array.of(0x89, 0x53, 0x42, 0x45, 0x0d, 0x0a, 0x1a, 0x0a); // \x89SBE\r\n\x1a\n
  const preamble = concat([magic, u8(1), u8(SUITE_INTL), u16(0), u32(header.length)]);
  const head = concat([preamble, header]);
  const h0 = await sha256(head);
  const parts = [head];
  let h = h0;
  const total = plain.reduce((s, p) => s + p.length, 0);
  let done = 0;

  const manifest = [];
  for (let i = 0; i < files.length; i++) {
    const key = await aesKey(await hkdf(contentKey, h0, concat([te.encode('sunbid-envelope-v1 file'), u32(i)]), 32));
    const p = plain[i];
    const nchunks = Math.max(1, Math.ceil(p.length / CHUNK));
    for (let c = 0; c < nchunks; c++) {
      const pt = p.subarray(c * CHUNK, Math.min(p.length, (c + 1) * CHUNK));
      const ct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(c, c === nchunks - 1) }, key, pt));
      h = await sha256(concat([h, ct]));
      parts.push(ct);
      done += pt.length;
      progress(total ? done / total : 1);
    }
    const name = te.encode(files[i].name);
    manifest.push(u16(name.length), name, await sha256(p));
  }
  const mkey = await aesKey(await hkdf(contentKey, h0, te.encode('sunbid-envelope-v1 manifest'), 32));
  const mct = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce(0, true) }, mkey, concat(manifest)));
  const mlen = u32(mct.length);
  h = await sha256(concat([h, mlen, mct]));
  const msg = concat([te.encode('sunbid-envelope-v1 signature'), h]);
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signKey, msg));
  const sig = ecdsaDer(raw);
  const tail = concat([mlen, mct, u16(sig.length), sig]);
  parts.push(tail);
  contentKey.fill(0);

  const blob = new Blob(parts, { type: 'application/octet-stream' });
  const digest = await sha256(new Uint8Array(await blob.arrayBuffer()));
  return { blob, size: blob.size, sha256: hex(digest), chain: hex(h) };
}

// ---- the opening: releasing K, signing the record, escrow shares -------------

const b64 = {
  enc(bytes) {
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  },
  dec(str) {
    try {
      return Uint8Array.from(atob(String(str || '').replace(/\s/g, '')), (c) => c.charCodeAt(0));
    } catch {
      throw new SealError('bad_input', 'not base64');
    }
  },
};
export const base64 = b64;

// The encryption private key (PKCS#8 PEM, P-256) as an ECDH key, with its
// public point R and key id (SHA-256 of its SubjectPublicKeyInfo DER).
async function importEncKey(pem) {
  const der = pemToDer(pem, 'PRIVATE KEY');
  if (!der) throw new SealError('bad_key', 'the encryption key must be an unencrypted PKCS#8 PEM (BEGIN PRIVATE KEY)');
  let priv;
  let jwk;
  try {
    priv = await crypto.subtle.importKey('pkcs8', der, { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
    jwk = await crypto.subtle.exportKey('jwk', priv);
  } catch {
    throw new SealError('bad_key', 'the encryption key is not a P-256 key');
  }
  const pub = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y, ext: true }, { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pub));
  const keyId = await sha256(new Uint8Array(await crypto.subtle.exportKey('spki', pub)));
  return { priv, raw, keyId };
}

// Opens an intl ECIES wrap (docs/envelope.md) with the recipient's key.
async function unwrapKey(wrap, me) {
  if (wrap.length !== 113) throw new SealError('bad_input', 'not an intl key wrap');
  const E = wrap.slice(0, 65);
  let eph;
  try {
    eph = await crypto.subtle.importKey('raw', E, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw new SealError('crypto', 'the key wrap holds no P-256 point');
  }
  const Z = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: eph }, me.priv, 256));
  const kekRaw = await hkdf(Z, concat([E, me.raw]), te.encode('sunbid-envelope-v1 intl wrap'), 32);
  const kek = await crypto.subtle.importKey('raw', kekRaw, { name: 'AES-GCM' }, false, ['decrypt']);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: new Uint8Array(12) }, kek, wrap.slice(65)));
  } catch {
    throw new SealError('crypto', 'the key wrap does not open with this key (bad_key_wrap)');
  }
}

// Reads the preamble and the header of an envelope up to the end of its
// recipient blocks: {suite, tender, lot, org, recipients: [{kind, keyId, wrap}], end}.
export function parseHead(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let p = 0;
  const need = (n, what) => {
    if (p + n > b.length) throw new SealError('bad_input', `the envelope head ends inside ${what}`);
  };
  const magic = [0x89, 0x53, 0x42, 0x45, 0x0d, 0x0a, 0x1a, 0x0a];
  need(16, 'the preamble');
  if (magic.some((m, i) => b[i] !== m) || b[8] !== 1) throw new SealError('bad_input', 'not a sunbid envelope (version 1)');
  const suite = b[9];
  p = 16 + 8; // preamble, created
  const str = (what) => {
    need(1, what);
    const n = b[p];
    need(1 + n, what);
    const s = new TextDecoder().decode(b.subarray(p + 1, p + 1 + n));
    p += 1 + n;
    return s;
  };
  const tender = str('the tender id');
  const lot = str('the lot id');
  const org = str('the organisation id');
  need(64, 'the machine hashes');
  p += 64;
  str('the tool');
  need(2, 'the certificate');
  p += 2 + ((b[p] << 8) | b[p + 1]);
  need(1, 'the recipients');
  const count = b[p++];
  const recipients = [];
  for (let i = 0; i < count; i++) {
    need(35, 'a recipient');
    const kind = b[p];
    const keyId = b.slice(p + 1, p + 33);
    const w = (b[p + 33] << 8) | b[p + 34];
    need(35 + w, 'a recipient');
    recipients.push({ kind, keyId, wrap: b.slice(p + 35, p + 35 + w) });
    p += 35 + w;
  }
  return { suite, tender, lot, org, recipients, end: p };
}

// The content key K of an envelope as the bidder releases it at the
// opening: the bidder's own recipient block (found by key id) of the head
// unwrapped with its encryption key, here, in the browser; the key never
// leaves it. expect {tender, lot, org} are checked against the head so a
// head from another tender or lot is refused. Returns K as 64 hex digits.
export async function releaseKey(o) {
  const head = parseHead(o.head);
  if (head.suite !== SUITE_INTL) throw new SealError('bad_input', 'only intl envelopes open in a browser; use sunbid unseal --release-key');
  const ex = o.expect || {};
  for (const k of ['tender', 'lot', 'org']) {
    if (ex[k] !== undefined && ex[k] !== null && String(ex[k]) !== head[k]) throw new SealError('bad_input', `the envelope names another ${k}: ${head[k]}`);
  }
  const me = await importEncKey(o.encKeyPem);
  const mine = head.recipients.find((r) => hex(r.keyId) === hex(me.keyId));
  if (!mine) throw new SealError('wrong_key', 'this key is none of the envelope\u2019s recipients (wrong_key)');
  const k = await unwrapKey(mine.wrap, me);
  if (k.length !== 32) throw new SealError('crypto', 'the content key is not 32 bytes');
  const out = hex(k);
  k.fill(0);
  return out;
}

// Signs a message (a string, UTF-8) with the signing key (PKCS#8 PEM,
// P-256): ECDSA with SHA-256, returned as base64 of the DER signature.
export async function signRecord(o) {
  const key = await importSignKey(o.signKeyPem);
  const raw = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, te.encode(o.message)));
  return b64.enc(ecdsaDer(raw));
}

// The message a bidder signs to sign an opening record (docs/opening.md).
export function recordMessage(tenderId, draftSha256) {
  return `sunbid opening record v1\n${tenderId}\n${draftSha256}\n`;
}

// An escrow officer's share (domain/escrow.h, docs/escrow.md): the sealed
// share, base64 of
//   "SBES" | version 1 | suite (2 intl) | x | tender id (8) | key id (32)
//   | w (2) | wrap (w: K' wrapped to the officer's key as an envelope
//   recipient's content key) | nonce (12) | AES-256-GCM(K', share) || tag
// with the associated data "sunbid escrow share v1" || tender id (8) || x (1).
// Opened here with the officer's encryption key (PKCS#8 PEM), which never
// leaves the browser; returns {x, share: base64 of the 155-byte share}.
export async function openShare(o) {
  const b = b64.dec(o.encryptedShare);
  const magic = [0x53, 0x42, 0x45, 0x53]; // SBES
  if (b.length < 49 || magic.some((m, i) => b[i] !== m) || b[4] !== 1) throw new SealError('bad_input', 'not a sealed escrow share');
  if (b[5] !== SUITE_INTL) throw new SealError('bad_input', 'only intl shares open in a browser; use sunbid escrow share');
  const x = b[6];
  const tid = b.slice(7, 15);
  if (o.tenderId !== undefined && hex(tid) !== hex(u64(o.tenderId))) throw new SealError('bad_input', 'the share belongs to another tender');
  if (o.x !== undefined && o.x !== null && Number(o.x) !== x) throw new SealError('bad_input', 'the share has another index');
  const keyId = b.slice(15, 47);
  const w = (b[47] << 8) | b[48];
  if (b.length !== 49 + w + 12 + 155 + 16) throw new SealError('bad_input', 'the sealed share has the wrong length');
  const me = await importEncKey(o.encKeyPem);
  if (hex(keyId) !== hex(me.keyId)) throw new SealError('wrong_key', 'this share is sealed to another officer key (wrong_key)');
  const kp = await unwrapKey(b.slice(49, 49 + w), me);
  const nonceBytes = b.slice(49 + w, 61 + w);
  const aad = concat([te.encode('sunbid escrow share v1'), tid, u8(x)]);
  const key = await crypto.subtle.importKey('raw', kp, { name: 'AES-GCM' }, false, ['decrypt']);
  kp.fill(0);
  let share;
  try {
    share = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonceBytes, additionalData: aad }, key, b.slice(61 + w)));
  } catch {
    throw new SealError('crypto', 'the share does not authenticate (bad_mac)');
  }
  const out = b64.enc(share);
  share.fill(0);
  return { x, share: out };
}
