// idb.js — a small promise wrapper over IndexedDB for pages that must work
// offline (the field page's reading queue and its cached route sheets).
// One database per caller; stores are created by the caller's upgrade
// function. Every call is its own transaction.

function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export class Db {
  constructor(db) {
    this.db = db;
  }

  // Run fn(store) in one transaction; resolves with fn's request result
  // once the transaction has committed.
  run(name, mode, fn) {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(name, mode);
      let result;
      const req = fn(tx.objectStore(name));
      if (req) req.onsuccess = () => { result = req.result; };
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error || new Error('aborted'));
    });
  }

  get(name, key) { return this.run(name, 'readonly', (s) => s.get(key)); }
  all(name) { return this.run(name, 'readonly', (s) => s.getAll()); }
  put(name, value) { return this.run(name, 'readwrite', (s) => s.put(value)); }
  delete(name, key) { return this.run(name, 'readwrite', (s) => s.delete(key)); }
  clear(name) { return this.run(name, 'readwrite', (s) => s.clear()); }
}

// Open (and create or upgrade) a database. upgrade(db, oldVersion) makes
// the object stores. Rejects when IndexedDB is unavailable.
export async function openDb(name, version, upgrade) {
  if (!('indexedDB' in self)) throw new Error('IndexedDB unavailable');
  const req = indexedDB.open(name, version);
  req.onupgradeneeded = (e) => upgrade(req.result, e.oldVersion);
  return new Db(await done(req));
}
