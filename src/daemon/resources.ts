// What a start-up opened, closed in exact reverse order: on shutdown, and when the start-up itself fails.
import type { Logger } from '../log.js';

interface Resource {
  name: string;
  close: () => unknown;
}

export class Resources {
  readonly #opened: Resource[] = [];
  readonly #log: Logger;
  #closing: Promise<void> | undefined;

  constructor(log: Logger) {
    this.#log = log;
  }

  /** Registers what closes `name`, right after it was opened; returns what was given, for chaining. */
  add<T>(name: string, value: T, close: (value: T) => unknown): T {
    this.#opened.push({ name, close: () => close(value) });
    return value;
  }

  /**
   * Closes everything, last opened first, each once; a close that fails is logged and the rest still
   * close. Idempotent: a second call waits for the first.
   */
  closeAll(): Promise<void> {
    this.#closing ??= (async () => {
      for (const resource of this.#opened.splice(0).reverse()) {
        try {
          await resource.close();
        } catch (error) {
          this.#log.error('closing failed', { resource: resource.name, error });
        }
      }
    })();
    return this.#closing;
  }
}
