// store.js — the field page's local data (IndexedDB "pilotlight-field"):
//
//   queue    readings entered but not yet answered by the server (未送信),
//            each with its client idempotency key; removed only once the
//            server has answered that key, so a resend after a lost answer
//            is safe (the server replays its first answer for a known key);
//   results  the server's answers (accepted / flagged / duplicate /
//            conflict / error), so flags and errors stay on the cards after
//            a reload without network;
//   sheets   the last route sheet fetched per route and month, so the page
//            opens in a basement or a mountain valley;
//   meta     who signed in last (tenant, login ID) and the last route.
//
// Every record carries `owner` ("<tenant code>/<login ID>"): a different
// user signing in on the same handheld never sees or sends another's data.
import { api } from '../js/lib/api.js';
import { openDb } from '../js/lib/idb.js';

const DB_NAME = 'pilotlight-field';
const BATCH = 100; // items per POST (the API takes up to 500)
const SEND_TIMEOUT = 20000;

// Item errors that are the server's trouble, not the reading's: the item
// stays queued and is sent again later (nothing was stored for its key).
const RETRY = /^(internal|io|config|unavailable|http\.shutting_down|store\.|audit\.)/;

let db = null;

const KEEP_MS = 45 * 86400 * 1000; // answers and sheets: about a period

export async function openStore() {
  db = await openDb(DB_NAME, 1, (d) => {
    d.createObjectStore('queue', { keyPath: 'key' });
    d.createObjectStore('results', { keyPath: 'key' });
    d.createObjectStore('sheets', { keyPath: 'id' });
    d.createObjectStore('meta', { keyPath: 'k' });
  });
  await prune(Date.now() - KEEP_MS);
}

// Drop answers and sheets older than before (never the queue: unsent
// readings stay until the server has answered them).
async function prune(before) {
  for (const r of await db.all('results')) {
    if (r.at < before) await db.delete('results', r.key);
  }
  for (const s of await db.all('sheets')) {
    if (s.fetched_at < before) await db.delete('sheets', s.id);
  }
}

// A client idempotency key: 32 random hex digits (the API takes 8–64 of
// [A-Za-z0-9_-]). getRandomValues works on plain http too, unlike
// randomUUID.
export function newKey() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

// Today's date in Japan (the reading date), "YYYY-MM-DD".
export function todayJst(now = new Date()) {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit',
  }).format(now);
}

export async function getMeta(k) {
  return (await db.get('meta', k)) || null;
}

export async function setMeta(k, value) {
  await db.put('meta', { ...value, k });
}

// Forget another user's cached sheets and answers (not their unsent
// readings: those stay until that user signs in again and sends them).
export async function adoptOwner(owner) {
  const last = await getMeta('me');
  if (last && last.owner !== owner) {
    for (const s of await db.all('sheets')) {
      if (s.owner !== owner) await db.delete('sheets', s.id);
    }
    for (const r of await db.all('results')) {
      if (r.owner !== owner) await db.delete('results', r.key);
    }
  }
}

// Sign-out: drop this user's cached sheets, answers and identity.
export async function forgetOwner(owner) {
  for (const s of await db.all('sheets')) {
    if (s.owner === owner) await db.delete('sheets', s.id);
  }
  for (const r of await db.all('results')) {
    if (r.owner === owner) await db.delete('results', r.key);
  }
  await db.delete('meta', 'me');
}

function sheetId(owner, route, month) {
  return `${owner}|${route}|${month}`;
}

export async function saveSheet(owner, route, month, sheet) {
  await db.put('sheets', {
    id: sheetId(owner, route, month), owner, route, month,
    fetched_at: Date.now(), sheet,
  });
}

export async function loadSheet(owner, route, month) {
  return (await db.get('sheets', sheetId(owner, route, month))) || null;
}

export async function cachedSheets(owner) {
  return (await db.all('sheets')).filter((s) => s.owner === owner);
}

export async function queued(owner) {
  const all = await db.all('queue');
  return all.filter((q) => owner === undefined || q.owner === owner)
    .sort((a, b) => a.queued_at - b.queued_at);
}

