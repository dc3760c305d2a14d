// payments-cash.js — 集金の入力: cash collected by staff (POST
// /api/v1/payments, method cash). The customer is found by number, name or
// kana; their open invoices and balance come from the ledger (GET
// /api/v1/customers/{id}/receivables) so the amount can be taken from the
// invoice paid. The API gives each collection the next receipt number
// (領収書番号, gapless per tenant), shown large for the paper receipt.
// Each submission carries an Idempotency-Key (the same entry sent again
// after a lost answer keeps its key, so it is not recorded twice).
// Below, the latest cash collections with their receipt numbers (GET
// /api/v1/payments?method=cash), paged by the API's cursor in the URL.
import { api } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatDate, formatDateTime, formatYen, todayJst } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { session } from '../lib/session.js';
import { loadInto, table } from '../lib/ui.js';
import { cursorPager, customerCell, customerPicker, newKey, payHead, pick, trailOf } from './payments-common.js';

const LIMIT = 20;
const PATH = '/payments/cash';

function receipt(r) {
  const e = r.entry;
  return h('section', { class: 'card receipt', id: 'cash-receipt', 'aria-labelledby': 'cash-receipt-title' },
    h('h2', { id: 'cash-receipt-title' }, t('cash.recorded')),
    h('p', { class: 'big-figure' }, h('span', { class: 'label' }, t('cash.receiptNo')), ' ',
      h('span', { class: 'figure', id: 'cash-receipt-no' }, String(r.receipt_number))),
    h('dl', { class: 'facts compact' },
      h('dt', {}, t('cash.customer')), h('dd', {}, customerCell(e.customer)),
      h('dt', {}, t('cash.amount')), h('dd', {}, formatYen(Math.abs(e.amount_yen))),
      h('dt', {}, t('cash.paidOn')), h('dd', {}, formatDate(e.on)),
      e.invoice_number ? [h('dt', {}, t('cash.invoice')), h('dd', {}, String(e.invoice_number))] : null));
}

function entryForm(onRecorded) {
  let key = newKey();
  let sent = '';
  let open = []; // the chosen customer's open invoices
  const out = h('div', { 'aria-live': 'polite' });
  const info = h('p', { class: 'hint', id: 'cash-balance' });
  const f = form({
    cls: 'cash-form', draftKey: 'cash-entry',
    fields: [
      { name: 'customer_id', label: t('cash.customer'), type: 'hidden', required: true, wide: true },
      { name: 'invoice_id', label: t('cash.invoice'), type: 'select', options: [['', t('cash.noInvoice')]] },
      { name: 'amount_yen', label: t('cash.amount'), type: 'number', required: true, min: 1, step: 1, inputmode: 'numeric' },
      { name: 'paid_on', label: t('cash.paidOn'), type: 'date', required: true, max: todayJst() },
      { name: 'collected_by', label: t('cash.collectedBy'), maxlength: 60, required: true },
      { name: 'note', label: t('cash.note'), maxlength: 200, wide: true },
    ],
    values: { paid_on: todayJst(), collected_by: session.me?.user?.display_name || '' },
    submitLabel: t('cash.record'), busyLabel: t('common.saving'),
    async onSubmit(v, fm) {
      const body = { method: 'cash', customer_id: Number(v.customer_id), amount_yen: Number(v.amount_yen),
                     paid_on: v.paid_on, collected_by: v.collected_by.trim() };
      if (v.invoice_id) body.invoice_id = Number(v.invoice_id);
      if (v.note.trim()) body.note = v.note.trim();
      const sig = JSON.stringify(body);
      if (sig !== sent) { key = newKey(); sent = sig; }
      const r = await api('POST', '/api/v1/payments', body, { headers: { 'Idempotency-Key': key } });
      sent = '';
      fill(out, receipt(r));
      fm.message('ok', h('p', {}, t('cash.done', { n: r.receipt_number })));
      picker.choose(null, true); // no input event: the draft is dropped, not saved again
      fm.setValues({ amount_yen: '', note: '', invoice_id: '' });
      onRecorded();
      return true;
    },
  });
  const inv = f.fields.get('invoice_id');
  const amount = f.fields.get('amount_yen');
  const setInvoices = (list) => {
    open = list;
    fill(inv.input, h('option', { value: '' }, t('cash.noInvoice')), list.map((x) => h('option', { value: x.invoice_id },
      t('cash.invoiceOption', { n: x.number, due: formatDate(x.due_on), yen: formatYen(x.open_yen) }))));
  };
  const picker = customerPicker(f.fields.get('customer_id'), {
    placeholder: t('cash.searchPlaceholder'),
    onPick: async (c, restoring) => {
      const keep = restoring ? inv.value : '';
      setInvoices([]);
      info.textContent = '';
      if (!c) return;
      try {
        const r = await api('GET', `/api/v1/customers/${c.id}/receivables?limit=1`);
        setInvoices(r.open_invoices || []);
        info.textContent = t('cash.balance', { yen: formatYen(r.balance_yen), n: (r.open_invoices || []).length });
        if (restoring) {
          inv.value = keep; // the draft's choice and amount stay
        } else if (open.length) {
          inv.value = String(open[0].invoice_id);
          amount.value = String(open[0].open_yen);
        }
      } catch (e) {
        info.textContent = problemText(e);
      }
    },
  });
  inv.input.addEventListener('change', () => {
    const x = open.find((o) => String(o.invoice_id) === inv.value);
    if (x) amount.value = String(x.open_yen);
  });
  f.fields.get('customer_id').el.append(info);
  // a draft put back (after the session ended): show its customer again
  const drafted = f.fields.get('customer_id').value;
  if (/^\d+$/.test(drafted)) picker.restore(drafted);
  return h('div', {}, f.el, out);
}

export function render(el, ctx) {
  payHead(el, ctx, t('cash.title'), t('cash.intro'));
  const q = { after: pick(ctx.query.after, /^\d+$/) };
  const trail = trailOf(ctx);
  const list = h('div', {});
  const params = new URLSearchParams({ method: 'cash', kind: 'payment', limit: String(LIMIT) });
  if (q.after) params.set('after', q.after);
  const load = () => loadInto(list, () => api('GET', `/api/v1/payments?${params}`), (r) => [
    table({
      cls: 'cash-list', caption: t('cash.latest'),
      columns: [
        { label: t('cash.col.receipt'), cell: (p) => (p.receipt_number ? String(p.receipt_number) : '—'), num: true },
        { label: t('cash.col.on'), cell: (p) => formatDate(p.on) },
        { label: t('cash.col.customer'), cell: (p) => customerCell(p.customer) },
        { label: t('cash.col.invoice'), cell: (p) => (p.invoice_number ? String(p.invoice_number) : '—'), num: true },
        { label: t('cash.col.amount'), cell: (p) => formatYen(Math.abs(p.amount_yen)), num: true },
        { label: t('cash.col.by'), cell: (p) => clip(p.reference || '') },
        { label: t('cash.col.state'), cell: (p) => (p.reversed_by ? h('span', { class: 'chip bad' }, t('cash.reversed')) : '') },
        { label: t('cash.col.at'), cell: (p) => formatDateTime(p.created_at) },
      ],
      rows: r.payments, empty: t('cash.none'),
    }),
    cursorPager(ctx, PATH, q, trail, r.next_after),
  ]);
  el.append(entryForm(load), list);
  load();
}
