// panels/readings.js — 今日の検針: this month's reading routes whose period
// is open, with progress (GET /api/v1/reading-routes); each route opens
// its entry grid (pages/reading-entry.js). Readers get the link to their
// phone page (web/field).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatCount, formatDate, formatMonth } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';

export async function render(el) {
  const { routes } = await api('GET', '/api/v1/reading-routes');
  const open = routes.filter((r) => r.period && r.period.status === 'open');
  if (!open.length) {
    el.append(h('p', { class: 'empty' }, t('home.readingsNone')));
  } else {
    const month = open[0].period.month;
    const left = open.reduce((a, r) => a + r.remaining, 0);
    el.append(left ? h('p', { class: 'big-figure' },
      h('span', { class: 'figure' }, formatCount(left)), ' ', t('home.readingsLeft', { month: formatMonth(month) }))
      : h('p', { class: 'big-figure' }, t('home.readingsDone', { month: formatMonth(month) })));
    el.append(h('ul', { class: 'route-list' }, open.map((r) => h('li', { class: 'route-row' },
      h('a', { class: 'route-name clip', title: r.route,
               href: `#/readings/routes/${encodeURIComponent(r.route)}?month=${r.period.month}` }, r.route),
      h('span', { class: 'route-window' }, `${formatDate(r.period.starts_on)}〜${formatDate(r.period.ends_on)}`),
      h('progress', { max: Math.max(1, r.points), value: r.read + r.estimated,
                      'aria-label': t('home.routeProgress', { route: r.route }) }),
      h('span', { class: 'route-count' }, t('home.routeCount', { read: r.read + r.estimated, points: r.points })),
      r.flagged ? h('span', { class: 'chip warn' }, t('home.flagged', { n: r.flagged })) : null))));
  }
  el.append(h('p', { class: 'panel-link' }, h('a', { href: '#/readings' }, t('home.readingsAll'))));
  if (can('readings.write')) {
    el.append(h('p', { class: 'panel-link' }, h('a', { href: '/field/' }, t('home.openField'))));
  }
}
