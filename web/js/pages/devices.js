// devices.js — 監視 › 機器: the tenant's monitoring devices (GET
// /api/v1/devices): smart meters (NCU), water-heater adapters, gateways,
// what they are linked to, when each was last heard from (a device silent
// for more than a day is marked), and whether it is in use.
//
// Actions, each as the role allows: 機器の登録 (POST /api/v1/devices; the
// device's key is shown this once, to be copied into the device), 使用停止
// (retire), and on an active smart meter 遠隔遮断 / 遠隔復帰 (POST
// /api/v1/devices/{id}/shutoff|restore): the request asks for the one-time
// code again (step-up) and then waits for a second person's approval on
// 遠隔操作 (remote-ops.js). The filters (status, kind) and the page cursor
// (after) are in the URL; earlier cursors travel in the history entry.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatCount, formatDateTime } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { busy, confirm, dialog, loadError, loading, notify, pager, table } from '../lib/ui.js';
import { monitorTabs } from './alarms-common.js';
import { requestDialog } from './remote-ops-request.js';

const LIMIT = 50;
const STATUSES = ['active', 'retired', 'all'];
const KINDS = ['smart_meter', 'water_heater', 'gateway'];
const SILENT_MS = 26 * 3600 * 1000; // a meter reports at least daily

function lastSeen(d) {
  if (d.status === 'retired') return h('span', { class: 'muted' }, formatDateTime(d.last_seen_at) || '—');
  if (!d.last_seen_at) return h('span', { class: 'chip warn' }, t('devices.neverSeen'));
  const silent = Date.now() - new Date(d.last_seen_at).getTime() > SILENT_MS;
  return h('span', { class: silent ? 'last-seen silent' : 'last-seen' }, formatDateTime(d.last_seen_at),
    silent ? h('span', { class: 'chip warn' }, t('devices.silent')) : null);
}

function linkOf(d) {
  const parts = [];
  if (d.meter_id) parts.push(t('devices.link.meter', { id: d.meter_id }));
  if (d.appliance_id) parts.push(t('devices.link.appliance', { id: d.appliance_id }));
  if (d.supply_point_id) parts.push(t('devices.link.supplyPoint', { id: d.supply_point_id }));
  return parts.length ? parts.join(' · ') : h('span', { class: 'muted' }, t('devices.link.none'));
}

// The key, shown once, with a copy button; resolves when closed.
function keyDialog(r) {
  const key = h('code', { class: 'device-key', id: 'device-key' }, r.key);
  const copied = h('span', { class: 'muted', role: 'status' });
  const copy = h('button', { type: 'button', onclick: async () => {
    try {
      await navigator.clipboard.writeText(r.key);
      copied.textContent = t('devices.keyCopied');
    } catch {
      copied.textContent = t('devices.keyCopyFailed');
    }
  } }, t('devices.copyKey'));
  return dialog({
    title: t('devices.keyTitle', { id: r.device.device_id }), wide: true,
    body: [h('p', { class: 'warn-line' }, t('devices.keyOnce')), h('p', {}, key), h('p', {}, copy, ' ', copied),
           r.warning ? h('p', { class: 'warn-line' }, r.warning) : null,
           h('p', { class: 'hint' }, t('devices.keyFingerprint', { fp: r.device.key_fingerprint }))],
    actions: [{ label: t('devices.keyDone'), kind: 'primary' }],
  }).done;
}

