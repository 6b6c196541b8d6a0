// Path containment: resolve a requested path and prove it stays inside a root, symlinks included.
import { realpath } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

const isInside = (root: string, path: string) => path.startsWith(root + sep);

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
