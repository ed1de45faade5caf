'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { TokenBucket, RateLimiter } = require('../src/limiter.js');

// A clock the tests move by hand: clock() returns clock.t (milliseconds).
function fakeClock(start = 0) {
  const clock = () => clock.t;
  clock.t = start;
  return clock;
}

describe('TokenBucket', () => {
  it('starts full and allows exactly capacity requests at once', () => {
    const now = fakeClock(1000);
    const bucket = new TokenBucket({ capacity: 3, refillPerSecond: 1, now });
    assert.equal(bucket.tokens, 3);
    assert.equal(bucket.tryRemove(), true);
    assert.equal(bucket.tryRemove(), true);
    assert.equal(bucket.tryRemove(), true);
    assert.equal(bucket.tryRemove(), false);
    assert.equal(bucket.tokens, 0);
  });

  it('refills continuously, including fractions of a token', () => {
    const now = fakeClock(0);
    const bucket = new TokenBucket({ capacity: 4, refillPerSecond: 2, now });
    for (let i = 0; i < 4; i++) assert.equal(bucket.tryRemove(), true);
    now.t = 250;
    assert.equal(bucket.tokens, 0.5);
    assert.equal(bucket.tryRemove(), false);
    now.t = 500;
    assert.equal(bucket.tokens, 1);
    assert.equal(bucket.tryRemove(), true);
    assert.equal(bucket.tokens, 0);
  });

  it('never holds more than its capacity after a long idle period', () => {
    const now = fakeClock(0);
    const bucket = new TokenBucket({ capacity: 2, refillPerSecond: 1, now });
    assert.equal(bucket.tryRemove(), true);
    now.t = 60 * 60 * 1000;
    assert.equal(bucket.tokens, 2);
    assert.equal(bucket.tryRemove(), true);
    assert.equal(bucket.tryRemove(), true);
    assert.equal(bucket.tryRemove(), false);
  });

  it('removes a cost of several tokens all at once or not at all', () => {
    const now = fakeClock(0);
    const bucket = new TokenBucket({ capacity: 5, refillPerSecond: 1, now });
    assert.equal(bucket.tryRemove(3), true);
    assert.equal(bucket.tokens, 2);
    assert.equal(bucket.tryRemove(3), false);
    assert.equal(bucket.tokens, 2, 'a refused request must not consume tokens');
    assert.equal(bucket.msUntil(3), 1000);
    now.t = 1000;
    assert.equal(bucket.msUntil(3), 0);
    assert.equal(bucket.tryRemove(3), true);
  });
});

describe('RateLimiter API', () => {
  it('hit() reports allowed, remaining whole tokens and retryAfterMs', () => {
    const now = fakeClock(0);
    const limiter = new RateLimiter({ capacity: 3, refillPerSecond: 2, now });
    assert.deepEqual(limiter.hit('alice'), { allowed: true, remaining: 2, retryAfterMs: 0 });
    assert.deepEqual(limiter.hit('alice', 2), { allowed: true, remaining: 0, retryAfterMs: 0 });
    assert.deepEqual(limiter.hit('alice'), { allowed: false, remaining: 0, retryAfterMs: 500 });
    now.t = 250;
    assert.deepEqual(limiter.hit('alice'), { allowed: false, remaining: 0, retryAfterMs: 250 });
    now.t = 500;
    assert.deepEqual(limiter.hit('alice'), { allowed: true, remaining: 0, retryAfterMs: 0 });
  });

  it('retryAfterMs is the exact wait, rounded up, after which the same hit succeeds', () => {
    const now = fakeClock(0);
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 0.5, now });
    assert.equal(limiter.hit('bob').allowed, true);
    now.t = 500;
    const refused = limiter.hit('bob');
    assert.deepEqual(refused, { allowed: false, remaining: 0, retryAfterMs: 1500 });
    now.t = 1999;
    assert.equal(limiter.hit('bob').allowed, false);
    now.t = 2000;
    assert.deepEqual(limiter.hit('bob'), { allowed: true, remaining: 0, retryAfterMs: 0 });

    const fast = new RateLimiter({ capacity: 1, refillPerSecond: 3, now });
    assert.equal(fast.hit('bob').allowed, true);
    assert.deepEqual(fast.hit('bob'), { allowed: false, remaining: 0, retryAfterMs: 334 });
    now.t += 333;
    assert.equal(fast.hit('bob').allowed, false);
    now.t += 1;
    assert.equal(fast.hit('bob').allowed, true);
  });

  it('rejects invalid options with RangeError or TypeError', () => {
    const now = fakeClock(0);
    for (const capacity of [0, -1, Number.NaN, Infinity, '5', undefined]) {
      assert.throws(() => new RateLimiter({ capacity, refillPerSecond: 1, now }), RangeError,
        `capacity ${String(capacity)}`);
    }
    for (const refillPerSecond of [0, -2, Number.NaN, Infinity, null]) {
      assert.throws(() => new RateLimiter({ capacity: 1, refillPerSecond, now }), RangeError,
        `refillPerSecond ${String(refillPerSecond)}`);
    }
    assert.throws(() => new RateLimiter({ capacity: 1, refillPerSecond: 1, now: 42 }), TypeError);
  });

  it('rejects a bad key or a cost that can never be met', () => {
    const limiter = new RateLimiter({ capacity: 5, refillPerSecond: 1, now: fakeClock(0) });
    assert.throws(() => limiter.hit(42), TypeError);
    assert.throws(() => limiter.hit('carol', 6), RangeError);
    assert.throws(() => limiter.hit('carol', 0), RangeError);
    assert.throws(() => limiter.hit('carol', -1), RangeError);
    assert.deepEqual(limiter.hit('carol', 5), { allowed: true, remaining: 0, retryAfterMs: 0 });
  });
});

