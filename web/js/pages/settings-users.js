// settings-users.js — 利用者と権限: the tenant's users (GET /api/v1/users),
// filtered by a text (login ID or name), role and status, all in the URL
// (#/settings/users?q=kato&role=reader&page=2), 20 a page; the
// dual-control requests waiting (GET /api/v1/approvals) with approve /
// reject; and, for users.write, adding a user and the actions on one:
//
//   change role / display name   PATCH /users/{id}          step-up; a role
//                                change may wait for a 2nd admin (202)
//   disable / enable             PATCH /users/{id} {status} step-up
//   reset the second factor      POST …/reset-mfa           step-up; dual control
//   temporary password           POST …/reset-password      step-up; shown once
//   unlock (failed sign-ins)     POST …/unlock
//   sign out everywhere          POST …/revoke-sessions
//
// Step-up: the API answers auth.step_up_required; the one-time code prompt
// (lib/ui.js withStepUp) asks for a code, then the request is sent again.
// A 202 answer says the change waits for another admin's approval.
import { api } from '../lib/api.js';
import { fill, h, uid } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { form } from '../lib/forms.js';
import { can, session } from '../lib/session.js';
import { confirm, dialog, loadInto, notify, pagedRows, table, withStepUp } from '../lib/ui.js';
import { act, head, showOnce, stateChip } from './settings-common.js';

const ROLES = ['admin', 'office', 'reader', 'delivery', 'safety', 'accountant', 'readonly'];
const PAGE = 20;

function roleOptions() {
  return ROLES.map((r) => [r, t(`role.${r}`)]);
}

// The result of a change that may wait for a second admin.
function changed(r, okKey) {
  if (r && r.approval && r.status === 'pending') {
    notify('info', t('settings.users.pending', { id: r.approval }), { timeout: 15000 });
  } else {
    notify('ok', t(okKey));
  }
}

function filterUsers(users, q) {
  const text = (q.q || '').trim().toLowerCase();
  return users.filter((u) => (!text || u.login_id.toLowerCase().includes(text)
                              || u.display_name.toLowerCase().includes(text))
    && (!q.role || u.role === q.role) && (!q.status || u.status === q.status));
}

// The create form, in a card shown on request.
function createForm(ctx, onDone) {
  const f = form({
    fields: [
      { name: 'login_id', label: t('settings.users.login'), required: true, maxlength: 64,
        autocomplete: 'off', hint: t('settings.users.loginHint') },
      { name: 'display_name', label: t('settings.users.name'), required: true, maxlength: 50 },
      { name: 'role', label: t('settings.users.role'), type: 'select', required: true,
        options: [['', t('form.choose')], ...roleOptions()] },
      { name: 'email', label: t('settings.users.email'), type: 'email', maxlength: 254,
        hint: t('settings.users.emailHint') },
      { name: 'password', label: t('settings.users.initialPassword'), type: 'password', required: true,
        maxlength: 256, autocomplete: 'new-password', hint: t('settings.users.passwordHint') },
    ],
    submitLabel: t('settings.users.create'), busyLabel: t('settings.users.creating'),
    onSubmit: async (v) => {
      const body = { login_id: v.login_id.trim(), display_name: v.display_name.trim(), role: v.role,
                     password: v.password };
      if (v.email.trim()) body.email = v.email.trim();
      const r = await withStepUp(() => api('POST', '/api/v1/users', body));
      if (r === null) return false; // the code prompt was cancelled
      if (r.approval) changed(r, 'settings.users.created');
      else notify('ok', t('settings.users.createdNamed', { name: r.display_name, login: r.login_id }));
      onDone();
      return true;
    },
    actions: [h('button', { type: 'button', onclick: () => onDone(true) }, t('common.cancel'))],
  });
  f.el.id = 'user-create';
  return f;
}

