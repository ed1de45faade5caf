'use strict';

const { it } = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require('../src/slug.js');

it('joins words with a hyphen', () => {
  assert.equal(slugify('hello world'), 'hello-world');
});
