// Finds the executable a run's argv[0] names, the way execvp would, so a typo fails at run.start.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, join, resolve } from 'node:path';

export async function resolveCommand(name: string, pathVariable: string | undefined, cwd: string) {
  const candidates = name.includes('/')
    ? [resolve(cwd, name)]
    : (pathVariable ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(resolve(cwd, dir), name));
  for (const candidate of candidates) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutableFile(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isFile()) return false;
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
