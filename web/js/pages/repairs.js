// repairs.js — 監視 › 修理受付: the repair requests that water-heater error
// codes opened (GET /api/v1/repair-requests), one per heater and error
// code (a repeat adds to 回数). Each open request can be moved forward —
// 受付 → 訪問予定 (with the visit date) → 完了, never back — with a note
// (PATCH /api/v1/repair-requests/{id}). The state filter and the page
// (before_id) are in the URL; earlier cursors travel in the history entry.
import { api } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatCount, formatDate, formatDateTime, todayJst } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { form } from '../lib/forms.js';
import { can } from '../lib/session.js';
import { dialog, loadError, loading, notify, pager, table } from '../lib/ui.js';
import { monitorTabs, severityChip } from './alarms-common.js';

const LIMIT = 50;
const STATES = ['open', 'received', 'scheduled', 'done', 'all'];
// the states a request may be put in (its own: only the date or note change)
const NEXT = { received: ['received', 'scheduled', 'done'], scheduled: ['scheduled', 'done'], done: [] };
const SUGGEST = { received: 'scheduled', scheduled: 'done' };

function stateChip(s) {
  return h('span', { class: ['chip', 'repair-state', `repair-${s}`] }, t(`repair.state.${s}`));
}

// The update dialog; resolves with the request after the change, or null.
function updateDialog(rq) {
  let done = null;
  let d = null;
  const cancel = h('button', { type: 'button', onclick: () => d.close() }, t('common.cancel'));
  const f = form({
    cls: 'repair-form', submitLabel: t('common.save'), actions: [cancel],
    fields: [
      { name: 'state', label: t('repair.f.state'), type: 'select', required: true,
        options: NEXT[rq.state].map((s) => [s, t(`repair.state.${s}`)]) },
      { name: 'scheduled_for', label: t('repair.f.scheduledFor'), type: 'date', min: todayJst(),
        hint: t('repair.f.scheduledForHint') },
      { name: 'note', label: t('repair.f.note'), type: 'textarea', maxlength: 2000, rows: 3, wide: true },
    ],
    values: { state: SUGGEST[rq.state], scheduled_for: rq.scheduled_for || '', note: rq.note || '' },
    onSubmit: async (v, fm) => {
      if (v.state === 'scheduled' && !v.scheduled_for) {
        fm.fields.get('scheduled_for').setError(t('repair.f.scheduledForNeeded'));
        fm.message('error', h('p', {}, t('form.fixFields', { n: 1 })));
        fm.fields.get('scheduled_for').input.focus();
        return false;
      }
      const body = {};
      if (v.state !== rq.state) body.state = v.state;
      if (v.scheduled_for && v.scheduled_for !== rq.scheduled_for) body.scheduled_for = v.scheduled_for;
      if (v.note.trim() !== (rq.note || '')) body.note = v.note.trim();
      const r = await api('PATCH', `/api/v1/repair-requests/${rq.id}`, body);
      done = r.repair_request;
      d.close('ok');
      return true;
    },
  });
  d = dialog({
    title: t('repair.updateTitle'), wide: true,
    body: [h('p', {}, `${rq.error_code} ${rq.label_ja}`, rq.customer_name ? `（${rq.customer_name}）` : ''), f.el],
    onOpen: () => f.el.querySelector('select')?.focus(),
  });
  d.el.querySelector(':scope > .actions').remove();
  return d.done.then(() => done);
}

