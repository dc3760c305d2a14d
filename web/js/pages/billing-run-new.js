// billing-run-new.js — 請求締めを行う: one billing group (締め日) and month,
// previewed first (試算: POST /api/v1/billing-runs with preview true —
// totals, contracts that cannot be billed and why, a sample of invoices;
// nothing is written), then committed (preview false) after a confirmation.
//
// The commit answers when the run is done; meanwhile the page finds the
// run in GET /api/v1/billing-runs (status running for this group and
// month) and follows it with GET /api/v1/billing-runs/{id}, so the
// progress bar grows batch by batch. A run interrupted (server restart)
// is simply committed again: only what is not billed yet gets billed.
// The group and month are in the URL (#/billing/runs/new?group=20&month=
// 2026-11), so a preview can be shared or reopened.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatCount, formatMonth, formatYen, todayJst } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { busy, confirm, notify, table } from '../lib/ui.js';

const POLL_MS = 400;

function monthOk(m) {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(m || '');
}

export function render(el, ctx) {
  ctx.title(t('run.newTitle'));
  const group0 = /^([1-9]|[12]\d|3[01])$/.test(ctx.query.group || '') ? ctx.query.group : '';
  const month0 = monthOk(ctx.query.month) ? ctx.query.month : todayJst().slice(0, 7);
  const out = h('div', { class: 'run-out', id: 'run-out', 'aria-live': 'polite' });
  let timer = 0;
  let alive = true;

  const f = form({
    cls: 'run-form',
    fields: [
      { name: 'billing_group', label: t('run.group'), type: 'number', min: 1, max: 31, step: 1, required: true,
        inputmode: 'numeric', hint: t('run.groupHint') },
      { name: 'month', label: t('run.month'), type: 'month', required: true, hint: t('run.monthHint') },
    ],
    values: { billing_group: group0, month: month0 },
    submitLabel: t('run.preview'),
    busyLabel: t('run.previewing'),
    codeFields: { 'billing.nothing_to_bill': 'month' },
    onSubmit: async (v) => {
      ctx.replace('/billing/runs/new', { group: v.billing_group, month: v.month });
      fill(out);
      const body = { billing_group: Number(v.billing_group), month: v.month, preview: true };
      const r = await api('POST', '/api/v1/billing-runs', body);
      if (!alive) return;
      showPreview(r, body);
    },
  });

  el.append(
    h('p', { class: 'crumbs' }, h('a', { href: '#/billing/runs' }, t('billing.title')), ' › ', t('run.newTitle')),
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('run.newTitle'))),
    h('p', { class: 'hint' }, t('run.intro')),
    h('section', { class: 'card' }, f.el), out);
  el.querySelector('h1').focus();
  if (group0 && ctx.query.month) f.submit.click(); // a shared link shows its preview

  function figures(r) {
    return h('div', { class: 'figures run-figures' }, [
      ['run.contracts', formatCount(r.contracts_total), 'contracts'],
      ['run.invoices', formatCount(r.totals?.invoices ?? r.invoices_created), 'invoices'],
      ['run.problems', formatCount(r.problems_count), 'problems'],
      ['billing.subtotal', formatYen(r.totals?.subtotal_yen), 'subtotal'],
      ['billing.tax', formatYen(r.totals?.tax_yen), 'tax'],
      ['billing.total', formatYen(r.totals?.total_yen), 'total'],
    ].map(([k, v, key]) => h('div', { class: 'figure-box', dataset: { figure: key } },
      h('span', { class: 'label' }, t(k)), h('strong', {}, v))));
  }

  function problems(r) {
    if (!r.problems?.length) return null;
    return h('section', { class: 'card run-problems' },
      h('h3', {}, t('run.problemsTitle', { n: formatCount(r.problems_count) })),
      h('p', { class: 'hint' }, t('run.problemsHint')),
      table({
        columns: [
          { label: t('customers.col.number'), cell: (p) => p.customer_number || '—' },
          { label: t('run.problemKind'), cell: (p) => h('span', { class: 'chip warn' }, t(`run.problem.${p.code}`)) },
          { label: t('run.problemText'), cell: (p) => p.message, wrap: true },
        ],
        rows: r.problems,
      }));
  }

  function sample(r) {
    if (!r.sample?.length) return null;
    return h('section', { class: 'card run-sample' }, h('h3', {}, t('run.sampleTitle', { n: r.sample.length })),
      table({
        columns: [
          { label: t('customers.col.number'), cell: (x) => x.customer?.number || '' },
          { label: t('customers.col.name'), cell: (x) => x.customer?.name || '', clip: true, cls: 'name-col' },
          { label: t('invoice.usage'), cell: (x) => (x.reading?.usage_m3 ? `${x.reading.usage_m3} m³` : ''), num: true },
          { label: t('billing.group.equipment'), cell: (x) => formatYen(
            (x.lines || []).filter((l) => l.kind === 'equipment').reduce((a, l) => a + l.amount_yen, 0)), num: true },
          { label: t('billing.tax'), cell: (x) => formatYen(x.tax_yen), num: true },
          { label: t('invoice.total'), cell: (x) => formatYen(x.total_yen), num: true },
        ],
        rows: r.sample,
      }));
  }

  function showPreview(r, body) {
    const commit = h('button', { type: 'button', class: 'primary', id: 'run-commit' }, t('run.commit'));
    const again = h('button', { type: 'button', onclick: () => { fill(out); f.fields.get('month').input.focus(); } },
                    t('run.redo'));
    const head = h('h2', { tabindex: '-1' }, t('run.previewTitle',
      { month: formatMonth(r.month), group: r.billing_group }));
    fill(out, h('section', { class: 'card run-preview', id: 'run-preview' },
      head, h('p', { class: 'hint' }, t('run.previewNote')), figures(r),
      can('billing.write') ? h('div', { class: 'actions left' }, commit, again) : null),
    problems(r), sample(r));
    head.focus();
    commit.addEventListener('click', async () => {
      const ok = await confirm(t('run.confirmTitle'), t('run.confirmText', {
        month: formatMonth(r.month), group: r.billing_group, n: formatCount(r.totals?.invoices ?? 0),
        total: formatYen(r.totals?.total_yen) }), t('run.commit'));
      if (!ok) return;
      await busy(commit, t('run.committing'), () => runCommit(body));
    });
  }

  // The commit with its progress bar.
  async function runCommit(body) {
    const bar = h('progress', { max: 1, value: 0, id: 'run-progress', 'aria-labelledby': 'run-progress-label' });
    const label = h('span', { id: 'run-progress-label' }, t('run.starting'));
    const title = h('h2', { tabindex: '-1' }, t('run.commitTitle', { month: formatMonth(body.month), group: body.billing_group }));
    const box = h('section', { class: 'card run-commit', id: 'run-commit-box', 'aria-busy': 'true' }, title,
      h('div', { class: 'run-progress' }, bar, label));
    fill(out, box);
    title.focus();
    let runId = 0;
    let done = false;
    const show = (run) => {
      bar.max = Math.max(1, run.contracts_total);
      bar.value = run.contracts_done;
      label.textContent = t('billing.progress', { done: formatCount(run.contracts_done),
                                                  total: formatCount(run.contracts_total) });
    };
    const poll = async () => {
      if (done || !alive) return;
      try {
        if (!runId) {
          const { billing_runs: runs } = await api('GET', '/api/v1/billing-runs');
          const mine = runs.find((x) => x.billing_group === body.billing_group && x.month === body.month
                                        && x.status === 'running');
          if (mine) runId = mine.id;
          if (mine && !done) show(mine);
        } else {
          const run = await api('GET', `/api/v1/billing-runs/${runId}`);
          if (!done) show(run);
        }
      } catch { /* progress is a courtesy: the commit's own answer decides */ }
      if (!done && alive) timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, POLL_MS);
    try {
      const r = await api('POST', '/api/v1/billing-runs', { ...body, preview: false });
      done = true;
      clearTimeout(timer);
      if (!alive) return;
      box.removeAttribute('aria-busy');
      title.textContent = t('run.commitDone', { month: formatMonth(body.month), group: body.billing_group });
      show({ contracts_done: r.contracts_done, contracts_total: r.contracts_total });
      const runLink = r.run_id ? `#/billing/invoices?run_id=${r.run_id}` : '#/billing/invoices';
      box.append(
        h('p', { class: 'form-msg ok', role: 'status', id: 'run-done' },
          t(r.invoices_created ? 'run.committed' : 'run.committedNone', { n: formatCount(r.invoices_created) })),
        figures(r),
        h('p', { class: 'links' },
          h('a', { class: 'button primary', href: runLink, id: 'run-invoices' }, t('run.openInvoices')),
          r.run_id ? h('a', { class: 'button', href: `/api/v1/billing-runs/${r.run_id}/statements.pdf`,
                               target: '_blank', rel: 'noopener' }, t('billing.pdf')) : null,
          h('a', { class: 'button', href: '#/billing/runs' }, t('run.backToList'))));
      box.append(problems(r) || '');
      notify('ok', t('run.committedNotice', { month: formatMonth(body.month), group: body.billing_group }));
    } catch (e) {
      done = true;
      clearTimeout(timer);
      if (!alive) return;
      box.removeAttribute('aria-busy');
      box.append(h('div', { class: 'msg error', role: 'alert' }, h('p', {}, problemText(e)),
        h('p', {}, t('run.commitFailed'))));
    }
  }

  return () => { alive = false; clearTimeout(timer); };
}
