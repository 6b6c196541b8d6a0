// The files a run left in reports/ and artifacts/: listed and hashed with bounded concurrency, never through a link.
import { createHash } from 'node:crypto';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { mediaTypeOf } from '../fs/media-type.js';
import type { ArtifactEntry } from '../schema/run-dir.js';
import { runFiles } from './files.js';
import { openRunFile } from './open-file.js';

export type FileEntry = Omit<ArtifactEntry, 'sha256'>;

// Files open at once while hashing: a run with 100,000 artifacts must not need 100,000 descriptors
// (opening them all at once ended in EMFILE, and the run was never retained).
const PARALLEL_FILES = 16;

/**
 * Regular files under `runDir/sub`, sorted by path, paths relative to runDir. Symlinks and special
 * files are skipped: a manifest must not vouch for bytes that live outside the run directory.
 */
export async function listFiles(runDir: string, sub: string): Promise<FileEntry[]> {
  let entries;
  try {
    entries = await readdir(join(runDir, sub), { recursive: true, withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const paths = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(runDir, join(entry.parentPath, entry.name)))
    .sort();
  const files = await mapLimit(paths, async (path) => {
    const info = await lstat(join(runDir, path)).catch(() => undefined);
    // Removed or replaced while we listed: it is not a file of this run any more.
    return info?.isFile() ? { path, size: info.size, mediaType: mediaTypeOf(path) } : undefined;
  });
  return files.filter((file) => file !== undefined);
}

/** The artifacts of a run directory (a real path) as a manifest lists them. */
export async function artifactEntries(runDir: string): Promise<ArtifactEntry[]> {
  const files = await listFiles(runDir, runFiles.artifacts);
  const hashed = await mapLimit(files, async (file) => {
    const sha256 = await sha256Of(runDir, join(runDir, file.path));
    return sha256 === undefined ? undefined : { ...file, sha256 };
  });
  return hashed.filter((entry) => entry !== undefined);
}

/** The sha256 of a regular file inside `root`; undefined when it is gone or no longer a file there. */
export async function sha256Of(root: string, path: string): Promise<string | undefined> {
  const opened = await openRunFile(root, path);
  if (opened.state !== 'open') return undefined;
  try {
    const hash = createHash('sha256');
    for await (const chunk of opened.handle.createReadStream({ autoClose: false }))
      hash.update(chunk as Buffer);
    return hash.digest('hex');
  } finally {
    await opened.handle.close();
  }
}

/** `map` over `items`, at most PARALLEL_FILES at a time, results in input order. */
async function mapLimit<T, R>(items: readonly T[], map: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_FILES, items.length) }, worker));
  return results;
}