function registerDialog() {
  let done = null;
  let d = null;
  const cancel = h('button', { type: 'button', onclick: () => d.close() }, t('common.cancel'));
  const f = form({
    cls: 'device-form', submitLabel: t('devices.register'), busyLabel: t('devices.registering'), actions: [cancel],
    fields: [
      { name: 'device_id', label: t('devices.f.id'), required: true, maxlength: 64, autocomplete: 'off',
        hint: t('devices.f.idHint'), placeholder: 'NCU-0001A2B3' },
      { name: 'kind', label: t('devices.f.kind'), type: 'select', required: true,
        options: KINDS.map((k) => [k, t(`device.kind.${k}`)]) },
      { name: 'meter_id', label: t('devices.f.meterId'), type: 'number', min: 1, step: 1, hint: t('devices.f.meterIdHint') },
      { name: 'appliance_id', label: t('devices.f.applianceId'), type: 'number', min: 1, step: 1, hint: t('devices.f.applianceIdHint') },
      { name: 'note', label: t('devices.f.note'), maxlength: 100, wide: true, hint: t('devices.f.noteHint') },
    ],
    onSubmit: async (v, fm) => {
      const id = v.device_id.trim();
      if (!/^[0-9A-Za-z][0-9A-Za-z._:-]{0,63}$/.test(id)) {
        fm.fields.get('device_id').setError(t('devices.f.idFormat'));
        fm.message('error', h('p', {}, t('form.fixFields', { n: 1 })));
        fm.fields.get('device_id').input.focus();
        return false;
      }
      const body = { device_id: id, kind: v.kind };
      if (v.kind === 'smart_meter' && v.meter_id) body.meter_id = Number(v.meter_id);
      if (v.kind === 'water_heater' && v.appliance_id) body.appliance_id = Number(v.appliance_id);
      if (v.note.trim()) body.note = v.note.trim();
      done = await api('POST', '/api/v1/devices', body);
      d.close('ok');
      return true;
    },
  });
  // the link field that fits the kind
  const kind = f.fields.get('kind').input;
  const sync = () => {
    f.fields.get('meter_id').el.hidden = kind.value !== 'smart_meter';
    f.fields.get('appliance_id').el.hidden = kind.value !== 'water_heater';
  };
  kind.addEventListener('change', sync);
  sync();
  d = dialog({ title: t('devices.registerTitle'), wide: true, body: [h('p', { class: 'hint' }, t('devices.registerIntro')), f.el],
               onOpen: () => f.fields.get('device_id').input.focus() });
  d.el.querySelector(':scope > .actions').remove();
  return d.done.then(() => done);
}

