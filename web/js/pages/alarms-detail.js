// alarms-detail.js — 監視 › アラーム › one alarm (GET /api/v1/alarms/{id}):
// what happened, where and to whom, the steps taken so far (確認, 出動,
// 到着, 対応完了 with who and when) and the response record (出動記録:
// who went, when they arrived, what was found, what was done). The next
// moves are buttons here too; the page follows the live feed, so a move
// made by someone else shows at once.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { facts, loadError, loading } from '../lib/ui.js';
import {
  alarmClasses, alarmLabel, feedBadge, isGas, loadNames, monitorTabs, moveButtons, openAlarmFeed,
  severityChip, stateChip, stepsOf,
} from './alarms-common.js';

export function render(el, ctx) {
  const id = /^\d+$/.test(ctx.params.id || '') ? Number(ctx.params.id) : 0;
  ctx.title(t('alarm.title'));
  const badge = feedBadge();
  const body = h('div', { id: 'alarm-detail' });
  el.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/alarms' }, t('alarm.backToList')), ' › ',
      h('span', { id: 'alarm-crumb' }, t('alarm.title'))),
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1', id: 'alarm-h1' }, t('alarm.title')), badge.el),
    monitorTabs(ctx.path), body);
  el.querySelector('h1').focus();
  let cur = null;

  function show(a) {
    cur = a;
    const label = alarmLabel(a);
    ctx.title(`${label} — ${t('alarm.title')}`);
    el.querySelector('#alarm-h1').textContent = label;
    el.querySelector('#alarm-crumb').textContent = label;
    const r = a.response || {};
    const steps = stepsOf(a);
    const focusIn = body.contains(document.activeElement);
    fill(body,
      h('section', { class: ['card', 'alarm-card', ...alarmClasses(a)], dataset: { state: a.state } },
        h('div', { class: 'alarm-card-head' },
          h('span', { class: isGas(a) ? 'chip gas-chip' : 'chip heater-chip' }, t(isGas(a) ? 'alarm.gas' : 'alarm.heater')),
          severityChip(a.severity), stateChip(a.state),
          a.shutoff ? h('span', { class: 'chip bad' }, t('alarm.shutoff')) : null),
        moveButtons(a, show),
        facts([
          [t('alarm.f.kind'), label],
          [t('alarm.f.customer'), a.customer_id ? h('a', { href: `#/customers/${a.customer_id}` }, a.customer_name || `#${a.customer_id}`) : t('alarm.noCustomer')],
          [t('alarm.f.supplyPoint'), a.supply_point_id ? `#${a.supply_point_id}` : ''],
          [t('alarm.f.device'), a.device_id],
          [t('alarm.f.code'), [a.vendor_code, a.error_code].filter(Boolean).join(' / ')],
          [t('alarm.f.deviceAt'), formatDateTime(a.device_at)],
          [t('alarm.f.receivedAt'), formatDateTime(a.received_at)],
        ])),
      h('section', { class: 'card' },
        h('h2', {}, t('alarm.steps')),
        h('ol', { class: 'alarm-steps' }, steps.map((s) => h('li', {},
          h('span', { class: 'step-label' }, s.label), h('span', { class: 'step-at' }, s.at),
          s.by ? h('span', { class: 'muted step-by' }, s.by) : null)))),
      h('section', { class: 'card', id: 'response-record' },
        h('h2', {}, t('alarm.record')),
        a.state === 'resolved' || r.responder
          ? facts([
            [t('alarm.f.responder'), r.responder],
            [t('alarm.f.arrivedAt'), formatDateTime(r.arrived_at)],
            [t('alarm.f.findings'), r.findings, 'pre'],
            [t('alarm.f.action'), r.action, 'pre'],
            [t('alarm.f.note'), r.note, 'pre'],
          ])
          : h('p', { class: 'muted' }, t('alarm.recordNone'))));
    if (focusIn) (body.querySelector('.alarm-moves button') || el.querySelector('h1')).focus();
  }

  async function load() {
    fill(body, loading());
    try {
      const [{ alarm }] = await Promise.all([api('GET', `/api/v1/alarms/${id}`), loadNames()]);
      if (ctx.alive()) show(alarm);
    } catch (e) {
      if (e?.status === undefined) throw e;
      if (ctx.alive()) fill(body, loadError(e, e.status === 404 ? null : load));
    }
  }
  if (!id) {
    fill(body, h('p', { class: 'msg error', role: 'alert' }, t('problem.alarm.not_found')));
    return undefined;
  }
  load();
  return openAlarmFeed({
    onAlarm: (a) => {
      if (a.id === id && cur && a.seq > cur.seq) show(a);
    },
    onStatus: (s) => badge.set(s),
  });
}
