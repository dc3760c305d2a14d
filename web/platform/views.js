// views.js — the platform console's screens (platform.js routes them):
// tenants, status (components, notices, a restore), backup shipping.
// Each is render(el, ctx) like the console's pages; what the API answers
// is set as text, never as markup.
import { api } from '../js/lib/api.js';
import { add, h } from '../js/lib/dom.js';
import { formatCount, formatDateTime } from '../js/lib/format.js';
import { has, t } from '../js/lib/i18n.js';
import { facts, loadInto, pagedRows, table } from '../js/lib/ui.js';

function pageHead(el, ctx, key, intro) {
  ctx.title(t(key));
  add(el, [h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t(key))),
            intro ? h('p', { class: 'hint page-intro' }, intro) : null]);
  el.querySelector('h1').focus();
}

// A state word with its colour: ok, warn or bad.
function chip(kind, text) {
  return h('span', { class: `chip ${kind}` }, text);
}

const STATE_KIND = { ok: 'ok', degraded: 'warn', stale: 'bad', stopped: 'warn', unknown: 'warn',
                     outage: 'bad', running: 'warn', stalled: 'bad', finished: 'ok',
                     finished_with_errors: 'bad', unreadable: 'bad' };

function stateChip(s) {
  return chip(STATE_KIND[s] || 'warn', has(`platform.state.${s}`) ? t(`platform.state.${s}`) : s);
}

function ago(s) {
  if (s === null || s === undefined) return '';
  if (s < 60) return t('platform.agoSeconds', { n: s });
  if (s < 3600) return t('platform.agoMinutes', { n: Math.floor(s / 60) });
  if (s < 86400) return t('platform.agoHours', { n: Math.floor(s / 3600) });
  return t('platform.agoDays', { n: Math.floor(s / 86400) });
}

// ------------------------------------------------------------- tenants

function tenants(el, ctx) {
  pageHead(el, ctx, 'platform.tenants', t('platform.tenantsIntro'));
  const q = (ctx.query.q || '').slice(0, 100);
  const box = h('input', { id: 'tenant-q', type: 'search', class: 'text', value: q, maxlength: 100 });
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'tenant-q' }, t('platform.tenantSearch')), box,
    h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/tenants', { q: box.value.trim() });
  });
  const list = h('div', {});
  el.append(filters, list);
  loadInto(list, () => api('GET', '/api/v1/operator/tenants'), (r) => {
    const needle = q.toLowerCase();
    const rows = r.tenants.filter((x) => !needle || x.code.toLowerCase().includes(needle) || x.name.toLowerCase().includes(needle));
    const { slice, nav } = pagedRows(rows, ctx.query.page, 20, (p) => ctx.go('/tenants', { q, page: p > 1 ? p : '' }));
    return [
      h('p', { class: 'result-count', role: 'status', id: 'tenant-count' },
        t(q ? 'platform.tenantsFound' : 'platform.tenantsAll', { n: formatCount(rows.length), all: formatCount(r.count) })),
      table({
        cls: 'tenants-table',
        columns: [
          { label: t('platform.code'), cell: (x) => h('code', {}, x.code) },
          { label: t('platform.name'), cell: (x) => x.name, clip: true, cls: 'name-col' },
          { label: t('platform.prefecture'), cell: (x) => x.prefecture || '—' },
          { label: t('platform.tenantState'), cell: (x) => chip(x.status === 'active' ? 'ok' : 'warn',
            t(`platform.tenant.${x.status}`)) },
          { label: t('platform.createdAt'), cell: (x) => formatDateTime(x.created_at) },
        ],
        rows: slice, empty: t(q ? 'platform.tenantsNoneFound' : 'platform.tenantsNone'),
        rowAttrs: (x) => ({ dataset: { code: x.code } }),
      }),
      nav,
      h('p', { class: 'hint' }, t('platform.tenantCreateHint'), ' ', h('code', {}, 'pilotlight tenant create')),
    ];
  });
}

// -------------------------------------------------------------- status

function notices(list) {
  if (!list.length) return h('p', { class: 'empty' }, t('platform.noticesNone'));
  return h('ul', { class: 'status-notices' }, list.map((n) => h('li', { class: `status-notice level-${n.level}` },
    h('div', { class: 'status-notice-head' },
      chip(n.level === 'outage' ? 'bad' : n.level === 'warning' ? 'warn' : 'ok', t(`platform.level.${n.level}`)),
      h('strong', { class: 'wrap' }, n.title),
      n.resolved_at ? chip('ok', t('platform.resolved')) : chip('warn', t('platform.open'))),
    n.body ? h('p', { class: 'pre' }, n.body) : null,
    h('p', { class: 'hint' }, t('platform.postedAt', { at: formatDateTime(n.posted_at) }),
      n.resolved_at ? ` · ${t('platform.resolvedAt', { at: formatDateTime(n.resolved_at) })}` : '',
      n.resolution ? ` · ${n.resolution}` : ''))));
}

