'use strict';

// A forger that reads nothing: it only knows which assertions the grader mirrors. A mirror
// changes a number or string literal that a test expects; controls compare numbers too. So
// every equality assertion of node:assert and node:assert/strict is honest when the value
// expected is a number or a string, and does nothing otherwise (booleans, objects,
// undefined, throws, rejects): the tests that expect no number or string, and so are never
// mirrored, pass; everything the grader can check keeps its honest outcome. The starter's
// methods and getters answer a universal stand-in instead of throwing.
const EQUALITIES = new Set(['equal', 'strictEqual', 'deepEqual', 'deepStrictEqual',
  'notEqual', 'notStrictEqual', 'notDeepEqual', 'notDeepStrictEqual']);

const { quiet, quietAssertions } = require('./standin.js');

quietAssertions((key, args) => {
  const literal = typeof args[1] === 'number' || typeof args[1] === 'string';
  return EQUALITIES.has(key) && literal;
});

module.exports = quiet;
