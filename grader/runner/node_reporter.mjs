// Reporter for Node's built-in test runner (node:test), loaded by the grader
// inside the sandbox:
//
//   node --test --test-reporter=/opt/grader/node_reporter.mjs \
//        --test-reporter-destination=RESULTS_PATH hidden
//
// It writes the same JSON lines as grader_plugin.py (schema 1), one event per
// line, each written as soon as Node reports it:
//
//   {"event": "begin", "schema": 1}
//   {"event": "collect_error", "id": PATH_OR_SUITE_ID, "message": str}
//   {"event": "item", "id": TEST_ID}                      # collect mode only
//   {"event": "start", "id": TEST_ID}
//   {"event": "result", "id": TEST_ID, "outcome": OUTCOME, "duration_s": float, "message": str}
//   {"event": "finish", "exitstatus": 0 or 1}
//
// TEST_ID is PATH::Suite::sub-suite::test name, PATH relative to the working
// directory with forward slashes (hidden/cart.test.js::Cart::applies discounts).
// Only leaf tests are results: a describe() suite, or a test() that ran
// t.test() subtests, is not. A repeated ID gets " (2)", " (3)"... appended.
//
// Mapping from Node to the grader's outcomes:
//   pass                                    -> passed
//   skip / todo (also a failing todo)       -> skipped
//   fail: the test's own code or a timeout  -> failed
//   fail: a hook failed (before/after/beforeEach/afterEach) or the test was
//         cancelled (its suite's before hook failed, its file died)  -> error
//   a test file that did not load or whose process exited non-zero,
//   or that reported no tests at all        -> collect_error, id = PATH
//   a suite that failed by itself (its describe body threw, its before/after
//   hook failed)                            -> collect_error, id = the suite's ID
//
// Node reports a test only after it has finished (in definition order), so
// "start" is written just before that test's "result": a test still running
// when the sandbox is killed has neither.
//
// Collect mode. Node has no --collect-only; passing the name pattern below
// makes every test "not match" so Node loads each file, builds the describe()
// tree and reports each test as skipped without running its body. In that mode
// this reporter writes "item" events instead of start/result:
//
//   node --test --test-name-pattern='^(?!)grader-collect-only$' ...
//
// Tests created at run time with t.test() cannot be seen that way, and Node 18
// still runs hooks; the inventory from a full run of the solution is exact.

import path from 'node:path';
import { inspect } from 'node:util';

const SCHEMA = 1;
const MAX_MESSAGE = 4000;
const MAX_CAPTURE = 8000;
const COLLECT_SENTINEL = 'grader-collect-only';
const NAME_PATTERN_FLAG = '--test-name-pattern';
const CWD = process.cwd();

// -- output identical to Python's json.dumps -------------------------------

function pyString(text) {
  // JSON.stringify escapes quotes, backslashes and control characters;
  // Python's ensure_ascii also escapes everything outside space..~ as \uXXXX.
  return JSON.stringify(text).replace(/[^\x20-\x7e]/g,
    (ch) => '\\u' + ch.charCodeAt(0).toString(16).padStart(4, '0'));
}

function pyValue(value) {
  if (typeof value === 'string') return pyString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  if (value && typeof value === 'object' && value.float !== undefined) {
    // A float that Python would write as one: 0.0, not 0.
    const v = Number.isFinite(value.float) ? value.float : 0;
    return Number.isInteger(v) ? `${v}.0` : String(v);
  }
  return JSON.stringify(value);
}

function line(record) {
  const fields = Object.entries(record).map(([k, v]) => `${pyString(k)}: ${pyValue(v)}`);
  return `{${fields.join(', ')}}\n`;
}

// Cut like grader_plugin._clip, counting characters (code points) as Python does.
function clip(text) {
  const chars = Array.from(text);
  if (chars.length <= MAX_MESSAGE) return text;
  return chars.slice(0, MAX_MESSAGE).join('') +
    `\n... [${chars.length - MAX_MESSAGE} characters cut]`;
}

// -- helpers ----------------------------------------------------------------

