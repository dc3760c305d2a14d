// chart.js — the customer page's usage chart (使用量の推移), inline SVG.
//
// One bar per month for the last N months (the current JST month last),
// each month the sum of the usage of the readings dated in it (a move
// splits a month in two readings). Months without a reading have no bar
// and say so in their tooltip. Colours come from app.css (classes), the
// numbers from the API's m³ strings; a text summary goes to screen readers.
import { s, uid } from './dom.js';
import { formatM3, formatMonth, todayJst } from './format.js';
import { lang, t } from './i18n.js';

function addMonths(ym, n) {
  const [y, m] = ym.split('-').map(Number);
  const k = y * 12 + (m - 1) + n;
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
}

// A round step for the y axis (1, 2, 5 × 10^k) giving about 4 lines.
function niceStep(max) {
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((x) => x * p).find((x) => x >= raw) || p * 10;
}

// { month: 'YYYY-MM', m3: number|null, flagged: bool } for the last months.
export function monthlyUsage(readings, months = 24, thisMonth = todayJst().slice(0, 7)) {
  const first = addMonths(thisMonth, -(months - 1));
  const out = [];
  for (let i = 0; i < months; i++) out.push({ month: addMonths(first, i), tenths: null, flagged: false });
  const byMonth = new Map(out.map((x) => [x.month, x]));
  for (const r of readings) {
    const b = byMonth.get(r.read_on.slice(0, 7));
    if (!b || r.usage_m3 === null || r.usage_m3 === undefined) continue;
    // sum in tenths of m³: the API's one-decimal strings, no float drift
    b.tenths = (b.tenths || 0) + Math.round(Number(r.usage_m3) * 10);
    if (r.status === 'flagged') b.flagged = true;
  }
  return out.map((x) => ({ month: x.month, flagged: x.flagged,
                           m3: x.tenths === null ? null : x.tenths / 10 }));
}

function shortMonth(ym) {
  const [y, m] = ym.split('-').map(Number);
  if (lang() === 'en') return m === 1 ? String(y) : String(m);
  return m === 1 ? `${y}年` : `${m}月`;
}

export function usageChart(readings, months = 24) {
  const data = monthlyUsage(readings, months);
  const W = 760, H = 260, L = 48, R = 12, T = 16, B = 40;
  const max = Math.max(1, ...data.map((d) => d.m3 || 0));
  const step = niceStep(max);
  const top = Math.ceil(max / step) * step;
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const slot = (W - L - R) / data.length;
  const titleId = uid('chart');
  const descId = uid('chart-desc');
  const known = data.filter((d) => d.m3 !== null);
  const total = known.reduce((a, d) => a + Math.round(d.m3 * 10), 0) / 10;
  const svg = s('svg', { class: 'usage-chart', viewBox: `0 0 ${W} ${H}`, role: 'img',
                         'aria-labelledby': `${titleId} ${descId}` },
    s('title', { id: titleId }, t('chart.title', { n: months })),
    s('desc', { id: descId }, t('chart.desc', {
      from: formatMonth(data[0].month), to: formatMonth(data[data.length - 1].month),
      n: known.length, total: formatM3(total.toFixed(1)),
    })));
  for (let v = 0; v <= top + 1e-9; v += step) {
    svg.append(s('line', { class: 'grid-line', x1: L, x2: W - R, y1: y(v), y2: y(v) }),
               s('text', { class: 'axis-label', x: L - 6, y: y(v) + 4, 'text-anchor': 'end' },
                 Number(v.toFixed(1)).toString()));
  }
  svg.append(s('text', { class: 'axis-unit', x: 4, y: 12 }, 'm³'));
  data.forEach((d, i) => {
    const x = L + i * slot;
    const label = `${formatMonth(d.month)}: ${d.m3 === null ? t('chart.none') : formatM3(d.m3.toFixed(1))}`;
    const g = s('g', { class: 'bar-slot' }, s('title', {}, label));
    if (d.m3 !== null) {
      const h = Math.max(1, y(0) - y(d.m3));
      g.append(s('rect', { class: d.flagged ? 'bar flagged' : 'bar', x: x + slot * 0.18,
                           y: y(0) - h, width: slot * 0.64, height: h, rx: 2 }));
    } else {
      g.append(s('rect', { class: 'bar-gap', x: x + slot * 0.18, y: y(0) - 2, width: slot * 0.64, height: 2 }));
    }
    // an invisible full-height target so the tooltip works on short bars
    g.append(s('rect', { class: 'bar-hit', x, y: T, width: slot, height: H - T - B }));
    svg.append(g);
    const [, m] = d.month.split('-').map(Number);
    if (m % 3 === 1) { // 1月 (as the year), 4月, 7月, 10月
      svg.append(s('text', { class: m === 1 ? 'axis-label year' : 'axis-label', x: x + slot / 2,
                             y: H - B + 18, 'text-anchor': 'middle' }, shortMonth(d.month)));
    }
  });
  svg.append(s('line', { class: 'axis', x1: L, x2: W - R, y1: y(0), y2: y(0) }));
  return svg;
}
