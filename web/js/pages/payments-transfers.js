// payments-transfers.js — 振込の照合: bank transfers (GET
// /api/v1/bank-transfers), the review list (要確認: those the matcher could
// not tie to exactly one invoice by the payer's kana and the amount) first.
// Each transfer on the review list shows its candidates (name and/or
// amount fitting); it is assigned to a customer — a candidate or anyone
// found by number, name or kana — (POST …/{id}/assign) or dismissed as not
// a customer's payment, with the reason (POST …/{id}/dismiss). The status
// filter and the page cursor are in the URL.
//
// A transfer read off the passbook can be entered here too (POST
// /api/v1/payments, method transfer, no customer): the API matches it or
// puts it on the review list. Each submission carries an Idempotency-Key.
import { api, ApiError } from '../lib/api.js';
import { clip, fill, h, uid } from '../lib/dom.js';
import { formatDate, formatYen, todayJst } from '../lib/format.js';
import { field, form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { busy, dialog, loadInto, notify, table } from '../lib/ui.js';
import { cursorPager, customerCell, customerPicker, newKey, payHead, pick, trailOf } from './payments-common.js';

const LIMIT = 50;
const PATH = '/payments/transfers';
const STATUSES = ['review', 'matched', 'assigned', 'dismissed', 'all'];

function candidateLine(c) {
  return h('span', { class: 'cand' }, customerCell(c.customer), ' ',
    h('span', { class: 'muted' }, t('transfer.candInvoice', { n: c.invoice_number, yen: formatYen(c.open_yen) })), ' ',
    c.name ? h('span', { class: 'chip matched' }, t('transfer.nameFits')) : null, ' ',
    c.amount ? h('span', { class: 'chip matched' }, t('transfer.amountFits')) : null);
}

// Show an ApiError inside a dialog: at the field it names, else on top.
function dialogProblem(err, fields, e) {
  if (!(e instanceof ApiError)) throw e;
  err.textContent = problemText(e);
  for (const fe of e.fieldErrors) {
    const f = fields[fe.field];
    if (f) f.setError(fe.message);
    else err.textContent += ` ${fe.message}`;
  }
}

function assignDialog(tr, onDone) {
  const name = uid('cand');
  const other = field({ name: 'customer_id', label: t('transfer.otherCustomer'), type: 'hidden' });
  const note = field({ name: 'note', label: t('transfer.note'), type: 'textarea', maxlength: 200, rows: 2 });
  const err = h('p', { class: 'field-error', role: 'alert' });
  const radios = tr.candidates.map((c, i) => h('label', { class: 'cand-choice' },
    h('input', { type: 'radio', name, value: String(i), checked: i === 0 }), ' ', candidateLine(c)));
  const otherRadio = h('input', { type: 'radio', name, value: 'other', checked: !tr.candidates.length });
  const picker = customerPicker(other, {
    placeholder: t('transfer.searchPlaceholder'),
    onPick: (c) => { if (c) otherRadio.checked = true; },
  });
  picker.box.addEventListener('focus', () => { otherRadio.checked = true; });
  const d = dialog({
    title: t('transfer.assignTitle'), wide: true,
    body: [h('p', {}, t('transfer.assignText', { payer: tr.payer_name, yen: formatYen(tr.amount_yen), on: formatDate(tr.received_on) })),
           h('fieldset', { class: 'cand-list' }, h('legend', {}, t('transfer.assignTo')), radios,
             h('label', { class: 'cand-choice' }, otherRadio, ' ', t('transfer.other'))),
           other.el, note.el, err],
    actions: [{ label: t('common.cancel') }, {
      label: t('transfer.assignDo'), kind: 'primary',
      onClick: async (close, button) => {
        err.textContent = '';
        other.setError('');
        const chosen = d.el.querySelector(`input[name="${name}"]:checked`)?.value;
        const body = {};
        if (chosen === 'other' || !chosen) {
          if (!other.value) { other.setError(t('transfer.pickCustomer')); picker.box.focus(); return; }
          body.customer_id = Number(other.value);
        } else {
          const c = tr.candidates[Number(chosen)];
          body.customer_id = c.customer.id;
          body.invoice_id = c.invoice_id;
        }
        if (note.value.trim()) body.note = note.value.trim();
        try {
          const r = await busy(button, t('common.saving'), () => api('POST', `/api/v1/bank-transfers/${tr.id}/assign`, body));
          close('ok');
          notify('ok', t('transfer.assigned', { payer: tr.payer_name, name: r.customer?.name || '' }));
          onDone();
        } catch (e) {
          dialogProblem(err, { customer_id: other, note }, e);
        }
      },
    }],
  });
}

function dismissDialog(tr, onDone) {
  const reason = field({ name: 'reason', label: t('transfer.dismissReason'), type: 'textarea', maxlength: 200, rows: 3, required: true });
  const err = h('p', { class: 'field-error', role: 'alert' });
  dialog({
    title: t('transfer.dismissTitle'),
    body: [h('p', {}, t('transfer.dismissText', { payer: tr.payer_name, yen: formatYen(tr.amount_yen) })), reason.el, err],
    actions: [{ label: t('common.cancel') }, {
      label: t('transfer.dismissDo'), kind: 'primary',
      onClick: async (close, button) => {
        err.textContent = '';
        reason.setError('');
        if (!reason.value.trim()) { reason.setError(t('form.requiredField')); reason.input.focus(); return; }
        try {
          await busy(button, t('common.saving'), () => api('POST', `/api/v1/bank-transfers/${tr.id}/dismiss`, { reason: reason.value.trim() }));
          close('ok');
          notify('ok', t('transfer.dismissed', { payer: tr.payer_name }));
          onDone();
        } catch (e) {
          dialogProblem(err, { reason }, e);
        }
      },
    }],
    onOpen: () => reason.input.focus(),
  });
}

// Entering a transfer from the passbook; the answer says where it went.
function entryForm(reloadList, showingReview) {
  let key = newKey();
  let sent = '';
  const out = h('div', { 'aria-live': 'polite' });
  const f = form({
    cls: 'transfer-form', draftKey: 'transfer-entry',
    fields: [
      { name: 'payer_name', label: t('transfer.payer'), required: true, maxlength: 60, hint: t('transfer.payerHint') },
      { name: 'amount_yen', label: t('transfer.amount'), type: 'number', required: true, min: 1, step: 1, inputmode: 'numeric' },
      { name: 'paid_on', label: t('transfer.receivedOn'), type: 'date', required: true, max: todayJst() },
      { name: 'bank_reference', label: t('transfer.reference'), maxlength: 64 },
    ],
    values: { paid_on: todayJst() },
    submitLabel: t('transfer.record'), busyLabel: t('common.saving'),
    async onSubmit(v) {
      const body = { method: 'transfer', payer_name: v.payer_name.trim(), amount_yen: Number(v.amount_yen), paid_on: v.paid_on };
      if (v.bank_reference.trim()) body.bank_reference = v.bank_reference.trim();
      const sig = JSON.stringify(body);
      if (sig !== sent) { key = newKey(); sent = sig; } // the same entry sent again keeps its key
      const r = await api('POST', '/api/v1/payments', body, { headers: { 'Idempotency-Key': key } });
      sent = '';
      f.setValues({ payer_name: '', amount_yen: '', bank_reference: '' });
      const msg = r.status === 'matched'
        ? t('transfer.wasMatched', { name: r.entry?.customer?.name || '', n: r.entry?.invoice_number ?? '' })
        : t('transfer.toReview');
      f.message(r.status === 'matched' ? 'ok' : 'info', h('p', {}, msg));
      fill(out, r.status !== 'matched' && !showingReview
        ? h('p', {}, h('a', { href: `#${PATH}?status=review` }, t('transfer.seeReview'))) : null);
      reloadList();
      return true;
    },
  });
  return h('details', { class: 'card transfer-entry' }, h('summary', {}, t('transfer.entryTitle')),
    h('p', { class: 'hint' }, t('transfer.entryIntro')), f.el, out);
}

export function render(el, ctx) {
  payHead(el, ctx, t('transfer.title'), t('transfer.intro'));
  const q = {
    status: pick(ctx.query.status, STATUSES, 'review'),
    after: pick(ctx.query.after, /^\d+$/),
  };
  const trail = trailOf(ctx);
  const status = h('select', { id: 'tr-status' }, STATUSES.map((s) =>
    h('option', { value: s, selected: s === q.status }, t(`transfer.filter.${s}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'tr-status' }, t('transfer.status')), status, h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go(PATH, { status: status.value });
  });
  const list = h('div', {});
  const write = can('payments.write');
  const params = new URLSearchParams({ limit: String(LIMIT) });
  if (q.status !== 'all') params.set('status', q.status);
  if (q.after) params.set('after', q.after);
  const load = () => loadInto(list, () => api('GET', `/api/v1/bank-transfers?${params}`), (r) => [
    table({
      cls: 'transfers',
      columns: [
        { label: t('transfer.col.on'), cell: (x) => formatDate(x.received_on) },
        { label: t('transfer.col.payer'), cell: (x) => clip(x.payer_name), cls: 'name-col' },
        { label: t('transfer.col.amount'), cell: (x) => formatYen(x.amount_yen), num: true },
        { label: t('transfer.col.reference'), cell: (x) => x.bank_reference || '—', clip: true },
        { label: t('transfer.col.status'), cell: (x) => h('span', {
          class: `chip ${{ review: 'warn', dismissed: 'bad', matched: 'ok', assigned: 'ok' }[x.status]}`,
        }, t(`transfer.status.${x.status}`)) },
        { label: t('transfer.col.to'), wrap: true, cell: (x) => (x.status === 'review'
          ? (x.candidates.length ? h('div', { class: 'cands' }, x.candidates.map(candidateLine))
            : h('span', { class: 'muted' }, t('transfer.noCandidates')))
          : x.status === 'dismissed' ? clip(x.resolution_note || '') : customerCell(x.customer)) },
        write ? { label: t('transfer.col.do'), cell: (x) => (x.status === 'review' ? h('span', { class: 'links' },
          h('button', { type: 'button', class: 'small primary', onclick: () => assignDialog(x, load) }, t('transfer.assign')),
          h('button', { type: 'button', class: 'small', onclick: () => dismissDialog(x, load) }, t('transfer.dismiss'))) : '') } : null,
      ].filter(Boolean),
      rows: r.transfers, empty: t(`transfer.none.${q.status}`),
      rowAttrs: (x) => ({ dataset: { transfer: x.id } }),
    }),
    cursorPager(ctx, PATH, q, trail, r.next_after),
  ]);
  el.append(write ? entryForm(load, q.status === 'review') : null, filters, list);
  load();
}
