// One warning per burst of the same event (upgrades refused with 429, accepts failing with EMFILE): a flood
// of them would otherwise flood the log too, and cost the disk what the limit saved in descriptors.
import type { LogFields, Logger } from '../log.js';

/** A burst ends after this long without the event; while it lasts, one line per window counts the repeats. */
const WINDOW_MS = 10_000;

export class BurstWarning {
  readonly #log: Logger;
  readonly #message: string;
  #repeats = 0;
  #window: NodeJS.Timeout | undefined;

  constructor(log: Logger, message: string) {
    this.#log = log;
    this.#message = message;
  }

  /** The first event of a burst is logged with its fields; the others are counted. */
  note(fields: LogFields): void {
    if (this.#window) {
      this.#repeats += 1;
      return;
    }
    this.#log.warn(this.#message, fields);
    this.#openWindow();
  }

  close(): void {
    clearTimeout(this.#window);
    this.#window = undefined;
  }

  #openWindow(): void {
    this.#window = setTimeout(() => {
      this.#window = undefined;
      if (this.#repeats === 0) return;
      this.#log.warn(`${this.#message} (repeated)`, { times: this.#repeats, withinMs: WINDOW_MS });
      this.#repeats = 0;
      this.#openWindow();
    }, WINDOW_MS);
    this.#window.unref();
  }
}
