// cost-adjustments.js — 原料費調整: the monthly adjustment per m³ that
// billing runs and quotes add to every m³ of a reading dated in the month
// (GET /api/v1/cost-adjustments), and how it is worked out.
//
//  * 月ごとの調整額: newest month first, 12 a page (?page= in the URL);
//    "変更" on a row puts the month into the entry form.
//  * 調整額を入力 (billing.write): PUT /cost-adjustments/{month} — yen per
//    m³ (−1,000 to 1,000, two decimals), 税込/税抜; the month's value is
//    replaced. Issued invoices keep theirs.
//  * 参照価格から計算: POST /cost-adjustments/{month}/compute with the
//    tenant's formula — 試算 (dry run, billing.read) or 計算して登録
//    (billing.write); the working is shown (source months, average raw
//    price, exact value, dead band, the result and whether it was stored).
//    A source month without reference prices is named at the month with a
//    button that opens its entry.
//  * 参照価格: CP, MB, TTS, freight by month (GET /cost-references, ?rpage=),
//    entered or replaced with PUT /cost-references/{month}.
//  * 算定式: GET/PUT /cost-formula; changing it changes no stored month.
// The month given as ?month=YYYY-MM prefills the forms.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatDateTime, formatMonth, todayJst } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { facts, loadInto, notify, pagedRows, table } from '../lib/ui.js';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

// "-5.00" → "−5.00円/m³"; "15.00" → "+15.00円/m³".
export function perM3(s) {
  if (s === null || s === undefined || s === '') return '';
  const n = Number(s);
  const sign = n < 0 ? '−' : n > 0 ? '+' : '';
  return t('cost.perM3', { sign, v: Math.abs(n).toLocaleString('ja-JP', { minimumFractionDigits: 2 }) });
}

// A decimal as typed: full-width digits, signs and commas made plain.
function plainNumber(s) {
  return String(s ?? '').trim()
    .replace(/[０-９．－]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[−ー‐]/g, '-').replace(/,/g, '');
}

// "85000.00" → "85000" in an input (what a user would type); "0.50" kept.
function trim00(s) {
  return String(s).replace(/\.00$/, '');
}

function nextMonth(ym) {
  const [y, m] = ym.split('-').map(Number);
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
}

// "92850.00" → 92,850円/t.
function perT(s) {
  return t('cost.yenPerT', { v: Number(s).toLocaleString('ja-JP', { maximumFractionDigits: 2 }) });
}

function whoName(s) {
  return s === 'seed' ? t('cost.bySeed') : s;
}

