// payments-imports.js — 明細の取込: the files the bank and the collection
// agent hand out, each first checked without writing (dry_run=true), then
// imported, all records or none:
//
//  * the bank's statement of transfers received (POST
//    /api/v1/imports/bank-transfers): 振込入金通知 (01) or 入出金取引明細
//    (03), 全銀 fixed-length records as the bank's service gives them.
//    Each transfer is matched by kana name and amount (posted at once) or
//    put on the review list; withdrawals, cash deposits and cancellations
//    are skipped; what was imported before is counted, not written again.
//    The summary says how many were posted, are to review, were skipped,
//    and links to the review list (振込の照合).
//  * convenience-store payments (POST /api/v1/imports/convenience-payments):
//    the agent's CSV (請求書番号・金額・入金日 or the slip's barcode).
//
// A file the API refuses is shown with each error's line and field (the
// record layout's name for the bank's file, the column for the CSV).
import { api, ApiError } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatCount, formatDate, formatYen } from '../lib/format.js';
import { has, problemText, t } from '../lib/i18n.js';
import { busy, pagedRows, table } from '../lib/ui.js';
import { payHead } from './payments-common.js';

const PAGE = 50;

function say(line, kind, ...nodes) {
  line.className = `form-msg ${kind}`.trim();
  fill(line, nodes);
}

function box(label, value, { cls = null, id = null } = {}) {
  return h('div', { class: 'figure-box' }, h('dt', {}, label), h('dd', { class: cls, id }, value));
}

// "振込依頼人名（payer_name）": the layout's field in words, its name beside.
function fieldName(prefix, f) {
  if (!f) return '—';
  return has(`${prefix}.${f}`) ? `${t(`${prefix}.${f}`)}（${f}）` : f;
}

// Rows held whole in the page, PAGE a page (the answer's list, ≤ 500).
function paged(slot, rows, build, page = 1) {
  const { slice, nav } = pagedRows(rows, page, PAGE, (p) => paged(slot, rows, build, p));
  fill(slot, build(slice), nav);
  return slot;
}

function errorsTable(errors, fieldPrefix) {
  return paged(h('div', { class: 'errors-slot' }), errors, (rows) => table({
    caption: t('imp.errors'), cls: 'imp-errors',
    columns: [
      { label: t('imp.col.line'), cell: (e) => (e.line ? String(e.line) : '—'), num: true },
      { label: t('imp.col.field'), cell: (e) => fieldName(fieldPrefix, e.field), clip: true },
      { label: t('imp.col.message'), cell: (e) => e.message || '', wrap: true },
    ],
    rows,
  }));
}

// ------------------------------------------------------------ the card

// One import: a file, check, import. o: { id, title, intro, accept, path,
// params() → more query parameters, contentType(file), summary(r, real),
// fieldPrefix, done(r) → the message after a real run }.
function importCard(o) {
  const fileId = `${o.id}-file`;
  const input = h('input', { type: 'file', id: fileId, accept: o.accept, 'aria-describedby': `${o.id}-hint` });
  const check = h('button', { type: 'button', class: 'primary', id: `${o.id}-check` }, t('imp.check'));
  const run = h('button', { type: 'button', id: `${o.id}-run`, disabled: true }, t('imp.run'));
  const msg = h('div', { class: 'form-msg', role: 'alert', id: `${o.id}-msg` });
  const out = h('div', { class: 'imp-out', 'aria-live': 'polite' });
  let checked = null; // the File a dry run accepted

  const send = async (dry) => {
    const file = input.files[0];
    if (!file) {
      say(msg, 'error', t('imp.noFile'));
      input.focus();
      return null;
    }
    const q = new URLSearchParams(o.params ? o.params() : {});
    if (dry) q.set('dry_run', 'true');
    try {
      return await api('POST', `${o.path}?${q}`, undefined, { raw: file, contentType: o.contentType(file) });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // the record (line) and the field at fault, when the API names them
      say(msg, 'error', h('p', {}, problemText(e)), e.detail ? h('p', { class: 'detail' }, e.detail) : null);
      fill(out, e.fieldErrors.some((x) => x.line) ? errorsTable(e.fieldErrors, o.fieldPrefix) : null);
      return null;
    }
  };

  check.addEventListener('click', () => busy(check, t('common.checking'), async () => {
    say(msg, '');
    fill(out);
    run.disabled = true;
    checked = null;
    const r = await send(true);
    if (!r) return;
    fill(out, h('h3', {}, t('imp.checkedTitle', { name: input.files[0]?.name || '' })), o.summary(r, false),
      r.error_count ? errorsTable(r.errors, o.fieldPrefix) : null);
    if (r.error_count) {
      say(msg, 'error', t('imp.fixFirst', { n: formatCount(r.error_count) }));
    } else if (!o.newCount(r)) {
      say(msg, 'info', t('imp.nothingNew'));
    } else {
      checked = input.files[0];
      say(msg, 'ok', t('imp.ready', { n: formatCount(o.newCount(r)) }));
      run.disabled = false;
      run.focus();
    }
  }));

  run.addEventListener('click', () => busy(run, t('imp.running'), async () => {
    say(msg, '');
    const r = await send(false);
    checked = null;
    if (!r) return;
    fill(out, h('h3', {}, t('imp.doneTitle')), o.summary(r, true));
    say(msg, 'ok', o.done(r));
    input.value = '';
  }).then(() => { run.disabled = !checked; }));

  input.addEventListener('change', () => { checked = null; run.disabled = true; fill(out); say(msg, ''); });

  return h('section', { class: 'card imp-card', id: o.id, 'aria-labelledby': `${o.id}-title` },
    h('h2', { id: `${o.id}-title` }, o.title),
    h('p', { class: 'hint' }, o.intro),
    h('div', { class: 'fields' },
      h('div', { class: 'field wide' }, h('label', { for: fileId, class: 'label' }, t('imp.file')), input,
        h('p', { class: 'hint', id: `${o.id}-hint` }, o.hint)),
      o.extra || null),
    msg, h('div', { class: 'actions' }, check, run), out);
}

