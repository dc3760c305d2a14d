// customers.js — 顧客: one search box and the list of customers.
//
// The box takes anything an office worker has on the phone: customer
// number, name, kana (hiragana, katakana, half-width ｶﾅ — the server folds
// them alike), phone number in any format, address, meter serial
// (GET /api/v1/customers?q=). Results come as the user types (250 ms after
// the last key), with the field that matched. Keyboard: ↓/↑ move through
// the results, Enter opens the highlighted customer (or the only one), Esc
// clears the box. The search, the status filter and the page are in the
// URL, so back returns to the same list and a list can be shared; "next"
// pages go by the API's cursor (after = the last number shown), and the
// cursors of earlier pages travel in the history entry for "previous".
import { api } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatCount } from '../lib/format.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { loading, pager } from '../lib/ui.js';
import { exportDialog } from './customer-export.js';

const LIMIT = 50;
const STATUSES = ['active', 'suspended', 'closed'];

function statusChip(s) {
  return h('span', { class: `chip status-${s}` }, t(`customer.status.${s}`));
}

function addressOf(c) {
  return [c.prefecture, c.address].filter(Boolean).join('');
}

export function render(el, ctx) {
  ctx.title(t('customers.title'));
  const q0 = ctx.query.q || '';
  const status0 = STATUSES.includes(ctx.query.status) ? ctx.query.status : '';
  const after0 = ctx.query.after || '';
  const trail = Array.isArray(ctx.state?.trail) ? ctx.state.trail : [];

  const box = h('input', {
    id: 'customer-q', type: 'search', class: 'search', value: q0, autocomplete: 'off',
    role: 'combobox', 'aria-expanded': 'false', 'aria-controls': 'customer-results',
    'aria-autocomplete': 'list', 'aria-describedby': 'customer-q-hint', maxlength: 100,
    placeholder: t('customers.searchPlaceholder'), spellcheck: 'false',
  });
  const status = h('select', { id: 'customer-status' },
    h('option', { value: '' }, t('customers.statusAll')),
    STATUSES.map((s) => h('option', { value: s, selected: s === status0 }, t(`customer.status.${s}`))));
  const count = h('p', { class: 'result-count', role: 'status', 'aria-live': 'polite', id: 'customer-count' });
  const list = h('div', { id: 'customer-results', class: 'results', role: 'listbox',
                          'aria-label': t('customers.results') });
  const nav = h('div', { class: 'pager-slot' });

  const actions = h('div', { class: 'page-actions' },
    can('customers.write') ? h('a', { class: 'button', href: '#/customers/new' }, t('customers.new')) : null,
    can('customers.write') ? h('a', { class: 'button', href: '#/customers/import' }, t('customers.import')) : null,
    can('customers.export') ? h('button', { type: 'button', id: 'export-open',
      onclick: () => exportDialog({ q: box.value.trim(), status: status.value }) }, t('customers.export')) : null);

  el.append(
    h('div', { class: 'page-head' }, h('h1', {}, t('customers.title')), actions),
    h('div', { class: 'search-bar' },
      h('label', { for: 'customer-q', class: 'label' }, t('customers.searchLabel')),
      h('div', { class: 'search-row' }, box,
        h('label', { class: 'inline-label', for: 'customer-status' }, t('customers.status')), status),
      h('p', { id: 'customer-q-hint', class: 'hint' }, t('customers.searchHint'))),
    count, h('div', { class: 'results-head', 'aria-hidden': 'true' },
      ['customers.col.number', 'customers.col.name', 'customers.col.kana', 'customers.col.phone',
       'customers.col.address', 'customers.col.status'].map((k) => h('span', {}, t(k)))),
    list, nav);

  let rows = [];
  let active = -1;
  let seq = 0;
  let timer = 0;
  let dirty = false; // typed, not searched yet
  let page = { after: after0, trail };

  function setActive(i) {
    const opts = list.querySelectorAll('[role="option"]');
    opts.forEach((o, j) => {
      o.classList.toggle('active', j === i);
      o.setAttribute('aria-selected', j === i ? 'true' : 'false');
    });
    active = i;
    if (i >= 0 && opts[i]) {
      box.setAttribute('aria-activedescendant', opts[i].id);
      opts[i].scrollIntoView({ block: 'nearest' });
    } else {
      box.removeAttribute('aria-activedescendant');
    }
  }

  function open(c) {
    ctx.go(`/customers/${c.id}`);
  }

  function option(c, i) {
    const o = h('div', { role: 'option', id: `cust-${c.id}`, class: 'result', 'aria-selected': 'false',
                         dataset: { id: c.id } },
      h('span', { class: 'num-cell' }, h('a', { href: `#/customers/${c.id}`, tabindex: '-1' }, c.number)),
      clip(c.name, 'span', 'name-cell'),
      clip(c.kana, 'span', 'kana-cell'),
      h('span', { class: 'phone-cell' }, clip(c.phone1 || ''), c.phone2 ? clip(c.phone2, 'span', 'muted small') : null),
      clip(addressOf(c), 'span', 'address-cell'),
      h('span', { class: 'status-cell' }, statusChip(c.status),
        c.matched && box.value.trim() ? h('span', { class: 'chip matched' }, t(`customers.matched.${c.matched}`)) : null));
    o.addEventListener('mousedown', (ev) => ev.preventDefault()); // keep focus in the box
    o.addEventListener('click', (ev) => { if (!ev.target.closest('a')) open(c); });
    o.addEventListener('mousemove', () => { if (active !== i) setActive(i); });
    return o;
  }

  function query() {
    return { q: box.value.trim(), status: status.value, after: page.after };
  }

  async function search() {
    clearTimeout(timer);
    dirty = false;
    const my = ++seq;
    const q = query();
    ctx.replace('/customers', q, { trail: page.trail });
    const params = new URLSearchParams({ limit: String(LIMIT) });
    if (q.q) params.set('q', q.q);
    if (q.status) params.set('status', q.status);
    if (q.after) params.set('after', q.after);
    list.setAttribute('aria-busy', 'true');
    if (!rows.length) fill(list, loading(t('customers.searching')));
    try {
      const r = await api('GET', `/api/v1/customers?${params}`);
      if (my !== seq || !ctx.alive()) return;
      rows = r.customers;
      fill(list, rows.map(option));
      box.setAttribute('aria-expanded', rows.length ? 'true' : 'false');
      setActive(-1);
      const n = page.trail.length * LIMIT;
      count.className = 'result-count';
      const one = !n && !r.next; // everything found is on this page
      count.textContent = !rows.length ? t(q.q ? 'customers.noneFound' : 'customers.none')
        : one ? t(q.q ? 'customers.foundAll' : 'customers.listedAll', { n: formatCount(rows.length) })
          : t(q.q ? 'customers.found' : 'customers.listed',
              { from: formatCount(n + 1), to: formatCount(n + rows.length), more: r.next ? t('customers.more') : '' });
      fill(nav, rows.length && (page.after || r.next) ? pager({
        page: page.trail.length + 1, hasPrev: page.trail.length > 0, hasNext: !!r.next,
        onPrev: () => goPage(page.trail[page.trail.length - 1], page.trail.slice(0, -1)),
        onNext: () => goPage(r.next, [...page.trail, page.after]),
        onFirst: () => goPage('', []), showFirst: !!page.after && page.trail.length !== 1,
      }) : null);
    } catch (e) {
      if (my !== seq || !ctx.alive()) return;
      rows = [];
      fill(list);
      count.className = 'result-count error';
      count.textContent = problemText(e);
    } finally {
      if (my === seq) list.removeAttribute('aria-busy');
    }
  }

  // A new page of the same search: a history entry of its own (back works).
  function goPage(after, newTrail) {
    ctx.go('/customers', { ...query(), after }, { state: { trail: newTrail } });
  }

  function later() {
    page = { after: '', trail: [] };
    clearTimeout(timer);
    dirty = true;
    timer = setTimeout(search, 250);
  }

  box.addEventListener('input', later);
  status.addEventListener('change', () => { page = { after: '', trail: [] }; search(); });
  box.addEventListener('keydown', async (ev) => {
    if (ev.key === 'ArrowDown') {
      ev.preventDefault();
      if (rows.length) setActive(Math.min(active + 1, rows.length - 1));
    } else if (ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (rows.length) setActive(Math.max(active - 1, 0));
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (dirty) await search(); // typed faster than the debounce
      if (active >= 0 && rows[active]) open(rows[active]);
      else if (rows.length === 1) open(rows[0]);
      else if (rows.length) setActive(0);
    } else if (ev.key === 'Escape' && box.value) {
      ev.preventDefault();
      box.value = '';
      later();
    }
  });

  search();
  box.focus();
  box.setSelectionRange(box.value.length, box.value.length);
  return () => clearTimeout(timer);
}
