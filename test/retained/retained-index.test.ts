// The retained index on its own: scans, rescans and the periodic rescan that catches what no watch event shows.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { listRetained } from '../../src/retained/list.js';
import { RetainedIndex } from '../../src/retained/retained-index.js';
import { eventually } from '../helpers/poll.js';
import { runIdAt, summaryOf, writeRunDir } from './fixtures.js';
import { tempDir } from '../helpers/fs.js';

async function runsDir(t: Test): Promise<string> {
  const dir = await tempDir(t, 'retained');
  return dir;
}

const retainedRun = (dir: string, runId: string, finishedAt: string) =>
  writeRunDir(dir, `nightly/${runId}`, { 'retention-summary.json': summaryOf(runId, finishedAt) });

const listedIds = async (index: RetainedIndex) =>
  (await listRetained(index, { includePartial: false, limit: 1_000 })).runs.map((run) => run.runId);

t.test('a rescan drops nested run directories that were removed and adds new ones', async (t) => {
  const dir = await runsDir(t);
  const kept = runIdAt('2025-01-01T00:00:00.000Z');
  const removed = runIdAt('2025-01-02T00:00:00.000Z');
  await retainedRun(dir, kept, '2025-01-01T00:00:01.000Z');
  await retainedRun(dir, removed, '2025-01-02T00:00:01.000Z');
  const index = await RetainedIndex.open(dir);
  t.teardown(() => index.close());
  t.same(await listedIds(index), [removed, kept]);

  const added = runIdAt('2025-01-03T00:00:00.000Z');
  await rm(join(dir, 'nightly', removed), { recursive: true });
  await retainedRun(dir, added, '2025-01-03T00:00:01.000Z');
  t.same(await listedIds(index), [removed, kept], 'without a watch, nothing changes by itself');
  await index.rescan();
  t.same(await listedIds(index), [added, kept]);
});

t.test(
  'a summary fixed on disk is read again by the next rescan, and no longer counted as skipped',
  async (t) => {
    const dir = await runsDir(t);
    const runId = runIdAt('2025-02-01T00:00:00.000Z');
    await writeRunDir(dir, runId, { 'retention-summary.json': '{"torn' });
    const index = await RetainedIndex.open(dir);
    t.teardown(() => index.close());
    t.match(await listRetained(index, { includePartial: false, limit: 50 }), { runs: [], skipped: 1 });
    await writeFile(
      join(dir, runId, 'retention-summary.json'),
      JSON.stringify(summaryOf(runId, '2025-02-01T00:00:01.000Z')),
    );
    await index.rescan();
    t.match(await listRetained(index, { includePartial: false, limit: 50 }), {
      runs: [{ runId }],
      skipped: 0,
    });
  },
);

t.test('the periodic rescan notices a run added deep inside the runs directory', async (t) => {
  const dir = await runsDir(t);
  await retainedRun(dir, runIdAt('2025-03-01T00:00:00.000Z'), '2025-03-01T00:00:01.000Z');
  const index = await RetainedIndex.open(dir, { watch: true, rescanMs: 100 });
  t.teardown(() => index.close());
  await index.start();
  // nightly/ exists already: its new child makes no event on the watched runs directory.
  const deep = runIdAt('2025-03-02T00:00:00.000Z');
  await retainedRun(dir, deep, '2025-03-02T00:00:01.000Z');
  await eventually(async () => ((await listedIds(index)).includes(deep) ? true : undefined));
  t.pass('listed without a request having waited for the rescan');
});

t.test('readings are kept in one shape, so the index holds no more than a list of them would', async (t) => {
  const dir = await runsDir(t);
  const runId = runIdAt('2025-04-01T00:00:00.000Z');
  await writeRunDir(dir, runId, {
    'retention-summary.json': summaryOf(runId, '2025-04-01T00:00:01+02:00', { labels: {} }),
  });
  const index = await RetainedIndex.open(dir);
  t.teardown(() => index.close());
  const [run] = (await listRetained(index, { includePartial: false, limit: 50 })).runs;
  t.equal(run?.finishedAt, '2025-03-31T22:00:01.000Z', 'timestamps come back in the canonical form');
  t.same(Object.keys(run ?? {}).slice(0, 3), ['runId', 'dir', 'status'], 'keys in the order of the schema');
});

t.test('removing a directory drops at once the runs named for their directory inside it', async (t) => {
  const dir = await runsDir(t);
  const runId = runIdAt('2025-05-01T00:00:00.000Z');
  await retainedRun(dir, runId, '2025-05-01T00:00:01.000Z');
  await writeRunDir(dir, 'nightly/second', {
    'retention-summary.json': summaryOf('nightly/second', '2025-05-01T00:00:02.000Z', { runId: undefined }),
  });
  const index = await RetainedIndex.open(dir, { watch: true, rescanMs: 600_000 });
  t.teardown(() => index.close());
  await index.start();
  t.same(await listedIds(index), ['nightly/second', runId]);
  await rm(join(dir, 'nightly'), { recursive: true });
  await eventually(async () => ((await listedIds(index)).length === 0 ? true : undefined));
  t.pass('both are gone without waiting for a rescan');
});
