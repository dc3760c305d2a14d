// overdue.js — 督促対象: the customers with something overdue
// (GET /api/v1/dunning/overdue) with the tenant's ageing totals above.
// Filters (how long overdue, from what amount, payment method) and the page
// cursor are in the URL; "next" goes by the API's cursor and earlier
// cursors travel in the history entry. Each row opens the customer's
// 督促・交渉記録 (payments-dunning.js): warning steps, letter, notes of contact.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatCount, formatDate, formatYen } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { loadInto, pager, table } from '../lib/ui.js';
import { paymentsNav } from './payments-common.js';

const LIMIT = 50;
const METHODS = ['debit', 'transfer', 'collection', 'cvs'];

export function render(el, ctx) {
  ctx.title(t('overdue.title'));
  const q = {
    min_months: ['1', '2', '3'].includes(ctx.query.min_months) ? ctx.query.min_months : '1',
    min_yen: /^\d{1,9}$/.test(ctx.query.min_yen || '') ? ctx.query.min_yen : '',
    payment_method: METHODS.includes(ctx.query.payment_method) ? ctx.query.payment_method : '',
    after: /^\d+$/.test(ctx.query.after || '') ? ctx.query.after : '',
  };
  const trail = Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];
  const months = h('select', { id: 'od-months' }, ['1', '2', '3'].map((m) =>
    h('option', { value: m, selected: m === q.min_months }, t(`overdue.months.${m}`))));
  const yen = h('input', { id: 'od-yen', type: 'number', min: 0, step: 1000, class: 'text short', value: q.min_yen });
  const method = h('select', { id: 'od-method' }, h('option', { value: '' }, t('overdue.anyMethod')),
    METHODS.map((m) => h('option', { value: m, selected: m === q.payment_method }, t(`payment.${m}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'od-months' }, t('overdue.minMonths')), months,
    h('label', { for: 'od-yen' }, t('overdue.minYen')), yen,
    h('label', { for: 'od-method' }, t('overdue.method')), method,
    h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/payments/overdue', { min_months: months.value, min_yen: yen.value, payment_method: method.value });
  });
  const totals = h('div', {});
  const list = h('div', {});
  el.append(paymentsNav(ctx.path), h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('overdue.title'))),
            totals, filters, list);
  el.querySelector('h1').focus();

  loadInto(totals, () => api('GET', '/api/v1/receivables/ageing?limit=1'), ({ totals: x }) =>
    h('div', { class: 'figures' }, [
      ['ageing.overdue1', x.overdue_1_yen], ['ageing.overdue2', x.overdue_2_yen],
      ['ageing.overdue3', x.overdue_3plus_yen], ['ageing.credit', x.credit_yen],
    ].map(([k, v]) => h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t(k)), h('strong', {}, formatYen(v))))));

  const params = new URLSearchParams({ limit: String(LIMIT), min_months: q.min_months });
  for (const k of ['min_yen', 'payment_method', 'after']) if (q[k]) params.set(k, q[k]);
  loadInto(list, () => api('GET', `/api/v1/dunning/overdue?${params}`), (r) => {
    const page = (after, tr) => ctx.go('/payments/overdue', { ...q, after }, { state: { trail: tr } });
    return [
      h('p', { class: 'result-count', role: 'status' },
        t('overdue.count', { n: formatCount(r.count), yen: formatYen(r.overdue_yen) })),
      table({
        columns: [
          { label: t('customers.col.number'), cell: (x) => h('a', { href: `#/customers/${x.customer.id}/billing` }, x.customer.number) },
          { label: t('customers.col.name'), cell: (x) => x.customer.name, clip: true, cls: 'name-col' },
          { label: t('customers.col.phone'), cell: (x) => x.customer.phone || '' },
          { label: t('ar.overdue'), cell: (x) => formatYen(x.ageing.overdue_yen), num: true },
          { label: t('ageing.oldest'), cell: (x) => formatDate(x.ageing.oldest_overdue_on) },
          { label: t('overdue.lastStep'), cell: (x) => (x.last_step ? `${x.last_step.label}（${formatDate(x.last_step.taken_on)}）` : '—') },
          { label: t('overdue.lastContact'), cell: (x) => formatDate(x.last_contact_on) || '—' },
          { label: t('overdue.methods'), cell: (x) => (x.payment_methods || []).map((m) => t(`payment.${m}`)).join('、') },
          { label: t('overdue.dunning'), cell: (x) => h('a', {
            href: `#/payments/overdue/${x.customer.id}`, class: 'dun-link',
            'aria-label': t('overdue.dunningOf', { name: x.customer.name }),
          }, t('overdue.dunningLink')) },
        ],
        rows: r.customers, empty: t('overdue.none'),
        rowAttrs: (x) => ({ dataset: { customer: x.customer.id } }),
      }),
      (trail.length || r.next_after || q.after) ? pager({
        page: trail.length + 1, hasPrev: trail.length > 0, hasNext: !!r.next_after,
        onPrev: () => page(trail[trail.length - 1], trail.slice(0, -1)),
        onNext: () => page(r.next_after, [...trail, q.after]),
        onFirst: () => page('', []), showFirst: !!q.after && trail.length !== 1,
      }) : null,
    ];
  });
}
