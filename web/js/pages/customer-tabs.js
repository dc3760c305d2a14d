// customer-tabs.js — the tabs of the customer page, each render(v) → the
// tab's content. v: { id, customer, etag, ctx, data } (customer.js).
// Supply points and their equipment are loaded once per page and shared
// by the tabs (data.*). Bank accounts are shown as the API gives them:
// the number masked (****567), and nothing at all for roles without
// customers.bank.
import { api } from '../lib/api.js';
import { usageChart } from '../lib/chart.js';
import { clip, h } from '../lib/dom.js';
import { formatDate, formatDateTime, formatM3, formatMonth, formatYen } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { facts, pagedRows, table } from '../lib/ui.js';
import { contractBilling } from './contract-billing.js';

// ------------------------------------------------------------------ data

export function customerData(v) {
  const memo = new Map();
  const once = (key, fn) => {
    if (!memo.has(key)) memo.set(key, fn().catch((e) => { memo.delete(key); throw e; }));
    return memo.get(key);
  };
  const data = {
    occupancies: () => once('occ', async () =>
      (await api('GET', `/api/v1/customers/${v.id}/supply-points`)).supply_points),
    point: (spid) => once(`sp${spid}`, () => api('GET', `/api/v1/supply-points/${spid}`)),
    // The points the customer lives at now, each with its full record.
    current: () => once('current', async () => {
      const occ = (await data.occupancies()).filter((o) => !o.moved_out);
      return Promise.all(occ.map(async (o) => ({ occ: o, sp: await data.point(o.supply_point.id) })));
    }),
  };
  return data;
}

export function pointAddress(p) {
  const main = [p.prefecture, p.city, p.street].filter(Boolean).join('');
  const more = [p.building, p.room].filter(Boolean).join(' ');
  return more ? `${main} ${more}` : main;
}

function pageOf(v) {
  return Number(v.ctx.query.page) || 1;
}

function setPage(v) {
  return (p) => v.ctx.go(v.ctx.path, { ...v.ctx.query, page: p > 1 ? p : '' });
}

function noPoint() {
  return h('p', { class: 'empty' }, t('customer.noCurrentPoint'));
}

// ----------------------------------------------------------------- 基本情報

function basic(v) {
  const c = v.customer;
  return h('div', { class: 'tab-basic' }, facts([
    [t('customer.f.number'), c.number],
    [t('customer.f.name'), c.name, 'wrap'],
    [t('customer.f.kana'), c.kana, 'wrap'],
    [t('customer.f.kind'), t(`customer.kind.${c.kind}`)],
    [t('customer.f.status'), t(`customer.status.${c.status}`)],
    [t('customer.f.phone1'), c.phone1],
    [t('customer.f.phone2'), c.phone2],
    [t('customer.f.email'), c.email, 'wrap'],
    [t('customer.f.postal_code'), c.postal_code],
    [t('customer.f.address'), [c.prefecture, c.address].filter(Boolean).join(''), 'wrap'],
    [t('customer.f.notes'), c.notes, 'pre'],
    [t('customer.createdAt'), formatDateTime(c.created_at)],
    [t('customer.updatedAt'), `${formatDateTime(c.updated_at)}（${t('customer.version', { n: c.version })}）`],
  ]));
}

// ------------------------------------------------------------ 供給地点・契約

function contractFacts(k) {
  if (!k) return h('p', { class: 'empty' }, t('contract.none'));
  const bank = k.bank_code !== undefined && k.payment_method === 'debit';
  return facts([
    [t('contract.period'), `${formatDate(k.start_date)}〜${k.end_date ? formatDate(k.end_date) : ''}`],
    [t('contract.payment'), t(`payment.${k.payment_method}`)],
    bank ? [t('contract.bank'), `${k.bank_code || ''}-${k.branch_code || ''} ${k.account_type ? t(`account.type.${k.account_type}`) : ''}`] : null,
    bank ? [t('contract.account'), h('span', { class: 'masked', id: `account-${k.id}` }, k.account_number_masked || '—')] : null,
    bank ? [t('contract.holder'), k.account_holder] : null,
    // with billing.read the tariff is named in the section below (contract-billing.js)
    can('billing.read') ? null : [t('contract.tariff'), k.tariff_id ? `#${k.tariff_id}` : t('contract.noTariff')],
    k.notes ? [t('contract.notes'), k.notes, 'pre'] : null,
  ]);
}

