// The SQLite store commits the writes of one event-loop turn together; what that must not change.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { SqliteStore } from '../../src/store/sqlite.js';
import { storedRun } from '../helpers/stored-run.js';

async function openStore(t: Test) {
  const dir = await mkdtemp(join(tmpdir(), 'runyard-group-commit-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return { path: join(dir, 'runyard.db'), store: new SqliteStore(join(dir, 'runyard.db'), 'node-1') };
}

let shard = 0;
const queuedRun = () =>
  storedRun({ status: 'queued', labels: { shard: String(++shard) }, createdAt: '2026-12-03T10:00:00.000Z' });

t.test('a read sees every write asked for before it, committed or not yet', async (t) => {
  const { store } = await openStore(t);
  t.teardown(() => store.close());
  const run = queuedRun();
  const inserted = store.runs.insert(run);
  t.equal((await store.runs.get(run.record.runId))?.runId, run.record.runId);
  const updated = store.runs.update({ ...run, record: { ...run.record, status: 'running' } });
  t.same(
    (await store.runs.list({ status: ['running'], limit: 10 })).map((found) => found.runId),
    [run.record.runId],
  );
  await Promise.all([inserted, updated]);
});

t.test('the record written is the one asked for, even if the caller changes its objects after', async (t) => {
  const { store } = await openStore(t);
  t.teardown(() => store.close());
  const run = queuedRun();
  const inserted = store.runs.insert(run);
  (run.record as { status: string }).status = 'failed';
  await inserted;
  t.equal((await store.runs.get(run.record.runId))!.status, 'queued');
});

t.test('closing commits what is still waiting for the end of the turn', async (t) => {
  const { path, store } = await openStore(t);
  const runs = Array.from({ length: 20 }, queuedRun);
  const writes = runs.map((run) => store.runs.insert(run));
  await store.close();
  await Promise.all(writes);
  const reopened = new SqliteStore(path, 'node-1');
  t.teardown(() => reopened.close());
  t.equal((await reopened.runs.listUnfinished()).length, runs.length);
});
