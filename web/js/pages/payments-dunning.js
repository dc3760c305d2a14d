// payments-dunning.js — 督促・交渉記録: one overdue customer, opened from
// the overdue list (督促対象) or the customer's 請求・入金 tab. In the order
// of the work:
//
//  * what is overdue (GET /api/v1/customers/{id}/receivables);
//  * the supply-stop warning steps (GET/POST …/dunning-steps): 督促状 →
//    催告 → 供給停止予告 → 供給停止 → 再開, or 解決 before a stop. Only the
//    next step of the open case can be recorded (the API says which ones),
//    by a person, never automatically; the steps are the legal record of
//    the warnings, so the API wants a fresh one-time code (403
//    auth.step_up_required): the step-up prompt asks for it and the step
//    is sent once more (ui.js withStepUp);
//  * the letter to send (GET …/reminder.pdf?step=&pay_by=&stop_planned_on=),
//    opened as a PDF; printing records nothing;
//  * notes of contact (GET/POST …/contact-notes), newest first, a page of
//    them at a time with the page in the URL.
import { api, ApiError } from '../lib/api.js';
import { clip, fill, h } from '../lib/dom.js';
import { formatDate, formatDateTime, formatYen, todayJst } from '../lib/format.js';
import { form } from '../lib/forms.js';
import { t } from '../lib/i18n.js';
import { can } from '../lib/session.js';
import { facts, loadInto, pagedRows, table, withStepUp } from '../lib/ui.js';
import { paymentsNav } from './payments-common.js';

const CHANNELS = ['phone', 'visit', 'letter', 'email', 'other'];
const LETTERS = ['reminder', 'demand', 'stop_notice'];
const NOTES_PAGE = 10;

// A refusal whose detail says what exactly (the order of the steps): the
// form's message gets the detail under the API's words.
function withDetail(fm, e) {
  if (!(e instanceof ApiError) || !e.detail || e.status !== 409) throw e;
  fm.showProblem(e);
  fm.msg.append(h('p', { class: 'detail' }, e.detail));
  return false;
}

// ------------------------------------------------------------ overdue

function overdueFacts(c, r) {
  const a = r.ageing;
  return h('div', {},
    h('dl', { class: 'figures' },
      h('div', { class: 'figure-box' }, h('dt', {}, t('ar.overdue')),
        h('dd', { class: a.overdue_yen ? 'bad' : null, id: 'dun-overdue' }, formatYen(a.overdue_yen))),
      h('div', { class: 'figure-box' }, h('dt', {}, t('ageing.oldest')), h('dd', {}, formatDate(a.oldest_overdue_on) || '—')),
      h('div', { class: 'figure-box' }, h('dt', {}, t('ar.balance')), h('dd', {}, formatYen(r.balance_yen)))),
    facts([
      [t('customers.col.number'), h('a', { href: `#/customers/${c.id}/billing` }, c.number)],
      [t('customers.col.phone'), [c.phone1, c.phone2].filter(Boolean).join('、')],
      [t('dun.openInvoices'), (r.open_invoices || []).filter((x) => x.bucket !== 'current').map((x) =>
        t('dun.invoiceLine', { n: x.number, due: formatDate(x.due_on), yen: formatYen(x.open_yen) })).join('、')],
    ]));
}

// ------------------------------------------------------------ the steps

function stepsTable(d) {
  return table({
    cls: 'dun-steps', caption: t('dun.steps.caption'),
    columns: [
      { label: t('dun.col.case'), cell: (s) => String(s.case_no), num: true },
      { label: t('dun.col.step'), cell: (s) => h('span', { class: `chip step-${s.step}` }, t(`dun.step.${s.step}`)) },
      { label: t('dun.col.takenOn'), cell: (s) => formatDate(s.taken_on) },
      { label: t('dun.col.overdue'), cell: (s) => formatYen(s.overdue_yen), num: true },
      { label: t('dun.col.stopOn'), cell: (s) => formatDate(s.stop_planned_on) || '—' },
      { label: t('dun.col.note'), cell: (s) => s.note || '', wrap: true },
      { label: t('dun.col.recordedAt'), cell: (s) => formatDateTime(s.created_at) },
    ],
    rows: [...d.steps].reverse(), empty: t('dun.steps.none'),
    rowAttrs: (s) => ({ dataset: { step: s.step } }),
  });
}

