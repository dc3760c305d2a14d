// field.js — the meter reader's page (検針・現場): sign in, pick today's
// route, read the meters in route order. Works without network: the
// service worker (sw.js) keeps the page's files, store.js keeps the last
// route sheet and a queue of readings in IndexedDB, and the queue is sent
// (POST /api/v1/readings, one idempotency key per reading) on load, when
// the network returns, after each entry and every 30 s while it is not
// empty. A session that ends sends the reader to sign-in; the queue stays.
import { api, setCsrfToken } from '../js/lib/api.js';
import { installErrorReporting } from '../js/lib/report.js';
import { clear, h } from './dom.js';
import { cardState, isRead, renderCard, sheetHeader } from './sheet.js';
import * as store from './store.js';
import { signIn } from './signin.js';

const $ = (id) => document.getElementById(id);
const LOAD_TIMEOUT = 15000;
// What the page says (Japanese: the readers' language).
const MSG = {
  kept: '未送信の検針は端末に残っています。',
  sessionEnded:
    'セッションが切れました。もう一度サインインしてください。未送信の検針は端末に残っています。',
  readOnly:
    'この役割では検針を記録できません（表示のみ）。',
  sheetOffline:
    'オフラインのため検針表を読み込めません。電波の良い場所で「更新」を押してください。',
  noRoutes:
    '検針中の路線がありません（事務所が検針月を開くと表示されます）。',
  noKept:
    'オフラインです。この端末に保存された検針表がありません。',
  noStorage:
    'この端末のブラウザでは検針を保存できません（プライベートモードを解除してください）。',
  noWorker:
    'この端末ではオフライン表示が使えません。',
  signedOut:
    'サインアウトしました。',
  signInOffline:
    'オフラインです。サインインには電波が必要です。',
};
// Roles that may record readings (readings.write); the others see the
// sheet only. The server decides; this only spares them a refusal.
const WRITERS = new Set(['admin', 'office', 'reader']);

const st = {
  me: null,          // GET /api/v1/auth/me (or the cached one when offline)
  owner: null,       // "<tenant code>/<login ID>"
  csrf: false,       // true once this page load has a session's CSRF token
  online: navigator.onLine,
  route: null, month: null, period: null,
  points: [], fetchedAt: 0, cached: false,
  queue: [],         // this owner's unsent readings
  others: 0,         // unsent readings of other users of this handheld
  results: new Map(), // supply_point_id → latest server answer
  states: new Map(),  // supply_point_id → JSON of the card's last state
  open: new Set(),    // points whose input was reopened
  syncing: false, again: false,
  signingIn: false,   // the sign-in form is up
};

function show(section) {
  for (const id of ['signin', 'routes', 'sheet']) $(id).hidden = id !== section;
  $('nav').hidden = section === 'signin';
  $('left').hidden = section !== 'sheet';
}

// The message line under the header; kind says who set it, so sending
// clears only its own message.
function banner(text, kind = 'load') {
  const b = $('banner');
  b.textContent = text || '';
  b.hidden = !text;
  b.dataset.kind = text ? kind : '';
}

function setOnline(on) {
  st.online = on;
  const net = $('net');
  net.textContent = on ? 'オンライン' : 'オフライン';
  net.className = on ? 'badge on' : 'badge off';
}

function showQueue() {
  const q = $('queue');
  const n = st.queue.length;
  q.hidden = !st.owner && !n;
  q.textContent = st.syncing && n ? '送信中…' : n ? `未送信 ${n} 件` : '送信済み';
  q.className = n ? 'badge wait' : 'badge on';
  $('others').hidden = !st.others;
  $('others').textContent = st.others
    ? `この端末に他の利用者の未送信 ${st.others} 件があります`
      + '（その人のサインインで送ります）' : '';
}

function monthOf(date) {
  return date.slice(0, 7);
}

// "2026-01" + -1 → "2025-12".
function addMonths(month, n) {
  const [y, m] = month.split('-').map(Number);
  const k = y * 12 + (m - 1) + n;
  return `${Math.floor(k / 12)}-${String((k % 12) + 1).padStart(2, '0')}`;
}

