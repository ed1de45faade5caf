'use strict';
/**
 * The submission's process in an isolated Node grading (uid 10002): loads the
 * submission's modules when the tests' process asks and answers its requests about them
 * (node_values.cjs). PID 1 starts it with four descriptors (supervise_nodelink.py): the
 * FIFO from the tests' process, twice (blocking and event-loop reads), the FIFO to it,
 * and a hold of the first that is closed once the first frame arrives (before that, no
 * writer exists and a read would see the end). When the tests' process closes its end,
 * this process exits.
 *
 * Whatever the submission does here decides nothing: it can only answer requests, and
 * the tests' process checks what it answers.
 */

const fs = require('node:fs');
const { Link, writeFrame } = require('./node_link.cjs');
const { Codec } = require('./node_values.cjs');

class SubmissionCodec extends Codec {
  require(filename) {
    return require(filename);
  }
}

function main(argv) {
  const [syncFd, asyncFd, outFd, keepFd] = argv.map(Number);
  const link = new Link({ syncFd, asyncFd, outFd, onClose: () => process.exit(0), keepAliveForPeer: false });
  link.onFrame = () => fs.closeSync(keepFd);
  const codec = new SubmissionCodec(link, { label: 'the tests' });
  link.onClose = () => process.exit(0);
  // Our event loop has nothing left of its own (no timer, no I/O of the submission's):
  // nothing we owe the tests or hold of theirs can move now but through them, so say so
  // (the tests' side stops waiting for us), then wait for the tests' next frame.
  // The tests' side waits for us while we owe it promises or hold objects of its.
  link.wantIdle = () => codec.unsettled > 0 || codec.proxies.size > 0;
  process.on('beforeExit', () => {
    if (link.wantIdle() && !link.closed) link.notify({ op: 'idle', seen: link.received });
    link.waitForFrames(true);
  });
  // A callback of the submission's that throws outside any request (a timer, a rejected
  // promise nobody awaits) is reported, as node --test would, and the process goes on.
  process.on('uncaughtException', (error) => console.error('uncaught in the submission:', error));
  process.on('unhandledRejection', (error) => console.error('unhandled rejection in the submission:', error));
  writeFrame(outFd, { op: 'hello', pid: process.pid });
  link.start();
}

main(process.argv.slice(2));