function stepForm(id, d, onDone) {
  const next = d.next_steps || [];
  const f = form({
    cls: 'dun-step-form',
    fields: [
      { name: 'step', label: t('dun.f.step'), type: 'select', required: true,
        options: next.map((s) => [s, t(`dun.step.${s}`)]) },
      { name: 'taken_on', label: t('dun.f.takenOn'), type: 'date', required: true, max: todayJst(),
        hint: t('dun.f.takenOnHint') },
      { name: 'stop_planned_on', label: t('dun.f.stopOn'), type: 'date', min: todayJst(), hint: t('dun.f.stopOnHint') },
      { name: 'note', label: t('dun.f.note'), type: 'textarea', maxlength: 400, rows: 2, wide: true },
    ],
    values: { taken_on: todayJst() },
    submitLabel: t('dun.record'), busyLabel: t('common.saving'),
    async onSubmit(v, fm) {
      const body = { step: v.step, taken_on: v.taken_on };
      if (v.step === 'stop_notice') {
        if (!v.stop_planned_on) {
          fm.fields.get('stop_planned_on').setError(t('form.requiredField'));
          fm.fields.get('stop_planned_on').input.focus();
          return false;
        }
        body.stop_planned_on = v.stop_planned_on;
      }
      if (v.note.trim()) body.note = v.note.trim();
      let r;
      try {
        r = await withStepUp(() => api('POST', `/api/v1/customers/${id}/dunning-steps`, body));
      } catch (e) {
        return withDetail(fm, e);
      }
      if (!r) {
        fm.message('warn', h('p', {}, t('dun.notRecorded')));
        return false;
      }
      onDone(t('dun.recorded', { step: t(`dun.step.${r.step}`), on: formatDate(r.taken_on) }));
      return true;
    },
  });
  const step = f.fields.get('step');
  const stop = f.fields.get('stop_planned_on');
  const sync = () => { stop.el.hidden = step.value !== 'stop_notice'; };
  step.input.addEventListener('change', sync);
  sync();
  return f.el;
}

// onChange(): a step was recorded (the letter to print follows the case).
function stepsSection(id, slot, onChange, flash = '') {
  return loadInto(slot, () => api('GET', `/api/v1/customers/${id}/dunning-steps`), (d) => {
    const again = (text) => { stepsSection(id, slot, onChange, text); onChange(); };
    const write = can('payments.write');
    return [
      flash ? h('p', { class: 'form-msg ok', role: 'status', id: 'dun-step-msg' }, flash) : null,
      h('p', { class: 'dun-case' }, d.open
        ? t('dun.caseOpen', { n: d.case_no, step: d.steps.length ? t(`dun.step.${d.steps[d.steps.length - 1].step}`) : '—' })
        : t('dun.caseNone')),
      stepsTable(d),
      write && (d.next_steps || []).length
        ? h('div', { class: 'dun-record' }, h('h3', {}, t('dun.recordTitle')),
          h('p', { class: 'hint' }, t('dun.recordHint')), stepForm(id, d, again))
        : null,
    ];
  });
}

// ------------------------------------------------------------ the letter

