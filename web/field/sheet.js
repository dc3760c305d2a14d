// sheet.js — the route sheet (検針表) as cards, one per supply point in
// route order, each with a large index input and a 記録 button. Usage is
// shown as soon as an index is entered (worked out here from the previous
// index), then the server's flags (要確認) once the reading is sent.
import { fill, h } from './dom.js';

// Check codes of POST /api/v1/readings, as the reader reads them.
export const FLAG_TEXT = {
  high: '前年・前月より多い',
  low: '前年・前月より少ない',
  zero: '使用量ゼロ',
  inactive: '休止・解約中の使用',
  date_outside: '検針期間外',
  decimal: '小数点の位置',
  rollover: '一巡',
  exchange: 'メーター交換',
};
// Flags that put a reading on the review list; the others only explain.
const REVIEW = new Set(['high', 'low', 'zero', 'inactive', 'date_outside',
                        'decimal']);

// "１２３４．５" / "1234.5" / "1234" → tenths of a m³ (12345), or null.
export function parseIndex(text) {
  const s = String(text)
    .replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[．。]/g, '.').replace(/\s/g, '');
  const m = /^(\d{1,9})(?:\.(\d))?$/.exec(s);
  return m ? Number(m[1]) * 10 + Number(m[2] || 0) : null;
}

export function formatTenths(t) {
  return `${Math.trunc(t / 10)}.${t % 10}`;
}

// Local usage in tenths from the previous index (null without one);
// rollover past the register's maximum when the index went down.
export function localUsage(point, tenths) {
  const prev = point.previous ? parseIndex(point.previous.index) : null;
  if (prev === null) return null;
  if (tenths >= prev) return { tenths: tenths - prev, rollover: false };
  const digits = point.meter?.digits;
  if (!digits) return { tenths: tenths - prev, rollover: false };
  return { tenths: 10 ** digits * 10 - prev + tenths, rollover: true };
}

function shortDate(iso) {
  if (!iso) return '';
  const [, m, d] = iso.split('-').map(Number);
  return `${m}月${d}日`;
}

function flagChips(flags) {
  return (flags || []).map((f) => h('span', {
    class: REVIEW.has(f) ? 'chip review' : 'chip',
    dataset: { flag: f },
  }, FLAG_TEXT[f] || f));
}

// What a card shows now, from the unsent queue item, the server's last
// answer and the sheet's own reading, newest knowledge first.
export function cardState(point, q, r, fetchedAt) {
  if (q) return { kind: 'queued', index: q.index };
  const fresh = point.reading && r && fetchedAt > r.at &&
    ['accepted', 'flagged', 'duplicate'].includes(r.outcome);
  if (r && !fresh) {
    const reading = r.reading || point.reading;
    if (r.outcome === 'error') return { kind: 'error', index: r.index, error: r.error };
    if (r.outcome === 'conflict') return { kind: 'conflict', index: r.index, reading };
    const flags = r.flags?.length ? r.flags : reading?.flags || [];
    const review = r.outcome === 'flagged' || flags.some((f) => REVIEW.has(f));
    return { kind: review ? 'flagged' : 'done', index: r.index, reading, flags };
  }
  if (point.reading) {
    const flags = point.reading.flags || [];
    return { kind: point.reading.status === 'flagged' ? 'flagged' : 'done',
             index: point.reading.index, reading: point.reading, flags };
  }
  return { kind: 'todo' };
}

export function isRead(state) {
  return ['queued', 'done', 'flagged', 'conflict'].includes(state.kind);
}

function usageText(point, state) {
  const m3 = state.reading?.usage_m3;
  if (m3 !== undefined && m3 !== null) return `使用量 ${m3} m³`;
  const t = parseIndex(state.index ?? '');
  const u = t === null ? null : localUsage(point, t);
  if (!u) return '';
  if (u.tenths < 0) return '前回指針より小さい値です';
  return `使用量 ${formatTenths(u.tenths)} m³${u.rollover ? '（一巡）' : ''}`;
}

