// The cluster's status feed in PostgreSQL: each node sends its runs' status events to the others with
// NOTIFY on the schema's status channel, the events of one turn of its event loop in one notice, one
// notice at a time so that they arrive in order; each node listens on its node-lock session.
import type pg from 'pg';
import type { Logger } from '../log.js';
import type { RunEvent } from '../schema/run-event.js';
import type { NodeLock } from './postgres-node-lock.js';
import { channelOf } from './postgres-queue.js';
import type { StatusFeed } from './store.js';

// A notice's payload must stay under 8,000 bytes; a batch is cut before this many.
const MAX_PAYLOAD_BYTES = 7_000;

/** What a notice carries: the node that sends it, and its events, each with its run. */
interface Notice {
  nodeId: string;
  events: [string, RunEvent][];
}

export class PostgresStatusFeed implements StatusFeed {
  readonly #pool: pg.Pool;
  readonly #lock: NodeLock;
  readonly #nodeId: string;
  readonly #channel: string;
  readonly #log: Logger;
  #waiting: [string, RunEvent][] = [];
  #sending: Promise<void> | undefined;
  #isFailing = false;

  constructor(pool: pg.Pool, lock: NodeLock, nodeId: string, schema: string, log: Logger) {
    this.#pool = pool;
    this.#lock = lock;
    this.#nodeId = nodeId;
    this.#channel = channelOf('status', schema);
    this.#log = log;
  }

  publish(runId: string, event: RunEvent): void {
    this.#waiting.push([runId, event]);
    this.#sending ??= new Promise(setImmediate).then(() => this.#send());
  }

  onStatus(listener: (runId: string, event: RunEvent) => void): void {
    this.#lock.listen(this.#channel, (payload) => {
      if (payload === '') return; // the session listens again: nothing to tell
      let notice: Notice;
      try {
        notice = JSON.parse(payload) as Notice;
      } catch {
        // Whoever can NOTIFY on the schema's channel can send anything: it must not stop this node.
        return this.#log.debug('a status notice that is no JSON was ignored', { bytes: payload.length });
      }
      if (notice.nodeId === this.#nodeId || !Array.isArray(notice.events)) return;
      for (const entry of notice.events) {
        const [runId, event] = Array.isArray(entry) ? entry : [];
        if (typeof runId === 'string' && typeof event === 'object' && event !== null) listener(runId, event);
      }
    });
  }

  /** Sends what waits, notice after notice, until nothing does. */
  async #send(): Promise<void> {
    while (this.#waiting.length > 0) {
      const events = this.#waiting;
      this.#waiting = [];
      for (const payload of payloads(this.#nodeId, events)) {
        try {
          await this.#pool.query('SELECT pg_notify($1, $2)', [this.#channel, payload]);
          if (this.#isFailing) this.#log.info('status events reach the other nodes again', {});
          this.#isFailing = false;
        } catch (error) {
          if (!this.#isFailing) this.#log.warn('status events do not reach the other nodes', { error });
          this.#isFailing = true;
        }
      }
    }
    this.#sending = undefined;
  }
}

/** The events as notices' payloads, in order, each under MAX_PAYLOAD_BYTES; an event too big alone is left out. */
function* payloads(nodeId: string, events: [string, RunEvent][]): Generator<string> {
  const head = `{"nodeId":${JSON.stringify(nodeId)},"events":[`;
  let batch: string[] = [];
  let bytes = head.length + 2;
  for (const entry of events) {
    const json = JSON.stringify(entry);
    const size = Buffer.byteLength(json) + 1;
    if (head.length + 2 + size > MAX_PAYLOAD_BYTES) continue;
    if (bytes + size > MAX_PAYLOAD_BYTES) {
      yield `${head}${batch.join(',')}]}`;
      batch = [];
      bytes = head.length + 2;
    }
    batch.push(json);
    bytes += size;
  }
  if (batch.length > 0) yield `${head}${batch.join(',')}]}`;
}
