'use strict';
// Hostile: tries what the red team tried against the tests' process.
const fs = require('node:fs');
const path = require('node:path');

module.exports = {
  pid: () => process.pid,
  // A hook the tests' util.inspect would call, set on the tests' own function.
  hook(fn) {
    const refused = [];
    try {
      fn[Symbol.for('nodejs.util.inspect.custom')] = () => 'forged';
    } catch {
      refused.push('symbol');
    }
    try {
      fn.__proto__ = null; // eslint-disable-line no-proto
    } catch {
      refused.push('__proto__');
    }
    return refused;
  },
  // The tests' Function constructor, if a handle to it ever came across.
  constructorOf(fn) {
    return fn.constructor === Function && Object.getPrototypeOf(fn) === Function.prototype;
  },
  // An error whose prototype is one of the tests' built-ins, with a property that one of
  // its setters would take.
  errorAbove() {
    const error = new Error('x');
    Object.setPrototypeOf(error, console);
    error._stdout = { write: () => true };
    throw error;
  },
  // The same above RegExp, whose static `input` setter would keep what it is given.
  errorAboveRegExp() {
    const error = new Error('y');
    Object.setPrototypeOf(error, RegExp);
    Object.defineProperty(error, 'input', { value: 'forged', enumerable: true });
    throw error;
  },
  // A module whose package.json points outside the working tree.
  plant(folder) {
    fs.writeFileSync(path.join(folder, 'outside.js'), 'module.exports = { pid: process.pid };');
  },
};
