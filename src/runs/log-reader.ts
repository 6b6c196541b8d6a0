// Reads a byte range of a log file as text without splitting a UTF-8 character.
import { open } from 'node:fs/promises';
import type { RunLogsResult } from '../schema/run.js';

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

/** Length of the longest prefix of buffer[0, length) that does not end inside a multi-byte character. */
function completeUtf8Length(buffer: Buffer, length: number): number {
  for (let back = 1; back <= Math.min(3, length); back++) {
    const byte = buffer[length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead byte
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? length - back : length;
  }
  return length;
}
