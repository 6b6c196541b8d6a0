// Reading events.jsonl: line by line from an indexed place, bounded, each line checked, stopping at the first that breaks the log.
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { EventLine, runFileLimits } from '../schema/run-dir.js';
import { EventLogIndex, type EventIndexes, type ReadStart } from './event-index.js';
import type { RunEvent, StoredRunEvent } from '../schema/run-event.js';
import { shapeChecker } from './check.js';
import { runFiles } from './files.js';
import { parseBounded } from './json.js';
import { faultError, openRunFile } from './open-file.js';
import { withOutputBytes } from './output-bytes.js';

const CHUNK_BYTES = 65_536;
const NEWLINE = 0x0a;

const isEventLine = shapeChecker(EventLine);

/**
 * The events of an open log in order from `from`, each with the byte range of its line. Stops at
 * the first line that is not an event (a torn last line from a crash, or garbage a run wrote),
 * longer than the limit, or out of sequence: everything before it is intact and gap-free. Read from
 * the middle, the first line must be event `from.seq`.
 */
async function* eventsIn(
  handle: FileHandle,
  from: ReadStart = { seq: 1, position: 0 },
): AsyncGenerator<{ event: StoredRunEvent; start: number; end: number }> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let position = from.position;
  let previous: number | undefined = from.position > 0 ? from.seq - 1 : undefined;
  let lineStart = position;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, position);
    if (bytesRead === 0) return;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline < 0 || newline >= bytesRead) break;
      const tail = chunk.subarray(start, newline);
      const line = pending.length === 0 ? tail : Buffer.concat([...pending, tail]);
      pending = [];
      pendingBytes = 0;
      start = newline + 1;
      const lineEnd = position + start;
      if (line.length === 0) {
        lineStart = lineEnd;
        continue;
      }
      if (line.length > runFileLimits.eventLine) return;
      const parsed = parseBounded(line.toString('utf8'), runFileLimits.depth);
      if (parsed.state === 'bad' || !isEventLine(parsed.value)) return;
      const event = parsed.value;
      if (previous !== undefined && event.seq !== previous + 1) return;
      // No chunk of ours is longer than a line may be; a larger one would make readers allocate it.
      if (event.type === 'output' && event.length > runFileLimits.eventLine) return;
      previous = event.seq;
      yield { event, start: lineStart, end: lineEnd };
      lineStart = lineEnd;
    }
    if (start < bytesRead) {
      pendingBytes += bytesRead - start;
      if (pendingBytes > runFileLimits.eventLine) return;
      pending.push(Buffer.from(chunk.subarray(start, bytesRead)));
    }
    position += bytesRead;
  }
}

export interface EventPage {
  events: RunEvent[];
  /** No event follows these in the log as it is now. */
  exhausted: boolean;
}

export interface ReadEventsOptions {
  /** Where the log's events start, shared by every read of this process; without it each read learns its own. */
  indexes?: EventIndexes;
  /** Output events with their text read back from the log files (the default), or as stored. */
  withText?: boolean;
}

// The text a page carries: past this a page ends early, so that paging a run that printed a lot holds
// a few MiB at a time, not `limit` times the largest output event (1 MiB).
const PAGE_TEXT_BYTES = 8 * 1_048_576;

/**
 * Up to `limit` events with seq >= fromSeq from a run directory (inside `runsDir`, a real path), fewer
 * when their output passes PAGE_TEXT_BYTES. Reads the file as it is: for an active run, wait until
 * the writer has written what is asked for. With `indexes`, a page costs what it returns, wherever it is.
 */
export async function readEvents(
  runsDir: string,
  runDir: string,
  fromSeq: number,
  limit: number,
  options: ReadEventsOptions = {},
): Promise<EventPage> {
  const path = join(runDir, runFiles.events);
  const opened = await openRunFile(runsDir, path);
  if (opened.state !== 'open') return { events: [], exhausted: true };
  const withText = options.withText ?? true;
  let page: StoredPage;
  try {
    page = await readIndexed(opened.handle, path, options.indexes, (index) =>
      collect(opened.handle, index, fromSeq, limit, withText ? PAGE_TEXT_BYTES : Infinity),
    );
  } finally {
    await opened.handle.close();
  }
  if (withText) await hydrateOutput(runsDir, runDir, page.events);
  return { events: page.events as RunEvent[], exhausted: page.exhausted };
}

/** The seq of the last event of a run directory's log; 0 for none. */
export async function lastEventSeq(runsDir: string, runDir: string, indexes?: EventIndexes): Promise<number> {
  const path = join(runDir, runFiles.events);
  const opened = await openRunFile(runsDir, path);
  if (opened.state !== 'open') return 0;
  try {
    return await readIndexed(opened.handle, path, indexes, async (index) => {
      const from = index.startFor(Number.MAX_SAFE_INTEGER);
      let last: number | undefined;
      for await (const { event, start, end } of eventsIn(opened.handle, from)) {
        index.saw(event.seq, start, end);
        last = event.seq;
      }
      return last === undefined && from.position > 0 ? undefined : (last ?? 0);
    });
  } finally {
    await opened.handle.close();
  }
}