function pointFacts(sp) {
  return facts([
    [t('point.f.address'), pointAddress(sp), 'wrap'],
    [t('point.f.supply_kind'), t(`point.kind.${sp.supply_kind}`)],
    [t('point.f.route'), sp.route ? `${sp.route}${sp.route_order !== null ? ` / ${sp.route_order}` : ''}` : null],
    [t('point.f.billing_group'), sp.billing_group ? t('point.group', { n: sp.billing_group }) : null],
    [t('point.f.notes'), sp.notes, 'pre'],
  ]);
}

async function points(v) {
  const [occ, cur] = await Promise.all([v.data.occupancies(), v.data.current()]);
  const out = h('div', { class: 'tab-points' });
  if (!cur.length) out.append(noPoint());
  for (const { occ: o, sp } of cur) {
    out.append(h('section', { class: 'card point-card', 'aria-label': pointAddress(sp) },
      h('div', { class: 'card-head' },
        h('h3', { class: 'wrap' }, pointAddress(sp)),
        h('span', { class: 'muted' }, t('point.livingSince', { date: formatDate(o.moved_in) })),
        can('customers.write') ? h('a', { class: 'button', href: `#/supply-points/${sp.id}/move` }, t('point.move')) : null),
      h('div', { class: 'two-col' },
        h('div', {}, h('h4', {}, t('point.title')), pointFacts(sp)),
        h('div', {}, h('h4', {}, t('contract.title')), contractFacts(sp.contract),
          sp.contract && can('billing.read') ? contractBilling(sp) : null))));
  }
  const past = occ.filter((o) => o.moved_out);
  if (past.length) {
    out.append(h('h3', {}, t('point.past')), table({
      columns: [
        { label: t('point.f.address'), cell: (o) => pointAddress(o.supply_point), clip: true, cls: 'wide-col' },
        { label: t('point.movedIn'), cell: (o) => formatDate(o.moved_in) },
        { label: t('point.movedOut'), cell: (o) => formatDate(o.moved_out) },
      ],
      rows: past,
    }));
  }
  return out;
}

// ----------------------------------------------------------- メーター・容器

function meterFacts(m) {
  if (!m) return h('p', { class: 'empty' }, t('meter.none'));
  return facts([
    [t('meter.serial'), m.serial],
    [t('meter.maker'), [m.maker, m.model].filter(Boolean).join(' ')],
    [t('meter.kind'), `${t(`meter.kind.${m.kind}`)}${m.capacity ? ` ${t('meter.capacity', { n: m.capacity })}` : ''}`],
    [t('meter.digits'), t('meter.digitsN', { n: m.digits })],
    [t('meter.installed'), `${formatDate(m.install_date)}（${t('meter.initial', { v: m.initial_index })}）`],
    [t('meter.expiry'), m.certification_expiry
      ? h('span', {}, formatMonth(m.certification_expiry), ' ',
        m.certification_expired ? h('span', { class: 'chip bad' }, t('meter.expired')) : null)
      : null],
    [t('meter.device'), m.device_id],
  ]);
}

async function meters(v) {
  const cur = await v.data.current();
  const out = h('div', { class: 'tab-meters' });
  if (!cur.length) out.append(noPoint());
  for (const { sp } of cur) {
    out.append(h('section', { class: 'card' },
      h('h3', { class: 'wrap' }, pointAddress(sp)),
      h('div', { class: 'two-col' },
        h('div', {}, h('h4', {}, t('meter.title')), meterFacts(sp.meter)),
        h('div', {}, h('h4', {}, t('cylinder.title')), table({
          columns: [
            { label: t('cylinder.size'), cell: (c) => t('cylinder.sizeKg', { n: c.size_kg }) },
            { label: t('cylinder.count'), cell: (c) => t('cylinder.counts', { s: c.supply_count, r: c.reserve_count }) },
            { label: t('cylinder.switch'), cell: (c) => t(`cylinder.switch.${c.switch_kind}`) },
            { label: t('cylinder.usage30'), cell: (c) => formatM3(c.usage_30d), num: true },
            { label: t('cylinder.gasOut'), cell: (c) => formatM3(c.gas_out_index), num: true },
          ],
          rows: sp.cylinders || [], empty: t('cylinder.none'),
        })))));
  }
  return out;
}

