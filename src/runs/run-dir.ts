// Preparing a run's directory: the layout a fresh run starts with, and clearing one it may reuse.
import { mkdirSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runFiles } from '../run-dir/files.js';
import { RunFileError } from '../run-dir/write.js';
import { RunyardError } from '../schema/errors.js';

/** Rethrows a file-system failure while preparing a run directory as the run_dir_failed error. */
export function failedDirectory(thrown: unknown): never {
  if (thrown instanceof RunyardError) throw thrown;
  const error = thrown instanceof RunFileError ? thrown.cause : thrown;
  throw new RunyardError('run_dir_failed', { cause: (error as NodeJS.ErrnoException).code ?? String(error) });
}

/** undefined when the directory does not exist. */
export async function isEmptyDir(dir: string): Promise<boolean | undefined> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes everything inside `dir`, keeping the directory itself (and any symlink that points to it). */
export async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

/**
 * Creates the layout; with `clear`, whatever was in the directory before is removed first. The
 * mkdirs are direct calls, as in src/fs/atomic.ts: through the thread pool each cost more than itself.
 */
export async function createRunDir(runDir: string, clear: boolean): Promise<void> {
  if (clear) await emptyDir(runDir);
  for (const folder of [runFiles.logs, runFiles.reports, runFiles.artifacts])
    mkdirSync(join(runDir, folder), { recursive: true });
}
