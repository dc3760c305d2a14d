// customer-edit.js — a new customer (POST /api/v1/customers) or changes to
// one (PATCH /api/v1/customers/{id} with If-Match).
//
// Only the fields the user changed are sent, against the version they
// started from (its ETag). When someone else saved the customer in the
// meantime (409 customers.version_conflict), nothing is overwritten: the
// form says so and offers to load the latest version, keeping the user's
// own changes on top of it and naming the fields the other person changed.
// What is typed is kept as a draft (with the version it is based on) until
// saved, so a session ending mid-edit loses nothing.
import { api } from '../lib/api.js';
import { fill, h } from '../lib/dom.js';
import { formatDateTime } from '../lib/format.js';
import { choices, form } from '../lib/forms.js';
import { problemText, t } from '../lib/i18n.js';
import { PREFECTURES } from '../lib/jp.js';
import { loadError, loading, notify } from '../lib/ui.js';

export const FIELDS = ['number', 'name', 'kana', 'kind', 'phone1', 'phone2', 'email',
                       'postal_code', 'prefecture', 'address', 'notes'];

function specs() {
  const f = (name, more = {}) => ({ name, label: t(`customer.f.${name}`), ...more });
  return [
    { legend: t('customer.edit.who'), fields: [
      f('number', { required: true, maxlength: 20, autocomplete: 'off', hint: t('customer.hint.number') }),
      f('kind', { type: 'select', required: true,
                  options: [['household', t('customer.kind.household')], ['business', t('customer.kind.business')]] }),
      f('name', { required: true, maxlength: 100, wide: true }),
      f('kana', { required: true, maxlength: 100, wide: true, hint: t('customer.hint.kana') }),
    ] },
    { legend: t('customer.edit.contact'), fields: [
      f('phone1', { type: 'tel', maxlength: 20, hint: t('customer.hint.phone') }),
      f('phone2', { type: 'tel', maxlength: 20 }),
      f('email', { type: 'email', maxlength: 254, wide: true }),
      f('postal_code', { maxlength: 8, placeholder: '123-4567', hint: t('customer.hint.postal') }),
      f('prefecture', { type: 'select', options: choices(PREFECTURES.map((p) => [p, p]), t('form.choose')) }),
      f('address', { maxlength: 200, wide: true }),
      f('notes', { type: 'textarea', maxlength: 1000, wide: true, rows: 3 }),
    ] },
  ];
}

// The API's record as form values (null → "").
function asValues(c) {
  return Object.fromEntries(FIELDS.map((k) => [k, c?.[k] ?? (k === 'kind' ? 'household' : '')]));
}

// The fields whose value differs between a and b.
function changed(a, b) {
  return FIELDS.filter((k) => String(a[k] ?? '') !== String(b[k] ?? ''));
}

export async function render(el, ctx) {
  const id = ctx.params.id || null;
  const title = id ? t('customer.editTitle') : t('customers.new');
  ctx.title(title);
  let base = asValues(null);
  let etag = '';
  let current = null;
  if (id) {
    el.append(loading());
    try {
      const r = await api('GET', `/api/v1/customers/${encodeURIComponent(id)}`, undefined, { full: true });
      current = r.data;
      base = asValues(r.data);
      etag = r.headers.get('ETag');
    } catch (e) {
      if (!ctx.alive()) return;
      fill(el, h('h1', { tabindex: '-1' }, title), loadError(e, () => ctx.reload()));
      return;
    }
    if (!ctx.alive()) return;
  }
  const back = id ? `#/customers/${id}` : '#/customers';
  const f = form({
    groups: specs(), values: base, cls: 'customer-form',
    submitLabel: id ? t('common.save') : t('customers.create'),
    draftKey: id ? `customer:${id}:edit` : 'customer:new',
    draftExtra: () => ({ etag, base }),
    onDraft: (extra) => {
      if (extra?.etag) { etag = extra.etag; base = extra.base; } // the version the draft was typed on
    },
    actions: [h('a', { class: 'button', href: back, id: 'edit-cancel',
                       onclick: () => f.dropDraft() }, t('common.cancel'))],
    onSubmit: async (values) => {
      if (!id) {
        const body = Object.fromEntries(FIELDS.filter((k) => values[k] !== '').map((k) => [k, values[k]]));
        const c = await api('POST', '/api/v1/customers', body);
        f.dropDraft();
        notify('ok', t('customer.created', { name: c.name }));
        ctx.go(`/customers/${c.id}`);
        return true;
      }
      const keys = changed(values, base);
      if (!keys.length) {
        f.message('info', h('p', {}, t('customer.noChanges')));
        return true;
      }
      const body = Object.fromEntries(keys.map((k) => [k, values[k]]));
      try {
        const c = await api('PATCH', `/api/v1/customers/${id}`, body, { headers: { 'If-Match': etag } });
        f.dropDraft();
        notify('ok', t('customer.saved', { name: c.name }));
        ctx.go(`/customers/${id}`);
        return true;
      } catch (e) {
        if (e.code !== 'customers.version_conflict') throw e;
        conflict(e);
        return false;
      }
    },
  });

  // Someone else saved first: explain, and offer the latest version with
  // this user's own changes kept on top.
  function conflict(e) {
    const reloadBtn = h('button', { type: 'button', class: 'primary', id: 'conflict-reload' }, t('conflict.reload'));
    reloadBtn.addEventListener('click', async () => {
      reloadBtn.disabled = true;
      reloadBtn.textContent = t('common.loading');
      try {
        const r = await api('GET', `/api/v1/customers/${id}`, undefined, { full: true });
        const latest = asValues(r.data);
        const mine = changed(f.values(), base);
        const theirs = changed(base, latest);
        const merged = { ...latest };
        for (const k of mine) merged[k] = f.values()[k];
        base = latest;
        etag = r.headers.get('ETag');
        current = r.data;
        f.clearErrors();
        f.setValues(merged);
        f.saveDraft();
        for (const k of theirs) f.fields.get(k)?.el.classList.add('changed-by-other');
        f.message('info', h('p', {}, t('conflict.reloaded', {
          who: r.data.updated_at ? formatDateTime(r.data.updated_at) : '',
          theirs: theirs.map((k) => t(`customer.f.${k}`)).join('、') || t('conflict.nothing'),
          mine: mine.map((k) => t(`customer.f.${k}`)).join('、') || t('conflict.nothing'),
        })));
      } catch (err) {
        f.message('error', h('p', {}, problemText(err)));
      }
    });
    f.message('error', h('p', { class: 'conflict-title' }, problemText(e)),
      h('p', {}, t('conflict.explain')), h('div', { class: 'actions left' }, reloadBtn));
    reloadBtn.focus();
  }

  fill(el, h('div', { class: 'page-head' },
    h('div', {}, h('p', { class: 'crumbs' }, h('a', { href: back }, id ? current.name : t('customers.title'))),
      h('h1', { tabindex: '-1' }, title))),
    f.el);
  el.querySelector('h1').focus();
}