// The actions on one user, in a dialog.
function userDialog(u, reload) {
  const self = u.id === session.me.user.id;
  const roleId = uid('role');
  const role = h('select', { id: roleId }, roleOptions().map(([v, l]) => h('option', { value: v, selected: v === u.role }, l)));
  const nameId = uid('name');
  const name = h('input', { id: nameId, class: 'text', maxlength: 50, value: u.display_name });
  const result = h('div', { class: 'form-msg', role: 'alert' });
  let dirty = false;
  const done = (r, key) => { dirty = true; changed(r, key); };
  const run = (button, busyKey, fn, key) => act(button, t(busyKey), async () => {
    result.className = 'form-msg';
    fill(result);
    const r = await withStepUp(fn);
    if (r !== null) done(r, key);
    return r;
  });
  const save = h('button', { type: 'button', class: 'primary', id: 'user-save' }, t('common.save'));
  save.addEventListener('click', () => {
    const body = {};
    if (name.value.trim() !== u.display_name) body.display_name = name.value.trim();
    if (role.value !== u.role) body.role = role.value;
    if (!Object.keys(body).length) { notify('info', t('settings.users.noChange')); return; }
    run(save, 'common.saving', () => api('PATCH', `/api/v1/users/${u.id}`, body), 'settings.users.saved');
  });
  const buttons = [];
  const add = (key, busyKey, fn, okKey, ask) => {
    const b = h('button', { type: 'button', dataset: { action: key } }, t(`settings.users.do.${key}`));
    b.addEventListener('click', async () => {
      if (ask && !(await confirm(t(`settings.users.do.${key}`), t(ask, { name: u.display_name }), t(`settings.users.do.${key}`)))) return;
      run(b, busyKey, fn, okKey);
    });
    buttons.push(b);
  };
  if (!self) {
    if (u.status === 'active') {
      add('disable', 'common.saving', () => api('PATCH', `/api/v1/users/${u.id}`, { status: 'disabled' }),
          'settings.users.disabled', 'settings.users.ask.disable');
    } else {
      add('enable', 'common.saving', () => api('PATCH', `/api/v1/users/${u.id}`, { status: 'active' }),
          'settings.users.enabled');
    }
    add('resetMfa', 'common.saving', () => api('POST', `/api/v1/users/${u.id}/reset-mfa`),
        'settings.users.mfaReset', 'settings.users.ask.resetMfa');
  }
  const tempBtn = h('button', { type: 'button', dataset: { action: 'resetPassword' } }, t('settings.users.do.resetPassword'));
  tempBtn.addEventListener('click', async () => {
    if (!(await confirm(t('settings.users.do.resetPassword'), t('settings.users.ask.resetPassword', { name: u.display_name }),
                        t('settings.users.do.resetPassword')))) return;
    const r = await act(tempBtn, t('common.saving'), () => withStepUp(() => api('POST', `/api/v1/users/${u.id}/reset-password`)));
    if (r?.temporary_password) {
      dirty = true;
      await showOnce({ title: t('settings.users.tempTitle'), intro: t('settings.users.tempIntro', { name: u.display_name }),
                       value: r.temporary_password, label: t('settings.users.tempTitle') });
    }
  });
  if (!self) buttons.push(tempBtn);
  add('unlock', 'common.saving', () => api('POST', `/api/v1/users/${u.id}/unlock`), 'settings.users.unlocked');
  add('revoke', 'common.saving', () => api('POST', `/api/v1/users/${u.id}/revoke-sessions`),
      'settings.users.revoked', self ? 'settings.users.ask.revokeSelf' : 'settings.users.ask.revoke');
  const d = dialog({
    title: t('settings.users.manage', { name: u.display_name }), wide: true,
    body: [
      h('p', { class: 'hint' }, `${u.login_id} · ${u.role_label || t(`role.${u.role}`)}`),
      self ? h('p', { class: 'hint' }, t('settings.users.selfNote')) : null,
      h('div', { class: 'fields' },
        h('div', { class: 'field' }, h('label', { class: 'label', for: nameId }, t('settings.users.name')), name),
        h('div', { class: 'field' }, h('label', { class: 'label', for: roleId }, t('settings.users.role')), role,
          h('p', { class: 'hint' }, t('settings.users.roleHint')))),
      h('div', { class: 'actions left' }, save),
      h('h3', {}, t('settings.users.more')),
      h('div', { class: 'actions left wrap-actions' }, buttons),
      result,
    ],
    actions: [{ label: t('common.close') }],
  });
  d.done.then(() => { if (dirty) reload(); });
}

function approvalsSection(el, users, reload) {
  const names = new Map(users.map((u) => [u.id, u.display_name]));
  const who = (id) => names.get(id) || `#${id}`;
  loadInto(el, () => api('GET', '/api/v1/approvals'), ({ approvals }) => {
    const pending = approvals.filter((a) => a.status === 'pending');
    const me = session.me.user.id;
    return [
      h('h2', { id: 'approvals' }, t('settings.users.approvals')),
      h('p', { class: 'hint' }, t('home.approvalsHint')),
      table({
        columns: [
          { label: t('settings.users.approval.what'), cell: (a) => t(`approval.${a.action}`,
            { role: a.params?.role ? t(`role.${a.params.role}`) : '' }) },
          { label: t('settings.users.approval.user'), cell: (a) => who(a.target_user), clip: true },
          { label: t('settings.users.approval.by'), cell: (a) => who(a.requested_by), clip: true },
          { label: t('settings.users.approval.at'), cell: (a) => formatDateTime(a.requested_at) },
          { label: '', cell: (a) => {
            if (!can('users.write') || a.requested_by === me || a.target_user === me) {
              return h('span', { class: 'muted' }, t('settings.users.approval.others'));
            }
            const ok = h('button', { type: 'button', class: 'primary small' }, t('settings.users.approve'));
            const no = h('button', { type: 'button', class: 'small' }, t('settings.users.reject'));
            ok.addEventListener('click', async () => {
              const r = await act(ok, t('common.saving'), () => withStepUp(async () => {
                await api('POST', `/api/v1/approvals/${a.id}/approve`);
                return true;
              }), t('settings.users.approved'));
              if (r) reload();
            });
            no.addEventListener('click', async () => {
              const r = await act(no, t('common.saving'), async () => {
                await api('POST', `/api/v1/approvals/${a.id}/reject`);
                return true;
              }, t('settings.users.rejected'));
              if (r) reload();
            });
            return h('span', { class: 'links' }, ok, no);
          } },
        ],
        rows: pending, empty: t('settings.users.noApprovals'),
      }),
    ];
  });
}

