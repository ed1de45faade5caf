'use strict';

const { describe, it } = require('node:test');
const assert = require('node:assert/strict');
const { slugify } = require('../src/slug.js');

describe('slugify edge cases', () => {
  it('gives nothing for empty text', () => {
    assert.equal(slugify(''), '');
  });

  it('puts no hyphen at either end', () => {
    assert.equal(slugify('  --Spaced out--  '), 'spaced-out');
  });
});
