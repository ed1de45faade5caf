'use strict';

const { it } = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require('../src/slug.js');

it('joins words with a hyphen', () => {
  assert.equal(slugify('hello world'), 'hello-world');
});

it('lower-cases letters', () => {
  assert.equal(slugify('Hello World'), 'hello-world');
});

it('keeps digits', () => {
  assert.equal(slugify('Route 66'), 'route-66');
});

it('puts no hyphen at either end', () => {
  assert.equal(slugify('  --Spaced out--  '), 'spaced-out');
});
