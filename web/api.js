// api.js — the one way the UI talks to the server.
//
// Every call goes through api(): JSON in, JSON out, same-origin cookie
// session. It remembers the CSRF token that login and /api/me return and
// sends it as X-CSRF-Token on every unsafe method. A failed call throws an
// ApiError carrying the server's {code, message, field}; a network failure
// throws one with code 'network'.

let csrfToken = null;
let onUnauthenticated = null;

export class ApiError extends Error {
  constructor(status, code, message, field, retryAfter) {
    super(message || code);
    this.status = status; // HTTP status, 0 for a network failure
    this.code = code; // stable error code, e.g. 'invalid_uscc'
    this.field = field || null; // the input at fault, when the server names one
    this.retryAfter = retryAfter; // seconds, from Retry-After (429)
  }
}

export function setCsrfToken(token) {
  csrfToken = token || null;
}

// Called when a signed-in call answers 401: the session ended elsewhere.
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  // A Blob or bytes (a file upload) go as they are, with opts.contentType.
  const raw = body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body);
  if (body !== undefined) headers['Content-Type'] = raw ? opts.contentType || 'application/octet-stream' : 'application/json';
  if (UNSAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'network', '');
  }
  let data = null;
  const text = await res.text();
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (res.ok) return data;
  const e = (data && data.error) || {};
  const ra = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  const err = new ApiError(
    res.status,
    e.code || 'http_' + res.status,
    e.message || '',
    e.field,
    Number.isFinite(ra) ? ra : undefined,
  );
  err.body = e; // the whole error object: a rule refusal adds rule, limit, source
  if (res.status === 401 && !opts.quiet && onUnauthenticated) onUnauthenticated(err);
  return Promise.reject(err);
}

// Builds "/api/x?limit=20&cursor=..." leaving out empty parameters.
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? path + '?' + s : path;
}
