// i18n.js — the console's words. Every string a screen shows comes from
// one catalogue per language (web/js/messages/ja.js, en.js); Japanese is
// the default and the fallback. Preferences (language, 西暦/和暦) live in
// localStorage so they outlive the session.
import ja from '../messages/ja.js';
import en from '../messages/en.js';

const catalogues = { ja, en };
const prefs = {
  lang: localStorage.getItem('lang') === 'en' ? 'en' : 'ja',
  era: localStorage.getItem('pl.era') === 'wareki' ? 'wareki' : 'seireki',
};

export function lang() {
  return prefs.lang;
}

export function setLang(l) {
  prefs.lang = l === 'en' ? 'en' : 'ja';
  localStorage.setItem('lang', prefs.lang);
  document.documentElement.lang = prefs.lang;
}

// 'seireki' (2026年4月1日) or 'wareki' (令和8年4月1日).
export function era() {
  return prefs.era;
}

export function setEra(e) {
  prefs.era = e === 'wareki' ? 'wareki' : 'seireki';
  localStorage.setItem('pl.era', prefs.era);
}

// t('customers.found', { n: 3 }) — "{n}" in the message is replaced.
// A key missing from English falls back to Japanese, then to the key.
export function t(key, params) {
  let m = catalogues[prefs.lang][key] ?? ja[key] ?? key;
  if (params) {
    m = m.replace(/\{(\w+)\}/g, (all, k) => (k in params ? String(params[k]) : all));
  }
  return m;
}

// Is there a message for key (in Japanese, the reference catalogue)?
export function has(key) {
  return key in ja;
}

// What to tell the user about an ApiError, in the page's language: the
// console's own words for the codes it knows (they also say what to do),
// else the API's Japanese title; a request id is added for server faults
// so the user can quote it.
export function problemText(e) {
  if (!e || e.status === undefined) return t('error.unexpected');
  if (e.status === 0) return t('error.network');
  let text = has(`problem.${e.code}`) ? t(`problem.${e.code}`) : e.message;
  if (e.status >= 500 && e.requestId) {
    text += ` ${t('error.requestId', { id: e.requestId })}`;
  }
  return text;
}
