// home.js — ダッシュボード: the day's work at a glance. The panels and their
// order are in home-panels.js (where the alarms panel will be added); this
// page lays out the regions, loads the panels the user may see, each on
// its own (one slow or failing panel never blocks the others), and cleans
// them up when the user leaves.
import { h } from '../lib/dom.js';
import { formatDate, todayJst } from '../lib/format.js';
import { t } from '../lib/i18n.js';
import { canAll, session } from '../lib/session.js';
import { loadError, loading } from '../lib/ui.js';
import { PANELS, REGIONS } from '../home-panels.js';

async function mount(panel, body, ctx, cleanups) {
  body.append(loading());
  try {
    const mod = await panel.load();
    body.replaceChildren();
    const c = await mod.render(body, ctx);
    if (typeof c === 'function') cleanups.push(c);
  } catch (e) {
    if (e?.status === undefined) throw e;
    body.replaceChildren(loadError(e, () => { body.replaceChildren(); mount(panel, body, ctx, cleanups); }));
  }
}

export function render(el, ctx) {
  ctx.title(t('home.title'));
  const cleanups = [];
  el.append(h('div', { class: 'page-head' },
    h('h1', { tabindex: '-1' }, t('home.title')),
    h('p', { class: 'sub' }, t('home.greeting', { name: session.me.user.display_name, date: formatDate(todayJst()) }))));
  // alarms first, full width, only when a panel fills it; then one grid of
  // cards: today's work, then notices
  const grid = h('div', { class: 'home-grid' });
  for (const region of REGIONS) {
    const panels = PANELS.filter((p) => p.region === region && canAll(p.perm));
    if (!panels.length) continue;
    let into = grid;
    if (region === 'alarms') {
      into = h('section', { class: 'region-alarms', 'aria-label': t('home.region.alarms'),
                            dataset: { region } });
      el.append(into);
    }
    for (const p of panels) {
      const titleId = `panel-${p.id}-title`;
      const body = h('div', { class: 'panel-body' });
      into.append(h('section', { class: `panel panel-${region}`, id: `panel-${p.id}`, 'aria-labelledby': titleId,
                                 dataset: { region } },
        h('h2', { id: titleId }, t(p.title)), body));
      mount(p, body, ctx, cleanups);
    }
  }
  el.append(grid);
  el.querySelector('h1').focus();
  return () => cleanups.forEach((c) => c());
}
