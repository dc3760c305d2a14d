// alarms-common.js — what the 監視 (monitoring) screens and the home
// page's alarm panel share: the live feed of alarms (Server-Sent Events,
// GET /api/v1/alarms/stream), how an alarm is named and marked (gas alarms
// stand out from water-heater alarms), the moves of an alarm
// (acknowledge → dispatch → resolve with the response record 出動記録), and
// the row of links between the monitoring screens.
//
// The feed: EventSource sends the session cookie (same origin) and, when
// the server ends a stream (every 10 minutes) or the network drops, comes
// back by itself with Last-Event-ID, so nothing is missed and nothing is
// seen twice. A stream the server refuses (signed out, too many streams)
// is closed for good by the browser: the feed asks /auth/me (a 401 brings
// the sign-in back) and opens a new one after a pause, resuming after the
// last change it saw. Each alarm carries its change counter (seq): a
// change older than what is on screen is ignored.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { has, lang, problemText, t } from '../lib/i18n.js';
import { can, session } from '../lib/session.js';
import { busy, dialog, notify } from '../lib/ui.js';

// ------------------------------------------------------------------ feed

const RETRY_MS = 5000;

// Open the live feed. onAlarm(alarm) for each change; onStatus('live' |
// 'reconnecting' | 'down', { gap }) — gap: the feed was down and started
// afresh, so a list should be read again. Returns close().
export function openAlarmFeed({ onAlarm, onStatus = () => {} }) {
  let es = null;
  let last = '';
  let timer = 0;
  let closed = false;
  let gap = false;
  const connect = () => {
    const url = last ? `/api/v1/alarms/stream?last_event_id=${encodeURIComponent(last)}`
      : '/api/v1/alarms/stream';
    es = new EventSource(url);
    es.addEventListener('open', () => {
      if (closed) return;
      onStatus('live', { gap });
      gap = false;
    });
    es.addEventListener('alarm', (ev) => {
      if (closed) return;
      if (ev.lastEventId) last = ev.lastEventId;
      let a = null;
      try {
        a = JSON.parse(ev.data);
      } catch {
        return; // a broken event: the next change of that alarm brings it whole
      }
      if (a && a.id) onAlarm(a);
    });
    es.addEventListener('error', () => {
      if (closed) return;
      if (es.readyState !== EventSource.CLOSED) {
        onStatus('reconnecting', {});
        return;
      }
      es.close();
      onStatus('down', {});
      if (!last) gap = true;
      timer = setTimeout(async () => {
        try {
          await api('GET', '/api/v1/auth/me');
        } catch (e) {
          if (e?.status === 401) return; // the sign-in is showing
        }
        if (!closed) connect();
      }, RETRY_MS);
    });
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    es?.close();
  };
}

// The line that says whether the screen is live.
export function feedBadge() {
  const el = h('p', { class: 'feed-state', id: 'feed-state', role: 'status', dataset: { feed: 'connecting' } },
    t('alarm.feed.connecting'));
  const set = (state) => {
    el.dataset.feed = state;
    el.textContent = t(`alarm.feed.${state}`);
  };
  return { el, set };
}

// --------------------------------------------------------------- naming

// Gas alarms (a meter's shut-offs, leak and pressure warnings) against a
// water heater's critical errors (kind heater_error).
export function isGas(a) {
  return a.kind !== 'heater_error' && !a.error_code;
}

export function alarmLabel(a) {
  if (lang() === 'ja' || !a) return a?.label_ja || a?.kind || '';
  if (!isGas(a)) return t('alarm.kind.heater_error', { code: a.error_code || '' });
  return has(`alarm.kind.${a.kind}`) ? t(`alarm.kind.${a.kind}`) : (a.label_ja || a.kind);
}

export function severityChip(sev) {
  const cls = sev === 'critical' ? 'bad' : sev === 'warning' ? 'warn' : '';
  return h('span', { class: ['chip', 'sev', cls, `sev-${sev}`] }, t(`alarm.severity.${sev}`));
}

export function stateChip(state) {
  return h('span', { class: ['chip', 'alarm-state', `state-${state}`] }, t(`alarm.state.${state}`));
}

export function kindCell(a) {
  return h('span', { class: 'alarm-kind' },
    isGas(a) ? h('span', { class: 'chip gas-chip' }, t('alarm.gas')) : h('span', { class: 'chip heater-chip' }, t('alarm.heater')),
    h('span', { class: 'clip', title: alarmLabel(a) }, alarmLabel(a)));
}

// Classes of an alarm's row or card: gas alarms stand out, open ones more.
export function alarmClasses(a) {
  return ['alarm', isGas(a) ? 'is-gas' : 'is-heater', `sev-${a.severity}`, `state-${a.state}`];
}

// Names of the tenant's users, for "who" (the API names users by id):
// the signed-in user always, everyone when the role may list users.
let names = { owner: '', map: new Map() };

