// reading-routes.js — 検針: the reading routes (検針順路) of a month with
// their progress (GET /api/v1/reading-routes?month=), the month picked
// among the months that have periods (GET /api/v1/reading-periods).
// Each route links to its entry grid (reading-entry.js) and its flagged
// readings to the review list (reading-review.js). The office
// (readings.manage) opens a route's period (検針月) here when it has none
// (POST /api/v1/reading-periods), with the API's errors at the fields; its
// reading day (検針日, reading_on) may be given, else the API takes the
// window's middle day (the hint shows which one, as the window changes).
// The month and the page are in the URL (#/readings?month=2026-11&page=2).
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatCount, formatDate, formatMonth, todayJst } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { dialog, loadInto, notify, pagedRows, table } from '../lib/ui.js';

const PAGE = 20;

function lastDay(month) {
  const [y, m] = month.split('-').map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

export function periodChip(period) {
  const s = period ? period.status : 'none';
  return h('span', { class: `chip period-${s}` }, t(`reading.period.${s}`));
}

export function periodWindow(period) {
  return period ? t('reading.windowRange', { from: formatDate(period.starts_on), to: formatDate(period.ends_on) }) : '—';
}

// The window and, under it, the period's reading day (検針日).
function windowCell(period) {
  if (!period) return '—';
  return h('span', { class: 'window-cell' }, h('span', {}, periodWindow(period)),
    period.reading_on
      ? h('span', { class: 'reading-day' }, t('reading.readingDay', { day: formatDate(period.reading_on) })) : null);
}

function progressCell(r) {
  const done = r.read + r.estimated;
  const text = t('reading.progressCount', { done: formatCount(done), points: formatCount(r.points) });
  return h('span', { class: 'progress-cell' },
    h('progress', { max: Math.max(1, r.points), value: done, 'aria-label': t('reading.progressOf', { route: r.route }) }),
    text);
}

// The middle day of a window (what the API takes when no reading day is
// given), or '' while the window is not two dates in order.
export function middleDay(from, to) {
  const ok = (x) => /^\d{4}-\d{2}-\d{2}$/.test(x || '');
  if (!ok(from) || !ok(to) || to < from) return '';
  const a = Date.parse(`${from}T00:00:00Z`);
  const days = Math.floor((Date.parse(`${to}T00:00:00Z`) - a) / 86400000);
  return new Date(a + Math.floor(days / 2) * 86400000).toISOString().slice(0, 10);
}

// The dialog that opens route's period for month.
function openPeriod(route, month, done) {
  let d = null;
  const f = form({
    cls: 'period-form',
    fields: [
      { name: 'starts_on', label: t('reading.startsOn'), type: 'date', required: true },
      { name: 'ends_on', label: t('reading.endsOn'), type: 'date', required: true },
      { name: 'reading_on', label: t('reading.readingOn'), type: 'date', hint: ' ', wide: true },
    ],
    values: { starts_on: `${month}-01`, ends_on: lastDay(month) },
    submitLabel: t('reading.openPeriod'), busyLabel: t('reading.opening'),
    codeFields: { 'metering.period_exists': 'starts_on' },
    async onSubmit(v) {
      const body = { route, month, starts_on: v.starts_on, ends_on: v.ends_on };
      if (v.reading_on) body.reading_on = v.reading_on;
      const p = await api('POST', '/api/v1/reading-periods', body);
      d.close('ok');
      notify('ok', p?.reading_on
        ? t('reading.openedWithDay', { route, month: formatMonth(month), day: formatDate(p.reading_on) })
        : t('reading.opened', { route, month: formatMonth(month) }));
      done();
    },
  });
  // the reading day's hint and its date picker follow the window
  const from = f.fields.get('starts_on').input;
  const to = f.fields.get('ends_on').input;
  const day = f.fields.get('reading_on');
  const hint = day.el.querySelector('.hint');
  const follow = () => {
    const mid = middleDay(from.value, to.value);
    day.input.min = from.value || '';
    day.input.max = to.value || '';
    hint.textContent = mid ? t('reading.readingOnHint', { day: formatDate(mid) }) : t('reading.readingOnHintNone');
  };
  from.addEventListener('input', follow);
  to.addEventListener('input', follow);
  follow();
  d = dialog({
    title: t('reading.openTitle', { route, month: formatMonth(month) }),
    body: [h('p', { class: 'hint' }, t('reading.openHint')), f.el],
    actions: [{ label: t('common.cancel') }],
    onOpen: () => f.fields.get('starts_on').input.focus(),
  });
}

function monthsOf(periods, month) {
  const set = new Set([todayJst().slice(0, 7), month, ...periods.map((p) => p.month)]);
  return [...set].sort().reverse();
}

export function render(el, ctx) {
  ctx.title(t('reading.title'));
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(ctx.query.month || '') ? ctx.query.month : todayJst().slice(0, 7);
  const pick = h('select', { id: 'reading-month' });
  pick.addEventListener('change', () => ctx.go('/readings', { month: pick.value }));
  const summary = h('div', {});
  const list = h('div', { id: 'route-list' });
  el.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('reading.title')),
      h('div', { class: 'page-actions' },
        can('readings.manage') ? h('a', { class: 'button', href: '#/readings/review' }, t('reading.reviewLink')) : null,
        can('readings.write') ? h('a', { class: 'button', href: '/field/' }, t('reading.fieldLink')) : null)),
    h('form', { class: 'filters', role: 'search', onsubmit: (ev) => ev.preventDefault() },
      h('label', { for: 'reading-month' }, t('reading.month')), pick),
    summary, list);
  el.querySelector('h1').focus();

  // The month choices: this month and every month with a period.
  pick.append(h('option', { value: month, selected: true }, formatMonth(month)));
  api('GET', '/api/v1/reading-periods').then(({ periods }) => {
    if (!ctx.alive()) return;
    const keep = pick.value;
    fill(pick, ...monthsOf(periods, month).map((m) =>
      h('option', { value: m, selected: m === keep }, formatMonth(m))));
  }).catch(() => { /* the current month alone still works */ });

  const reload = () => ctx.reload();
  // the routes with their progress; the month's periods give each its
  // reading day (the route list's period has only the window)
  const load = async () => {
    const m = encodeURIComponent(month);
    const [r, p] = await Promise.all([api('GET', `/api/v1/reading-routes?month=${m}`),
      api('GET', `/api/v1/reading-periods?month=${m}`)]);
    const days = new Map(p.periods.map((x) => [x.id, x.reading_on]));
    for (const x of r.routes) if (x.period && !x.period.reading_on) x.period.reading_on = days.get(x.period.id) || null;
    return r;
  };
  loadInto(list, load, ({ routes }) => {
    const sum = routes.reduce((a, r) => ({
      points: a.points + r.points, read: a.read + r.read, remaining: a.remaining + r.remaining,
      estimated: a.estimated + r.estimated, flagged: a.flagged + r.flagged,
    }), { points: 0, read: 0, remaining: 0, estimated: 0, flagged: 0 });
    fill(summary, h('div', { class: 'figures', id: 'reading-figures' }, [
      ['reading.points', sum.points], ['reading.read', sum.read], ['reading.remaining', sum.remaining],
      ['reading.estimated', sum.estimated], ['reading.flagged', sum.flagged],
    ].map(([k, v]) => h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t(k)),
      h('strong', {}, formatCount(v))))));
    const { slice, nav } = pagedRows(routes, ctx.query.page, PAGE,
      (p) => ctx.go('/readings', { month, page: p > 1 ? p : '' }));
    const entry = (r) => `#/readings/routes/${encodeURIComponent(r.route)}?month=${month}`;
    return [table({
      caption: t('reading.routesCaption', { month: formatMonth(month) }),
      columns: [
        { label: t('reading.route'), cell: (r) => h('a', { href: entry(r), class: 'route-link' }, r.route) },
        { label: t('reading.window'), cell: (r) => windowCell(r.period) },
        { label: t('reading.state'), cell: (r) => periodChip(r.period) },
        { label: t('reading.progress'), cell: progressCell },
        { label: t('reading.remaining'), cell: (r) => formatCount(r.remaining), num: true },
        { label: t('reading.estimated'), cell: (r) => formatCount(r.estimated), num: true },
        { label: t('reading.flagged'), num: true, cell: (r) => (r.flagged && can('readings.manage')
          ? h('a', { href: `#/readings/review?route=${encodeURIComponent(r.route)}`, class: 'chip warn' },
            t('reading.flaggedN', { n: formatCount(r.flagged) }))
          : formatCount(r.flagged)) },
        { label: t('reading.actions'), cell: (r) => {
          if (r.period) {
            return h('a', { href: entry(r), class: 'button small' },
              t(r.period.status === 'open' && can('readings.write') ? 'reading.enter' : 'reading.view'));
          }
          return can('readings.manage') ? h('button', { type: 'button', class: 'small',
            onclick: () => openPeriod(r.route, month, reload) }, t('reading.openPeriod')) : '—';
        } },
      ],
      rows: slice, empty: t('reading.noRoutes'), rowAttrs: (r) => ({ dataset: { route: r.route } }),
    }), nav];
  });
}
