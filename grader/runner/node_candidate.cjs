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
  const link = new Link({ syncFd, asyncFd, outFd, onClose: () => process.exit(0) });
  link.onFrame = () => fs.closeSync(keepFd);
  new SubmissionCodec(link, { label: 'the tests' }); // eslint-disable-line no-new
  link.onClose = () => process.exit(0);
  // A callback of the submission's that throws outside any request (a timer, a rejected
  // promise nobody awaits) is reported, as node --test would, and the process goes on.
  process.on('uncaughtException', (error) => console.error('uncaught in the submission:', error));
  process.on('unhandledRejection', (error) => console.error('unhandled rejection in the submission:', error));
  writeFrame(outFd, { op: 'hello', pid: process.pid });
  link.start();
  link.keepAlive(true);
}

main(process.argv.slice(2));
