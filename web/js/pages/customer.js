// customer.js — one customer's page: who they are (header, always shown)
// and tabs — 基本情報, 供給地点・契約, メーター・容器, 機器, 検針履歴, 請求・入金,
// 履歴. Each tab is its own URL (#/customers/12/readings), so back and
// forward go through the tabs and a tab can be shared; switching tabs
// keeps the header and loads only the tab (update()). Tabs the role may
// not see (請求・入金 for a meter reader) are not offered.
//
// Keyboard: the tabs are one tab stop; ←/→ (and Home/End) move between
// them, as in the WAI-ARIA tabs pattern.
import { api } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { problemText, t } from '../lib/i18n.js';
import { can, session } from '../lib/session.js';
import { busy, dialog, loadError, loading, notify } from '../lib/ui.js';
import { TABS, customerData } from './customer-tabs.js';

let view = null; // the page on screen: { id, ctx, ... }

function visibleTabs() {
  return TABS.filter((x) => !x.perm || [x.perm].flat().some((p) => session.perms.has(p)));
}

function statusDialog(c, onDone) {
  const sel = h('select', { id: 'status-new' }, ['active', 'suspended', 'closed'].map((s) =>
    h('option', { value: s, selected: s === c.status }, t(`customer.status.${s}`))));
  const reason = h('input', { id: 'status-reason', class: 'text', maxlength: 200 });
  const msg = h('div', { class: 'form-msg', role: 'alert' });
  dialog({
    title: t('customer.statusChange'),
    body: [h('div', { class: 'field' }, h('label', { for: 'status-new', class: 'label' }, t('customer.f.status')), sel),
           h('div', { class: 'field' }, h('label', { for: 'status-reason', class: 'label' }, t('customer.statusReason')), reason),
           msg],
    actions: [{ label: t('common.cancel') }, {
      label: t('common.save'), kind: 'primary',
      onClick: async (close, button) => {
        try {
          const body = { status: sel.value };
          if (reason.value.trim()) body.reason = reason.value.trim();
          const r = await busy(button, t('common.saving'),
            () => api('POST', `/api/v1/customers/${c.id}/status`, body));
          close();
          notify('ok', t('customer.statusSaved', { status: t(`customer.status.${r.status}`) }));
          onDone();
        } catch (e) {
          msg.className = 'form-msg error';
          fill(msg, problemText(e));
        }
      },
    }],
  });
}

function header(c, v) {
  const actions = h('div', { class: 'page-actions' });
  if (can('customers.write')) {
    actions.append(
      h('a', { class: 'button primary', href: `#/customers/${c.id}/edit`, id: 'customer-edit' }, t('customer.edit')),
      h('button', { type: 'button', onclick: () => statusDialog(c, () => v.ctx.reload()) }, t('customer.statusChange')),
      h('a', { class: 'button', href: `#/customers/${c.id}/move-in` }, t('customer.moveIn')));
  }
  return h('div', { class: 'page-head customer-head' },
    h('div', { class: 'who-block' },
      h('p', { class: 'customer-number' }, t('customer.numberLabel'), ' ', h('strong', {}, c.number)),
      h('h1', { tabindex: '-1', class: 'customer-name', id: 'customer-name' }, c.name),
      h('p', { class: 'customer-kana' }, clip(c.kana), ' ',
        h('span', { class: `chip status-${c.status}` }, t(`customer.status.${c.status}`)),
        c.kind === 'business' ? h('span', { class: 'chip' }, t('customer.kind.business')) : null)),
    actions);
}

function tabList(v) {
  const tabs = visibleTabs();
  const list = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('customer.tabs') });
  for (const x of tabs) {
    const selected = x.id === v.tab;
    list.append(h('a', {
      role: 'tab', id: `tab-${x.id}`, href: `#/customers/${v.id}${x.id === 'basic' ? '' : `/${x.id}`}`,
      'aria-selected': selected ? 'true' : 'false', 'aria-controls': 'tab-panel',
      tabindex: selected ? '0' : '-1', class: selected ? 'active' : null,
    }, t(x.label)));
  }
  list.addEventListener('keydown', (ev) => {
    const all = [...list.querySelectorAll('[role="tab"]')];
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    let j = -1;
    if (ev.key === 'ArrowRight') j = (i + 1) % all.length;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + all.length) % all.length;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = all.length - 1;
    if (j < 0) return;
    ev.preventDefault();
    all[j].focus();
    all[j].click();
  });
  return list;
}

async function showTab(v, focusTab) {
  const tab = visibleTabs().find((x) => x.id === v.tab);
  const panel = v.panel;
  for (const a of v.tabs.querySelectorAll('[role="tab"]')) {
    const on = a.id === `tab-${v.tab}`;
    a.setAttribute('aria-selected', on ? 'true' : 'false');
    a.tabIndex = on ? 0 : -1;
    a.classList.toggle('active', on);
  }
  if (!tab) {
    fill(panel, h('p', { class: 'msg error', role: 'alert' }, t('page.forbiddenText')));
    return;
  }
  panel.setAttribute('aria-labelledby', `tab-${tab.id}`);
  v.ctx.title(`${v.customer.name} — ${t(tab.label)}`);
  fill(panel, loading());
  const seq = ++v.tabSeq;
  try {
    const content = await tab.render(v);
    if (seq !== v.tabSeq || !v.ctx.alive()) return;
    fill(panel, content);
  } catch (e) {
    if (e?.status === undefined) throw e;
    if (seq === v.tabSeq) fill(panel, loadError(e, () => showTab(v)));
  }
  // back/forward between tabs: the focus follows, unless the user is
  // already somewhere else
  const here = document.activeElement;
  if (focusTab && (!here || here === document.body || v.tabs.contains(here))) {
    v.tabs.querySelector(`#tab-${v.tab}`)?.focus();
  }
}

export async function render(el, ctx) {
  const id = ctx.params.id;
  const v = { id, ctx, tab: ctx.params.tab || 'basic', tabSeq: 0 };
  view = v;
  fill(el, loading());
  let r;
  try {
    r = await api('GET', `/api/v1/customers/${encodeURIComponent(id)}`, undefined, { full: true });
  } catch (e) {
    if (!ctx.alive()) return;
    ctx.title(t('customer.title'));
    fill(el, h('h1', { tabindex: '-1' }, t('customer.title')),
         e.status === 404 ? h('p', { class: 'msg error', role: 'alert' }, problemText(e))
                          : loadError(e, () => ctx.reload()));
    el.querySelector('h1').focus();
    return;
  }
  if (!ctx.alive()) return;
  v.customer = r.data;
  v.etag = r.headers.get('ETag');
  v.data = customerData(v);
  v.tabs = tabList(v);
  v.panel = h('div', { id: 'tab-panel', role: 'tabpanel', class: 'tab-panel', tabindex: '0' });
  fill(el, header(v.customer, v), v.tabs, v.panel);
  el.querySelector('h1').focus();
  await showTab(v);
  return () => { if (view === v) view = null; };
}

// Another tab (or page of a tab) of the customer on screen: no reload of
// the customer itself.
export function update(ctx) {
  const v = view;
  if (!v || !v.customer || v.id !== ctx.params.id) return false;
  v.ctx = { ...ctx, alive: v.ctx.alive };
  const tabChanged = v.tab !== (ctx.params.tab || 'basic');
  v.tab = ctx.params.tab || 'basic';
  showTab(v, tabChanged);
  return true;
}

