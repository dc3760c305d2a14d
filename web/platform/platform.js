// platform.js — the platform console (/platform/): pilotlight's own
// operators, not a retailer's staff. A sign-in of its own (the operator
// realm, /api/v1/operator/*: login ID and password, then the one-time code
// or a recovery code; first-time enrolment with the QR code and recovery
// codes — the console's sign-in form, pages/signin.js, in its operator
// mode), then three screens (hash routes, like the console):
//
//   #/tenants   事業者: the tenant registry (GET /api/v1/operator/tenants),
//               filtered by code or name, 20 a page, both in the URL
//   #/status    稼働状況: the status page's snapshot (GET …/operator/status):
//               components and their heartbeats, incident notices, a
//               restore in progress
//   #/backup    バックアップ: the shipper's last pass (GET …/operator/backup):
//               state, age, stores, lag behind the vaults, per vault
//
// Operators see no tenant data here: that needs a support grant from the
// tenant's admin (the console's 設定 → サポートの受け入れ). Tenants are
// created and notices posted on the server with the CLI (`pilotlight
// tenant create`, `pilotlight status post`); the screens say so.
// A 401 on any request (the session ended) brings the sign-in back.
import { api, setCsrfToken, setSessionHooks } from '../js/lib/api.js';
import { fill, h } from '../js/lib/dom.js';
import { lang, problemText, setLang, t } from '../js/lib/i18n.js';
import { installErrorReporting } from '../js/lib/report.js';
import * as router from '../js/lib/router.js';
import { clearNotices, nextPage, notify, setNoticeArea } from '../js/lib/ui.js';
import { signIn } from '../js/pages/signin.js';
import { VIEWS } from './views.js';

const root = {
  boot: document.getElementById('boot'),
  signin: document.getElementById('signin'),
  shell: document.getElementById('shell'),
};
const HINT = 'pl.platform.session'; // "this browser had a session" (the cookie is HttpOnly)
const state = { me: null, main: null, nav: null, signingIn: false, seq: 0 };

const ROUTES = VIEWS.map((v) => ({ path: v.path, view: v }));

function show(which) {
  root.boot.hidden = true;
  root.signin.hidden = which !== 'signin';
  root.shell.hidden = which !== 'shell';
}

function renderNav(path) {
  fill(state.nav, h('ul', {}, VIEWS.map((v) => {
    const active = path === v.path;
    return h('li', {}, h('a', { href: `#${v.path}`, class: active ? 'active' : null,
                                'aria-current': active ? 'page' : null }, t(v.label)));
  })));
}

async function renderRoute(m) {
  if (!state.me || state.signingIn) return;
  if (!m.route) {
    router.go('/tenants', {}, { replace: true });
    return;
  }
  const seq = ++state.seq;
  nextPage();
  renderNav(m.path);
  const page = h('div', { class: 'page' });
  const ctx = {
    query: m.query, state: history.state, go: router.go, reload: () => router.reload(),
    alive: () => seq === state.seq,
    title(text) { document.title = `${text} — pilotlight platform`; },
  };
  fill(state.main, page);
  await m.route.view.render(page, ctx);
}

function renderShell() {
  const me = state.me.operator;
  const nav = h('nav', { class: 'sidenav', id: 'nav', 'aria-label': t('nav.label') });
  const notices = h('div', { class: 'notices', id: 'notices', 'aria-live': 'polite' });
  const main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
  const langBtn = h('button', { type: 'button', class: 'lang', id: 'lang' }, t('common.switchLang'));
  langBtn.addEventListener('click', () => {
    setLang(lang() === 'ja' ? 'en' : 'ja');
    renderShell();
    router.reload();
  });
  const out = h('button', { type: 'button', class: 'signout', id: 'signout', onclick: signOut }, t('nav.signOut'));
  fill(root.shell,
    h('button', { type: 'button', class: 'skip', onclick: () => main.focus() }, t('nav.skip')),
    h('header', { class: 'topbar platform-top' },
      h('a', { class: 'brand', href: '#/tenants' }, 'pilotlight'),
      h('span', { class: 'tenant platform-badge' }, t('platform.title')),
      h('span', { class: 'spacer' }),
      h('span', { class: 'who', title: me.login_id },
        h('span', { class: 'clip who-name' }, me.display_name),
        h('span', { class: 'role' }, t('platform.operator'))),
      langBtn, out),
    h('div', { class: 'body' }, nav, h('div', { class: 'content' }, notices, main)));
  setNoticeArea(notices);
  state.nav = nav;
  state.main = main;
}

function signedIn(me) {
  state.signingIn = false;
  state.me = me;
  setCsrfToken(me.csrf);
  localStorage.setItem(HINT, '1');
  show('shell');
  fill(root.signin);
  renderShell();
  router.reload();
}

function showSignIn(notice = '', kind = 'info') {
  state.signingIn = true;
  state.me = null;
  clearNotices();
  fill(root.shell);
  show('signin');
  document.title = `${t('platform.signinTitle')} — pilotlight`;
  signIn(root.signin, { operator: true, notice, noticeKind: kind, onLang: () => showSignIn(notice, kind) })
    .then(signedIn);
}

async function signOut() {
  const btn = document.getElementById('signout');
  if (btn) { btn.disabled = true; btn.textContent = t('nav.signingOut'); }
  try {
    await api('POST', '/api/v1/operator/logout', {}, { quiet: true });
  } catch (e) {
    if (e.status !== 401) {
      notify('error', problemText(e));
      if (btn) { btn.disabled = false; btn.textContent = t('nav.signOut'); }
      return;
    }
  }
  localStorage.removeItem(HINT);
  showSignIn(t('signin.signedOut'), 'ok');
}

async function boot() {
  installErrorReporting();
  setLang(lang());
  setSessionHooks({
    onSessionLost: () => {
      if (state.signingIn) return;
      localStorage.removeItem(HINT);
      showSignIn(t('session.expired'), 'warn');
    },
    refreshCsrf: async () => (await api('GET', '/api/v1/operator/me')).csrf,
  });
  router.start(ROUTES, renderRoute);
  if (localStorage.getItem(HINT) === '1') {
    try {
      signedIn(await api('GET', '/api/v1/operator/me', undefined, { quiet: true }));
      return;
    } catch (e) {
      localStorage.removeItem(HINT);
      showSignIn(e.status === 401 ? t('session.expired') : problemText(e), e.status === 401 ? 'warn' : 'error');
      return;
    }
  }
  showSignIn();
}

boot();
