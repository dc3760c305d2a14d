// reading-entry.js — 検針入力: a route's meters in reading order as one
// grid, typed from the office with the keyboard alone (GET
// /api/v1/reading-routes/{route}/sheet?month=).
//
// Each row shows the previous index and its date and the usage of the
// same month last year beside the input. Keys: Enter saves the row and
// moves down (Shift+Enter: up), ↓/↑ move without leaving the column, Esc
// puts back the saved value; a changed value is also saved when focus
// leaves the row. While typing, the row shows the usage worked out from
// the previous index and the checks it is likely to meet (見込み: lower than
// the previous index, zero, far from last year by the tenant's thresholds
// of GET /api/v1/settings/reading-checks); once saved, the server's own
// answer replaces them: its flags (要確認) or its refusal, in Japanese,
// at the row.
//
// Saving: a row without a reading this period is sent as one item of
// POST /api/v1/readings with an idempotency key kept per value, so a
// resend after a network failure cannot record twice. A row already read
// is corrected (POST /api/v1/readings/{id}/correct) by the office
// (readings.manage); for a meter reader a different value becomes a
// conflict the office decides (the API's own rule). A row's saves run one
// after another; the next row can be typed meanwhile.
//
// The reading date for the whole grid is chosen above it (today by
// default) and kept in the URL with the month and the "unread only"
// filter. Values typed but not saved yet are kept as a draft (per user,
// lib/session.js): after the session ended and the user signed in again,
// or after a reload, they come back marked 未保存, for Enter to save. A route of a few hundred points is shown whole: the grid is a
// work sheet, read top to bottom, not a list to page through.
import { api } from '../lib/api.js';
import { clip, fill, h, uid } from '../lib/dom.js';
import { formatCount, formatDate, formatM3, formatMonth, todayJst } from '../lib/format.js';
import { has, problemText, t } from '../lib/i18n.js';
import { can, drafts } from '../lib/session.js';
import { loadError, loading, notify } from '../lib/ui.js';
import { periodChip, periodWindow } from './reading-routes.js';

const DEFAULT_CHECKS = { high_percent: 200, low_percent: 50, min_usage_m3: '5.0' };
const REVIEW = new Set(['high', 'low', 'zero', 'inactive', 'date_outside', 'decimal']);

// "１２３４．５" / "1234.5" / "1234" → tenths of a m³ (12345); null when
// not a meter index; '' → undefined (nothing typed).
export function parseIndex(text) {
  const s = String(text ?? '')
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.').replace(/\s/g, '');
  if (!s) return undefined;
  const m = /^(\d{1,9})(?:\.(\d))?$/.exec(s);
  return m ? Number(m[1]) * 10 + Number(m[2] || 0) : null;
}

const tenthsText = (v) => `${v < 0 ? '-' : ''}${Math.trunc(Math.abs(v) / 10)}.${Math.abs(v) % 10}`;

// What typing value into point's row would give, worked out here:
// { error } for what cannot be sent, else { tenths, usage, rollover,
// hints: [{ key, params, review }] }.
export function preview(point, text, checks, date, period) {
  const v = parseIndex(text);
  if (v === undefined) return null;
  if (v === null) return { error: t('entry.formatHint') };
  const digits = point.meter?.digits;
  if (digits && v >= 10 ** digits * 10) return { error: t('entry.tooManyDigits', { n: digits }) };
  const out = { tenths: v, usage: null, rollover: false, hints: [] };
  const prev = point.previous ? parseIndex(point.previous.index) : null;
  if (prev !== null && prev !== undefined) {
    let u = v - prev;
    if (u < 0 && digits && 10 ** digits * 10 - prev + v < (10 ** digits * 10) / 2) {
      u = 10 ** digits * 10 - prev + v;
      out.rollover = true;
      out.hints.push({ key: 'entry.hint.rollover' });
    }
    out.usage = u;
    if (u < 0) {
      out.hints.push({ key: 'entry.hint.lower', params: { prev: point.previous.index }, review: true });
    } else if (u === 0 && point.customer) {
      out.hints.push({ key: 'entry.hint.zero', review: true });
    } else {
      const ly = parseIndex(point.last_year_usage_m3);
      const min = parseIndex(checks.min_usage_m3) ?? 0;
      if (ly && u >= min && u * 100 > checks.high_percent * ly) {
        out.hints.push({ key: 'entry.hint.high', params: { ly: point.last_year_usage_m3, x: (u / ly).toFixed(1) }, review: true });
      } else if (ly && ly >= min && u * 100 < checks.low_percent * ly) {
        out.hints.push({ key: 'entry.hint.low', params: { ly: point.last_year_usage_m3 }, review: true });
      }
    }
  }
  if (period && date && (date < period.starts_on || date > period.ends_on)) {
    out.hints.push({ key: 'entry.hint.dateOutside', review: true });
  }
  return out;
}

