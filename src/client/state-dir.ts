// Node only: finding the state directory as git finds .git, the nearest `.runyard` in a directory or any of its parents.
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DEFAULT_STATE_DIR } from './generated.js';

/** The nearest `<dir>/.runyard` directory from `start` up to the filesystem root, as an absolute path; undefined when there is none. */
export async function findStateDir(start: string): Promise<string | undefined> {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_STATE_DIR);
    if (await isDirectory(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    // Absent is the common answer; anything else (a permission problem) is worth reporting.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}
