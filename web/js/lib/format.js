// format.js — how the console writes dates, money and volumes.
//
// Business dates are JST calendar dates "YYYY-MM-DD" from the API and are
// shown as 2026年4月1日, or in the Japanese era (和暦) as 令和8年4月1日 when
// the user chose it (表示設定); the first year of an era is 元年. English
// pages show 1 Apr 2026. Timestamps are UTC ISO strings shown in JST.
// Money is integer yen; volumes are strings in m³ with one decimal.
import { era, lang } from './i18n.js';

// Start dates of the eras (the day the era began), newest first.
const ERAS = [
  { name: '令和', start: '2019-05-01', y0: 2019 },
  { name: '平成', start: '1989-01-08', y0: 1989 },
  { name: '昭和', start: '1926-12-25', y0: 1926 },
  { name: '大正', start: '1912-07-30', y0: 1912 },
  { name: '明治', start: '1868-10-23', y0: 1868 },
];
const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug',
                   'Sep', 'Oct', 'Nov', 'Dec'];

function parts(iso) {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?/.exec(iso || '');
  return m ? { y: Number(m[1]), m: Number(m[2]), d: m[3] ? Number(m[3]) : 0 } : null;
}

// "令和8年" for a date (or the first day of a month) in an era.
function eraYear(iso) {
  const e = ERAS.find((x) => iso >= x.start);
  if (!e) return null;
  const n = Number(iso.slice(0, 4)) - e.y0 + 1;
  return `${e.name}${n === 1 ? '元' : n}年`;
}

// "2026-04-01" → 2026年4月1日 / 令和8年4月1日 / 1 Apr 2026; "" for none.
// style: 'seireki' or 'wareki' (default: the user's choice).
export function formatDate(iso, style = era()) {
  const p = parts(iso);
  if (!p || !p.d) return iso || '';
  if (lang() === 'en') return `${p.d} ${EN_MONTHS[p.m - 1]} ${p.y}`;
  const y = style === 'wareki' ? eraYear(iso.slice(0, 10)) : null;
  return `${y || `${p.y}年`}${p.m}月${p.d}日`;
}

// "2026-04" → 2026年4月 / 令和8年4月 / Apr 2026. A month that begins in
// one era and ends in the next (2019-05 began in 令和) takes its first day.
export function formatMonth(ym) {
  const p = parts(ym);
  if (!p) return ym || '';
  if (lang() === 'en') return `${EN_MONTHS[p.m - 1]} ${p.y}`;
  const y = era() === 'wareki' ? eraYear(`${ym.slice(0, 7)}-01`) : null;
  return `${y || `${p.y}年`}${p.m}月`;
}

const jstParts = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit',
  hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
});

// ISO UTC timestamp → its JST date "YYYY-MM-DD" and time "HH:MM".
export function jst(isoOrDate) {
  const d = isoOrDate instanceof Date ? isoOrDate : new Date(isoOrDate);
  if (Number.isNaN(d.getTime())) return null;
  const o = Object.fromEntries(jstParts.formatToParts(d).map((x) => [x.type, x.value]));
  return { date: `${o.year}-${o.month}-${o.day}`, time: `${o.hour}:${o.minute}` };
}

// ISO UTC timestamp → "2026年4月1日 09:05" (JST).
export function formatDateTime(iso) {
  const j = iso ? jst(iso) : null;
  return j ? `${formatDate(j.date)} ${j.time}` : '';
}

// Today in Japan, "YYYY-MM-DD".
export function todayJst() {
  return jst(new Date()).date;
}

// 12345 → "12,345円" (ja) / "¥12,345" (en); negative with a minus sign.
export function formatYen(n) {
  if (n === null || n === undefined || n === '') return '';
  const v = Number(n);
  const abs = Math.abs(v).toLocaleString('ja-JP');
  const sign = v < 0 ? '−' : '';
  return lang() === 'en' ? `${sign}¥${abs}` : `${sign}${abs}円`;
}

// "4.2" → "4.2 m³"; "" for none.
export function formatM3(v) {
  return v === null || v === undefined || v === '' ? '' : `${v} m³`;
}

// Thousands separators for a count.
export function formatCount(n) {
  return Number(n || 0).toLocaleString('ja-JP');
}

// Kept for older callers: the status page's names.
export const formatBusinessDate = formatDate;
export const formatTimestamp = formatDateTime;
