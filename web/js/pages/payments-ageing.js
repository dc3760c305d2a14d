// payments-ageing.js — 年齢調べ: the tenant's receivables by age
// (GET /api/v1/receivables/ageing): the totals (当月, 1, 2, 3 か月以上超過,
// 前受金) and every customer with a balance, by customer, 50 a page by the
// API's cursor. The date it is as of is a filter; it and the cursor are in
// the URL.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatCount, formatDate, formatYen, todayJst } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { loadInto, table } from '../lib/ui.js';
import { cursorPager, customerCell, payHead, pick, trailOf } from './payments-common.js';

const LIMIT = 50;
const PATH = '/payments/ageing';

function totals(x) {
  const box = (k, v, cls = null) => h('div', { class: 'figure-box' }, h('dt', {}, t(k)), h('dd', { class: cls }, v));
  return h('dl', { class: 'figures', id: 'ageing-totals' },
    box('ageing.current', formatYen(x.current_yen)),
    box('ageing.overdue1', formatYen(x.overdue_1_yen), x.overdue_1_yen ? 'bad' : null),
    box('ageing.overdue2', formatYen(x.overdue_2_yen), x.overdue_2_yen ? 'bad' : null),
    box('ageing.overdue3', formatYen(x.overdue_3plus_yen), x.overdue_3plus_yen ? 'bad' : null),
    box('ageing.credit', formatYen(x.credit_yen)),
    box('ageing.balance', formatYen(x.balance_yen)),
    box('ageing.customers', t('ageing.customersOf', {
      n: formatCount(x.customers), o: formatCount(x.customers_overdue), c: formatCount(x.customers_credit) })));
}

const yen = (v) => (v ? formatYen(v) : '—');

export function render(el, ctx) {
  payHead(el, ctx, t('ageing.title'), t('ageing.intro'));
  const q = {
    as_of: pick(ctx.query.as_of, /^\d{4}-\d{2}-\d{2}$/),
    after: pick(ctx.query.after, /^\d+$/),
  };
  const trail = trailOf(ctx);
  const asOf = h('input', { type: 'date', id: 'ageing-as-of', value: q.as_of || todayJst(), max: todayJst() });
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'ageing-as-of' }, t('ageing.asOf')), asOf, h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go(PATH, { as_of: asOf.value === todayJst() ? '' : asOf.value });
  });
  const body = h('div', {});
  el.append(filters, body);
  const params = new URLSearchParams({ limit: String(LIMIT) });
  for (const k of ['as_of', 'after']) if (q[k]) params.set(k, q[k]);
  loadInto(body, () => api('GET', `/api/v1/receivables/ageing?${params}`), (r) => [
    h('p', { class: 'result-count', role: 'status' }, t('ageing.asOfLine', { date: formatDate(r.as_of) })),
    totals(r.totals),
    table({
      cls: 'ageing',
      columns: [
        { label: t('ageing.col.customer'), cell: (x) => customerCell(x.customer), cls: 'name-col' },
        { label: t('ageing.balance'), cell: (x) => formatYen(x.ageing.balance_yen), num: true },
        { label: t('ageing.current'), cell: (x) => yen(x.ageing.current_yen), num: true },
        { label: t('ageing.overdue1'), cell: (x) => yen(x.ageing.overdue_1_yen), num: true },
        { label: t('ageing.overdue2'), cell: (x) => yen(x.ageing.overdue_2_yen), num: true },
        { label: t('ageing.overdue3'), cell: (x) => yen(x.ageing.overdue_3plus_yen), num: true },
        { label: t('ageing.credit'), cell: (x) => yen(x.ageing.credit_yen), num: true },
        { label: t('ageing.oldest'), cell: (x) => formatDate(x.ageing.oldest_overdue_on) || '—' },
      ],
      rows: r.customers, empty: t('ageing.none'),
    }),
    cursorPager(ctx, PATH, q, trail, r.next_after),
  ]);
}
