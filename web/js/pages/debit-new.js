// debit-new.js — 口座振替依頼の作成: for one billing run and a debit date
// (振替日, a bank business day), what would go to the bank is shown first
// (POST /api/v1/debit-requests with preview: true: lines, amount, the
// invoices that cannot go into a file and why, those skipped because
// nothing is owed); only then can the request be made (the same call
// without preview), which stores the Zengin file and opens the request's
// page, where it is downloaded. Changing a field asks for a new check.
import { api, ApiError } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatCount, formatMonth, formatYen } from '../lib/format.js';
import { choices, form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { busy, loadInto, notify, table } from '../lib/ui.js';
import { customerCell, payHead } from './payments-common.js';

function runLabel(r) {
  return t('debit.runLabel', { month: formatMonth(r.month), group: r.billing_group });
}

function body(v, preview) {
  const b = { run_id: Number(v.run_id), debit_on: v.debit_on };
  if (v.bank_code.trim()) b.bank_code = v.bank_code.trim();
  if (preview) b.preview = true;
  return b;
}

// The invoices a request leaves out: those that cannot be written, then
// those with nothing owed (folded away: usually most of a run).
export function leftOut(r) {
  return [
    r.problem_count ? [h('h3', {}, t('debit.problems', { n: formatCount(r.problem_count) })),
      h('p', { class: 'hint' }, t('debit.problemsHint')),
      table({
        cls: 'debit-problems',
        columns: [
          { label: t('debit.col.customer'), cell: (p) => customerCell(p.customer) },
          { label: t('debit.col.invoice'), cell: (p) => String(p.invoice_number), num: true },
          { label: t('debit.col.reason'), cell: (p) => p.message, wrap: true },
        ],
        rows: r.problems,
      })] : null,
    r.skipped_count ? h('details', {}, h('summary', {}, t('debit.skipped', { n: formatCount(r.skipped_count) })),
      table({
        columns: [
          { label: t('debit.col.customer'), cell: (p) => customerCell(p.customer) },
          { label: t('debit.col.invoice'), cell: (p) => String(p.invoice_number), num: true },
          { label: t('debit.col.reason'), cell: (p) => p.message, wrap: true },
        ],
        rows: r.skipped,
      })) : null,
  ];
}

function previewOf(r) {
  return h('section', { class: 'card', id: 'debit-preview', 'aria-labelledby': 'debit-preview-title' },
    h('h2', { id: 'debit-preview-title' }, t('debit.previewTitle')),
    h('dl', { class: 'figures' },
      h('div', { class: 'figure-box' }, h('dt', {}, t('debit.lines')), h('dd', { id: 'debit-preview-lines' }, formatCount(r.lines))),
      h('div', { class: 'figure-box' }, h('dt', {}, t('debit.amount')), h('dd', {}, formatYen(r.amount_yen))),
      h('div', { class: 'figure-box' }, h('dt', {}, t('debit.fileCount')), h('dd', {}, formatCount(r.files.length))),
      h('div', { class: 'figure-box' }, h('dt', {}, t('debit.problemCount')),
        h('dd', { class: r.problem_count ? 'bad' : null }, formatCount(r.problem_count)))),
    leftOut(r));
}

// A refusal that concerns no field (nothing to request, settings missing)
// with the server's explanation under it.
function showRefusal(f, e) {
  if (!(e instanceof ApiError) || e.fieldErrors.length) throw e;
  f.message('error', h('p', {}, problemText(e)), e.detail ? h('p', {}, e.detail) : null);
  f.msg.setAttribute('tabindex', '-1');
  f.msg.focus();
}

export function render(el, ctx) {
  payHead(el, ctx, t('debit.newTitle'), t('debit.newIntro'));
  const slot = h('div', {});
  el.append(slot);
  loadInto(slot, () => api('GET', '/api/v1/billing-runs'), ({ billing_runs: runs }) => {
    const done = runs.filter((r) => r.status === 'committed');
    if (!done.length) return h('p', { class: 'empty' }, t('debit.noRuns'));
    const out = h('div', { 'aria-live': 'polite' });
    const create = h('button', { type: 'button', id: 'debit-create', disabled: true }, t('debit.create'));
    const wanted = /^\d+$/.test(ctx.query.run || '') ? ctx.query.run : String(done[0].id);
    const f = form({
      cls: 'debit-form', draftKey: 'debit-new',
      fields: [
        { name: 'run_id', label: t('debit.run'), type: 'select', required: true,
          options: choices(done.map((r) => [String(r.id), runLabel(r)]), t('form.choose')) },
        { name: 'debit_on', label: t('debit.debitOn'), type: 'date', required: true, hint: t('debit.debitOnHint') },
        { name: 'bank_code', label: t('debit.bankCode'), maxlength: 4, inputmode: 'numeric', hint: t('debit.bankCodeHint') },
      ],
      values: { run_id: done.some((r) => String(r.id) === wanted) ? wanted : '' },
      submitLabel: t('debit.check'), busyLabel: t('common.checking'),
      actions: [create],
      async onSubmit(v, fm) {
        create.disabled = true;
        fill(out);
        try {
          const r = await api('POST', '/api/v1/debit-requests', body(v, true));
          fill(out, previewOf(r));
          create.disabled = false;
          fm.message('ok', h('p', {}, t('debit.readyToCreate', { n: formatCount(r.lines), yen: formatYen(r.amount_yen) })));
        } catch (e) {
          showRefusal(fm, e);
          return false;
        }
        return true;
      },
    });
    f.el.addEventListener('input', () => { create.disabled = true; });
    create.addEventListener('click', () => busy(create, t('debit.creating'), async () => {
      try {
        const r = await api('POST', '/api/v1/debit-requests', body(f.values(), false));
        notify('ok', t('debit.created', { n: r.id, lines: formatCount(r.lines), yen: formatYen(r.amount_yen) }));
        ctx.go(`/payments/debits/${r.id}`);
      } catch (e) {
        if (e instanceof ApiError && e.fieldErrors.length) f.showProblem(e);
        else showRefusal(f, e);
      }
    }));
    return [f.el, out];
  });
}
