// shell.js — what stays on screen while the pages change: the top bar
// (tenant, user, language, sign-out), the left menu, the notice area, and
// the session clock.
//
// The menu is one table (NAV). An entry shows only when the signed-in
// user's permissions (GET /api/v1/auth/me → permissions) include its perm:
// a meter reader (role reader) holds no billing.read or payments.read, so
// 請求 and 入金 never appear for them; the pages check the same table
// (app.js) and the server checks every request anyway. Later screens add
// their entry here.
import { clip, fill, h } from './lib/dom.js';
import { formatDateTime } from './lib/format.js';
import { lang, setLang, t } from './lib/i18n.js';
import { can, session } from './lib/session.js';
import { clearNotices, notify, setNoticeArea } from './lib/ui.js';

export const NAV = [
  { section: 'nav.sectionWork' },
  { path: '/', label: 'nav.home', match: /^\/$/ },
  { path: '/customers', label: 'nav.customers', perm: 'customers.read',
    match: /^\/(customers|supply-points)(\/|$)/ },
  // 検針 meter reading
  { path: '/readings', label: 'nav.readings', perm: 'readings.read', match: /^\/readings(\/routes(\/|$)|\/?$)/ },
  { path: '/readings/review', label: 'nav.readingReview', perm: 'readings.manage', match: /^\/readings\/review(\/|$)/ },
  { path: '/billing/runs', label: 'nav.billingRuns', perm: 'billing.read', match: /^\/billing\/runs(\/|$)/ },
  { path: '/billing/invoices', label: 'nav.invoices', perm: 'billing.read', match: /^\/billing\/invoices(\/|$)/ },
  { path: '/billing/tariffs', label: 'nav.tariffs', perm: 'billing.read', match: /^\/billing\/tariffs(\/|$)/ },
  { path: '/billing/cost-adjustments', label: 'nav.costAdjustments', perm: 'billing.read',
    match: /^\/billing\/cost-adjustments(\/|$)/ },
  { path: '/payments', label: 'nav.payments', perm: 'payments.read', match: /^\/payments(\/|$)/ },
  // 監視 monitoring
  { path: '/alarms', label: 'nav.monitoring', perm: 'alarms.read',
    match: /^\/(alarms|repairs|devices|remote-ops|alarm-settings)(\/|$)/ },
  { section: 'nav.sectionTools' },
  // 設定 settings (everyone: their own password and second factor; the
  // settings page lists the screens the role opens)
  { path: '/settings', label: 'nav.settings', match: /^\/settings(\/|$)/ },
  // The meter reader's phone page (web/field), a page of its own.
  { url: '/field/', label: 'nav.field', perm: 'readings.write' },
  { path: '/preferences', label: 'nav.preferences', match: /^\/preferences(\/|$)/ },
];

// The entries the signed-in user may see, sections without entries dropped.
export function visibleNav() {
  const out = [];
  let section = null;
  for (const e of NAV) {
    if (e.section) { section = e; continue; }
    if (!can(e.perm)) continue;
    if (section) { out.push(section); section = null; }
    out.push(e);
  }
  return out;
}

let els = null;
let clock = 0;

// Build the shell inside root; actions: { signOut(), relabel() }.
export function renderShell(root, actions) {
  const me = session.me;
  const nav = h('nav', { class: 'sidenav', id: 'nav', 'aria-label': t('nav.label') });
  const notices = h('div', { class: 'notices', id: 'notices', 'aria-live': 'polite' });
  const main = h('main', { class: 'main', id: 'main', tabindex: '-1' });
  const skip = h('button', { type: 'button', class: 'skip', onclick: () => main.focus() }, t('nav.skip'));
  const langBtn = h('button', { type: 'button', class: 'lang', id: 'lang' }, t('common.switchLang'));
  langBtn.addEventListener('click', () => { setLang(lang() === 'ja' ? 'en' : 'ja'); actions.relabel(); });
  const out = h('button', { type: 'button', class: 'signout', id: 'signout', onclick: actions.signOut },
                t('nav.signOut'));
  const top = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, 'pilotlight'),
    clip(me.tenant.name, 'span', 'tenant'),
    h('span', { class: 'spacer' }),
    h('a', { class: 'who', href: '#/preferences', title: `${me.user.display_name}（${me.user.login_id}）` },
      clip(me.user.display_name, 'span', 'who-name'),
      h('span', { class: 'role' }, me.user.role_label || me.user.role)),
    langBtn, out);
  fill(root, skip, top, h('div', { class: 'body' }, nav, h('div', { class: 'content' }, notices, main)));
  setNoticeArea(notices);
  els = { nav, main };
  renderNav();
  startClock();
  return main;
}

// Mark the entry of the current path.
export function renderNav(path = els?.currentPath || '/') {
  if (!els) return;
  els.currentPath = path;
  fill(els.nav, h('ul', {}, visibleNav().map((e) => {
    if (e.section) return h('li', { class: 'nav-section', role: 'presentation' }, t(e.section));
    const active = e.match?.test(path);
    return h('li', {}, h('a', {
      href: e.url || `#${e.path}`, class: active ? 'active' : null,
      'aria-current': active ? 'page' : null, dataset: { nav: e.path || e.url },
    }, t(e.label)));
  })));
}

// Warn before the session's absolute end (idle time may end it sooner; a
// 401 then brings sign-in back, with drafts kept).
function startClock() {
  clearInterval(clock);
  const check = () => {
    const end = (session.me?.session_expires_at || 0) * 1000;
    const left = end - Date.now();
    if (end && left > 0 && left < 5 * 60 * 1000) {
      notify('warn', t('session.endsSoon', { at: formatDateTime(new Date(end).toISOString()) }),
             { key: 'session-clock' });
      clearInterval(clock);
    }
  };
  check();
  clock = setInterval(check, 30000);
}

export function stopShell() {
  clearInterval(clock);
  clearNotices();
  els = null;
}
