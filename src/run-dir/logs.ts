// Reading a run's log files: a byte range as text without splitting a UTF-8 character, never through a link.
import type { RunLogsResult } from '../schema/run.js';
import { completeUtf8Length } from './utf8.js';
import { openRunFile } from './open-file.js';

/**
 * Bytes [offset, offset + limit) of the log at `path` (inside `runsDir`, a real path). A log that is
 * missing, or is no longer a regular file inside the runs directory (whoever can write into a run
 * directory could have replaced it, or its logs/ folder, with a link), reads as empty.
 */
export async function readLog(
  runsDir: string,
  path: string,
  offset: number,
  limit: number,
  finished: boolean,
): Promise<RunLogsResult> {
  const opened = await openRunFile(runsDir, path);
  if (opened.state !== 'open') return { text: '', offset, nextOffset: offset, size: 0, eof: finished };
  const { handle: file, size } = opened;
  try {
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
