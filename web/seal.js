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
  const spki = certSpki(certDer);
  let key;
  try {
    key = await crypto.subtle.importKey('spki', spki, { name: 'ECDH', namedCurve: 'P-256' }, true, []);
  } catch {
    throw new SealError('bad_certificate', 'the encryption certificate does not hold a P-256 key');
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

  // the plaintexts (see the limits at the top)
  const plain = [];
  for (const f of files) plain.push(new Uint8Array(f.data instanceof Blob ? await f.data.arrayBuffer() : f.data));

  const contentKey = crypto.getRandomValues(new Uint8Array(32));
  const wrap = await wrapKey(contentKey, rcpt);
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
    u8(1), // one recipient: the bidder
    u8(1),
    rcpt.keyId,
    u16(wrap.length),
    wrap,
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
