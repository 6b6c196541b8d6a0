// Reads a run's log files: a byte range as text without splitting a UTF-8 character, never through a link.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { RunLogsResult } from '../schema/run.js';
import { completeUtf8Length } from './utf8.js';

export type LogSlice = RunLogsResult;

export async function readLog(
  path: string,
  offset: number,
  limit: number,
  finished: boolean,
): Promise<LogSlice> {
  const file = await openLogFile(path);
  if (!file) return { text: '', offset, nextOffset: offset, size: 0, eof: finished };
  try {
    const { size } = await file.stat();
    const length = Math.max(0, Math.min(limit, size - offset));
    const buffer = Buffer.alloc(length);
    const { bytesRead } = length > 0 ? await file.read(buffer, 0, length, offset) : { bytesRead: 0 };
    const atEnd = offset + bytesRead >= size;
    // Keep an incomplete trailing character for the next read, unless nothing more can ever come.
    const complete = finished && atEnd ? bytesRead : completeUtf8Length(buffer, bytesRead);
    const kept = complete > 0 ? complete : bytesRead;
    const nextOffset = offset + kept;
    return {
      text: buffer.subarray(0, kept).toString('utf8'),
      offset,
      nextOffset,
      size,
      eof: finished && nextOffset >= size,
    };
  } finally {
    await file.close();
  }
}

// O_NOFOLLOW: a log swapped for a symlink could point anywhere outside the runs directory;
// O_NONBLOCK: a log swapped for a FIFO would block the read (and a thread of the pool) forever.
const LOG_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens a log the daemon wrote, or undefined when there is none to read: missing, or not a regular
 * file any more (whoever can write into a run directory could have replaced it).
 */
export async function openLogFile(path: string): Promise<FileHandle | undefined> {
  let file: FileHandle;
  try {
    file = await open(path, LOG_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw error;
  }
  if ((await file.stat()).isFile()) return file;
  await file.close();
  return undefined;
}