// 検針票: the reading's slip (PDF, priced by the server) in a new tab.
function slipLink(state) {
  const id = state.reading?.id;
  return id ? h('p', { class: 'slip' }, h('a', {
    href: `/api/v1/readings/${encodeURIComponent(id)}/slip.pdf`, target: '_blank', rel: 'noopener',
  }, '検針票')) : null;
}

// The status lines under the input.
function statusLines(point, state) {
  const usage = usageText(point, state);
  const idx = state.index ? `今回 ${state.index}` : '';
  const head = [idx, usage].filter(Boolean).join('　');
  switch (state.kind) {
  case 'queued':
    return [h('p', { class: 'state queued' }, head),
            h('p', { class: 'state queued' }, '未送信（電波が戻ると自動で送ります）')];
  case 'done':
    return [h('p', { class: 'state done' }, head),
            h('p', { class: 'state done' }, '送信済み',
              state.reading?.source === 'estimated' ? '（推定値）' : '', ...flagChips(state.flags)),
            slipLink(state)];
  case 'flagged':
    return [h('p', { class: 'state flagged' }, head),
            h('p', { class: 'state flagged' }, '送信済み・要確認: ', ...flagChips(state.flags)),
            slipLink(state)];
  case 'conflict':
    return [h('p', { class: 'state conflict' }, head),
            h('p', { class: 'state conflict' },
              `別の値${state.reading?.index ? `（${state.reading.index}）` : ''}が記録済みです。事務所の確認待ちです。`)];
  case 'error': {
    const e = state.error || {};
    const why = e.errors?.[0]?.message || (/[^\x00-\x7f]/.test(e.detail || '') ? e.detail : '');
    return [h('p', { class: 'state error', role: 'alert' },
              e.title || '記録できませんでした', why ? `: ${why}` : ''),
            h('p', { class: 'state error' }, '値を確かめて、もう一度記録してください。')];
  }
  default:
    return [];
  }
}

// Warnings asked once before sending (tap 記録 again to send anyway).
function sanityWarning(point, tenths) {
  const u = localUsage(point, tenths);
  if (u && u.rollover) {
    return '前回指針より小さい値です。一巡（メーターが一回り）でなければ入力を確かめてください。';
  }
  if (u && u.tenths < 0) return '前回指針より小さい値です。入力を確かめてください。';
  const ly = point.last_year_usage_m3 ? parseIndex(point.last_year_usage_m3) : null;
  if (u && ly && u.tenths >= 50 && u.tenths > ly * 5) {
    return '前年同月の 5 倍を超える使用量です。小数点の位置を確かめてください。';
  }
  return '';
}

function entryForm(point, state, onRecord) {
  const id = `in-${point.supply_point_id}`;
  const input = h('input', {
    id, class: 'index', inputmode: 'decimal', autocomplete: 'off',
    enterkeyhint: 'done', maxlength: 12, placeholder: '0000.0',
    'aria-describedby': `hint-${point.supply_point_id}`,
  });
  if (state.kind === 'error' && state.index) input.value = state.index;
  const hint = h('p', { class: 'hint live', id: `hint-${point.supply_point_id}`,
                        'aria-live': 'polite' });
  const note = h('input', { class: 'note-in', maxlength: 200, autocomplete: 'off',
                            placeholder: '例: 不在・メーター見えず' });
  const button = h('button', { type: 'submit', class: 'record' }, '記録');
  let warned = '';
  input.addEventListener('input', () => {
    warned = '';
    const t = parseIndex(input.value);
    const u = t === null ? null : localUsage(point, t);
    hint.textContent = t === null ? (input.value ? '数字と小数点 1 桁で入力します' : '')
      : u && u.tenths >= 0 ? `使用量 ${formatTenths(u.tenths)} m³${u.rollover ? '（一巡）' : ''}` : '';
  });
  const form = h('form', { class: 'entry', novalidate: true },
    h('label', { for: id }, '今回指針（m³）'),
    h('div', { class: 'row' }, input, button),
    hint,
    h('details', { class: 'memo' }, h('summary', {}, 'メモを付ける'),
      h('label', {}, 'メモ', note)));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const t = parseIndex(input.value);
    const digits = point.meter?.digits;
    if (t === null) {
      hint.textContent = '指針を数字で入力してください（小数点以下 1 桁まで）';
      input.focus();
      return;
    }
    if (digits && t >= 10 ** digits * 10) {
      hint.textContent = `このメーターは ${digits} 桁です。入力を確かめてください`;
      return;
    }
    const warn = sanityWarning(point, t);
    if (warn && warned !== input.value) {
      warned = input.value;
      hint.textContent = `${warn}もう一度「記録」を押すと送ります。`;
      return;
    }
    onRecord(point, formatTenths(t), note.value.trim());
  });
  return form;
}

