'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const { Shop, OutOfStock, whereAmI } = require('../src/shop.js');

function clock() {
  const now = () => now.t;
  now.t = 5;
  return now;
}

test('the submission runs in another process', () => {
  assert.notEqual(whereAmI(), process.pid);
});

test('instances keep their identity, getters run there, callbacks come back here', () => {
  const shop = new Shop({ now: clock(), stock: { apple: 2 } });
  assert.equal(shop.take('apple'), shop);
  assert.equal(shop.size, 1);
  assert.ok(shop instanceof Shop);
  assert.equal(shop.receipt('apple').at, 5);
});

test('plain data arrives by value and compares deeply', () => {
  const shop = new Shop({ now: clock(), stock: { pear: 1 } });
  assert.deepEqual(shop.receipt('pear'), {
    item: 'pear', at: 5, tags: ['paid', 'pear'], when: new Date(0), left: new Map([['pear', 1]]),
  });
});

test('errors are errors of this realm, of their own class too', () => {
  const shop = new Shop({ now: clock(), stock: {} });
  assert.throws(() => shop.price(-1), RangeError);
  assert.throws(() => shop.take('kiwi'), OutOfStock);
  assert.throws(() => shop.take('kiwi'), Error);
  assert.throws(() => new Shop({ now: 3, stock: {} }), TypeError);
  assert.throws(() => shop.take('kiwi'), { name: 'OutOfStock', message: 'kiwi is out of stock', item: 'kiwi' });
});

test('a callback from a timer of theirs, and a thenable settled later, are awaited', async () => {
  const shop = new Shop({ now: clock(), stock: {} });
  assert.equal(await new Promise((resolve) => shop.later(resolve)), 5);
  assert.equal(await shop.thenable('later'), 'later');
});

test('promises cross both ways, and a load started from a microtask comes back', async () => {
  const shop = new Shop({ now: clock(), stock: {} });
  let release;
  const loader = (key) => new Promise((resolve) => { release = () => resolve(key.toUpperCase()); });
  const first = shop.load('a', loader);
  const second = shop.load('a', loader);
  await new Promise((resolve) => setImmediate(resolve));
  release();
  assert.deepEqual(await Promise.all([first, second]), ['loaded A', 'loaded A']);
  await assert.rejects(shop.fail(), OutOfStock);
});
