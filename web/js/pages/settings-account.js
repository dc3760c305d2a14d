// settings-account.js — パスワードと二段階認証: the signed-in user's own
// password (POST /api/v1/auth/password: the current one, the new one
// twice) and the state of their second factor. Every role has this page.
//
// A wrong current password is said at that field (the API answers 401
// auth.failed, counted like a failed sign-in); the policy's refusals of
// the new one come back as field errors on new_password. A changed
// password ends the user's other sessions, which the result says.
// The second factor cannot be re-enrolled by its owner: a new phone means
// asking an admin to reset it (users page), then enrolling at the next
// sign-in — the page says so.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { form } from '../lib/forms.js';
import { session } from '../lib/session.js';
import { facts, notify } from '../lib/ui.js';
import { head, stateChip } from './settings-common.js';

export function render(el, ctx) {
  head(el, ctx, 'account');
  const me = session.me.user;
  const f = form({
    cls: 'narrow-form',
    fields: [
      { name: 'current_password', label: t('settings.account.current'), type: 'password', required: true,
        autocomplete: 'current-password', maxlength: 256 },
      { name: 'new_password', label: t('settings.account.new'), type: 'password', required: true,
        autocomplete: 'new-password', maxlength: 256, hint: t('settings.passwordPolicy') },
      { name: 'again', label: t('settings.account.again'), type: 'password', required: true,
        autocomplete: 'new-password', maxlength: 256 },
    ],
    submitLabel: t('settings.account.change'), busyLabel: t('settings.account.changing'),
    onSubmit: async (v, fm) => {
      if (v.new_password !== v.again) {
        fm.fields.get('again').setError(t('settings.account.mismatch'));
        fm.message('error', h('p', {}, t('form.fixFields', { n: 1 })));
        fm.fields.get('again').input.focus();
        return false;
      }
      try {
        await api('POST', '/api/v1/auth/password', { current_password: v.current_password, new_password: v.new_password });
      } catch (e) {
        if (e.code !== 'auth.failed') throw e;
        fm.clearErrors();
        const cur = fm.fields.get('current_password');
        cur.setError(t('settings.account.currentWrong'));
        fm.message('error', h('p', {}, t('settings.account.currentWrong')));
        cur.input.select();
        cur.input.focus();
        return false;
      }
      fm.setValues({ current_password: '', new_password: '', again: '' });
      fm.message('ok', h('p', { id: 'password-changed' }, t('settings.account.changed')));
      notify('ok', t('settings.account.changed'));
      return true;
    },
  });
  el.append(
    h('section', { class: 'card' }, h('h2', {}, t('settings.account.password')), f.el),
    h('section', { class: 'card' }, h('h2', {}, t('settings.account.mfa')),
      facts([
        [t('settings.account.login'), `${me.login_id}（${session.me.tenant.code}）`],
        [t('settings.account.mfaState'), stateChip(me.mfa_enrolled, 'settings.mfa.on', 'settings.mfa.off')],
        [t('settings.account.since'), formatDateTime(me.created_at)],
      ]),
      h('p', { class: 'hint' }, t('settings.account.mfaHelp')),
      h('p', { class: 'hint' }, t('settings.account.recoveryHelp'))));
}
