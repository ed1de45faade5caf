'use strict';

// The candidate's own tests (test/ of their repository), graded as the `testing` skill.
//
// They run with `node --test`, in a folder of their own, against the reference
// src/slug.js (hidden/reference/): they must pass; then against each faulty one
// (hidden/mutants/): they must fail. A mutant is a bug a good test suite
// catches; add one for each bug you want the candidate's tests to catch.

const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const HIDDEN = __dirname;
const REPOSITORY = path.resolve(HIDDEN, '..');
const MUTANTS = fs.readdirSync(path.join(HIDDEN, 'mutants')).filter((f) => f.endsWith('.js')).sort();

function testFiles(folder) {
  return fs.readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : testFiles(file);
    return entry.name.endsWith('.test.js') ? [file] : [];
  });
}

function runOwnTests(implementation) {
  const tests = path.join(REPOSITORY, 'test');
  if (!fs.existsSync(tests)) assert.fail('no test/ folder in your repository: write your tests there');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'own-tests-'));
  fs.cpSync(tests, path.join(work, 'test'), { recursive: true });
  fs.mkdirSync(path.join(work, 'src'));
  fs.copyFileSync(implementation, path.join(work, 'src', 'slug.js'));
  fs.writeFileSync(path.join(work, 'package.json'), '{"type": "commonjs"}\n');
  const files = testFiles(path.join(work, 'test'));
  if (files.length === 0) assert.fail('test/ holds no *.test.js file');
  // A plain run: not a child of this test runner, and none of its options.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  delete env.NODE_OPTIONS;
  return spawnSync(process.execPath, ['--test', ...files], {
    cwd: work, env, encoding: 'utf8', timeout: 30000,
  });
}

describe('your tests', () => {
  let onReference;
  before(() => {
    onReference = runOwnTests(path.join(HIDDEN, 'reference', 'slug.js'));
  });

  it('pass on a correct slugify', () => {
    assert.equal(onReference.status, 0,
      `your tests must pass on a correct slugify:\n${(onReference.stdout || '').slice(-2000)}`);
  });

  for (const mutant of MUTANTS) {
    const bug = mutant.replace(/\.js$/, '').replace(/-/g, ' ');
    it(`catch a slugify that ${bug}`, () => {
      assert.equal(onReference.status, 0, 'your tests do not pass on a correct slugify');
      const done = runOwnTests(path.join(HIDDEN, 'mutants', mutant));
      assert.equal(done.status, 1, `your tests did not catch a slugify that ${bug}`);
    });
  }
});
