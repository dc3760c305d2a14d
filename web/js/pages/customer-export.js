// customer-export.js — 顧客台帳の出力: the ledger as CSV (UTF-8 for Excel),
// Shift_JIS CSV or XLSX (GET /api/v1/exports/customers), narrowed by the
// list's search and status when asked. With bank accounts (full account
// numbers: GET /api/v1/exports/customers/full) the server wants a fresh
// one-time code: the step-up prompt asks for it, then the file comes.
import { ApiError } from '../lib/api.js';
import { fill, h, uid } from '../lib/dom.js';
import { formatCount } from '../lib/format.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { busy, dialog, withStepUp } from '../lib/ui.js';
import { download } from '../lib/download.js';

const FORMATS = ['csv', 'csv_sjis', 'xlsx'];

function radio(name, value, label, checked) {
  const id = uid(name);
  return h('div', { class: 'field check' },
    h('input', { type: 'radio', name, value, id, checked }), h('label', { for: id }, label));
}

export function exportDialog({ q = '', status = '' } = {}) {
  const narrowed = !!(q || status);
  const scopeId = uid('scope');
  const bankId = uid('bank');
  const scope = h('input', { type: 'checkbox', id: scopeId, checked: narrowed });
  const bank = h('input', { type: 'checkbox', id: bankId });
  const result = h('div', { class: 'form-msg', role: 'status', id: 'export-result' });
  const body = [
    h('fieldset', {}, h('legend', {}, t('export.format')),
      FORMATS.map((f, i) => radio('export-format', f, t(`export.format.${f}`), i === 0))),
    narrowed ? h('div', { class: 'field check' }, scope, h('label', { for: scopeId },
      t('export.scope', { q: q || '—', status: status ? t(`customer.status.${status}`) : t('customers.statusAll') })))
      : h('p', {}, t('export.scopeAll')),
    can('customers.bank') ? h('div', { class: 'field check' }, bank,
      h('label', { for: bankId }, t('export.bank'))) : null,
    can('customers.bank') ? h('p', { class: 'hint' }, t('export.bankHint')) : null,
    result,
  ];
  const run = async (close, button) => {
    const format = document.querySelector('input[name="export-format"]:checked')?.value || 'csv';
    const params = new URLSearchParams({ format });
    if (scope.checked && q) params.set('q', q);
    if (scope.checked && status) params.set('status', status);
    const path = `/api/v1/exports/customers${bank.checked ? '/full' : ''}?${params}`;
    fill(result);
    result.className = 'form-msg';
    try {
      const r = await busy(button, t('export.running'), () => withStepUp(() => download(path)));
      if (!r) {
        result.className = 'form-msg warn';
        fill(result, t('export.cancelled'));
        return;
      }
      const rows = r.headers.get('X-Export-Rows');
      const sub = Number(r.headers.get('X-Export-Substituted') || 0);
      result.className = 'form-msg ok';
      fill(result, h('p', {}, t('export.done', { name: r.name, n: formatCount(rows) })),
           sub ? h('p', {}, t('export.substituted', { n: sub })) : null);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      result.className = 'form-msg error';
      fill(result, problemText(e));
    }
  };
  return dialog({
    title: t('export.title'), body,
    actions: [{ label: t('common.close') }, { label: t('export.submit'), kind: 'primary', onClick: run }],
  });
}