// nextStep: the open case's next step (its letter is the one to send);
// noticed: the open case has a stop notice (its stop date is the letter's).
function letterSection(id, overdue, nextStep, noticed) {
  if (!overdue) return h('p', { class: 'muted' }, t('dun.letter.nothingOverdue'));
  const which = h('select', { id: 'dun-letter-which' }, LETTERS.map((l) =>
    h('option', { value: l, selected: l === (LETTERS.includes(nextStep) ? nextStep : 'reminder') }, t(`dun.letter.${l}`))));
  const payBy = h('input', { type: 'date', id: 'dun-payby', class: 'text', min: todayJst() });
  const stopOn = h('input', { type: 'date', id: 'dun-letter-stop', class: 'text', min: todayJst() });
  const stopField = h('div', { class: 'field' }, h('label', { for: 'dun-letter-stop', class: 'label' }, t('dun.f.stopOn')), stopOn,
    h('p', { class: 'hint' }, t('dun.letter.stopHint')));
  const link = h('a', { class: 'button', id: 'dun-letter-pdf', target: '_blank', rel: 'noopener' }, t('dun.letter.open'));
  const need = h('p', { class: 'field-error', id: 'dun-letter-need' });
  const sync = () => {
    const notice = which.value === 'stop_notice';
    stopField.hidden = !notice;
    const q = new URLSearchParams({ step: which.value });
    if (payBy.value) q.set('pay_by', payBy.value);
    if (notice && stopOn.value) q.set('stop_planned_on', stopOn.value);
    // a stop notice names the stop date: the one typed, else the case's
    const missing = notice && !stopOn.value && !noticed;
    need.textContent = missing ? t('dun.letter.needStop') : '';
    if (missing) {
      link.removeAttribute('href');
      link.setAttribute('aria-disabled', 'true');
      link.setAttribute('aria-describedby', 'dun-letter-need');
    } else {
      link.href = `/api/v1/customers/${id}/reminder.pdf?${q}`;
      link.removeAttribute('aria-disabled');
      link.removeAttribute('aria-describedby');
    }
  };
  for (const x of [which, payBy, stopOn]) x.addEventListener('change', sync);
  sync();
  return h('div', {},
    h('div', { class: 'fields' },
      h('div', { class: 'field' }, h('label', { for: 'dun-letter-which', class: 'label' }, t('dun.letter.which')), which),
      h('div', { class: 'field' }, h('label', { for: 'dun-payby', class: 'label' }, t('dun.letter.payBy')), payBy,
        h('p', { class: 'hint' }, t('dun.letter.payByHint'))),
      stopField),
    h('div', { class: 'actions' }, link), need,
    h('p', { class: 'hint' }, t('dun.letter.hint')));
}

// ------------------------------------------------------- contact notes

function notesTable(notes, page, setPage) {
  const { slice, nav } = pagedRows(notes, page, NOTES_PAGE, setPage);
  return [table({
    cls: 'dun-notes', caption: t('dun.notes.caption'),
    columns: [
      { label: t('dun.col.contactedOn'), cell: (n) => formatDate(n.contacted_on) },
      { label: t('dun.col.channel'), cell: (n) => t(`dun.channel.${n.channel}`) },
      { label: t('dun.col.staff'), cell: (n) => clip(n.staff || '') },
      { label: t('dun.col.person'), cell: (n) => clip(n.person || '') },
      { label: t('dun.col.summary'), cell: (n) => n.summary, wrap: true },
      { label: t('dun.col.agreement'), wrap: true, cell: (n) => [n.agreement || '',
        n.promised_yen || n.promised_on ? h('span', { class: 'chip matched' }, t('dun.promise', {
          yen: n.promised_yen ? formatYen(n.promised_yen) : '—', on: formatDate(n.promised_on) || '—' })) : null] },
      { label: t('dun.col.at'), cell: (n) => formatDateTime(n.created_at) },
    ],
    rows: slice, empty: t('dun.notes.none'),
  }), nav];
}

