// invoice-list.js — 請求書: the invoices, newest first (GET
// /api/v1/invoices?order=desc), filtered by billing run, by customer (typed
// as the customer number, looked up with GET /api/v1/customers?q=) or by
// the tariff version that priced them (a link from the tariff page: what
// to correct after a version was corrected). Filters, order and the page
// cursor are in the URL (#/billing/invoices?run_id=3&after=120); earlier
// cursors travel in the history entry for "previous".
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatCount, formatDate, formatM3, formatMonth, formatYen } from '../lib/format.js';
import { problemText, t } from '../lib/i18n.js';
import { loadInto, pager, table } from '../lib/ui.js';

const LIMIT = 50;
const ID = /^[1-9]\d{0,15}$/;

export function render(el, ctx) {
  ctx.title(t('invoices.title'));
  const q = {
    run_id: ID.test(ctx.query.run_id || '') ? ctx.query.run_id : '',
    customer_id: ID.test(ctx.query.customer_id || '') ? ctx.query.customer_id : '',
    tariff_version: ID.test(ctx.query.tariff_version || '') ? ctx.query.tariff_version : '',
    order: ctx.query.order === 'asc' ? 'asc' : '',
    after: ID.test(ctx.query.after || '') ? ctx.query.after : '',
  };
  const trail = Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];
  const go = (over, state = null) => ctx.go('/billing/invoices', { ...q, after: '', ...over }, { state });

  const run = h('select', { id: 'inv-run' }, h('option', { value: '' }, t('invoices.anyRun')));
  const cust = h('input', { id: 'inv-customer', class: 'short', maxlength: 20, autocomplete: 'off',
                            inputmode: 'numeric', 'aria-describedby': 'inv-customer-err' });
  const custErr = h('p', { id: 'inv-customer-err', class: 'field-error', role: 'alert' });
  const order = h('select', { id: 'inv-order' },
    h('option', { value: '', selected: !q.order }, t('invoices.newest')),
    h('option', { value: 'asc', selected: q.order === 'asc' }, t('invoices.oldest')));
  const apply = h('button', { type: 'submit' }, t('common.apply'));
  const filters = h('form', { class: 'filters', role: 'search', id: 'inv-filters' },
    h('label', { for: 'inv-run' }, t('invoices.run')), run,
    h('label', { for: 'inv-customer' }, t('invoices.customer')), cust,
    h('label', { for: 'inv-order' }, t('invoices.order')), order, apply);
  const chips = h('p', { class: 'chips filter-chips' });
  const list = h('div', { id: 'inv-list' });
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('invoices.title'))),
            filters, custErr, chips, list);
  el.querySelector('h1').focus();

  // the runs for the select (newest month first)
  api('GET', '/api/v1/billing-runs').then(({ billing_runs: runs }) => {
    if (!ctx.alive()) return;
    run.append(...runs.map((r) => h('option', { value: String(r.id), selected: String(r.id) === q.run_id },
      t('billing.runName', { month: formatMonth(r.month), group: r.billing_group }))));
    if (q.run_id && !runs.some((r) => String(r.id) === q.run_id)) {
      run.append(h('option', { value: q.run_id, selected: true }, t('invoices.runN', { n: q.run_id })));
    }
  }).catch(() => { /* the list below says what failed */ });

  // the customer filter shows its number; the number typed is looked up
  if (q.customer_id) {
    api('GET', `/api/v1/customers/${q.customer_id}`).then((c) => {
      if (!ctx.alive()) return;
      if (!cust.value) cust.value = c.number;
      fill(chips, chip(t('invoices.customerChip', { number: c.number, name: c.name }), { customer_id: '' }),
           q.tariff_version ? versionChip() : null);
    }).catch(() => { /* unknown customer: the list comes back empty */ });
  }
  function chip(text, clear) {
    return h('span', { class: 'chip filter' }, text, ' ',
      h('button', { type: 'button', class: 'link', 'aria-label': t('invoices.clearFilter', { what: text }),
                    onclick: () => go(clear) }, '×'));
  }
  function versionChip() {
    return chip(t('invoices.versionChip', { n: q.tariff_version }), { tariff_version: '' });
  }
  if (q.tariff_version && !q.customer_id) fill(chips, versionChip());

  filters.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    custErr.textContent = '';
    cust.removeAttribute('aria-invalid');
    const number = cust.value.trim();
    let customerId = '';
    if (number) {
      try {
        const r = await api('GET', `/api/v1/customers?${new URLSearchParams({ q: number, limit: '20' })}`);
        const hit = r.customers.find((c) => c.number === number);
        if (!hit) {
          custErr.textContent = t('invoices.noSuchCustomer', { number });
          cust.setAttribute('aria-invalid', 'true');
          cust.focus();
          return;
        }
        customerId = String(hit.id);
      } catch (e) {
        custErr.textContent = problemText(e);
        return;
      }
    }
    go({ run_id: run.value, customer_id: customerId, order: order.value });
  });

  const params = new URLSearchParams({ limit: String(LIMIT), order: q.order || 'desc' });
  for (const k of ['run_id', 'customer_id', 'tariff_version', 'after']) if (q[k]) params.set(k, q[k]);
  loadInto(list, () => api('GET', `/api/v1/invoices?${params}`), (r) => {
    const page = (after, tr) => go({ after }, { trail: tr });
    const n = trail.length * LIMIT;
    return [
      h('p', { class: 'result-count', role: 'status', id: 'inv-count' }, !r.invoices.length ? '' :
        t(r.next_after ? 'invoices.countMore' : 'invoices.count',
          { from: formatCount(n + 1), to: formatCount(n + r.invoices.length) })),
      table({
        cls: 'invoice-list',
        columns: [
          { label: t('invoice.number'), num: true, cell: (x) => h('a', {
            href: `#/billing/invoices/${x.id}`, 'aria-label': t('invoices.open', { n: x.number }) }, String(x.number)) },
          { label: t('invoice.issued'), cell: (x) => formatDate(x.issued_on) },
          { label: t('customers.col.number'), cell: (x) => h('a', { href: `#/customers/${x.customer.id}/billing` },
            x.customer.number) },
          { label: t('customers.col.name'), cell: (x) => x.customer.name, clip: true, cls: 'name-col' },
          { label: t('invoice.period'), cls: 'period-col', cell: (x) => (x.period.from
            ? [h('span', {}, `${formatDate(x.period.from)}〜`), h('span', {}, formatDate(x.period.to))] : '—') },
          { label: t('invoice.usage'), cell: (x) => formatM3(x.usage_m3), num: true },
          { label: t('invoice.total'), cell: (x) => formatYen(x.total_yen), num: true },
          { label: t('billing.amountDue'), cell: (x) => formatYen(x.amount_due_yen), num: true },
          { label: t('invoice.status'), cell: (x) => h('span', { class: `chip invoice-${x.status}` },
            t(`invoice.status.${x.status}`), x.corrects_id ? ` ${t('invoice.correction')}` : '') },
          { label: t('invoice.pdf'), cell: (x) => h('a', {
            href: `/api/v1/invoices/${x.id}/statement.pdf`, target: '_blank', rel: 'noopener',
            'aria-label': t('invoice.pdfLabel', { n: x.number }) }, t('invoice.pdfLink')) },
        ],
        rows: r.invoices, empty: t(q.run_id || q.customer_id || q.tariff_version ? 'invoices.noneMatch' : 'invoice.none'),
      }),
      (trail.length || r.next_after || q.after) ? pager({
        page: trail.length + 1, hasPrev: trail.length > 0, hasNext: !!r.next_after,
        onPrev: () => page(trail[trail.length - 1], trail.slice(0, -1)),
        onNext: () => page(String(r.next_after), [...trail, q.after]),
        onFirst: () => page('', []), showFirst: !!q.after && trail.length !== 1,
      }) : null,
    ];
  });
}
