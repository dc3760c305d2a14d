// panels/alarms.js — the home page's alarm panel (full width, first): the
// alarms not yet resolved (GET /api/v1/alarms?state=active), gas alarms
// first and then the most severe, kept live by the alarm feed (Server-Sent
// Events): a new alarm appears, a move changes it, a resolved one leaves,
// without a reload. The cleanup closes the feed when the user leaves home.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import {
  alarmClasses, alarmLabel, feedBadge, isGas, kindCell, openAlarmFeed, severityChip, stateChip,
} from '../pages/alarms-common.js';

const SHOW = 8;
const RANK = { critical: 0, warning: 1, info: 2 };

function order(a, b) {
  return (isGas(b) - isGas(a)) || (RANK[a.severity] - RANK[b.severity]) || (b.id - a.id);
}

export async function render(el, ctx) {
  const active = new Map();
  let more = false;
  const badge = feedBadge();
  badge.el.id = 'home-feed-state';
  const summary = h('p', { class: 'big-figure', id: 'home-alarm-count' });
  const listEl = h('ul', { class: 'alarm-mini', id: 'home-alarms' });
  const announce = h('p', { class: 'sr-only', 'aria-live': 'assertive' });
  el.append(badge.el, summary, listEl, announce,
    h('p', { class: 'panel-link' }, h('a', { href: '#/alarms' }, t('home.alarmsAll'))));

  function draw() {
    const all = [...active.values()].sort(order);
    const gas = all.filter(isGas).length;
    fill(summary,
      h('span', { class: all.length ? 'figure warn' : 'figure' }, `${all.length}${more ? '+' : ''}`), ' ',
      t('home.alarmsActive'),
      gas ? h('span', { class: 'chip gas-chip' }, t('home.alarmsGas', { n: gas })) : null);
    fill(listEl, all.length ? all.slice(0, SHOW).map((a) => h('li', { class: alarmClasses(a), dataset: { id: a.id } },
      h('a', { href: `#/alarms/${a.id}`, class: 'alarm-mini-link' }, kindCell(a)),
      h('span', { class: 'clip', title: a.customer_name || a.device_id }, a.customer_name || a.device_id),
      severityChip(a.severity), stateChip(a.state),
      h('span', { class: 'muted small' }, formatDateTime(a.received_at)))) : null);
    if (all.length > SHOW) listEl.append(h('li', { class: 'muted' }, t('home.andMore', { n: all.length - SHOW })));
    if (!all.length) listEl.append(h('li', { class: 'muted' }, t('home.alarmsNone')));
  }

  const read = async () => {
    const r = await api('GET', '/api/v1/alarms?state=active&limit=200');
    active.clear();
    for (const a of r.alarms) active.set(a.id, a);
    more = !!r.next_before_id;
    draw();
  };
  // The feed first, then the list: a change made while the list is read
  // comes through the feed afterwards (older changes are ignored).
  let ready = false;
  let opened;
  const early = [];
  const feedUp = new Promise((res) => { opened = res; });
  const apply = (a) => {
    const cur = active.get(a.id);
    if (cur && cur.seq >= a.seq) return;
    if (a.state === 'resolved') active.delete(a.id);
    else active.set(a.id, a);
    if (!cur && a.state !== 'resolved') {
      announce.textContent = t('alarms.arrived', { label: alarmLabel(a), customer: a.customer_name || a.device_id });
    }
    draw();
  };
  const close = openAlarmFeed({
    onAlarm: (a) => (ready ? apply(a) : early.push(a)),
    onStatus: (s, { gap }) => {
      badge.set(s);
      opened();
      if (s === 'live' && gap && ready) {
        read().catch((e) => {
          if (e?.status === undefined) throw e; // the feed goes on; the next change corrects the list
        });
      }
    },
  });
  const timer = setTimeout(opened, 2000);
  try {
    await feedUp;
    await read();
  } catch (e) {
    close();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  if (ctx?.alive && !ctx.alive()) { // the user left home meanwhile
    close();
    return undefined;
  }
  ready = true;
  early.splice(0).forEach(apply);
  return close;
}
