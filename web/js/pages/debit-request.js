// debit-request.js — one direct-debit request (GET
// /api/v1/debit-requests/{id}): its figures, its Zengin files and, in the
// order of the work:
//
//  1. download a file for the bank (GET …/file?file=n). The file holds
//     account numbers, so the API wants a fresh one-time code (403
//     auth.step_up_required): the step-up prompt asks for it and the
//     download is tried once more (ui.js withStepUp). Only roles holding
//     payments.debit_file see the button.
//  2. import the bank's result file (POST …/result, the file's bytes as
//     they came): first checked without writing (dry_run=true), then
//     imported; the answer is shown as a summary by result code (0
//     振替済 … 9 その他) with the failures and the follow-up each opened.
//     A file that does not answer this request is refused with the line
//     at fault; the same file again changes nothing and says so.
//  3. after an import, the failed lines (GET …/lines?status=failed) stay
//     on the page with their follow-ups.
//
// A request no result was imported for can be cancelled (with a reason).
import { api, ApiError } from '../lib/api.js';
import { download } from '../lib/download.js';
import { fill, h, uid } from '../lib/dom.js';
import { formatCount, formatDate, formatDateTime, formatYen } from '../lib/format.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { busy, dialog, facts, loadError, loading, notify, table, withStepUp } from '../lib/ui.js';
import { leftOut } from './debit-new.js';
import { statusChip } from './debit-requests.js';
import { RESULT_CODES, actionChip, customerCell, paymentsNav, resultName } from './payments-common.js';

// What a failed code asks for (as the API opens follow-ups).
const ACTION_OF = { 1: 'redebit', 2: 'transfer_slip', 4: 'transfer_slip', 3: 'contact', 8: 'contact', 9: 'contact' };

function say(line, kind, ...nodes) {
  line.className = `form-msg ${kind}`;
  fill(line, nodes);
}

// ------------------------------------------------------------ the figures

function figures(d) {
  const x = d.results;
  const box = (label, value, cls = null, id = null) =>
    h('div', { class: 'figure-box' }, h('dt', {}, label), h('dd', { class: cls, id }, value));
  return h('dl', { class: 'figures' },
    box(t('debit.lines'), formatCount(d.lines)),
    box(t('debit.amount'), formatYen(d.amount_yen)),
    box(t('debit.debited'), t('debit.countYen', { n: formatCount(x.debited_count), yen: formatYen(x.debited_yen) }), null, 'debit-debited'),
    box(t('debit.failed'), t('debit.countYen', { n: formatCount(x.failed_count), yen: formatYen(x.failed_yen) }),
        x.failed_count ? 'bad' : null, 'debit-failed'),
    box(t('debit.pending'), formatCount(x.pending_count)));
}

function about(d) {
  return facts([
    [t('debit.debitOn'), formatDate(d.debit_on)],
    [t('debit.runs'), d.runs.map((r) => t('debit.runNo', { n: r })).join('、')],
    [t('debit.bankCode'), d.bank_code || t('debit.allBanks')],
    [t('debit.filesMode'), t(`debit.filesMode.${d.files_mode}`)],
    [t('debit.lineEnding'), t(`debit.lineEnding.${d.line_ending}`)],
    [t('debit.createdAt'), formatDateTime(d.created_at)],
    d.status === 'cancelled' ? [t('debit.cancelledAt'), `${formatDateTime(d.cancelled_at)}　${d.cancel_reason || ''}`] : null,
  ]);
}

// ------------------------------------------------------------ the files

function filesTable(d, onDownload) {
  const mayDownload = can('payments.debit_file') && d.status !== 'cancelled';
  return table({
    cls: 'debit-files', caption: t('debit.files'),
    columns: [
      { label: t('debit.col.file'), cell: (f) => String(f.file_no), num: true },
      { label: t('debit.col.bank'), cell: (f) => f.bank_code || t('debit.allBanks') },
      { label: t('debit.col.lines'), cell: (f) => formatCount(f.lines), num: true },
      { label: t('debit.col.amount'), cell: (f) => formatYen(f.amount_yen), num: true },
      { label: t('debit.col.bytes'), cell: (f) => t('debit.bytes', { n: formatCount(f.bytes) }), num: true },
      { label: t('debit.col.downloads'), cell: (f) => (f.downloads
        ? t('debit.downloadsAt', { n: f.downloads, at: formatDateTime(f.last_download_at) }) : t('debit.notDownloaded')) },
      { label: t('debit.col.result'), cell: (f) => (f.result
        ? h('span', { class: 'chip ok' }, t('debit.resultIn')) : h('span', { class: 'chip' }, t('debit.resultWaiting'))) },
      { label: t('debit.col.actions'), cell: (f) => (mayDownload ? h('button', {
        type: 'button', class: 'small', id: `debit-download-${f.file_no}`,
        onclick: (ev) => onDownload(ev.currentTarget, f.file_no),
      }, t('debit.download')) : '—') },
    ],
    rows: d.files,
  });
}

