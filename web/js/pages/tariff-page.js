// tariff-page.js — one tariff (料金表): its dated price versions (GET
// /api/v1/tariffs/{id}), the prices of the version chosen, a live
// calculator, and for roles that may bill the version editor.
//
//  * Versions: newest 適用開始日 first; the one in force today is marked;
//    ?v=<version id> in the URL picks the one shown. Each links to the
//    invoices it priced (#/billing/invoices?tariff_version=…), what to
//    correct after the version itself was corrected.
//  * Calculator (料金試算): type a usage (and a date, today by default)
//    and the charge breakdown appears as typed — POST …/quote, the same
//    pricing as the billing run: base, usage per band, 設備料金 apart,
//    原料費調整, tax per rate, total. Nothing is written.
//  * Editor: ?edit=new adds a version from a date (料金改定: POST
//    …/versions, prefilled with the prices shown); ?edit=fix corrects the
//    version shown (PUT …/versions/{vid} with If-Match and a reason —
//    issued invoices keep their prices either way). Which fields show
//    follows the tariff's kind: 二部 (no 設備料金), 三部 (設備料金),
//    最低料金 (minimum charge and the usage it covers), 定額 (fixed
//    amount); bands (スライド) with 区分 (block) or 単純 (whole) slide, the
//    latter with a base fee per band. The API's refusals appear at the
//    field they concern.
import { api } from '../lib/api.js';
import { fill, h, uid } from '../lib/dom.js';
import { formatDate, formatDateTime, todayJst } from '../lib/format.js';
import { field, form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { facts, loadInto, notify, pagedRows, table } from '../lib/ui.js';
import { linesTable, money, taxTable, totals } from './billing-lines.js';

const USAGE = /^\d{1,8}(\.\d)?$/;

export function render(el, ctx) {
  const id = ctx.params.id;
  ctx.title(t('tariffs.title'));
  const body = h('div', {});
  el.append(h('p', { class: 'crumbs' }, h('a', { href: '#/billing/tariffs' }, t('tariffs.title')), ' › ',
                h('span', { id: 'tariff-crumb' }, '…')), body);
  let calcTimer = 0;
  loadInto(body, () => api('GET', `/api/v1/tariffs/${encodeURIComponent(id)}`), (tf) => page(tf));
  return () => clearTimeout(calcTimer);

  function page(tf) {
    ctx.title(`${tf.code} ${tf.name}`);
    el.querySelector('#tariff-crumb').textContent = tf.code;
    const today = todayJst();
    const current = tf.versions.find((v) => v.effective_from <= today) || null;
    const shown = tf.versions.find((v) => String(v.id) === ctx.query.v) || current || tf.versions[0] || null;
    const edit = can('billing.write') ? ctx.query.edit : '';
    const link = (q) => ctx.go(`/billing/tariffs/${tf.id}`, q);

    const head = h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, h('span', { class: 'tariff-code' }, tf.code), ' ', tf.name, ' ',
        h('span', { class: 'chip' }, t(`tariff.kind.${tf.kind}`))),
      can('billing.write') ? h('div', { class: 'page-actions' },
        h('button', { type: 'button', id: 'version-new', class: edit === 'new' ? 'primary' : null,
                      onclick: () => link({ v: shown?.id || '', edit: 'new' }) }, t('tariff.addVersion')),
        shown ? h('button', { type: 'button', id: 'version-fix',
                               onclick: () => link({ v: shown.id, edit: 'fix' }) }, t('tariff.fixVersion')) : null)
        : null);

    const versions = h('section', { class: 'card tariff-versions' }, h('h2', {}, t('tariff.versions')),
      tf.versions.length ? table({
        columns: [
          { label: t('tariff.effective'), cell: (v) => h('a', {
            href: `#/billing/tariffs/${tf.id}?v=${v.id}`, 'aria-current': v === shown ? 'true' : null,
            class: v === shown ? 'current-version' : null }, formatDate(v.effective_from)) },
          { label: t('tariff.state'), cell: (v) => (v === current ? h('span', { class: 'chip ok' }, t('tariff.inForce'))
            : v.effective_from > today ? h('span', { class: 'chip warn' }, t('tariff.future')) : t('tariff.past')) },
          { label: t('tariff.revision'), num: true, cell: (v) => (v.revision > 1
            ? t('tariff.revised', { n: v.revision - 1 }) : '—') },
          { label: t('tariff.invoices'), cell: (v) => h('a', { href: `#/billing/invoices?tariff_version=${v.id}`,
            'aria-label': t('tariff.invoicesOf', { date: formatDate(v.effective_from) }) }, t('tariff.invoicesLink')) },
        ],
        rows: tf.versions,
        rowAttrs: (v) => ({ class: v === shown ? 'selected' : null }),
      }) : h('p', { class: 'empty' }, t('tariff.noVersions')));

    const out = [head, tf.notes ? h('p', { class: 'pre hint' }, tf.notes) : null];
    if (edit === 'new' || (edit === 'fix' && shown)) out.push(editor(tf, edit, shown, link));
    out.push(h('div', { class: 'two-col tariff-body' },
      h('div', {}, versions, shown ? priceCard(tf, shown) : null),
      calculator(tf)));
    if (shown) out.push(historyCard(tf, shown));
    setTimeout(() => (el.querySelector('.tariff-editor input') || el.querySelector('h1'))?.focus());
    return out;
  }

  // The prices of version v.
  function priceCard(tf, v) {
    const whole = v.slide === 'whole';
    const kindRows = {
      minimum: [[t('tariff.minimumCharge'), money(v.minimum_charge)],
                [t('tariff.minimumUsage'), v.minimum_usage_m3 ? `${v.minimum_usage_m3} m³` : '']],
      fixed: [[t('tariff.fixedAmount'), money(v.fixed_amount)]],
    }[tf.kind] || [];
    return h('section', { class: 'card tariff-price', id: 'tariff-price' },
      h('h2', {}, t('tariff.priceOf', { date: formatDate(v.effective_from) })),
      facts([
        [t('tariff.taxIncluded'), t(v.tax_included ? 'tariff.taxIn' : 'tariff.taxOut')],
        tf.kind !== 'fixed' ? [t('tariff.slide'), t(`tariff.slide.${v.slide}`)] : null,
        tf.kind !== 'minimum' && tf.kind !== 'fixed' ? [t('tariff.baseFee'), money(v.base_fee)] : null,
        ...kindRows,
        [t('tariff.equipmentFee'), money(v.equipment_fee)],
        [t('tariff.addedAt'), `${formatDateTime(v.created_at)}`],
      ]),
      v.bands?.length ? table({
        caption: t('tariff.bands'), cls: 'bands-table',
        columns: [
          { label: t('tariff.band'), cell: (b) => bandRange(v.bands, b, tf.kind === 'minimum' ? v.minimum_usage_m3 : null) },
          { label: t('tariff.unitPrice'), num: true, cell: (b) => t('billing.perM3', { price: money(b.unit_price) }) },
          whole ? { label: t('tariff.bandBase'), num: true, cell: (b) => money(b.base_fee) || '—' } : null,
        ].filter(Boolean),
        rows: v.bands,
      }) : null);
  }

  // The corrections of version v (GET …/versions/{vid}/history), newest
  // first: when, who, why and what changed (before → after), 10 a page
  // with the page in the URL (?hpage=).
  function historyCard(tf, v) {
    const box = h('div', {});
    const card = h('section', { class: 'card tariff-history', id: 'tariff-history' },
      h('h2', {}, t('tariff.historyTitle', { date: formatDate(v.effective_from) })), box);
    if (v.revision <= 1) {
      box.append(h('p', { class: 'empty' }, t('tariff.historyNone')));
      return card;
    }
    let names = new Map();
    loadInto(box, async () => {
      const [r, users] = await Promise.all([
        api('GET', `/api/v1/tariffs/${tf.id}/versions/${v.id}/history`),
        // "user:12" in words, when the role may list users
        can('users.read') ? api('GET', '/api/v1/users').then((x) => x.users, () => []) : []]);
      names = new Map(users.map((u) => [`user:${u.id}`, u.display_name]));
      return r;
    }, (r) => {
      const { slice, nav } = pagedRows(r.corrections, ctx.query.hpage, 10,
        (p) => ctx.go(`/billing/tariffs/${tf.id}`, { ...ctx.query, hpage: p > 1 ? p : '' }));
      return [table({
        cls: 'history-table',
        columns: [
          { label: t('tariff.historyAt'), cell: (c) => formatDateTime(c.corrected_at) },
          { label: t('tariff.historyBy'), cell: (c) => names.get(c.corrected_by) || c.corrected_by, clip: true },
          { label: t('tariff.reason'), cell: (c) => c.reason, wrap: true },
          { label: t('tariff.historyChanges'), wrap: true, cell: (c) => {
            const ch = changes(c.before, c.after);
            return ch.length ? h('ul', { class: 'changes' }, ch.map(([k, a, b]) => h('li', {},
              h('span', { class: 'label' }, k), ' ', a, ' → ', h('strong', {}, b))))
              : t('tariff.historySame');
          } },
        ],
        rows: slice,
        rowAttrs: (c) => ({ dataset: { revision: c.revision } }),
      }), nav];
    });
    return card;
  }

  // [label, before, after] of each price field that differs.
  function changes(a, b) {
    const yen = (x) => (x === null || x === undefined ? '—' : money(x));
    const fields = [
      ['effective_from', t('tariff.effective'), (x) => formatDate(x)],
      ['tax_included', t('tariff.taxIncluded'), (x) => t(x ? 'tariff.taxIn' : 'tariff.taxOut')],
      ['slide', t('tariff.slide'), (x) => (x ? t(`tariff.slide.${x}`) : '—')],
      ['base_fee', t('tariff.baseFee'), yen],
      ['equipment_fee', t('tariff.equipmentFee'), yen],
      ['minimum_charge', t('tariff.minimumCharge'), yen],
      ['minimum_usage_m3', t('tariff.minimumUsage'), (x) => x ?? '—'],
      ['fixed_amount', t('tariff.fixedAmount'), yen],
      ['bands', t('tariff.bands'), (x) => (x || []).map((bd) => `${bd.upper_m3
        ? t('tariff.bandUpTo', { m3: bd.upper_m3 }) : t('tariff.noUpper')} ${money(bd.unit_price)}`).join('、') || '—'],
    ];
    return fields.filter(([k]) => JSON.stringify(a?.[k] ?? null) !== JSON.stringify(b?.[k] ?? null))
      .map(([k, label, show]) => [label, show(a?.[k]), show(b?.[k])]);
  }

  // "0.1〜4.7 m³", "4.8〜9.4 m³", "9.5 m³〜" (tenths; after the minimum's
  // usage for a minimum-charge tariff).
  function bandRange(bands, b, above) {
    const i = bands.indexOf(b);
    const lo = i ? Number(bands[i - 1].upper_m3) + 0.1 : 0.1;
    const from = (above && !i ? Number(above) + 0.1 : lo).toFixed(1);
    return b.upper_m3 ? t('tariff.range', { from, to: b.upper_m3 }) : t('tariff.rangeOpen', { from });
  }

  // The live calculator.
  function calculator(tf) {
    const uId = uid('calc-usage');
    const dId = uid('calc-date');
    const usage = h('input', { id: uId, class: 'short', inputmode: 'decimal', autocomplete: 'off', maxlength: 10,
                               placeholder: '8.0', 'aria-describedby': `${uId}-err ${uId}-hint`, dataset: { calc: 'usage' } });
    const date = h('input', { id: dId, type: 'date', value: todayJst(), 'aria-describedby': `${dId}-err`,
                              dataset: { calc: 'date' } });
    const uErr = h('p', { id: `${uId}-err`, class: 'field-error', role: 'alert' });
    const dErr = h('p', { id: `${dId}-err`, class: 'field-error', role: 'alert' });
    const result = h('div', { class: 'calc-result', id: 'calc-result', 'aria-live': 'polite' },
      h('p', { class: 'hint' }, t('calc.empty')));
    let seq = 0;
    const setErr = (input, p, msg) => {
      p.textContent = msg || '';
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    };
    const quote = async () => {
      const u = usage.value.trim().replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
      setErr(usage, uErr, '');
      setErr(date, dErr, '');
      const my = ++seq;
      if (!u) { fill(result, h('p', { class: 'hint' }, t('calc.empty'))); return; }
      if (!USAGE.test(u)) { setErr(usage, uErr, t('calc.usageFormat')); return; }
      result.setAttribute('aria-busy', 'true');
      try {
        const q = await api('POST', `/api/v1/tariffs/${tf.id}/quote`, { usage_m3: u, date: date.value || undefined });
        if (my !== seq || !ctx.alive()) return;
        fill(result,
          h('p', { class: 'calc-total', id: 'calc-total' }, t('calc.total', { usage: u }), ' ',
            h('strong', { dataset: { yen: q.total_yen } }, money(q.total_yen))),
          h('p', { class: 'hint' }, t('calc.version', { date: formatDate(q.price.effective_from) })),
          linesTable(q.lines), h('div', { class: 'invoice-sums' }, taxTable(q.tax), totals(q)));
      } catch (e) {
        if (my !== seq || !ctx.alive()) return;
        if (e.status === undefined) throw e;
        const fe = (name) => e.fieldErrors.find((x) => x.field === name)?.message;
        if (e.code === 'billing.no_price') setErr(date, dErr, problemText(e));
        else if (fe('usage_m3') || fe('date')) {
          setErr(usage, uErr, fe('usage_m3'));
          setErr(date, dErr, fe('date'));
        } else fill(result, h('div', { class: 'msg error', role: 'alert' }, h('p', {}, problemText(e))));
        if (e.code === 'billing.no_price' || fe('usage_m3') || fe('date')) {
          fill(result, h('p', { class: 'hint' }, t('calc.fix')));
        }
      } finally {
        if (my === seq) result.removeAttribute('aria-busy');
      }
    };
    const later = () => { clearTimeout(calcTimer); calcTimer = setTimeout(quote, 250); };
    usage.addEventListener('input', later);
    date.addEventListener('change', later);
    usage.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') { clearTimeout(calcTimer); quote(); } });
    return h('section', { class: 'card calculator', id: 'calculator' },
      h('h2', {}, t('calc.title')), h('p', { class: 'hint' }, t('calc.intro')),
      h('div', { class: 'calc-inputs' },
        h('div', { class: 'field' }, h('label', { class: 'label', for: uId }, t('calc.usage')), usage,
          h('p', { class: 'hint', id: `${uId}-hint` }, t('calc.usageHint')), uErr),
        h('div', { class: 'field' }, h('label', { class: 'label', for: dId }, t('calc.date')), date, dErr)),
      result);
  }

  // The band rows of the editor as one field (its errors: "bands").
  function bandsField(slide) {
    const fid = uid('f-bands');
    const rows = h('tbody', {});
    const error = h('p', { id: `${fid}-err`, class: 'field-error' });
    const baseTh = h('th', { scope: 'col', class: 'num band-base' }, t('tariff.bandBase'));
    const add = h('button', { type: 'button', class: 'small', id: 'band-add' }, t('tariff.bandAdd'));
    const el = h('div', { class: 'field wide bands-field', dataset: { field: 'bands' } },
      h('span', { class: 'label', id: fid }, t('tariff.bands')),
      h('p', { class: 'hint', id: `${fid}-hint` }, t('tariff.bandsHint')),
      h('div', { class: 'table-wrap' }, h('table', { class: 'grid bands-edit', 'aria-labelledby': fid,
                                                       'aria-describedby': `${fid}-hint ${fid}-err` },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '#'),
          h('th', { scope: 'col', class: 'num' }, t('tariff.bandUpper')),
          h('th', { scope: 'col', class: 'num' }, t('tariff.unitPrice')), baseTh,
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('tariff.bandRemove'))))),
        rows)),
      add, error);
    const whole = () => slide?.value === 'whole';
    const relabel = () => {
      const trs = [...rows.children];
      baseTh.hidden = !whole();
      trs.forEach((tr, i) => {
        tr.querySelector('.band-n').textContent = String(i + 1);
        tr.querySelector('.band-base').hidden = !whole();
        tr.querySelector('[data-b="upper"]').placeholder = i === trs.length - 1 ? t('tariff.noUpper') : '';
        tr.querySelector('.band-remove').disabled = trs.length === 1;
      });
    };
    const row = (b = {}) => {
      const n = rows.children.length + 1;
      const inp = (k, v, label) => h('input', { class: 'short num', inputmode: 'decimal', autocomplete: 'off',
        maxlength: 12, value: v ?? '', dataset: { b: k }, 'aria-label': t(label, { n }) });
      const tr = h('tr', {},
        h('td', { class: 'band-n' }, String(n)),
        h('td', { class: 'num' }, inp('upper', b.upper_m3, 'tariff.bandUpperN')),
        h('td', { class: 'num' }, inp('unit', b.unit_price, 'tariff.unitPriceN')),
        h('td', { class: 'num band-base' }, inp('base', b.base_fee, 'tariff.bandBaseN')),
        h('td', {}, h('button', { type: 'button', class: 'small band-remove', 'aria-label': t('tariff.bandRemoveN', { n }),
          onclick: () => { tr.remove(); relabel(); rows.querySelector('input')?.focus(); } }, '×')));
      rows.append(tr);
      relabel();
      return tr;
    };
    add.addEventListener('click', () => row().querySelector('input').focus());
    slide?.addEventListener('change', relabel);
    const f = {
      spec: { name: 'bands' }, el,
      get input() { return rows.querySelector('input') || add; },
      get value() {
        return [...rows.children].map((tr) => {
          const g = (k) => tr.querySelector(`[data-b="${k}"]`).value.trim();
          return { upper_m3: g('upper'), unit_price: g('unit'), base_fee: g('base') };
        }).filter((b) => b.upper_m3 || b.unit_price || b.base_fee);
      },
      set value(list) {
        fill(rows);
        const l = Array.isArray(list) && list.length ? list : [{}];
        l.forEach((b) => row({ upper_m3: b.upper_m3, unit_price: plain(b.unit_price), base_fee: plain(b.base_fee) }));
      },
      setError(msg) {
        error.textContent = msg || '';
        el.classList.toggle('invalid', !!msg);
      },
    };
    return f;
  }

  // "913.00" → "913" in an input (what a user would type); "735.50" kept.
  function plain(s) {
    if (s === null || s === undefined) return '';
    return String(s).replace(/\.00$/, '');
  }

  function editor(tf, mode, v, link) {
    const fixing = mode === 'fix';
    const kind = tf.kind;
    const fields = [
      { name: 'effective_from', label: t('tariff.effective'), type: 'date', required: true,
        hint: fixing ? t('tariff.fixDateHint') : t('tariff.newDateHint') },
      { name: 'tax_included', label: t('tariff.taxIncluded'), type: 'select', required: true,
        options: [['true', t('tariff.taxIn')], ['false', t('tariff.taxOut')]] },
    ];
    let slide = null;
    if (kind !== 'fixed') {
      slide = field({ name: 'slide', label: t('tariff.slide'), type: 'select',
                      options: [['block', t('tariff.slide.block')], ['whole', t('tariff.slide.whole')]],
                      hint: t('tariff.slideHint') });
      fields.push(slide);
    }
    if (kind === 'two_part' || kind === 'three_part') {
      fields.push({ name: 'base_fee', label: t('tariff.baseFee'), inputmode: 'decimal', maxlength: 12, required: true,
                    hint: t('tariff.yenHint') });
    }
    if (kind === 'three_part') {
      fields.push({ name: 'equipment_fee', label: t('tariff.equipmentFee'), inputmode: 'decimal', maxlength: 12,
                    hint: t('tariff.equipmentHint') });
    }
    if (kind === 'minimum') {
      fields.push({ name: 'minimum_charge', label: t('tariff.minimumCharge'), inputmode: 'decimal', maxlength: 12,
                    required: true, hint: t('tariff.yenHint') },
                  { name: 'minimum_usage_m3', label: t('tariff.minimumUsage'), inputmode: 'decimal', maxlength: 10,
                    required: true, hint: t('tariff.minimumUsageHint') });
    }
    if (kind === 'fixed') {
      fields.push({ name: 'fixed_amount', label: t('tariff.fixedAmount'), inputmode: 'decimal', maxlength: 12,
                    required: true, hint: t('tariff.yenHint') });
    }
    const bands = kind !== 'fixed' ? bandsField(slide.input) : null;
    if (bands) fields.push(bands);
    if (fixing) fields.push({ name: 'reason', label: t('tariff.reason'), required: true, maxlength: 200, wide: true,
                              hint: t('tariff.reasonHint') });
    const f = form({
      cls: 'tariff-editor',
      fields,
      submitLabel: fixing ? t('tariff.saveFix') : t('tariff.saveNew'),
      busyLabel: t('common.saving'),
      onSubmit: async (val) => {
        const b = { effective_from: val.effective_from, tax_included: val.tax_included === 'true' };
        if (kind !== 'fixed') b.slide = val.slide;
        for (const k of ['base_fee', 'equipment_fee', 'minimum_charge', 'minimum_usage_m3', 'fixed_amount']) {
          if (val[k] !== undefined && String(val[k]).trim() !== '') b[k] = String(val[k]).trim();
        }
        if (bands) {
          const list = val.bands;
          if (list.length) {
            b.bands = list.map((x, i) => {
              const o = { upper_m3: x.upper_m3 || null, unit_price: x.unit_price };
              if (b.slide === 'whole' && x.base_fee) o.base_fee = x.base_fee;
              if (i === list.length - 1 && !x.upper_m3) o.upper_m3 = null;
              return o;
            });
          }
        }
        if (fixing) {
          b.reason = val.reason.trim();
          const r = await api('PUT', `/api/v1/tariffs/${tf.id}/versions/${v.id}`, b,
                              { headers: { 'If-Match': `"${v.revision}"` } });
          notify('ok', t('tariff.fixed', { date: formatDate(r.effective_from) }));
          link({ v: r.id });
        } else {
          const r = await api('POST', `/api/v1/tariffs/${tf.id}/versions`, b);
          const nv = r.versions.find((x) => x.effective_from === b.effective_from);
          notify('ok', t('tariff.added', { date: formatDate(b.effective_from) }));
          link({ v: nv?.id || '' });
        }
      },
      actions: [h('button', { type: 'button', onclick: () => link({ v: v?.id || '' }) }, t('common.cancel'))],
    });
    // prefilled with the prices shown (a new version usually changes a few)
    const src = v || {};
    f.setValues({
      effective_from: fixing ? src.effective_from : '',
      tax_included: src.tax_included === false ? 'false' : 'true',
      slide: src.slide || 'block',
      base_fee: plain(src.base_fee), equipment_fee: plain(src.equipment_fee),
      minimum_charge: plain(src.minimum_charge), minimum_usage_m3: src.minimum_usage_m3 || '',
      fixed_amount: plain(src.fixed_amount), bands: src.bands || [],
    });
    return h('section', { class: 'card tariff-edit', id: 'tariff-editor' },
      h('h2', {}, fixing ? t('tariff.fixTitle', { date: formatDate(v.effective_from) }) : t('tariff.newTitle')),
      h('p', { class: 'hint' }, fixing ? t('tariff.fixIntro') : t('tariff.newIntro')),
      kind === 'two_part' ? h('p', { class: 'hint' }, t('tariff.twoPartNote')) : null,
      f.el);
  }
}
