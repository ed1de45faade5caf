'use strict';
/**
 * The link between a trusted Node test process and its candidate process: frames and a
 * re-entrant request/reply over two FIFOs (the handshake is PID 1's: supervise_nodelink.py).
 *
 * A frame is a 4-byte big-endian length and that many bytes of UTF-8 JSON. Either side may
 * ask the other at any time; a request blocks its caller (a test's `cache.get('a')` must
 * return a value, not a promise) until the reply comes, and while it waits it serves the
 * requests the other side makes meanwhile (the submission calling the test's fake clock
 * in the middle of `get`). So each side reads the incoming FIFO two ways, through two
 * open file descriptions of it: blocking reads while it waits for a reply, and the event
 * loop's reads while it is idle (a settled promise, a timer of the other side's that
 * calls back). Both share one buffer, so no frame is read twice or lost: the event loop
 * only reads while no JavaScript runs, and whatever it read is in the buffer already.
 *
 * Guarantees: a frame longer than MAX_FRAME, or not JSON, ends the link (the peer is
 * hostile or broken); the end of the link fails every request in flight with LinkClosed
 * and is reported once to `onClose`.
 */

const fs = require('node:fs');
const net = require('node:net');

const MAX_FRAME = 64 << 20;
const READ_CHUNK = 1 << 16;

class LinkClosed extends Error {
  constructor(message) {
    super(message);
    this.name = 'LinkClosed';
  }
}

class Link {
  /**
   * @param {{syncFd: number, asyncFd: number, outFd: number, onClose?: Function}} fds
   * `serve(frame)` (set by the codec) answers a request: `{ok, value}` or `{ok: false, error}`;
   * `notified(frame)` takes a frame that needs no answer (a settled promise).
   */
  constructor({ syncFd, asyncFd, outFd, onClose, keepAliveForPeer = true }) {
    this.syncFd = syncFd;
    this.asyncFd = asyncFd;
    this.outFd = outFd;
    this.onClose = onClose || (() => {});
    this.buffer = Buffer.alloc(0);
    this.replies = new Map();
    this.sequence = 0;
    this.closed = null; // the reason, once closed
    this.serve = () => ({ ok: false, error: null });
    this.notified = () => {};
    this.onFrame = null; // called once, with the first frame that arrives
    this.socket = null;
    this.holds = 0; // reasons to keep the event loop alive (promises awaited from the peer)
    this.draining = false; // a drain of buffered frames is scheduled
    this.sent = 0; // frames sent, and read: an idle frame names how many it had read
    this.received = 0;
    this.peerIdle = false;
    this.waiting = false;
    // The submission's side never stays alive for the tests: its idle frame is what lets
    // the tests' side stop waiting on a cycle of the two.
    this.keepAliveForPeer = keepAliveForPeer;
    this.lent = false;
    this.asking = false; // the tests' side: an `idle?` is scheduled
    this.idleWanted = false; // the submission's side: asked to say when it is idle
  }

  /** Read the event loop's way from now on. */
  start() {
    const socket = new net.Socket({ fd: this.asyncFd, readable: true, writable: false });
    this.socket = socket;
    socket.on('data', (chunk) => {
      this._append(chunk, false);
      this._drain();
    });
    socket.on('end', () => this._close('the other process closed the link'));
    socket.on('error', (error) => this._close(`the link failed: ${error.message}`));
    this._updateRef();
  }

  /**
   * The tests' side stays alive, as the one process of a shared grading would, while the
   * peer may still act on its own (a timer, I/O) and has something to act with: a promise
   * of its that we await (`hold()` outnumbering `release()`), or any object of ours it
   * holds (`lend()`: a callback it may call later, a resolve function an `await` gave it).
   * Once the peer says it is idle (nothing left to run) since our last frame, it can do
   * neither, and a test awaiting it ends as it would in one process (node --test:
   * "Promise resolution is still pending but the event loop has already resolved"), not
   * at the grading's time limit. Like one process, a peer that never idles (an interval
   * it never clears) keeps the test file's process alive.
   */
  hold() {
    this.holds += 1;
    this._updateRef();
  }

  release() {
    this.holds = Math.max(0, this.holds - 1);
    this._updateRef();
  }

  /** The peer now holds an object of ours. */
  lend() {
    if (this.lent) return;
    this.lent = true;
    this._updateRef();
  }

  /**
   * After what we sent, once our own turn of work is over (a test's burst of calls is
   * one), ask the peer to say when it is idle, if we would wait for it: one `idle?` a
   * burst, not a frame a call.
   */
  _askWhenIdle() {
    if (!this.keepAliveForPeer || this.asking) return;
    this.asking = true;
    setImmediate(() => {
      this.asking = false;
      if (!this.closed && !this.peerIdle && (this.holds > 0 || this.lent)) {
        this.send({ op: 'idle?' }, false);
      }
    });
  }

  /** The peer asked (`idle?`): answer once our event loop has nothing left to run. */
  answerWhenIdle() {
    this.idleWanted = true;
    this.waitForFrames(false);
  }

  /** The peer's `idle` frame: it counts as such only if the peer had read all we sent. */
  peerIsIdle(seen) {
    if (seen !== this.sent) return;
    this.peerIdle = true;
    this._updateRef();
  }

