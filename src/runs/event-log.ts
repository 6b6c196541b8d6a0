// The writer of an active run's event log, events.jsonl: seq 1, 2, 3 ... without gaps, appended in order.
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { runFiles } from '../run-dir/files.js';
import { APPEND_FLAGS } from '../run-dir/open-file.js';
import type { RunEvent } from '../schema/run-event.js';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type RunEventBody = DistributiveOmit<RunEvent, 'seq' | 'time'>;

export interface EventLogListener {
  /** Every event, as soon as it has its seq (before it is on disk). */
  event(event: RunEvent): void;
  /** The log cannot be written any more (a full disk, an IO error, a file the run replaced). */
  failed(error: Error): void;
}

/**
 * The writer for an active run. Output events are stored without their text: the bytes live in
 * logs/*.log at the recorded offset, so events.jsonl stays small whatever the run prints.
 */
export class EventLog {
  readonly #stream: WriteStream;
  readonly #listener: EventLogListener;
  #seq: number;
  #written: number;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #failure: Error | undefined;

  constructor(runDir: string, listener: EventLogListener, lastSeq = 0) {
    // Types say flags is a string; fs.open under the stream takes the number, which is how O_NOFOLLOW gets in.
    this.#stream = createWriteStream(join(runDir, runFiles.events), {
      flags: APPEND_FLAGS as unknown as string,
    });
    this.#stream.on('error', (error) => this.#fail(error));
    this.#listener = listener;
    this.#seq = lastSeq;
    this.#written = lastSeq;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  /** Why the log stopped being written, once it has. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Assigns the next seq, queues the line for disk and tells the listener, all before returning. */
  append(body: RunEventBody): RunEvent {
    const event = { seq: ++this.#seq, time: new Date().toISOString(), ...body } as RunEvent;
    if (!this.#failure) {
      const stored = event.type === 'output' ? { ...event, text: undefined } : event;
      this.#stream.write(`${JSON.stringify(stored)}\n`, (error) => {
        if (error) return this.#fail(error);
        this.#written = event.seq;
        this.#waiters = this.#waiters.filter((waiter) =>
          waiter.seq <= event.seq ? void waiter.resolve() : true,
        );
      });
    }
    this.#listener.event(event);
    return event;
  }

  /** Resolves once every event up to `seq` can be read back from disk, or never will be (the log failed). */
  writtenThrough(seq = this.#seq): Promise<void> {
    if (seq <= this.#written || this.#failure) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  async close(): Promise<void> {
    if (!this.#stream.destroyed) this.#stream.end();
    // Not events.once: it rejects on 'error', which #fail has already reported.
    if (!this.#stream.closed)
      await new Promise<void>((resolve) => this.#stream.once('close', () => resolve()));
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    // Readers read what reached the disk; nothing more will.
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.#listener.failed(error);
  }
}
