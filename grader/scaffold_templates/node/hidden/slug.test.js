'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require('../src/slug.js');

describe('slugify', () => {
  it('joins words with hyphens', () => {
    assert.equal(slugify('Hello, World!'), 'hello-world');
  });

  it('keeps digits', () => {
    assert.equal(slugify('Route 66'), 'route-66');
  });
});