function flagChips(flags) {
  return h('span', { class: 'chips' }, (flags || []).map((f) =>
    h('span', { class: REVIEW.has(f) ? 'chip warn' : 'chip', dataset: { flag: f } }, t(`flag.${f}`))));
}

// The words of a refusal in a result item or an ApiError: title, detail
// when it is in Japanese (the API's details name the values), field errors.
function refusal(e) {
  const title = e.status !== undefined ? problemText(e) : (has(`problem.${e.code}`) ? t(`problem.${e.code}`) : e.title);
  const fields = (e.errors || e.fieldErrors || []).map((x) => x.message).filter(Boolean);
  const detail = /[^\x00-\x7f]/.test(e.detail || '') ? e.detail : '';
  return [title, detail, ...fields].filter(Boolean).join(' ');
}

function newKey(spid) {
  const r = Math.random().toString(36).slice(2, 10);
  return `con-${spid}-${Date.now().toString(36)}-${r}`;
}

export function render(el, ctx) {
  const route = ctx.params.route;
  const month = /^\d{4}-(0[1-9]|1[0-2])$/.test(ctx.query.month || '') ? ctx.query.month : todayJst().slice(0, 7);
  const todo = ctx.query.todo === '1';
  ctx.title(t('entry.title', { route }));
  const head = h('div', { class: 'page-head' },
    h('div', {}, h('p', { class: 'crumbs' }, h('a', { href: `#/readings?month=${month}` }, t('reading.title'))),
      h('h1', { tabindex: '-1' }, t('entry.heading', { route, month: formatMonth(month) }))));
  const body = h('div', {}, loading());
  el.append(head, body);
  el.querySelector('h1').focus();

  let alive = true;
  Promise.all([
    api('GET', `/api/v1/reading-routes/${encodeURIComponent(route)}/sheet?month=${encodeURIComponent(month)}`),
    api('GET', '/api/v1/settings/reading-checks').catch(() => DEFAULT_CHECKS),
  ]).then(([sheet, checks]) => {
    if (alive && ctx.alive()) grid(body, ctx, { route, month, todo, sheet, checks });
  }).catch((e) => {
    if (alive && ctx.alive()) fill(body, loadError(e, () => ctx.reload()));
  });
  return () => { alive = false; };
}

