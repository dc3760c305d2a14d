// Report script errors to the server log (POST /api/v1/client-errors) so
// operators see a broken console before the retailer has to phone in.
// At most a few reports per page load; reporting never throws.

let sent = 0;
const MAX_REPORTS = 5;

// At most n characters (code points, as the server counts them), with CR LF
// and lone CR turned into LF and other control characters into spaces.
function clip(s, n) {
  if (typeof s !== 'string') return undefined;
  const clean = s.replace(/\r\n?/g, '\n').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, ' ');
  return Array.from(clean).slice(0, n).join('');
}

export function reportError(message, source, line, column, stack) {
  if (sent >= MAX_REPORTS) return;
  sent += 1;
  const body = {
    message: clip(String(message || 'unknown error'), 1000),
    page: clip(location.pathname + location.hash, 500),
    source: clip(source, 500),
    line: Number.isInteger(line) && line >= 0 ? line : undefined,
    column: Number.isInteger(column) && column >= 0 ? column : undefined,
    stack: clip(stack, 8000),
  };
  fetch('/api/v1/client-errors', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
  }).catch(() => {});
}

export function installErrorReporting() {
  window.addEventListener('error', (e) => {
    reportError(e.message, e.filename, e.lineno, e.colno, e.error?.stack);
  });
  window.addEventListener('unhandledrejection', (e) => {
    const r = e.reason;
    reportError(r?.message || String(r), undefined, undefined, undefined,
                r?.stack);
  });
}