export async function loadNames() {
  if (names.owner === session.owner && names.map.size) return names.map;
  const map = new Map();
  if (session.me) map.set(session.me.user.id, session.me.user.display_name);
  if (can('users.read')) {
    try {
      const { users } = await api('GET', '/api/v1/users');
      for (const u of users) map.set(u.id, u.display_name);
    } catch (e) {
      if (e?.status === undefined) throw e; // names are a help: ids are shown instead
    }
  }
  names = { owner: session.owner, map };
  return map;
}

export function userName(id) {
  if (id === null || id === undefined) return '';
  if (session.me && id === session.me.user.id) return t('monitor.you', { name: session.me.user.display_name });
  return names.map.get(id) || t('monitor.userId', { id });
}

// "who" of a move: the actor ("user:12", "ingest-page:0001:tanaka",
// "token:3:…") in words.
export function who(actor) {
  if (!actor) return '';
  const m = /^user:(\d+)/.exec(actor);
  if (m) return userName(Number(m[1]));
  const p = /^ingest-page:[^:]+:(.+)$/.exec(actor);
  if (p) return t('alarm.viaIngest', { who: p[1] });
  const k = /^token:(\d+)/.exec(actor);
  if (k) return t('monitor.token', { id: k[1] });
  return actor;
}

// ----------------------------------------------------------------- moves

