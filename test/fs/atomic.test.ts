// Atomic writes: one file, or several of one directory behind one directory fsync.
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { AtomicWriteError, writeFileAtomic, writeFilesAtomic } from '../../src/fs/atomic.js';

async function tempDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'runyard-atomic-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

t.test('several files land whole, and no temp file stays', async (t) => {
  const dir = await tempDir(t);
  await writeFileAtomic(join(dir, 'a.json'), 'old');
  await writeFilesAtomic([
    { path: join(dir, 'a.json'), data: 'new a' },
    { path: join(dir, 'b.json'), data: new TextEncoder().encode('new b') },
  ]);
  t.equal(await readFile(join(dir, 'a.json'), 'utf8'), 'new a');
  t.equal(await readFile(join(dir, 'b.json'), 'utf8'), 'new b');
  t.same((await readdir(dir)).sort(), ['a.json', 'b.json']);
});

t.test(
  'a file that cannot be put in place is named; those before it stay, no temp file is left',
  async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'b.json')); // rename(2) cannot replace a directory by a file
    const error = await writeFilesAtomic([
      { path: join(dir, 'a.json'), data: 'a' },
      { path: join(dir, 'b.json'), data: 'b' },
      { path: join(dir, 'c.json'), data: 'c' },
    ]).catch((thrown: unknown) => thrown);
    t.type(error, AtomicWriteError);
    t.equal((error as AtomicWriteError).path, join(dir, 'b.json'));
    t.equal((error as AtomicWriteError).cause.code, 'EISDIR');
    t.same((await readdir(dir)).sort(), ['a.json', 'b.json'], 'a renamed, c never, no .tmp');
  },
);

t.test('files of two directories are refused before anything is written', async (t) => {
  const dir = await tempDir(t);
  const error = await writeFilesAtomic([
    { path: join(dir, 'a.json'), data: 'a' },
    { path: join(dir, 'missing', 'b.json'), data: 'b' },
  ]).catch((thrown: unknown) => thrown);
  t.match(error, { message: /one directory only/ });
  t.same(await readdir(dir), []);
});

t.test('writeFileAtomic rejects with the file system error itself', async (t) => {
  const dir = await tempDir(t);
  await t.rejects(writeFileAtomic(join(dir, 'missing', 'a.json'), 'a'), { code: 'ENOENT' });
});
