// panels/overdue.js — 未収・督促: how many customers are overdue and for
// how much (GET /api/v1/dunning/overdue), and the tenant's ageing by month
// (GET /api/v1/receivables/ageing totals).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatCount, formatYen } from '../lib/format.js';
import { t } from '../lib/i18n.js';

export async function render(el) {
  const [od, ag] = await Promise.all([
    api('GET', '/api/v1/dunning/overdue?limit=1'),
    api('GET', '/api/v1/receivables/ageing?limit=1'),
  ]);
  el.append(h('p', { class: 'big-figure' },
    h('span', { class: od.count ? 'figure warn' : 'figure' }, formatCount(od.count)), ' ',
    t('home.overdueCount', { yen: formatYen(od.overdue_yen) })));
  const x = ag.totals;
  el.append(h('dl', { class: 'facts compact' },
    h('dt', {}, t('ageing.overdue1')), h('dd', { class: 'num' }, formatYen(x.overdue_1_yen)),
    h('dt', {}, t('ageing.overdue2')), h('dd', { class: 'num' }, formatYen(x.overdue_2_yen)),
    h('dt', {}, t('ageing.overdue3')), h('dd', { class: 'num' }, formatYen(x.overdue_3plus_yen)),
    h('dt', {}, t('ageing.credit')), h('dd', { class: 'num' }, formatYen(x.credit_yen))));
  el.append(h('p', { class: 'panel-link' }, h('a', { href: '#/payments/overdue' }, t('home.overdueAll'))));
}