// ---------------------------------------------------- the result summary

// One row per result code (all seven, so a zero is seen as a zero).
function byCodeTable(rows) {
  const of = new Map(rows.map((r) => [r.code, r]));
  return table({
    cls: 'debit-codes', caption: t('debit.byCode'),
    columns: [
      { label: t('debit.col.code'), cell: (c) => String(c), num: true },
      { label: t('debit.col.codeName'), cell: (c) => resultName(c) },
      { label: t('debit.col.count'), cell: (c) => formatCount(of.get(c)?.count || 0), num: true },
      { label: t('debit.col.amount'), cell: (c) => formatYen(of.get(c)?.amount_yen || 0), num: true },
      { label: t('debit.col.followup'), cell: (c) => (c === 0 ? t('debit.paidEntry') : actionChip(ACTION_OF[c])) },
    ],
    rows: RESULT_CODES,
    rowAttrs: (c) => ({ class: of.get(c)?.count ? `code-${c}` : `code-${c} zero`, dataset: { code: c } }),
  });
}

function failuresTable(rows, caption) {
  return table({
    cls: 'debit-failures', caption,
    columns: [
      { label: t('debit.col.line'), cell: (f) => String(f.line), num: true },
      { label: t('debit.col.customer'), cell: (f) => customerCell(f.customer) },
      { label: t('debit.col.invoice'), cell: (f) => String(f.invoice_number), num: true },
      { label: t('debit.col.amount'), cell: (f) => formatYen(f.amount_yen), num: true },
      { label: t('debit.col.codeName'), cell: (f) => `${f.result_code} ${resultName(f.result_code)}` },
      { label: t('debit.col.followup'), cell: (f) => h('a', {
        href: `#/payments/followups?customer_id=${f.customer.id}`,
      }, actionChip(f.action || ACTION_OF[f.result_code])) },
    ],
    rows, empty: t('debit.noFailures'),
  });
}

function summary(r) {
  // a file imported before is answered with its figures, dry run or not
  const dry = r.dry_run && !r.already_imported;
  const title = r.already_imported ? t('debit.againTitle') : dry ? t('debit.checkedTitle') : t('debit.importedTitle');
  return h('div', { id: 'debit-summary', class: dry ? 'dry' : 'done' },
    h('h3', {}, title),
    h('dl', { class: 'figures' },
      h('div', { class: 'figure-box' }, h('dt', {}, t('debit.records')), h('dd', {}, formatCount(r.records))),
      h('div', { class: 'figure-box' }, h('dt', {}, t('debit.debited')),
        h('dd', {}, t('debit.countYen', { n: formatCount(r.debited.count), yen: formatYen(r.debited.amount_yen) }))),
      h('div', { class: 'figure-box' }, h('dt', {}, t('debit.failed')),
        h('dd', { class: r.failed.count ? 'bad' : null },
          t('debit.countYen', { n: formatCount(r.failed.count), yen: formatYen(r.failed.amount_yen) })))),
    byCodeTable(r.by_code),
    r.failures.length ? failuresTable(r.failures, dry ? t('debit.failuresToBe') : t('debit.failuresOpened')) : null,
    r.failures_truncated ? h('p', { class: 'warn-line' }, t('debit.failuresTruncated', { n: formatCount(r.failures.length) })) : null,
    !dry && r.failed.count
      ? h('p', {}, h('a', { href: '#/payments/followups?status=open', id: 'debit-to-followups' }, t('debit.toFollowups'))) : null);
}

// ------------------------------------------------------------ import

