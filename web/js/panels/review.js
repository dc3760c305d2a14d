// panels/review.js — 要確認: flagged readings and open conflicts waiting for
// the office (GET /api/v1/readings/review), the first few with a link to
// the customer's reading history and one to the review list
// (pages/reading-review.js).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatCount, formatDate, formatM3 } from '../lib/format.js';
import { t } from '../lib/i18n.js';

const SHOW = 5;

export async function render(el) {
  const { readings, conflicts } = await api('GET', '/api/v1/readings/review');
  el.append(h('p', { class: 'big-figure' },
    h('span', { class: readings.length + conflicts.length ? 'figure warn' : 'figure' },
      formatCount(readings.length + conflicts.length)), ' ',
    t('home.reviewCounts', { flagged: readings.length, conflicts: conflicts.length })));
  if (!readings.length && !conflicts.length) return;
  el.append(h('ul', { class: 'mini-list' }, readings.slice(0, SHOW).map((r) => h('li', {},
    r.customer
      ? h('a', { href: `#/customers/${r.customer.id}/readings`, class: 'clip', title: r.customer.name }, r.customer.name)
      : h('span', { class: 'clip' }, r.supply_point?.address || ''),
    h('span', { class: 'muted' }, `${formatDate(r.read_on)} ${formatM3(r.usage_m3)}`),
    h('span', { class: 'chips' }, r.flags.map((f) => h('span', { class: 'chip warn' }, t(`flag.${f}`))))))));
  if (readings.length > SHOW) {
    el.append(h('p', { class: 'muted' }, t('home.andMore', { n: readings.length - SHOW })));
  }
  el.append(h('p', { class: 'panel-link' }, h('a', { href: '#/readings/review' }, t('home.reviewAll'))));
}