// ---------------------------------------------------------------- 機器

async function appliances(v) {
  const cur = await v.data.current();
  const out = h('div', { class: 'tab-appliances' });
  if (!cur.length) out.append(noPoint());
  for (const { sp } of cur) {
    out.append(h('section', { class: 'card' }, h('h3', { class: 'wrap' }, pointAddress(sp)), table({
      columns: [
        { label: t('appliance.kind'), cell: (a) => t(`appliance.kind.${a.kind}`) },
        { label: t('appliance.maker'), cell: (a) => a.maker || '', clip: true },
        { label: t('appliance.model'), cell: (a) => a.model || '', clip: true },
        { label: t('appliance.serial'), cell: (a) => a.serial || '', clip: true },
        { label: t('appliance.installed'), cell: (a) => formatDate(a.install_date) },
        { label: t('appliance.ownership'), cell: (a) => t(`appliance.own.${a.ownership}`) },
        { label: t('appliance.device'), cell: (a) => a.device_id || '', clip: true },
      ],
      rows: sp.appliances || [], empty: t('appliance.none'),
    })));
  }
  return out;
}

// ------------------------------------------------------------- 検針履歴

function flagChips(flags) {
  return h('span', { class: 'chips' }, (flags || []).map((f) => h('span', { class: 'chip warn' }, t(`flag.${f}`))));
}

async function readings(v) {
  const cur = await v.data.current();
  const out = h('div', { class: 'tab-readings' });
  if (!cur.length) out.append(noPoint());
  for (const { sp } of cur) {
    const { readings: rs } = await api('GET', `/api/v1/supply-points/${sp.id}/readings?months=24`);
    const { slice, nav } = pagedRows(rs, pageOf(v), 25, setPage(v));
    out.append(h('section', { class: 'card' },
      h('h3', { class: 'wrap' }, pointAddress(sp)),
      h('figure', { class: 'chart', id: `chart-${sp.id}` }, usageChart(rs, 24),
        h('figcaption', {}, t('chart.caption'))),
      table({
        caption: t('readings.caption'),
        columns: [
          { label: t('readings.date'), cell: (r) => formatDate(r.read_on) },
          { label: t('readings.kind'), cell: (r) => t(`reading.kind.${r.kind}`) },
          { label: t('readings.index'), cell: (r) => r.index, num: true },
          { label: t('readings.usage'), cell: (r) => formatM3(r.usage_m3), num: true },
          { label: t('readings.status'), cell: (r) => h('span', { class: `chip reading-${r.status}` }, t(`reading.status.${r.status}`)) },
          { label: t('readings.flags'), cell: (r) => flagChips(r.flags) },
          { label: t('readings.source'), cell: (r) => t(`reading.source.${r.source}`) },
        ],
        rows: slice, empty: t('readings.none'),
      }), nav));
  }
  return out;
}

// ------------------------------------------------------------- 請求・入金

async function allInvoices(id) {
  const out = [];
  let after = 0;
  for (let i = 0; i < 20; i++) { // at most 10,000 invoices
    const r = await api('GET', `/api/v1/invoices?customer_id=${id}&limit=500&after=${after}`);
    out.push(...r.invoices);
    if (!r.next_after) break;
    after = r.next_after;
  }
  return out.reverse(); // newest first
}

function invoiceTable(v, list) {
  const { slice, nav } = pagedRows(list, pageOf(v), 12, setPage(v));
  return [table({
    caption: t('invoice.caption'),
    columns: [
      { label: t('invoice.number'), num: true, cell: (x) => (can('billing.read')
        ? h('a', { href: `#/billing/invoices/${x.id}` }, String(x.number)) : String(x.number)) },
      { label: t('invoice.issued'), cell: (x) => formatDate(x.issued_on) },
      { label: t('invoice.period'), cell: (x) => `${formatDate(x.period.from)}〜${formatDate(x.period.to)}` },
      { label: t('invoice.usage'), cell: (x) => formatM3(x.usage_m3), num: true },
      { label: t('invoice.total'), cell: (x) => formatYen(x.total_yen), num: true },
      { label: t('invoice.due'), cell: (x) => formatDate(x.due_on) },
      { label: t('invoice.status'), cell: (x) => h('span', { class: `chip invoice-${x.status}` },
        t(`invoice.status.${x.status}`), x.corrects_id ? ` ${t('invoice.correction')}` : '') },
      { label: t('invoice.pdf'), cell: (x) => h('a', {
        href: `/api/v1/invoices/${x.id}/statement.pdf`, target: '_blank', rel: 'noopener',
        'aria-label': t('invoice.pdfLabel', { n: x.number }) }, t('invoice.pdfLink')) },
    ],
    rows: slice, empty: t('invoice.none'),
  }), nav];
}

