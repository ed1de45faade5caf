'use strict';
/**
 * How values cross the link (node_link.cjs) between the tests' process and the submission's.
 *
 * - Primitives, and plain data (arrays, plain objects, Map, Set, Date, RegExp, Buffer and
 *   Uint8Array), cross by value: the receiver builds its own, so `assert.deepEqual`
 *   compares objects of its own realm and no getter of the sender runs later.
 * - The standard built-ins (`RangeError`, `Object.prototype`, `Math.max` ...) cross by
 *   name: each side uses its own, so an error of the submission is `instanceof
 *   RangeError` in the tests' process, and nothing of the tests' realm (its `Function`,
 *   which would compile code there) is ever handed over.
 * - Anything else (functions, classes, instances, promises) stays where it was made and
 *   crosses as a handle: the receiver gets a Proxy whose every operation (get, call, new,
 *   keys, prototype) is a request to the owner. The same object always gives the same
 *   proxy, and a proxy sent back arrives as the original.
 * - An error crosses as a real error of the receiver's realm, built from the nearest
 *   standard error class on its prototype chain, with the owner's prototype above it
 *   (so `instanceof` the submission's own error class works); sent back, it is the
 *   original.
 * - A promise crosses as a local promise that the owner settles with a notification.
 *
 * `policy(value)` is asked before anything of this side is handed out as a handle; the
 * tests' side refuses its process, its global object and its module system.
 */

const util = require('node:util');
const { LinkClosed } = require('./node_link.cjs');

const STANDARD_GLOBALS = [
  'Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Math',
  'JSON', 'Reflect', 'Date', 'RegExp', 'Promise', 'Map', 'Set', 'WeakMap', 'WeakSet',
  'WeakRef', 'Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError',
  'URIError', 'AggregateError', 'ArrayBuffer', 'DataView', 'Uint8Array', 'Int8Array',
  'Uint16Array', 'Int16Array', 'Uint32Array', 'Int32Array', 'Float32Array', 'Float64Array',
  'BigInt64Array', 'BigUint64Array', 'Uint8ClampedArray', 'Intl', 'parseInt', 'parseFloat',
  'isNaN', 'isFinite', 'encodeURIComponent', 'decodeURIComponent', 'encodeURI', 'decodeURI',
  'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal',
  'EventTarget', 'Event', 'Buffer', 'console', 'setTimeout', 'clearTimeout', 'setInterval',
  'clearInterval', 'setImmediate', 'clearImmediate', 'queueMicrotask', 'structuredClone',
];
const ERROR_CLASSES = [
  'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError',
  'AggregateError', 'Error',
];
const WELL_KNOWN_SYMBOLS = [
  'iterator', 'asyncIterator', 'hasInstance', 'toPrimitive', 'toStringTag', 'species',
  'isConcatSpreadable', 'unscopables', 'match', 'matchAll', 'replace', 'search', 'split',
];
// Properties no request may read: they reach a caller's frame or arguments.
const UNREADABLE = new Set(['caller', 'callee', 'arguments']);
// Properties no request may write: the prototype of the owner's object stays the owner's.
const UNWRITABLE = new Set(['__proto__', 'caller', 'callee', 'arguments']);

/** Every standard built-in reachable in three steps from the global object, by path. */
function intrinsics() {
  const byValue = new Map();
  const byPath = new Map();
  const add = (value, path) => {
    if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
    if (byValue.has(value)) return false;
    byValue.set(value, path);
    byPath.set(path, value);
    return true;
  };
  let frontier = [];
  for (const name of STANDARD_GLOBALS) {
    if (add(globalThis[name], name)) frontier.push([globalThis[name], name]);
  }
  const hidden = {
    Generator: Object.getPrototypeOf(function* generator() {}),
    AsyncFunction: Object.getPrototypeOf(async () => {}),
    AsyncGenerator: Object.getPrototypeOf(async function* asyncGenerator() {}),
    ArrayIterator: Object.getPrototypeOf([][Symbol.iterator]()),
    MapIterator: Object.getPrototypeOf(new Map()[Symbol.iterator]()),
    SetIterator: Object.getPrototypeOf(new Set()[Symbol.iterator]()),
    StringIterator: Object.getPrototypeOf(''[Symbol.iterator]()),
    Iterator: Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
    TypedArray: Object.getPrototypeOf(Uint8Array),
  };
  for (const [name, value] of Object.entries(hidden)) {
    if (add(value, `%${name}`)) frontier.push([value, `%${name}`]);
  }
  for (let depth = 0; depth < 2; depth += 1) {
    const next = [];
    for (const [owner, path] of frontier) {
      for (const key of Reflect.ownKeys(owner)) {
        const descriptor = Reflect.getOwnPropertyDescriptor(owner, key);
        const name = typeof key === 'symbol' ? `@${key.description}` : key;
        for (const [part, value] of [['', descriptor.value], ['get:', descriptor.get], ['set:', descriptor.set]]) {
          if (add(value, `${path}.${part}${name}`)) next.push([value, `${path}.${part}${name}`]);
        }
      }
    }
    frontier = next;
  }
  return { byValue, byPath };
}

