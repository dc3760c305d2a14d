// billing-lines.js — how the billing screens show charges: the lines of an
// invoice or of a quote (POST /api/v1/tariffs/{id}/quote has the same
// shape), the tax per rate and the totals. Shared by the invoice page and
// the tariff calculator.
//
// The 2025 rule (DOMAIN.md): equipment costs are shown apart from the gas
// charges, so the lines come in three groups — ガス料金 (base, usage,
// 原料費調整), 設備料金 (always shown, ¥0 when none) and other charges
// (adjustments of earlier invoices, sales, fees) — each with its own
// subtotal.
import { h } from '../lib/dom.js';
import { formatYen } from '../lib/format.js';
import { lang, t } from '../lib/i18n.js';

const GROUPS = [
  { key: 'gas', kinds: ['base', 'usage', 'adjustment'] },
  { key: 'equipment', kinds: ['equipment'] },
  { key: 'other', kinds: ['charge'] },
];

// "4.5" m³ on a line; nothing for a fixed fee (null or "0.0").
function qty(l) {
  return l.quantity_m3 && l.quantity_m3 !== '0.0' ? `${l.quantity_m3} m³` : '';
}

// A unit price: per m³ for usage and adjustment, else nothing (the fee
// is the amount).
function unit(l) {
  if (!l.unit_price || !(l.kind === 'usage' || l.kind === 'adjustment')) return '';
  return t('billing.perM3', { price: money(l.unit_price) });
}

// A price as the API writes it ("735.99", "2200.00") → 735.99円 / 2,200円
// (¥ in English); whole yen without decimals.
export function money(s) {
  if (s === null || s === undefined || s === '') return '';
  const v = Number(s);
  const txt = v.toLocaleString('ja-JP', { minimumFractionDigits: Number.isInteger(v) ? 0 : 2,
                                          maximumFractionDigits: 2 });
  return lang() === 'en' ? `¥${txt}` : `${txt}円`;
}

// The lines table; lines: [{ kind, description, quantity_m3, unit_price,
// amount_yen, tax_rate }].
export function linesTable(lines, { caption = '' } = {}) {
  const head = h('tr', {}, ['billing.col.item', 'billing.col.qty', 'billing.col.unit', 'billing.col.rate',
                            'billing.col.amount'].map((k, i) =>
    h('th', { scope: 'col', class: i === 0 ? null : 'num' }, t(k))));
  const bodies = GROUPS.map((g) => {
    const rows = lines.filter((l) => g.kinds.includes(l.kind));
    if (!rows.length && g.key === 'other') return null;
    const sum = rows.reduce((a, l) => a + l.amount_yen, 0);
    return h('tbody', { class: `line-group group-${g.key}`, dataset: { group: g.key } },
      h('tr', { class: 'group-head' }, h('th', { scope: 'rowgroup', colspan: 5 }, t(`billing.group.${g.key}`))),
      rows.map((l) => h('tr', { class: `line line-${l.kind}`, dataset: { kind: l.kind } },
        h('td', { class: 'wrap-cell' }, l.description),
        h('td', { class: 'num' }, qty(l)),
        h('td', { class: 'num' }, unit(l)),
        h('td', { class: 'num' }, `${l.tax_rate}%`),
        h('td', { class: 'num' }, formatYen(l.amount_yen)))),
      h('tr', { class: 'group-sum' }, h('td', { colspan: 4 }, t('billing.groupSum', { group: t(`billing.group.${g.key}`) })),
        h('td', { class: 'num' }, formatYen(sum))));
  });
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid lines-table' },
    caption ? h('caption', {}, caption) : null, h('thead', {}, head), bodies));
}

// Tax per rate (インボイス: rounded once per rate); rates without an amount
// are left out, 10% always shown.
export function taxTable(tax) {
  const rows = (tax || []).filter((x) => x.rate === 10 || x.taxable_yen || x.tax_yen);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'grid tax-table' },
    h('caption', {}, t('billing.taxCaption')),
    h('thead', {}, h('tr', {},
      h('th', { scope: 'col' }, t('billing.col.rate')),
      h('th', { scope: 'col', class: 'num' }, t('billing.col.taxable')),
      h('th', { scope: 'col', class: 'num' }, t('billing.col.tax')))),
    h('tbody', {}, rows.map((x) => h('tr', { dataset: { rate: x.rate } },
      h('th', { scope: 'row' }, x.rate ? t('billing.rate', { n: x.rate }) : t('billing.rateNone')),
      h('td', { class: 'num' }, formatYen(x.taxable_yen)),
      h('td', { class: 'num' }, formatYen(x.tax_yen)))))));
}

// Subtotal, tax, total (and, for an invoice, the balance and amount due).
export function totals(x) {
  const rows = [
    ['billing.subtotal', x.subtotal_yen],
    ['billing.tax', x.tax_yen],
    ['billing.total', x.total_yen, 'total'],
  ];
  if (x.amount_due_yen !== undefined) {
    rows.push(['billing.previousBalance', x.previous_balance_yen], ['billing.amountDue', x.amount_due_yen, 'due']);
  }
  return h('dl', { class: 'totals' }, rows.map(([k, v, cls]) => h('div', { class: cls || null },
    h('dt', {}, t(k)), h('dd', { class: 'num', dataset: { total: k.split('.')[1] } }, formatYen(v)))));
}
