// contract-billing.js — what a contract is billed on, shown on the
// customer page's 供給地点・契約 tab (customer-tabs.js) for roles that
// read billing:
//
//  * its tariff (料金表), with a change form for roles that may bill —
//    PUT /api/v1/contracts/{id}/tariff. A three-part tariff (三部料金制)
//    needs a 設備料金 from the version in force or from the contract's own
//    fees: the API's refusal is shown at the tariff, with a way to add the
//    fee first;
//  * its equipment fees (設備料金, GET …/equipment-fees): add one (POST;
//    things unrelated to gas, the customer's own appliances and removed
//    ones are refused at their field), correct one entered wrongly (PATCH
//    …/{fee} with a reason) or give it a last day (POST …/{fee}/end).
// Issued invoices never change; later billing runs use what is here.
import { api } from '../lib/api.js';
import { h } from '../lib/dom.js';
import { formatDate, todayJst } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { dialog, loadInto, notify, table } from '../lib/ui.js';
import { money } from './billing-lines.js';

function plain(s) {
  return String(s ?? '').trim().replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/,/g, '');
}

function applianceLabel(a) {
  return [t(`appliance.kind.${a.kind}`), a.maker, a.model].filter(Boolean).join(' ')
    + `（${t(`appliance.own.${a.ownership}`)}）`;
}

