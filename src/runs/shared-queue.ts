// A node's side of the cluster's shared queue: claiming waiting runs into its free slots, woken by the
// store's notices and by its own slots freeing, and by a poll as well, since a notice can be lost (its
// connection dropped): a lost notice costs a second, never a run.
import { background } from '../async/background.js';
import type { Logger } from '../log.js';
import type { QueueTable, StoredRun } from '../store/store.js';

const POLL_MS = 1_000;

/** What claiming needs from admission. */
export interface SharedQueueHost {
  /** How many more runs this node could start now. */
  freeSlots(): number;
  /** Makes a claimed run here and queues it to start; false when it could not be made. */
  take(run: StoredRun): Promise<boolean>;
}

export class SharedQueue {
  readonly #queue: QueueTable;
  readonly #host: SharedQueueHost;
  readonly #log: Logger;
  /** Claimed and not yet made: they count against the free slots. */
  #pending = 0;
  /** Runs claimed that could not be made here, to hand back as soon as the database answers. */
  readonly #unmade = new Set<string>();
  #isClaiming = false;
  #again = false;
  /**
   * The last claim found fewer runs than it asked for, and no notice came since: a slot that frees
   * then waits for the next notice or poll instead of asking the database (a busy node frees dozens a
   * second).
   */
  #seemsEmpty = false;
  #isFailing = false;
  #poll: NodeJS.Timeout | undefined;
  #isClosed = false;

  constructor(queue: QueueTable, host: SharedQueueHost, log: Logger) {
    this.#queue = queue;
    this.#host = host;
    this.#log = log;
  }

  /** Runs claimed whose making is under way. */
  get pending(): number {
    return this.#pending;
  }

  start(): void {
    this.#queue.onQueued(() => {
      this.#seemsEmpty = false;
      this.#claimSoon();
    });
    this.#poll = setInterval(() => this.#claimSoon(), POLL_MS);
    this.#poll.unref();
    this.#claimSoon();
  }

  /** A slot freed here: claims what fits now, unless the queue seemed empty at the last look. */
  wake(): void {
    if (!this.#seemsEmpty) this.#claimSoon();
  }

  /** Claims what fits now; a call while a claim is under way makes that one look again when done. */
  #claimSoon(): void {
    if (this.#isClosed) return;
    if (this.#isClaiming) {
      this.#again = true;
      return;
    }
    this.#isClaiming = true;
    background(this.#claim(), this.#log, 'claiming from the shared queue failed');
  }

  /** Claims no more; a claim under way hands back what it can no longer start. */
  close(): void {
    this.#isClosed = true;
    clearInterval(this.#poll);
  }

  async #claim(): Promise<void> {
    try {
      do {
        this.#again = false;
        await this.#handBack();
        const free = this.#host.freeSlots();
        if (free <= 0 || this.#isClosed) break;
        this.#pending += free;
        let claimed: StoredRun[] = [];
        try {
          claimed = await this.#queue.claim(free);
        } finally {
          this.#pending -= free - claimed.length;
        }
        this.#answered();
        this.#seemsEmpty = claimed.length < free;
        for (const run of claimed) {
          try {
            if (!(await this.#host.take(run))) this.#unmade.add(run.record.runId);
          } finally {
            this.#pending--;
          }
        }
        // Handed back at once, also when the node began to shut down meanwhile: no run waits for it.
        await this.#handBack();
        // A full claim may have left more behind.
        if (claimed.length === free) this.#again = true;
      } while (this.#again && !this.#isClosed);
    } catch (error) {
      if (!this.#isFailing) this.#log.warn('cannot claim from the shared queue; trying again', { error });
      this.#isFailing = true;
    } finally {
      this.#isClaiming = false;
    }
  }

  async #handBack(): Promise<void> {
    for (const runId of this.#unmade) {
      await this.#queue.release(runId);
      this.#unmade.delete(runId);
    }
  }

  #answered(): void {
    if (this.#isFailing) this.#log.info('claiming from the shared queue again', {});
    this.#isFailing = false;
  }
}