const INTRINSICS = intrinsics();

function isPlainObject(value) {
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === 'symbol') return false;
    const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
    if (!('value' in descriptor)) return false; // a getter runs on read: keep it the owner's
  }
  return true;
}

function isPlainArray(value) {
  return Array.isArray(value) && Object.getPrototypeOf(value) === Array.prototype;
}

/** An error object itself (not a prototype that merely inherits from Error.prototype). */
function isError(value) {
  return util.types.isNativeError(value);
}

/** A stack without the frames of this runner (the link, the codec) under the owner's. */
function ownFrames(stack) {
  const lines = stack.split('\n');
  const cut = lines.findIndex((line) => line.includes(__dirname + '/node_'));
  return (cut === -1 ? lines : lines.slice(0, cut)).join('\n');
}

function encodeKey(key) {
  if (typeof key === 'symbol') {
    const name = WELL_KNOWN_SYMBOLS.find((n) => Symbol[n] === key);
    if (name) return { sym: name };
    const registered = Symbol.keyFor(key);
    return registered === undefined ? null : { symfor: registered };
  }
  return String(key);
}

function decodeKey(key) {
  if (typeof key === 'string') return key;
  if (key && typeof key.sym === 'string' && WELL_KNOWN_SYMBOLS.includes(key.sym)) return Symbol[key.sym];
  if (key && typeof key.symfor === 'string') return Symbol.for(key.symfor);
  return Symbol('unknown');
}

class Codec {
  /**
   * @param {import('./node_link.cjs').Link} link
   * @param {{policy?: (value: unknown) => boolean, label: string}} options
   */
  constructor(link, { policy, label, customInspect = true }) {
    this.link = link;
    this.customInspect = customInspect;
    this.policy = policy || (() => true);
    this.label = label; // "the submission" / "the tests": named in errors
    this.exported = new Map(); // id -> our object handed out
    this.exportIds = new Map(); // our object -> id
    this.nextId = 1;
    this.proxies = new Map(); // their id -> proxy (or error/promise made from theirs)
    this.theirIds = new WeakMap(); // that proxy -> their id
    this.handles = new WeakSet(); // the proxies alone (not their errors and promises)
    this.promises = new Map(); // their id -> {resolve, reject}
    link.serve = (frame) => this.serve(frame);
    link.notified = (frame) => this.notified(frame);
    link.onClose = () => this.failPending();
  }

  // ------------------------------------------------------------------ encoding

  encode(value, seen = new Set()) {
    switch (typeof value) {
      case 'undefined':
        return { t: 'u' };
      case 'boolean':
      case 'string':
        return value;
      case 'number':
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        return { t: 'n', v: Object.is(value, -0) ? '-0' : String(value) };
      case 'bigint':
        return { t: 'big', v: value.toString() };
      case 'symbol':
        return { t: 'sym', v: encodeKey(value) };
      default:
        break;
    }
    if (value === null) return null;
    if (this.theirIds.has(value)) return { t: 'yours', id: this.theirIds.get(value) };
    const path = INTRINSICS.byValue.get(value);
    if (path !== undefined) return { t: 'i', p: path };
    if (!this.policy(value)) return { t: 'u' };
    if (seen.has(value) || seen.size > 10000) return this.handle(value);
    seen.add(value);
    try {
      return this.encodeObject(value, seen);
    } finally {
      seen.delete(value);
    }
  }

