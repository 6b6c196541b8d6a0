// Walks a runs directory and reads every run directory in it, in slices that keep the event loop free.
import { readdirSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readRunDir, type DirReading } from './read-run-dir.js';

// Run directories sit at <runs-dir>/<id> or, with outputDir, deeper; deeper than this is not a layout we write.
const MAX_DEPTH = 8;
// Reads are synchronous (see readRunDir); after this much of them the scan yields, so requests and
// timers wait at most about this long while 100,000 directories are read.
const SLICE_MS = 8;

export interface ScanOptions {
  /** Checked between slices, so a closing index stops scanning. */
  isCancelled?: () => boolean;
}

/**
 * Reads `roots` (relative to `runsDir`; "" for the runs directory itself, which is never a run
 * directory) and every directory below them that is not a run directory, down to the run
 * directories. Symlinks are not followed and dot-directories (temporary names) are passed over.
 * `visit` gets each directory read (a promise it returns is awaited), with `isLeaf` telling whether
 * a `none` directory held no subdirectory.
 */
export async function scanRunsDir(
  runsDir: string,
  roots: readonly string[],
  options: ScanOptions,
  visit: (dir: string, reading: DirReading, isLeaf: boolean) => unknown,
): Promise<void> {
  const queue = roots.map((dir) => ({ dir, depth: dir === '' ? 0 : dir.split('/').length }));
  while (queue.length > 0) {
    if (options.isCancelled?.()) return;
    const sliceEnd = performance.now() + SLICE_MS;
    while (queue.length > 0 && performance.now() < sliceEnd) {
      const { dir, depth } = queue.pop()!;
      const reading: DirReading = depth === 0 ? { kind: 'none' } : readRunDir(runsDir, dir);
      let children: string[] = [];
      if (reading.kind === 'none' && depth < MAX_DEPTH) {
        // The runs directory's own listing is the one large one: it is read off the event loop.
        children = depth === 0 ? await subdirectoriesOf(runsDir) : subdirectories(join(runsDir, dir));
        for (const name of children)
          queue.push({ dir: dir === '' ? name : `${dir}/${name}`, depth: depth + 1 });
      }
      if (depth === 0) continue;
      const visited = visit(dir, reading, reading.kind === 'none' && children.length === 0);
      if (visited instanceof Promise) await visited;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const names = (entries: Dirent[]) =>
  entries.filter((entry) => entry.isDirectory() && !entry.name.startsWith('.')).map((entry) => entry.name);

function subdirectories(path: string): string[] {
  try {
    return names(readdirSync(path, { withFileTypes: true }));
  } catch {
    // Gone since its parent was listed, or unreadable: nothing below it can be served either way.
    return [];
  }
}

async function subdirectoriesOf(path: string): Promise<string[]> {
  return names(await readdir(path, { withFileTypes: true }));
}
