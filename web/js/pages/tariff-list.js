// tariff-list.js — 料金表: the tenant's tariffs by code (GET
// /api/v1/tariffs, at most 1,000) with the prices in force today, 20 a
// page with the page number in the URL; roles that may bill add one
// (POST /api/v1/tariffs: code, name, kind — prices follow as dated
// versions on the tariff's own page, tariff-page.js).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDate } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { loadInto, notify, pagedRows, table } from '../lib/ui.js';
import { money } from './billing-lines.js';

export const KINDS = ['two_part', 'three_part', 'minimum', 'fixed'];

export function render(el, ctx) {
  ctx.title(t('tariffs.title'));
  const body = h('div', {});
  const add = can('billing.write') ? newTariff(ctx) : null;
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('tariffs.title'))),
            h('p', { class: 'hint' }, t('tariffs.intro')), body, add);
  el.querySelector('h1').focus();
  loadInto(body, () => api('GET', '/api/v1/tariffs'), ({ tariffs }) => {
    const { slice, nav } = pagedRows(tariffs, ctx.query.page, 20,
      (p) => ctx.go('/billing/tariffs', { page: p > 1 ? p : '' }));
    return [table({
      cls: 'tariff-list',
      columns: [
        { label: t('tariff.code'), cell: (x) => h('a', { href: `#/billing/tariffs/${x.id}` }, x.code) },
        { label: t('tariff.name'), cell: (x) => x.name, clip: true, cls: 'name-col' },
        { label: t('tariff.kind'), cell: (x) => t(`tariff.kind.${x.kind}`) },
        { label: t('tariff.effective'), cell: (x) => (x.current ? formatDate(x.current.effective_from)
          : h('span', { class: 'chip warn' }, t('tariff.noCurrent'))) },
        { label: t('tariff.baseFee'), num: true, cell: (x) => (x.current ? money(x.kind === 'fixed'
          ? x.current.fixed_amount : x.kind === 'minimum' ? x.current.minimum_charge : x.current.base_fee) : '') },
        { label: t('tariff.firstUnit'), num: true, cell: (x) => (x.current?.bands?.length
          ? t('billing.perM3', { price: money(x.current.bands[0].unit_price) }) : '') },
        { label: t('tariff.equipmentFee'), num: true, cell: (x) => (x.current ? money(x.current.equipment_fee) : '') },
      ],
      rows: slice, empty: t('tariffs.none'),
    }), nav];
  });
}

function newTariff(ctx) {
  const f = form({
    cls: 'tariff-new',
    fields: [
      { name: 'code', label: t('tariff.code'), required: true, maxlength: 16, hint: t('tariff.codeHint'),
        autocomplete: 'off' },
      { name: 'name', label: t('tariff.name'), required: true, maxlength: 64 },
      { name: 'kind', label: t('tariff.kind'), type: 'select', required: true,
        options: [['', t('form.choose')], ...KINDS.map((k) => [k, t(`tariff.kind.${k}`)])],
        hint: t('tariff.kindHint') },
      { name: 'notes', label: t('tariff.notes'), type: 'textarea', maxlength: 500, wide: true, rows: 2 },
    ],
    submitLabel: t('tariffs.create'),
    busyLabel: t('common.saving'),
    draftKey: 'tariff-new',
    onSubmit: async (v) => {
      const tf = await api('POST', '/api/v1/tariffs', {
        code: v.code.trim(), name: v.name.trim(), kind: v.kind, notes: v.notes.trim() || null });
      notify('ok', t('tariffs.created', { code: tf.code }));
      ctx.go(`/billing/tariffs/${tf.id}`, { edit: 'new' });
    },
  });
  return h('section', { class: 'card' }, h('details', { id: 'tariff-new', open: ctx.query.new === '1' || null },
    h('summary', {}, t('tariffs.new')), h('p', { class: 'hint' }, t('tariffs.newIntro')), f.el));
}
