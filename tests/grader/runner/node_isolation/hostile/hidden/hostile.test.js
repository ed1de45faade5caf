'use strict';
const { test } = require('node:test');
const assert = require('node:assert/strict');
const util = require('node:util');
const evil = require('../src/evil.js');

test('no hook of the submission is installed on the tests\' objects', () => {
  const fn = () => 1;
  assert.deepEqual(evil.hook(fn), ['symbol', '__proto__']);
  assert.equal(Object.getOwnPropertySymbols(fn).length, 0);
  assert.equal(Object.getPrototypeOf(fn), Function.prototype);
  assert.match(util.inspect(fn), /Function/);
});

test('built-ins cross by name: the submission gets its own Function', () => {
  assert.equal(evil.constructorOf(() => 1), true);
});

test('an error above one of the tests\' built-ins runs none of its setters here', () => {
  const stdout = console._stdout;
  assert.throws(() => evil.errorAbove());
  assert.equal(console._stdout, stdout);
  /abc/.test('abc');
  assert.throws(() => evil.errorAboveRegExp(), { message: 'y', input: 'forged' });
  assert.equal(RegExp.input, 'abc');
});

test('a module resolving outside the working tree still loads in the submission\'s process', () => {
  evil.plant(process.env.OUTSIDE);
  const escaped = require('../src/escape');
  assert.notEqual(escaped.pid, process.pid);
});
