// alarms.js — 監視 › アラーム: the live list of gas alarms (GET
// /api/v1/alarms), newest first. New alarms and every move of an alarm
// come in through the live feed (alarms-common.js) without a reload: a new
// alarm that fits the filters appears at the top, highlighted and
// announced; an alarm on screen changes in place. Gas alarms stand out
// (red band, ガス chip) from water-heater alarms.
//
// Each row has the alarm's next moves: 確認 (acknowledge) at once, 出動
// (dispatch, who goes) and 対応完了 (resolve with the response record
// 出動記録: who, when they arrived, what was found, what was done) in a
// dialog. The filters (state, severity) and the page (before_id) are in
// the URL; earlier pages' cursors travel in the history entry for 前へ.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatCount, formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { loadError, loading, pager } from '../lib/ui.js';
import {
  alarmClasses, alarmLabel, feedBadge, kindCell, loadNames, monitorTabs, moveButtons, openAlarmFeed,
  severityChip, stateChip,
} from './alarms-common.js';

const LIMIT = 50;
const STATES = ['active', 'open', 'acknowledged', 'dispatched', 'resolved', 'all'];
const SEVERITIES = ['critical', 'warning', 'info'];

function fits(a, q) {
  const stateOk = q.state === 'all' || (q.state === 'active' ? a.state !== 'resolved' : a.state === q.state);
  return stateOk && (!q.severity || a.severity === q.severity);
}

