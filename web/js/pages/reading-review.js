// reading-review.js — 要確認: the flagged readings and the open conflicts
// the office decides (GET /api/v1/readings/review, readings.manage).
//
// A flagged reading is confirmed as it is (POST /api/v1/readings/{id}/
// confirm) or corrected (POST /api/v1/readings/{id}/correct: a dialog
// with the index, the date and a note; the API's refusal shows at the
// field it concerns). A conflict (a second, different value sent for the
// same meter and month) is decided by taking the value sent or keeping the
// one recorded (POST /api/v1/reading-conflicts/{id}/resolve). Each action
// shows that it is working, then its result, and the list is read again.
// The route and check filters and the page are in the URL
// (#/readings/review?route=R01&flag=high&page=2).
import { api } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatCount, formatDate, formatDateTime, formatM3 } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { busy, dialog, loadError, loading, notify, pagedRows, table } from '../lib/ui.js';

const PAGE = 50;
const FLAGS = ['high', 'low', 'zero', 'inactive', 'date_outside', 'decimal'];

function who(x) {
  return x.customer
    ? h('span', { class: 'who-cell' }, h('a', { href: `#/customers/${x.customer.id}/readings` }, x.customer.number),
      clip(x.customer.name, 'span', 'name'))
    : h('span', { class: 'muted' }, t('entry.vacant'));
}

function where(x) {
  const sp = x.supply_point || {};
  return h('span', { class: 'where-cell' },
    h('span', { class: 'route-tag' }, sp.route ? `${sp.route}-${sp.route_order ?? '—'}` : '—'),
    clip(sp.address || ''));
}

function flagChips(flags) {
  return h('span', { class: 'chips' }, (flags || []).map((f) =>
    h('span', { class: FLAGS.includes(f) ? 'chip warn' : 'chip', dataset: { flag: f } }, t(`flag.${f}`))));
}

// The correction dialog of reading r; done(newReading) after it saved.
function correct(r, done) {
  let d = null;
  const f = form({
    fields: [
      { name: 'index', label: t('review.newIndex'), required: true, inputmode: 'decimal', maxlength: 12,
        hint: t('review.indexHint', { prev: r.previous?.index ?? '—', index: r.index }) },
      { name: 'read_on', label: t('readings.date'), type: 'date', required: true },
      { name: 'note', label: t('review.note'), maxlength: 200, wide: true, placeholder: t('review.notePlaceholder') },
    ],
    values: { index: r.index, read_on: r.read_on },
    submitLabel: t('review.correctSave'), busyLabel: t('common.saving'),
    codeFields: { 'metering.reading_impossible': 'index', conflict: 'index' },
    async onSubmit(v, fm) {
      const index = v.index.replace(/[０-９．]/g, (c) => (c === '．' ? '.' : String.fromCharCode(c.charCodeAt(0) - 0xfee0))).trim();
      try {
        const out = await api('POST', `/api/v1/readings/${r.id}/correct`,
          { index, read_on: v.read_on, note: v.note.trim() || null });
        d.close('ok');
        done(out);
      } catch (e) {
        fm.showProblem(e);
        // the API's detail names the values (and a likely misplaced decimal point)
        const idx = fm.fields.get('index');
        if (e.detail && /[^\x00-\x7f]/.test(e.detail) && idx.error.textContent) {
          idx.setError(`${idx.error.textContent} ${e.detail}`);
        }
        return false;
      }
    },
  });
  d = dialog({
    title: t('review.correctTitle', { name: r.customer?.name || r.supply_point?.address || '' }),
    body: [h('dl', { class: 'facts compact' },
      h('dt', {}, t('entry.col.previous')), h('dd', {}, r.previous ? `${r.previous.index}（${formatDate(r.previous.read_on)}）` : '—'),
      h('dt', {}, t('review.recorded')), h('dd', {}, `${r.index}（${formatDate(r.read_on)}）`),
      h('dt', {}, t('readings.usage')), h('dd', {}, formatM3(r.usage_m3) || '—'),
      h('dt', {}, t('readings.flags')), h('dd', {}, flagChips(r.flags))), f.el],
    actions: [{ label: t('common.cancel') }],
    onOpen: () => { const i = f.fields.get('index').input; i.focus(); i.select(); },
  });
}

