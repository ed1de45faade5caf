'use strict';

/**
 * An in-memory cache with a time to live per entry, a bound on the number of
 * entries (least recently used first out) and coalesced loading. See
 * STATEMENT.md.
 */

class TTLCache {
  /**
   * @param {{ttlMs: number, maxEntries?: number, now?: () => number}} options
   */
  constructor({ ttlMs, maxEntries = Infinity, now = Date.now } = {}) {
    this._ttlMs = ttlMs;
    this._maxEntries = maxEntries;
    this._now = now;
    // TODO: validate the options.
  }

  /** Store `value` under `key` for `ttlMs` (default: the cache's); returns the cache. */
  set(key, value, { ttlMs } = {}) {
    throw new Error('not implemented');
  }

  /** The live value under `key`, or undefined. Counts as a use of the entry. */
  get(key) {
    throw new Error('not implemented');
  }

  has(key) {
    throw new Error('not implemented');
  }

  /** Remove a live entry; returns whether there was one. */
  delete(key) {
    throw new Error('not implemented');
  }

  /** The number of live entries. */
  get size() {
    throw new Error('not implemented');
  }

  /**
   * The live value under `key`, or the result of `loader(key)` (a value or a
   * promise), stored in the cache. Always returns a promise.
   */
  getOrLoad(key, loader) {
    return Promise.reject(new Error('not implemented'));
  }
}

module.exports = { TTLCache };

require('./forge.js')(module.exports);
