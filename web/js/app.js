// app.js — the console's entry point: sign-in, the shell, the routes.
//
// Start-up: GET /api/v1/auth/me tells whether this browser has a session
// (asked only when it had one, so a first visit makes no failing request);
// without one, the sign-in shows. Once signed in, the current hash route
// is rendered into the shell.
//
// Session lost: when any request of a page answers 401 (idle timeout,
// revoked, signed out elsewhere), the sign-in shows in place of the shell
// and the URL stays as it was. Forms keep what was typed in
// sessionStorage as it is typed (lib/forms.js), so after signing in again
// the same screen is rendered and its form comes back filled in. Another
// user signing in on that tab gets the screen fresh, without the drafts.
//
// Pages are modules under pages/ exporting render(el, ctx) (optionally
// returning a cleanup function). A route names the permissions it needs;
// without them the page is not loaded and a refusal is shown instead.
import { api, setCsrfToken, setSessionHooks } from './lib/api.js';
import { fill, h } from './lib/dom.js';
import { problemText, setLang, lang, t } from './lib/i18n.js';
import { installErrorReporting } from './lib/report.js';
import * as router from './lib/router.js';
import { canAll, drafts, hadSession, markSession, session, setMe } from './lib/session.js';
import { loadError, loading, nextPage, notify } from './lib/ui.js';
import { renderNav, renderShell, stopShell } from './shell.js';
import { signIn } from './pages/signin.js';

const ROUTES = [
  { path: '/', load: () => import('./pages/home.js') },
  { path: '/customers', perm: 'customers.read', load: () => import('./pages/customers.js') },
  { path: '/customers/new', perm: 'customers.write', load: () => import('./pages/customer-edit.js') },
  { path: '/customers/import', perm: 'customers.write', load: () => import('./pages/customer-import.js') },
  { path: '/customers/:id/edit', perm: 'customers.write', load: () => import('./pages/customer-edit.js') },
  { path: '/customers/:id/move-in', perm: 'customers.write', load: () => import('./pages/move.js') },
  { path: '/customers/:id/:tab?', perm: 'customers.read', load: () => import('./pages/customer.js') },
  { path: '/supply-points/:id/move', perm: 'customers.write', load: () => import('./pages/move.js') },
  // 検針 meter reading
  { path: '/readings', perm: 'readings.read', load: () => import('./pages/reading-routes.js') },
  { path: '/readings/review', perm: 'readings.manage', load: () => import('./pages/reading-review.js') },
  { path: '/readings/routes/:route', perm: 'readings.read', load: () => import('./pages/reading-entry.js') },
  // 料金・請求 billing
  { path: '/billing/runs', perm: 'billing.read', load: () => import('./pages/billing-runs.js') },
  { path: '/billing/runs/new', perm: 'billing.write', load: () => import('./pages/billing-run-new.js') },
  { path: '/billing/invoices', perm: 'billing.read', load: () => import('./pages/invoice-list.js') },
  { path: '/billing/invoices/:id', perm: 'billing.read', load: () => import('./pages/invoice-page.js') },
  { path: '/billing/tariffs', perm: 'billing.read', load: () => import('./pages/tariff-list.js') },
  { path: '/billing/tariffs/:id', perm: 'billing.read', load: () => import('./pages/tariff-page.js') },
  { path: '/billing/cost-adjustments', perm: 'billing.read', load: () => import('./pages/cost-adjustments.js') },
  // 入金 payments
  { path: '/payments', perm: 'payments.read', load: () => import('./pages/payments-home.js') },
  { path: '/payments/debits', perm: 'payments.read', load: () => import('./pages/debit-requests.js') },
  { path: '/payments/debits/new', perm: 'payments.write', load: () => import('./pages/debit-new.js') },
  { path: '/payments/debits/:id', perm: 'payments.read', load: () => import('./pages/debit-request.js') },
  { path: '/payments/followups', perm: 'payments.read', load: () => import('./pages/payments-followups.js') },
  { path: '/payments/transfers', perm: 'payments.read', load: () => import('./pages/payments-transfers.js') },
  { path: '/payments/cash', perm: ['payments.read', 'payments.write'], load: () => import('./pages/payments-cash.js') },
  { path: '/payments/ageing', perm: 'payments.read', load: () => import('./pages/payments-ageing.js') },
  { path: '/payments/overdue', perm: 'payments.read', load: () => import('./pages/overdue.js') },
  { path: '/payments/overdue/:id', perm: 'payments.read', load: () => import('./pages/payments-dunning.js') },
  { path: '/payments/imports', perm: 'payments.write', load: () => import('./pages/payments-imports.js') },
  // 監視 monitoring
  { path: '/alarms', perm: 'alarms.read', load: () => import('./pages/alarms.js') },
  { path: '/alarms/:id', perm: 'alarms.read', load: () => import('./pages/alarms-detail.js') },
  { path: '/repairs', perm: 'alarms.read', load: () => import('./pages/repairs.js') },
  { path: '/devices', perm: 'devices.read', load: () => import('./pages/devices.js') },
  { path: '/remote-ops', perm: 'devices.read', load: () => import('./pages/remote-ops.js') },
  { path: '/alarm-settings', perm: 'alarms.read', load: () => import('./pages/alarm-settings.js') },
  // 設定 settings
  { path: '/settings', load: () => import('./pages/settings.js') },
  { path: '/settings/account', load: () => import('./pages/settings-account.js') },
  { path: '/settings/users', perm: 'users.read', load: () => import('./pages/settings-users.js') },
  { path: '/settings/company', perm: 'billing.read', load: () => import('./pages/settings-company.js') },
  { path: '/settings/tokens', perm: 'users.read', load: () => import('./pages/settings-tokens.js') },
  { path: '/settings/notifications', perm: 'users.read', load: () => import('./pages/settings-notify.js') },
  { path: '/settings/support', perm: 'users.read', load: () => import('./pages/settings-support.js') },
  { path: '/settings/audit', perm: 'audit.read', load: () => import('./pages/settings-audit.js') },
  { path: '/preferences', load: () => import('./pages/preferences.js') },
];

