// move.js — 転居・入居, two forms:
//
//  #/supply-points/{id}/move  入居者の交代: at an existing supply point the
//     current occupant moves out and another customer moves in on the same
//     day (POST /api/v1/supply-points/{id}/move). Optional: the meter
//     index read that day (転居時検針, splitting the period between the two
//     contracts) and the newcomer's contract (payment method, bank account
//     for 口座振替 when the role may enter one).
//  #/customers/{id}/move-in   新しい供給地点へ入居: a new supply point is
//     registered (POST /api/v1/supply-points), then the customer moves in
//     (the move call). If the second step is refused, the point is kept and
//     a retry only repeats the move.
//
// Field errors are shown at the fields (contract.* and reading.index are
// the API's names for the nested ones).
import { api } from '../lib/api.js';
import { clip, fill, h, uid } from '../lib/dom.js';
import { formatDate, todayJst } from '../lib/format.js';
import { choices, field, form } from '../lib/forms.js';
import { customerPicker as pickCustomer } from '../lib/customer-picker.js';
import { problemText, t } from '../lib/i18n.js';
import { PREFECTURES } from '../lib/jp.js';
import { can } from '../lib/session.js';
import { loadError, loading, notify } from '../lib/ui.js';
import { pointAddress } from './customer-tabs.js';

// The newcomer's field: a customer picker (lib/customer-picker.js) on a
// hidden required field; f.pick(customer) chooses one from code.
function customerPicker(name, label) {
  const f = field({ name, label, required: true, type: 'hidden' });
  f.pick = pickCustomer(f, { placeholder: t('move.pickPlaceholder') }).choose;
  return f;
}

function contractFields() {
  const pm = [['debit', t('payment.debit')], ['transfer', t('payment.transfer')],
              ['collection', t('payment.collection')], ['cvs', t('payment.cvs')]];
  const out = [{ name: 'payment_method', label: t('contract.payment'), type: 'select',
                 options: choices(pm, t('move.noContract')), hint: t('move.contractHint') }];
  if (can('customers.bank')) {
    out.push(
      { name: 'bank_code', label: t('contract.bankCode'), maxlength: 4, inputmode: 'numeric' },
      { name: 'branch_code', label: t('contract.branchCode'), maxlength: 3, inputmode: 'numeric' },
      { name: 'account_type', label: t('contract.accountType'), type: 'select',
        options: choices([['1', t('account.type.1')], ['2', t('account.type.2')], ['9', t('account.type.9')]], t('form.choose')) },
      { name: 'account_number', label: t('contract.accountNumber'), maxlength: 7, inputmode: 'numeric' },
      { name: 'account_holder', label: t('contract.holder'), maxlength: 60, wide: true, hint: t('contract.holderHint') });
  }
  return out;
}

const BANK = ['bank_code', 'branch_code', 'account_type', 'account_number', 'account_holder'];

// Bank fields only for 口座振替 (the API refuses them for other methods).
function bankFollowsMethod(f) {
  const method = f.fields.get('payment_method')?.input;
  if (!method) return;
  const sync = () => {
    for (const k of BANK) {
      const x = f.fields.get(k);
      if (x) x.el.hidden = method.value !== 'debit';
    }
  };
  method.addEventListener('change', sync);
  sync();
}

// The contract and reading parts of a move body from the form's values.
function moveExtras(v) {
  const body = {};
  if (v.payment_method) {
    body.contract = { payment_method: v.payment_method };
    if (v.payment_method === 'debit') {
      for (const k of BANK) if (v[k]) body.contract[k] = v[k];
    }
  }
  if (v.index) body.reading = { index: v.index };
  return body;
}

const FIELD_NAMES = {
  'contract.payment_method': 'payment_method', 'contract.bank_code': 'bank_code',
  'contract.branch_code': 'branch_code', 'contract.account_type': 'account_type',
  'contract.account_number': 'account_number', 'contract.account_holder': 'account_holder',
  'reading.index': 'index',
};

const CODE_FIELDS = {
  'metering.reading_impossible': 'index', 'customers.move_date': 'date',
  'customers.not_found': 'customer_id',
};