// Re-read the queue and the answers of the current route from IndexedDB.
async function reload() {
  const all = await store.queued();
  st.queue = all.filter((q) => q.owner === st.owner);
  st.others = all.length - st.queue.length;
  st.results = new Map();
  if (st.route) {
    const rs = await store.results(st.owner, st.route, st.month);
    for (const r of rs.sort((a, b) => a.at - b.at)) st.results.set(r.supply_point_id, r);
  }
  showQueue();
}

function stateOf(p) {
  const q = st.queue.find((x) => x.supply_point_id === p.supply_point_id &&
                                 x.month === st.month);
  return cardState(p, q, st.results.get(p.supply_point_id), st.fetchedAt);
}

function renderHeader() {
  const read = st.points.filter((p) => isRead(stateOf(p))).length;
  $('left').textContent = `残 ${st.points.length - read}`; // stays in view
  const head = sheetHeader(st.route, st.month, st.period, read,
    st.points.length, st.cached ? st.fetchedAt : 0);
  if (!WRITERS.has(st.me?.user?.role)) {
    head.append(h('p', { class: 'hint notice' }, MSG.readOnly));
  }
  clear($('sheet-head')).append(head);
}

function renderPoint(p, force) {
  const card = $(`p-${p.supply_point_id}`);
  const state = stateOf(p);
  const key = JSON.stringify([p, state, st.open.has(p.supply_point_id)]);
  if (!force && st.states.get(p.supply_point_id) === key) return;
  st.states.set(p.supply_point_id, key);
  renderCard(card, p, state, {
    open: st.open.has(p.supply_point_id),
    readOnly: !WRITERS.has(st.me?.user?.role),
    onRecord: record,
    onReopen: () => {
      st.open.add(p.supply_point_id);
      renderPoint(p);
      card.querySelector('input.index')?.focus();
    },
  });
}

function renderSheet() {
  const list = clear($('points'));
  st.states.clear();
  for (const p of st.points) {
    list.append(h('article', { id: `p-${p.supply_point_id}`, class: 'point' }));
    renderPoint(p, true);
  }
  if (!st.points.length && st.fetchedAt) {
    list.append(h('p', { class: 'hint' }, 'この路線に供給地点がありません。'));
  }
  renderHeader();
}

function refreshCards() {
  for (const p of st.points) renderPoint(p);
  renderHeader();
}

