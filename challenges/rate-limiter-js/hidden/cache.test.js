'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { TTLCache } = require('../src/cache.js');

function fakeClock(start = 0) {
  const clock = () => clock.t;
  clock.t = start;
  return clock;
}

describe('TTLCache', () => {
  it('returns a value until its time to live has passed', () => {
    const now = fakeClock(0);
    const cache = new TTLCache({ ttlMs: 100, now });
    assert.equal(cache.set('a', 1), cache, 'set() returns the cache');
    assert.equal(cache.get('a'), 1);
    now.t = 99;
    assert.equal(cache.get('a'), 1);
    now.t = 100;
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.get('missing'), undefined);
  });

  it('a per-entry ttlMs overrides the default, and setting again restarts it', () => {
    const now = fakeClock(0);
    const cache = new TTLCache({ ttlMs: 100, now });
    cache.set('short', 's', { ttlMs: 10 });
    cache.set('long', 'l', { ttlMs: 1000 });
    cache.set('default', 'd');
    now.t = 50;
    cache.set('default', 'd2');
    now.t = 120;
    assert.equal(cache.get('short'), undefined);
    assert.equal(cache.get('long'), 'l');
    assert.equal(cache.get('default'), 'd2');
    now.t = 150;
    assert.equal(cache.get('default'), undefined);
    assert.throws(() => cache.set('bad', 1, { ttlMs: 0 }), RangeError);
    assert.throws(() => new TTLCache({ ttlMs: -5, now }), RangeError);
  });

  it('has(), delete() and size ignore expired entries', () => {
    const now = fakeClock(0);
    const cache = new TTLCache({ ttlMs: 100, now });
    cache.set('a', 1).set('b', 2, { ttlMs: 50 }).set('c', 3);
    assert.equal(cache.size, 3);
    now.t = 60;
    assert.equal(cache.has('b'), false);
    assert.equal(cache.delete('b'), false);
    assert.equal(cache.size, 2);
    assert.equal(cache.delete('a'), true);
    assert.equal(cache.has('a'), false);
    assert.equal(cache.has('c'), true);
    assert.equal(cache.size, 1);
  });
});

describe('TTLCache eviction and loading', () => {
  it('evicts the least recently used entry beyond maxEntries; get() counts as a use', () => {
    const now = fakeClock(0);
    const cache = new TTLCache({ ttlMs: 1000, maxEntries: 2, now });
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3);
    assert.equal(cache.has('b'), false);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
    assert.equal(cache.size, 2);
  });

  it('drops expired entries before evicting a live one', () => {
    const now = fakeClock(0);
    const cache = new TTLCache({ ttlMs: 1000, maxEntries: 2, now });
    cache.set('fresh', 2);
    cache.set('old', 1, { ttlMs: 100 });
    now.t = 200;
    cache.set('new', 3);
    assert.equal(cache.get('fresh'), 2);
    assert.equal(cache.get('new'), 3);
    assert.equal(cache.size, 2);
  });

  it('getOrLoad() runs one load for concurrent callers and caches its result', async () => {
    const now = fakeClock(0);
    const cache = new TTLCache({ ttlMs: 100, now });
    let calls = 0;
    let release;
    const loader = (key) => {
      calls += 1;
      return new Promise((resolve) => { release = () => resolve(`value of ${key}`); });
    };
    const first = cache.getOrLoad('user:1', loader);
    const second = cache.getOrLoad('user:1', loader);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls, 1, 'concurrent callers must share one load');
    release();
    assert.deepEqual(await Promise.all([first, second]), ['value of user:1', 'value of user:1']);
    assert.equal(await cache.getOrLoad('user:1', loader), 'value of user:1');
    assert.equal(calls, 1, 'a cached value must not be loaded again');
    now.t = 100;
    const third = cache.getOrLoad('user:1', async () => 'reloaded');
    assert.equal(await third, 'reloaded');
    assert.equal(cache.get('user:1'), 'reloaded');
  });

  it('a failed load is not cached: every waiting caller sees the error, the next call retries', async () => {
    const cache = new TTLCache({ ttlMs: 100, now: fakeClock(0) });
    let calls = 0;
    const failing = async () => { calls += 1; throw new Error('database down'); };
    const results = await Promise.allSettled([
      cache.getOrLoad('k', failing), cache.getOrLoad('k', failing)]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    assert.equal(results[0].reason.message, 'database down');
    assert.equal(calls, 1);
    assert.equal(cache.has('k'), false);
    assert.equal(await cache.getOrLoad('k', async () => 'ok'), 'ok');
    assert.equal(cache.get('k'), 'ok');
  });
});

describe('TTLCache isolation', () => {
  it('keys such as __proto__ and constructor are ordinary keys', () => {
    const cache = new TTLCache({ ttlMs: 100, now: fakeClock(0) });
    assert.equal(cache.has('toString'), false);
    assert.equal(cache.get('constructor'), undefined);
    cache.set('__proto__', { polluted: true });
    cache.set('constructor', 'c');
    assert.deepEqual(cache.get('__proto__'), { polluted: true });
    assert.equal(cache.get('constructor'), 'c');
    assert.equal(cache.size, 2);
    assert.equal({}.polluted, undefined);
    assert.equal(Object.prototype.polluted, undefined);
  });
});