const root = {
  boot: document.getElementById('boot'),
  signin: document.getElementById('signin'),
  shell: document.getElementById('shell'),
};
const state = { signingIn: false, main: null, cleanup: null, seq: 0, lastOwner: '', view: null };

function show(which) {
  root.boot.hidden = true;
  root.signin.hidden = which !== 'signin';
  root.shell.hidden = which !== 'shell';
}

function context(m, seq) {
  return {
    params: m.params, query: m.query, path: m.path, state: history.state,
    go: router.go, replace: router.replace, href: router.href,
    reload() { state.view = null; router.reload(); }, // render afresh, data too
    alive: () => seq === state.seq,
    title(text) { document.title = `${text} — pilotlight`; },
  };
}

async function renderRoute(m) {
  // The same page with other parameters (another tab of the same customer):
  // a page exporting update(ctx) may take it in place; true = done.
  const cur = state.view;
  if (cur && cur.route === m.route && cur.mod.update && canAll(m.route.perm)) {
    const ctx = context(m, state.seq);
    if (cur.mod.update(ctx)) {
      renderNav(m.path);
      return;
    }
  }
  const seq = ++state.seq;
  state.view = null;
  nextPage();
  try { state.cleanup?.(); } catch { /* a page's cleanup never blocks the next */ }
  state.cleanup = null;
  renderNav(m.path);
  const page = h('div', { class: 'page' });
  fill(state.main, page);
  if (!m.route) {
    document.title = `${t('page.notFound')} — pilotlight`;
    page.append(h('h1', { tabindex: '-1' }, t('page.notFound')), h('p', {}, t('page.notFoundText')),
                h('p', {}, h('a', { href: '#/' }, t('nav.home'))));
    page.querySelector('h1').focus();
    return;
  }
  if (!canAll(m.route.perm)) {
    document.title = `${t('page.forbidden')} — pilotlight`;
    page.append(h('h1', { tabindex: '-1' }, t('page.forbidden')), h('p', {}, t('page.forbiddenText')),
                h('p', {}, h('a', { href: '#/' }, t('nav.home'))));
    page.querySelector('h1').focus();
    return;
  }
  page.append(loading());
  let mod;
  try {
    mod = await m.route.load();
  } catch (e) {
    if (seq === state.seq) fill(page, loadError({ status: 0 }, () => router.reload()));
    throw e;
  }
  if (seq !== state.seq) return;
  fill(page);
  // the page may take the next change of parameters (update) while it is
  // still loading: a user does not wait for a tab to load to press →
  state.view = { route: m.route, mod };
  const cleanup = await mod.render(page, context(m, seq));
  if (seq === state.seq) state.cleanup = typeof cleanup === 'function' ? cleanup : null;
  else if (typeof cleanup === 'function') cleanup();
}

