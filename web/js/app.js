// Console entry point: language, service status, error reporting.
import { api } from './lib/api.js';
import { formatBusinessDate, formatTimestamp } from './lib/format.js';
import { messages } from './lib/messages.js';
import { installErrorReporting } from './lib/report.js';

const store = { lang: localStorage.getItem('lang') === 'en' ? 'en' : 'ja' };

function t(key) {
  return messages[store.lang][key] ?? messages.ja[key] ?? key;
}

function renderText() {
  document.documentElement.lang = store.lang;
  for (const el of document.querySelectorAll('[data-msg]')) {
    el.textContent = t(el.dataset.msg);
  }
  document.getElementById('lang').textContent = t('switchTo');
}

function setStatus(key, ok, requestId) {
  const line = document.getElementById('status-line');
  line.textContent = requestId
    ? `${t(key)}（${t('requestId')}: ${requestId}）` : t(key);
  line.dataset.msgKey = key;
  line.classList.toggle('ok', ok === true);
  line.classList.toggle('bad', ok === false);
}

async function refresh() {
  try {
    const meta = await api('GET', '/api/v1/meta');
    document.getElementById('version').textContent =
      `${meta.version} (${meta.commit})`;
    document.getElementById('server-time').textContent =
      formatTimestamp(meta.time);
    document.getElementById('business-date').textContent =
      formatBusinessDate(meta.date_jst);
  } catch (e) {
    setStatus('unreachable', false);
    return;
  }
  try {
    await api('GET', '/readyz');
    document.getElementById('stores').textContent = t('storesOk');
    setStatus('ready', true);
  } catch (e) {
    document.getElementById('stores').textContent = t('storesBad');
    setStatus('notReady', false, e.requestId);
  }
}

function init() {
  installErrorReporting();
  renderText();
  setStatus('checking');
  document.getElementById('lang').addEventListener('click', () => {
    store.lang = store.lang === 'ja' ? 'en' : 'ja';
    localStorage.setItem('lang', store.lang);
    renderText();
    refresh();
  });
  refresh();
  setInterval(refresh, 30000);
}

init();
