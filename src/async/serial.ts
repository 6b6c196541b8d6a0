// Work done one piece at a time, in the order it was asked for: the one serial chain of the codebase.

/**
 * Runs each piece of work after every piece queued before it has settled. A failure reaches the
 * caller of `run` and does not stop what was queued after it.
 */
export class SerialQueue {
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;
  readonly #onIdle: (() => void) | undefined;

  /** `onIdle` is called each time the last queued piece of work settles. */
  constructor(onIdle?: () => void) {
    this.#onIdle = onIdle;
  }

  run<T>(work: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(work);
    this.#queued++;
    const done = () => {
      if (--this.#queued === 0) this.#onIdle?.();
    };
    this.#tail = result.then(done, done);
    return result;
  }

  /** Resolves once everything queued so far has settled; never rejects. */
  settled(): Promise<void> {
    return this.#tail;
  }
}

/** One SerialQueue per key: work of one key runs in order, different keys run side by side. */
export class KeyedSerialQueue<K> {
  readonly #queues = new Map<K, SerialQueue>();

  run<T>(key: K, work: () => Promise<T> | T): Promise<T> {
    let queue = this.#queues.get(key);
    if (!queue) {
      // A key with nothing left to do is forgotten, so keys that come and go do not pile up.
      const created = new SerialQueue(() => {
        if (this.#queues.get(key) === created) this.#queues.delete(key);
      });
      this.#queues.set(key, (queue = created));
    }
    return queue.run(work);
  }

  /** How many keys have work queued or running. */
  get activeKeys(): number {
    return this.#queues.size;
  }
}