type StoredPage = { events: StoredRunEvent[]; exhausted: boolean };

/**
 * Runs `read` with the log's index; `read` answers undefined when the index led it to a place where
 * the expected event is not (the log was rewritten in place), and then runs again from the top.
 */
async function readIndexed<T>(
  handle: FileHandle,
  path: string,
  indexes: EventIndexes | undefined,
  read: (index: EventLogIndex) => Promise<T | undefined>,
): Promise<T> {
  const stats = await handle.stat();
  const index = indexes?.for(path, stats) ?? new EventLogIndex(`${stats.dev}:${stats.ino}`);
  const result = await read(index);
  if (result !== undefined) return result;
  indexes?.forget(path);
  return (await read(new EventLogIndex(`${stats.dev}:${stats.ino}`)))!;
}

async function collect(
  handle: FileHandle,
  index: EventLogIndex,
  fromSeq: number,
  limit: number,
  maxTextBytes: number,
): Promise<StoredPage | undefined> {
  const from = index.startFor(fromSeq);
  const events: StoredRunEvent[] = [];
  let textBytes = 0;
  let sawAny = false;
  for await (const { event, start, end } of eventsIn(handle, from)) {
    sawAny = true;
    index.saw(event.seq, start, end);
    if (event.seq < fromSeq) continue;
    const bytes = event.type === 'output' ? event.length : 0;
    // Read one past the page: whether anything follows it is then known, not guessed.
    if (events.length >= limit || (events.length > 0 && textBytes + bytes > maxTextBytes))
      return { events, exhausted: false };
    events.push(event);
    textBytes += bytes;
  }
  return !sawAny && from.position > 0 ? undefined : { events, exhausted: true };
}

type StoredOutput = Extract<StoredRunEvent, { type: 'output' }>;

// Output events of one stream follow each other in its log: a page reads their bytes with one read
// per stretch, not one per event (a page of 250 small events: 1 read instead of 250). A stretch
// skips at most this many bytes between two events, and holds at most a page's text and one event.
const MAX_SKIPPED_BYTES = 65_536;
const MAX_STRETCH_BYTES = PAGE_TEXT_BYTES + runFileLimits.eventLine;

/** Gives each output event its text, read from its log; a log removed or replaced by hand reads as empty. */
async function hydrateOutput(runsDir: string, runDir: string, events: StoredRunEvent[]): Promise<void> {
  for (const stream of ['stdout', 'stderr'] as const) {
    const outputs = events.filter(
      (event): event is StoredOutput => event.type === 'output' && event.stream === stream,
    );
    if (outputs.length === 0) continue;
    const opened = await openRunFile(runsDir, join(runDir, runFiles[stream]));
    try {
      for (const stretch of stretches(outputs)) {
        const first = stretch[0]!;
        const length = stretch.at(-1)!.offset + stretch.at(-1)!.length - first.offset;
        const bytes = Buffer.allocUnsafe(opened.state === 'open' ? length : 0);
        const { bytesRead } =
          opened.state === 'open'
            ? await opened.handle.read(bytes, 0, length, first.offset)
            : { bytesRead: 0 };
        for (const event of stretch) {
          const start = Math.min(event.offset - first.offset, bytesRead);
          const end = Math.min(start + event.length, bytesRead);
          // The bytes too, for binary frames: a view of the read, not a copy.
          withOutputBytes(
            Object.assign(event, { text: bytes.toString('utf8', start, end) }),
            bytes.subarray(start, end),
          );
        }
      }
    } finally {
      if (opened.state === 'open') await opened.handle.close();
    }
  }
}

/** Runs of events whose bytes lie close together, in order. */
function stretches(outputs: StoredOutput[]): StoredOutput[][] {
  const result: StoredOutput[][] = [];
  let current: StoredOutput[] = [];
  let start = 0;
  let end = 0;
  for (const event of outputs) {
    const fits =
      current.length > 0 &&
      event.offset >= end &&
      event.offset - end <= MAX_SKIPPED_BYTES &&
      event.offset + event.length - start <= MAX_STRETCH_BYTES;
    if (!fits) {
      if (current.length > 0) result.push(current);
      current = [];
      start = event.offset;
    }
    current.push(event);
    end = event.offset + event.length;
  }
  if (current.length > 0) result.push(current);
  return result;
}

/**
 * Makes a log left by a crashed daemon appendable again: cuts whatever follows its last good event
 * (a torn line) and returns that event's seq (0 for none). Throws when the log is not a regular
 * file inside the runs directory: such a run cannot be continued.
 */
export async function repairEventLog(runsDir: string, runDir: string): Promise<number> {
  const path = join(runDir, runFiles.events);
  const file = await openRunFile(runsDir, path, { mode: 'update' });
  if (file.state !== 'open') throw faultError(runFiles.events, file);
  try {
    let lastSeq = 0;
    let validBytes = 0;
    for await (const { event, end } of eventsIn(file.handle)) {
      lastSeq = event.seq;
      validBytes = end;
    }
    if (validBytes < file.size) await file.handle.truncate(validBytes);
    return lastSeq;
  } finally {
    await file.handle.close();
  }
}
