// Path containment: whether a path lies inside a root, resolving requested paths, and proving an open file is inside.
import { constants, fstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Strictly inside: `root/x` is, `root` itself is not, and neither is a sibling named `root..x`. */
export function isInside(root: string, path: string): boolean {
  const prefix = root.endsWith(sep) ? root : root + sep;
  return path.length > prefix.length && path.startsWith(prefix);
}

export const isInsideOrAt = (root: string, path: string): boolean => path === root || isInside(root, path);

/**
 * Resolves `requested` against `root` and returns the absolute path when it lies strictly inside
 * `root` once every existing symlink along it is followed; otherwise undefined. The path itself
 * need not exist yet.
 */
export async function resolveInside(root: string, requested: string): Promise<string | undefined> {
  if (requested.includes('\0')) return undefined;
  const realRoot = await realpath(root);
  const lexical = resolve(realRoot, requested);
  if (!isInside(realRoot, lexical)) return undefined;
  const real = await realpathOfExistingPrefix(lexical);
  return isInside(realRoot, real) ? real : undefined;
}

async function realpathOfExistingPrefix(path: string): Promise<string> {
  const missing: string[] = [];
  let current = path;
  for (;;) {
    try {
      return join(await realpath(current), ...missing.reverse());
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const parent = dirname(current);
      if (parent === current) return path;
      missing.push(relative(parent, current));
      current = parent;
    }
  }
}

/**
 * Flags for opening a file that someone else may have replaced: O_NOFOLLOW refuses a symlink in the
 * last component, O_NONBLOCK keeps a FIFO from blocking the open (and a thread of the pool) forever.
 */
export const SAFE_READ_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The real path of what `fd` (opened from `path`) is, as of now. Linux tells it directly; elsewhere
 * the path's realpath counts only when it is still the same file.
 */
function realPathOfFd(fd: number, path: string): string | undefined {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    try {
      const real = realpathSync(path);
      const [opened, named] = [fstatSync(fd), statSync(real)];
      return opened.dev === named.dev && opened.ino === named.ino ? real : undefined;
    } catch {
      return undefined;
    }
  }
}

/**
 * Whether the open file `fd` lies inside `root` (a real path). O_NOFOLLOW only guards the last
 * component: a directory on the way that is a symlink (a run's logs/ pointing at /etc) is caught here.
 */
export function isFdInside(root: string, fd: number, path: string): boolean {
  const real = realPathOfFd(fd, path);
  return real !== undefined && isInside(root, real);
}
