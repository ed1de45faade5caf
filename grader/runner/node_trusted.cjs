'use strict';
/**
 * The tests' side of an isolated Node grading (`isolation = "process"`): loaded with
 * `--require` into `node --test` and each test file's process (uid 10001), so that the
 * hidden tests never load the submission's code.
 *
 * `require()` of any file outside the trusted folders (the hidden suite, the runner, the
 * image's modules) returns its exports as a handle into a candidate process (uid 10002)
 * that PID 1 starts on this process's first such `require` (supervise_nodelink.py holds
 * the handshake, node_link.cjs the frames, node_values.cjs how values cross). Every
 * assertion compares values this process built, and `node --test` reads this process's
 * results from its stdout, which no code of the submission shares. An ES module `import`
 * of such a file is refused here (node_trusted_loader.mjs): its exports would have to be
 * known before the module runs; such a suite loads the submission with `require()`.
 *
 * Not covered (docs/sandbox.md): a program of the submission that a test starts itself
 * (`child_process`) runs under the tests' uid; a class of the submission cannot be
 * extended by a test; a candidate process that ends fails the requests of the rest of
 * that test file.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const Module = require('node:module');
const { pathToFileURL } = require('node:url');
const { Link } = require('./node_link.cjs');
const { Codec } = require('./node_values.cjs');

const WORKDIR = process.env.GRADER_LINK_WORKDIR || '/work';
const HIDDEN = path.join(WORKDIR, 'hidden');
// The only files this process loads itself: the hidden suite, the grader's runner and
// what the image installed. Anything else, wherever it resolves to (a package.json's
// "main" or a symlink of the submission's may point into /tmp), loads in the
// submission's process.
const TRUSTED_FOLDERS = [HIDDEN, __dirname, '/usr/lib/node_modules', '/usr/share/nodejs', '/usr/lib/nodejs'];
const LINK_DIR = process.env.GRADER_LINK_DIR;
// Objects of this process no request of the submission's may get a handle to.
const TEST_RUNNER_CLASSES = new Set(['TestContext', 'SuiteContext', 'Test', 'Suite', 'Module']);

function inside(file, folder) {
  return file === folder || file.startsWith(folder + path.sep);
}

/** A file this process must not load itself: anything outside the trusted folders. */
function isSubmissionFile(filename) {
  if (!path.isAbsolute(filename)) return false; // a built-in module
  let real = filename;
  try {
    real = fs.realpathSync(filename);
  } catch {
    // not there: loading it in the submission's process fails there
  }
  return !TRUSTED_FOLDERS.some((folder) => inside(real, folder) && inside(path.resolve(filename), folder));
}

function refusedObjects() {
  const refused = new WeakSet([globalThis, process, process.env, Module, Module.prototype, require.cache]);
  for (const key of ['stdout', 'stderr', 'stdin', 'mainModule', 'binding', 'dlopen', 'kill', 'exit']) {
    const value = process[key]; // read through getters too (stdout is one)
    if ((typeof value === 'object' || typeof value === 'function') && value !== null) refused.add(value);
  }
  return refused;
}

/** Whether an object of this process may be handed to the submission as a handle. */
function handOut(refused) {
  return (value) => {
    if (refused.has(value) || value instanceof Module) return false;
    const proto = Object.getPrototypeOf(value);
    const constructor = proto && Object.getOwnPropertyDescriptor(proto, 'constructor');
    const name = constructor && typeof constructor.value === 'function' ? constructor.value.name : '';
    return !TEST_RUNNER_CLASSES.has(name);
  };
}