export function render(el, ctx) {
  ctx.title(t('devices.title'));
  const q = {
    status: STATUSES.includes(ctx.query.status) ? ctx.query.status : 'active',
    kind: KINDS.includes(ctx.query.kind) ? ctx.query.kind : '',
    after: /^[0-9A-Za-z][0-9A-Za-z._:-]{0,63}$/.test(ctx.query.after || '') ? ctx.query.after : '',
  };
  const trail = Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];
  const status = h('select', { id: 'dv-status' }, STATUSES.map((s) =>
    h('option', { value: s, selected: s === q.status }, t(`devices.filter.${s}`))));
  const kind = h('select', { id: 'dv-kind' }, h('option', { value: '' }, t('devices.anyKind')),
    KINDS.map((k) => h('option', { value: k, selected: k === q.kind }, t(`device.kind.${k}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'dv-status' }, t('devices.status')), status,
    h('label', { for: 'dv-kind' }, t('devices.kind')), kind,
    h('button', { type: 'submit' }, t('common.apply')));
  const query = (extra = {}) => ({ status: status.value === 'active' ? '' : status.value, kind: kind.value, ...extra });
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/devices', query());
  });
  status.addEventListener('change', () => filters.requestSubmit());
  kind.addEventListener('change', () => filters.requestSubmit());

  const actions = h('div', { class: 'page-actions' });
  if (can('devices.write')) {
    const reg = h('button', { type: 'button', class: 'primary', id: 'device-register' }, t('devices.register'));
    reg.addEventListener('click', async () => {
      const r = await registerDialog();
      if (!r) return reg.focus();
      await keyDialog(r);
      notify('ok', t('devices.registered', { id: r.device.device_id }));
      return ctx.reload();
    });
    actions.append(reg);
  }
  const cap = h('p', { class: 'hint', id: 'shutoff-cap' });
  const list = h('div', { id: 'device-list' });
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('devices.title')), actions),
    monitorTabs(ctx.path), filters, cap, list);
  el.querySelector('h1').focus();

  if (can('devices.operate')) {
    api('GET', '/api/v1/remote-operations/cap').then((c) => {
      if (ctx.alive()) cap.textContent = t('devices.cap', { used: c.used_last_hour, cap: c.shutoffs_per_hour });
    }).catch((e) => {
      if (e?.status === undefined) throw e; // the cap is a hint; the request says it again
    });
  }

  const retire = async (d, button) => {
    if (!(await confirm(t('devices.retireTitle', { id: d.device_id }), t('devices.retireText'), t('devices.retire')))) {
      return button.focus();
    }
    try {
      await busy(button, t('devices.retiring'), () => api('POST', `/api/v1/devices/${encodeURIComponent(d.device_id)}/retire`, {}));
      notify('ok', t('devices.retired', { id: d.device_id }));
      return ctx.reload();
    } catch (e) {
      if (e?.status === undefined) throw e;
      return notify('error', `${d.device_id}: ${problemText(e)}`);
    }
  };

  const operate = async (d, action, button) => {
    const op = await requestDialog(d, action);
    if (!op) return button.focus();
    notify('ok', t(`remoteOps.requested.${action}`, { id: d.device_id }));
    return ctx.go('/remote-ops', {});
  };

  function moves(d) {
    if (d.status !== 'active') return '';
    const out = h('span', { class: 'device-moves' });
    if (d.kind === 'smart_meter' && can('devices.operate')) {
      for (const action of ['shutoff', 'restore']) {
        const b = h('button', { type: 'button', class: ['small', action === 'shutoff' && 'danger'], dataset: { op: action },
                                'aria-label': `${t(`remoteOps.action.${action}`)}: ${d.device_id}` }, t(`remoteOps.action.${action}`));
        b.addEventListener('click', () => operate(d, action, b));
        out.append(b);
      }
    }
    if (can('devices.write')) {
      const b = h('button', { type: 'button', class: 'small', dataset: { op: 'retire' },
                              'aria-label': `${t('devices.retire')}: ${d.device_id}` }, t('devices.retire'));
      b.addEventListener('click', () => retire(d, b));
      out.append(b);
    }
    return out;
  }

  async function load() {
    fill(list, loading());
    const params = new URLSearchParams({ limit: String(LIMIT) });
    if (q.status !== 'all') params.set('status', q.status);
    if (q.kind) params.set('kind', q.kind);
    if (q.after) params.set('after', q.after);
    let r;
    try {
      r = await api('GET', `/api/v1/devices?${params}`);
    } catch (e) {
      if (e?.status === undefined) throw e;
      if (ctx.alive()) fill(list, loadError(e, load));
      return;
    }
    if (!ctx.alive()) return;
    const page = (after, tr) => ctx.go('/devices', query({ after }), { state: { trail: tr } });
    fill(list,
      r.devices.length ? h('p', { class: 'result-count', role: 'status' }, t('devices.count', { n: formatCount(r.devices.length) })) : null,
      table({
        cls: 'device-table',
        columns: [
          { label: t('devices.col.id'), cell: (x) => h('span', { class: 'clip device-id', title: x.device_id }, x.device_id), cls: 'dev-col' },
          { label: t('devices.col.kind'), cell: (x) => t(`device.kind.${x.kind}`) },
          { label: t('devices.col.link'), cell: linkOf },
          { label: t('devices.col.note'), cell: (x) => x.note || '', clip: true, cls: 'note-col' },
          { label: t('devices.col.lastSeen'), cell: lastSeen },
          { label: t('devices.col.status'), cell: (x) => h('span', { class: ['chip', x.status === 'active' ? 'ok' : ''] }, t(`devices.status.${x.status}`)) },
          { label: t('devices.col.moves'), cell: moves },
        ],
        rows: r.devices, empty: t('devices.none'),
        rowAttrs: (x) => ({ dataset: { id: x.device_id } }),
      }),
      (trail.length || r.next || q.after) ? pager({
        page: trail.length + 1, hasPrev: trail.length > 0, hasNext: !!r.next,
        onPrev: () => page(trail[trail.length - 1], trail.slice(0, -1)),
        onNext: () => page(r.next, [...trail, q.after]),
        onFirst: () => page('', []), showFirst: !!q.after && trail.length !== 1,
      }) : null);
  }
  load();
}
