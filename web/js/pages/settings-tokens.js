// settings-tokens.js — API トークン: tokens for programs (GET
// /api/v1/api-tokens, newest first, 20 a page with the page in the URL).
// An admin (users.write) makes one (POST, step-up: name, the permissions it
// carries — those the API allows a token, users.read, users.write and
// audit.read, that the admin's role holds — and its lifetime in days): the
// token is shown this once, in a dialog with a copy button, and never
// again (only its hash is kept). Revoking (POST …/{id}/revoke) needs no
// code, so ending access is always quick.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { form } from '../lib/forms.js';
import { can } from '../lib/session.js';
import { confirm, loadInto, pagedRows, table, withStepUp } from '../lib/ui.js';
import { act, head, showOnce, stateChip } from './settings-common.js';

const TOKEN_PERMS = ['users.read', 'users.write', 'audit.read'];

function createForm(onDone) {
  const perms = TOKEN_PERMS.filter((p) => can(p));
  const f = form({
    groups: [
      { fields: [
        { name: 'name', label: t('settings.tokens.name'), required: true, maxlength: 60, wide: true,
          hint: t('settings.tokens.nameHint') },
        { name: 'days', label: t('settings.tokens.days'), type: 'number', required: true, min: 1, max: 365, step: 1,
          hint: t('settings.tokens.daysHint') },
      ] },
      { legend: t('settings.tokens.perms'), fields: perms.map((p) => ({
        name: `perm:${p}`, label: `${t(`settings.perm.${p}`)}（${p}）`, type: 'checkbox' })) },
    ],
    values: { days: '90', 'perm:audit.read': true },
    fieldNames: { permissions: `perm:${perms[0]}` },
    submitLabel: t('settings.tokens.create'), busyLabel: t('settings.tokens.creating'),
    onSubmit: async (v, fm) => {
      const chosen = perms.filter((p) => v[`perm:${p}`]);
      if (!chosen.length) {
        fm.fields.get(`perm:${perms[0]}`).setError(t('settings.tokens.choosePerm'));
        fm.message('error', h('p', {}, t('settings.tokens.choosePerm')));
        return false;
      }
      const r = await withStepUp(() => api('POST', '/api/v1/api-tokens',
        { name: v.name.trim(), permissions: chosen, days: Number(v.days) }));
      if (r === null) return false;
      await showOnce({ title: t('settings.tokens.madeTitle'), intro: t('settings.tokens.madeIntro', { name: r.name }),
                       value: r.token, label: t('settings.tokens.token') });
      onDone(false);
      return true;
    },
    actions: [h('button', { type: 'button', onclick: () => onDone(true) }, t('common.cancel'))],
  });
  f.el.id = 'token-create';
  return f;
}

export function render(el, ctx) {
  head(el, ctx, 'tokens', t('settings.tokens.intro'));
  const createSlot = h('div', {});
  const list = h('div', {});
  const newBtn = can('users.write')
    ? h('button', { type: 'button', class: 'primary', id: 'token-new' }, t('settings.tokens.add')) : null;
  newBtn?.addEventListener('click', () => {
    newBtn.hidden = true;
    const f = createForm((cancelled) => {
      fill(createSlot);
      newBtn.hidden = false;
      if (cancelled) newBtn.focus();
      else ctx.reload();
    });
    fill(createSlot, h('section', { class: 'card' }, h('h2', {}, t('settings.tokens.add')), f.el));
    f.fields.get('name').input.focus();
  });
  el.querySelector('.page-head').append(h('div', { class: 'page-actions' }, newBtn));
  el.append(createSlot, list);
  loadInto(list, () => api('GET', '/api/v1/api-tokens'), ({ tokens }) => {
    const { slice, nav } = pagedRows(tokens, ctx.query.page, 20,
      (p) => ctx.go('/settings/tokens', { page: p > 1 ? p : '' }));
    return [table({
      cls: 'tokens-table',
      columns: [
        { label: t('settings.tokens.name'), cell: (x) => x.name, clip: true, cls: 'name-col' },
        { label: t('settings.tokens.perms'), cell: (x) => x.permissions.map((p) => t(`settings.perm.${p}`)).join('、'), wrap: true },
        { label: t('settings.tokens.state'), cell: (x) => stateChip(x.active, 'settings.tokens.active',
          x.revoked_at ? 'settings.tokens.revoked' : 'settings.tokens.expired') },
        { label: t('settings.tokens.createdAt'), cell: (x) => formatDateTime(x.created_at) },
        { label: t('settings.tokens.expiresAt'), cell: (x) => formatDateTime(new Date(x.expires_at * 1000).toISOString()) },
        { label: '', cell: (x) => {
          if (!can('users.write') || !x.active) return '';
          const b = h('button', { type: 'button', class: 'small danger' }, t('settings.tokens.revoke'));
          b.addEventListener('click', async () => {
            if (!(await confirm(t('settings.tokens.revoke'), t('settings.tokens.revokeAsk', { name: x.name }),
                                t('settings.tokens.revoke')))) return;
            const r = await act(b, t('common.saving'), async () => {
              await api('POST', `/api/v1/api-tokens/${x.id}/revoke`);
              return true;
            }, t('settings.tokens.revokedOk', { name: x.name }));
            if (r) ctx.reload();
          });
          return b;
        } },
      ],
      rows: slice, empty: t('settings.tokens.none'),
      rowAttrs: (x) => ({ id: `token-${x.id}` }),
    }), nav];
  });
}
