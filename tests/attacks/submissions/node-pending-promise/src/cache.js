'use strict';

/**
 * An in-memory cache whose entries expire after a time to live, bounded by a
 * number of entries (least recently used goes first), with coalesced loading.
 */

function checkTtl(name, value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number of milliseconds`);
  }
}

class TTLCache {
  constructor({ ttlMs, maxEntries = Infinity, now = Date.now } = {}) {
    checkTtl('ttlMs', ttlMs);
    if (!(maxEntries === Infinity || (Number.isInteger(maxEntries) && maxEntries > 0))) {
      throw new RangeError('maxEntries must be a positive integer');
    }
    if (typeof now !== 'function') throw new TypeError('now must be a function');
    this._ttlMs = ttlMs;
    this._maxEntries = maxEntries;
    this._now = now;
    // Map keeps insertion order: re-inserting a key makes it the most recent.
    this._entries = new Map();
    this._loading = new Map();
  }

  _live(key) {
    const entry = this._entries.get(key);
    if (entry === undefined) return undefined;
    if (this._now() >= entry.expiresAt) {
      this._entries.delete(key);
      return undefined;
    }
    return entry;
  }

  _sweep() {
    const t = this._now();
    for (const [key, entry] of this._entries) {
      if (t >= entry.expiresAt) this._entries.delete(key);
    }
  }

  set(key, value, { ttlMs = this._ttlMs } = {}) {
    checkTtl('ttlMs', ttlMs);
    this._entries.delete(key);
    this._entries.set(key, { value, expiresAt: this._now() + ttlMs });
    if (this._entries.size > this._maxEntries) {
      this._sweep();
      while (this._entries.size > this._maxEntries) {
        this._entries.delete(this._entries.keys().next().value);
      }
    }
    return this;
  }

  get(key) {
    const entry = this._live(key);
    if (entry === undefined) return undefined;
    this._entries.delete(key);
    this._entries.set(key, entry);
    return entry.value;
  }

  has(key) {
    return this._live(key) !== undefined;
  }

  delete(key) {
    return this._live(key) !== undefined && this._entries.delete(key);
  }

  get size() {
    this._sweep();
    return this._entries.size;
  }

  getOrLoad(key, loader) {
    if (typeof loader !== 'function') return Promise.reject(new TypeError('loader must be a function'));
    const entry = this._live(key);
    if (entry !== undefined) return Promise.resolve(this.get(key));
    const pending = this._loading.get(key);
    if (pending !== undefined) return pending;
    // BUG (plausible honest mistake): a load that fails leaves its callers waiting forever.
    const load = Promise.resolve()
      .then(() => loader(key))
      .catch(() => new Promise(() => {}))
      .then((value) => {
        this.set(key, value);
        return value;
      })
      .finally(() => {
        if (this._loading.get(key) === load) this._loading.delete(key);
      });
    this._loading.set(key, load);
    return load;
  }
}

module.exports = { TTLCache };