describe('RateLimiter isolation', () => {
  it('one client exhausting its budget does not affect another', () => {
    const now = fakeClock(0);
    const limiter = new RateLimiter({ capacity: 2, refillPerSecond: 1, now });
    assert.equal(limiter.hit('mallory').allowed, true);
    assert.equal(limiter.hit('mallory').allowed, true);
    assert.equal(limiter.hit('mallory').allowed, false);
    assert.deepEqual(limiter.hit('alice'), { allowed: true, remaining: 1, retryAfterMs: 0 });
  });

  it('keys such as __proto__ and constructor are ordinary, separate clients', () => {
    const now = fakeClock(0);
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 1, now });
    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.deepEqual(limiter.hit(key), { allowed: true, remaining: 0, retryAfterMs: 0 }, key);
      assert.equal(limiter.hit(key).allowed, false, key);
    }
    assert.equal(limiter.hit('alice').allowed, true);
    assert.equal(limiter.size, 5);
    assert.equal(Object.prototype.allowed, undefined);
  });

  it('a clock that steps backwards never grants extra tokens', () => {
    const now = fakeClock(10_000);
    const limiter = new RateLimiter({ capacity: 2, refillPerSecond: 1, now });
    assert.equal(limiter.hit('eve', 2).allowed, true);
    now.t = 5_000; // the system clock was set back
    assert.deepEqual(limiter.hit('eve'), { allowed: false, remaining: 0, retryAfterMs: 1000 });
    now.t = 10_000; // ...and catches up again: no time has really passed
    assert.equal(limiter.hit('eve').allowed, false);
    now.t = 11_000;
    assert.deepEqual(limiter.hit('eve'), { allowed: true, remaining: 0, retryAfterMs: 0 });
  });
});

describe('RateLimiter memory', () => {
  it('prune() forgets clients whose bucket has refilled completely, and only those', () => {
    const now = fakeClock(0);
    const limiter = new RateLimiter({ capacity: 2, refillPerSecond: 1, now });
    for (let i = 0; i < 1000; i++) limiter.hit(`client-${i}`);
    limiter.hit('busy', 2);
    assert.equal(limiter.size, 1001);
    now.t = 500;
    assert.equal(limiter.prune(), 0, 'no bucket is full yet');
    assert.equal(limiter.size, 1001);
    now.t = 1000;
    assert.equal(limiter.prune(), 1000);
    assert.equal(limiter.size, 1, 'the client that is still limited is kept');
    assert.deepEqual(limiter.hit('busy', 2), { allowed: false, remaining: 1, retryAfterMs: 1000 });
    assert.deepEqual(limiter.hit('client-1'), { allowed: true, remaining: 1, retryAfterMs: 0 });
  });
});