// The section for the contract of supply point sp; it loads by itself
// (the tariffs once, the fees after every change).
export function contractBilling(sp) {
  const k = sp.contract;
  const write = can('billing.write');
  const box = h('div', { class: 'contract-billing', id: `contract-billing-${k.id}` });
  let tariffs = null;
  const draw = (focus = null) => loadInto(box, async () => {
    tariffs = tariffs || (await api('GET', '/api/v1/tariffs')).tariffs;
    return api('GET', `/api/v1/contracts/${k.id}/equipment-fees`);
  }, ({ equipment_fees: fees }) => {
    const out = section(fees);
    if (focus) setTimeout(() => box.querySelector(focus)?.focus());
    return out;
  });
  draw();
  return box;

  function section(fees) {
    const tf = tariffs.find((x) => x.id === k.tariff_id) || null;
    const today = todayJst();
    const live = fees.filter((f) => f.starts_on <= today && (!f.ends_on || f.ends_on >= today));
    const addBox = write ? addFee() : null;
    return [
      h('h4', {}, t('cb.title')),
      h('dl', { class: 'facts' },
        h('dt', {}, t('contract.tariff')),
        h('dd', { id: `contract-tariff-${k.id}` }, tf
          ? [h('a', { href: `#/billing/tariffs/${tf.id}` }, tf.code), ' ', tf.name, ' ',
             h('span', { class: 'chip' }, t(`tariff.kind.${tf.kind}`))]
          : t('contract.noTariff')),
        tf?.kind === 'three_part' ? [h('dt', {}, t('cb.feeSource')), h('dd', {},
          Number(tf.current?.equipment_fee || 0) > 0 ? t('cb.feeFromTariff', { yen: money(tf.current.equipment_fee) })
            : live.length ? t('cb.feeFromContract', { yen: money(live.reduce((a, f) => a + Number(f.fee), 0)) }) : h('span', { class: 'chip bad' }, t('cb.feeMissing')))] : null),
      write ? tariffForm(tf, addBox) : null,
      h('h5', { class: 'fees-head', tabindex: '-1' }, t('cb.fees')),
      table({
        cls: 'fee-table', caption: '',
        columns: [
          { label: t('cb.description'), cell: (f) => f.description, clip: true },
          { label: t('cb.appliance'), cell: (f) => (f.appliance_kind ? t(`appliance.kind.${f.appliance_kind}`) : '—') },
          { label: t('cb.fee'), num: true, cell: (f) => money(f.fee) },
          { label: t('cb.period'), cell: (f) => `${formatDate(f.starts_on)}〜${f.ends_on ? formatDate(f.ends_on) : ''}` },
          { label: t('cb.state'), cell: (f) => (live.includes(f) ? h('span', { class: 'chip ok' }, t('cb.live'))
            : f.starts_on > today ? h('span', { class: 'chip warn' }, t('cb.future')) : t('cb.ended')) },
          write ? { label: h('span', { class: 'sr-only' }, t('cb.actions')), cell: (f) => h('span', { class: 'links' },
            h('button', { type: 'button', class: 'small', 'aria-label': t('cb.correctOf', { what: f.description }),
                          onclick: () => correctFee(f) }, t('cb.correct')),
            !f.ends_on || f.ends_on >= today ? h('button', { type: 'button', class: 'small',
              'aria-label': t('cb.endOf', { what: f.description }), onclick: () => endFee(f) }, t('cb.end')) : null) }
            : null,
        ].filter(Boolean),
        rows: fees, empty: t('cb.noFees'),
        rowAttrs: (f) => ({ dataset: { fee: f.id } }),
      }),
      addBox,
    ];
  }

  function tariffForm(tf, addBox) {
    const f = form({
      cls: 'contract-tariff-form',
      fields: [{ name: 'tariff_id', label: t('cb.tariffChange'), type: 'select', required: true,
                 options: [['', t('form.choose')], ...tariffs.map((x) => [String(x.id),
                   `${x.code} ${x.name}（${t(`tariff.kind.${x.kind}`)}）`])],
                 hint: t('cb.tariffHint') }],
      values: { tariff_id: tf ? String(tf.id) : '' },
      submitLabel: t('cb.tariffSave'),
      busyLabel: t('common.saving'),
      onSubmit: async (v, form2) => {
        try {
          const r = await api('PUT', `/api/v1/contracts/${k.id}/tariff`, { tariff_id: Number(v.tariff_id) });
          k.tariff_id = r.tariff_id;
          k.version = (k.version || 0) + 1;
          const now = tariffs.find((x) => x.id === r.tariff_id);
          notify('ok', t('cb.tariffSaved', { code: now?.code || r.tariff_id }));
          draw(`#contract-tariff-${k.id} a`);
          return true;
        } catch (e) {
          if (e?.code !== 'billing.tariff_invalid') throw e;
          // the three-part check: said at the tariff, with the way out
          form2.showProblem(e);
          form2.message('error', h('p', {}, t('cb.needsFee')), addBox ? h('button', {
            type: 'button', class: 'link', id: 'fee-add-open',
            onclick: () => { const d = addBox.querySelector('details'); d.open = true; d.querySelector('input').focus(); },
          }, t('cb.addFeeFirst')) : null);
          return false;
        }
      },
    });
    return f.el;
  }

  function addFee() {
    const apps = (sp.appliances || []).filter((a) => !a.removed_date);
    const f = form({
      cls: 'fee-add',
      fields: [
        { name: 'description', label: t('cb.description'), required: true, maxlength: 40, hint: t('cb.descriptionHint') },
        { name: 'fee', label: t('cb.feeLabel'), required: true, inputmode: 'decimal', maxlength: 12, hint: t('tariff.yenHint') },
        { name: 'starts_on', label: t('cb.startsOn'), type: 'date', required: true },
        { name: 'ends_on', label: t('cb.endsOn'), type: 'date', hint: t('cb.endsOnHint') },
        { name: 'appliance_id', label: t('cb.appliance'), type: 'select',
          options: [['', t('cb.noAppliance')], ...apps.map((a) => [String(a.id), applianceLabel(a)])],
          hint: t('cb.applianceHint') },
      ],
      values: { starts_on: todayJst() },
      submitLabel: t('cb.add'),
      busyLabel: t('common.saving'),
      onSubmit: async (v) => {
        const b = { description: v.description.trim(), fee: plain(v.fee), starts_on: v.starts_on };
        if (v.ends_on) b.ends_on = v.ends_on;
        if (v.appliance_id) b.appliance_id = Number(v.appliance_id);
        await api('POST', `/api/v1/contracts/${k.id}/equipment-fees`, b);
        notify('ok', t('cb.added', { what: b.description }));
        draw('.fees-head');
        return true;
      },
    });
    return h('div', {}, h('details', { class: 'fee-add-box' }, h('summary', {}, t('cb.addTitle')),
      h('p', { class: 'hint' }, t('cb.addIntro')), f.el));
  }

  // A form in a dialog, closed and the fees drawn again once send() did not
  // refuse (false: a message is on the form, it stays open).
  function formDialog(title, intro, spec, submitLabel, send) {
    let d = null;
    const f = form({
      ...spec, submitLabel, busyLabel: t('common.saving'),
      onSubmit: async (v, f2) => {
        if ((await send(v, f2)) === false) return false;
        d.close();
        draw('.fees-head');
        return true;
      },
      actions: [h('button', { type: 'button', onclick: () => d.close() }, t('common.cancel'))],
    });
    d = dialog({ title, body: [h('p', { class: 'hint' }, intro), f.el],
                 onOpen: () => f.el.querySelector('input')?.focus() });
    d.el.querySelector('.dialog-body + .actions')?.remove(); // the form has its own buttons
    return f;
  }

  function correctFee(x) {
    formDialog(t('cb.correctTitle', { what: x.description }), t('cb.correctIntro'), {
      cls: 'fee-correct',
      fields: [
        { name: 'description', label: t('cb.description'), required: true, maxlength: 40 },
        { name: 'fee', label: t('cb.feeLabel'), required: true, inputmode: 'decimal', maxlength: 12 },
        { name: 'reason', label: t('tariff.reason'), required: true, maxlength: 200, hint: t('tariff.reasonHint') },
      ],
      values: { description: x.description, fee: String(x.fee).replace(/\.00$/, '') },
    }, t('cb.correctSave'), async (v, f2) => {
      const b = { reason: v.reason.trim() };
      if (v.description.trim() !== x.description) b.description = v.description.trim();
      if (Number(plain(v.fee)) !== Number(x.fee) || !/^\d+(\.\d{1,2})?$/.test(plain(v.fee))) b.fee = plain(v.fee);
      if (!b.description && b.fee === undefined) {
        f2.message('error', h('p', {}, t('cb.nothingChanged')));
        return false;
      }
      await api('PATCH', `/api/v1/contracts/${k.id}/equipment-fees/${x.id}`, b);
      notify('ok', t('cb.corrected', { what: v.description.trim() }));
    });
  }

  function endFee(x) {
    formDialog(t('cb.endTitle', { what: x.description }), t('cb.endIntro'), {
      cls: 'fee-end',
      fields: [
        { name: 'ends_on', label: t('cb.endsOn'), type: 'date', required: true },
        { name: 'reason', label: t('invoice.reason'), maxlength: 200 },
      ],
      values: { ends_on: x.ends_on && x.ends_on < todayJst() ? x.ends_on : todayJst() },
    }, t('cb.endSave'), async (v) => {
      const b = { ends_on: v.ends_on };
      if (v.reason.trim()) b.reason = v.reason.trim();
      try {
        await api('POST', `/api/v1/contracts/${k.id}/equipment-fees/${x.id}/end`, b);
      } catch (e) {
        // a later or too early last day (409) is about the date
        if (e?.status === 409) {
          e.fieldErrors = [{ field: 'ends_on', message: t(x.ends_on ? 'cb.endConflictEnd' : 'cb.endConflict', {
            from: formatDate(x.starts_on), to: formatDate(x.ends_on) }) }];
        }
        throw e;
      }
      notify('ok', t('cb.endedNotice', { what: x.description, date: formatDate(v.ends_on) }));
    });
  }
}