async function exchange(el, ctx) {
  const spid = ctx.params.id;
  ctx.title(t('move.title'));
  el.append(loading());
  let sp;
  try {
    sp = await api('GET', `/api/v1/supply-points/${encodeURIComponent(spid)}`);
  } catch (e) {
    if (ctx.alive()) fill(el, h('h1', { tabindex: '-1' }, t('move.title')), loadError(e, () => ctx.reload()));
    return;
  }
  if (!ctx.alive()) return;
  const now = sp.occupants.find((o) => !o.moved_out);
  const picker = customerPicker('customer_id', t('move.newcomer'));
  const f = form({
    groups: [
      { legend: t('move.who'), fields: [picker,
        { name: 'date', label: t('move.date'), type: 'date', required: true, hint: t('move.dateHint') },
        { name: 'index', label: t('move.index'), inputmode: 'decimal', maxlength: 12,
          hint: sp.meter ? t('move.indexHint', { serial: sp.meter.serial }) : t('move.noMeter'), readonly: !sp.meter }] },
      { legend: t('move.contract'), fields: contractFields() },
    ],
    values: { date: todayJst() }, submitLabel: t('move.submit'), busyLabel: t('common.saving'),
    draftKey: `move:${spid}`, fieldNames: FIELD_NAMES, codeFields: CODE_FIELDS,
    actions: [h('a', { class: 'button', href: now ? `#/customers/${now.customer_id}/points` : '#/customers' },
                t('common.cancel'))],
    onSubmit: async (v) => {
      const body = { customer_id: Number(v.customer_id), date: v.date, previous_moves_out: true, ...moveExtras(v) };
      await api('POST', `/api/v1/supply-points/${spid}/move`, body);
      f.dropDraft();
      notify('ok', t('move.done', { date: formatDate(v.date) }));
      ctx.go(`/customers/${v.customer_id}/points`);
    },
  });
  bankFollowsMethod(f);
  if (f.values().customer_id) { // a draft named the newcomer: show who
    api('GET', `/api/v1/customers/${Number(f.values().customer_id)}`)
      .then((c) => picker.pick(c)).catch(() => picker.pick(null));
  }
  fill(el, h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('move.title'))),
    h('section', { class: 'card' }, h('h2', { class: 'wrap' }, pointAddress(sp)),
      h('p', {}, now ? t('move.current', { name: now.name, number: now.number, since: formatDate(now.moved_in) })
                     : t('move.vacant'))),
    h('p', { class: 'hint' }, t('move.intro')), f.el);
  el.querySelector('h1').focus();
}

async function moveIn(el, ctx) {
  const id = ctx.params.id;
  ctx.title(t('movein.title'));
  el.append(loading());
  let c;
  try {
    c = await api('GET', `/api/v1/customers/${encodeURIComponent(id)}`);
  } catch (e) {
    if (ctx.alive()) fill(el, h('h1', { tabindex: '-1' }, t('movein.title')), loadError(e, () => ctx.reload()));
    return;
  }
  if (!ctx.alive()) return;
  let created = null; // the supply point made by a first try whose move failed
  const p = (name, more = {}) => ({ name, label: t(`point.f.${name}`), ...more });
  const f = form({
    groups: [
      { legend: t('movein.point'), fields: [
        p('prefecture', { type: 'select', required: true, options: choices(PREFECTURES.map((x) => [x, x]), t('form.choose')) }),
        p('city', { required: true, maxlength: 50 }),
        p('street', { required: true, maxlength: 100, wide: true }),
        p('building', { maxlength: 100 }), p('room', { maxlength: 20 }),
        p('supply_kind', { type: 'select', required: true, options: [
          ['individual', t('point.kind.individual')], ['bulk', t('point.kind.bulk')], ['collective', t('point.kind.collective')]] }),
        p('route', { maxlength: 20, label: t('point.f.routeName') }),
        p('route_order', { type: 'number', min: 0, max: 999999 }),
        p('billing_group', { type: 'number', min: 1, max: 31 }),
        p('notes', { type: 'textarea', maxlength: 500, wide: true, rows: 2 }),
      ] },
      { legend: t('move.who'), fields: [
        { name: 'date', label: t('move.date'), type: 'date', required: true }] },
      { legend: t('move.contract'), fields: contractFields() },
    ],
    values: { date: todayJst(), supply_kind: 'individual', prefecture: c.prefecture || '' },
    submitLabel: t('movein.submit'), draftKey: `movein:${id}`, fieldNames: FIELD_NAMES, codeFields: CODE_FIELDS,
    draftExtra: () => ({ created }), onDraft: (x) => { created = x?.created ?? null; },
    actions: [h('a', { class: 'button', href: `#/customers/${id}/points` }, t('common.cancel'))],
    onSubmit: async (v) => {
      if (!created) {
        const body = {};
        for (const k of ['prefecture', 'city', 'street', 'building', 'room', 'supply_kind', 'route', 'notes']) {
          if (v[k]) body[k] = v[k];
        }
        for (const k of ['route_order', 'billing_group']) if (v[k] !== '') body[k] = Number(v[k]);
        created = (await api('POST', '/api/v1/supply-points', body)).id;
        f.saveDraft();
      }
      await api('POST', `/api/v1/supply-points/${created}/move`,
                { customer_id: Number(id), date: v.date, previous_moves_out: false, ...moveExtras(v) });
      f.dropDraft();
      notify('ok', t('movein.done', { date: formatDate(v.date) }));
      ctx.go(`/customers/${id}/points`);
    },
  });
  bankFollowsMethod(f);
  fill(el, h('div', { class: 'page-head' }, h('div', {},
      h('p', { class: 'crumbs' }, h('a', { href: `#/customers/${id}` }, c.name)),
      h('h1', { tabindex: '-1' }, t('movein.title')))),
    h('p', { class: 'hint' }, t('movein.intro')), f.el);
  el.querySelector('h1').focus();
}

export function render(el, ctx) {
  return ctx.path.startsWith('/supply-points/') ? exchange(el, ctx) : moveIn(el, ctx);
}
