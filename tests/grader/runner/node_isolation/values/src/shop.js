'use strict';
class OutOfStock extends Error {
  constructor(item) {
    super(`${item} is out of stock`);
    this.name = 'OutOfStock';
    this.item = item;
  }
}

class Shop {
  constructor({ now, stock }) {
    if (typeof now !== 'function') throw new TypeError('now must be a function');
    this.now = now;
    this.stock = new Map(Object.entries(stock));
    this.loading = new Map();
  }

  get size() {
    return this.stock.size;
  }

  take(item) {
    const left = this.stock.get(item) ?? 0;
    if (left <= 0) throw new OutOfStock(item);
    this.stock.set(item, left - 1);
    return this;
  }

  receipt(item) {
    return { item, at: this.now(), tags: ['paid', item], when: new Date(0), left: this.stock };
  }

  price(cents) {
    if (cents < 0) throw new RangeError('a price is never negative');
    return cents / 100;
  }

  // The loader is called from a microtask, when no request of the tests' is in flight.
  load(key, loader) {
    if (!this.loading.has(key)) {
      this.loading.set(key, Promise.resolve().then(() => loader(key)).then((value) => `loaded ${value}`));
    }
    return this.loading.get(key);
  }

  // Async without a promise of ours: a callback from a timer, a thenable settled later.
  later(callback) {
    setTimeout(() => callback(this.now()), 20);
  }

  thenable(value) {
    return { then: (resolve) => setTimeout(() => resolve(value), 20) };
  }

  // A promise nothing settles (an honest bug): the test awaiting it ends, the run goes on.
  never() {
    return new Promise(() => {});
  }

  async fail() {
    throw new OutOfStock('everything');
  }
}

module.exports = { Shop, OutOfStock, whereAmI: () => process.pid };
