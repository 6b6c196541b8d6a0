// Atomic file writes: temp file in the same directory, fsync, rename, fsync the directory.
//
// Only the fsyncs wait on the thread pool. The rest (open, a write of a few kilobytes into the page
// cache, rename, close) are calls of microseconds on a local disk, made directly: through the pool
// each cost a thread hand-off and a promise, several times the call itself, on every run's files.
import { randomBytes } from 'node:crypto';
import { closeSync, fsync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const fsyncFd = promisify(fsync);

export interface FileToWrite {
  path: string;
  data: string | Uint8Array;
  mode?: number;
}

/** Writing `path` failed; `cause` is the file system's error. */
export class AtomicWriteError extends Error {
  constructor(
    readonly path: string,
    override readonly cause: NodeJS.ErrnoException,
  ) {
    super(cause.message);
  }
}

// Temporary names are unique per process by a counter; the random part keeps apart processes that
// reuse a pid (a temp file left by a killed daemon is never opened again: 'wx' would refuse it).
const tempPrefix = `${process.pid}.${randomBytes(4).toString('hex')}`;
let tempCount = 0;

/** Readers see the old content or the new, never a partial file; after return the rename is durable. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  try {
    await writeFilesAtomic([{ path, data, mode }]);
  } catch (error) {
    throw error instanceof AtomicWriteError ? error.cause : error;
  }
}

export function writeJsonAtomic(path: string, value: unknown, mode?: number): Promise<void> {
  return writeFileAtomic(path, jsonText(value), mode);
}

export const jsonText = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * Several files of one directory, each written atomically, renamed in the order given, then made
 * durable by one fsync of the directory: what one file costs, plus a temp file and an fsync per
 * other file, written side by side. A failure names the file (an AtomicWriteError); the files
 * renamed before it stay, no temp file is left.
 */
export async function writeFilesAtomic(files: readonly FileToWrite[]): Promise<void> {
  const dir = dirname(files[0]!.path);
  if (files.some((file) => dirname(file.path) !== dir))
    throw new Error('writeFilesAtomic: one directory only');
  const staged = await Promise.allSettled(files.map(stage));
  const temps = staged.map((result) => (result.status === 'fulfilled' ? result.value : undefined));
  const removeTemps = (from: number) => {
    for (const temp of temps.slice(from)) if (temp) rmSync(temp, { force: true });
  };
  const failed = staged.findIndex((result) => result.status === 'rejected');
  if (failed !== -1) {
    removeTemps(0);
    throw new AtomicWriteError(files[failed]!.path, (staged[failed] as PromiseRejectedResult).reason);
  }
  for (const [i, file] of files.entries()) {
    try {
      renameSync(temps[i]!, file.path);
    } catch (error) {
      removeTemps(i);
      throw new AtomicWriteError(file.path, error as NodeJS.ErrnoException);
    }
  }
  try {
    await syncDirectory(dir);
  } catch (error) {
    throw new AtomicWriteError(files.at(-1)!.path, error as NodeJS.ErrnoException);
  }
}

/** The file's content in a temp file beside it, on disk; returns the temp file's path. */
async function stage({ path, data, mode = 0o644 }: FileToWrite): Promise<string> {
  const temp = join(dirname(path), `.${basename(path)}.${tempPrefix}.${(tempCount++).toString(36)}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  let isOpen = true;
  try {
    writeFileSync(fd, data);
    await fsyncFd(fd);
    isOpen = false;
    closeSync(fd); // a close can report a write the kernel deferred (NFS)
  } catch (error) {
    if (isOpen) closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  return temp;
}

async function syncDirectory(dir: string): Promise<void> {
  const fd = openSync(dir, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeSync(fd);
  }
}
