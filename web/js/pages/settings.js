// settings.js — 設定: the settings screens the signed-in user may open,
// each with a line on what it is for. Everyone has their own password and
// second factor; the other screens follow the role's permissions
// (settings-common.js SECTIONS).
import { h } from '../lib/dom.js';
import { t } from '../lib/i18n.js';
import { visibleSections } from './settings-common.js';

export function render(el, ctx) {
  ctx.title(t('settings.title'));
  el.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('settings.title'))),
    h('ul', { class: 'settings-hub' }, visibleSections().map((s) => h('li', {},
      h('a', { href: `#${s.path}`, class: 'settings-card', dataset: { section: s.key } },
        h('strong', {}, t(`settings.${s.key}.title`)),
        h('span', { class: 'hint' }, t(`settings.${s.key}.about`)))))),
    h('p', { class: 'hint' }, t('settings.prefsLink'), ' ',
      h('a', { href: '#/preferences' }, t('nav.preferences'))));
  el.querySelector('h1').focus();
}
