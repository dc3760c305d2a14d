// billing-runs.js — 請求締め: the billing runs, newest month first
// (GET /api/v1/billing-runs), with their state and progress, the run's
// statements as one PDF and, for roles that may export, the vendor CSV.
// The API answers all runs (at most 500); the page shows 20 at a time with
// the page number in the URL.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDateTime, formatMonth } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { canAll } from '../lib/session.js';
import { loadInto, pagedRows, table } from '../lib/ui.js';

export function render(el, ctx) {
  ctx.title(t('billing.title'));
  const body = h('div', {});
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('billing.title'))),
            h('p', { class: 'hint' }, t('billing.intro')), body);
  el.querySelector('h1').focus();
  const csv = canAll(['customers.export', 'billing.read']);
  loadInto(body, () => api('GET', '/api/v1/billing-runs'), ({ billing_runs: runs }) => {
    const { slice, nav } = pagedRows(runs, ctx.query.page, 20,
      (p) => ctx.go('/billing/runs', { page: p > 1 ? p : '' }));
    return [table({
      columns: [
        { label: t('billing.month'), cell: (r) => formatMonth(r.month) },
        { label: t('billing.group'), cell: (r) => t('point.group', { n: r.billing_group }) },
        { label: t('billing.state'), cell: (r) => h('span', { class: `chip ${r.status === 'running' ? 'warn' : 'ok'}` },
          t(`billing.status.${r.status}`)) },
        { label: t('billing.contracts'), cell: (r) => h('span', { class: 'progress-cell' },
          h('progress', { max: Math.max(1, r.contracts_total), value: r.contracts_done,
                          'aria-label': t('billing.progress', { done: r.contracts_done, total: r.contracts_total }) }),
          t('billing.progress', { done: r.contracts_done, total: r.contracts_total })) },
        { label: t('billing.started'), cell: (r) => formatDateTime(r.started_at) },
        { label: t('billing.finished'), cell: (r) => formatDateTime(r.finished_at) || '—' },
        { label: t('billing.files'), cell: (r) => h('span', { class: 'links' },
          h('a', { href: `/api/v1/billing-runs/${r.id}/statements.pdf`, target: '_blank', rel: 'noopener' },
            t('billing.pdf')),
          csv ? h('a', { href: `/api/v1/billing-runs/${r.id}/export.csv`, download: '' }, t('billing.csv')) : null) },
      ],
      rows: slice, empty: t('billing.none'),
    }), nav];
  });
}
