// forms.js — forms that say what is wrong where it is wrong.
//
// form({ fields, onSubmit, ... }) builds labelled inputs, each with its own
// error line (aria-describedby, aria-invalid). When the API refuses a
// request (problem+json), every entry of errors[] is shown under the field
// it names, focus goes to the first one, and what concerns no field (or a
// conflict, a lock) goes to the form's message line — all in the API's
// Japanese words. While submitting, the button says so and is disabled.
//
// Drafts: with draftKey, what is typed is kept in sessionStorage (per user,
// see session.js) as it is typed and when submitting, and put back when
// the form is built again — after the session ended and the user signed in
// again, after a reload — with a note and a way to throw it away. A
// successful submit drops it.
import { ApiError } from './api.js';
import { add, clear, h, uid } from './dom.js';
import { problemText, t } from './i18n.js';
import { drafts } from './session.js';
import { busy } from './ui.js';

function optionsOf(spec) {
  return (spec.options || []).map(([v, label]) => h('option', { value: v }, label));
}

// One labelled input. spec: { name, label, type, options: [[value, label]],
// required, maxlength, hint, placeholder, autocomplete, inputmode, wide,
// rows, readonly, min, max, step }.
export function field(spec) {
  const id = uid(`f-${spec.name.replace(/\W/g, '-')}`);
  const errId = `${id}-err`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const common = {
    id, name: spec.name, required: spec.required || null, maxlength: spec.maxlength || null,
    placeholder: spec.placeholder || null, autocomplete: spec.autocomplete || 'off',
    inputmode: spec.inputmode || null, readonly: spec.readonly || null,
    'aria-describedby': [hintId, errId].filter(Boolean).join(' '),
    min: spec.min ?? null, max: spec.max ?? null, step: spec.step ?? null,
  };
  let input;
  if (spec.type === 'select') input = h('select', common, optionsOf(spec));
  else if (spec.type === 'textarea') input = h('textarea', { ...common, rows: spec.rows || 3 });
  else input = h('input', { ...common, type: spec.type || 'text' });
  const error = h('p', { id: errId, class: 'field-error' });
  const label = h('label', { for: id, class: 'label' }, spec.label,
    spec.required ? h('span', { class: 'req' }, t('form.required')) : null);
  const el = h('div', { class: ['field', spec.wide && 'wide', spec.type === 'checkbox' && 'check'], dataset: { field: spec.name } },
    spec.type === 'checkbox' ? [input, label] : [label, input],
    hintId ? h('p', { id: hintId, class: 'hint' }, spec.hint) : null, error);
  const f = {
    spec, el, input, error,
    get value() {
      if (spec.type === 'checkbox') return input.checked;
      return input.value;
    },
    set value(v) {
      if (spec.type === 'checkbox') input.checked = !!v;
      else input.value = v === null || v === undefined ? '' : String(v);
    },
    setError(msg) {
      error.textContent = msg || '';
      if (msg) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
      el.classList.toggle('invalid', !!msg);
    },
  };
  return f;
}

