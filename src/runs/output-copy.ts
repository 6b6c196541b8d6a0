// Copying one output pipe into its log file: coalesced appends, each reported once on disk, cut at UTF-8 boundaries.
import { close, openSync, write } from 'node:fs';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { APPEND_FLAGS } from '../run-dir/open-file.js';
import { runFileLimits } from '../schema/run-dir.js';
import { completeUtf8Length } from '../run-dir/utf8.js';

export interface OutputSink {
  /** Bytes now on disk at [offset, offset + bytes.length); never splits a UTF-8 character. */
  chunk(offset: number, bytes: Buffer): void;
  /** The log cannot be written: what follows is drained into nothing. */
  failed(error: Error): void;
}

// Pipe reads come in 64 KiB at most, and each output event costs an events.jsonl line, a notification
// per subscriber and a wake-up of every process on the way, whatever it holds. So the appends of a busy
// pipe are reported together: at most one event per REPORT_INTERVAL_MS, or sooner once it would pass
// the size below; the first append after a quiet spell is reported at once. A fast writer then costs
// one event per MiB or so, not per 64 KiB (200 MB: about 200 events instead of 3,000), and a line
// printed now and then is seen as soon as it is on disk.
// An event may also carry the up to 3 bytes of a character the append before it ended inside; with them
// it stays within what a reader accepts of an output event (runFileLimits.eventLine).
const MAX_APPEND_BYTES = runFileLimits.eventLine - 3;
// Past this many bytes read but not yet on disk the pipe is paused, so a slow disk slows the run
// instead of growing the daemon.
const MAX_PENDING_BYTES = 4 * MAX_APPEND_BYTES;
const REPORT_INTERVAL_MS = 10;

/**
 * Appends `source` to the log at `path` and tells `sink` about each append once it is on disk.
 * Resolves with the log's size when the pipe has closed and everything read is written and reported.
 */
export async function copyOutput(
  source: Readable,
  path: string,
  offset: number,
  sink: OutputSink,
): Promise<number> {
  let reported = offset;
  // On disk, not yet reported; starts with the end of a character the last report left out.
  let unreported: Buffer[] = [];
  let unreportedBytes = 0;
  let lastReport = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let failed = false;
  const report = (includeTornEnd = false) => {
    clearTimeout(timer);
    timer = undefined;
    if (unreportedBytes === 0) return;
    lastReport = performance.now();
    const bytes = unreported.length === 1 ? unreported[0]! : Buffer.concat(unreported, unreportedBytes);
    const cut = includeTornEnd ? bytes.length : completeUtf8Length(bytes);
    unreported = cut < bytes.length ? [bytes.subarray(cut)] : [];
    unreportedBytes = bytes.length - cut;
    if (cut > 0) sink.chunk(reported, bytes.subarray(0, cut));
    reported += cut;
  };
  const written = (bytes: Buffer) => {
    if (unreportedBytes + bytes.length > runFileLimits.eventLine) report();
    unreported.push(bytes);
    unreportedBytes += bytes.length;
    const sinceReport = performance.now() - lastReport;
    if (unreportedBytes >= MAX_APPEND_BYTES || sinceReport >= REPORT_INTERVAL_MS) report();
    else timer ??= setTimeout(report, REPORT_INTERVAL_MS - sinceReport);
  };
  const fail = (error: Error) => {
    if (failed) return;
    report(); // what reached the disk before the failure
    // The pipe is drained into nothing from now on, so the child never blocks on a log we cannot write.
    failed = true;
    source.resume();
    sink.failed(error);
  };
  // A log a run replaced by a symlink or a FIFO (retries reopen it) is refused, never followed or blocked on.
  // Opened synchronously: the 'data' listener must be on before the child can exit, or Node drains the
  // pipe into nothing.
  let fd: number;
  try {
    fd = openSync(path, APPEND_FLAGS, 0o644);
  } catch (error) {
    fail(error as Error);
    await once(source, 'close');
    return reported;
  }
  const pending: Buffer[] = [];
  let pendingBytes = 0;
  let writing = false;
  let closed = false;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));

  const flush = () => {
    if (writing) return;
    if (failed || pending.length === 0) {
      pending.length = 0;
      if (closed) settle();
      return;
    }
    const batch = takeBatch(pending, MAX_APPEND_BYTES);
    pendingBytes -= batch.length;
    writing = true;
    appendAll(fd, batch, (error) => {
      writing = false;
      if (error) fail(error);
      else written(batch);
      if (pendingBytes < MAX_PENDING_BYTES && source.isPaused() && !closed) source.resume();
      flush();
    });
  };
  source.on('data', (chunk: Buffer) => {
    if (failed) return;
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= MAX_PENDING_BYTES) source.pause();
    flush();
  });
  await once(source, 'close');
  closed = true;
  flush();
  await settled;
  await new Promise<void>((resolve) => close(fd, () => resolve()));
  // A character torn at the very end is reported as it is: nothing can complete it now.
  if (!failed) report(true);
  return reported;
}

/** Up to `limit` bytes from the front of `pending`, as one buffer (one write, one event). */
function takeBatch(pending: Buffer[], limit: number): Buffer {
  if (pending[0]!.length >= limit) {
    const first = pending[0]!;
    if (first.length === limit) return pending.shift()!;
    pending[0] = first.subarray(limit);
    return first.subarray(0, limit);
  }
  let count = 0;
  let bytes = 0;
  while (count < pending.length && bytes + pending[count]!.length <= limit) bytes += pending[count++]!.length;
  const taken = pending.splice(0, count);
  return taken.length === 1 ? taken[0]! : Buffer.concat(taken, bytes);
}

/** Appends all of `bytes` (a full disk may take a write in part), then calls back once. */
function appendAll(fd: number, bytes: Buffer, done: (error: Error | null) => void): void {
  write(fd, bytes, 0, bytes.length, null, (error, written) => {
    if (error) return done(error);
    if (written < bytes.length) return appendAll(fd, bytes.subarray(written), done);
    done(null);
  });
}
