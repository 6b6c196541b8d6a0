// Reading events.jsonl: line by line, bounded, each line checked, stopping at the first that breaks the log.
import { join } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { EventLine, runFileLimits } from '../schema/run-dir.js';
import type { RunEvent, StoredRunEvent } from '../schema/run-event.js';
import { shapeChecker } from './check.js';
import { runFiles } from './files.js';
import { parseBounded } from './json.js';
import { faultError, openRunFile } from './open-file.js';

const CHUNK_BYTES = 65_536;
const NEWLINE = 0x0a;

const isEventLine = shapeChecker(EventLine);

/**
 * The events of an open log in order, each with the byte offset just past its line. Stops at the
 * first line that is not an event (a torn last line from a crash, or garbage a run wrote), longer
 * than the limit, or out of sequence: everything before it is intact and gap-free.
 */
async function* eventsIn(handle: FileHandle): AsyncGenerator<{ event: StoredRunEvent; end: number }> {
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let position = 0;
  let previous: number | undefined;
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
      if (line.length === 0) continue;
      if (line.length > runFileLimits.eventLine) return;
      const parsed = parseBounded(line.toString('utf8'), runFileLimits.depth);
      if (parsed.state === 'bad' || !isEventLine(parsed.value)) return;
      const event = parsed.value;
      if (previous !== undefined && event.seq !== previous + 1) return;
      // No chunk of ours is longer than a line may be; a larger one would make readers allocate it.
      if (event.type === 'output' && event.length > runFileLimits.eventLine) return;
      previous = event.seq;
      yield { event, end: position + start };
    }
    if (start < bytesRead) {
      pendingBytes += bytesRead - start;
      if (pendingBytes > runFileLimits.eventLine) return;
      pending.push(Buffer.from(chunk.subarray(start, bytesRead)));
    }
    position += bytesRead;
  }
}

/**
 * Up to `limit` events with seq >= fromSeq from a run directory (inside `runsDir`, a real path),
 * output events with their text read back from the log files. Reads the file as it is: for an
 * active run, wait until the writer has written what is asked for.
 */
export async function readEvents(
  runsDir: string,
  runDir: string,
  fromSeq: number,
  limit: number,
  withText = true,
): Promise<RunEvent[]> {
  const opened = await openRunFile(runsDir, join(runDir, runFiles.events));
  if (opened.state !== 'open') return [];
  const events: StoredRunEvent[] = [];
  try {
    for await (const { event } of eventsIn(opened.handle)) {
      if (event.seq < fromSeq) continue;
      events.push(event);
      if (events.length >= limit) break;
    }
  } finally {
    await opened.handle.close();
  }
  if (withText) await hydrateOutput(runsDir, runDir, events);
  return events as RunEvent[];
}

async function hydrateOutput(runsDir: string, runDir: string, events: StoredRunEvent[]): Promise<void> {
  const outputs = events.filter((event) => event.type === 'output');
  if (outputs.length === 0) return;
  const files = new Map<string, FileHandle | undefined>();
  try {
    for (const event of outputs) {
      if (!files.has(event.stream)) {
        const opened = await openRunFile(runsDir, join(runDir, runFiles[event.stream]));
        files.set(event.stream, opened.state === 'open' ? opened.handle : undefined);
      }
      const file = files.get(event.stream);
      const text = { text: '' };
      // A log removed or replaced by hand keeps its events, but their bytes are gone.
      if (file) {
        const bytes = Buffer.alloc(event.length);
        const { bytesRead } = await file.read(bytes, 0, event.length, event.offset);
        text.text = bytes.subarray(0, bytesRead).toString('utf8');
      }
      Object.assign(event, text);
    }
  } finally {
    await Promise.all([...files.values()].flatMap((file) => (file ? [file.close()] : [])));
  }
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
