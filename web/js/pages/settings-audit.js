// settings-audit.js — 操作履歴（監査ログ）: the tenant's audit log, newest
// first (GET /api/v1/audit, 50 a page). Filters — who (actor: user:3,
// token:1:name, operator:2:bob), what (an action, or every action of a
// prefix ending in "." such as "user."), about what (target: user:4,
// token:2, a login ID) and a period of JST dates — are in the URL with
// the page cursor (#/settings/audit?action=user.&from=2026-11-01), so a
// search can be shared and the back button returns to it. "Next" goes by
// the API's next_before; the earlier cursors travel in the history entry.
//
// Dates are typed as Japan dates and sent as the UTC instants that bound
// them (from: 00:00 JST of the day; to: 00:00 JST of the day after).
// Actors user:<id> are shown with the user's name when the viewer may list
// users.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { has, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { loadInto, pager, table } from '../lib/ui.js';
import { head } from './settings-common.js';

const LIMIT = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const SUGGEST = ['auth.', 'auth.login', 'auth.login_failed', 'user.', 'user.create', 'user.role', 'token.',
                 'token.create', 'token.revoke', 'support.', 'approval.', 'settings.', 'customer.', 'billing_run.',
                 'debit_request.'];

// "2026-11-27" (JST) → the UTC instant its day starts, shifted by days.
function jstDayStart(date, days = 0) {
  const d = new Date(`${date}T00:00:00+09:00`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().replace('.000Z', 'Z');
}

function actionLabel(a) {
  return has(`audit.action.${a}`) ? t(`audit.action.${a}`) : '';
}

function detailText(d) {
  if (!d || typeof d !== 'object') return '';
  return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' / ');
}

function clean(query) {
  const text = (v, n) => (typeof v === 'string' ? v.trim().slice(0, n) : '');
  return {
    actor: text(query.actor, 120), action: text(query.action, 80), target: text(query.target, 200),
    from: DATE.test(query.from || '') ? query.from : '', to: DATE.test(query.to || '') ? query.to : '',
    before: /^\d{1,15}$/.test(query.before || '') ? query.before : '',
  };
}

function field(id, label, input) {
  return h('div', { class: 'field' }, h('label', { class: 'label', for: id }, label), input);
}

export function render(el, ctx) {
  head(el, ctx, 'audit', t('settings.audit.intro'));
  const q = clean(ctx.query);
  const trail = Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];
  const inp = (id, value, attrs = {}) => h('input', { id, class: 'text', value, ...attrs });
  const actor = inp('audit-actor', q.actor, { placeholder: 'user:3', maxlength: 120 });
  const action = inp('audit-action', q.action, { placeholder: 'user.', maxlength: 80, list: 'audit-actions' });
  const target = inp('audit-target', q.target, { placeholder: 'user:4', maxlength: 200 });
  const from = inp('audit-from', q.from, { type: 'date' });
  const to = inp('audit-to', q.to, { type: 'date' });
  const err = h('p', { class: 'field-error', role: 'alert', id: 'audit-error' });
  const filters = h('form', { class: 'audit-filters', role: 'search' },
    h('div', { class: 'fields' },
      field('audit-action', t('settings.audit.action'), action),
      field('audit-actor', t('settings.audit.actor'), actor),
      field('audit-target', t('settings.audit.target'), target),
      field('audit-from', t('settings.audit.from'), from),
      field('audit-to', t('settings.audit.to'), to)),
    h('datalist', { id: 'audit-actions' }, SUGGEST.map((a) => h('option', { value: a }, actionLabel(a) || null))),
    err,
    h('div', { class: 'actions left' }, h('button', { type: 'submit', class: 'primary' }, t('settings.audit.search')),
      h('a', { href: '#/settings/audit', class: 'button-link' }, t('settings.audit.clear'))));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    err.textContent = '';
    if (from.value && to.value && from.value > to.value) {
      err.textContent = t('settings.audit.badPeriod');
      to.setAttribute('aria-invalid', 'true');
      to.focus();
      return;
    }
    ctx.go('/settings/audit', { actor: actor.value.trim(), action: action.value.trim(), target: target.value.trim(),
                                from: from.value, to: to.value });
  });
  const list = h('div', { class: 'audit-results' });
  el.append(filters, list);

  const params = new URLSearchParams({ limit: String(LIMIT) });
  for (const k of ['actor', 'action', 'target', 'before']) if (q[k]) params.set(k, q[k]);
  if (q.from) params.set('from', jstDayStart(q.from));
  if (q.to) params.set('to', jstDayStart(q.to, 1));
  const load = async () => {
    const [page, users] = await Promise.all([
      api('GET', `/api/v1/audit?${params}`),
      can('users.read') ? api('GET', '/api/v1/users').then((r) => r.users).catch(() => []) : [],
    ]);
    return { page, names: new Map(users.map((u) => [`user:${u.id}`, `${u.display_name}（${u.login_id}）`])) };
  };
  loadInto(list, load, ({ page: r, names }) => {
    const go = (before, tr) => ctx.go('/settings/audit', { ...q, before }, { state: { trail: tr } });
    const filtered = q.actor || q.action || q.target || q.from || q.to;
    return [
      h('p', { class: 'result-count', role: 'status' }, r.entries.length
        ? t(filtered ? 'settings.audit.countFiltered' : 'settings.audit.count', { n: r.entries.length, page: trail.length + 1 })
        : ''),
      table({
        cls: 'audit-table',
        columns: [
          { label: t('settings.audit.at'), cell: (e) => formatDateTime(e.ts) },
          { label: t('settings.audit.action'), cell: (e) => h('span', { class: 'audit-action' },
            actionLabel(e.action) ? [h('span', {}, actionLabel(e.action)), ' '] : null, h('code', {}, e.action)) },
          { label: t('settings.audit.actor'), cell: (e) => names.get(e.actor) || e.actor, clip: true },
          { label: t('settings.audit.target'), cell: (e) => names.get(e.target) || e.target || '—', clip: true },
          { label: t('settings.audit.detail'), cell: (e) => detailText(e.detail), wrap: true },
          { label: 'IP', cell: (e) => e.ip || '—' },
        ],
        rows: r.entries, empty: t(filtered ? 'settings.audit.noneFound' : 'settings.audit.none'),
        rowAttrs: (e) => ({ dataset: { action: e.action, id: String(e.id) } }),
      }),
      (trail.length || r.next_before || q.before) ? pager({
        page: trail.length + 1, hasPrev: trail.length > 0, hasNext: !!r.next_before,
        onPrev: () => go(trail[trail.length - 1], trail.slice(0, -1)),
        onNext: () => go(r.next_before, [...trail, q.before]),
        onFirst: () => go('', []), showFirst: !!q.before && trail.length !== 1,
      }) : null,
    ];
  });
}