function grid(body, ctx, { route, month, todo, sheet, checks }) {
  const period = sheet.period;
  const writable = can('readings.write') && period?.status === 'open';
  const manage = can('readings.manage');
  const dateId = uid('read-on');
  const date = h('input', { id: dateId, type: 'date', class: 'text', value: ctx.query.date || todayJst(),
                            max: todayJst(), 'aria-describedby': `${dateId}-hint` });
  const dateHint = h('p', { id: `${dateId}-hint`, class: 'hint' });
  const onlyTodo = h('input', { id: 'entry-todo', type: 'checkbox', checked: todo || null });
  const progress = h('div', { class: 'figures entry-figures', id: 'entry-progress', role: 'status', 'aria-live': 'polite' });
  const rowsEl = h('tbody', {});
  const keepUrl = () => ctx.replace(`/readings/routes/${encodeURIComponent(route)}`,
    { month, date: date.value !== todayJst() ? date.value : '', todo: onlyTodo.checked ? '1' : '' });

  const info = [];
  if (!period) info.push(h('div', { class: 'msg warn', role: 'status' }, t('entry.noPeriod')));
  else if (period.status !== 'open') info.push(h('div', { class: 'msg warn', role: 'status' }, t('entry.closed')));
  else if (!can('readings.write')) info.push(h('p', { class: 'hint' }, t('entry.readOnly')));

  fill(body,
    h('div', { class: 'entry-head' },
      h('dl', { class: 'facts compact' },
        h('dt', {}, t('reading.window')), h('dd', {}, periodWindow(period)),
        period?.reading_on ? [h('dt', {}, t('reading.readingOn')), h('dd', {}, formatDate(period.reading_on))] : null,
        h('dt', {}, t('reading.state')), h('dd', {}, periodChip(period))),
      writable ? h('div', { class: 'entry-date' },
        h('label', { for: dateId, class: 'label' }, t('entry.readOn')), date, dateHint) : null,
      h('label', { class: 'inline-check', for: 'entry-todo' }, onlyTodo, t('entry.onlyTodo'))),
    ...info, progress,
    writable ? h('p', { class: 'hint', id: 'entry-keys' }, t('entry.keys')) : null,
    h('div', { class: 'table-wrap entry-wrap' }, h('table', { class: 'grid entry-grid', id: 'entry-grid' },
      h('caption', { class: 'visually-hidden' }, t('entry.caption', { route })),
      h('thead', {}, h('tr', {}, ['entry.col.order', 'entry.col.customer', 'entry.col.address', 'entry.col.meter',
        'entry.col.previous', 'entry.col.lastYear', 'entry.col.index', 'entry.col.usage', 'entry.col.check']
        .map((k) => h('th', { scope: 'col', class: ['entry.col.previous', 'entry.col.lastYear', 'entry.col.usage'].includes(k) ? 'num' : null }, t(k))))),
      rowsEl)));

  const draftKey = `reading-entry:${route}:${month}`;
  const draft = drafts.load(draftKey) || {};
  const keepDraft = (spid, value) => {
    if (value === null) delete draft[spid];
    else draft[spid] = value;
    if (Object.keys(draft).length) drafts.save(draftKey, draft);
    else drafts.remove(draftKey);
  };
  const rows = [];
  const points = todo ? sheet.points.filter((p) => !p.reading) : sheet.points;
  for (const p of points) rows.push(makeRow(p));
  fill(rowsEl, ...rows.map((r) => r.tr));
  if (!rows.length) {
    rowsEl.append(h('tr', {}, h('td', { colspan: 9, class: 'empty' }, t(todo ? 'entry.allRead' : 'entry.noPoints'))));
  }
  showProgress();
  checkDate();
  date.addEventListener('change', () => { checkDate(); keepUrl(); rows.forEach((r) => r.input && r.live()); });
  onlyTodo.addEventListener('change', () => {
    ctx.go(`/readings/routes/${encodeURIComponent(route)}`,
      { month, date: date.value !== todayJst() ? date.value : '', todo: onlyTodo.checked ? '1' : '' });
  });
  const restored = rows.filter((r) => r.restored);
  if (restored.length) notify('info', t('entry.draftRestored', { n: restored.length }), { key: 'entry-draft' });
  const first = restored[0] || rows.find((r) => r.input && !r.point.reading) || rows.find((r) => r.input);
  if (first) { first.input.focus(); first.input.select(); }

  function checkDate() {
    const d = date.value;
    dateHint.className = 'hint';
    if (!d) dateHint.textContent = t('entry.dateRequired');
    else if (period && (d < period.starts_on || d > period.ends_on)) {
      dateHint.textContent = t('entry.dateOutside', { date: formatDate(d) });
      dateHint.className = 'hint warn-text';
    } else dateHint.textContent = formatDate(d);
  }

  // The period's figures, counted from the rows as they are saved.
  function showProgress() {
    const all = sheet.points.filter((p) => p.meter);
    const read = all.filter((p) => p.reading && p.reading.source !== 'estimated').length;
    const est = all.filter((p) => p.reading?.source === 'estimated').length;
    const flagged = all.filter((p) => p.reading?.status === 'flagged').length;
    fill(progress,
      h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t('reading.read')),
        h('strong', { id: 'entry-read' }, `${formatCount(read + est)} / ${formatCount(all.length)}`)),
      h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t('reading.remaining')),
        h('strong', { id: 'entry-remaining' }, formatCount(all.length - read - est))),
      h('div', { class: 'figure-box' }, h('span', { class: 'label' }, t('reading.flagged')),
        h('strong', { id: 'entry-flagged' }, formatCount(flagged))),
      h('progress', { max: Math.max(1, all.length), value: read + est, 'aria-label': t('reading.progressOf', { route }) }));
  }

  function move(i, step) {
    for (let j = i + step; j >= 0 && j < rows.length; j += step) {
      if (rows[j].input) {
        rows[j].input.focus();
        rows[j].input.select();
        return true;
      }
    }
    return false;
  }

  function makeRow(p) {
    const c = p.customer;
    const i = rows.length;
    const inputId = `idx-${p.supply_point_id}`;
    const status = h('div', { class: 'entry-status', id: `st-${p.supply_point_id}`, 'aria-live': 'polite' });
    const usage = h('td', { class: 'num usage-cell' });
    const input = writable && p.meter ? h('input', {
      id: inputId, class: 'index-input', inputmode: 'decimal', autocomplete: 'off', maxlength: 12,
      value: p.reading ? p.reading.index : '', placeholder: '0000.0', spellcheck: 'false',
      'aria-label': t('entry.indexOf', { name: c ? c.name : p.address }),
      'aria-describedby': `st-${p.supply_point_id}`,
    }) : null;
    const tr = h('tr', { dataset: { point: p.supply_point_id }, id: `row-${p.supply_point_id}` },
      h('td', { class: 'num' }, p.route_order ?? '—'),
      h('td', {}, c
        ? h('div', { class: 'who-cell' }, h('a', { href: `#/customers/${c.id}/readings`, tabindex: '-1' }, c.number),
          clip(c.name, 'span', 'name'))
        : h('span', { class: 'muted' }, t('entry.vacant'))),
      h('td', { class: 'addr-cell' }, clip(p.address), p.notes ? clip(p.notes, 'span', 'chip note') : null),
      h('td', {}, p.meter ? p.meter.serial : h('span', { class: 'bad' }, t('entry.noMeter'))),
      h('td', { class: 'num' }, p.previous ? [h('span', {}, p.previous.index), h('span', { class: 'muted small' }, formatDate(p.previous.read_on))] : '—'),
      h('td', { class: 'num' }, p.last_year_usage_m3 ? formatM3(p.last_year_usage_m3) : '—'),
      h('td', { class: 'index-cell' }, input || (p.reading ? p.reading.index : '—')),
      usage,
      h('td', { class: 'check-cell' }, status));
    const row = { point: p, tr, input, sent: null, asked: '', chain: Promise.resolve(), live: () => {} };

    // What is saved now, shown in the status cell.
    const showSaved = () => {
      const r = p.reading;
      tr.classList.remove('is-flagged', 'is-error', 'is-done');
      usage.textContent = r ? formatM3(r.usage_m3) : '';
      if (!r) { fill(status); return; }
      tr.classList.add(r.status === 'flagged' ? 'is-flagged' : 'is-done');
      fill(status, h('span', { class: `chip reading-${r.status}` }, t(`reading.status.${r.status}`)),
        r.source === 'estimated' ? h('span', { class: 'chip' }, t('reading.source.estimated')) : null,
        flagChips(r.flags));
    };
    const showError = (text) => {
      tr.classList.remove('is-done', 'is-flagged');
      tr.classList.add('is-error');
      input?.setAttribute('aria-invalid', 'true');
      fill(status, h('p', { class: 'field-error', role: 'alert' }, text));
    };
    row.live = () => {
      if (!input) return;
      input.removeAttribute('aria-invalid');
      tr.classList.remove('is-error');
      const saved = p.reading?.index;
      if (parseIndex(input.value) === (saved ? parseIndex(saved) : undefined)) { showSaved(); return; }
      const x = preview(p, input.value, checks, date.value, period);
      if (!x) { usage.textContent = ''; fill(status); return; }
      if (x.error) { usage.textContent = ''; fill(status, h('p', { class: 'preview bad' }, x.error)); return; }
      usage.textContent = x.usage === null || x.usage < 0 ? '—' : formatM3(tenthsText(x.usage));
      fill(status, h('p', { class: 'preview' },
        h('span', { class: 'chip unsaved' }, t('entry.unsaved')),
        x.hints.map((hh) => h('span', { class: hh.review ? 'hint-line warn-text' : 'hint-line' }, t(hh.key, hh.params)))));
    };

    // Send the row's value (when changed); resolves once answered. Enter
    // asks again (force) after a refusal; leaving the row does not send
    // the value Enter just sent.
    const save = (force) => {
      const asked = `${input.value}@${date.value}`;
      if (!force && asked === row.asked) return row.chain;
      row.asked = asked;
      row.chain = row.chain.then(() => send()).catch((e) => {
        if (e?.status === undefined) throw e;
        showError(refusal(e));
      });
      return row.chain;
    };
    async function send() {
      const text = input.value;
      const v = parseIndex(text);
      const saved = p.reading ? parseIndex(p.reading.index) : undefined;
      if (v === undefined || v === saved) { row.live(); return; }
      const x = preview(p, text, checks, date.value, period);
      if (x.error) { showError(x.error); return; }
      if (!date.value) { showError(t('entry.dateRequired')); return; }
      const index = tenthsText(v);
      if (row.sent && row.sent.index === index && row.sent.date === date.value && row.sent.ok) return;
      fill(status, h('span', { class: 'saving' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), t('entry.saving')));
      if (p.reading && manage) {
        const r = await api('POST', `/api/v1/readings/${p.reading.id}/correct`, { index, read_on: date.value });
        p.reading = r;
        keepDraft(p.supply_point_id, null);
        row.sent = { index, date: date.value, ok: true };
        showSaved();
        showProgress();
        return;
      }
      const key = row.sent && row.sent.index === index && row.sent.date === date.value ? row.sent.key : newKey(p.supply_point_id);
      row.sent = { index, date: date.value, key, ok: false };
      const { results: [res] } = await api('POST', '/api/v1/readings', {
        items: [{ key, supply_point_id: p.supply_point_id, read_on: date.value, index }],
      });
      if (res.outcome === 'error') { showError(refusal(res.error)); return; }
      row.sent.ok = true;
      keepDraft(p.supply_point_id, null);
      if (res.outcome === 'conflict') { // recorded for the office, not the typist's mistake
        tr.classList.remove('is-done', 'is-error');
        tr.classList.add('is-flagged');
        fill(status, h('p', { class: 'conflict-note warn-text', role: 'status' },
          t('entry.conflict', { index: res.reading?.index ?? '' })));
        return;
      }
      p.reading = res.reading;
      showSaved();
      if (res.outcome === 'duplicate') status.append(h('span', { class: 'hint-line' }, t('entry.duplicate')));
      showProgress();
    }

    if (input) {
      input.addEventListener('input', () => {
        row.live();
        const saved = p.reading ? p.reading.index : '';
        keepDraft(p.supply_point_id, input.value === saved ? null : input.value);
      });
      input.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter') {
          ev.preventDefault();
          save(true);
          if (!move(i, ev.shiftKey ? -1 : 1) && !ev.shiftKey) {
            row.chain.then(() => notify('info', t('entry.lastRow'), { key: 'entry-last' }));
          }
        } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
          ev.preventDefault();
          move(i, ev.key === 'ArrowDown' ? 1 : -1);
        } else if (ev.key === 'Escape') {
          ev.preventDefault();
          input.value = p.reading ? p.reading.index : '';
          keepDraft(p.supply_point_id, null);
          row.live();
        }
      });
      // a changed value is saved when focus leaves the row by Tab or mouse
      input.addEventListener('change', () => save(false));
    }
    showSaved();
    const typed = draft[p.supply_point_id];
    if (input && typeof typed === 'string' && typed !== input.value) {
      input.value = typed;
      row.restored = true;
      row.live();
    }
    return row;
  }
}
