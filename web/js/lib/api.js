// The one API client: JSON in and out, problem+json errors turned into
// ApiError with the server's stable code and Japanese title. Shared by the
// console (web/js) and the field page (web/field); the console adds the
// session hooks below, the field page does without them.

export class ApiError extends Error {
  constructor(status, problem, headers) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || 'network'; // no problem document: network or proxy
    this.detail = problem?.detail || '';
    this.fieldErrors = problem?.errors || [];
    this.requestId = problem?.request_id || headers?.get('X-Request-Id') || '';
    // Seconds to wait (423 auth.locked, 429 auth.rate_limited), or null.
    const ra = Number.parseInt(headers?.get('Retry-After') ?? '', 10);
    this.retryAfter = Number.isFinite(ra) ? ra : null;
    // The current version of a record after a 409 version conflict.
    this.etag = headers?.get('ETag') || '';
  }
}

// The session's CSRF token (from the sign-in steps or GET /api/v1/auth/me),
// sent as X-CSRF-Token on every request other than GET and HEAD.
let csrfToken = '';

export function setCsrfToken(token) {
  csrfToken = typeof token === 'string' ? token : '';
}

// Console hooks (unset on the field page):
// onSessionLost(err) — a request of a signed-in page got 401 (the session
//   ended or was revoked); the console goes back to sign-in.
// refreshCsrf() — resolves with the session's current CSRF token after a
//   403 auth.csrf (the tab's token was replaced by a sign-in elsewhere);
//   the request is then sent once more.
const hooks = { onSessionLost: null, refreshCsrf: null };

export function setSessionHooks({ onSessionLost = null, refreshCsrf = null } = {}) {
  hooks.onSessionLost = onSessionLost;
  hooks.refreshCsrf = refreshCsrf;
}

const SESSION_GONE = new Set(['auth.required', 'auth.mfa_required']);

function buildInit(method, body, opts) {
  const init = { method, headers: { Accept: 'application/json', ...(opts.headers || {}) },
                 credentials: 'same-origin' };
  if (csrfToken && method !== 'GET' && method !== 'HEAD') {
    init.headers['X-CSRF-Token'] = csrfToken;
  }
  if (opts.raw !== undefined) {
    init.headers['Content-Type'] = opts.contentType || 'application/octet-stream';
    init.body = opts.raw;
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  return init;
}

async function once(method, path, body, opts) {
  const init = buildInit(method, body, opts);
  let timer;
  if (opts.timeout > 0) {
    const ctl = new AbortController();
    init.signal = ctl.signal;
    timer = setTimeout(() => ctl.abort(), opts.timeout);
  }
  let res, data;
  try {
    res = await fetch(path, init);
  } catch (e) {
    clearTimeout(timer);
    throw new ApiError(0, null);
  }
  const type = res.headers.get('Content-Type') || '';
  try {
    if (opts.blob && res.ok) data = await res.blob();
    else data = type.includes('json') ? await res.json() : null;
  } catch (e) {
    if (e?.name === 'AbortError' || e instanceof TypeError) {
      throw new ApiError(0, null); // timed out or cut off mid-body
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok) throw new ApiError(res.status, data, res.headers);
  return { data, status: res.status, headers: res.headers };
}

// api(method, path, body, opts) → the parsed JSON body (null when none).
// opts.timeout (ms): give up after that long, as a network error (ApiError
//   with status 0) — for pages used on weak mobile networks.
// opts.headers: more request headers (e.g. { 'If-Match': '"3"' }).
// opts.raw, opts.contentType: send raw as the body (a File, a string).
// opts.blob: answer a Blob (downloads).
// opts.full: answer { data, status, headers } instead of data alone.
// opts.quiet: a 401 does not call onSessionLost (sign-in's own requests).
export async function api(method, path, body, opts = {}) {
  let out;
  try {
    out = await once(method, path, body, opts);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    if (e.status === 403 && e.code === 'auth.csrf' && hooks.refreshCsrf && !opts.csrfRetried) {
      setCsrfToken(await hooks.refreshCsrf());
      return api(method, path, body, { ...opts, csrfRetried: true });
    }
    if (e.status === 401 && SESSION_GONE.has(e.code) && hooks.onSessionLost && !opts.quiet) {
      hooks.onSessionLost(e);
    }
    throw e;
  }
  return opts.full ? out : out.data;
}