function pointFacts(p) {
  const facts = [];
  if (p.meter) {
    facts.push(['メーター', `${p.meter.serial}${p.meter.digits ? `（${p.meter.digits} 桁）` : ''}`]);
  }
  facts.push(['前回指針', p.previous
    ? `${p.previous.index}（${shortDate(p.previous.read_on)}）` : '—']);
  facts.push(['前年同月', p.last_year_usage_m3 ? `${p.last_year_usage_m3} m³` : '—']);
  return h('dl', { class: 'facts' },
    facts.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// One card. open: show the input even when the point is already read.
// readOnly: the user may not record (no input at all).
export function renderCard(card, point, state, { open, readOnly, onRecord, onReopen }) {
  const c = point.customer;
  card.classList.remove('is-todo', 'is-queued', 'is-done', 'is-flagged',
                        'is-conflict', 'is-error');
  card.classList.add('point', `is-${state.kind}`);
  card.dataset.state = state.kind;
  const showEntry = !readOnly && point.meter &&
    (open || ['todo', 'error'].includes(state.kind));
  fill(card,
    h('header', {},
      h('span', { class: 'order', title: '検針順' }, point.route_order ?? '—'),
      h('span', { class: 'who' },
        h('strong', { class: 'name' }, c ? `${c.name} 様` : '（空き家）'),
        c ? h('span', { class: 'number' }, `No.${c.number}`) : null)),
    h('p', { class: 'addr' }, point.address || ''),
    point.notes ? h('p', { class: 'notes' }, point.notes) : null,
    pointFacts(point),
    point.meter ? null : h('p', { class: 'state error' }, 'メーター未設置（事務所に連絡）'),
    ...statusLines(point, state),
    showEntry ? entryForm(point, state, onRecord) : null,
    !showEntry && !readOnly && point.meter && state.kind !== 'queued'
      ? h('button', { type: 'button', class: 'link', onclick: onReopen }, '入力し直す') : null);
}

// Header of the sheet: route, period and progress.
export function sheetHeader(route, month, period, read, total, cachedAt) {
  const [y, m] = month.split('-').map(Number);
  return h('div', { class: 'sheet-head' },
    h('h2', {}, `${route}　${y}年${m}月分`),
    period ? h('p', { class: 'hint' },
      `検針期間 ${shortDate(period.starts_on)}〜${shortDate(period.ends_on)}`) : null,
    h('p', { class: 'progress', id: 'progress' },
      h('span', {}, `済 ${read}`), h('span', {}, `残 ${total - read}`),
      h('span', {}, `全 ${total}`)),
    h('progress', { max: total || 1, value: read }),
    cachedAt ? h('p', { class: 'hint' },
      `保存済みの検針表（${new Date(cachedAt).toLocaleString('ja-JP', { timeZone: 'Asia/Tokyo' })} 取得）`) : null);
}
