// The writer of an active run's event log, events.jsonl: seq 1, 2, 3 ... without gaps, appended in order.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
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
 *
 * The file is open only while lines wait for the disk: a queued run writes one line and then holds
 * no descriptor, so 10,000 queued runs fit under a 1,024 descriptor limit. Lines that arrive while a
 * write is under way go out together in the next one, through the same single flush, so they land
 * in seq order however many come.
 */
export class EventLog {
  readonly #path: string;
  readonly #listener: EventLogListener;
  #seq: number;
  #written: number;
  /** Lines with a seq but not yet written, in seq order: always the events after #written, up to #seq. */
  #pending: string[] = [];
  /** The one flush under way, if any: every line of this log is written by it. */
  #flushing: Promise<void> | undefined;
  #waiters: { seq: number; resolve: () => void }[] = [];
  #failure: Error | undefined;
  /**
   * Only the first open may create the file. Once it exists, a missing one was removed by the run: a new
   * file from this seq on would read as a log that lost its beginning, so the log fails instead.
   */
  #mayCreate: boolean;

  constructor(runDir: string, listener: EventLogListener, lastSeq = 0) {
    this.#path = join(runDir, runFiles.events);
    this.#listener = listener;
    this.#seq = lastSeq;
    this.#written = lastSeq;
    this.#mayCreate = lastSeq === 0;
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
    // Copied as it is, not spread: an output event's text is decoded when first read (outputBody), and
    // events.jsonl, which stores no text, must not be what reads it.
    const event = Object.defineProperties(
      { seq: ++this.#seq, time: new Date().toISOString() },
      Object.getOwnPropertyDescriptors(body),
    ) as RunEvent;
    if (!this.#failure) {
      const stored = event.type === 'output' ? withoutText(event) : event;
      this.#pending.push(`${JSON.stringify(stored)}\n`);
      this.#flushing ??= this.#flush();
    }
    this.#listener.event(event);
    return event;
  }

  /** Resolves once every event up to `seq` can be read back from disk, or never will be (the log failed). */
  writtenThrough(seq = this.#seq): Promise<void> {
    if (seq <= this.#written || this.#failure) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  /** Resolves once every line appended so far is written (or the log failed) and the file is closed. */
  async close(): Promise<void> {
    await this.#flushing;
  }

  /**
   * Opens the file, writes what is pending until nothing is, and closes it. Clears #flushing with no
   * await after its last look at #pending, so a line appended meanwhile is never left unwritten.
   */
  async #flush(): Promise<void> {
    while (this.#pending.length > 0 && !this.#failure) {
      let handle: FileHandle | undefined;
      try {
        // O_NOFOLLOW and O_NONBLOCK: a run may have replaced its events.jsonl by a link or a FIFO.
        handle = await open(
          this.#path,
          this.#mayCreate ? APPEND_FLAGS : APPEND_FLAGS & ~constants.O_CREAT,
          0o644,
        );
        this.#mayCreate = false;
        while (this.#pending.length > 0) {
          const through = this.#seq;
          const lines = this.#pending.join('');
          this.#pending = [];
          await handle.writeFile(lines);
          this.#wrote(through);
        }
      } catch (error) {
        this.#fail(error as Error);
      } finally {
        // A close can report a write the kernel deferred (NFS): that is a failed write too.
        await handle?.close().catch((error: Error) => this.#fail(error));
      }
    }
    this.#flushing = undefined;
  }

  #wrote(seq: number): void {
    this.#written = seq;
    this.#waiters = this.#waiters.filter((waiter) => (waiter.seq <= seq ? void waiter.resolve() : true));
  }

  #fail(error: Error): void {
    if (this.#failure) return;
    this.#failure = error;
    this.#pending = [];
    // Readers read what reached the disk; nothing more will.
    for (const waiter of this.#waiters.splice(0)) waiter.resolve();
    this.#listener.failed(error);
  }
}

/** An output event as events.jsonl holds it: its bytes are in logs/, at its offset. */
function withoutText({ seq, time, type, stream, offset, length }: Extract<RunEvent, { type: 'output' }>) {
  return { seq, time, type, stream, offset, length };
}
