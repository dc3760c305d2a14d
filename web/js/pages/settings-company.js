// settings-company.js — 事業者情報: what the retailer prints and how it
// bills and collects.
//
//   請求の設定 (GET/PUT /api/v1/settings/billing; billing.read to see,
//   billing.write to change): the issuer as printed on statements (name,
//   address, phone), the 適格請求書発行事業者 registration number (T and
//   13 digits, checked as typed and by the API), 端数処理 of charge lines
//   and of the consumption tax, price changes inside a period, the base
//   fee of a short period, days to the due date.
//   口座振替の委託者情報 (GET/PUT /api/v1/settings/payments; payments.read
//   to see, payments.write and a fresh one-time code to change): the
//   collection contract with the bank.
//
// Only what changed is sent (the API keeps the rest). Field errors come
// back under the field (issuer.phone → the phone field).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { form } from '../lib/forms.js';
import { can } from '../lib/session.js';
import { loadInto, notify, withStepUp } from '../lib/ui.js';
import { head } from './settings-common.js';

const ROUNDING = ['down', 'half_up', 'up'];

function opts(values, prefix) {
  return values.map((v) => [v, t(`${prefix}.${v}`)]);
}

// Only the keys whose value differs from before.
function changes(before, after) {
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => String(before[k] ?? '') !== String(v ?? '')));
}

function billingForm(s) {
  const ro = !can('billing.write');
  const flat = {
    issuer_name: s.issuer.name, issuer_address: s.issuer.address, issuer_phone: s.issuer.phone,
    registration: s.registration, rounding: s.rounding, tax_rounding: s.tax_rounding,
    price_change: s.price_change, partial_base: s.partial_base, due_days: String(s.due_days),
  };
  const f = form({
    cls: ro ? 'readonly-form' : null,
    groups: [
      { legend: t('settings.company.issuer'), fields: [
        { name: 'issuer_name', label: t('settings.company.name'), maxlength: 60, readonly: ro, wide: true },
        { name: 'issuer_address', label: t('settings.company.address'), maxlength: 80, readonly: ro, wide: true },
        { name: 'issuer_phone', label: t('settings.company.phone'), maxlength: 20, readonly: ro,
          inputmode: 'tel', placeholder: '0977-66-1234' },
        { name: 'registration', label: t('settings.company.registration'), maxlength: 14, readonly: ro,
          placeholder: 'T1234567890123', hint: t('settings.company.registrationHint'), autocomplete: 'off' },
      ] },
      { legend: t('settings.company.billing'), fields: [
        { name: 'rounding', label: t('settings.company.rounding'), type: 'select', options: opts(ROUNDING, 'settings.rounding') },
        { name: 'tax_rounding', label: t('settings.company.taxRounding'), type: 'select', options: opts(ROUNDING, 'settings.rounding') },
        { name: 'price_change', label: t('settings.company.priceChange'), type: 'select',
          options: opts(['reading_date', 'day_split'], 'settings.priceChange') },
        { name: 'partial_base', label: t('settings.company.partialBase'), type: 'select',
          options: opts(['full', 'days'], 'settings.partialBase') },
        { name: 'due_days', label: t('settings.company.dueDays'), type: 'number', min: 0, max: 90, step: 1,
          readonly: ro, hint: t('settings.company.dueDaysHint') },
      ] },
    ],
    values: flat,
    fieldNames: { 'issuer.name': 'issuer_name', 'issuer.address': 'issuer_address', 'issuer.phone': 'issuer_phone' },
    submitLabel: t('common.save'),
    onSubmit: async (v, fm) => {
      const reg = v.registration.trim().toUpperCase().replace(/[\s-]/g, '');
      if (reg && !/^T\d{13}$/.test(reg)) {
        fm.fields.get('registration').setError(t('settings.company.registrationFormat'));
        fm.message('error', h('p', {}, t('form.fixFields', { n: 1 })));
        fm.fields.get('registration').input.focus();
        return false;
      }
      const diff = changes(flat, { ...v, registration: reg });
      if (!Object.keys(diff).length) {
        fm.message('info', h('p', {}, t('settings.users.noChange')));
        return true;
      }
      const body = {};
      for (const k of ['registration', 'rounding', 'tax_rounding', 'price_change', 'partial_base']) {
        if (k in diff) body[k] = diff[k];
      }
      if ('due_days' in diff) body.due_days = Number(diff.due_days);
      for (const k of ['name', 'address', 'phone']) {
        if (`issuer_${k}` in diff) (body.issuer ||= {})[k] = diff[`issuer_${k}`].trim();
      }
      const r = await api('PUT', '/api/v1/settings/billing', body);
      Object.assign(flat, { registration: r.registration, due_days: String(r.due_days),
                            issuer_name: r.issuer.name, issuer_address: r.issuer.address, issuer_phone: r.issuer.phone,
                            rounding: r.rounding, tax_rounding: r.tax_rounding, price_change: r.price_change,
                            partial_base: r.partial_base });
      fm.setValues(flat);
      fm.message('ok', h('p', {}, t('settings.saved')));
      notify('ok', t('settings.company.billingSaved'));
      return true;
    },
  });
  if (ro) {
    f.submit.hidden = true;
    for (const x of f.fields.values()) if (x.input.tagName === 'SELECT') x.input.disabled = true;
  }
  f.el.id = 'billing-settings';
  return f.el;
}

