// session.js — the console's one small store: who is signed in (GET
// /api/v1/auth/me), what their role may do, and the form drafts kept in
// sessionStorage so that a session ending mid-work loses nothing typed.
//
// Permissions are the API's own list (me.permissions, e.g.
// "customers.write"); the menu and the buttons follow them, and the server
// still checks every request. Drafts belong to one user ("<tenant>/<login
// ID>"): another user signing in on the same tab never sees them, and
// signing out clears them.

export const session = {
  me: null,          // GET /api/v1/auth/me
  perms: new Set(),
  owner: '',         // "<tenant code>/<login ID>"
};

export function setMe(me) {
  session.me = me;
  session.perms = new Set(me?.permissions || []);
  session.owner = me ? `${me.tenant.code}/${me.user.login_id}` : '';
}

export function can(perm) {
  return !perm || session.perms.has(perm);
}

// Every one of perms (an array or one string).
export function canAll(perms) {
  return [perms].flat().filter(Boolean).every((p) => session.perms.has(p));
}

// Remember who signed in last on this browser (prefills the form).
export function lastSignIn() {
  try {
    return JSON.parse(localStorage.getItem('pl.console.signin') || '{}');
  } catch {
    return {};
  }
}

export function rememberSignIn(tenant, login) {
  localStorage.setItem('pl.console.signin', JSON.stringify({ tenant, login }));
}

// A hint only: "this browser had a session" — spares a 401 on first load
// when nobody is signed in. The cookie itself is HttpOnly.
export function hadSession() {
  return localStorage.getItem('pl.console.session') === '1';
}

export function markSession(on) {
  if (on) localStorage.setItem('pl.console.session', '1');
  else localStorage.removeItem('pl.console.session');
}

const PREFIX = 'pl.draft:';

function draftKey(key, owner = session.owner) {
  return `${PREFIX}${owner}:${key}`;
}

export const drafts = {
  save(key, value) {
    if (!session.owner) return;
    try {
      sessionStorage.setItem(draftKey(key), JSON.stringify({ at: Date.now(), value }));
    } catch { /* storage full or disabled: drafts are a convenience */ }
  },
  load(key) {
    try {
      return JSON.parse(sessionStorage.getItem(draftKey(key)) || 'null')?.value ?? null;
    } catch {
      return null;
    }
  },
  remove(key) {
    sessionStorage.removeItem(draftKey(key));
  },
  // Drop every draft, or those not belonging to owner.
  clear(exceptOwner = null) {
    const keep = exceptOwner ? `${PREFIX}${exceptOwner}:` : null;
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const k = sessionStorage.key(i);
      if (k?.startsWith(PREFIX) && !(keep && k.startsWith(keep))) sessionStorage.removeItem(k);
    }
  },
};