function receivables(r) {
  const a = r.ageing;
  const open = r.open_invoices || [];
  return h('div', {},
    h('div', { class: 'figures' },
      h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t('ar.balance')),
        h('strong', { class: a.overdue_yen ? 'bad' : null, id: 'ar-balance' }, formatYen(r.balance_yen))),
      h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t('ar.carry')), h('strong', {}, formatYen(r.carry_yen))),
      h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t('ar.overdue')),
        h('strong', { class: a.overdue_yen ? 'bad' : null }, formatYen(a.overdue_yen)))),
    h('div', { class: 'facts-narrow' }, facts([
      [t('ageing.current'), formatYen(a.current_yen), 'num'],
      [t('ageing.overdue1'), formatYen(a.overdue_1_yen), 'num'],
      [t('ageing.overdue2'), formatYen(a.overdue_2_yen), 'num'],
      [t('ageing.overdue3'), formatYen(a.overdue_3plus_yen), 'num'],
      [t('ageing.credit'), formatYen(a.credit_yen), 'num'],
      [t('ageing.oldest'), formatDate(a.oldest_overdue_on), 'num'],
    ])),
    open.length ? table({
      caption: t('ar.open'),
      columns: [
        { label: t('invoice.number'), num: true, cell: (x) => (can('billing.read')
        ? h('a', { href: `#/billing/invoices/${x.id}` }, String(x.number)) : String(x.number)) },
        { label: t('invoice.issued'), cell: (x) => formatDate(x.issued_on) },
        { label: t('invoice.due'), cell: (x) => formatDate(x.due_on) },
        { label: t('invoice.total'), cell: (x) => formatYen(x.amount_yen), num: true },
        { label: t('ar.openYen'), cell: (x) => formatYen(x.open_yen), num: true },
        { label: t('ar.bucket'), cell: (x) => t(`ar.bucket.${x.bucket}`) },
      ],
      rows: open,
    }) : null,
    table({
      caption: t('ar.entries'),
      columns: [
        { label: t('ar.on'), cell: (x) => formatDate(x.on) },
        { label: t('ar.kind'), cell: (x) => `${t(`ar.kind.${x.kind}`)}${x.method ? `（${t(`ar.method.${x.method}`)}）` : ''}` },
        { label: t('ar.ref'), cell: (x) => x.invoice_number ? t('ar.invoiceRef', { n: x.invoice_number }) : (x.reference || ''), clip: true },
        { label: t('ar.amount'), cell: (x) => formatYen(x.amount_yen), num: true },
        { label: t('ar.running'), cell: (x) => formatYen(x.balance_yen), num: true },
      ],
      rows: (r.entries || []).slice(-10).reverse(), empty: t('ar.noEntries'),
    }));
}

async function billing(v) {
  const out = h('div', { class: 'tab-billing' });
  const [inv, ar] = await Promise.all([
    can('billing.read') ? allInvoices(v.id) : null,
    can('payments.read') ? api('GET', `/api/v1/customers/${v.id}/receivables?limit=50`) : null,
  ]);
  if (ar) {
    out.append(h('section', { class: 'card' }, h('h3', {}, t('ar.title')), receivables(ar),
      h('p', {}, h('a', { href: `#/payments/overdue/${v.id}`, id: 'ar-dunning' }, t('ar.toDunning')))));
  }
  if (inv) out.append(h('section', { class: 'card' }, h('h3', {}, t('invoice.title')), invoiceTable(v, inv)));
  return out;
}

// ---------------------------------------------------------------- アラーム

