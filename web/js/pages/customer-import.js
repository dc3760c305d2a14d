// customer-import.js — 顧客台帳の取込: a CSV file (Shift_JIS or UTF-8) or an
// Excel workbook (.xlsx, its first sheet, turned into CSV here in the
// browser: the API reads CSV only) is first checked without writing
// anything (POST /api/v1/imports/customers?dry_run=true): how many rows,
// which column went to which field, and every error with its line (for a
// workbook, its row), column and message. Only a file without errors can
// then be imported for real, all rows or none.
import { api, ApiError } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatCount } from '../lib/format.js';
import { problemText, t } from '../lib/i18n.js';
import { busy, pagedRows, table } from '../lib/ui.js';
import { xlsxToCsv } from '../lib/xlsx.js';

const PAGE = 50;

function isXlsx(file) {
  return /\.xlsx$/i.test(file.name) ||
    file.type === 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
}

function errorsTable(errors, rowOf, slot, page = 1) {
  const { slice, nav } = pagedRows(errors, page, PAGE, (p) => errorsTable(errors, rowOf, slot, p));
  fill(slot, table({
    caption: t('import.errors'), cls: 'import-errors',
    columns: [
      { label: rowOf ? t('import.row') : t('import.line'), cell: (e) => String(rowOf ? rowOf(e.line) : e.line), num: true },
      { label: t('import.column'), cell: (e) => e.column || '—', clip: true },
      { label: t('import.field'), cell: (e) => (e.field ? t(`import.target.${e.field}`) : '—'), clip: true },
      { label: t('import.message'), cell: (e) => e.message, wrap: true },
    ],
    rows: slice,
  }), nav);
}

function summary(r, rowOf, real) {
  const errSlot = h('div', { class: 'errors-slot' });
  if (r.errors?.length) errorsTable(r.errors, rowOf, errSlot);
  return h('div', { class: 'import-result', id: 'import-result' },
    h('dl', { class: 'figures' },
      h('div', { class: 'figure-box' }, h('dt', { class: 'label' }, t('import.rows')), h('dd', {}, formatCount(r.rows))),
      h('div', { class: 'figure-box' }, h('dt', { class: 'label' }, t('import.valid')), h('dd', {}, formatCount(r.valid))),
      h('div', { class: 'figure-box' }, h('dt', { class: 'label' }, t('import.errorCount')),
        h('dd', { class: r.error_count ? 'bad' : null, id: 'import-error-count' }, formatCount(r.error_count))),
      real ? h('div', { class: 'figure-box' }, h('dt', { class: 'label' }, t('import.imported')),
        h('dd', {}, t('import.importedN', { c: formatCount(r.imported), p: formatCount(r.supply_points) }))) : null),
    r.errors_truncated ? h('p', { class: 'warn-line' }, t('import.truncated', { n: r.errors.length })) : null,
    errSlot,
    r.columns?.length ? h('details', {}, h('summary', {}, t('import.columns')), table({
      columns: [
        { label: t('import.heading'), cell: (c) => c.column, clip: true },
        { label: t('import.field'), cell: (c) => t(`import.target.${c.field}`) },
      ],
      rows: r.columns,
    }), r.ignored_columns?.length
      ? h('p', {}, t('import.ignored'), ' ', r.ignored_columns.map((c) => clip(c, 'span', 'chip'))) : null,
    Object.keys(r.defaults || {}).length
      ? h('p', {}, t('import.defaults'), ' ', Object.entries(r.defaults).map(([k, v]) =>
        h('span', { class: 'chip' }, `${t(`import.target.${k}`)}: ${v}`))) : null) : null);
}