export function render(el, ctx) {
  head(el, ctx, 'users', t('settings.users.intro'));
  const q = {
    q: (ctx.query.q || '').slice(0, 64),
    role: ROLES.includes(ctx.query.role) ? ctx.query.role : '',
    status: ['active', 'disabled'].includes(ctx.query.status) ? ctx.query.status : '',
  };
  const text = h('input', { id: 'users-q', type: 'search', class: 'text', value: q.q, maxlength: 64 });
  const role = h('select', { id: 'users-role' }, h('option', { value: '' }, t('settings.users.anyRole')),
    ROLES.map((r) => h('option', { value: r, selected: r === q.role }, t(`role.${r}`))));
  const status = h('select', { id: 'users-status' }, h('option', { value: '' }, t('settings.users.anyStatus')),
    ['active', 'disabled'].map((s) => h('option', { value: s, selected: s === q.status }, t(`settings.users.status.${s}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'users-q' }, t('settings.users.search')), text,
    h('label', { for: 'users-role' }, t('settings.users.role')), role,
    h('label', { for: 'users-status' }, t('settings.users.statusLabel')), status,
    h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/settings/users', { q: text.value.trim(), role: role.value, status: status.value });
  });
  const createSlot = h('div', {});
  const newBtn = can('users.write')
    ? h('button', { type: 'button', class: 'primary', id: 'user-new' }, t('settings.users.add')) : null;
  const list = h('div', {});
  const approvals = h('section', { class: 'card' });
  const reload = () => ctx.reload();
  newBtn?.addEventListener('click', () => {
    newBtn.hidden = true;
    const f = createForm(ctx, (cancelled) => {
      fill(createSlot);
      newBtn.hidden = false;
      if (!cancelled) reload();
      else newBtn.focus();
    });
    fill(createSlot, h('section', { class: 'card' }, h('h2', {}, t('settings.users.add')), f.el));
    f.fields.get('login_id').input.focus();
  });
  el.querySelector('.page-head').append(h('div', { class: 'page-actions' }, newBtn));
  el.append(createSlot, filters, list, approvals);
  loadInto(list, () => api('GET', '/api/v1/users'), ({ users }) => {
    const rows = filterUsers(users, q);
    const { slice, nav } = pagedRows(rows, ctx.query.page, PAGE,
      (p) => ctx.go('/settings/users', { ...q, page: p > 1 ? p : '' }));
    approvalsSection(approvals, users, reload);
    return [
      h('p', { class: 'result-count', role: 'status' }, t('settings.users.count', { n: rows.length, all: users.length })),
      table({
        cls: 'users-table',
        columns: [
          { label: t('settings.users.login'), cell: (u) => u.login_id, clip: true },
          { label: t('settings.users.name'), cell: (u) => u.display_name, clip: true, cls: 'name-col' },
          { label: t('settings.users.role'), cell: (u) => u.role_label || t(`role.${u.role}`) },
          { label: t('settings.users.statusLabel'), cell: (u) => stateChip(u.status === 'active',
            'settings.users.status.active', 'settings.users.status.disabled') },
          { label: t('settings.users.mfa'), cell: (u) => stateChip(u.mfa_enrolled, 'settings.mfa.on', 'settings.mfa.off') },
          { label: t('settings.users.createdAt'), cell: (u) => formatDateTime(u.created_at) },
          { label: '', cell: (u) => (can('users.write')
            ? h('button', { type: 'button', class: 'small', dataset: { user: u.login_id },
                            onclick: () => userDialog(u, reload) }, t('settings.users.manageShort'))
            : '') },
        ],
        rows: slice, empty: t('settings.users.none'),
        rowAttrs: (u) => ({ id: `user-${u.id}` }),
      }),
      nav,
    ];
  });
}
