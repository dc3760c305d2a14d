// panels/approvals.js — 承認待ち: dual-control requests waiting for a second
// admin (GET /api/v1/approvals, pending only), with the user they concern.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';

export async function render(el) {
  const [{ approvals }, { users }] = await Promise.all([
    api('GET', '/api/v1/approvals'), api('GET', '/api/v1/users'),
  ]);
  const names = new Map(users.map((u) => [u.id, u.display_name]));
  const pending = approvals.filter((a) => a.status === 'pending');
  el.append(h('p', { class: 'big-figure' },
    h('span', { class: pending.length ? 'figure warn' : 'figure' }, String(pending.length)), ' ',
    t('home.approvalsPending')));
  if (!pending.length) return;
  el.append(h('ul', { class: 'mini-list' }, pending.slice(0, 5).map((a) => h('li', {},
    h('span', {}, t(`approval.${a.action}`, { role: a.params?.role ? t(`role.${a.params.role}`) : '' })),
    h('span', { class: 'clip', title: names.get(a.target_user) || '' }, names.get(a.target_user) || `#${a.target_user}`),
    h('span', { class: 'muted' }, t('home.requestedBy', {
      who: names.get(a.requested_by) || `#${a.requested_by}`, at: formatDateTime(a.requested_at) }))))));
  el.append(h('p', { class: 'hint' }, t('home.approvalsHint')));
}
