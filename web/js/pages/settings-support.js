// settings-support.js — サポートの受け入れ: letting a named pilotlight
// support operator into the tenant's data for a while (GET/POST
// /api/v1/support-grants; revoke with POST …/{id}/revoke). A grant names
// the operator (the support desk says who), read or write access, 1–72
// hours and the reason (an inquiry number); it starts at once, needs a
// fresh one-time code, and ends by itself or when revoked here. Every
// request made under it is in the audit log (support.access), linked from
// each grant. Newest first, 20 a page, the page in the URL.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { form } from '../lib/forms.js';
import { can } from '../lib/session.js';
import { confirm, loadInto, notify, pagedRows, table, withStepUp } from '../lib/ui.js';
import { act, head, stateChip } from './settings-common.js';

function createForm(onDone) {
  const f = form({
    fields: [
      { name: 'operator_login', label: t('settings.support.operator'), required: true, maxlength: 64,
        hint: t('settings.support.operatorHint') },
      { name: 'access', label: t('settings.support.access'), type: 'select', required: true,
        options: [['read', t('settings.support.access.read')], ['write', t('settings.support.access.write')]] },
      { name: 'hours', label: t('settings.support.hours'), type: 'number', required: true, min: 1, max: 72, step: 1 },
      { name: 'reason', label: t('settings.support.reason'), type: 'textarea', required: true, maxlength: 200, wide: true,
        hint: t('settings.support.reasonHint') },
    ],
    values: { access: 'read', hours: '2' },
    submitLabel: t('settings.support.grant'), busyLabel: t('common.saving'),
    onSubmit: async (v) => {
      const r = await withStepUp(() => api('POST', '/api/v1/support-grants', {
        operator_login: v.operator_login.trim(), access: v.access, hours: Number(v.hours), reason: v.reason.trim() }));
      if (r === null) return false;
      onDone(false, r);
      return true;
    },
    actions: [h('button', { type: 'button', onclick: () => onDone(true) }, t('common.cancel'))],
  });
  f.el.id = 'grant-create';
  return f;
}

export function render(el, ctx) {
  head(el, ctx, 'support', t('settings.support.intro'));
  const createSlot = h('div', {});
  const list = h('div', {});
  const newBtn = can('users.write')
    ? h('button', { type: 'button', class: 'primary', id: 'grant-new' }, t('settings.support.add')) : null;
  newBtn?.addEventListener('click', () => {
    newBtn.hidden = true;
    const f = createForm((cancelled, g) => {
      fill(createSlot);
      newBtn.hidden = false;
      if (cancelled) { newBtn.focus(); return; }
      notify('ok', t('settings.support.granted', { who: g.operator_login,
        until: formatDateTime(new Date(g.expires_at * 1000).toISOString()) }));
      ctx.reload();
    });
    fill(createSlot, h('section', { class: 'card' }, h('h2', {}, t('settings.support.add')), f.el));
    f.fields.get('operator_login').input.focus();
  });
  el.querySelector('.page-head').append(h('div', { class: 'page-actions' }, newBtn));
  el.append(createSlot, list);
  loadInto(list, () => api('GET', '/api/v1/support-grants'), ({ grants }) => {
    const { slice, nav } = pagedRows(grants, ctx.query.page, 20,
      (p) => ctx.go('/settings/support', { page: p > 1 ? p : '' }));
    return [table({
      columns: [
        { label: t('settings.support.operator'), cell: (g) => g.operator_login, clip: true },
        { label: t('settings.support.access'), cell: (g) => t(`settings.support.access.${g.access}`) },
        { label: t('settings.support.reason'), cell: (g) => g.reason, wrap: true },
        { label: t('settings.tokens.state'), cell: (g) => stateChip(g.active, 'settings.support.active',
          g.revoked_at ? 'settings.tokens.revoked' : 'settings.tokens.expired') },
        { label: t('settings.support.from'), cell: (g) => formatDateTime(g.created_at) },
        { label: t('settings.support.until'), cell: (g) => formatDateTime(new Date(g.expires_at * 1000).toISOString()) },
        { label: '', cell: (g) => {
          const trail = can('audit.read')
            ? h('a', { href: '#/settings/audit?action=support.' }, t('settings.support.trail'))
            : null;
          if (!can('users.write') || !g.active) return trail || '';
          const b = h('button', { type: 'button', class: 'small danger' }, t('settings.support.revoke'));
          b.addEventListener('click', async () => {
            if (!(await confirm(t('settings.support.revoke'), t('settings.support.revokeAsk', { who: g.operator_login }),
                                t('settings.support.revoke')))) return;
            const r = await act(b, t('common.saving'), async () => {
              await api('POST', `/api/v1/support-grants/${g.id}/revoke`);
              return true;
            }, t('settings.support.revoked'));
            if (r) ctx.reload();
          });
          return h('span', { class: 'links' }, b, trail);
        } },
      ],
      rows: slice, empty: t('settings.support.none'),
    }), nav];
  });
}
