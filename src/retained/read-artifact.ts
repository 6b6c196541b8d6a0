// retained.readArtifact: one chunk of a report or artifact, read from an fd that is proven to be inside the run.
import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { mediaTypeOf } from '../fs/media-type.js';
import { RunyardError } from '../schema/errors.js';
import { type RetainedChunk, type RetainedReadParams } from '../schema/retained-files.js';
import { locateRun } from './locate.js';
import type { RetainedIndex } from './retained-index.js';
import { assertRunName, checkServedPath, isGone, resolveServedFile } from './safe-path.js';

export async function readArtifact(index: RetainedIndex, params: RetainedReadParams): Promise<RetainedChunk> {
  const { runId, path } = params;
  const { offset, length } = params;
  // The path's text is judged before anything on disk is looked at.
  assertRunName(runId);
  checkServedPath(runId, path);
  const { run, realRunDir } = await locateRun(index, runId);
  const resolved = await resolveServedFile(realRunDir, runId, path);
  let file;
  try {
    // O_NOFOLLOW: the last component cannot have become a symlink since it was resolved; O_NONBLOCK: a
    // file swapped for a FIFO meanwhile cannot hang the open (it is refused as not a file below).
    file = await open(resolved.real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    if (isGone(error) || (error as NodeJS.ErrnoException).code === 'ELOOP')
      throw new RunyardError('artifact_not_found', { runId, path });
    throw error;
  }
  try {
    // A directory on the way that became a symlink after the check would have been followed by open:
    // the path must still be free of links now that the file is open.
    if ((await realpath(resolved.real).catch(() => undefined)) !== resolved.real)
      throw new RunyardError('path_symlink_escape', { runId, path });
    const info = await file.stat();
    if (!info.isFile()) throw new RunyardError('path_not_file', { runId, path });
    const wanted = Math.max(0, Math.min(length, info.size - offset));
    // Only the chunk is ever in memory, however large the file.
    const buffer = Buffer.allocUnsafe(wanted);
    let filled = 0;
    while (filled < wanted) {
      const { bytesRead } = await file.read(buffer, filled, wanted - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    const nextOffset = offset + filled;
    return {
      runId: run.runId,
      path,
      mediaType: mediaTypeOf(path),
      size: info.size,
      offset,
      length: filled,
      nextOffset,
      eof: nextOffset >= info.size,
      data: buffer.subarray(0, filled).toString('base64'),
    };
  } finally {
    await file.close();
  }
}
