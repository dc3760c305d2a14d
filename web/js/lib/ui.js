// ui.js — the console's small widgets: the notice area, busy buttons,
// modal dialogs (native <dialog>: focus stays inside, Esc closes), the
// step-up prompt, tables whose long cells are cut with an ellipsis and a
// tooltip, and pagers. Every action shows that it is working and how it
// ended; every API error is shown in words (never a raw error).
import { api } from './api.js';
import { clip, fill, h, uid } from './dom.js';
import { problemText, t } from './i18n.js';

// ---------------------------------------------------------------- notices

let noticeArea = null;
let generation = 0; // pages shown so far: a success message lives for two

export function setNoticeArea(el) {
  noticeArea = el;
}

// A new page is on screen: success and info messages from before the
// previous page go (the one that led here, "saved", stays).
export function nextPage() {
  generation += 1;
  for (const el of [...(noticeArea?.children || [])]) {
    if (el.dataset.transient && Number(el.dataset.gen) < generation - 1) el.remove();
  }
}

// Show a message in the notice area under the top bar. kind: 'ok',
// 'info', 'warn' or 'error'. Success and info fade after a while; warnings
// and errors stay until closed or replaced (same key).
export function notify(kind, text, { key = '', timeout } = {}) {
  if (!noticeArea) return null;
  if (key) noticeArea.querySelector(`[data-key="${CSS.escape(key)}"]`)?.remove();
  const close = h('button', { type: 'button', class: 'notice-close',
                              'aria-label': t('common.close') }, '×');
  const transient = kind === 'ok' || kind === 'info' ? '1' : '';
  const el = h('div', { class: `notice ${kind}`, role: kind === 'error' ? 'alert' : 'status',
                        dataset: { key, gen: generation, transient } },
               h('span', { class: 'notice-text' }, text), close);
  close.addEventListener('click', () => el.remove());
  noticeArea.append(el);
  const ms = timeout ?? (kind === 'ok' || kind === 'info' ? 8000 : 0);
  if (ms) setTimeout(() => el.remove(), ms);
  return el;
}

export function clearNotices(key = '') {
  if (!noticeArea) return;
  for (const el of [...noticeArea.children]) {
    if (!key || el.dataset.key === key) el.remove();
  }
}

// ------------------------------------------------------------ busy, load

// Run fn with button disabled and labelled busyLabel; restores it after.
export async function busy(button, busyLabel, fn) {
  const label = button.textContent;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = busyLabel;
  try {
    return await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    button.textContent = label;
  }
}

export function loading(text = t('common.loading')) {
  return h('p', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

// A load that failed: what happened, and a way to try again.
export function loadError(e, retry) {
  return h('div', { class: 'msg error', role: 'alert' },
    h('p', {}, problemText(e)),
    retry ? h('button', { type: 'button', onclick: retry }, t('common.retry')) : null);
}

// Fill el with a loading line, then with render(await load()); a failure
// is shown in place with a retry button.
export async function loadInto(el, load, render) {
  fill(el, loading());
  try {
    const data = await load();
    fill(el, render(data));
  } catch (e) {
    if (e?.status === undefined) throw e;
    fill(el, loadError(e, () => loadInto(el, load, render)));
  }
}

// --------------------------------------------------------------- dialogs

// A modal dialog. actions: [{ label, kind: 'primary'|'', onClick(close) }];
// an action without onClick closes. Resolves once closed.
export function dialog({ title, body = [], actions = [], onOpen = null, wide = false }) {
  const id = uid('dlg');
  const dlg = h('dialog', { class: wide ? 'dialog wide' : 'dialog', 'aria-labelledby': id });
  const done = new Promise((resolve) => {
    dlg.addEventListener('close', () => { dlg.remove(); resolve(dlg.returnValue); });
  });
  const close = (v = '') => dlg.close(v);
  const buttons = actions.map((a) => h('button', {
    type: 'button', class: a.kind || null,
    onclick: (ev) => (a.onClick ? a.onClick(close, ev.currentTarget) : close(a.value || '')),
  }, a.label));
  fill(dlg, h('h2', { id }, title), h('div', { class: 'dialog-body' }, body),
       h('div', { class: 'actions' }, buttons));
  document.body.append(dlg);
  dlg.showModal();
  onOpen?.(dlg, close);
  return { el: dlg, close, done };
}

// Ask; resolves true on the confirming button.
export async function confirm(title, text, okLabel) {
  const d = dialog({
    title, body: [h('p', {}, text)],
    actions: [{ label: t('common.cancel'), value: 'no' },
              { label: okLabel, kind: 'primary', value: 'yes' }],
  });
  return (await d.done) === 'yes';
}

// The step-up prompt: a fresh one-time code before a sensitive action
// (POST /api/v1/auth/step-up). Resolves true once accepted, false when
// cancelled.
export function stepUp() {
  const codeId = uid('code');
  const errId = uid('err');
  const input = h('input', { id: codeId, class: 'code-input', inputmode: 'numeric',
                             autocomplete: 'one-time-code', maxlength: 7,
                             'aria-describedby': errId, required: true });
  const err = h('p', { id: errId, class: 'field-error', role: 'alert' });
  let ok = false;
  const submit = async (close, button) => {
    err.textContent = '';
    const code = input.value.replace(/\s/g, '');
    if (!/^\d{6}$/.test(code)) {
      err.textContent = t('signin.codeFormat');
      input.focus();
      return;
    }
    try {
      await busy(button, t('common.checking'), () => api('POST', '/api/v1/auth/step-up', { code }));
      ok = true;
      close('ok');
    } catch (e) {
      err.textContent = problemText(e);
      input.select();
    }
  };
  const d = dialog({
    title: t('stepup.title'),
    body: [h('p', {}, t('stepup.intro')),
           h('label', { class: 'field', for: codeId }, h('span', { class: 'label' }, t('signin.code')), input),
           err],
    actions: [{ label: t('common.cancel') },
              { label: t('stepup.submit'), kind: 'primary', onClick: submit }],
    onOpen: (dlg) => {
      input.focus();
      input.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') { ev.preventDefault(); dlg.querySelector('.actions .primary').click(); }
      });
    },
  });
  return d.done.then(() => ok);
}