export function render(el, ctx) {
  ctx.title(t('import.title'));
  const file = h('input', { type: 'file', id: 'import-file', accept: '.csv,.txt,.xlsx,text/csv' });
  const charset = h('select', { id: 'import-charset' },
    ['auto', 'utf-8', 'shift_jis'].map((c) => h('option', { value: c }, t(`import.charset.${c}`))));
  const header = h('input', { type: 'checkbox', id: 'import-header', checked: true });
  const check = h('button', { type: 'button', class: 'primary', id: 'import-check' }, t('import.check'));
  const run = h('button', { type: 'button', id: 'import-run', disabled: true }, t('import.run'));
  const msg = h('div', { class: 'form-msg', role: 'alert', id: 'import-msg' });
  const out = h('div', { class: 'import-out', 'aria-live': 'polite' });
  let prepared = null; // { file, body, contentType, rowOf, checked: dry-run result }

  async function prepare() {
    const f = file.files[0];
    if (!f) throw new Error('no file');
    if (prepared?.file === f && prepared.charset === charset.value) return prepared;
    let p;
    if (isXlsx(f)) {
      const x = await xlsxToCsv(await f.arrayBuffer());
      p = { body: x.csv, contentType: 'text/csv; charset=utf-8', rowOf: (line) => x.rowOfLine[line] ?? line,
            charsetParam: 'utf-8', sheet: x.sheet };
    } else {
      p = { body: f, contentType: 'text/csv', rowOf: null, charsetParam: charset.value };
    }
    prepared = { file: f, charset: charset.value, ...p };
    return prepared;
  }

  function path(dry) {
    const q = new URLSearchParams({ charset: prepared.charsetParam, header: header.checked ? 'true' : 'false' });
    if (dry) q.set('dry_run', 'true');
    return `/api/v1/imports/customers?${q}`;
  }

  function fail(e) {
    msg.className = 'form-msg error';
    if (e instanceof ApiError) {
      fill(msg, h('p', {}, problemText(e)), e.detail && e.code.startsWith('import.') ? h('p', {}, e.detail) : null);
    } else if (e?.message === 'no file') {
      fill(msg, t('import.noFile'));
    } else {
      fill(msg, t('import.unreadable'));
    }
  }

  check.addEventListener('click', () => busy(check, t('import.checking'), async () => {
    fill(msg); msg.className = 'form-msg'; fill(out); run.disabled = true;
    try {
      await prepare();
      const r = await api('POST', path(true), undefined, { raw: prepared.body, contentType: prepared.contentType });
      prepared.checked = r;
      fill(out, h('h2', {}, t('import.checkedTitle', { name: prepared.file.name })),
        prepared.sheet ? h('p', { class: 'hint' }, t('import.sheet', { sheet: prepared.sheet })) : null,
        summary(r, prepared.rowOf, false));
      msg.className = `form-msg ${r.error_count ? 'error' : 'ok'}`;
      fill(msg, r.error_count ? t('import.fixFirst', { n: formatCount(r.error_count) })
                              : t('import.ready', { n: formatCount(r.valid) }));
      run.disabled = !!r.error_count || !r.valid;
    } catch (e) {
      fail(e);
    }
  }));

  run.addEventListener('click', () => busy(run, t('import.running'), async () => {
    fill(msg); msg.className = 'form-msg';
    try {
      const r = await api('POST', path(false), undefined, { raw: prepared.body, contentType: prepared.contentType });
      fill(out, h('h2', {}, t('import.doneTitle')), summary(r, prepared.rowOf, true),
           h('p', {}, h('a', { href: '#/customers' }, t('import.toList'))));
      msg.className = 'form-msg ok';
      fill(msg, t('import.done', { n: formatCount(r.imported) }));
      prepared = null;
      file.value = '';
    } catch (e) {
      fail(e);
      if (e instanceof ApiError && e.code === 'import.rows_invalid') {
        fill(out, summary({ rows: 0, valid: 0, error_count: e.fieldErrors.length, errors: e.fieldErrors },
                          prepared?.rowOf, false));
      }
    }
    run.disabled = true;
  }));

  file.addEventListener('change', () => { prepared = null; run.disabled = true; fill(out); fill(msg); });
  charset.addEventListener('change', () => { run.disabled = true; });
  header.addEventListener('change', () => { run.disabled = true; });

  el.append(
    h('div', { class: 'page-head' }, h('div', {},
      h('p', { class: 'crumbs' }, h('a', { href: '#/customers' }, t('customers.title'))),
      h('h1', { tabindex: '-1' }, t('import.title')))),
    h('p', { class: 'hint' }, t('import.intro')),
    h('section', { class: 'card form' },
      h('div', { class: 'fields' },
        h('div', { class: 'field wide' }, h('label', { for: 'import-file', class: 'label' }, t('import.file')), file,
          h('p', { class: 'hint' }, t('import.fileHint'))),
        h('div', { class: 'field' }, h('label', { for: 'import-charset', class: 'label' }, t('import.charset')), charset),
        h('div', { class: 'field check' }, header, h('label', { for: 'import-header' }, t('import.header')))),
      msg, h('div', { class: 'actions' }, check, run)),
    out);
  el.querySelector('h1').focus();
}
