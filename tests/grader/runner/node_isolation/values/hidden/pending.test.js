'use strict';
const { test } = require('node:test');
const { Shop } = require('../src/shop.js');

test('a promise the submission never settles ends this test as in one process', async () => {
  await new Shop({ now: () => 0, stock: {} }).never();
});
