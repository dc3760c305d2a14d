// payments-followups.js — 振替不能の対応: what each failed direct debit asks
// for (GET /api/v1/payment-followups): 再振替 (result 1, the next invoice
// carries the amount), 振込用紙 (2, 4), 連絡 (3, 8, 9). Filters (open or
// done, one customer) and the page cursor are in the URL. A follow-up
// dealt with is marked done with a note (POST …/{id}/close).
import { api, ApiError } from '../lib/api.js';
import { h, uid } from '../lib/dom.js';
import { formatDate, formatDateTime, formatYen, jst } from '../lib/format.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { busy, dialog, loadInto, notify, table } from '../lib/ui.js';
import { actionChip, cursorPager, customerCell, payHead, pick, resultName, trailOf } from './payments-common.js';

const LIMIT = 50;
const PATH = '/payments/followups';

function closeDialog(f, onDone) {
  const id = uid('note');
  const note = h('textarea', { id, rows: 3, maxlength: 200, 'aria-describedby': `${id}-err` });
  const err = h('p', { id: `${id}-err`, class: 'field-error', role: 'alert' });
  dialog({
    title: t('followup.closeTitle'),
    body: [h('p', {}, t('followup.closeText', { name: f.customer.name, action: t(`followup.action.${f.action}`) })),
           h('label', { class: 'field', for: id }, h('span', { class: 'label' }, t('followup.note')), note), err],
    actions: [{ label: t('common.cancel') }, {
      label: t('followup.closeDo'), kind: 'primary',
      onClick: async (close, button) => {
        err.textContent = '';
        const body = note.value.trim() ? { note: note.value.trim() } : {};
        try {
          await busy(button, t('common.saving'), () => api('POST', `/api/v1/payment-followups/${f.id}/close`, body));
          close('ok');
          notify('ok', t('followup.closed', { name: f.customer.name }));
          onDone();
        } catch (e) {
          if (!(e instanceof ApiError)) throw e;
          err.textContent = e.fieldErrors[0]?.message || problemText(e);
        }
      },
    }],
    onOpen: () => note.focus(),
  });
}

export function render(el, ctx) {
  payHead(el, ctx, t('followup.title'), t('followup.intro'));
  const q = {
    status: pick(ctx.query.status, ['open', 'done', 'all'], 'open'),
    customer_id: pick(ctx.query.customer_id, /^\d+$/),
    after: pick(ctx.query.after, /^\d+$/),
  };
  const trail = trailOf(ctx);
  const status = h('select', { id: 'fu-status' }, ['open', 'done', 'all'].map((s) =>
    h('option', { value: s, selected: s === q.status }, t(`followup.filter.${s}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'fu-status' }, t('followup.status')), status,
    q.customer_id ? h('span', { class: 'chip' }, t('followup.oneCustomer'), ' ',
      h('a', { href: `#${PATH}?status=${q.status}` }, t('followup.allCustomers'))) : null,
    h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go(PATH, { status: status.value, customer_id: q.customer_id });
  });
  const list = h('div', {});
  el.append(filters, list);

  const params = new URLSearchParams({ limit: String(LIMIT) });
  if (q.status !== 'all') params.set('status', q.status);
  if (q.customer_id) params.set('customer_id', q.customer_id);
  if (q.after) params.set('after', q.after);
  const write = can('payments.write');
  loadInto(list, () => api('GET', `/api/v1/payment-followups?${params}`), (r) => [
    table({
      cls: 'followups',
      columns: [
        { label: t('followup.col.created'), cell: (f) => formatDate(jst(f.created_at)?.date) },
        { label: t('followup.col.customer'), cell: (f) => customerCell(f.customer) },
        { label: t('followup.col.invoice'), cell: (f) => String(f.invoice_number ?? '—'), num: true },
        { label: t('followup.col.amount'), cell: (f) => formatYen(f.amount_yen), num: true },
        { label: t('followup.col.result'), cell: (f) => `${f.result_code} ${resultName(f.result_code)}` },
        { label: t('followup.col.action'), cell: (f) => actionChip(f.action) },
        q.status === 'open' ? null : { label: t('followup.col.status'), cell: (f) => (f.status === 'open'
          ? h('span', { class: 'chip warn' }, t('followup.status.open'))
          : h('span', { class: 'chip ok', title: f.close_note || null },
              t('followup.doneAt', { at: formatDateTime(f.closed_at) }))) },
        q.status === 'open' ? null : { label: t('followup.col.note'), cell: (f) => f.close_note || '', clip: true },
        write ? { label: t('followup.col.do'), cell: (f) => (f.status === 'open' ? h('button', {
          type: 'button', class: 'small', onclick: () => closeDialog(f, ctx.reload),
        }, t('followup.close')) : '') } : null,
      ].filter(Boolean),
      rows: r.followups, empty: t(`followup.none.${q.status}`),
      rowAttrs: (f) => ({ dataset: { followup: f.id, code: f.result_code } }),
    }),
    cursorPager(ctx, PATH, q, trail, r.next_after),
  ]);
}