function importCard(d, onDone) {
  const input = h('input', { type: 'file', id: 'debit-result-file', accept: '.txt,.dat,text/plain,application/octet-stream',
                             'aria-describedby': 'debit-result-hint' });
  const several = d.files.length > 1;
  const which = several ? h('select', { id: 'debit-result-no' },
    h('option', { value: '' }, t('debit.fileAuto')),
    d.files.map((f) => h('option', { value: f.file_no }, t('debit.fileOf', { n: f.file_no, bank: f.bank_code || t('debit.allBanks') })))) : null;
  const check = h('button', { type: 'button', class: 'primary', id: 'debit-result-check' }, t('debit.resultCheck'));
  const run = h('button', { type: 'button', id: 'debit-result-import', disabled: true }, t('debit.resultImport'));
  const msg = h('div', { class: 'form-msg', role: 'alert', id: 'debit-result-msg' });
  const out = h('div', { 'aria-live': 'polite' });
  let checked = null; // the File a dry run accepted

  const send = async (dry) => {
    const file = input.files[0];
    if (!file) {
      say(msg, 'error', t('debit.noFile'));
      input.focus();
      return null;
    }
    const q = new URLSearchParams();
    if (dry) q.set('dry_run', 'true');
    if (which?.value) q.set('file', which.value);
    const qs = q.toString();
    try {
      return { file, r: await api('POST', `/api/v1/debit-requests/${d.id}/result${qs ? `?${qs}` : ''}`, undefined,
                                  { raw: file, contentType: 'application/octet-stream' }) };
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      // the reader and the matcher name the line and field at fault
      say(msg, 'error', h('p', {}, problemText(e)), e.detail ? h('p', { class: 'detail' }, e.detail) : null);
      return null;
    }
  };

  check.addEventListener('click', () => busy(check, t('common.checking'), async () => {
    say(msg, '');
    fill(out);
    run.disabled = true;
    const x = await send(true);
    if (!x) return;
    checked = x.file;
    fill(out, summary(x.r));
    if (x.r.already_imported) {
      say(msg, 'info', t('debit.alreadyImported'));
    } else {
      say(msg, 'ok', t('debit.readyToImport', { n: formatCount(x.r.records) }));
      run.disabled = false;
      run.focus();
    }
  }));

  run.addEventListener('click', () => busy(run, t('debit.importing'), async () => {
    say(msg, '');
    const x = await send(false);
    if (!x) return;
    fill(out, summary(x.r));
    say(msg, x.r.already_imported ? 'info' : 'ok', x.r.already_imported ? t('debit.alreadyImported')
      : t('debit.imported', { n: formatCount(x.r.debited.count), f: formatCount(x.r.failed.count) }));
    checked = null;
    input.value = '';
    onDone();
  }).then(() => { run.disabled = !checked; }));

  input.addEventListener('change', () => { checked = null; run.disabled = true; fill(out); say(msg, ''); });
  which?.addEventListener('change', () => { checked = null; run.disabled = true; });

  return h('section', { class: 'card', id: 'debit-import', 'aria-labelledby': 'debit-import-title' },
    h('h2', { id: 'debit-import-title' }, t('debit.resultTitle')),
    h('div', { class: 'fields' },
      h('div', { class: 'field wide' }, h('label', { for: 'debit-result-file', class: 'label' }, t('debit.resultFile')), input,
        h('p', { class: 'hint', id: 'debit-result-hint' }, t('debit.resultHint'))),
      several ? h('div', { class: 'field' }, h('label', { for: 'debit-result-no', class: 'label' }, t('debit.resultWhich')), which) : null),
    msg, h('div', { class: 'actions' }, check, run), out);
}

// ------------------------------------------------------ failed lines

async function failedLines(slot, id, after = 0, shown = []) {
  const q = new URLSearchParams({ status: 'failed', limit: '200' });
  if (after) q.set('after', String(after));
  try {
    const r = await api('GET', `/api/v1/debit-requests/${id}/lines?${q}`);
    const rows = [...shown, ...r.lines];
    const more = r.next_after ? h('button', { type: 'button', onclick: (ev) => busy(ev.currentTarget, t('common.loading'),
      () => failedLines(slot, id, r.next_after, rows)) }, t('debit.moreFailures')) : null;
    fill(slot, h('h2', {}, t('debit.failedLines', { n: formatCount(rows.length) })),
      failuresTable(rows.map((l) => ({ ...l, action: null })), ''), more);
  } catch (e) {
    if (e?.status === undefined) throw e;
    fill(slot, loadError(e, () => failedLines(slot, id)));
  }
}