  /** The submission's side waits for the tests' frames once its own work is done. */
  waitForFrames(waiting) {
    this.waiting = waiting;
    this._updateRef();
  }

  _updateRef() {
    if (!this.socket) return;
    const peerMayAct = this.keepAliveForPeer && !this.peerIdle && (this.holds > 0 || this.lent);
    if (this.waiting || peerMayAct) this.socket.ref();
    else this.socket.unref();
  }

  /** Send a request and wait for its reply, serving the peer's requests meanwhile. */
  request(message) {
    const id = ++this.sequence;
    this.send({ ...message, id });
    while (!this.replies.has(id)) {
      this._dispatch(this.readFrameSync());
    }
    const reply = this.replies.get(id);
    this.replies.delete(id);
    // Frames read with the reply (a settled promise, the peer's own request) are in the
    // buffer, not in the FIFO any more: the event loop would never see them.
    if (this.buffer.length > 0 && !this.draining) {
      this.draining = true;
      setImmediate(() => {
        this.draining = false;
        this._drain();
      });
    }
    return reply;
  }

  /** Send a frame that needs no reply. */
  notify(message) {
    if (!this.closed) this.send(message);
  }

  send(message, ask = true) {
    if (this.closed) throw new LinkClosed(this.closed);
    this.sent += 1;
    if (this.peerIdle) {
      this.peerIdle = false; // this frame may give it work again
      this._updateRef();
    }
    if (ask) this._askWhenIdle();
    try {
      writeFrame(this.outFd, message);
    } catch (error) {
      this._close(`the other process is gone (${error.code || error.message})`);
      throw new LinkClosed(this.closed);
    }
  }

  /** The next frame, blocking: from the buffer first, then from the FIFO. */
  readFrameSync() {
    for (;;) {
      const frame = this._takeFrame();
      if (frame !== undefined) return frame;
      if (this.closed) throw new LinkClosed(this.closed);
      const chunk = this.chunk || (this.chunk = Buffer.allocUnsafe(READ_CHUNK));
      let count;
      try {
        count = fs.readSync(this.syncFd, chunk, 0, READ_CHUNK, null);
      } catch (error) {
        if (error.code === 'EINTR' || error.code === 'EAGAIN') continue;
        this._close(`the link failed: ${error.message}`);
        throw new LinkClosed(this.closed);
      }
      if (count === 0) {
        this._close('the other process closed the link');
        throw new LinkClosed(this.closed);
      }
      this._append(chunk.subarray(0, count), true);
    }
  }

  /** `reused`: the chunk is the blocking reads' own buffer, which the next read overwrites. */
  _append(chunk, reused) {
    if (this.buffer.length) this.buffer = Buffer.concat([this.buffer, chunk]);
    else this.buffer = reused ? Buffer.from(chunk) : chunk;
  }

  _takeFrame() {
    if (this.buffer.length < 4) return undefined;
    const length = this.buffer.readUInt32BE(0);
    if (length > MAX_FRAME) {
      this._close(`a frame of ${length} bytes is over the limit`);
      throw new LinkClosed(this.closed);
    }
    if (this.buffer.length < 4 + length) return undefined;
    const body = this.buffer.subarray(4, 4 + length).toString('utf8');
    this.buffer = this.buffer.subarray(4 + length);
    let frame;
    try {
      frame = JSON.parse(body);
    } catch {
      this._close('a frame is not JSON');
      throw new LinkClosed(this.closed);
    }
    if (frame === null || typeof frame !== 'object') {
      this._close('a frame is not an object');
      throw new LinkClosed(this.closed);
    }
    this.received += 1;
    if (this.onFrame) {
      const first = this.onFrame;
      this.onFrame = null;
      first(frame);
    }
    return frame;
  }

  /** Frames the event loop read: requests are served, notifications passed on. */
  _drain() {
    try {
      for (let frame = this._takeFrame(); frame !== undefined; frame = this._takeFrame()) {
        this._dispatch(frame);
      }
    } catch (error) {
      if (!(error instanceof LinkClosed)) throw error;
    }
  }

  _dispatch(frame) {
    if (frame.op === 'ret') {
      this.replies.set(frame.id, frame);
    } else if (typeof frame.id === 'number') {
      const answer = this.serve(frame);
      this.send({ op: 'ret', id: frame.id, ...answer });
    } else {
      this.notified(frame);
    }
  }

  _close(reason) {
    if (this.closed) return;
    this.closed = reason;
    if (this.socket) this.socket.destroy();
    this.onClose(reason);
  }
}

function encodeFrame(message) {
  const body = JSON.stringify(message);
  const length = Buffer.byteLength(body, 'utf8');
  const frame = Buffer.allocUnsafe(4 + length);
  frame.writeUInt32BE(length, 0);
  frame.write(body, 4, 'utf8');
  return frame;
}

/** Write one frame to `fd`, whole (the link's frames, and the candidate's hello). */
function writeFrame(fd, message) {
  const frame = encodeFrame(message);
  let written = 0;
  while (written < frame.length) written += fs.writeSync(fd, frame, written, frame.length - written);
}

module.exports = { Link, LinkClosed, writeFrame };
