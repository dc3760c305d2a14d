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

export async function api(method, path, body) {
  const init = { method, headers: { Accept: 'application/json' },
                 credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, null);
  }
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json() : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}
