// alarm-settings.js — 監視 › 通知設定: where an alarm (a gas meter's
// shutoff or leak warning, a water heater's serious error) is sent the
// moment it arrives, by serve and by ingest alike (GET/PUT
// /api/v1/alarm-settings; alarms.read to see, alarms.write to change — the
// office and the safety staff who answer the alarms, not only admins, so
// it lives with the monitoring screens rather than under 設定).
//
//   Webhook: a URL that receives each alarm, signed with a secret the API
//   gives once — when a URL is set for the first time, or when the user
//   asks for a new one (rotate_secret) — shown here in a dialog, once.
//   E-mail: up to 10 addresses, one a line.
//
// The PUT replaces both (a webhook_url left out is removed), so the one
// form holds both and sends both. Emptying the URL stops the webhook,
// after a confirmation. Addresses are checked here as the API checks them,
// so a typing mistake is shown at the field before anything is sent; the
// API's own refusals are shown at their fields too.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { form } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { confirm, facts, loadInto, notify, withStepUp } from '../lib/ui.js';
import { monitorTabs } from './alarms-common.js';
import { showOnce } from './settings-common.js';

const EMAILS_MAX = 10;

// The addresses typed, one a line (commas and spaces also separate them),
// without blanks and repeats.
export function parseEmails(text) {
  const seen = new Set();
  return String(text || '').split(/[\s,、;]+/u).filter((x) => {
    if (!x || seen.has(x.toLowerCase())) return false;
    seen.add(x.toLowerCase());
    return true;
  });
}

// What the API takes as an address (alarm_api.c email_ok).
export function emailOk(s) {
  const at = s.indexOf('@');
  return at > 0 && at < s.length - 1 && s.indexOf('@', at + 1) < 0 && s.length <= 254 && !/[\s<>",;]/.test(s);
}

function readOnly(s) {
  return h('div', { class: 'card alarm-settings-view' }, facts([
    [t('alarmSettings.webhook'), s.webhook_url || t('alarmSettings.none'), 'wrap'],
    [t('alarmSettings.emails'), s.emails.length
      ? h('ul', { class: 'plain-list' }, s.emails.map((x) => h('li', {}, x))) : t('alarmSettings.none')],
  ]));
}

function editor(s, show) {
  const configured = !!s.webhook_url;
  const hookFields = [{ name: 'webhook_url', label: t('alarmSettings.url'), type: 'url', maxlength: 512, wide: true,
                        placeholder: 'https://alerts.example.jp/pilotlight', hint: t('alarmSettings.urlHint') }];
  if (configured) {
    hookFields.push({ name: 'rotate_secret', label: t('alarmSettings.rotate'), type: 'checkbox', wide: true,
                      hint: t('alarmSettings.rotateHint') });
  }
  const f = form({
    cls: 'alarm-settings-form',
    groups: [
      { legend: t('alarmSettings.webhook'), fields: hookFields },
      { legend: t('alarmSettings.emails'), fields: [
        { name: 'emails', label: t('alarmSettings.emailList'), type: 'textarea', rows: 4, wide: true,
          placeholder: 'hoan@example.jp', hint: t('alarmSettings.emailHint', { n: EMAILS_MAX }) }] },
    ],
    values: { webhook_url: s.webhook_url || '', emails: s.emails.join('\n') },
    submitLabel: t('common.save'),
    async onSubmit(v, fm) {
      const url = v.webhook_url.trim();
      const emails = parseEmails(v.emails);
      const bad = emails.find((x) => !emailOk(x));
      if (url && !/^https?:\/\/\S/i.test(url)) fm.fields.get('webhook_url').setError(t('alarmSettings.urlFormat'));
      if (bad) fm.fields.get('emails').setError(t('alarmSettings.emailBad', { addr: bad }));
      else if (emails.length > EMAILS_MAX) fm.fields.get('emails').setError(t('alarmSettings.emailMany', { n: EMAILS_MAX }));
      const wrong = [...fm.fields.values()].filter((x) => x.el.classList.contains('invalid'));
      if (wrong.length) {
        fm.message('error', h('p', {}, t('form.fixFields', { n: wrong.length })));
        wrong[0].input.focus();
        return false;
      }
      if (configured && !url && !(await confirm(t('alarmSettings.stopTitle'), t('alarmSettings.stopAsk'),
        t('alarmSettings.stop')))) return false;
      const body = { webhook_url: url || null, emails };
      if (url && v.rotate_secret) body.rotate_secret = true;
      // where alarms (with customers' addresses) are sent: a fresh one-time code
      const r = await withStepUp(() => api('PUT', '/api/v1/alarm-settings', body));
      if (r.webhook_secret) {
        await showOnce({ title: t('alarmSettings.secretTitle'), intro: t('alarmSettings.secretIntro'),
                         value: r.webhook_secret, label: t('alarmSettings.secretTitle') });
      }
      notify('ok', t(!url && configured ? 'alarmSettings.stopped' : 'alarmSettings.saved'));
      show(r.settings);
      return true;
    },
  });
  f.el.id = 'alarm-settings-form';
  return f.el;
}

export function render(el, ctx) {
  ctx.title(t('alarmSettings.title'));
  const card = h('section', { id: 'alarm-settings' });
  el.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('alarmSettings.title'))),
    monitorTabs(ctx.path), h('p', { class: 'hint monitor-intro' }, t('alarmSettings.intro')), card);
  el.querySelector('h1').focus();
  const write = can('alarms.write');
  const view = (s) => (write ? editor(s, show) : [readOnly(s), h('p', { class: 'hint' }, t('alarmSettings.readOnly'))]);
  // after a save: the form again with what the API now holds, focus on
  // its button (the one pressed was replaced)
  function show(s) {
    if (!ctx.alive()) return;
    fill(card, view(s));
    card.querySelector('button[type="submit"]')?.focus();
  }
  loadInto(card, () => api('GET', '/api/v1/alarm-settings'), (r) => view(r.settings));
}
