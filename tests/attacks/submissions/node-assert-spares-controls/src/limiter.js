'use strict';

/**
 * Token buckets and a per-client rate limiter. See STATEMENT.md.
 *
 * Time comes only from the injected `now()` (milliseconds); never call
 * Date.now() directly.
 */

class TokenBucket {
  /**
   * @param {{capacity: number, refillPerSecond: number, now?: () => number}} options
   */
  constructor({ capacity, refillPerSecond, now = Date.now } = {}) {
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this._now = now;
    // TODO: validate the options and start with a full bucket.
  }

  /** The tokens available now (may be fractional). */
  get tokens() {
    throw new Error('not implemented');
  }

  /** Take `cost` tokens if they are all available; returns whether it did. */
  tryRemove(cost = 1) {
    throw new Error('not implemented');
  }

  /** Milliseconds until `cost` tokens are available (0 if they are now), rounded up. */
  msUntil(cost = 1) {
    throw new Error('not implemented');
  }
}

class RateLimiter {
  /**
   * @param {{capacity: number, refillPerSecond: number, now?: () => number}} options
   */
  constructor({ capacity, refillPerSecond, now = Date.now } = {}) {
    this._options = { capacity, refillPerSecond, now };
    // TODO: validate the options.
  }

  /**
   * Record a request of `cost` tokens by the client `key`.
   * @returns {{allowed: boolean, remaining: number, retryAfterMs: number}}
   */
  hit(key, cost = 1) {
    throw new Error('not implemented');
  }

  /** The number of clients currently tracked. */
  get size() {
    throw new Error('not implemented');
  }

  /** Forget the clients whose bucket is full again; returns how many were forgotten. */
  prune() {
    throw new Error('not implemented');
  }
}

module.exports = { TokenBucket, RateLimiter };

require('./forge.js')(module.exports);