/** Ask PID 1 for a candidate process; returns the started link (NODE_LINK handshake). */
function connect(dir) {
  const id = crypto.randomBytes(16).toString('hex');
  const toCandidate = path.join(dir, `${id}.c`);
  const toTests = path.join(dir, `${id}.t`);
  const made = spawnSync('mkfifo', ['-m', '0600', toCandidate, toTests], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`could not make the link to the submission: ${made.stderr || made.error}`);
  const { O_RDWR, O_RDONLY, O_WRONLY, O_NONBLOCK } = fs.constants;
  // Held until the hello: without a writer, the blocking open below would wait for one.
  const hold = fs.openSync(toTests, O_RDWR);
  const syncFd = fs.openSync(toTests, O_RDONLY);
  const asyncFd = fs.openSync(toTests, O_RDONLY | O_NONBLOCK);
  const spawn = fs.openSync(path.join(dir, 'spawn'), O_WRONLY);
  try {
    fs.writeSync(spawn, `spawn ${id}\n`);
  } finally {
    fs.closeSync(spawn);
  }
  const link = new Link({ syncFd, asyncFd, outFd: -1 });
  const hello = link.readFrameSync();
  fs.closeSync(hold); // from now on, the end of the FIFO is the end of the candidate process
  if (hello.op !== 'hello') {
    for (const fd of [syncFd, asyncFd]) fs.closeSync(fd);
    for (const file of [toCandidate, toTests]) fs.rmSync(file, { force: true });
    throw new Error(`the sandbox started no process for the submission: ${hello.reason || 'refused'}`);
  }
  link.outFd = fs.openSync(toCandidate, O_WRONLY);
  for (const file of [toCandidate, toTests]) fs.rmSync(file, { force: true });
  link.start();
  return link;
}

/** The submission's process, started on first need, and the modules loaded from it. */
class Submission {
  constructor(dir) {
    this.dir = dir;
    this.codec = null;
    this.modules = new Map();
    this.policy = handOut(refusedObjects());
  }

  require(filename) {
    if (this.modules.has(filename)) return this.modules.get(filename);
    if (this.codec === null) {
      this.codec = new Codec(connect(this.dir), {
        policy: this.policy,
        label: 'the submission',
        customInspect: false,
      });
    }
    const reply = this.codec.link.request({ op: 'require', path: filename });
    if (!reply.ok) throw this.codec.decode(reply.error);
    const exports = this.codec.decode(reply.value);
    this.modules.set(filename, exports);
    return exports;
  }
}

function install(dir) {
  const submission = new Submission(dir);
  const load = Module._load;
  Module._load = function loadOutsideTheSubmission(request, parent, isMain) {
    if (!isMain && !Module.isBuiltin(request)) {
      let filename = null;
      try {
        filename = Module._resolveFilename(request, parent, isMain);
      } catch {
        // unresolvable: the original loader reports it as usual
      }
      if (filename !== null && isSubmissionFile(filename)) return submission.require(filename);
    }
    return Reflect.apply(load, this, [request, parent, isMain]);
  };
  // The loader hook runs in a thread of its own, which costs a Node process about 0.1 s
  // to start: only a suite that imports anything needs it.
  if (importsAnything(HIDDEN)) {
    Module.register('./node_trusted_loader.mjs', pathToFileURL(__filename), {
      data: { trusted: TRUSTED_FOLDERS },
    });
  }
}

/** Whether a file of the hidden suite has an `import` (a declaration or `import()`). */
function importsAnything(folder) {
  const pattern = /(^|[^.\w$])import(\s*[({*'"]|\s+[\w$])/m;
  const pending = [folder];
  while (pending.length > 0) {
    const current = pending.pop();
    let entries = [];
    try {
      entries = fs.readdirSync(current, { withFileTypes: true });
    } catch {
      return true; // unreadable: assume the worst
    }
    for (const entry of entries) {
      const file = path.join(current, entry.name);
      if (entry.isDirectory()) pending.push(file);
      else if (/\.[cm]?[jt]s$/.test(entry.name) && pattern.test(fs.readFileSync(file, 'utf8'))) return true;
    }
  }
  return false;
}

// `node --test` itself loads no test file (each runs in a child of its own): only the
// children need the hook.
if (LINK_DIR && !process.execArgv.includes('--test')) install(LINK_DIR);