// Build a form. o: {
//   fields: [spec | field(...)] (or groups: [{ legend, fields }]),
//   values: initial values, submitLabel, busyLabel,
//   onSubmit(values, form) — async; its ApiError is shown; false = not
//     done yet (the draft is kept),
//   draftKey, draftExtra() → what else to keep with a draft (e.g. ETag),
//   onDraft(extra) — a draft was put back (extra as saved),
//   actions: more nodes beside the submit button, fieldNames: { apiName: ourName },
//   codeFields: { problem code: field name } for refusals about one field }
export function form(o) {
  const all = [];
  const mk = (spec) => {
    const f = spec.el ? spec : field(spec);
    all.push(f);
    return f.el;
  };
  const groups = o.groups || [{ fields: o.fields }];
  const msg = h('div', { class: 'form-msg', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, o.submitLabel);
  const el = h('form', { class: ['form', o.cls], novalidate: true },
    h('div', { class: 'draft-note', hidden: true }),
    groups.map((g) => (g.legend
      ? h('fieldset', {}, h('legend', {}, g.legend), h('div', { class: 'fields' }, g.fields.map(mk)))
      : h('div', { class: 'fields' }, g.fields.map(mk)))),
    msg, h('div', { class: 'actions' }, submit, o.actions || []));
  const byName = new Map(all.map((f) => [f.spec.name, f]));

  const api = {
    el, fields: byName, submit, msg,
    values() {
      return Object.fromEntries(all.map((f) => [f.spec.name, f.value]));
    },
    setValues(v) {
      for (const [k, x] of Object.entries(v || {})) if (byName.has(k)) byName.get(k).value = x;
    },
    clearErrors() {
      for (const f of all) f.setError('');
      clear(msg);
      msg.className = 'form-msg';
    },
    message(kind, ...nodes) {
      add(clear(msg), nodes);
      msg.className = `form-msg ${kind}`;
    },
    // Show an ApiError: field errors at their fields, the rest above the button.
    showProblem(e) {
      api.clearErrors();
      if (!(e instanceof ApiError)) throw e;
      const loose = [];
      for (const fe of e.fieldErrors) {
        const name = o.fieldNames?.[fe.field] ?? fe.field;
        const f = byName.get(name);
        if (f) f.setError(fe.message);
        else loose.push(fe);
      }
      // a refusal that is about one field without naming it (an impossible
      // meter index): shown at that field
      const byCode = byName.get(o.codeFields?.[e.code]);
      if (byCode) byCode.setError(problemText(e));
      const first = all.find((f) => f.el.classList.contains('invalid'));
      api.message('error', h('p', {}, problemText(e)),
        loose.length ? h('ul', {}, loose.map((fe) => h('li', {}, fe.field ? `${fe.field}: ${fe.message}` : fe.message))) : null);
      if (first) {
        first.input.focus();
      } else {
        msg.setAttribute('tabindex', '-1');
        msg.focus();
      }
    },
    saveDraft() {
      if (o.draftKey) drafts.save(o.draftKey, { values: api.values(), extra: o.draftExtra?.() ?? null });
    },
    dropDraft() {
      if (o.draftKey) drafts.remove(o.draftKey);
    },
  };

  api.setValues(o.values);
  let timer = 0;
  if (o.draftKey) {
    el.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(api.saveDraft, 250);
    });
    const d = drafts.load(o.draftKey);
    if (d?.values) {
      api.setValues(d.values);
      o.onDraft?.(d.extra);
      const note = el.querySelector('.draft-note');
      const discard = h('button', { type: 'button', class: 'link' }, t('form.draftDiscard'));
      discard.addEventListener('click', () => {
        api.dropDraft();
        api.setValues(o.values);
        o.onDraft?.(null);
        note.hidden = true;
      });
      note.append(h('span', {}, t('form.draftRestored')), ' ', discard);
      note.hidden = false;
    }
  }

  el.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearTimeout(timer);
    api.saveDraft();
    api.clearErrors();
    const missing = all.filter((f) => f.spec.required && f.spec.type !== 'checkbox' && !String(f.value).trim());
    for (const f of missing) f.setError(t('form.requiredField'));
    if (missing.length) {
      api.message('error', h('p', {}, t('form.fixFields', { n: missing.length })));
      missing[0].input.focus();
      return;
    }
    try {
      const r = await busy(submit, o.busyLabel || t('common.saving'), () => o.onSubmit(api.values(), api));
      if (r !== false) api.dropDraft(); // false: not done (a conflict shown), keep the draft
    } catch (e) {
      if (e instanceof ApiError) api.showProblem(e);
      else throw e;
    }
  });
  return api;
}

// [[value, label]] of a select with an empty first choice.
export function choices(pairs, emptyLabel = '') {
  return [['', emptyLabel], ...pairs];
}
