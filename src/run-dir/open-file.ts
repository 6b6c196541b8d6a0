// Opening one file of a run directory without trusting it: no symlink, no FIFO, inside the runs directory, bounded.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { isFdInside, SAFE_READ_FLAGS } from '../fs/contain.js';
import type { RunDirProblemReason } from '../schema/run-dir.js';

export interface FileFault {
  state: 'bad';
  reason: RunDirProblemReason;
  message: string;
}

export type FileText = { state: 'missing' } | FileFault | { state: 'text'; text: string; mtimeMs: number };
export type OpenedFile =
  { state: 'missing' } | FileFault | { state: 'open'; handle: FileHandle; size: number };

const fault = (reason: RunDirProblemReason, message: string): FileFault => ({
  state: 'bad',
  reason,
  message,
});

/** What an open() failure means for a reader: the file is not there, or is there in a shape we refuse. */
function openFault(error: unknown): { state: 'missing' } | FileFault {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return { state: 'missing' };
  if (code === 'ELOOP') return fault('symlink', 'is a symlink, which is never followed');
  // A socket cannot be opened at all (ENXIO); anything else is a plain failure to read.
  if (code === 'ENXIO') return fault('not_regular_file', 'is not a regular file');
  return fault('unreadable', `cannot be opened: ${code ?? String(error)}`);
}

/** Checks an opened file's kind, place and size; undefined when it may be read. */
function statFault(
  root: string,
  fd: number,
  path: string,
  info: Stats,
  maxBytes: number,
): FileFault | undefined {
  if (!info.isFile()) return fault('not_regular_file', 'is not a regular file');
  if (!isFdInside(root, fd, path)) return fault('outside_runs_dir', 'resolves outside the runs directory');
  if (info.size > maxBytes) return fault('too_large', `holds ${info.size} bytes; the limit is ${maxBytes}`);
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
// Reused for every small file: a scan of 100,000 summaries then allocates strings, not buffers.
const scratch = Buffer.allocUnsafe(65_536);

/**
 * The whole text of a small file, read synchronously: one summary is a few hundred bytes, and handing
 * each read to the libuv pool costs ten times the read itself (100,000 summaries: 4.7 s with
 * fs/promises, 0.5 s like this). Callers that read many yield to the event loop between slices.
 */
export function readFileText(root: string, path: string, maxBytes: number): FileText {
  let fd: number;
  try {
    fd = openSync(path, SAFE_READ_FLAGS);
  } catch (error) {
    return openFault(error);
  }
  try {
    const info = fstatSync(fd);
    const refused = statFault(root, fd, path, info, maxBytes);
    if (refused) return refused;
    // Most files fit the scratch buffer; a file that grew since the fstat is read on until the limit.
    let buffer = info.size < scratch.length ? scratch : Buffer.allocUnsafe(Math.min(info.size, maxBytes) + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return fault('too_large', `holds more than ${maxBytes} bytes`);
        const grown = Buffer.allocUnsafe(Math.min(length * 2, maxBytes + 1));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, length);
      if (read === 0) break;
      length += read;
    }
    return { state: 'text', text: utf8.decode(buffer.subarray(0, length)), mtimeMs: info.mtimeMs };
  } catch (error) {
    if (error instanceof TypeError) return fault('not_json', 'is not UTF-8 text');
    return fault('unreadable', `cannot be read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  } finally {
    closeSync(fd);
  }
}

/** For appending to a file a run may have replaced: created when missing, never through a link, never blocking. */
export const APPEND_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

// update also reads, to repair a file in place.
const OPEN_FLAGS = {
  read: SAFE_READ_FLAGS,
  append: APPEND_FLAGS,
  update: constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK,
};

/**
 * Opens a file to stream from (an event log, a log file), to append to, or to repair, with the same
 * refusals as readFileText: a run can replace its own files with a link out of the runs directory or
 * a FIFO, and neither may be followed or block us.
 */
export async function openRunFile(
  root: string,
  path: string,
  options: { mode?: keyof typeof OPEN_FLAGS; maxBytes?: number } = {},
): Promise<OpenedFile> {
  let handle: FileHandle;
  try {
    handle = await open(path, OPEN_FLAGS[options.mode ?? 'read'], 0o644);
  } catch (error) {
    return openFault(error);
  }
  try {
    const info = await handle.stat();
    const refused = statFault(root, handle.fd, path, info, options.maxBytes ?? Number.MAX_SAFE_INTEGER);
    if (!refused) return { state: 'open', handle, size: info.size };
    await handle.close();
    return refused;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The error an unusable file becomes for a writer: the run it belongs to fails with it. */
export const faultError = (file: string, opened: FileFault | { state: 'missing' }) =>
  new Error(opened.state === 'missing' ? `${file} is missing` : `${file} ${opened.message}`);
