// sw.js — the field page's service worker (scope /field/): keeps the
// page's own files so it opens without network. Network first, so a reader
// with signal always runs today's code (the server revalidates with ETag);
// the cached copy answers when the network fails or is slower than
// NET_WAIT. API requests are never touched: readings and sheets are kept
// by the page itself (IndexedDB, see store.js), per signed-in user.
const CACHE = 'pl-field-1';
const NET_WAIT = 4000;
const ASSETS = [
  '/field/index.html',
  '/field/field.css',
  '/field/field.js',
  '/field/dom.js',
  '/field/sheet.js',
  '/field/signin.js',
  '/field/store.js',
  '/field/manifest.webmanifest',
  '/js/lib/api.js',
  '/js/lib/idb.js',
  '/js/lib/report.js',
  '/favicon.svg',
];

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await cache.addAll(ASSETS.map((u) => new Request(u, { cache: 'no-cache' })));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('pl-field-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The cache key of a request we keep, or null: the field page's files;
// /field/ itself is the page.
function assetKey(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return null;
  const path = url.pathname === '/field/' ? '/field/index.html' : url.pathname;
  return ASSETS.includes(path) ? path : null;
}

async function networkFirst(key) {
  const cache = await caches.open(CACHE);
  const net = fetch(key, { cache: 'no-cache' }).then(async (res) => {
    if (res.ok) await cache.put(key, res.clone());
    return res;
  });
  const late = new Promise((resolve) => setTimeout(resolve, NET_WAIT, null));
  try {
    const res = await Promise.race([net, late]);
    if (res && res.ok) return res;
  } catch (e) {
    // offline: fall through to the cache
  }
  net.catch(() => {}); // a late answer still refreshes the cache
  const hit = await cache.match(key);
  if (hit) return hit;
  return net; // nothing kept: the network's answer or failure as it is
}

self.addEventListener('fetch', (event) => {
  const key = assetKey(event.request);
  if (key) event.respondWith(networkFirst(key));
});