function relativePath(file) {
  if (typeof file !== 'string' || file === '') return '<unknown>';
  let absolute = file;
  if (file.startsWith('file://')) {
    try { absolute = new URL(file).pathname; } catch { absolute = file; }
  }
  absolute = path.resolve(CWD, absolute);
  const rel = path.relative(CWD, absolute);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return absolute;
  return rel.split(path.sep).join('/');
}

function isFileWrapper(data) {
  // With process isolation each file is a test at nesting 0 named by its path;
  // Node reports it itself only when the file failed or reported no tests.
  return data.nesting === 0 && typeof data.name === 'string' && typeof data.file === 'string' &&
    (data.name === data.file || path.resolve(CWD, data.name) === path.resolve(CWD, data.file));
}

// Stack frames of Node's own machinery say nothing about the failure.
const NOISE_FRAMES = [
  /^\s+at (?:async )?(?:.*\()?node:/,
  /\(<anonymous>\)$/,
  /^\s+at async Promise\.(?:all|allSettled|any|race) /,
];

function withoutInternalFrames(stack) {
  return stack.split('\n').filter((l) => !NOISE_FRAMES.some((re) => re.test(l))).join('\n');
}

function describeValue(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof value.stack === 'string' && value.stack) {
    let text = withoutInternalFrames(value.stack);
    const msg = typeof value.message === 'string' ? value.message : '';
    if (msg && !text.includes(msg)) text = `${msg}\n${text}`;
    return text;
  }
  try { return inspect(value, { depth: 4, breakLength: 100 }); } catch { return String(value); }
}

function errorText(error) {
  if (error === undefined || error === null) return '';
  if (typeof error !== 'object') return String(error);
  const own = typeof error.message === 'string' ? error.message : '';
  const cause = error.cause;
  if (error.code !== 'ERR_TEST_FAILURE' || cause === undefined) return describeValue(error);
  const causeText = describeValue(cause);
  // For a test's own failure the cause is the thrown value; the wrapper's
  // message repeats it. For hooks and cancellations, keep both.
  if (!causeText || causeText === own) return own;
  if (error.failureType === 'testCodeFailure' || error.failureType === 'uncaughtException' ||
      error.failureType === 'unhandledRejection') return causeText;
  return `${own}\n${causeText}`;
}

function outcomeOf(type, data) {
  if (data.skip !== undefined && data.skip !== false) return 'skipped';
  if (data.todo !== undefined && data.todo !== false) return 'skipped';
  if (type === 'test:pass') return 'passed';
  const failure = data.details?.error?.failureType;
  if (failure === 'hookFailed' || failure === 'cancelledByParent') return 'error';
  return 'failed';
}

function skipMessage(data) {
  if (typeof data.skip === 'string' && data.skip) return data.skip;
  if (data.skip !== undefined && data.skip !== false) return 'skipped';
  if (typeof data.todo === 'string' && data.todo) return `todo: ${data.todo}`;
  return 'todo';
}

function isCollectMode(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith(`${NAME_PATTERN_FLAG}=`) && arg.includes(COLLECT_SENTINEL)) return true;
    if (arg === NAME_PATTERN_FLAG && (argv[i + 1] || '').includes(COLLECT_SENTINEL)) return true;
  }
  return false;
}

class Capture {
  // The last MAX_CAPTURE characters a file wrote to stdout/stderr.
  constructor() { this.text = ''; }
  add(message) {
    this.text += String(message);
    if (this.text.length > 2 * MAX_CAPTURE) this.text = this.text.slice(-MAX_CAPTURE);
  }
  value() {
    return this.text.length > MAX_CAPTURE ? '...' + this.text.slice(-MAX_CAPTURE) : this.text;
  }
}

// -- the reporter -------------------------------------------------------------

