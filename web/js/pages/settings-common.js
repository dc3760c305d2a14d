// settings-common.js — what the 設定 screens share: their list (the hub
// page and the tab strip at the top of each one show only those the
// signed-in user's permissions open), the page head, and small helpers
// for the "shown once" secrets (a new API token, a temporary password, a
// webhook's signing secret).
import { add, h } from '../lib/dom.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { busy, dialog, notify } from '../lib/ui.js';

// The settings screens, in menu order. perm: what the route needs (app.js
// has the same); everyone has their own password and second factor.
export const SECTIONS = [
  { path: '/settings/account', key: 'account' },
  { path: '/settings/users', key: 'users', perm: 'users.read' },
  { path: '/settings/company', key: 'company', perm: 'billing.read' },
  { path: '/settings/tokens', key: 'tokens', perm: 'users.read' },
  { path: '/settings/notifications', key: 'notify', perm: 'users.read' },
  { path: '/settings/support', key: 'support', perm: 'users.read' },
  { path: '/settings/audit', key: 'audit', perm: 'audit.read' },
];

export function visibleSections() {
  return SECTIONS.filter((s) => can(s.perm));
}

// The page head: the title, the settings tab strip (current one marked)
// and an optional intro line. Focus goes to the title.
export function head(el, ctx, key, intro = '') {
  ctx.title(t(`settings.${key}.title`));
  el.classList.add('settings-page');
  const tabs = h('nav', { class: 'settings-tabs', 'aria-label': t('settings.title') },
    h('a', { href: '#/settings', class: 'settings-home' }, t('settings.title')),
    visibleSections().map((s) => h('a', {
      href: `#${s.path}`, class: s.key === key ? 'active' : null,
      'aria-current': s.key === key ? 'page' : null,
    }, t(`settings.${s.key}.title`))));
  add(el, [tabs, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t(`settings.${key}.title`))),
            intro ? h('p', { class: 'hint page-intro' }, intro) : null]);
  el.querySelector('h1').focus();
}

// A secret the server gives once: shown in a dialog with a copy button and
// the warning that it will not be shown again. Resolves when closed.
export function showOnce({ title, intro, value, label }) {
  const out = h('input', { class: 'text secret-once', readonly: true, value, id: 'secret-once',
                           'aria-label': label, spellcheck: 'false' });
  const copied = h('span', { class: 'hint', role: 'status' });
  const copy = h('button', { type: 'button', id: 'secret-copy' }, t('settings.copy'));
  copy.addEventListener('click', async () => {
    out.select();
    try {
      await navigator.clipboard.writeText(value);
      copied.textContent = t('settings.copied');
    } catch {
      copied.textContent = t('settings.copyByHand');
    }
  });
  const d = dialog({
    title, wide: true,
    body: [h('p', {}, intro), h('div', { class: 'secret-row' }, out, copy), copied,
           h('p', { class: 'warn-line' }, t('settings.shownOnce'))],
    actions: [{ label: t('settings.savedSecret'), kind: 'primary' }],
    onOpen: () => out.select(),
  });
  return d.done;
}

// A chip for active / inactive things.
export function stateChip(active, onKey, offKey) {
  return h('span', { class: `chip ${active ? 'ok' : 'muted'}` }, t(active ? onKey : offKey));
}

// Run an action from a button with progress, report the result in the
// notice area; a refusal is reported there too (in the API's words).
export async function act(button, busyLabel, fn, okText) {
  try {
    const r = await busy(button, busyLabel, fn);
    if (r !== null && okText) notify('ok', typeof okText === 'function' ? okText(r) : okText);
    return r;
  } catch (e) {
    if (e?.status === undefined) throw e;
    notify('error', problemText(e));
    return null;
  }
}
