// payments-common.js — what the 入金 (payments) screens share: the row of
// links between them, the page head, a pager that goes by the API's
// cursor (next_after) with the earlier cursors in the history entry, the
// customer cell, the result-code and follow-up words, a customer picker,
// and the Idempotency-Key of a form submission.
import { api } from '../lib/api.js';
export { customerPicker } from '../lib/customer-picker.js';
import { clip, fill, h, uid } from '../lib/dom.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { pager } from '../lib/ui.js';

// The payments screens, in the order of the day's work. perm: shown only
// to roles holding it (the pages check the same in app.js).
const SUBNAV = [
  { path: '/payments', label: 'pay.nav.home', exact: true },
  { path: '/payments/debits', label: 'pay.nav.debits' },
  { path: '/payments/followups', label: 'pay.nav.followups' },
  { path: '/payments/transfers', label: 'pay.nav.transfers' },
  { path: '/payments/imports', label: 'pay.nav.imports', perm: 'payments.write' },
  { path: '/payments/cash', label: 'pay.nav.cash', perm: 'payments.write' },
  { path: '/payments/ageing', label: 'pay.nav.ageing' },
  { path: '/payments/overdue', label: 'pay.nav.overdue' },
];

// The links between the payments screens; the current one is marked.
export function paymentsNav(path) {
  return h('nav', { class: 'pay-nav', 'aria-label': t('pay.nav.label') },
    SUBNAV.filter((e) => can(e.perm)).map((e) => {
      const on = e.exact ? path === e.path : path === e.path || path.startsWith(`${e.path}/`);
      return h('a', { href: `#${e.path}`, class: on ? 'active' : null, 'aria-current': on ? 'page' : null },
               t(e.label));
    }));
}

// The head of a payments page: the links, the title (focused), an intro.
export function payHead(el, ctx, title, intro = '', actions = null) {
  ctx.title(title);
  el.append(paymentsNav(ctx.path),
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, title),
      actions ? h('div', { class: 'page-actions' }, actions) : null),
    intro ? h('p', { class: 'hint' }, intro) : null);
  el.querySelector('h1').focus();
}

// Previous / next by the API's cursor. q: the page's filters (in the URL,
// after included); trail: the earlier cursors (history state).
export function cursorPager(ctx, path, q, trail, nextAfter) {
  if (!trail.length && !nextAfter && !q.after) return null;
  const go = (after, tr) => ctx.go(path, { ...q, after }, { state: { trail: tr } });
  return pager({
    page: trail.length + 1, hasPrev: trail.length > 0, hasNext: !!nextAfter,
    onPrev: () => go(trail[trail.length - 1], trail.slice(0, -1)),
    onNext: () => go(nextAfter, [...trail, q.after]),
    onFirst: () => go('', []), showFirst: !!q.after && trail.length !== 1,
  });
}

export function trailOf(ctx) {
  return Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];
}

// A query value kept only when it is one of allowed (or matches a RegExp).
export function pick(v, allowed, dflt = '') {
  if (allowed instanceof RegExp) return allowed.test(v || '') ? v : dflt;
  return allowed.includes(v) ? v : dflt;
}

// A customer as a link to their 請求・入金 tab, number and name.
export function customerCell(c) {
  if (!c) return '—';
  return h('span', { class: 'pay-cust' }, h('a', { href: `#/customers/${c.id}/billing` }, c.number), ' ',
           clip(c.name));
}

// Direct-debit result codes (全銀 振替結果コード) and what each asks for.
export const RESULT_CODES = [0, 1, 2, 3, 4, 8, 9];

export function resultName(code) {
  return t(`debit.code.${code}`);
}

export function actionChip(action) {
  return action ? h('span', { class: `chip action-${action}` }, t(`followup.action.${action}`)) : '—';
}

// A random UUID (v4) for the Idempotency-Key header: from
// crypto.getRandomValues, which (unlike randomUUID) also works on a plain
// http:// address in the office network.
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map((v) => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