// Run fn; when the server wants a fresh code first, ask for it and run fn
// once more. Resolves with fn's result, or null when the user cancelled.
export async function withStepUp(fn) {
  try {
    return await fn();
  } catch (e) {
    if (e?.code !== 'auth.step_up_required') throw e;
    if (!(await stepUp())) return null;
    return fn();
  }
}

// ---------------------------------------------------------------- tables

// columns: [{ label, cell(row) → node|string, cls, clip: true (ellipsis +
// tooltip for long text), num: true (right-aligned figures), wrap: true
// (long text that may wrap; other cells keep to one line) }].
export function table({ columns, rows, empty, caption = '', rowAttrs = null, cls = '' }) {
  if (!rows.length && empty) return h('p', { class: 'empty' }, empty);
  const head = h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: [c.cls, c.num && 'num'] }, c.label)));
  const body = rows.map((r) => h('tr', rowAttrs ? rowAttrs(r) : {}, columns.map((c) => {
    const v = c.cell(r);
    const content = c.clip && (typeof v === 'string' || typeof v === 'number') ? clip(v) : v;
    return h('td', { class: [c.cls, c.num && 'num', c.wrap && 'wrap-cell'] }, content);
  })));
  return h('div', { class: 'table-wrap' }, h('table', { class: `grid ${cls}`.trim() },
    caption ? h('caption', {}, caption) : null, h('thead', {}, head), h('tbody', {}, body)));
}

// ---------------------------------------------------------------- pagers

// Previous / next for a list. o: { page (1-based, shown), hasPrev, hasNext,
// onPrev, onNext, onFirst, summary }.
export function pager(o) {
  const nav = h('nav', { class: 'pager', 'aria-label': t('pager.label') });
  if (o.onFirst && (o.showFirst ?? o.page > 2)) {
    nav.append(h('button', { type: 'button', onclick: o.onFirst }, t('pager.first')));
  }
  nav.append(h('button', { type: 'button', class: 'prev', disabled: !o.hasPrev, onclick: o.onPrev },
               t('pager.prev')));
  nav.append(h('span', { class: 'pager-page' }, o.summary || t('pager.page', { n: o.page })));
  nav.append(h('button', { type: 'button', class: 'next', disabled: !o.hasNext, onclick: o.onNext },
               t('pager.next')));
  return nav;
}

// A list held whole in the page (a customer's invoices, history): size
// rows a page, page number in the URL through setPage.
export function pagedRows(rows, page, size, setPage) {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const p = Math.min(Math.max(1, Number(page) || 1), pages);
  const slice = rows.slice((p - 1) * size, p * size);
  const nav = pages > 1 ? pager({
    page: p, hasPrev: p > 1, hasNext: p < pages,
    onPrev: () => setPage(p - 1), onNext: () => setPage(p + 1), onFirst: () => setPage(1),
    summary: t('pager.pageOf', { n: p, total: pages, rows: rows.length }),
  }) : null;
  return { slice, nav };
}

// A small label-value list (基本情報).
export function facts(pairs) {
  return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([k, v, cls]) => [
    h('dt', {}, k), h('dd', { class: cls || null }, v === null || v === undefined || v === '' ? '—' : v)]));
}


