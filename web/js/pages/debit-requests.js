// debit-requests.js — 口座振替依頼: the tenant's direct-debit requests,
// newest first (GET /api/v1/debit-requests), 20 a page by the API's
// cursor (in the URL; earlier cursors in the history entry). Each opens
// its page (download, result import); a new one starts from here.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatCount, formatDate, formatDateTime, formatYen } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { loadInto, table } from '../lib/ui.js';
import { cursorPager, payHead, pick, trailOf } from './payments-common.js';

const LIMIT = 20;

export function statusChip(status) {
  const kind = { created: 'warn', partial: 'warn', imported: 'ok', cancelled: 'bad' }[status] || '';
  return h('span', { class: `chip ${kind}`.trim() }, t(`debit.status.${status}`));
}

export function render(el, ctx) {
  payHead(el, ctx, t('debit.title'), t('debit.intro'),
    can('payments.write') ? h('a', { class: 'button primary', href: '#/payments/debits/new', id: 'debit-new' }, t('debit.new')) : null);
  const q = { after: pick(ctx.query.after, /^\d+$/) };
  const trail = trailOf(ctx);
  const list = h('div', {});
  el.append(list);
  const params = new URLSearchParams({ limit: String(LIMIT) });
  if (q.after) params.set('after', q.after);
  loadInto(list, () => api('GET', `/api/v1/debit-requests?${params}`), (r) => [
    table({
      cls: 'debit-list',
      columns: [
        { label: t('debit.col.id'), cell: (d) => h('a', { href: `#/payments/debits/${d.id}` }, t('debit.no', { n: d.id })) },
        { label: t('debit.col.debitOn'), cell: (d) => formatDate(d.debit_on) },
        { label: t('debit.col.lines'), cell: (d) => formatCount(d.lines), num: true },
        { label: t('debit.col.amount'), cell: (d) => formatYen(d.amount_yen), num: true },
        { label: t('debit.col.problems'), cell: (d) => formatCount(d.problem_count), num: true },
        { label: t('debit.col.status'), cell: (d) => statusChip(d.status) },
        { label: t('debit.col.created'), cell: (d) => formatDateTime(d.created_at) },
      ],
      rows: r.debit_requests, empty: t('debit.none'),
    }),
    cursorPager(ctx, '/payments/debits', q, trail, r.next_after),
  ]);
}