export function render(el, ctx) {
  ctx.title(t('alarms.title'));
  const q = {
    state: STATES.includes(ctx.query.state) ? ctx.query.state : 'active',
    severity: SEVERITIES.includes(ctx.query.severity) ? ctx.query.severity : '',
    before_id: /^\d+$/.test(ctx.query.before_id || '') ? ctx.query.before_id : '',
  };
  const trail = Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];

  const state = h('select', { id: 'al-state' }, STATES.map((s) =>
    h('option', { value: s, selected: s === q.state }, t(`alarms.filter.${s}`))));
  const sev = h('select', { id: 'al-sev' }, h('option', { value: '' }, t('alarms.anySeverity')),
    SEVERITIES.map((s) => h('option', { value: s, selected: s === q.severity }, t(`alarm.severity.${s}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'al-state' }, t('alarms.state')), state,
    h('label', { for: 'al-sev' }, t('alarms.severity')), sev,
    h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/alarms', { state: state.value === 'active' ? '' : state.value, severity: sev.value });
  });
  // auto-apply on change too: the button is there for keyboard users
  state.addEventListener('change', () => filters.requestSubmit());
  sev.addEventListener('change', () => filters.requestSubmit());

  const badge = feedBadge();
  const count = h('p', { class: 'result-count', id: 'alarm-count', role: 'status' });
  const live = h('p', { class: 'sr-only', 'aria-live': 'assertive', id: 'alarm-announce' });
  const list = h('div', { id: 'alarm-list' });
  const nav = h('div', { class: 'pager-slot' });
  el.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('alarms.title')), badge.el),
    monitorTabs(ctx.path), filters, count, live, list, nav);
  el.querySelector('h1').focus();

  const rows = new Map(); // id → { alarm, tr }
  let tbody = null;
  let loaded = false;
  let pending = []; // changes that came before the list

  function row(a, isNew = false) {
    const tr = h('tr', { class: [...alarmClasses(a), isNew && 'is-new'], dataset: { id: a.id, state: a.state } },
      h('td', {}, h('a', { href: `#/alarms/${a.id}`, class: 'alarm-time' }, formatDateTime(a.received_at))),
      h('td', { class: 'kind-col' }, kindCell(a)),
      h('td', {}, severityChip(a.severity)),
      h('td', { class: 'cust-col' }, a.customer_id
        ? h('a', { href: `#/customers/${a.customer_id}`, class: 'clip', title: a.customer_name || '' }, a.customer_name || `#${a.customer_id}`)
        : h('span', { class: 'muted' }, t('alarm.noCustomer'))),
      h('td', { class: 'dev-col' }, h('span', { class: 'clip', title: a.device_id }, a.device_id)),
      h('td', {}, stateChip(a.state)),
      h('td', { class: 'moves-col' }, moveButtons(a, moved, { compact: true })));
    return tr;
  }

  // An alarm changed (by this user's move or through the feed).
  function moved(a) {
    const cur = rows.get(a.id);
    if (cur && cur.alarm.seq >= a.seq) return; // older news, or this same change again
    if (cur) {
      const focusIn = cur.tr.contains(document.activeElement);
      const tr = row(a, cur.tr.classList.contains('is-new'));
      cur.tr.replaceWith(tr);
      rows.set(a.id, { alarm: a, tr });
      if (focusIn) (tr.querySelector('.alarm-moves button') || tr.querySelector('a')).focus();
      return;
    }
    // a new alarm: at the top of the first page, when it fits the filters
    if (q.before_id || !fits(a, q) || !tbody) return;
    const tr = row(a, true);
    tbody.prepend(tr);
    rows.set(a.id, { alarm: a, tr });
    list.querySelector('.empty')?.remove();
    list.querySelector('.table-wrap').hidden = false;
    live.textContent = t('alarms.arrived', { label: alarmLabel(a), customer: a.customer_name || a.device_id });
    count.textContent = t('alarms.countLive', { n: formatCount(rows.size) });
  }

  function onAlarm(a) {
    if (!loaded) pending.push(a);
    else moved(a);
  }

  async function load() {
    fill(list, loading());
    const params = new URLSearchParams({ limit: String(LIMIT) });
    if (q.state !== 'all') params.set('state', q.state);
    if (q.severity) params.set('severity', q.severity);
    if (q.before_id) params.set('before_id', q.before_id);
    try {
      const [r] = await Promise.all([api('GET', `/api/v1/alarms?${params}`), loadNames()]);
      if (!ctx.alive()) return;
      rows.clear();
      tbody = h('tbody', {}, r.alarms.map((a) => {
        const tr = row(a);
        rows.set(a.id, { alarm: a, tr });
        return tr;
      }));
      const wrap = h('div', { class: 'table-wrap', hidden: !r.alarms.length },
        h('table', { class: 'grid alarm-table' },
          h('caption', { class: 'sr-only' }, t('alarms.title')),
          h('thead', {}, h('tr', {}, ['alarms.col.received', 'alarms.col.kind', 'alarms.col.severity',
            'alarms.col.customer', 'alarms.col.device', 'alarms.col.state', 'alarms.col.moves']
            .map((k) => h('th', { scope: 'col' }, t(k))))),
          tbody));
      fill(list, r.alarms.length ? null : h('p', { class: 'empty' }, t(q.state === 'active' ? 'alarms.noneActive' : 'alarms.none')), wrap);
      count.textContent = r.alarms.length ? t(r.next_before_id || trail.length ? 'alarms.countPage' : 'alarms.count',
        { n: formatCount(r.alarms.length) }) : '';
      const page = (before, tr) => ctx.go('/alarms', { ...q, state: q.state === 'active' ? '' : q.state, before_id: before },
        { state: { trail: tr } });
      fill(nav, (trail.length || r.next_before_id || q.before_id) ? pager({
        page: trail.length + 1, hasPrev: trail.length > 0, hasNext: !!r.next_before_id,
        onPrev: () => page(trail[trail.length - 1], trail.slice(0, -1)),
        onNext: () => page(r.next_before_id, [...trail, q.before_id]),
        onFirst: () => page('', []), showFirst: !!q.before_id && trail.length !== 1,
      }) : null);
      loaded = true;
      const early = pending;
      pending = [];
      early.forEach(moved);
    } catch (e) {
      if (e?.status === undefined) throw e;
      if (ctx.alive()) fill(list, loadError(e, load));
    }
  }

  // The feed first, then the list: a change made while the list loads
  // comes through the feed and is applied after it (older ones ignored).
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    load();
  };
  const fallback = setTimeout(start, 2000);
  const close = openAlarmFeed({
    onAlarm,
    onStatus: (s, { gap }) => {
      badge.set(s);
      if (s === 'live' && gap && loaded) {
        loaded = false;
        load();
      }
      if (s !== 'reconnecting') start();
    },
  });
  return () => {
    clearTimeout(fallback);
    close();
  };
}
