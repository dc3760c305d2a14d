// The one API client: JSON in and out, problem+json errors turned into
// ApiError with the server's stable code and Japanese title.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem?.code || 'network';
    this.detail = problem?.detail || '';
    this.fieldErrors = problem?.errors || [];
    this.requestId = problem?.request_id || '';
  }
}

// The session's CSRF token (from the sign-in steps or GET /api/v1/auth/me),
// sent as X-CSRF-Token on every request other than GET and HEAD.
let csrfToken = '';

export function setCsrfToken(token) {
  csrfToken = typeof token === 'string' ? token : '';
}

// opts.timeout (ms): give up after that long, as a network error (ApiError
// with status 0) — for pages used on weak mobile networks.
export async function api(method, path, body, opts = {}) {
  const init = { method, headers: { Accept: 'application/json' },
                 credentials: 'same-origin' };
  if (csrfToken && method !== 'GET' && method !== 'HEAD') {
    init.headers['X-CSRF-Token'] = csrfToken;
  }
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
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
  try {
    const type = res.headers.get('Content-Type') || '';
    data = type.includes('json') ? await res.json() : null;
  } catch (e) {
    if (e?.name === 'AbortError' || e instanceof TypeError) {
      throw new ApiError(0, null); // timed out or cut off mid-body
    }
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
