// remote-ops.js — 監視 › 遠隔操作: remote shutoffs and restores
// (GET /api/v1/remote-operations, newest first, at most 200) and the
// second person's decision. An operation requested on 機器 waits here as
// 承認待ち until another user who may operate meters approves it (POST
// .../approve, with the one-time code again: step-up) or rejects it; the
// requester sees that it waits for someone else. After approval ingest
// hands the command to the meter (送信済み) and the meter's own event
// confirms it (完了). An operation that ends otherwise says why in its
// 経過: 失敗 with its time and reason (failure: the meter reported it could
// not, or the device was retired before delivery) or 期限切れ (nobody
// approved it, or the meter did not confirm, before the deadline). The
// hourly cap on shutoffs is shown; it can only be changed on the server
// (pilotlight remote-ops cap), never here.
//
// The status filter and the page (the list is read whole and shown 50 rows
// a page) are in the URL.
import { api } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { has, problemText, t } from '../lib/i18n.js';
import { can, session } from '../lib/session.js';
import { busy, confirm, loadError, loading, notify, pagedRows, table, withStepUp } from '../lib/ui.js';
import { loadNames, monitorTabs, userName } from './alarms-common.js';

const STATUSES = ['requested', 'approved', 'sent', 'confirmed', 'rejected', 'expired', 'failed'];
const SIZE = 50;

function statusChip(s) {
  const cls = { requested: 'warn', confirmed: 'ok', rejected: 'bad', expired: 'bad', failed: 'bad' }[s] || '';
  return h('span', { class: ['chip', cls, `op-${s}`] }, t(`remoteOps.status.${s}`));
}

const deadline = (x) => (x.expires_s ? formatDateTime(new Date(x.expires_s * 1000).toISOString()) : '');

// Why an operation ended without being carried out (failed, expired), or
// null. The failure codes the console does not know are shown as given.
function outcome(x) {
  if (x.status === 'failed') {
    const key = `remoteOps.failure.${x.failure}`;
    const why = has(key) ? t(key) : (x.failure || t('remoteOps.failure.unknown'));
    return h('div', { class: 'op-outcome' }, h('strong', {}, `${t('remoteOps.step.failed')} ${formatDateTime(x.failed_at)}`),
      h('span', { class: 'op-why' }, why));
  }
  if (x.status === 'expired') {
    const key = !x.decided_at ? 'notApproved' : x.sent_at ? 'notConfirmed' : 'notSent';
    return h('div', { class: 'op-outcome' }, h('strong', {}, `${t('remoteOps.step.expired')} ${deadline(x)}`),
      h('span', { class: 'op-why' }, t(`remoteOps.expiredWhy.${key}`)));
  }
  return null;
}

