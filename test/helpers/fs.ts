// Files in tests: temp directories removed with the test, JSON read back.
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';

/** A fresh directory (its real path: /tmp may be a symlink) that is removed when `t` ends. */
export async function tempDir(t: Test, name: string): Promise<string> {
  const dir = await realpath(await mkdtemp(join(tmpdir(), `runyard-${name}-`)));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A JSON file, parsed. */
export const readJson = async (path: string | URL): Promise<any> => JSON.parse(await readFile(path, 'utf8'));
