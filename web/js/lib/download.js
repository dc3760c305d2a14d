// download.js — files from the API (exports) saved by the browser. The file
// is fetched first (so a refusal — no permission, a step-up needed — comes
// back as an ApiError the page can explain, not as a JSON file saved to
// disk), then handed to the browser under the server's file name.
import { api } from './api.js';
import { h } from './dom.js';

// The name in Content-Disposition: filename*=UTF-8''… first, else filename.
export function fileName(disposition) {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition || '');
  if (star) {
    try { return decodeURIComponent(star[1]); } catch { /* fall through */ }
  }
  const plain = /filename="?([^";]+)"?/i.exec(disposition || '');
  return plain ? plain[1] : '';
}

// GET path and save the answer; resolves with { name, headers, size }.
export async function download(path, fallbackName = 'download') {
  const r = await api('GET', path, undefined, { blob: true, full: true });
  const name = fileName(r.headers.get('Content-Disposition')) || fallbackName;
  const url = URL.createObjectURL(r.data);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return { name, headers: r.headers, size: r.data.size };
}