// ------------------------------------------------------- bank statement

const ITEM_CHIP = { matched: 'ok', review: 'warn', duplicate: '', skipped: '' };

function bankItems(items) {
  return paged(h('div', {}), items, (rows) => table({
    caption: t('bankimp.items'), cls: 'bank-items',
    columns: [
      { label: t('imp.col.line'), cell: (x) => String(x.line), num: true },
      { label: t('bankimp.col.on'), cell: (x) => formatDate(x.received_on) },
      { label: t('bankimp.col.payer'), cell: (x) => clip(x.payer_name || ''), cls: 'name-col' },
      { label: t('bankimp.col.amount'), cell: (x) => formatYen(x.amount_yen), num: true },
      { label: t('bankimp.col.status'), cell: (x) => h('span', { class: `chip ${ITEM_CHIP[x.status] || ''}`.trim() },
        t(`bankimp.status.${x.status}`)) },
      { label: t('bankimp.col.reason'), cell: (x) => x.reason || '', wrap: true },
    ],
    rows, rowAttrs: (x) => ({ dataset: { status: x.status } }),
  }));
}

function bankSummary(r, real) {
  return h('div', { class: 'imp-summary', id: 'bank-summary', dataset: { real: real ? '1' : '0' } },
    h('p', {}, t(`bankimp.kind.${r.kind}`), '　', (r.accounts || []).map((a) => h('span', { class: 'chip' },
      t('bankimp.account', { bank: a.bank_code, branch: a.branch_code, acct: a.account_number,
                             from: formatDate(a.from), to: formatDate(a.to) })))),
    h('dl', { class: 'figures' },
      box(t('bankimp.records'), formatCount(r.records)),
      box(real ? t('bankimp.posted') : t('bankimp.toPost'), formatCount(r.matched), { id: 'bank-matched' }),
      box(t('bankimp.review'), formatCount(r.review), { cls: r.review ? 'warn' : null, id: 'bank-review' }),
      box(t('bankimp.skipped'), formatCount(r.skipped), { id: 'bank-skipped' }),
      box(t('bankimp.duplicates'), formatCount(r.duplicates), { id: 'bank-duplicates' }),
      box(t('bankimp.total'), formatYen(r.total_yen))),
    r.items?.length ? bankItems(r.items) : null,
    r.items_truncated ? h('p', { class: 'warn-line' }, t('imp.truncated', { n: formatCount(r.items.length) })) : null,
    real && r.review ? h('p', {}, h('a', { href: '#/payments/transfers?status=review', id: 'bank-to-review' },
      t('bankimp.toReview', { n: formatCount(r.review) }))) : null);
}

function bankCard() {
  return importCard({
    id: 'bank-import', title: t('bankimp.title'), intro: t('bankimp.intro'), hint: t('bankimp.hint'),
    accept: '.txt,.dat,.csv,text/plain,application/octet-stream',
    path: '/api/v1/imports/bank-transfers', contentType: () => 'application/octet-stream',
    fieldPrefix: 'bankimp.field', summary: bankSummary,
    newCount: (r) => r.imported,
    done: (r) => t('bankimp.done', { n: formatCount(r.imported), m: formatCount(r.matched), v: formatCount(r.review) }),
  });
}

// ------------------------------------------------- convenience stores

function cvsSummary(r, real) {
  return h('div', { class: 'imp-summary', id: 'cvs-summary' },
    h('dl', { class: 'figures' },
      box(t('cvsimp.rows'), formatCount(r.rows)),
      box(real ? t('cvsimp.imported') : t('cvsimp.valid'), formatCount(real ? r.imported : r.valid)),
      box(t('cvsimp.duplicates'), formatCount(r.duplicates)),
      box(t('cvsimp.errors'), formatCount(r.error_count), { cls: r.error_count ? 'bad' : null }),
      box(t('cvsimp.total'), formatYen(r.total_yen))),
    r.errors_truncated ? h('p', { class: 'warn-line' }, t('imp.truncated', { n: formatCount(r.errors.length) })) : null);
}

function cvsCard() {
  const charset = h('select', { id: 'cvs-charset' },
    ['auto', 'utf-8', 'shift_jis'].map((c) => h('option', { value: c }, t(`cvsimp.charset.${c}`))));
  return importCard({
    id: 'cvs-import', title: t('cvsimp.title'), intro: t('cvsimp.intro'), hint: t('cvsimp.hint'),
    accept: '.csv,.txt,text/csv', path: '/api/v1/imports/convenience-payments',
    params: () => ({ charset: charset.value }), contentType: () => 'text/csv',
    fieldPrefix: 'cvsimp.field', summary: cvsSummary,
    newCount: (r) => r.valid,
    done: (r) => t('cvsimp.done', { n: formatCount(r.imported), yen: formatYen(r.total_yen) }),
    extra: h('div', { class: 'field' }, h('label', { for: 'cvs-charset', class: 'label' }, t('cvsimp.charset')), charset),
  });
}

export function render(el, ctx) {
  payHead(el, ctx, t('imp.title'), t('imp.intro'));
  el.append(bankCard(), cvsCard());
}
