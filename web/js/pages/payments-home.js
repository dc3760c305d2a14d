// payments-home.js — 入金: where the payments work starts. Four panels,
// each loaded on its own (a slow or failing one never blocks the others):
// the latest direct-debit requests and what is still at the bank; the
// open follow-ups of failed debits; the transfers waiting on the review
// list; the receivables by age (年齢調べ). Each links to its screen.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatCount, formatDate, formatYen } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { loadInto, table } from '../lib/ui.js';
import { payHead } from './payments-common.js';

// "500 件以上" when the API has more than one page.
function countOf(list, next) {
  return next ? t('pay.home.atLeast', { n: formatCount(list.length) }) : formatCount(list.length);
}

function panel(id, title, body, link) {
  return h('section', { class: 'panel', id: `pay-${id}`, 'aria-labelledby': `pay-${id}-title` },
    h('h2', { id: `pay-${id}-title` }, title), body,
    link ? h('p', { class: 'panel-link' }, link) : null);
}

function debitsPanel(body) {
  loadInto(body, () => api('GET', '/api/v1/debit-requests?limit=5'), (r) => table({
    columns: [
      { label: t('debit.col.id'), cell: (d) => h('a', { href: `#/payments/debits/${d.id}` }, t('debit.no', { n: d.id })) },
      { label: t('debit.col.debitOn'), cell: (d) => formatDate(d.debit_on) },
      { label: t('debit.col.amount'), cell: (d) => formatYen(d.amount_yen), num: true },
      { label: t('debit.col.status'), cell: (d) => h('span', { class: `chip debit-${d.status}` }, t(`debit.status.${d.status}`)) },
    ],
    rows: r.debit_requests, empty: t('debit.none'),
  }));
}

function countPanel(body, path, key, unit) {
  loadInto(body, () => api('GET', path), (r) => {
    const list = r[key];
    return h('p', { class: 'big-figure' }, h('span', { class: `figure ${list.length ? 'warn' : ''}`.trim() },
      countOf(list, r.next_after)), ' ', unit);
  });
}

function ageingPanel(body) {
  loadInto(body, () => api('GET', '/api/v1/receivables/ageing?limit=1'), ({ totals: x }) =>
    h('dl', { class: 'facts compact' }, [
      ['ageing.current', x.current_yen], ['ageing.overdue1', x.overdue_1_yen],
      ['ageing.overdue2', x.overdue_2_yen], ['ageing.overdue3', x.overdue_3plus_yen],
      ['ageing.credit', x.credit_yen],
    ].map(([k, v]) => [h('dt', {}, t(k)), h('dd', { class: 'num' }, formatYen(v))])));
}

export function render(el, ctx) {
  payHead(el, ctx, t('pay.home.title'), t('pay.home.intro'),
    can('payments.write') ? h('a', { class: 'button primary', href: '#/payments/debits/new' }, t('debit.new')) : null);
  const b = [0, 1, 2, 3].map(() => h('div', { class: 'panel-body' }));
  el.append(h('div', { class: 'home-grid' },
    panel('debits', t('pay.home.debits'), b[0], h('a', { href: '#/payments/debits' }, t('pay.home.toDebits'))),
    panel('followups', t('pay.home.followups'), b[1], h('a', { href: '#/payments/followups' }, t('pay.home.toFollowups'))),
    panel('transfers', t('pay.home.review'), b[2], h('a', { href: '#/payments/transfers' }, t('pay.home.toReview'))),
    panel('ageing', t('pay.home.ageing'), b[3], h('a', { href: '#/payments/ageing' }, t('pay.home.toAgeing')))));
  debitsPanel(b[0]);
  countPanel(b[1], '/api/v1/payment-followups?status=open&limit=500', 'followups', t('pay.home.followupsUnit'));
  countPanel(b[2], '/api/v1/bank-transfers?status=review&limit=500', 'transfers', t('pay.home.reviewUnit'));
  ageingPanel(b[3]);
}
