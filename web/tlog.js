// tlog.js — the transparency-log arithmetic the public pages do in the
// browser with WebCrypto: base64 and hex, RFC 9162 leaf and node hashes
// (SHA-256 only: WebCrypto has no SM3), the root an inclusion proof leads to
// (RFC 9162 §2.1.3.2), C2SP checkpoints in signed notes, and Ed25519
// signature lines checked against a verifier key
// ("NAME+HHHHHHHH+base64(0x01 || 32-byte public key)", docs/ledger.md).

export function b64ToBytes(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
export const leafHash = (entry) => sha256(concat(Uint8Array.of(0), entry));
const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

export const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

// RFC 9162 §2.1.3.2: the root an inclusion proof leads to, or null when the
// proof has the wrong shape for (index, size).
export async function rootFromInclusion(index, size, leaf, path) {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

// C2SP tlog-checkpoint in a signed note: origin, size, base64 root, then
// (after a blank line) "— name base64(keyid||sig)" lines. `body` is the
// signed text (through the newline before the blank line).
export function parseCheckpoint(text) {
  const blank = text.indexOf('\n\n');
  const body = (blank >= 0 ? text.slice(0, blank) : text).split('\n');
  const sigs = blank >= 0 ? text.slice(blank + 2).split('\n').filter((l) => l.trim()) : [];
  const size = Number.parseInt(body[1], 10);
  if (!body[0] || !Number.isSafeInteger(size) || !body[2]) return null;
  let root;
  try {
    root = b64ToBytes(body[2]);
  } catch {
    return null;
  }
  return {
    origin: body[0],
    size,
    rootB64: body[2],
    root,
    body: blank >= 0 ? text.slice(0, blank + 1) : text,
    sigs: sigs.map((l) => {
      const m = /^\u2014 (\S+) (\S+)$/.exec(l);
      if (!m) return { name: '', keyId: '', line: l, bytes: null };
      let bytes = null;
      try {
        bytes = b64ToBytes(m[2]);
      } catch {
        bytes = null;
      }
      return { name: m[1], keyId: bytes ? hex(bytes.slice(0, 4)) : '', line: l, bytes };
    }),
    text,
  };
}

// An Ed25519 verifier key text -> {name, keyId, pub} or null (other types,
// such as sunbid's SM2 keys, are not for the browser).
export function parseEd25519Vkey(text) {
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
  if (!m) return null;
  let raw;
  try {
    raw = b64ToBytes(m[3]);
  } catch {
    return null;
  }
  if (raw.length !== 33 || raw[0] !== 0x01) return null;
  return { name: m[1], keyId: m[2], pub: raw.slice(1) };
}

// Whether the checkpoint carries a valid Ed25519 signature line by key.
// Resolves to 'ok', 'bad' (a line by this key that does not verify),
// 'missing' (no line by this key) or 'unsupported' (no Ed25519 in this
// browser's WebCrypto).
export async function verifyEd25519Line(cp, key) {
  const line = cp.sigs.find((s) => s.name === key.name && s.keyId === key.keyId);
  if (!line) return 'missing';
  if (!line.bytes || line.bytes.length !== 68) return 'bad';
  let k;
  try {
    k = await crypto.subtle.importKey('raw', key.pub, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return 'unsupported';
  }
  const ok = await crypto.subtle.verify({ name: 'Ed25519' }, k, line.bytes.slice(4), new TextEncoder().encode(cp.body));
  return ok ? 'ok' : 'bad';
}
