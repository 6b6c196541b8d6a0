// A run's ordered event log, events.jsonl: seq 1, 2, 3 ... without gaps, appended in order.
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { open, readFile, truncate } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { RunEvent } from '../schema/run-event.js';
import { openLogFile } from './log-reader.js';
import { runFiles } from './run-dir.js';

type DistributiveOmit<T, K extends keyof T> = T extends unknown ? Omit<T, K> : never;
export type RunEventBody = DistributiveOmit<RunEvent, 'seq' | 'time'>;

/**
 * The writer for an active run. Output events are stored without their text: the bytes live in
 * logs/*.log at the recorded offset, so events.jsonl stays small whatever the run prints.
 */
export class EventLog {
  readonly #stream: WriteStream;
  readonly #onEvent: (event: RunEvent) => void;
  #seq: number;
  #written: number;
  #waiters: { seq: number; resolve: () => void }[] = [];

  constructor(runDir: string, onEvent: (event: RunEvent) => void, lastSeq = 0) {
    this.#stream = createWriteStream(join(runDir, runFiles.events), { flags: 'a' });
    this.#stream.on('error', () => {}); // surfaced by the next write's callback instead
    this.#onEvent = onEvent;
    this.#seq = lastSeq;
    this.#written = lastSeq;
  }

  get lastSeq(): number {
    return this.#seq;
  }

  /** Assigns the next seq, queues the line for disk and tells the listener, all before returning. */
  append(body: RunEventBody): RunEvent {
    const event = { seq: ++this.#seq, time: new Date().toISOString(), ...body } as RunEvent;
    const stored = event.type === 'output' ? { ...event, text: undefined } : event;
    this.#stream.write(`${JSON.stringify(stored)}\n`, () => {
      this.#written = event.seq;
      this.#waiters = this.#waiters.filter((waiter) =>
        waiter.seq <= event.seq ? void waiter.resolve() : true,
      );
    });
    this.#onEvent(event);
    return event;
  }

  /** Resolves once every event up to `seq` can be read back from disk. */
  writtenThrough(seq = this.#seq): Promise<void> {
    if (seq <= this.#written) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ seq, resolve }));
  }

  async close(): Promise<void> {
    this.#stream.end();
    if (!this.#stream.closed) await once(this.#stream, 'close');
  }
}

/**
 * Up to `limit` events with seq >= fromSeq from a run directory, output events with their text read
 * back from the log files. Reads the file as it is: for an active run, await writtenThrough first.
 */
export async function readEvents(
  runDir: string,
  fromSeq: number,
  limit: number,
  withText = true,
): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let input;
  let lines;
  try {
    input = createReadStream(join(runDir, runFiles.events));
    lines = createInterface({ input, crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      let event: RunEvent;
      try {
        event = JSON.parse(line) as RunEvent;
      } catch {
        break; // a torn last line from a crash: everything before it is intact
      }
      if (event.seq < fromSeq) continue;
      events.push(event);
      if (events.length >= limit) break;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  } finally {
    lines?.close();
    // Closing readline leaves its input open; a page that stops before the end would leak the fd.
    input?.destroy();
  }
  if (withText) await hydrateOutput(runDir, events);
  return events;
}

async function hydrateOutput(runDir: string, events: RunEvent[]): Promise<void> {
  const outputs = events.filter((event) => event.type === 'output');
  if (outputs.length === 0) return;
  const files = new Map<string, Awaited<ReturnType<typeof open>>>();
  try {
    for (const event of outputs) {
      let file = files.get(event.stream);
      if (!file) {
        file = await openLogFile(join(runDir, runFiles[event.stream])).catch(() => undefined);
        if (!file) {
          event.text = ''; // the log was removed or replaced by hand: the event stays, its bytes are gone
          continue;
        }
        files.set(event.stream, file);
      }
      const bytes = Buffer.alloc(event.length);
      const { bytesRead } = await file.read(bytes, 0, event.length, event.offset);
      event.text = bytes.subarray(0, bytesRead).toString('utf8');
    }
  } finally {
    await Promise.all([...files.values()].map((file) => file.close()));
  }
}

/**
 * Makes a log left by a crashed daemon appendable again: cuts a torn last line and returns the seq
 * of the last complete event (0 for none).
 */
export async function repairEventLog(runDir: string): Promise<number> {
  const path = join(runDir, runFiles.events);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length !== text.length) await truncate(path, Buffer.byteLength(complete));
  const lines = complete.trimEnd().split('\n').filter(Boolean);
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return (JSON.parse(lines[i]!) as RunEvent).seq;
    } catch {
      // a corrupt line: the one before it is the last good event
    }
  }
  return 0;
}