function paymentsForm(s) {
  const d = s.debit || {};
  const ro = !can('payments.write');
  const flat = {
    requester_code: d.requester_code || '', requester_name: d.requester_name || '',
    bank_code: d.bank?.code || '', bank_name: d.bank?.name || '',
    branch_code: d.branch?.code || '', branch_name: d.branch?.name || '',
    account_type: d.account_type ? String(d.account_type) : '', account_number: d.account_number || '',
    line_ending: d.line_ending || 'crlf', files: d.files || 'combined',
  };
  const f = form({
    fields: [
      { name: 'requester_code', label: t('settings.pay.requesterCode'), maxlength: 10, inputmode: 'numeric', readonly: ro,
        hint: t('settings.pay.requesterCodeHint') },
      { name: 'requester_name', label: t('settings.pay.requesterName'), maxlength: 40, readonly: ro, wide: true,
        hint: t('settings.pay.kanaHint') },
      { name: 'bank_code', label: t('settings.pay.bankCode'), maxlength: 4, inputmode: 'numeric', readonly: ro },
      { name: 'bank_name', label: t('settings.pay.bankName'), maxlength: 15, readonly: ro },
      { name: 'branch_code', label: t('settings.pay.branchCode'), maxlength: 3, inputmode: 'numeric', readonly: ro },
      { name: 'branch_name', label: t('settings.pay.branchName'), maxlength: 15, readonly: ro },
      { name: 'account_type', label: t('settings.pay.accountType'), type: 'select',
        options: [['', t('form.choose')], ['1', t('settings.pay.type.1')], ['2', t('settings.pay.type.2')], ['9', t('settings.pay.type.9')]] },
      { name: 'account_number', label: t('settings.pay.accountNumber'), maxlength: 7, inputmode: 'numeric', readonly: ro },
      { name: 'line_ending', label: t('settings.pay.lineEnding'), type: 'select',
        options: [['crlf', t('settings.pay.crlf')], ['none', t('settings.pay.noNewline')]] },
      { name: 'files', label: t('settings.pay.files'), type: 'select',
        options: [['combined', t('settings.pay.combined')], ['per_bank', t('settings.pay.perBank')]] },
    ],
    values: flat,
    fieldNames: { 'debit.requester_code': 'requester_code', 'debit.requester_name': 'requester_name',
                  'debit.bank.code': 'bank_code', 'debit.bank.name': 'bank_name',
                  'debit.branch.code': 'branch_code', 'debit.branch.name': 'branch_name',
                  'debit.account_type': 'account_type', 'debit.account_number': 'account_number',
                  'debit.line_ending': 'line_ending', 'debit.files': 'files' },
    submitLabel: t('settings.pay.save'),
    onSubmit: async (v, fm) => {
      const diff = changes(flat, v);
      if (!Object.keys(diff).length) {
        fm.message('info', h('p', {}, t('settings.users.noChange')));
        return true;
      }
      const debit = {};
      for (const k of ['requester_code', 'requester_name', 'account_number', 'line_ending', 'files']) {
        if (k in diff) debit[k] = diff[k].trim();
      }
      if ('account_type' in diff) debit.account_type = diff.account_type ? Number(diff.account_type) : null;
      for (const k of ['bank', 'branch']) {
        if (`${k}_code` in diff || `${k}_name` in diff) debit[k] = { code: v[`${k}_code`].trim(), name: v[`${k}_name`].trim() };
      }
      const r = await withStepUp(() => api('PUT', '/api/v1/settings/payments', { debit }));
      if (r === null) return false;
      Object.assign(flat, v);
      fm.message('ok', h('p', {}, r.debit?.complete ? t('settings.pay.complete') : t('settings.pay.incomplete')));
      notify('ok', t('settings.pay.saved'));
      return true;
    },
  });
  if (ro) {
    f.submit.hidden = true;
    for (const x of f.fields.values()) if (x.input.tagName === 'SELECT') x.input.disabled = true;
  }
  f.el.id = 'payment-settings';
  return [
    h('p', { class: d.complete ? 'hint' : 'warn-line' },
      d.complete ? t('settings.pay.complete') : t('settings.pay.incomplete')),
    f.el,
  ];
}

export function render(el, ctx) {
  head(el, ctx, 'company', t('settings.company.intro'));
  const billing = h('section', { class: 'card' });
  el.append(h('h2', {}, t('settings.company.billingTitle')), billing);
  loadInto(billing, () => api('GET', '/api/v1/settings/billing'), billingForm);
  if (can('payments.read')) {
    const pay = h('section', { class: 'card' });
    el.append(h('h2', {}, t('settings.pay.title')), pay);
    loadInto(pay, () => api('GET', '/api/v1/settings/payments'), paymentsForm);
  }
}