export function render(el, ctx) {
  ctx.title(t('remoteOps.title'));
  const q = {
    status: STATUSES.includes(ctx.query.status) ? ctx.query.status : '',
    page: /^\d+$/.test(ctx.query.page || '') ? Number(ctx.query.page) : 1,
  };
  const status = h('select', { id: 'ro-status' }, h('option', { value: '' }, t('remoteOps.anyStatus')),
    STATUSES.map((s) => h('option', { value: s, selected: s === q.status }, t(`remoteOps.status.${s}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'ro-status' }, t('remoteOps.statusLabel')), status, h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/remote-ops', { status: status.value });
  });
  status.addEventListener('change', () => filters.requestSubmit());
  const cap = h('p', { class: 'hint', id: 'shutoff-cap' });
  const list = h('div', { id: 'remote-op-list' });
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('remoteOps.title'))),
    monitorTabs(ctx.path), h('p', { class: 'hint' }, t('remoteOps.intro')), cap, filters, list);
  el.querySelector('h1').focus();

  api('GET', '/api/v1/remote-operations/cap').then((c) => {
    if (ctx.alive()) cap.textContent = `${t('devices.cap', { used: c.used_last_hour, cap: c.shutoffs_per_hour })} ${c.note || ''}`;
  }).catch((e) => {
    if (e?.status === undefined) throw e;
  });

  const decide = async (op, approve, button, err) => {
    err.textContent = '';
    if (!approve && !(await confirm(t('remoteOps.rejectTitle'), t('remoteOps.rejectText', { id: op.device_id }),
      t('remoteOps.reject')))) return button.focus();
    try {
      const path = `/api/v1/remote-operations/${op.id}/${approve ? 'approve' : 'reject'}`;
      const r = await busy(button, t(approve ? 'remoteOps.approving' : 'remoteOps.rejecting'),
        () => withStepUp(() => api('POST', path, {})));
      if (!r) return button.focus(); // the code was not given
      notify('ok', t(approve ? 'remoteOps.approved' : 'remoteOps.rejected', { id: op.device_id }));
      return load();
    } catch (e) {
      if (e?.status === undefined) throw e;
      err.textContent = problemText(e);
      return button.focus();
    }
  };

  function moves(op) {
    if (op.status !== 'requested') return '';
    if (op.requested_by === session.me.user.id) return h('span', { class: 'muted small' }, t('remoteOps.waitingOther'));
    if (!can('devices.operate')) return h('span', { class: 'muted small' }, t('remoteOps.waiting'));
    const err = h('span', { class: 'field-error', role: 'alert' });
    const label = `${t(`remoteOps.action.${op.action}`)} ${op.device_id}`;
    const ok = h('button', { type: 'button', class: 'small primary', dataset: { op: 'approve' },
                             'aria-label': `${t('remoteOps.approve')}: ${label}` }, t('remoteOps.approve'));
    const no = h('button', { type: 'button', class: 'small', dataset: { op: 'reject' },
                             'aria-label': `${t('remoteOps.reject')}: ${label}` }, t('remoteOps.reject'));
    ok.addEventListener('click', () => decide(op, true, ok, err));
    no.addEventListener('click', () => decide(op, false, no, err));
    return h('span', { class: 'op-moves' }, ok, no, err);
  }

  async function load() {
    fill(list, loading());
    let r;
    try {
      [r] = await Promise.all([
        api('GET', `/api/v1/remote-operations${q.status ? `?status=${q.status}` : ''}`), loadNames()]);
    } catch (e) {
      if (e?.status === undefined) throw e;
      if (ctx.alive()) fill(list, loadError(e, load));
      return;
    }
    if (!ctx.alive()) return;
    const { slice, nav } = pagedRows(r.operations, q.page, SIZE,
      (p) => ctx.go('/remote-ops', { status: q.status, page: p > 1 ? p : '' }));
    fill(list, table({
      cls: 'remote-op-table',
      columns: [
        { label: t('remoteOps.col.requested'), cell: (x) => h('span', { class: 'op-what' },
          h('span', {}, formatDateTime(x.requested_at)), clip(userName(x.requested_by), 'span', 'muted small')), cls: 'who-col' },
        { label: t('remoteOps.col.action'), cell: (x) => h('span', { class: 'op-what' },
          h('strong', { class: x.action === 'shutoff' ? 'op-shutoff' : 'op-restore' }, t(`remoteOps.action.${x.action}`)),
          clip(x.device_id, 'span', 'small')), cls: 'dev-col' },
        { label: t('remoteOps.col.reason'), cell: (x) => x.reason, wrap: true },
        { label: t('remoteOps.col.status'), cell: (x) => statusChip(x.status) },
        { label: t('remoteOps.col.progress'), cls: 'progress-col', wrap: true, cell: (x) => [
          x.decided_at ? h('div', {}, `${t(x.status === 'rejected' ? 'remoteOps.step.rejected' : 'remoteOps.step.decided', { who: userName(x.decided_by) })} ${formatDateTime(x.decided_at)}`) : null,
          x.sent_at ? h('div', {}, `${t('remoteOps.step.sent')} ${formatDateTime(x.sent_at)}`) : null,
          x.confirmed_at ? h('div', {}, `${t('remoteOps.step.confirmed')} ${formatDateTime(x.confirmed_at)}`) : null,
          !x.decided_at && x.status === 'requested' && x.expires_s
            ? h('div', {}, t('remoteOps.until', { at: deadline(x) })) : null,
          (x.status === 'approved' || x.status === 'sent') && x.expires_s
            ? h('div', { class: 'muted' }, t('remoteOps.confirmUntil', { at: deadline(x) })) : null,
          outcome(x),
        ] },
        { label: t('remoteOps.col.moves'), cell: moves },
      ],
      rows: slice, empty: t('remoteOps.none'),
      rowAttrs: (x) => ({ dataset: { id: x.id, status: x.status } }),
    }), nav);
  }
  load();
}