// Bring the next unread point after `from` (else the first unread) into
// view, so the reader walks the route without scrolling by hand.
function scrollToNext(from) {
  const unread = (p) => ['todo', 'error'].includes(stateOf(p).kind);
  const i = st.points.indexOf(from);
  const next = st.points.slice(i + 1).find(unread) || st.points.find(unread);
  for (const el of document.querySelectorAll('.point.next')) el.classList.remove('next');
  if (!next) return;
  const card = $(`p-${next.supply_point_id}`);
  card.classList.add('next');
  card.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

async function record(point, index, note) {
  await store.enqueue(st.owner, st.route, st.month, {
    supply_point_id: point.supply_point_id, read_on: store.todayJst(), index, note,
  });
  st.open.delete(point.supply_point_id);
  await reload();
  refreshCards();
  scrollToNext(point);
  sync();
}

// The session is gone (expired, signed out elsewhere): sign in again; the
// queue stays in IndexedDB and is sent afterwards.
async function sessionLost() {
  st.csrf = false;
  if (st.signingIn) return; // already asked
  await begin(MSG.sessionEnded);
}

async function ensureCsrf() {
  if (st.csrf) return;
  const me = await api('GET', '/api/v1/auth/me', undefined, { timeout: LOAD_TIMEOUT });
  setCsrfToken(me.csrf);
  st.csrf = true;
}

// Send the queue; answers land on the cards as they come.
async function sync() {
  if (!st.owner || st.signingIn) return;
  if (!navigator.onLine) { // certainly no network (true is only maybe)
    setOnline(false);
    return;
  }
  if (st.syncing) {
    st.again = true;
    return;
  }
  st.syncing = true;
  showQueue();
  let lost = false;
  try {
    let sent = false;
    do {
      st.again = false;
      if (!(await store.queued(st.owner)).length) break;
      await ensureCsrf();
      await store.sendQueue(st.owner, async () => {
        sent = true;
        await reload();
        refreshCards();
      });
    } while (st.again);
    if (sent) setOnline(true);
    if ($('banner').dataset.kind === 'send') banner('');
  } catch (e) {
    const kind = e.kind || (e.status === 0 ? 'offline' : e.status === 401 ? 'session' : 'refused');
    if (kind === 'offline') setOnline(false);
    else if (kind === 'session') lost = true;
    else banner(`送信できませんでした: ${e.message}。${MSG.kept}`, 'send');
  } finally {
    st.syncing = false;
    await reload();
    if (st.route) refreshCards();
  }
  if (lost) await sessionLost();
}

// Show a sheet (cached or fresh) without disturbing the cards when the
// points are the same ones: what the reader is typing stays.
function useSheet(rec, isCached) {
  const ids = (ps) => ps.map((p) => p.supply_point_id).join(',');
  const points = rec.sheet.points || [];
  const same = st.points.length > 0 && ids(st.points) === ids(points);
  Object.assign(st, { period: rec.sheet.period, points,
                      fetchedAt: rec.fetched_at, cached: isCached });
  if (same) refreshCards();
  else renderSheet();
}

// Fetch the current route's sheet from the server and keep it. quiet: a
// background refresh, which says nothing when it fails.
async function fetchSheet(quiet) {
  const { route, month } = st;
  try {
    const path = `/api/v1/reading-routes/${encodeURIComponent(route)}/sheet?month=${month}`;
    const sheet = await api('GET', path, undefined, { timeout: LOAD_TIMEOUT });
    if (st.route !== route || st.month !== month) return;
    await store.saveSheet(st.owner, route, month, sheet);
    useSheet({ sheet, fetched_at: Date.now() }, false);
    setOnline(true);
  } catch (e) {
    if (e.status === 0) {
      setOnline(false);
      if (!quiet && !st.fetchedAt) {
        banner(MSG.sheetOffline);
      }
    } else if (e.status === 401) {
      if (!quiet) await sessionLost();
    } else if (!quiet) {
      banner(`検針表を読み込めません: ${e.message}`);
    }
  }
}

async function openSheet(route, month) {
  Object.assign(st, { route, month, period: null, points: [], fetchedAt: 0,
                     cached: false, open: new Set() });
  await store.setMeta('last', { owner: st.owner, route, month });
  show('sheet');
  await reload();
  const cached = await store.loadSheet(st.owner, route, month);
  if (cached) useSheet(cached, true);
  else renderSheet();
  await fetchSheet(false);
  if (st.route === route) scrollToNext(null);
}

function routeButton(route, month, text, last) {
  const [y, m] = month.split('-').map(Number);
  return h('button', {
    type: 'button', class: last ? 'route last' : 'route',
    onclick: () => openSheet(route, month),
  }, h('strong', {}, route), h('span', {}, `${y}年${m}月分`),
  h('span', { class: 'hint' }, text));
}

// The routes with an open period last, this or next month; offline, the
// routes whose sheets are kept on this handheld.
async function openRoutes() {
  show('routes');
  const list = clear($('route-list'));
  const last = await store.getMeta('last');
  const month = monthOf(store.todayJst());
  try {
    // a period's window may start in the month before its own (25th to
    // 10th), and late readings still go to last month's open period
    const months = [addMonths(month, -1), month, addMonths(month, 1)];
    const answers = await Promise.all(months.map((m) =>
      api('GET', `/api/v1/reading-routes?month=${m}`, undefined, { timeout: LOAD_TIMEOUT })));
    setOnline(true);
    const open = answers.flatMap((a) => a.routes || [])
      .filter((r) => r.period && r.period.status === 'open');
    for (const r of open) {
      const mine = last && last.route === r.route && last.month === r.period.month;
      list.append(routeButton(r.route, r.period.month,
        `残 ${r.remaining} / 全 ${r.points}${r.flagged ? `・要確認 ${r.flagged}` : ''}`, mine));
    }
    if (!open.length) list.append(h('p', { class: 'hint' }, MSG.noRoutes));
  } catch (e) {
    if (e.status === 401) return sessionLost();
    if (e.status !== 0) return banner(`路線を読み込めません: ${e.message}`);
    setOnline(false);
    const kept = await store.cachedSheets(st.owner);
    for (const s of kept) {
      list.append(routeButton(s.route, s.month,
        `端末に保存済み（全 ${s.sheet.points?.length ?? 0} 件）`, false));
    }
    if (!kept.length) list.append(h('p', { class: 'hint' }, MSG.noKept));
  }
}

// Is the last route still being read (an open period)? Online only.
async function lastRouteStillOpen(last) {
  try {
    const a = await api('GET', `/api/v1/reading-routes?month=${last.month}`,
      undefined, { timeout: LOAD_TIMEOUT });
    return (a.routes || []).some((r) => r.route === last.route &&
                                        r.period?.status === 'open');
  } catch (e) {
    return e.status === 0; // offline: keep working on it
  }
}

async function adopt(me) {
  st.me = me;
  st.owner = `${me.tenant.code}/${me.user.login_id}`;
  await store.adoptOwner(st.owner);
  await store.setMeta('me', { owner: st.owner, tenant: me.tenant,
    user: { login_id: me.user.login_id, display_name: me.user.display_name,
            role: me.user.role } });
  $('who').textContent = `${me.user.display_name || me.user.login_id}（${me.tenant.name}）`;
}

// Who is signed in: the server's answer, else (offline) the last user of
// this handheld, else sign-in. notice: why sign-in is shown.
async function begin(notice) {
  let me = null;
  if (!notice) {
    try {
      me = await api('GET', '/api/v1/auth/me', undefined, { timeout: LOAD_TIMEOUT });
      setOnline(true);
      st.csrf = true;
      setCsrfToken(me.csrf);
    } catch (e) {
      if (e.status === 0) {
        setOnline(false);
        const cached = await store.getMeta('me');
        if (cached) me = { tenant: cached.tenant, user: cached.user };
        else notice = MSG.signInOffline;
      }
    }
  }
  if (!me) {
    show('signin');
    const prefill = JSON.parse(localStorage.getItem('field.signin') || '{}');
    st.signingIn = true; // no sending (and no new sign-in form) meanwhile
    try {
      me = await signIn($('signin'), { prefill, notice });
    } finally {
      st.signingIn = false;
    }
    st.csrf = true;
    setOnline(true);
  }
  await adopt(me);
  await reload();
  const last = await store.getMeta('last');
  if (last && last.owner === st.owner && (await lastRouteStillOpen(last))) {
    await openSheet(last.route, last.month);
  } else {
    await openRoutes();
  }
  sync();
}

async function signOut() {
  const n = st.queue.length;
  const ask = `未送信の検針が ${n} 件あります。端末に残り、次に同じ人が`
    + 'サインインしたときに送ります。サインアウトしますか？';
  if (n && !window.confirm(ask)) return;
  try {
    await api('POST', '/api/v1/auth/logout', undefined, { timeout: LOAD_TIMEOUT });
  } catch (e) {
    // already signed out, or offline: the cookie ends with the session
  }
  await store.forgetOwner(st.owner);
  Object.assign(st, { me: null, owner: null, csrf: false, route: null, points: [] });
  $('who').textContent = '';
  setCsrfToken('');
  await begin(MSG.signedOut);
}

function wire() {
  $('to-routes').addEventListener('click', () => openRoutes());
  $('refresh').addEventListener('click', async () => {
    banner('');
    if (st.route) await openSheet(st.route, st.month);
    else await openRoutes();
    sync();
  });
  $('signout').addEventListener('click', () => signOut());
  window.addEventListener('online', async () => {
    setOnline(true);
    await sync();
    if (st.cached && st.route) fetchSheet(true);
  });
  window.addEventListener('offline', () => setOnline(false));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') sync();
  });
  setInterval(() => {
    if (st.queue.length && !st.syncing) sync();
  }, 30000);
}

async function init() {
  installErrorReporting();
  setOnline(navigator.onLine);
  showQueue();
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.register('/field/sw.js', { scope: '/field/' })
      .catch(() => banner(MSG.noWorker));
  }
  try {
    await store.openStore();
  } catch (e) {
    banner(MSG.noStorage);
    return;
  }
  wire();
  await begin('');
}

init();
