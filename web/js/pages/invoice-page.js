// invoice-page.js — one invoice as issued (GET /api/v1/invoices/{id}):
// who and where, the readings, the charge lines with 設備料金 shown apart
// (billing-lines.js), the tax per rate, the totals, the statement PDF
// (料金明細書, /api/v1/invoices/{id}/statement.pdf), and the links between
// an invoice and its correction.
//
// Issued invoices never change. Roles that may bill put a mistake right
// here in one of two ways:
//  * 赤黒訂正 (POST /invoices/{id}/correct): this invoice becomes void and
//    a new one with the next number, re-priced (optionally with another
//    usage), replaces it; the page then shows the new one;
//  * 調整 (POST /invoices/{id}/adjust): a credit (negative) or debit that
//    the customer's next invoice carries as a line.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDate, formatM3, formatYen } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { has, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { facts, loadInto, notify } from '../lib/ui.js';
import { linesTable, taxTable, totals } from './billing-lines.js';

export function render(el, ctx) {
  const id = ctx.params.id;
  ctx.title(t('invoice.title'));
  const body = h('div', {});
  el.append(h('p', { class: 'crumbs' }, h('a', { href: '#/billing/invoices' }, t('invoices.title')), ' › ',
                h('span', { id: 'inv-crumb' }, t('invoice.title'))), body);
  loadInto(body, () => api('GET', `/api/v1/invoices/${encodeURIComponent(id)}`), (iv) => page(iv));

  function page(iv) {
    ctx.title(t('invoice.titleN', { n: iv.number }));
    el.querySelector('#inv-crumb').textContent = t('invoice.titleN', { n: iv.number });
    const pdf = `/api/v1/invoices/${iv.id}/statement.pdf`;
    const head = h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, t('invoice.titleN', { n: iv.number }), ' ',
        h('span', { class: `chip invoice-${iv.status}`, id: 'inv-status' }, t(`invoice.status.${iv.status}`))),
      h('div', { class: 'page-actions' },
        h('a', { class: 'button primary', id: 'inv-pdf', href: pdf, target: '_blank', rel: 'noopener',
                 'aria-label': t('invoice.pdfLabel', { n: iv.number }) }, t('invoice.openPdf'))));
    const relation = h('div', { class: 'inv-relations' });
    if (iv.corrects_id) {
      relation.append(h('p', { class: 'msg info-line' }, t('invoice.corrects'), ' ',
        h('a', { href: `#/billing/invoices/${iv.corrects_id}`, id: 'inv-corrects' },
          t('invoice.titleN', { n: iv.corrects_number ?? iv.corrects_id }))));
    }
    if (iv.status === 'void') {
      const p = h('p', { class: 'msg warn-line', id: 'inv-void-note' }, t('invoice.voidNote'));
      relation.append(p);
      correctedBy(iv).then((c) => {
        if (c && ctx.alive()) p.append(' ', h('a', { href: `#/billing/invoices/${c.id}`, id: 'inv-corrected-by' },
          t('invoice.correctedBy', { n: c.number })));
      });
    }
    const r = iv.reading || {};
    const out = [
      head, relation,
      h('div', { class: 'two-col invoice-head' },
        h('section', { class: 'card' }, h('h2', {}, t('invoice.who')), facts([
          [t('customers.col.number'), h('a', { href: `#/customers/${iv.customer.id}/billing` }, iv.customer.number)],
          [t('customers.col.name'), iv.customer.name],
          [t('invoice.supplyPoint'), iv.supply_point?.address],
          [t('invoice.payment'), iv.payment_method && has(`payment.${iv.payment_method}`)
            ? t(`payment.${iv.payment_method}`) : iv.payment_method],
          [t('invoice.issuer'), iv.issuer?.name],
          [t('invoice.registration'), iv.issuer?.registration],
        ])),
        h('section', { class: 'card' }, h('h2', {}, t('invoice.dates')), facts([
          [t('invoice.issued'), formatDate(iv.issued_on)],
          [t('invoice.due'), formatDate(iv.due_on)],
          [t('invoice.period'), iv.period?.from ? `${formatDate(iv.period.from)}〜${formatDate(iv.period.to)}` : ''],
          [t('invoice.previousIndex'), r.previous_index ? `${r.previous_index}（${formatDate(r.previous_on)}）` : ''],
          [t('invoice.currentIndex'), r.current_index ? `${r.current_index}（${formatDate(r.current_on)}）` : ''],
          [t('invoice.usage'), formatM3(r.usage_m3)],
          [t('invoice.lastYear'), formatM3(r.last_year_usage_m3)],
          [t('invoice.run'), iv.run_id ? h('a', { href: `#/billing/invoices?run_id=${iv.run_id}` },
            t('invoices.runN', { n: iv.run_id })) : ''],
        ]))),
      h('section', { class: 'card invoice-lines' }, h('h2', {}, t('invoice.lines')),
        linesTable(iv.lines || []),
        h('div', { class: 'invoice-sums' }, taxTable(iv.tax), totals(iv))),
    ];
    if (can('billing.write') && iv.status === 'issued') out.push(corrections(iv));
    setTimeout(() => el.querySelector('h1')?.focus());
    return out;
  }

  // The invoice that replaced a void one (its corrects_id), from the
  // customer's newest invoices.
  async function correctedBy(iv) {
    try {
      const r = await api('GET', `/api/v1/invoices?customer_id=${iv.customer.id}&order=desc&limit=100`);
      return r.invoices.find((x) => x.corrects_id === iv.id) || null;
    } catch {
      return null;
    }
  }

  function corrections(iv) {
    const correct = form({
      cls: 'correct-form',
      fields: [
        { name: 'reason', label: t('invoice.reason'), required: true, maxlength: 200, wide: true,
          hint: t('invoice.correctReasonHint') },
        { name: 'usage_m3', label: t('invoice.newUsage'), inputmode: 'decimal', maxlength: 12,
          hint: t('invoice.newUsageHint', { usage: iv.reading?.usage_m3 ?? '—' }) },
      ],
      submitLabel: t('invoice.correct'),
      busyLabel: t('invoice.correcting'),
      onSubmit: async (v) => {
        const b = { reason: v.reason.trim() };
        if (v.usage_m3.trim()) b.usage_m3 = v.usage_m3.trim();
        const n = await api('POST', `/api/v1/invoices/${iv.id}/correct`, b);
        notify('ok', t('invoice.corrected', { old: iv.number, n: n.number }));
        ctx.go(`/billing/invoices/${n.id}`);
      },
    });
    const adjust = form({
      cls: 'adjust-form',
      fields: [
        { name: 'amount_yen', label: t('invoice.adjustAmount'), type: 'number', step: 1, required: true,
          min: -10000000, max: 10000000, hint: t('invoice.adjustAmountHint') },
        { name: 'tax_rate', label: t('billing.col.rate'), type: 'select',
          options: [['10', t('billing.rate', { n: 10 })], ['8', t('billing.rate', { n: 8 })], ['0', t('billing.rateNone')]] },
        { name: 'reason', label: t('invoice.reason'), required: true, maxlength: 200, wide: true },
      ],
      values: { tax_rate: '10' },
      submitLabel: t('invoice.adjust'),
      busyLabel: t('common.saving'),
      onSubmit: async (v, f) => {
        const amount = Number(v.amount_yen);
        if (!Number.isInteger(amount)) {
          f.fields.get('amount_yen').setError(t('invoice.adjustWhole'));
          return false;
        }
        const a = await api('POST', `/api/v1/invoices/${iv.id}/adjust`,
                            { amount_yen: amount, tax_rate: Number(v.tax_rate), reason: v.reason.trim() });
        f.setValues({ amount_yen: '', reason: '' });
        f.message('ok', h('p', {}, t(a.amount_yen < 0 ? 'invoice.adjustedCredit' : 'invoice.adjustedDebit',
          { yen: formatYen(Math.abs(a.amount_yen)) })));
        return true;
      },
    });
    return h('section', { class: 'card invoice-fix', id: 'inv-fix' },
      h('h2', {}, t('invoice.fixTitle')), h('p', { class: 'hint' }, t('invoice.fixIntro')),
      h('details', { id: 'inv-correct' }, h('summary', {}, t('invoice.correctTitle')),
        h('p', { class: 'hint' }, t('invoice.correctIntro')), correct.el),
      h('details', { id: 'inv-adjust' }, h('summary', {}, t('invoice.adjustTitle')),
        h('p', { class: 'hint' }, t('invoice.adjustIntro')), adjust.el));
  }
}