  encodeObject(value, seen) {
    if (isPlainArray(value)) {
      const items = [];
      for (let i = 0; i < value.length; i += 1) items.push(this.encode(value[i], seen));
      return { t: 'a', v: items };
    }
    if (typeof value === 'object' && isPlainObject(value)) {
      const entries = Object.keys(value).map((k) => [k, this.encode(value[k], seen)]);
      return { t: 'o', v: entries, n: Object.getPrototypeOf(value) === null };
    }
    if (value instanceof Date && Object.getPrototypeOf(value) === Date.prototype) {
      return { t: 'date', v: value.getTime() };
    }
    if (value instanceof RegExp && Object.getPrototypeOf(value) === RegExp.prototype) {
      return { t: 're', s: value.source, f: value.flags };
    }
    if (value instanceof Map && Object.getPrototypeOf(value) === Map.prototype) {
      return { t: 'map', v: [...value].map(([k, v]) => [this.encode(k, seen), this.encode(v, seen)]) };
    }
    if (value instanceof Set && Object.getPrototypeOf(value) === Set.prototype) {
      return { t: 'set', v: [...value].map((v) => this.encode(v, seen)) };
    }
    if (value instanceof Uint8Array && [Buffer.prototype, Uint8Array.prototype].includes(Object.getPrototypeOf(value))) {
      return { t: 'u8', v: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64'), b: Buffer.isBuffer(value) };
    }
    if (isError(value)) return this.encodeError(value, seen);
    if (value instanceof Promise) return this.encodePromise(value);
    return this.handle(value);
  }

  encodeError(error, seen) {
    const own = (key) => {
      const d = Reflect.getOwnPropertyDescriptor(error, key);
      return d && 'value' in d ? d.value : undefined;
    };
    const props = [];
    for (const key of Object.keys(error)) {
      if (key !== 'message' && key !== 'stack') props.push([key, this.encode(own(key), seen)]);
    }
    const cause = Reflect.getOwnPropertyDescriptor(error, 'cause');
    return {
      t: 'err',
      id: this.exportId(error),
      proto: this.encode(Object.getPrototypeOf(error), seen),
      message: String(own('message') ?? ''),
      stack: ownFrames(String(own('stack') ?? '')),
      props,
      cause: cause && 'value' in cause ? this.encode(cause.value, seen) : undefined,
    };
  }

  encodePromise(promise) {
    const known = this.exportIds.get(promise);
    if (known !== undefined) return { t: 'prom', id: known };
    const id = this.exportId(promise);
    promise.then(
      (value) => this.settle(id, true, value),
      (error) => this.settle(id, false, error),
    );
    return { t: 'prom', id };
  }

  settle(id, ok, value) {
    try {
      this.link.notify({ op: 'settle', pid: id, ok, value: this.encode(value) });
    } catch (error) {
      if (!(error instanceof LinkClosed)) throw error;
    }
  }

  handle(value) {
    return { t: 'h', id: this.exportId(value), f: typeof value === 'function' };
  }

  exportId(value) {
    let id = this.exportIds.get(value);
    if (id === undefined) {
      id = this.nextId++;
      this.exportIds.set(value, id);
      this.exported.set(id, value);
      this.link.lend();
    }
    return id;
  }

  // ------------------------------------------------------------------ decoding

  decode(data) {
    if (data === null || typeof data !== 'object') return data;
    switch (data.t) {
      case 'u':
        return undefined;
      case 'n':
        return data.v === '-0' ? -0 : Number(data.v);
      case 'big':
        return BigInt(data.v);
      case 'sym':
        return data.v === null ? Symbol('unknown') : decodeKey(data.v);
      case 'i':
        return INTRINSICS.byPath.get(data.p);
      case 'yours':
        if (!this.exported.has(data.id)) throw new TypeError(`unknown handle ${data.id}`);
        return this.exported.get(data.id);
      case 'a':
        return data.v.map((item) => this.decode(item));
      case 'o': {
        const result = data.n ? Object.create(null) : {};
        for (const [key, item] of data.v) {
          Object.defineProperty(result, String(key), { value: this.decode(item), enumerable: true, writable: true, configurable: true });
        }
        return result;
      }
      case 'date':
        return new Date(data.v);
      case 're':
        return new RegExp(data.s, data.f);
      case 'map':
        return new Map(data.v.map(([k, v]) => [this.decode(k), this.decode(v)]));
      case 'set':
        return new Set(data.v.map((v) => this.decode(v)));
      case 'u8': {
        const bytes = Buffer.from(data.v, 'base64');
        return data.b ? bytes : new Uint8Array(bytes);
      }
      case 'err':
        return this.decodeError(data);
      case 'prom':
        return this.decodePromise(data.id);
      case 'h':
        return this.proxy(data.id, Boolean(data.f));
      default:
        throw new TypeError(`cannot decode a value of kind ${data.t}`);
    }
  }

  decodeError(data) {
    const known = this.proxies.get(`e${data.id}`);
    if (known) return known;
    const proto = this.decode(data.proto);
    let base = Error;
    for (let p = proto; p; p = Object.getPrototypeOf(p)) {
      const found = ERROR_CLASSES.find((name) => globalThis[name].prototype === p);
      if (found) {
        base = globalThis[found];
        break;
      }
    }
    const error = base === AggregateError ? new AggregateError([], data.message) : new base(data.message);
    // Only an error class of theirs may stand above it: any other object named as the
    // prototype (one of our built-ins) would run its setters here on the next write.
    if (proto && proto !== base.prototype && this.handles.has(proto)) Object.setPrototypeOf(error, proto);
    const own = (key, value) =>
      Object.defineProperty(error, key, { value, writable: true, configurable: true, enumerable: key !== 'stack' });
    own('stack', String(data.stack));
    for (const [key, item] of data.props) {
      if (typeof key === 'string' && key !== '__proto__') own(key, this.decode(item));
    }
    if (data.cause !== undefined) {
      Object.defineProperty(error, 'cause', { value: this.decode(data.cause), writable: true, configurable: true });
    }
    this.proxies.set(`e${data.id}`, error);
    this.theirIds.set(error, data.id);
    return error;
  }

  decodePromise(id) {
    const known = this.proxies.get(`p${id}`);
    if (known) return known;
    let resolvers;
    const promise = new Promise((resolve, reject) => {
      resolvers = { resolve, reject };
    });
    this.proxies.set(`p${id}`, promise);
    this.theirIds.set(promise, id);
    this.promises.set(id, resolvers);
    this.link.hold();
    return promise;
  }

  notified(frame) {
    if (frame.op === 'idle') {
      if (typeof frame.seen === 'number') this.link.peerIsIdle(frame.seen);
      return;
    }
    if (frame.op === 'idle?') {
      this.link.answerWhenIdle();
      return;
    }
    if (frame.op !== 'settle') return;
    const resolvers = this.promises.get(frame.pid);
    if (!resolvers) return;
    this.promises.delete(frame.pid);
    this.link.release();
    let value;
    try {
      value = this.decode(frame.value);
    } catch (error) {
      resolvers.reject(error);
      return;
    }
    (frame.ok ? resolvers.resolve : resolvers.reject)(value);
  }

  failPending() {
    for (const [id, resolvers] of this.promises) {
      this.promises.delete(id);
      this.link.release();
      resolvers.reject(new LinkClosed(`${this.label}'s process ended before this promise settled: ${this.link.closed}`));
    }
  }

  proxy(id, callable) {
    const known = this.proxies.get(id);
    if (known) return known;
    const codec = this;
    // A bound function is callable and constructible and has no own `prototype`, whose
    // non-configurability would bind the proxy's answers about that key.
    const target = callable ? function remote() {}.bind(null) : {};
    Object.defineProperty(target, util.inspect.custom, {
      value: () => codec.call('inspect', id, {}),
      configurable: true, // a non-configurable key would bind the proxy's ownKeys answers
    });
    const proxy = new Proxy(target, {
      get(_t, key) {
        if (key === util.inspect.custom) return target[key];
        const encoded = encodeKey(key);
        if (encoded === null) return undefined;
        return codec.call('get', id, { k: encoded });
      },
      set(_t, key, value) {
        const encoded = encodeKey(key);
        if (encoded === null) return false;
        return codec.call('set', id, { k: encoded, v: codec.encode(value) });
      },
      has(_t, key) {
        const encoded = encodeKey(key);
        return encoded !== null && codec.call('has', id, { k: encoded });
      },
      deleteProperty(_t, key) {
        const encoded = encodeKey(key);
        return encoded !== null && codec.call('del', id, { k: encoded });
      },
      ownKeys() {
        return codec.call('keys', id, {});
      },
      getOwnPropertyDescriptor(_t, key) {
        const encoded = encodeKey(key);
        if (encoded === null) return undefined;
        const found = codec.call('desc', id, { k: encoded });
        return found === undefined ? undefined : { ...found, configurable: true };
      },
      defineProperty(_t, key, descriptor) {
        const encoded = encodeKey(key);
        if (encoded === null || !('value' in descriptor)) return false;
        return codec.call('set', id, { k: encoded, v: codec.encode(descriptor.value) });
      },
      getPrototypeOf() {
        return codec.call('proto', id, {});
      },
      setPrototypeOf() {
        return false;
      },
      preventExtensions() {
        return false;
      },
      isExtensible() {
        return true;
      },
      apply(_t, self, args) {
        return codec.call('call', id, { s: codec.encode(self), a: codec.encode([...args]) });
      },
      construct(_t, args, newTarget) {
        if (newTarget !== proxy) {
          throw new TypeError(`a class of ${codec.label} cannot be extended across the isolation`);
        }
        return codec.call('new', id, { a: codec.encode([...args]) });
      },
    });
    this.proxies.set(id, proxy);
    this.theirIds.set(proxy, id);
    this.handles.add(proxy);
    return proxy;
  }

  /** One request about their object `id`; its answer decoded, or its error thrown here. */
  call(op, id, fields) {
    const reply = this.link.request({ op, h: id, ...fields });
    if (reply.ok) return this.decode(reply.value);
    throw this.decode(reply.error);
  }

  // ------------------------------------------------------------------ serving

  serve(frame) {
    try {
      return { ok: true, value: this.encode(this.answer(frame)) };
    } catch (error) {
      if (error instanceof LinkClosed) throw error;
      return { ok: false, error: this.encode(error) };
    }
  }

  answer(frame) {
    if (frame.op === 'require') return this.require(frame.path);
    if (!this.exported.has(frame.h)) throw new ReferenceError(`no object ${frame.h} here`);
    const target = this.exported.get(frame.h);
    const key = frame.k === undefined ? undefined : decodeKey(frame.k);
    if (typeof key === 'string' && UNREADABLE.has(key)) {
      if (frame.op === 'get' || frame.op === 'desc') return undefined;
      if (frame.op === 'has') return false;
    }
    switch (frame.op) {
      case 'get':
        return Reflect.get(target, key);
      case 'set':
        // A symbol key would let them install a hook we call (util.inspect.custom ...).
        if (typeof key !== 'string' || UNWRITABLE.has(key)) return false;
        return Reflect.set(target, key, this.decode(frame.v));
      case 'has':
        return Reflect.has(target, key);
      case 'del':
        if (typeof key !== 'string') return false;
        return Reflect.deleteProperty(target, key);
      case 'keys':
        return Reflect.ownKeys(target).filter((k) => typeof k === 'string');
      case 'desc': {
        const d = Reflect.getOwnPropertyDescriptor(target, key);
        if (!d) return undefined;
        return 'value' in d
          ? { value: d.value, writable: d.writable, enumerable: d.enumerable }
          : { get: d.get, set: d.set, enumerable: d.enumerable };
      }
      case 'proto':
        return Object.getPrototypeOf(target);
      case 'call':
        return Reflect.apply(target, this.decode(frame.s), this.decode(frame.a));
      case 'new':
        return Reflect.construct(target, this.decode(frame.a));
      case 'inspect':
        // Their inspect hooks must not run with our options (they carry our functions).
        return util.inspect(target, { depth: 2, customInspect: this.customInspect });
      default:
        throw new TypeError(`unknown request ${frame.op}`);
    }
  }

  require() {
    throw new TypeError('modules are loaded only in the submission\'s process');
  }
}

module.exports = { Codec };
