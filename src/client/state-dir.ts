// Finding the state directory as git finds .git: the nearest `.runyard` in a directory or any of its parents.
import { DEFAULT_STATE_DIR } from './generated.js';

/**
 * The nearest `<dir>/.runyard` directory from `start` up to the filesystem root, as an absolute path;
 * undefined when there is none. Node only: the Node modules are imported here, lazily, so that the SDK
 * still loads in a browser.
 */
export async function findStateDir(start: string): Promise<string | undefined> {
  const [{ stat }, { dirname, join, resolve }] = await Promise.all([
    import('node:fs/promises'),
    import('node:path'),
  ]);
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const candidate = join(dir, DEFAULT_STATE_DIR);
    if (await isDirectory(stat, candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

type Stat = typeof import('node:fs/promises').stat;

async function isDirectory(stat: Stat, path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    // Absent is the common answer; anything else (a permission problem) is worth reporting.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}
