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
  new SubmissionCodec(link, { label: 'the tests' }); // it installs itself on the link
  link.onClose = () => process.exit(0);
  // Asked (`idle?`) by the tests' side, which waits for us while we owe it a promise or
  // hold something of its: once our event loop has nothing left of its own (no timer, no
  // I/O of the submission's), nothing can move but through the tests, so say so, then
  // wait for the tests' next frame.
  process.on('beforeExit', () => {
    if (link.idleWanted && !link.closed) {
      link.idleWanted = false;
      link.notify({ op: 'idle', seen: link.received });
    }
    link.waitForFrames(true);
  });
  process.on('uncaughtException', (error) => console.error('uncaught in the submission:', error));
  process.on('unhandledRejection', (error) => console.error('unhandled rejection in the submission:', error));
  writeFrame(outFd, { op: 'hello', pid: process.pid });
  link.start();
}

main(process.argv.slice(2));
