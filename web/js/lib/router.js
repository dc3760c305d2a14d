// router.js — hash routes: #/customers/12/readings?page=2.
//
// Why hashes: the server (src/http/static.c) serves index.html only for
// "/", and any other path that is not a file is 404, so history-API paths
// would break on reload and on shared links. With hashes every screen is a
// link that can be shared and bookmarked, and back/forward work.
//
// A route is { path: '/customers/:id/:tab?', ... } (":x?" optional, last
// only). The query holds a list's filters and page, so they are in the URL.
// go() pushes a history entry; replace() rewrites the current one without
// rendering again (a search box that updates the URL as the user types).

let routes = [];
let onRoute = () => {};
let current = ''; // the hash last rendered (without '#')

function compile(path) {
  const names = [];
  let re = '';
  for (const seg of path.split('/').filter(Boolean)) {
    if (!seg.startsWith(':')) {
      re += `/${seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
    } else if (seg.endsWith('?')) {
      names.push(seg.slice(1, -1));
      re += '(?:/([^/]+))?';
    } else {
      names.push(seg.slice(1));
      re += '/([^/]+)';
    }
  }
  return { re: new RegExp(`^${re || '/'}$`), names };
}

// Parse "/customers/12?q=a" against the table.
export function match(hash) {
  const [path, qs = ''] = hash.split('?');
  const query = Object.fromEntries(new URLSearchParams(qs));
  for (const r of routes) {
    const m = r.compiled.re.exec(path || '/');
    if (!m) continue;
    const params = {};
    r.compiled.names.forEach((n, i) => {
      if (m[i + 1] !== undefined && m[i + 1] !== '') params[n] = decodeURIComponent(m[i + 1]);
    });
    return { route: r, params, query, path: path || '/', hash };
  }
  return { route: null, params: {}, query, path: path || '/', hash };
}

// "/customers" + { q: 'a', page: '' } → "/customers?q=a" (empty values left out).
export function href(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const qs = q.toString();
  return qs ? `${path}?${qs}` : path;
}

export function currentHash() {
  return location.hash.replace(/^#/, '') || '/';
}

function render(state) {
  current = currentHash();
  onRoute(match(current), state);
}

// Navigate to path with query; state travels with the history entry.
export function go(path, query = {}, { state = null, replace: rep = false } = {}) {
  const target = href(path, query);
  const url = `#${target}`;
  if (rep) history.replaceState(state, '', url);
  else history.pushState(state, '', url);
  render(state);
}

// Rewrite the current entry's query (and state) without rendering again.
export function replace(path, query = {}, state = history.state) {
  const target = href(path, query);
  history.replaceState(state, '', `#${target}`);
  current = currentHash();
}

// Render the current route again (after sign-in, a language switch).
export function reload() {
  render(history.state);
}

export function start(table, handler) {
  routes = table.map((r) => ({ ...r, compiled: compile(r.path) }));
  onRoute = handler;
  window.addEventListener('hashchange', () => {
    if (currentHash() !== current) render(history.state);
  });
}