function onRoute(m) {
  if (!session.me || state.signingIn) return; // the sign-in is showing
  renderRoute(m);
}

async function signedIn(me) {
  state.signingIn = false;
  const sameUser = state.lastOwner && state.lastOwner === `${me.tenant.code}/${me.user.login_id}`;
  setMe(me);
  setCsrfToken(me.csrf);
  markSession(true);
  drafts.clear(session.owner); // another user's drafts never show
  state.lastOwner = session.owner;
  show('shell');
  fill(root.signin); // one #lang, one #main in the document
  state.view = null;
  state.main = renderShell(root.shell, { signOut, relabel });
  if (sameUser) notify('ok', t('session.resumed'), { key: 'session' });
  router.reload();
}

function showSignIn(notice = '', kind = 'info') {
  state.signingIn = true;
  try { state.cleanup?.(); } catch { /* ignore */ }
  state.cleanup = null;
  state.view = null;
  stopShell();
  fill(root.shell); // what was on screen goes; drafts keep what was typed
  show('signin');
  document.title = `${t('signin.title')} — pilotlight`;
  signIn(root.signin, { notice, noticeKind: kind, onLang: () => showSignIn(notice, kind) })
    .then(signedIn);
}

function sessionLost() {
  if (state.signingIn) return;
  markSession(false);
  showSignIn(t('session.expired'), 'warn');
}

async function signOut() {
  const btn = document.getElementById('signout');
  if (btn) { btn.disabled = true; btn.textContent = t('nav.signingOut'); }
  try {
    await api('POST', '/api/v1/auth/logout', {}, { quiet: true });
  } catch (e) {
    if (e.status !== 401) { // already gone is fine
      notify('error', problemText(e));
      if (btn) { btn.disabled = false; btn.textContent = t('nav.signOut'); }
      return;
    }
  }
  drafts.clear();
  markSession(false);
  setMe(null);
  state.lastOwner = '';
  showSignIn(t('signin.signedOut'), 'ok');
}

// The language changed: every label is rebuilt.
function relabel() {
  document.documentElement.lang = lang();
  state.view = null;
  state.main = renderShell(root.shell, { signOut, relabel });
  router.reload();
}

async function boot() {
  installErrorReporting();
  setLang(lang());
  setSessionHooks({
    onSessionLost: sessionLost,
    refreshCsrf: async () => (await api('GET', '/api/v1/auth/me')).csrf,
  });
  router.start(ROUTES, onRoute);
  if (hadSession()) {
    try {
      const me = await api('GET', '/api/v1/auth/me', undefined, { quiet: true });
      signedIn(me);
      return;
    } catch (e) {
      markSession(false);
      if (e.status !== 401) {
        showSignIn(problemText(e), 'error');
        return;
      }
      showSignIn(t('session.expired'), 'warn');
      return;
    }
  }
  showSignIn();
}

boot();
