// `npm ci --omit=dev` in a clone: prepare finds no compiler and says so instead of failing the install.
import { execFile } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { tempDir } from '../helpers/fs.js';

t.test('prepare without dev dependencies builds nothing, exits 0 and points at the tarball', async (t) => {
  // Away from this checkout's node_modules, typescript cannot be resolved: as after --omit=dev.
  const dir = await tempDir(t, 'prepare');
  await copyFile(new URL('../../scripts/prepare.mjs', import.meta.url), join(dir, 'prepare.mjs'));
  const { stdout } = await promisify(execFile)(process.execPath, ['prepare.mjs'], { cwd: dir });
  t.match(stdout, 'nothing is built');
  t.match(stdout, 'packed tarball');
});