// ------------------------------------------------------------ cancel

function cancelDialog(d, onDone) {
  const id = uid('reason');
  const reason = h('textarea', { id, rows: 3, maxlength: 200, required: true, 'aria-describedby': `${id}-err` });
  const err = h('p', { id: `${id}-err`, class: 'field-error', role: 'alert' });
  dialog({
    title: t('debit.cancelTitle', { n: d.id }),
    body: [h('p', {}, t('debit.cancelText')),
           h('label', { class: 'field', for: id }, h('span', { class: 'label' }, t('debit.cancelReason')), reason), err],
    actions: [{ label: t('common.cancel') }, {
      label: t('debit.cancelDo'), kind: 'primary',
      onClick: async (close, button) => {
        err.textContent = '';
        if (!reason.value.trim()) { err.textContent = t('form.requiredField'); reason.focus(); return; }
        try {
          await busy(button, t('common.saving'), () => api('POST', `/api/v1/debit-requests/${d.id}/cancel`, { reason: reason.value.trim() }));
          close('ok');
          notify('ok', t('debit.cancelled', { n: d.id }));
          onDone();
        } catch (e) {
          err.textContent = e instanceof ApiError ? (e.fieldErrors[0]?.message || problemText(e)) : t('error.unexpected');
        }
      },
    }],
    onOpen: () => reason.focus(),
  });
}

// ------------------------------------------------------------ the page

export function render(el, ctx) {
  const id = ctx.params.id;
  const title = t('debit.requestTitle', { n: id });
  ctx.title(title);
  const head = h('div', { class: 'page-head' },
    h('div', {}, h('p', { class: 'crumbs' }, h('a', { href: '#/payments/debits' }, t('debit.title'))),
      h('h1', { tabindex: '-1' }, title, ' ', h('span', { class: 'status-slot' }))),
    h('div', { class: 'page-actions' }));
  const top = h('div', {});
  const dlMsg = h('div', { class: 'form-msg', role: 'status', id: 'debit-download-msg' });
  const importSlot = h('div', {});
  const failedSlot = h('section', { class: 'card', id: 'debit-failed-lines', hidden: true });
  const left = h('div', {});
  el.append(paymentsNav(ctx.path), head, top, dlMsg, importSlot, failedSlot, left);
  el.querySelector('h1').focus();
  let first = true;

  async function onDownload(button, fileNo) {
    say(dlMsg, '');
    await busy(button, t('debit.downloading'), async () => {
      try {
        const r = await withStepUp(() => download(`/api/v1/debit-requests/${id}/file?file=${fileNo}`,
                                                   `debit-${id}-${fileNo}.txt`));
        if (!r) { say(dlMsg, 'warn', t('debit.downloadCancelled')); return; }
        say(dlMsg, 'ok', t('debit.downloaded', { name: r.name, n: formatCount(r.headers.get('X-Debit-Records') || 0) }));
        refresh();
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        say(dlMsg, 'error', problemText(e));
      }
    });
  }

  async function refresh() {
    if (first) fill(top, loading());
    let d;
    try {
      d = await api('GET', `/api/v1/debit-requests/${id}`);
    } catch (e) {
      if (e?.status === undefined) throw e;
      fill(top, loadError(e, refresh));
      return;
    }
    if (!ctx.alive()) return;
    fill(head.querySelector('.status-slot'), statusChip(d.status));
    const acts = head.querySelector('.page-actions');
    fill(acts, d.status === 'created' && can('payments.write')
      ? h('button', { type: 'button', id: 'debit-cancel', onclick: () => cancelDialog(d, refresh) }, t('debit.cancel')) : null);
    fill(top, figures(d), about(d), filesTable(d, onDownload));
    if (first) {
      // built once: what the user is doing in it survives a refresh
      if (d.status !== 'cancelled' && d.status !== 'imported' && can('payments.write')) {
        fill(importSlot, importCard(d, refresh));
      }
      fill(left, (d.problem_count || d.skipped_count) ? h('section', { class: 'card' }, leftOut(d)) : null);
      first = false;
    }
    if (d.results.failed_count) {
      failedSlot.hidden = false;
      failedLines(failedSlot, id);
    }
  }
  refresh();
}
