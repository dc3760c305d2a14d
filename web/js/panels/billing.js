// panels/billing.js — 請求締め: the latest billing runs and their state
// (GET /api/v1/billing-runs), with a link to the full list.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDateTime, formatMonth } from '../lib/format.js';
import { t } from '../lib/i18n.js';

export async function render(el) {
  const { billing_runs: runs } = await api('GET', '/api/v1/billing-runs');
  if (!runs.length) {
    el.append(h('p', { class: 'empty' }, t('home.billingNone')));
  } else {
    el.append(h('ul', { class: 'mini-list' }, runs.slice(0, 4).map((r) => h('li', {},
      h('span', {}, t('billing.runName', { month: formatMonth(r.month), group: r.billing_group })),
      h('span', { class: `chip ${r.status === 'running' ? 'warn' : 'ok'}` }, t(`billing.status.${r.status}`)),
      h('span', { class: 'muted' }, r.status === 'running'
        ? t('billing.progress', { done: r.contracts_done, total: r.contracts_total })
        : formatDateTime(r.finished_at))))));
  }
  el.append(h('p', { class: 'panel-link' }, h('a', { href: '#/billing/runs' }, t('home.billingAll'))));
}
