// settings-notify.js — 通知とセッション: where the tenant's notices go and
// how long sessions last.
//
//   Webhook (GET/PUT/DELETE /api/v1/settings/webhook; users.read to see,
//   users.write and a fresh code to change): every notice of the tenant's
//   users (new-device sign-ins, approvals waiting, password changes…) is
//   POSTed to the URL, signed with a secret the API gives once when the
//   URL is set — shown here in a dialog, once.
//   Where alarms go is not here: 監視 › 通知設定 (alarm-settings.js), linked.
//   Session timeouts (GET/PUT /api/v1/settings/sessions): idle minutes
//   (5–240) and the longest session in hours (1–24).
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { form } from '../lib/forms.js';
import { can } from '../lib/session.js';
import { confirm, facts, loadInto, notify, withStepUp } from '../lib/ui.js';
import { act, head, showOnce } from './settings-common.js';

function webhook(w, reload) {
  const write = can('users.write');
  const parts = [facts([[t('settings.notify.url'), w.configured ? w.url : t('settings.notify.none'), 'wrap']])];
  if (!write) return parts;
  const f = form({
    fields: [{ name: 'url', label: t('settings.notify.newUrl'), type: 'url', required: true, maxlength: 500, wide: true,
               placeholder: 'https://hooks.example.jp/pilotlight', hint: t('settings.notify.urlHint') }],
    values: { url: w.configured ? w.url : '' },
    submitLabel: w.configured ? t('settings.notify.change') : t('settings.notify.set'),
    onSubmit: async (v, fm) => {
      const url = v.url.trim();
      if (!/^https?:\/\//i.test(url)) {
        fm.fields.get('url').setError(t('settings.notify.urlFormat'));
        fm.message('error', h('p', {}, t('form.fixFields', { n: 1 })));
        return false;
      }
      const r = await withStepUp(() => api('PUT', '/api/v1/settings/webhook', { url }));
      if (r === null) return false;
      await showOnce({ title: t('settings.notify.secretTitle'), intro: t('settings.notify.secretIntro'),
                       value: r.secret, label: t('settings.notify.secretTitle') });
      notify('ok', t('settings.notify.saved'));
      reload();
      return true;
    },
  });
  f.el.id = 'webhook-form';
  parts.push(f.el);
  if (w.configured) {
    const del = h('button', { type: 'button', class: 'danger', id: 'webhook-remove' }, t('settings.notify.remove'));
    del.addEventListener('click', async () => {
      if (!(await confirm(t('settings.notify.remove'), t('settings.notify.removeAsk'), t('settings.notify.remove')))) return;
      const r = await act(del, t('common.saving'), () => withStepUp(async () => {
        await api('DELETE', '/api/v1/settings/webhook');
        return true;
      }), t('settings.notify.removed'));
      if (r) reload();
    });
    parts.push(h('div', { class: 'actions left' }, del));
  }
  return parts;
}

function sessions(s) {
  const write = can('users.write');
  const f = form({
    fields: [
      { name: 'idle_minutes', label: t('settings.notify.idle'), type: 'number', required: true, min: 5, max: 240, step: 1,
        readonly: !write, hint: t('settings.notify.idleHint') },
      { name: 'max_hours', label: t('settings.notify.max'), type: 'number', required: true, min: 1, max: 24, step: 1,
        readonly: !write, hint: t('settings.notify.maxHint') },
    ],
    values: { idle_minutes: String(s.idle_minutes), max_hours: String(s.max_hours) },
    submitLabel: t('common.save'),
    onSubmit: async (v, fm) => {
      const r = await withStepUp(() => api('PUT', '/api/v1/settings/sessions',
        { idle_minutes: Number(v.idle_minutes), max_hours: Number(v.max_hours) }));
      if (r === null) return false;
      fm.setValues({ idle_minutes: String(r.idle_minutes), max_hours: String(r.max_hours) });
      fm.message('ok', h('p', {}, t('settings.saved')));
      notify('ok', t('settings.notify.sessionsSaved'));
      return true;
    },
  });
  if (!write) f.submit.hidden = true;
  f.el.id = 'sessions-form';
  return f.el;
}

export function render(el, ctx) {
  head(el, ctx, 'notify', t('settings.notify.intro'));
  const hook = h('section', { class: 'card' });
  const sess = h('section', { class: 'card' });
  // the alarms' own targets are another screen (監視 › 通知設定)
  const alarms = can('alarms.read') ? h('p', { class: 'hint', id: 'alarm-targets-link' }, t('settings.notify.alarmsElsewhere'), ' ',
    h('a', { href: '#/alarm-settings' }, t('settings.notify.alarmsLink'))) : null;
  el.append(h('h2', {}, t('settings.notify.webhook')), ...(alarms ? [alarms] : []), hook, h('h2', {}, t('settings.notify.sessions')), sess);
  const loadHook = () => loadInto(hook, () => api('GET', '/api/v1/settings/webhook'), (w) => webhook(w, loadHook));
  loadHook();
  loadInto(sess, () => api('GET', '/api/v1/settings/sessions'), sessions);
}