function noteForm(id, onDone) {
  const f = form({
    cls: 'dun-note-form', draftKey: `contact-note-${id}`,
    fields: [
      { name: 'contacted_on', label: t('dun.f.contactedOn'), type: 'date', required: true, max: todayJst() },
      { name: 'channel', label: t('dun.f.channel'), type: 'select', required: true,
        options: CHANNELS.map((c) => [c, t(`dun.channel.${c}`)]) },
      { name: 'person', label: t('dun.f.person'), maxlength: 60, hint: t('dun.f.personHint') },
      { name: 'summary', label: t('dun.f.summary'), type: 'textarea', required: true, maxlength: 1000, rows: 3, wide: true },
      { name: 'agreement', label: t('dun.f.agreement'), type: 'textarea', maxlength: 1000, rows: 2, wide: true },
      { name: 'promised_yen', label: t('dun.f.promisedYen'), type: 'number', min: 1, step: 1, inputmode: 'numeric' },
      { name: 'promised_on', label: t('dun.f.promisedOn'), type: 'date' },
    ],
    values: { contacted_on: todayJst(), channel: 'phone' },
    submitLabel: t('dun.addNote'), busyLabel: t('common.saving'),
    async onSubmit(v, fm) {
      const body = { contacted_on: v.contacted_on, channel: v.channel, summary: v.summary.trim() };
      for (const k of ['person', 'agreement']) if (v[k].trim()) body[k] = v[k].trim();
      if (v.promised_yen) body.promised_yen = Number(v.promised_yen);
      if (v.promised_on) body.promised_on = v.promised_on;
      await api('POST', `/api/v1/customers/${id}/contact-notes`, body);
      fm.setValues({ person: '', summary: '', agreement: '', promised_yen: '', promised_on: '' });
      fm.message('ok', h('p', {}, t('dun.noteAdded')));
      onDone();
      return true;
    },
  });
  return f.el;
}

// ------------------------------------------------------------ the page

export function render(el, ctx) {
  const id = ctx.params.id;
  if (!/^\d+$/.test(id)) { ctx.replace('/payments/overdue'); return; }
  const page = Number(ctx.query.page) || 1;
  ctx.title(t('dun.title'));
  const h1 = h('h1', { tabindex: '-1' }, t('dun.title'));
  const top = h('div', {});
  const steps = h('div', {});
  const letter = h('div', {});
  const notes = h('div', {});
  const card = (key, body, extra = null) => h('section', { class: 'card', id: `dun-${key}`, 'aria-labelledby': `dun-${key}-title` },
    h('h2', { id: `dun-${key}-title` }, t(`dun.${key}.title`)), extra, body);
  el.append(paymentsNav(ctx.path),
    h('div', { class: 'page-head' }, h('div', {},
      h('p', { class: 'crumbs' }, h('a', { href: '#/payments/overdue' }, t('pay.nav.overdue'))), h1)),
    top, card('steps', steps, h('p', { class: 'hint' }, t('dun.steps.intro'))), card('letter', letter),
    card('notes', notes, can('payments.write') ? noteForm(id, () => loadNotes()) : null));
  h1.focus();

  const loadTop = () => loadInto(top, () => Promise.all([api('GET', `/api/v1/customers/${id}`),
    api('GET', `/api/v1/customers/${id}/receivables?limit=1`),
    api('GET', `/api/v1/customers/${id}/dunning-steps`)]), ([c, r, d]) => {
    if (!ctx.alive()) return null;
    const title = t('dun.titleOf', { number: c.number, name: c.name });
    ctx.title(title);
    fill(h1, t('dun.title'), ' ', h('span', { class: 'dun-who' }, c.number, ' ', clip(c.name)));
    const noticed = d.open && d.steps.some((s) => s.case_no === d.case_no && s.step === 'stop_notice');
    fill(letter, letterSection(id, r.ageing.overdue_yen, (d.next_steps || [])[0], noticed));
    return overdueFacts(c, r);
  });
  loadTop();
  stepsSection(id, steps, loadTop);
  const loadNotes = () => loadInto(notes, () => api('GET', `/api/v1/customers/${id}/contact-notes`), (r) =>
    notesTable(r.contact_notes, page, (p) => ctx.go(`/payments/overdue/${id}`, { page: p })));
  loadNotes();
}