// datetime-local value ("2026-06-18T10:15", the browser's own time) for now.
function localNow() {
  const d = new Date();
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

// Acknowledge at once (no questions: someone has seen it).
export async function acknowledge(a, button) {
  const r = await busy(button, t('alarm.acknowledging'),
    () => api('POST', `/api/v1/alarms/${a.id}/acknowledge`, {}));
  notify('ok', t('alarm.acknowledged', { label: alarmLabel(r.alarm) }), { key: `alarm-${a.id}` });
  return r.alarm;
}

// A form in a dialog; resolves with the alarm after the move, or null.
function moveDialog(a, { title, intro, fields, values, submitLabel, busyLabel, path, body, check }) {
  let done = null;
  let d = null;
  const cancel = h('button', { type: 'button', onclick: () => d.close() }, t('common.cancel'));
  const f = form({
    fields, values, submitLabel, busyLabel, actions: [cancel], cls: 'alarm-form',
    onSubmit: async (v, fm) => {
      const bad = check?.(v);
      if (bad) {
        fm.fields.get(bad.field).setError(bad.message);
        fm.message('error', h('p', {}, t('form.fixFields', { n: 1 })));
        fm.fields.get(bad.field).input.focus();
        return false;
      }
      const r = await api('POST', `/api/v1/alarms/${a.id}/${path}`, body(v));
      done = r.alarm;
      d.close('ok');
      return true;
    },
  });
  d = dialog({
    title, wide: true,
    body: [h('p', { class: 'dialog-alarm' }, kindCell(a), ' ', a.customer_name || a.device_id), intro ? h('p', { class: 'hint' }, intro) : null, f.el],
    onOpen: () => f.el.querySelector('input, textarea')?.focus(),
  });
  d.el.querySelector(':scope > .actions').remove(); // the form has its own buttons
  return d.done.then(() => done);
}

function trimmed(v) {
  const s = String(v ?? '').trim();
  return s || undefined;
}

export function dispatchDialog(a) {
  return moveDialog(a, {
    title: t('alarm.dispatchTitle'), intro: t('alarm.dispatchIntro'),
    submitLabel: t('alarm.dispatch'), busyLabel: t('alarm.dispatching'), path: 'dispatch',
    fields: [
      { name: 'responder', label: t('alarm.f.responder'), required: true, maxlength: 100,
        hint: t('alarm.f.responderHint') },
      { name: 'note', label: t('alarm.f.note'), type: 'textarea', maxlength: 2000, rows: 2 },
    ],
    values: { responder: session.me?.user?.display_name || '' },
    body: (v) => ({ responder: v.responder.trim(), note: trimmed(v.note) }),
  }).then((x) => {
    if (x) notify('ok', t('alarm.dispatched', { who: x.response?.responder || '' }), { key: `alarm-${a.id}` });
    return x;
  });
}

export function resolveDialog(a) {
  const dispatched = a.state === 'dispatched';
  const p = moveDialog(a, {
    title: t('alarm.resolveTitle'), intro: t('alarm.resolveIntro'),
    submitLabel: t('alarm.resolve'), busyLabel: t('alarm.resolving'), path: 'resolve',
    fields: [
      { name: 'responder', label: t('alarm.f.responder'), maxlength: 100 },
      { name: 'arrived_at', label: t('alarm.f.arrivedAt'), type: 'datetime-local', required: dispatched,
        hint: dispatched ? t('alarm.f.arrivedAtHint') : t('alarm.f.arrivedAtOptional') },
      { name: 'findings', label: t('alarm.f.findings'), type: 'textarea', required: true, maxlength: 2000,
        rows: 3, wide: true, hint: t('alarm.f.findingsHint') },
      { name: 'action', label: t('alarm.f.action'), type: 'textarea', required: true, maxlength: 2000,
        rows: 3, wide: true, hint: t('alarm.f.actionHint') },
      { name: 'note', label: t('alarm.f.note'), type: 'textarea', maxlength: 2000, rows: 2, wide: true },
    ],
    // what is known: who went, and (after a dispatch) now as the arrival
    values: { responder: a.response?.responder || session.me?.user?.display_name || '',
              arrived_at: dispatched ? localNow() : '' },
    check: (v) => {
      if (!v.arrived_at) return null;
      const at = new Date(v.arrived_at);
      if (Number.isNaN(at.getTime())) return { field: 'arrived_at', message: t('alarm.f.arrivedAtFormat') };
      if (at.getTime() > Date.now() + 5 * 60 * 1000) return { field: 'arrived_at', message: t('alarm.f.arrivedAtFuture') };
      // minutes only in the field: the minute of the dispatch itself is fine
      if (a.dispatched?.at && at.getTime() + 60 * 1000 <= new Date(a.dispatched.at).getTime()) {
        return { field: 'arrived_at', message: t('alarm.f.arrivedAtEarly', { at: formatDateTime(a.dispatched.at) }) };
      }
      return null;
    },
    body: (v) => ({
      responder: trimmed(v.responder),
      arrived_at: v.arrived_at ? new Date(v.arrived_at).toISOString() : undefined,
      findings: v.findings.trim(), action: v.action.trim(), note: trimmed(v.note),
    }),
  });
  return p.then((x) => {
    if (x) notify('ok', t('alarm.resolved', { label: alarmLabel(x) }), { key: `alarm-${a.id}` });
    return x;
  });
}

// The buttons for an alarm's next moves; onMoved(alarm) after a move. The
// buttons say which alarm they concern to a screen reader.
export function moveButtons(a, onMoved, { compact = false } = {}) {
  if (!can('alarms.write') || a.state === 'resolved') return null;
  const label = alarmLabel(a);
  const wrap = h('span', { class: 'alarm-moves' });
  const err = h('span', { class: 'field-error', role: 'alert' });
  const run = async (fn) => {
    err.textContent = '';
    try {
      const x = await fn();
      if (x) onMoved(x);
    } catch (e) {
      if (e?.status === undefined) throw e;
      err.textContent = problemText(e);
    }
  };
  const btn = (key, cls, fn) => {
    const b = h('button', { type: 'button', class: [cls, compact && 'small'], dataset: { move: key },
                            'aria-label': `${t(`alarm.${key}`)}: ${label}` }, t(`alarm.${key}`));
    b.addEventListener('click', () => run(() => fn(b)));
    return b;
  };
  if (a.state === 'open') wrap.append(btn('acknowledge', 'primary', (b) => acknowledge(a, b)));
  if (a.state === 'acknowledged') {
    wrap.append(btn('dispatch', 'primary', () => dispatchDialog(a)));
  }
  if (a.state === 'acknowledged' || a.state === 'dispatched') {
    wrap.append(btn('resolve', a.state === 'dispatched' ? 'primary' : '', () => resolveDialog(a)));
  }
  wrap.append(err);
  return wrap;
}

// When each step happened, for the detail page and the list's tooltip.
export function stepsOf(a) {
  return [
    ['alarm.step.received', a.received_at, ''],
    ['alarm.step.acknowledged', a.acknowledged?.at, who(a.acknowledged?.by)],
    ['alarm.step.dispatched', a.dispatched?.at, [who(a.dispatched?.by), a.response?.responder && t('alarm.goes', { who: a.response.responder })].filter(Boolean).join(' · ')],
    ['alarm.step.arrived', a.response?.arrived_at, a.response?.responder || ''],
    ['alarm.step.resolved', a.resolved?.at, who(a.resolved?.by)],
  ].filter(([, at]) => at).map(([k, at, by]) => ({ label: t(k), at: formatDateTime(at), by }));
}

// ------------------------------------------------------------ sub-menu

const SCREENS = [
  { path: '/alarms', key: 'monitor.tab.alarms', perm: 'alarms.read', match: /^\/alarms/ },
  { path: '/repairs', key: 'monitor.tab.repairs', perm: 'alarms.read', match: /^\/repairs/ },
  { path: '/devices', key: 'monitor.tab.devices', perm: 'devices.read', match: /^\/devices/ },
  { path: '/remote-ops', key: 'monitor.tab.remoteOps', perm: 'devices.read', match: /^\/remote-ops/ },
  { path: '/alarm-settings', key: 'monitor.tab.notify', perm: 'alarms.read', match: /^\/alarm-settings/ },
];

// Links between the monitoring screens (those the user may open).
export function monitorTabs(path) {
  return h('nav', { class: 'monitor-tabs', 'aria-label': t('monitor.tabs') },
    SCREENS.filter((s) => can(s.perm)).map((s) => {
      const cur = s.match.test(path);
      return h('a', { href: `#${s.path}`, class: cur ? 'active' : null, 'aria-current': cur ? 'page' : null }, t(s.key));
    }));
}