// The customer's alarms (gas alarms and water-heater errors), newest first,
// each opening the alarm's page in 監視.
async function alarms(v) {
  const [{ kindCell, severityChip, stateChip }, r] = await Promise.all([
    import('./alarms-common.js'), api('GET', `/api/v1/alarms?customer_id=${v.id}&limit=200`)]);
  const { slice, nav } = pagedRows(r.alarms, pageOf(v), 20, setPage(v));
  return h('div', { class: 'tab-alarms' }, table({
    caption: t('customer.alarms.caption'),
    columns: [
      { label: t('customer.alarms.at'), cell: (a) => formatDateTime(a.received_at) },
      { label: t('customer.alarms.kind'), cell: (a) => kindCell(a) },
      { label: t('customer.alarms.severity'), cell: (a) => severityChip(a.severity) },
      { label: t('customer.alarms.state'), cell: (a) => stateChip(a.state) },
      { label: t('customer.alarms.detail'), cell: (a) => h('a', { href: `#/alarms/${a.id}` }, t('customer.alarms.open')) },
    ],
    rows: slice, empty: t('customer.alarms.none'),
  }), nav);
}

// ---------------------------------------------------------------- 履歴

function label(field) {
  const k = `history.f.${field}`;
  const v = t(k);
  return v === k ? field : v;
}

// Coded values in words (状態 active → 利用中).
const CODED = { status: 'customer.status', kind: 'customer.kind', supply_kind: 'point.kind',
                payment_method: 'payment' };

function show(field, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (typeof v === 'object') return JSON.stringify(v);
  if (CODED[field]) {
    const k = `${CODED[field]}.${v}`;
    const w = t(k);
    if (w !== k) return w;
  }
  return String(v);
}

// "user:12" (the audit actor) → the user's name, when the role may list users.
async function actorNames() {
  if (!can('users.read')) return new Map();
  try {
    const { users } = await api('GET', '/api/v1/users');
    return new Map(users.map((u) => [`user:${u.id}`, `${u.display_name}（${u.login_id}）`]));
  } catch {
    return new Map(); // the history is still worth showing with ids
  }
}

async function history(v) {
  const [{ history: ch }, cur, names] = await Promise.all([
    api('GET', `/api/v1/customers/${v.id}/history`), v.data.current(), actorNames()]);
  const sp = await Promise.all(cur.map(async ({ sp: p }) =>
    (await api('GET', `/api/v1/supply-points/${p.id}/history`)).history.map((e) => ({ ...e, where: pointAddress(p) }))));
  const rows = [];
  for (const e of [...ch, ...sp.flat()].sort((a, b) => (a.changed_at < b.changed_at ? 1 : -1))) {
    const keys = [...new Set([...Object.keys(e.before || {}), ...Object.keys(e.after || {})])];
    for (const k of keys) {
      rows.push({ at: e.changed_at, actor: names.get(e.actor) || e.actor, where: e.where || t('history.customer'),
                  field: label(k), before: show(k, e.before?.[k]), after: show(k, e.after?.[k]) });
    }
  }
  const { slice, nav } = pagedRows(rows, pageOf(v), 25, setPage(v));
  return h('div', { class: 'tab-history' }, h('p', { class: 'hint' }, t('history.intro')), table({
    columns: [
      { label: t('history.at'), cell: (r) => formatDateTime(r.at) },
      { label: t('history.actor'), cell: (r) => r.actor, clip: true },
      { label: t('history.where'), cell: (r) => r.where, clip: true },
      { label: t('history.field'), cell: (r) => r.field },
      { label: t('history.before'), cell: (r) => clip(r.before) },
      { label: t('history.after'), cell: (r) => clip(r.after) },
    ],
    rows: slice, empty: t('history.none'), cls: 'history-table',
  }), nav);
}

export const TABS = [
  { id: 'basic', label: 'customer.tab.basic', render: basic },
  { id: 'points', label: 'customer.tab.points', render: points },
  { id: 'meters', label: 'customer.tab.meters', render: meters },
  { id: 'appliances', label: 'customer.tab.appliances', render: appliances },
  { id: 'readings', label: 'customer.tab.readings', perm: 'readings.read', render: readings },
  { id: 'billing', label: 'customer.tab.billing', perm: ['billing.read', 'payments.read'], render: billing },
  { id: 'alarms', label: 'customer.tab.alarms', perm: 'alarms.read', render: alarms },
  { id: 'history', label: 'customer.tab.history', render: history },
];
