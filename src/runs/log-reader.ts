// Reads a byte range of a log file as text without splitting a UTF-8 character.
import { open } from 'node:fs/promises';
import type { RunLogsResult } from '../schema/run.js';
import { completeUtf8Length } from './utf8.js';

export type LogSlice = RunLogsResult;

export async function readLog(
  path: string,
  offset: number,
  limit: number,
  finished: boolean,
): Promise<LogSlice> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return { text: '', offset, nextOffset: offset, size: 0, eof: finished };
  }
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
