// The one walker of a runs directory: finds the run directories in it, in slices that keep the event loop free.
import { isUtf8 } from 'node:buffer';
import { readdirSync, type Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { monotonicMs } from '../async/clock.js';
import type { RunDirProblem } from '../schema/run-dir.js';
import { problemOf } from './read.js';

/** Run directories sit at <runs-dir>/<id> or, with outputDir, deeper; deeper than this is not a layout we write. */
export const MAX_DEPTH = 8;
// Reads are synchronous (see readFileText); after this much of them the walk yields, so requests and
// timers wait at most about this long while 100,000 directories are read.
const SLICE_MS = 8;

/**
 * Which of two directories holding one run stands for it: the one named for the run, then the first
 * by name. One rule for the retained index and the index rebuild, and the same answer in any walk order.
 */
export const standsFor = (runId: string, dir: string, other: string): boolean =>
  (dir === runId) !== (other === runId) ? dir === runId : dir < other;

export interface WalkOptions {
  /** Checked between slices, so a closing index stops walking. */
  isCancelled?: () => boolean;
  /** A directory whose listing or name cannot be used; the walk goes on without it. */
  onProblem?: (problem: RunDirProblem) => void;
}

/** What a walk reads in each directory; `none` means "not a run directory", so the walk looks below it. */
export interface Reading {
  kind: string;
}

/**
 * Reads `roots` (relative to `runsDir`, a real path; "" for the runs directory itself, which is
 * never a run directory) and every directory below them that is not a run directory, down to the
 * run directories. Symlinks are not followed, dot-directories (temporary names) are passed over.
 * `visit` gets each directory read (a promise it returns is awaited), with `isLeaf` telling whether
 * a `none` directory held no subdirectory.
 */
export async function walkRunsDir<R extends Reading>(
  runsDir: string,
  roots: readonly string[],
  read: (dir: string) => R,
  options: WalkOptions,
  visit: (dir: string, reading: R, isLeaf: boolean) => unknown,
): Promise<void> {
  const queue = roots.map((dir) => ({ dir, depth: dir === '' ? 0 : dir.split('/').length }));
  const problem = (dir: string, reason: RunDirProblem['reason'], message: string) =>
    options.onProblem?.(problemOf(dir, null, reason, message));
  while (queue.length > 0) {
    if (options.isCancelled?.()) return;
    const sliceEnd = monotonicMs() + SLICE_MS;
    while (queue.length > 0 && monotonicMs() < sliceEnd) {
      const { dir, depth } = queue.pop()!;
      const reading = depth === 0 ? undefined : read(dir);
      let children: string[] = [];
      if ((reading === undefined || reading.kind === 'none') && depth < MAX_DEPTH) {
        // The runs directory's own listing is the one large one: it is read off the event loop.
        const listing = depth === 0 ? await listAsync(runsDir) : listSync(join(runsDir, dir));
        if (listing instanceof Error) problem(dir, 'unreadable', `cannot be listed: ${codeOf(listing)}`);
        else {
          for (const entry of listing) {
            if (!entry.isDirectory() || entry.name[0] === 0x2e) continue;
            const child = dir === '' ? '' : `${dir}/`;
            if (isUtf8(entry.name)) children.push(entry.name.toString('utf8'));
            else problem(`${child}${printable(entry.name)}`, 'name_not_utf8', 'has a name that is not UTF-8');
          }
        }
        // In name order (the queue is a stack): ULID directories are then read oldest first, in every walk.
        children.sort();
        for (let i = children.length - 1; i >= 0; i--)
          queue.push({ dir: dir === '' ? children[i]! : `${dir}/${children[i]}`, depth: depth + 1 });
      }
      if (reading === undefined) continue;
      const visited = visit(dir, reading, reading.kind === 'none' && children.length === 0);
      if (visited instanceof Promise) await visited;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

type Listing = Dirent<Buffer>[] | Error;

function listSync(path: string): Listing {
  try {
    return readdirSync(path, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    // Gone since its parent was listed: nothing below it to serve, and nothing wrong with it either.
    return isGone(error) ? [] : (error as Error);
  }
}

async function listAsync(path: string): Promise<Listing> {
  try {
    return await readdir(path, { withFileTypes: true, encoding: 'buffer' });
  } catch (error) {
    return error as Error;
  }
}

const isGone = (error: unknown) =>
  ['ENOENT', 'ENOTDIR'].includes((error as NodeJS.ErrnoException).code ?? '');
const codeOf = (error: Error) => (error as NodeJS.ErrnoException).code ?? error.message;

/** A name that is not UTF-8, shown with its odd bytes as \xNN. */
function printable(name: Buffer): string {
  let text = '';
  for (const byte of name)
    text +=
      byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`;
  return text;
}
