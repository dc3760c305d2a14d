// preferences.js — 表示設定: the language and how dates are written (西暦
// 2026年4月1日 or 和暦 令和8年4月1日), kept in this browser. Also who is
// signed in and until when.
import { h, uid } from '../lib/dom.js';
import { formatDate, formatDateTime, todayJst } from '../lib/format.js';
import { era, lang, setEra, t } from '../lib/i18n.js';
import { session } from '../lib/session.js';
import { facts, notify } from '../lib/ui.js';

function radios(name, current, options, onChange) {
  return options.map(([value, label]) => {
    const id = uid(name);
    const input = h('input', { type: 'radio', name, id, value, checked: value === current });
    input.addEventListener('change', () => onChange(value));
    return h('div', { class: 'field check' }, input, h('label', { for: id }, label));
  });
}

export function render(el, ctx) {
  ctx.title(t('prefs.title'));
  const me = session.me;
  const today = todayJst();
  el.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('prefs.title'))),
    h('section', { class: 'card' },
      h('fieldset', {}, h('legend', {}, t('prefs.era')),
        radios('era', era(), [
          ['seireki', `${t('prefs.seireki')}（${t('prefs.example')} ${formatDate(today, 'seireki')}）`],
          ['wareki', `${t('prefs.wareki')}（${t('prefs.example')} ${formatDate(today, 'wareki')}）`],
        ], (v) => { setEra(v); notify('ok', t('prefs.saved')); ctx.reload(); })),
      h('fieldset', {}, h('legend', {}, t('prefs.lang')),
        radios('lang', lang(), [['ja', '日本語'], ['en', 'English']], (v) => {
          // the top bar's switch toggles between the two and re-labels everything
          if (v !== lang()) document.getElementById('lang')?.click();
        }))),
    h('section', { class: 'card' }, h('h2', {}, t('prefs.me')), facts([
      [t('prefs.name'), me.user.display_name, 'wrap'],
      [t('prefs.login'), me.user.login_id],
      [t('prefs.role'), me.user.role_label || me.user.role],
      [t('prefs.tenant'), `${me.tenant.name}（${me.tenant.code}）`, 'wrap'],
      [t('prefs.sessionEnds'), formatDateTime(new Date(me.session_expires_at * 1000).toISOString())],
    ]), h('p', {}, h('a', { href: '#/settings/account', id: 'prefs-account' }, t('settings.account.link')))));
  el.querySelector('h1').focus();
}
