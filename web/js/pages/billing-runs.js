// billing-runs.js — 請求締め: the billing runs, newest month first
// (GET /api/v1/billing-runs), with their state and progress, their
// invoices, the run's statements as one PDF and, for roles that may
// export, the vendor CSV; a run still running is followed live. Roles
// that may bill start a new run (preview, then commit) from here
// (billing-run-new.js). The API answers all runs (at most 500); the page
// shows 20 at a time with the page number in the URL.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatDateTime, formatMonth } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { can, canAll } from '../lib/session.js';
import { loadInto, pagedRows, table } from '../lib/ui.js';

export function render(el, ctx) {
  ctx.title(t('billing.title'));
  const body = h('div', {});
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('billing.title')),
    can('billing.write') ? h('div', { class: 'page-actions' },
      h('a', { class: 'button primary', href: '#/billing/runs/new', id: 'run-new' }, t('run.new'))) : null),
  h('p', { class: 'hint' }, t('billing.intro')), body);
  el.querySelector('h1').focus();
  const csv = canAll(['customers.export', 'billing.read']);
  let timer = 0;
  // a run in progress (someone else's commit): the list follows it,
  // replaced in place once the next answer is in
  const follow = (runs) => {
    clearTimeout(timer);
    if (!runs.some((r) => r.status === 'running')) return;
    timer = setTimeout(async () => {
      try {
        const r = await api('GET', '/api/v1/billing-runs');
        if (ctx.alive()) fill(body, list(r));
      } catch { /* the next visit shows it; the list on screen stays */ }
    }, 3000);
  };
  const list = ({ billing_runs: runs }) => {
    const { slice, nav } = pagedRows(runs, ctx.query.page, 20,
      (p) => ctx.go('/billing/runs', { page: p > 1 ? p : '' }));
    follow(slice);
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
          h('a', { href: `#/billing/invoices?run_id=${r.id}`,
                   'aria-label': t('run.invoicesOf', { month: formatMonth(r.month), group: r.billing_group }) },
            t('run.invoicesLink')),
          h('a', { href: `/api/v1/billing-runs/${r.id}/statements.pdf`, target: '_blank', rel: 'noopener' },
            t('billing.pdf')),
          csv ? h('a', { href: `/api/v1/billing-runs/${r.id}/export.csv`, download: '' }, t('billing.csv')) : null,
          r.status === 'running' && can('billing.write')
            ? h('a', { href: `#/billing/runs/new?group=${r.billing_group}&month=${r.month}` }, t('run.resume'))
            : null) },
      ],
      rows: slice, empty: t('billing.none'),
    }), nav];
  };
  loadInto(body, () => api('GET', '/api/v1/billing-runs'), list);
  return () => clearTimeout(timer);
}