export function render(el, ctx) {
  ctx.title(t('repairs.title'));
  const q = {
    state: STATES.includes(ctx.query.state) ? ctx.query.state : 'open',
    before_id: /^\d+$/.test(ctx.query.before_id || '') ? ctx.query.before_id : '',
  };
  const trail = Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];
  const state = h('select', { id: 'rq-state' }, STATES.map((s) =>
    h('option', { value: s, selected: s === q.state }, t(`repairs.filter.${s}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'rq-state' }, t('repairs.state')), state, h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/repairs', { state: state.value === 'open' ? '' : state.value });
  });
  state.addEventListener('change', () => filters.requestSubmit());
  const list = h('div', { id: 'repair-list' });
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('repairs.title'))),
    monitorTabs(ctx.path), h('p', { class: 'hint' }, t('repairs.intro')), filters, list);
  el.querySelector('h1').focus();

  async function load() {
    fill(list, loading());
    const params = new URLSearchParams({ limit: String(LIMIT) });
    if (q.state !== 'all') params.set('state', q.state);
    if (q.before_id) params.set('before_id', q.before_id);
    let r;
    try {
      r = await api('GET', `/api/v1/repair-requests?${params}`);
    } catch (e) {
      if (e?.status === undefined) throw e;
      if (ctx.alive()) fill(list, loadError(e, load));
      return;
    }
    if (!ctx.alive()) return;
    const page = (before, tr) => ctx.go('/repairs', { state: q.state === 'open' ? '' : q.state, before_id: before },
      { state: { trail: tr } });
    const update = async (rq, button) => {
      const x = await updateDialog(rq);
      if (!x) return button.focus();
      notify('ok', t('repair.saved', { state: t(`repair.state.${x.state}`) }));
      return load();
    };
    fill(list,
      r.repair_requests.length ? h('p', { class: 'result-count', role: 'status' }, t('repairs.count', { n: formatCount(r.repair_requests.length) })) : null,
      table({
        cls: 'repair-table',
        columns: [
          { label: t('repairs.col.error'), cell: (x) => h('span', { class: 'repair-error' },
            severityChip(x.severity), h('strong', {}, x.error_code), clip(x.label_ja),
            x.circuit_ja ? h('span', { class: 'muted small' }, x.circuit_ja) : null), cls: 'err-col' },
          { label: t('repairs.col.customer'), cell: (x) => h('span', { class: 'stack' },
            x.customer_id
              ? h('a', { href: `#/customers/${x.customer_id}`, class: 'clip', title: x.customer_name || '' }, x.customer_name || `#${x.customer_id}`)
              : h('span', { class: 'muted' }, t('alarm.noCustomer')),
            clip(x.device_id, 'span', 'muted small')), cls: 'cust-col' },
          { label: t('repairs.col.occurrences'), cell: (x) => formatCount(x.occurrences), num: true },
          { label: t('repairs.col.last'), cell: (x) => formatDateTime(x.last_at) },
          { label: t('repairs.col.state'), cell: (x) => h('span', { class: 'stack' }, stateChip(x.state),
            x.scheduled_for ? h('span', { class: 'small' }, t('repairs.visitOn', { date: formatDate(x.scheduled_for) })) : null) },
          { label: t('repairs.col.note'), cell: (x) => x.note || '', clip: true, cls: 'note-col' },
          { label: t('repairs.col.moves'), cell: (x) => {
            if (!can('alarms.write') || x.state === 'done') return '';
            const b = h('button', { type: 'button', class: 'small', 'aria-label': `${t('repair.update')}: ${x.error_code} ${x.customer_name || x.device_id}` },
              t('repair.update'));
            b.addEventListener('click', () => update(x, b));
            return b;
          } },
        ],
        rows: r.repair_requests, empty: t(q.state === 'open' ? 'repairs.noneOpen' : 'repairs.none'),
        rowAttrs: (x) => ({ dataset: { id: x.id, state: x.state } }),
      }),
      (trail.length || r.next_before_id || q.before_id) ? pager({
        page: trail.length + 1, hasPrev: trail.length > 0, hasNext: !!r.next_before_id,
        onPrev: () => page(trail[trail.length - 1], trail.slice(0, -1)),
        onNext: () => page(r.next_before_id, [...trail, q.before_id]),
        onFirst: () => page('', []), showFirst: !!q.before_id && trail.length !== 1,
      }) : null);
  }
  load();
}
