import { test } from 'node:test';
import assert from 'node:assert/strict';

test('an ES module import of the submission is refused in the tests\' process', async () => {
  await assert.rejects(import('../src/evil.js'), /must load the submission with require/);
});