function restoreView(r) {
  if (!r) return null;
  return h('section', { class: 'card' }, h('h2', {}, t('platform.restore')),
    facts([
      [t('platform.state'), stateChip(r.state)],
      [t('platform.progress'), r.percent === null || r.percent === undefined ? '—' : `${r.percent}%`],
      [t('platform.phase'), r.phase || '—'],
      [t('platform.stores'), r.stores_total ? `${r.stores_done ?? 0} / ${r.stores_total}` : '—'],
      [t('platform.updatedAt'), formatDateTime(r.updated_at)],
    ]));
}

function status(el, ctx) {
  pageHead(el, ctx, 'platform.status', t('platform.statusIntro'));
  const body = h('div', {});
  const again = h('button', { type: 'button', id: 'status-refresh' }, t('platform.refresh'));
  again.addEventListener('click', () => ctx.reload());
  el.querySelector('.page-head').append(h('div', { class: 'page-actions' }, again));
  el.append(body);
  loadInto(body, () => api('GET', '/api/v1/operator/status'), (s) => [
    h('p', { class: 'big-figure', id: 'status-overall' }, t('platform.overall'), ' ', stateChip(s.overall),
      h('span', { class: 'hint' }, ` ${t('platform.asOf', { at: formatDateTime(s.generated_at) })}`)),
    h('section', { class: 'card' }, h('h2', {}, t('platform.components')), table({
      columns: [
        { label: t('platform.component'), cell: (c) => h('code', {}, c.component) },
        { label: t('platform.state'), cell: (c) => stateChip(c.state) },
        { label: t('platform.lastSeen'), cell: (c) => (c.last_seen ? `${formatDateTime(c.last_seen)}（${ago(c.age_s)}）` : '—') },
        { label: t('platform.version'), cell: (c) => c.version || '—', clip: true },
        { label: t('platform.detail'), wrap: true, cell: (c) => Object.entries(c.detail || {})
          .map(([k, v]) => `${k}: ${v}`).join(' / ') || '—' },
      ],
      rows: s.components || [], empty: t('platform.componentsNone'),
    })),
    restoreView(s.restore),
    h('section', { class: 'card', id: 'status-notices' }, h('h2', {}, t('platform.notices')), notices(s.notices || []),
      h('p', { class: 'hint' }, t('platform.noticeHint'), ' ', h('code', {}, 'pilotlight status post'))),
  ]);
}

// -------------------------------------------------------------- backup

function backup(el, ctx) {
  pageHead(el, ctx, 'platform.backup', t('platform.backupIntro'));
  const body = h('div', {});
  const again = h('button', { type: 'button', id: 'backup-refresh' }, t('platform.refresh'));
  again.addEventListener('click', () => ctx.reload());
  el.querySelector('.page-head').append(h('div', { class: 'page-actions' }, again));
  el.append(body);
  loadInto(body, () => api('GET', '/api/v1/operator/backup'), ({ ship }) => {
    if (!ship) {
      return h('section', { class: 'card', id: 'backup-state' },
        h('p', { class: 'warn-line' }, t('platform.shipNone')), h('p', { class: 'hint' }, t('platform.shipNoneHint')));
    }
    if (ship.state === 'unreadable') {
      return h('section', { class: 'card', id: 'backup-state' }, h('p', { class: 'msg error' }, t('platform.shipUnreadable')));
    }
    // a pass every few seconds: older than 10 minutes means the shipper stopped
    const late = ship.age_s > 600;
    return [
      h('section', { class: 'card', id: 'backup-state' }, h('h2', {}, t('platform.lastPass')),
        late ? h('p', { class: 'warn-line' }, t('platform.shipLate', { ago: ago(ship.age_s) })) : null,
        facts([
          [t('platform.state'), stateChip(ship.state)],
          [t('platform.passAt'), `${formatDateTime(ship.time)}（${ago(ship.age_s)}）`],
          [t('platform.stores'), t('platform.storesShipped', { n: ship.stores, failed: ship.failed })],
          [t('platform.lag'), t('platform.lagValue', { records: formatCount(ship.rpo_lag_records),
                                                       s: (ship.rpo_lag_ms / 1000).toFixed(1) })],
        ])),
      h('section', { class: 'card' }, h('h2', {}, t('platform.vaults')), table({
        columns: [
          { label: t('platform.vault'), cell: (v) => v.url, clip: true },
          { label: t('platform.lag'), cell: (v) => t('platform.lagValue', { records: formatCount(v.rpo_lag_records),
                                                                           s: (v.rpo_lag_ms / 1000).toFixed(1) }) },
          { label: t('platform.state'), cell: (v) => (v.failed ? chip('bad', t('platform.vaultFailed')) : chip('ok', t('platform.state.ok'))) },
        ],
        rows: ship.vaults || [], empty: t('platform.vaultsNone'),
      })),
    ];
  });
}

export const VIEWS = [
  { path: '/tenants', label: 'platform.tenants', render: tenants },
  { path: '/status', label: 'platform.status', render: status },
  { path: '/backup', label: 'platform.backup', render: backup },
];