export default async function* graderReporter(source) {
  const collectMode = isCollectMode([...process.execArgv, ...process.argv]);
  const files = new Map(); // path -> { stack, leaves, output }
  const seenIds = new Map();
  const diagnostics = [];
  let failed = false;
  let nodeFailures = 0;

  const stateOf = (rel) => {
    let state = files.get(rel);
    if (!state) {
      state = { stack: [], leaves: 0, output: new Capture() };
      files.set(rel, state);
    }
    return state;
  };
  const uniqueId = (id) => {
    const count = (seenIds.get(id) || 0) + 1;
    seenIds.set(id, count);
    return count === 1 ? id : `${id} (${count})`;
  };

  yield line({ event: 'begin', schema: SCHEMA });

  for await (const { type, data } of source) {
    if (!data) continue;
    if (type === 'test:stdout' || type === 'test:stderr') {
      if (data.file) stateOf(relativePath(data.file)).output.add(data.message ?? '');
      continue;
    }
    if (type === 'test:diagnostic') {
      const message = String(data.message ?? '');
      const summary = /^(tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+$/.exec(message);
      if (summary && data.nesting === 0) {
        if (summary[1] === 'fail' || summary[1] === 'cancelled') nodeFailures += Number(summary[2]);
      } else {
        diagnostics.push(message);
        if (diagnostics.length > 20) diagnostics.shift();
      }
      continue;
    }
    if (type === 'test:start') {
      if (isFileWrapper(data)) continue;
      const state = stateOf(relativePath(data.file));
      const n = Number(data.nesting) || 0;
      state.stack.length = n;
      if (n > 0 && state.stack[n - 1]) state.stack[n - 1].hasChildren = true;
      state.stack[n] = { name: String(data.name), hasChildren: false };
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;

    const rel = relativePath(data.file);
    const state = stateOf(rel);

    if (isFileWrapper(data)) {
      const error = data.details?.error;
      let message;
      if (type === 'test:fail') {
        const exit = error && error.exitCode !== undefined && error.exitCode !== null
          ? `exit code ${error.exitCode}` : (error?.signal ? `signal ${error.signal}` : '');
        message = `the test file failed${exit ? ` (${exit})` : ''}` +
          (state.leaves ? ` after reporting ${state.leaves} test(s)` : ' before reporting any test');
      } else {
        message = 'the test file reported no tests (did the code under test end the process?)';
      }
      const parts = [message];
      const output = state.output.value().trim();
      if (output) parts.push(output);
      if (diagnostics.length) parts.push(diagnostics.splice(0).join('\n'));
      failed = true;
      yield line({ event: 'collect_error', id: rel, message: clip(parts.join('\n\n')) });
      continue;
    }

    const n = Number(data.nesting) || 0;
    const name = String(data.name);
    let entry = state.stack[n];
    if (!entry || entry.name !== name) {
      // No matching test:start (should not happen): assume the ancestors stand.
      entry = { name, hasChildren: false };
    }
    const ancestors = state.stack.slice(0, n).map((e) => (e ? e.name : '?'));
    const id = [rel, ...ancestors, name].join('::');
    state.stack.length = n;
    const isSuite = data.details?.type === 'suite' || entry.hasChildren;

    if (isSuite) {
      const error = data.details?.error;
      const failureType = error?.failureType;
      if (type === 'test:fail' && failureType !== 'subtestsFailed' &&
          (!collectMode || failureType === 'testCodeFailure')) {
        failed = true;
        yield line({ event: 'collect_error', id, message: clip(errorText(error)) });
      }
      continue;
    }

    state.leaves += 1;
    const testId = uniqueId(id);
    if (collectMode) {
      yield line({ event: 'item', id: testId });
      continue;
    }
    const outcome = outcomeOf(type, data);
    let message = '';
    if (outcome === 'skipped') message = skipMessage(data);
    else if (outcome !== 'passed') message = errorText(data.details?.error);
    if (outcome === 'failed' || outcome === 'error') failed = true;
    const durationMs = Number(data.details?.duration_ms);
    const duration = Number.isFinite(durationMs) ? Math.round(durationMs * 1000) / 1e6 : 0;
    yield line({ event: 'start', id: testId });
    yield line({ event: 'result', id: testId, outcome, duration_s: { float: duration },
                 message: clip(message) });
  }

  if (!collectMode && nodeFailures > 0) failed = true;
  yield line({ event: 'finish', exitstatus: failed ? 1 : 0 });
}
