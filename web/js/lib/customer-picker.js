// customer-picker.js — choosing a customer in a form: a search box with a
// short list of matches (GET /api/v1/customers?q=), used by moves (入居),
// cash collection and transfer assignment.
import { api } from './api.js';
import { clip, fill, h, uid } from './dom.js';
import { problemText, t } from './i18n.js';

// The picker for a form field f (built by forms.js field() with
// type hidden): a search box with a short list; picking one sets the
// field's value (the customer id), shows who was chosen and calls
// onPick(customer or null, restoring); `again` labels the button that
// clears the choice. restore(id) shows the customer a form draft named
// (restoring: true, so what else the draft holds stays).
export function customerPicker(f, { placeholder, again = t('common.pickAgain'), onPick = null } = {}) {
  const listId = uid('pick');
  const box = h('input', { type: 'search', class: 'text', id: uid('pick-q'), autocomplete: 'off',
                           placeholder, 'aria-controls': listId, 'aria-label': f.spec.label });
  const list = h('ul', { class: 'pick-list', id: listId });
  const chosen = h('p', { class: 'picked', hidden: true });
  let timer = 0;
  let seq = 0;
  const choose = (c, restoring = false) => {
    f.value = c ? String(c.id) : '';
    fill(chosen, c ? [h('strong', {}, c.number), ' ', clip(c.name), ' ',
                      h('button', { type: 'button', class: 'link', onclick: () => { choose(null); box.focus(); } },
                        again)] : []);
    chosen.hidden = !c;
    box.hidden = !!c;
    fill(list);
    f.setError('');
    if (!restoring) f.input.dispatchEvent(new Event('input', { bubbles: true })); // keeps the draft
    onPick?.(c, restoring);
  };
  box.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const my = ++seq;
      const q = box.value.trim();
      if (!q) { fill(list); return; }
      try {
        const r = await api('GET', `/api/v1/customers?limit=8&q=${encodeURIComponent(q)}`);
        if (my !== seq) return;
        fill(list, r.customers.length ? r.customers.map((c) => h('li', {}, h('button', {
          type: 'button', class: 'pick', onclick: () => choose(c),
        }, h('span', { class: 'num' }, c.number), ' ', clip(c.name), ' ', clip(c.kana, 'span', 'muted'))))
          : h('li', { class: 'muted' }, t('customers.noneFound')));
      } catch (e) {
        fill(list, h('li', { class: 'field-error' }, problemText(e)));
      }
    }, 250);
  });
  f.el.querySelector('label')?.setAttribute('for', box.id);
  f.input.after(box, chosen, list);
  const restore = async (id) => {
    try {
      choose(await api('GET', `/api/v1/customers/${encodeURIComponent(id)}`), true);
    } catch {
      choose(null, true); // gone or not allowed: pick again
    }
  };
  return { choose, restore, box };
}
