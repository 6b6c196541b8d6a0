// Where an events.jsonl's events start: a byte offset every INDEX_STRIDE events, learnt while reading, kept in memory.
import type { Stats } from 'node:fs';

// A page starts reading at most this many events before its first one. Each skipped event is parsed
// and checked (the chain must stay gap-free), so the stride is what a page costs beyond what it
// returns; 1,000,000 events need 7,813 offsets, about 62 KB.
export const INDEX_STRIDE = 128;
// Logs whose index is kept: the runs being followed or paged through at one time, least recently used first out.
const MAX_INDEXED_LOGS = 64;

/** Where reading may start: the line of event `seq` begins at byte `position`. */
export interface ReadStart {
  seq: number;
  position: number;
}

/**
 * Start offsets of one log's events 1, 1 + STRIDE, 1 + 2 × STRIDE ..., each learnt by reading the
 * log from its top, so every one of them lies before any line that breaks the log. The log is
 * append-only: a file with another identity, or shorter than what was read, gets a new index.
 */
export class EventLogIndex {
  readonly #starts: number[] = [0];
  readonly #identity: string;
  /** Bytes read so far that held whole events. */
  #readBytes = 0;

  constructor(identity: string) {
    this.#identity = identity;
  }

  /** Still the log this index was learnt from? */
  fits(identity: string, size: number): boolean {
    return identity === this.#identity && size >= this.#readBytes;
  }

  /** The nearest known start at or before event `seq`. */
  startFor(seq: number): ReadStart {
    const known = Math.min(Math.floor((Math.max(seq, 1) - 1) / INDEX_STRIDE), this.#starts.length - 1);
    return { seq: known * INDEX_STRIDE + 1, position: this.#starts[known]! };
  }

  /** Records an event read in a chain that began at a known start: its line spans [start, end). */
  saw(seq: number, start: number, end: number): void {
    if ((seq - 1) % INDEX_STRIDE === 0 && (seq - 1) / INDEX_STRIDE === this.#starts.length)
      this.#starts.push(start);
    if (end > this.#readBytes) this.#readBytes = end;
  }
}

/** The indexes of the logs read lately, by path; a reader asks for one each time it opens a log. */
export class EventIndexes {
  readonly #byPath = new Map<string, EventLogIndex>();

  /** The index of the log at `path`, whose open file has `stats`; a fresh one if the file changed. */
  for(path: string, stats: Pick<Stats, 'dev' | 'ino' | 'size'>): EventLogIndex {
    const identity = `${stats.dev}:${stats.ino}`;
    let index = this.#byPath.get(path);
    this.#byPath.delete(path);
    if (!index?.fits(identity, stats.size)) index = new EventLogIndex(identity);
    this.#byPath.set(path, index);
    if (this.#byPath.size > MAX_INDEXED_LOGS) this.#byPath.delete(this.#byPath.keys().next().value!);
    return index;
  }

  /** Forgets the index of `path`: what it said did not hold (the log was rewritten in place). */
  forget(path: string): void {
    this.#byPath.delete(path);
  }
}