export async function results(owner, route, month) {
  return (await db.all('results')).filter((r) =>
    r.owner === owner && r.route === route && r.month === month);
}

// Queue one reading. A still-unsent reading for the same point is
// replaced; the new one gets its own key, because its content differs
// (the old key may already have reached the server: then the new value
// becomes a conflict for the office, never a silent overwrite).
export async function enqueue(owner, route, month, entry) {
  for (const q of await queued(owner)) {
    if (q.supply_point_id === entry.supply_point_id && q.month === month) {
      await db.delete('queue', q.key);
    }
  }
  const item = {
    key: newKey(), owner, route, month, queued_at: Date.now(),
    supply_point_id: entry.supply_point_id, read_on: entry.read_on,
    index: entry.index, note: entry.note || null,
  };
  await db.put('queue', item);
  return item;
}

function wire(q) {
  return {
    key: q.key, supply_point_id: q.supply_point_id, read_on: q.read_on,
    index: q.index, note: q.note,
  };
}

// Keep the server's answer for an item and take the item off the queue.
async function settle(item, answer) {
  await db.put('results', {
    key: item.key, owner: item.owner, route: item.route, month: item.month,
    supply_point_id: item.supply_point_id, index: item.index,
    read_on: item.read_on, at: Date.now(),
    outcome: answer.outcome, reading: answer.reading || null,
    flags: answer.flags || [], error: answer.error || null,
  });
  await db.delete('queue', item.key);
}

// An error for one item that the server refused as a whole request
// (a 4xx problem other than a session or permission problem).
function refusal(e) {
  return {
    outcome: 'error', reading: null, flags: [],
    error: { code: e.code, title: e.message, detail: fieldDetail(e) },
  };
}

function fieldDetail(e) {
  const f = e.fieldErrors?.[0];
  return f?.message || (/[^\x00-\x7f]/.test(e.detail) ? e.detail : '');
}

// Why a request failed, for the caller: 'offline' (no answer at all),
// 'session' (signed out or expired), 'refused' (forbidden, server error:
// the queue is kept and sending is tried again later).
export class SyncStop extends Error {
  constructor(kind, cause) {
    super(cause?.message || kind);
    this.kind = kind;
    this.cause = cause;
  }
}

function stopFor(e) {
  if (e.status === 0) return new SyncStop('offline', e);
  if (e.status === 401) return new SyncStop('session', e);
  return new SyncStop('refused', e);
}

// POST one batch; when the server refuses the whole batch for its content
// (400/404/409/422), retry the items one by one so one bad item cannot
// block the queue (a single item's refusal is the server's answer to it).
async function sendBatch(items) {
  try {
    const ans = await api('POST', '/api/v1/readings',
      { items: items.map(wire) }, { timeout: SEND_TIMEOUT });
    const byKey = new Map((ans?.results || []).map((r) => [r.key, r]));
    let retry = null;
    for (const item of items) {
      const r = byKey.get(item.key);
      if (r && r.outcome === 'error' && RETRY.test(r.error?.code || '')) retry = r;
      else if (r) await settle(item, r);
    }
    if (retry) throw new SyncStop('refused', new Error(retry.error.title));
  } catch (e) {
    if (e instanceof SyncStop) throw e;
    if ([400, 404, 409, 422].includes(e.status)) {
      if (items.length === 1) return settle(items[0], refusal(e));
      for (const item of items) await sendBatch([item]);
      return;
    }
    throw stopFor(e);
  }
}

// Send every queued reading of owner, oldest first. Resolves when the
// queue is empty; rejects with SyncStop when it cannot go on.
export async function sendQueue(owner, onProgress) {
  for (;;) {
    const items = (await queued(owner)).slice(0, BATCH);
    if (!items.length) return;
    await sendBatch(items);
    onProgress?.();
    const left = await queued(owner);
    if (left.length && left[0].key === items[0].key) {
      throw new SyncStop('refused', new Error('no answer for the queued items'));
    }
  }
}