export function render(el, ctx) {
  ctx.title(t('cost.title'));
  const write = can('billing.write');
  const month = MONTH.test(ctx.query.month || '') ? ctx.query.month : '';
  const setQuery = (q) => ctx.go('/billing/cost-adjustments', { ...ctx.query, ...q });

  const adjBox = h('div', { id: 'cost-list' });
  const refBox = h('div', { id: 'ref-list' });
  const formulaBox = h('div', { id: 'formula-box' });
  const result = h('div', { id: 'cost-result', 'aria-live': 'polite' });

  const entry = write ? entryForm() : null;
  const refs = write ? refForm() : null;
  const compute = computeForm();

  el.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, t('cost.title'))),
    h('p', { class: 'hint' }, t('cost.intro')),
    h('div', { class: write ? 'two-col cost-body' : 'cost-body' },
      entry ? h('section', { class: 'card', id: 'cost-entry', 'aria-labelledby': 'cost-entry-h' },
        h('h2', { id: 'cost-entry-h' }, t('cost.entryTitle')), h('p', { class: 'hint' }, t('cost.entryIntro')),
        entry.el) : null,
      h('section', { class: 'card', id: 'cost-compute', 'aria-labelledby': 'cost-compute-h' },
        h('h2', { id: 'cost-compute-h' }, t('cost.computeTitle')),
        h('p', { class: 'hint' }, t(write ? 'cost.computeIntro' : 'cost.computeIntroRead')),
        compute.el, result)),
    h('section', { class: 'card', 'aria-labelledby': 'cost-list-h' },
      h('h2', { id: 'cost-list-h' }, t('cost.listTitle')), adjBox),
    h('section', { class: 'card', id: 'cost-refs', 'aria-labelledby': 'ref-h' },
      h('h2', { id: 'ref-h' }, t('ref.title')), h('p', { class: 'hint' }, t('ref.intro')), refBox,
      refs ? h('details', { id: 'ref-entry' }, h('summary', {}, t('ref.entryTitle')), refs.el) : null),
    h('section', { class: 'card', id: 'cost-formula', 'aria-labelledby': 'formula-h' },
      h('h2', { id: 'formula-h' }, t('formula.title')), h('p', { class: 'hint' }, t('formula.intro')), formulaBox));
  el.querySelector('h1').focus();

  const loadAdjustments = () => loadInto(adjBox, () => api('GET', '/api/v1/cost-adjustments'), ({ adjustments }) => {
    const { slice, nav } = pagedRows(adjustments, ctx.query.page, 12, (p) => setQuery({ page: p > 1 ? p : '' }));
    return [table({
      cls: 'cost-table',
      columns: [
        { label: t('cost.month'), cell: (a) => formatMonth(a.month) },
        { label: t('cost.value'), num: true, cell: (a) => h('span', { dataset: { perM3: a.per_m3 } }, perM3(a.per_m3)) },
        { label: t('cost.tax'), cell: (a) => t(a.tax_included ? 'tariff.taxIn' : 'tariff.taxOut') },
        { label: t('cost.source'), cell: (a) => h('span', { class: `chip ${a.source === 'formula' ? 'matched' : ''}` },
          t(`cost.source.${a.source}`)) },
        { label: t('cost.setAt'), cell: (a) => formatDateTime(a.created_at) },
        { label: t('cost.setBy'), cell: (a) => whoName(a.created_by), clip: true },
        write ? { label: h('span', { class: 'sr-only' }, t('cost.change')), cell: (a) => h('button', {
          type: 'button', class: 'small', 'aria-label': t('cost.changeOf', { month: formatMonth(a.month) }),
          onclick: () => {
            entry.setValues({ month: a.month, per_m3: a.per_m3, tax_included: String(a.tax_included) });
            entry.clearErrors();
            entry.fields.get('per_m3').input.focus();
          } }, t('cost.change')) } : null,
      ].filter(Boolean),
      rows: slice, empty: t('cost.none'),
      rowAttrs: (a) => ({ dataset: { month: a.month } }),
    }), nav];
  });

  const loadRefs = () => loadInto(refBox, () => api('GET', '/api/v1/cost-references'), ({ references }) => {
    const { slice, nav } = pagedRows(references, ctx.query.rpage, 12, (p) => setQuery({ rpage: p > 1 ? p : '' }));
    return [table({
      cls: 'ref-table',
      columns: [
        { label: t('cost.month'), cell: (r) => formatMonth(r.month) },
        { label: t('ref.cp'), num: true, cell: (r) => r.cp_usd_per_t },
        { label: t('ref.mb'), num: true, cell: (r) => r.mb_usd_per_t ?? '—' },
        { label: t('ref.tts'), num: true, cell: (r) => r.tts_yen_per_usd },
        { label: t('ref.freight'), num: true, cell: (r) => r.freight_usd_per_t },
        { label: t('cost.setAt'), cell: (r) => formatDateTime(r.updated_at) },
        write ? { label: h('span', { class: 'sr-only' }, t('cost.change')), cell: (r) => h('button', {
          type: 'button', class: 'small', 'aria-label': t('ref.changeOf', { month: formatMonth(r.month) }),
          onclick: () => openRef(r.month, r) }, t('cost.change')) } : null,
      ].filter(Boolean),
      rows: slice, empty: t('ref.none'),
      rowAttrs: (r) => ({ dataset: { month: r.month } }),
    }), nav];
  });

  const loadFormula = () => loadInto(formulaBox, () => api('GET', '/api/v1/cost-formula'), ({ formula }) =>
    [formula ? formulaFacts(formula) : h('p', { class: 'empty', id: 'formula-none' }, t('formula.none')),
     write ? formulaForm(formula) : null]);

  loadAdjustments();
  loadRefs();
  loadFormula();
  const first = month || nextMonth(todayJst().slice(0, 7));
  entry?.setValues({ month: first });
  compute.setValues({ month: first });

  // ------------------------------------------------------------ forms

  function entryForm() {
    return form({
      cls: 'cost-entry',
      fields: [
        { name: 'month', label: t('cost.month'), type: 'month', required: true },
        { name: 'per_m3', label: t('cost.valueLabel'), inputmode: 'decimal', maxlength: 9, required: true,
          hint: t('cost.valueHint') },
        { name: 'tax_included', label: t('tariff.taxIncluded'), type: 'select',
          options: [['true', t('tariff.taxIn')], ['false', t('tariff.taxOut')]] },
      ],
      values: { tax_included: 'true' },
      submitLabel: t('cost.save'),
      busyLabel: t('common.saving'),
      onSubmit: async (v, f) => {
        if (!MONTH.test(v.month)) { f.fields.get('month').setError(t('cost.monthFormat')); return false; }
        const a = await api('PUT', `/api/v1/cost-adjustments/${v.month}`,
          { per_m3: plainNumber(v.per_m3), tax_included: v.tax_included !== 'false' });
        f.message('ok', h('p', {}, t('cost.saved', { month: formatMonth(a.month), v: perM3(a.per_m3) })));
        notify('ok', t('cost.saved', { month: formatMonth(a.month), v: perM3(a.per_m3) }));
        loadAdjustments();
        return true;
      },
    });
  }

  function computeForm() {
    const store = write ? h('button', { type: 'button', id: 'cost-compute-store' }, t('cost.computeStore')) : null;
    const f = form({
      cls: 'cost-compute',
      fields: [{ name: 'month', label: t('cost.billingMonth'), type: 'month', required: true,
                 hint: t('cost.billingMonthHint') }],
      submitLabel: t('cost.dryRun'),
      busyLabel: t('cost.computing'),
      onSubmit: (v) => run(v, true),
      actions: [store],
    });
    // the dry run is the form's own submit; storing is the second button
    // (the same checks, then POST without dry_run)
    store?.addEventListener('click', async () => {
      f.clearErrors();
      const v = f.values();
      if (!String(v.month).trim()) {
        f.fields.get('month').setError(t('form.requiredField'));
        f.fields.get('month').input.focus();
        return;
      }
      const label = store.textContent;
      store.disabled = true;
      store.setAttribute('aria-busy', 'true');
      store.textContent = t('cost.computing');
      try {
        await run(v, false);
      } catch (e) {
        if (e?.status === undefined) throw e;
        f.showProblem(e);
      } finally {
        store.disabled = false;
        store.removeAttribute('aria-busy');
        store.textContent = label;
      }
    });

    async function run(v, dry) {
      const mf = f.fields.get('month');
      if (!MONTH.test(v.month)) { mf.setError(t('cost.monthFormat')); mf.input.focus(); return false; }
      fill(result);
      try {
        const r = await api('POST', `/api/v1/cost-adjustments/${v.month}/compute`, { dry_run: dry });
        fill(result, working(r));
        if (r.stored) {
          notify('ok', t('cost.computedStored', { month: formatMonth(r.month), v: perM3(r.per_m3) }));
          loadAdjustments();
        }
        return true;
      } catch (e) {
        if (e?.status === undefined) throw e;
        if (e.code === 'billing.cost_reference_missing') {
          const m = /(\d{4}-\d{2})/.exec(e.detail || '')?.[1];
          f.clearErrors();
          const text = m ? t('cost.refMissing', { month: formatMonth(m) }) : problemText(e);
          mf.setError(text);
          f.message('error', h('p', {}, text), m && write ? h('button', { type: 'button', id: 'ref-missing-open',
            onclick: () => openRef(m) }, t('cost.refMissingOpen', { month: formatMonth(m) })) : null);
          mf.input.focus();
          return false;
        }
        throw e;
      }
    }
    return f;
  }

  // The working of a computation.
  function working(r) {
    const fm = r.formula;
    return h('div', { class: `cost-working ${r.stored ? 'stored' : 'dry'}` },
      h('p', { class: 'cost-answer', id: 'cost-answer' },
        t('cost.answerFor', { month: formatMonth(r.month) }), ' ',
        h('strong', { dataset: { perM3: r.per_m3 } }, perM3(r.per_m3)), ' ',
        h('span', { class: `chip ${r.stored ? 'ok' : 'warn'}`, id: 'cost-stored' },
          t(r.stored ? 'cost.stored' : 'cost.notStored'))),
      facts([
        r.period_month !== r.month ? [t('cost.periodMonth'), formatMonth(r.period_month)] : null,
        [t('cost.rawPrice'), perT(r.raw_yen_per_t)],
        [t('formula.base'), perT(r.base_yen_per_t)],
        [t('cost.exact'), perM3(r.exact_per_m3)],
        [t('cost.deadBand'), r.dead_band_applied ? t('cost.deadBandApplied', { v: fm.dead_band }) : t('cost.deadBandNo')],
        [t('cost.rounded'), t('cost.roundedTo', { step: fm.step, how: t(`formula.rounding.${fm.rounding}`) })],
        [t('cost.tax'), t(r.tax_included ? 'tariff.taxIn' : 'tariff.taxOut')],
      ]),
      table({
        caption: t('cost.sources'), cls: 'ref-table',
        columns: [
          { label: t('cost.month'), cell: (s) => formatMonth(s.month) },
          { label: t('ref.cpShort'), num: true, cell: (s) => s.cp_usd_per_t },
          { label: t('ref.mbShort'), num: true, cell: (s) => s.mb_usd_per_t ?? '—' },
          { label: t('ref.ttsShort'), num: true, cell: (s) => s.tts_yen_per_usd },
          { label: t('ref.freightShort'), num: true, cell: (s) => s.freight_usd_per_t },
        ],
        rows: r.sources,
      }));
  }

  function refForm() {
    return form({
      cls: 'ref-form',
      fields: [
        { name: 'month', label: t('cost.month'), type: 'month', required: true },
        { name: 'cp_usd_per_t', label: t('ref.cp'), inputmode: 'decimal', maxlength: 10, required: true,
          hint: t('ref.usdHint') },
        { name: 'mb_usd_per_t', label: t('ref.mb'), inputmode: 'decimal', maxlength: 10, hint: t('ref.mbHint') },
        { name: 'tts_yen_per_usd', label: t('ref.tts'), inputmode: 'decimal', maxlength: 10, required: true,
          hint: t('ref.ttsHint') },
        { name: 'freight_usd_per_t', label: t('ref.freight'), inputmode: 'decimal', maxlength: 10,
          hint: t('ref.freightHint') },
      ],
      submitLabel: t('ref.save'),
      busyLabel: t('common.saving'),
      onSubmit: async (v, f) => {
        if (!MONTH.test(v.month)) { f.fields.get('month').setError(t('cost.monthFormat')); return false; }
        const b = { cp_usd_per_t: plainNumber(v.cp_usd_per_t), tts_yen_per_usd: plainNumber(v.tts_yen_per_usd) };
        if (plainNumber(v.mb_usd_per_t)) b.mb_usd_per_t = plainNumber(v.mb_usd_per_t);
        if (plainNumber(v.freight_usd_per_t)) b.freight_usd_per_t = plainNumber(v.freight_usd_per_t);
        const r = await api('PUT', `/api/v1/cost-references/${v.month}`, b);
        f.message('ok', h('p', {}, t('ref.saved', { month: formatMonth(r.month) })));
        notify('ok', t('ref.saved', { month: formatMonth(r.month) }));
        loadRefs();
        return true;
      },
    });
  }

  // Open the reference entry for a month (a row's "変更", or the month a
  // computation lacked).
  function openRef(m, r = null) {
    const d = el.querySelector('#ref-entry');
    if (!d || !refs) return;
    d.open = true;
    refs.clearErrors();
    refs.setValues({ month: m, cp_usd_per_t: r?.cp_usd_per_t ?? '', mb_usd_per_t: r?.mb_usd_per_t ?? '',
                     tts_yen_per_usd: r?.tts_yen_per_usd ?? '', freight_usd_per_t: r?.freight_usd_per_t ?? '' });
    refs.fields.get('cp_usd_per_t').input.focus();
    d.scrollIntoView({ block: 'nearest' });
  }

  function formulaFacts(fm) {
    return h('div', { id: 'formula-facts' }, facts([
      [t('formula.base'), perT(fm.base_yen_per_t)],
      [t('formula.weights'), t('formula.weightsOf', { cp: fm.cp_weight, mb: fm.mb_weight })],
      [t('formula.conversion'), `${fm.conversion_m3_per_kg} m³/kg`],
      [t('formula.step'), t('formula.stepOf', { v: fm.step })],
      [t('formula.deadBand'), t('formula.stepOf', { v: fm.dead_band })],
      [t('formula.rounding'), t(`formula.rounding.${fm.rounding}`)],
      [t('formula.lag'), t('formula.lagOf', { n: fm.lag_months })],
      [t('formula.average'), t(`formula.average.${fm.average_months}`)],
      [t('formula.period'), t(`formula.period.${fm.period_months}`)],
      [t('cost.tax'), t(fm.tax_included ? 'tariff.taxIn' : 'tariff.taxOut')],
    ]));
  }

  function formulaForm(fm) {
    const num = (name, label, hint, extra = {}) => ({ name, label, inputmode: 'decimal', maxlength: 12, hint, ...extra });
    const f = form({
      cls: 'formula-form',
      fields: [
        num('base_yen_per_t', t('formula.base'), t('formula.baseHint'), { required: true }),
        num('cp_weight', t('formula.cpWeight'), t('formula.weightHint'), { inputmode: 'numeric', maxlength: 3 }),
        num('mb_weight', t('formula.mbWeight'), null, { inputmode: 'numeric', maxlength: 3 }),
        num('conversion_m3_per_kg', t('formula.conversion'), t('formula.conversionHint')),
        num('step', t('formula.step'), t('formula.stepHint')),
        num('dead_band', t('formula.deadBand'), t('formula.deadBandHint')),
        { name: 'rounding', label: t('formula.rounding'), type: 'select',
          options: ['down', 'half_up', 'up'].map((x) => [x, t(`formula.rounding.${x}`)]) },
        num('lag_months', t('formula.lag'), t('formula.lagHint'), { inputmode: 'numeric', maxlength: 2 }),
        { name: 'average_months', label: t('formula.average'), type: 'select',
          options: [['1', t('formula.average.1')], ['2', t('formula.average.2')]] },
        { name: 'period_months', label: t('formula.period'), type: 'select',
          options: [['1', t('formula.period.1')], ['2', t('formula.period.2')]] },
        { name: 'tax_included', label: t('tariff.taxIncluded'), type: 'select',
          options: [['true', t('tariff.taxIn')], ['false', t('tariff.taxOut')]] },
      ],
      values: {
        base_yen_per_t: trim00(fm?.base_yen_per_t ?? ''), cp_weight: fm?.cp_weight ?? 100, mb_weight: fm?.mb_weight ?? 0,
        conversion_m3_per_kg: fm?.conversion_m3_per_kg ?? '0.482', step: trim00(fm?.step ?? '0'),
        dead_band: trim00(fm?.dead_band ?? '0'),
        rounding: fm?.rounding ?? 'down', lag_months: fm?.lag_months ?? 0, average_months: String(fm?.average_months ?? 1),
        period_months: String(fm?.period_months ?? 1), tax_included: String(fm?.tax_included ?? true),
      },
      submitLabel: t('formula.save'),
      busyLabel: t('common.saving'),
      onSubmit: async (v, form2) => {
        const int = (name) => {
          const s = plainNumber(v[name]);
          if (!/^\d{1,3}$/.test(s)) { form2.fields.get(name).setError(t('formula.wholeNumber')); return null; }
          return Number(s);
        };
        const ints = { cp_weight: int('cp_weight'), mb_weight: int('mb_weight'), lag_months: int('lag_months') };
        if (Object.values(ints).some((x) => x === null)) return false;
        const r = await api('PUT', '/api/v1/cost-formula', {
          base_yen_per_t: plainNumber(v.base_yen_per_t), ...ints,
          conversion_m3_per_kg: plainNumber(v.conversion_m3_per_kg), step: plainNumber(v.step) || '0',
          dead_band: plainNumber(v.dead_band) || '0', rounding: v.rounding,
          average_months: Number(v.average_months), period_months: Number(v.period_months),
          tax_included: v.tax_included !== 'false',
        });
        notify('ok', t('formula.saved'));
        fill(formulaBox, formulaFacts(r.formula), formulaForm(r.formula));
        return true;
      },
    });
    return h('details', { id: 'formula-edit' }, h('summary', {}, t(fm ? 'formula.edit' : 'formula.create')),
      h('p', { class: 'hint' }, t('formula.editIntro')), f.el);
  }
}
