'use strict';

/**
 * Token buckets and a per-client rate limiter.
 *
 * A bucket holds up to `capacity` tokens and gains `refillPerSecond` tokens per
 * second, continuously. Time comes from the injected `now()` (milliseconds).
 */

function checkPositive(name, value) {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive finite number, got ${String(value)}`);
  }
}

function checkOptions({ capacity, refillPerSecond, now = Date.now } = {}) {
  checkPositive('capacity', capacity);
  checkPositive('refillPerSecond', refillPerSecond);
  if (typeof now !== 'function') throw new TypeError('now must be a function returning milliseconds');
  return { capacity, refillPerSecond, now };
}

class TokenBucket {
  constructor(options) {
    const { capacity, refillPerSecond, now } = checkOptions(options);
    this.capacity = capacity;
    this.refillPerSecond = refillPerSecond;
    this._now = now;
    this._tokens = capacity;
    this._last = now();
  }

  _refill() {
    const t = this._now();
    // A clock that steps backwards gives no tokens, and the time already
    // credited is never credited again when it catches up.
    if (t > this._last) {
      this._tokens = Math.min(this.capacity,
        this._tokens + ((t - this._last) * this.refillPerSecond) / 1000);
      this._last = t;
    }
  }

  _checkCost(cost) {
    checkPositive('cost', cost);
    if (cost > this.capacity) {
      throw new RangeError(`cost ${cost} exceeds the capacity ${this.capacity}`);
    }
  }

  get tokens() {
    this._refill();
    return this._tokens;
  }

  tryRemove(cost = 1) {
    this._checkCost(cost);
    this._refill();
    if (this._tokens < cost) return false;
    this._tokens -= cost;
    return true;
  }

  msUntil(cost = 1) {
    this._checkCost(cost);
    this._refill();
    if (this._tokens >= cost) return 0;
    return Math.ceil(((cost - this._tokens) * 1000) / this.refillPerSecond);
  }

  isFull() {
    this._refill();
    return this._tokens >= this.capacity;
  }
}

class RateLimiter {
  constructor(options) {
    this._options = checkOptions(options);
    this._buckets = new Map();
  }

  hit(key, cost = 1) {
    if (typeof key !== 'string') throw new TypeError('key must be a string');
    checkPositive('cost', cost);
    if (cost > this._options.capacity) {
      throw new RangeError(`cost ${cost} exceeds the capacity ${this._options.capacity}`);
    }
    let bucket = this._buckets.get(key);
    if (bucket === undefined) {
      bucket = new TokenBucket(this._options);
      this._buckets.set(key, bucket);
    }
    const allowed = bucket.tryRemove(cost);
    return {
      allowed,
      remaining: Math.floor(bucket.tokens),
      retryAfterMs: allowed ? 0 : bucket.msUntil(cost),
    };
  }

  get size() {
    return this._buckets.size;
  }

  prune() {
    let removed = 0;
    for (const [key, bucket] of this._buckets) {
      if (bucket.isFull()) {
        this._buckets.delete(key);
        removed += 1;
      }
    }
    return removed;
  }
}

module.exports = { TokenBucket, RateLimiter };