export function render(el, ctx) {
  ctx.title(t('review.title'));
  const q = {
    route: (ctx.query.route || '').slice(0, 20),
    flag: FLAGS.includes(ctx.query.flag) ? ctx.query.flag : '',
  };
  const route = h('select', { id: 'review-route' }, h('option', { value: '' }, t('review.anyRoute')));
  const flag = h('select', { id: 'review-flag' }, h('option', { value: '' }, t('review.anyFlag')),
    FLAGS.map((f) => h('option', { value: f, selected: f === q.flag }, t(`flag.${f}`))));
  const filters = h('form', { class: 'filters', role: 'search' },
    h('label', { for: 'review-route' }, t('reading.route')), route,
    h('label', { for: 'review-flag' }, t('readings.flags')), flag,
    h('button', { type: 'submit' }, t('common.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    ctx.go('/readings/review', { route: route.value, flag: flag.value });
  });
  const count = h('p', { class: 'result-count', role: 'status', id: 'review-count', tabindex: '-1' });
  const list = h('div', { id: 'review-list' });
  const conflicts = h('section', { id: 'review-conflicts', 'aria-labelledby': 'conflicts-h' });
  el.append(
    h('div', { class: 'page-head' },
      h('div', {}, h('p', { class: 'crumbs' }, h('a', { href: '#/readings' }, t('reading.title'))),
        h('h1', { tabindex: '-1' }, t('review.title'))),
      h('div', { class: 'page-actions' }, h('a', { class: 'button', href: '#/readings' }, t('review.toRoutes')))),
    h('p', { class: 'hint' }, t('review.intro')), filters, count, list, conflicts);
  el.querySelector('h1').focus();

  let focusAfter = null; // { row, conflict }: where focus goes after reading again

  async function load() {
    fill(list, loading());
    let data;
    try {
      data = await api('GET', '/api/v1/readings/review');
    } catch (e) {
      if (ctx.alive()) fill(list, loadError(e, load));
      return;
    }
    if (!ctx.alive()) return;
    const routes = [...new Set([...data.readings, ...data.conflicts].map((x) => x.supply_point?.route).filter(Boolean))].sort();
    if (q.route && !routes.includes(q.route)) routes.unshift(q.route);
    fill(route, h('option', { value: '' }, t('review.anyRoute')),
      routes.map((r) => h('option', { value: r, selected: r === q.route }, r)));
    const rows = data.readings.filter((x) => (!q.route || x.supply_point?.route === q.route) &&
      (!q.flag || x.flags.includes(q.flag)));
    const kx = data.conflicts.filter((x) => !q.route || x.supply_point?.route === q.route);
    count.textContent = t('review.count', { n: formatCount(rows.length), c: formatCount(kx.length) });
    const { slice, nav } = pagedRows(rows, ctx.query.page, PAGE,
      (p) => ctx.go('/readings/review', { ...q, page: p > 1 ? p : '' }));
    fill(list, table({
      caption: t('review.caption'),
      columns: [
        { label: t('review.where'), cell: where },
        { label: t('entry.col.customer'), cell: who },
        { label: t('readings.date'), cell: (x) => h('span', { class: 'date-cell' }, formatDate(x.read_on),
          h('span', { class: 'muted small' }, t(`reading.source.${x.source}`))) },
        { label: t('entry.col.previous'), cell: (x) => (x.previous ? x.previous.index : '—'), num: true },
        { label: t('readings.index'), cell: (x) => x.index, num: true },
        { label: t('readings.usage'), cell: (x) => formatM3(x.usage_m3) || '—', num: true },
        { label: t('readings.flags'), cell: (x) => flagChips(x.flags) },
        { label: t('reading.actions'), cell: (x) => actions(x) },
      ],
      rows: slice, empty: t(q.route || q.flag ? 'review.noneFiltered' : 'review.none'),
      rowAttrs: (x) => ({ dataset: { reading: x.id }, id: `rv-${x.id}` }),
    }), nav || '');
    // after a decision, focus goes to the row that took the decided one's place
    renderConflicts(kx);
    if (focusAfter !== null) {
      const trs = (focusAfter.conflict ? conflicts : list).querySelectorAll('tbody tr');
      const next = trs[Math.min(focusAfter.row, trs.length - 1)]?.querySelector('.review-actions button');
      (next || count).focus();
      focusAfter = null;
    }
  }

  function rowIndex(x) {
    return { row: [...list.querySelectorAll('tbody tr')].findIndex((tr) => tr.dataset.reading === String(x.id)) };
  }

  function actions(x) {
    const out = h('p', { class: 'field-error', role: 'alert' });
    const ok = h('button', { type: 'button', class: 'small', 'aria-label': t('review.confirmOf', { name: x.customer?.name || x.index }) },
      t('review.confirm'));
    const fix = h('button', { type: 'button', class: 'small primary', 'aria-label': t('review.correctOf', { name: x.customer?.name || x.index }) },
      t('review.correct'));
    ok.addEventListener('click', async () => {
      out.textContent = '';
      try {
        await busy(ok, t('review.confirming'), () => api('POST', `/api/v1/readings/${x.id}/confirm`));
        notify('ok', t('review.confirmed', { name: x.customer?.name || x.supply_point?.address || '' }));
        focusAfter = rowIndex(x);
        load();
      } catch (e) {
        out.textContent = problemText(e);
      }
    });
    fix.addEventListener('click', () => correct(x, (n) => {
      notify('ok', n.status === 'flagged'
        ? t('review.correctedFlagged', { index: n.index, flags: n.flags.map((f) => t(`flag.${f}`)).join('・') })
        : t('review.corrected', { index: n.index, usage: formatM3(n.usage_m3) || '—' }));
      focusAfter = rowIndex(x);
      load();
    }));
    return h('div', {}, h('div', { class: 'review-actions' }, ok, fix), out);
  }

  function renderConflicts(kx) {
    if (!kx.length) { fill(conflicts); return; }
    fill(conflicts, h('h2', { id: 'conflicts-h' }, t('review.conflicts', { n: formatCount(kx.length) })),
      h('p', { class: 'hint' }, t('review.conflictsIntro')),
      table({
        columns: [
          { label: t('review.where'), cell: where },
          { label: t('entry.col.customer'), cell: who },
          { label: t('review.recorded'), cell: (k) => `${k.reading.index}（${formatDate(k.reading.read_on)}・${t(`reading.source.${k.reading.source}`) }）` },
          { label: t('review.sent'), cell: (k) => `${k.index}（${formatDate(k.read_on)}・${t(`reading.source.${k.source}`)}）` },
          { label: t('review.sentAt'), cell: (k) => formatDateTime(k.created_at) },
          { label: t('reading.actions'), cell: (k) => decide(k) },
        ],
        rows: kx,
        rowAttrs: (k) => ({ dataset: { conflict: k.id } }),
      }));
  }

  function decide(k) {
    const out = h('p', { class: 'field-error', role: 'alert' });
    const take = h('button', { type: 'button', class: 'small primary' }, t('review.takeSent'));
    const keep = h('button', { type: 'button', class: 'small' }, t('review.keepRecorded'));
    const run = (btn, accept) => async () => {
      out.textContent = '';
      try {
        const r = await busy(btn, t('common.saving'), () =>
          api('POST', `/api/v1/reading-conflicts/${k.id}/resolve`, { accept }));
        notify('ok', t(accept ? 'review.took' : 'review.kept', { index: r.reading.index }));
        focusAfter = { conflict: true, row: [...conflicts.querySelectorAll('tbody tr')].findIndex((tr) => tr.dataset.conflict === String(k.id)) };
        load();
      } catch (e) {
        out.textContent = problemText(e);
      }
    };
    take.addEventListener('click', run(take, true));
    keep.addEventListener('click', run(keep, false));
    return h('div', {}, h('div', { class: 'review-actions' }, take, keep), out);
  }

  load();
}
