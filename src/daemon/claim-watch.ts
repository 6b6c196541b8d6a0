// Waiting for runs of the cluster's shared queue to be claimed: one query for all the runs that waits and
// follows of this node hold, every CLAIM_POLL_MS, however many of them there are (a client that starts a
// thousand runs into a busy cluster and waits for each).
import { background } from '../async/background.js';
import type { Logger } from '../log.js';

// A claimed run starts at once, so its first events are worth being early for.
const CLAIM_POLL_MS = 250;

export class ClaimWatch {
  readonly #stillWaiting: (runIds: string[]) => Promise<Set<string>>;
  readonly #log: Logger;
  readonly #waiters = new Map<string, Set<() => void>>();
  #timer: NodeJS.Timeout | undefined;

  /** `stillWaiting` gives, of the runs asked about, those that still wait in the queue. */
  constructor(stillWaiting: (runIds: string[]) => Promise<Set<string>>, log: Logger) {
    this.#stillWaiting = stillWaiting;
    this.#log = log;
  }

  /** Resolves once the run no longer waits in the queue (a node claimed it, or it is gone), or `signal` aborts. */
  whenClaimed(runId: string, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const waiters = this.#waiters.get(runId) ?? new Set();
      this.#waiters.set(runId, waiters);
      const done = () => {
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiters.get(runId) === waiters) this.#waiters.delete(runId);
        signal.removeEventListener('abort', done);
        resolve();
      };
      waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
      this.#timer ??= this.#checkSoon();
    });
  }

  async #check(): Promise<void> {
    const runIds = [...this.#waiters.keys()];
    try {
      const waiting = await this.#stillWaiting(runIds);
      for (const runId of runIds) {
        if (!waiting.has(runId)) for (const done of [...(this.#waiters.get(runId) ?? [])]) done();
      }
    } catch (error) {
      // The database does not answer: asked again at the next tick, as it would be anyway.
      this.#log.debug('looking for claims of waiting runs failed', { error });
    }
    this.#timer = this.#waiters.size > 0 ? this.#checkSoon() : undefined;
  }

  // Unref'd: a wait or follow of a client holds its own connection open, never the daemon's process.
  #checkSoon(): NodeJS.Timeout {
    return setTimeout(
      () => background(this.#check(), this.#log, 'watching for claims failed'),
      CLAIM_POLL_MS,
    ).unref();
  }
}
