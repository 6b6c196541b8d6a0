// One contract suite, run unchanged against every store backend.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { RunRecord } from '../../src/schema/run.js';
import { MemoryStore } from '../../src/store/memory.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { RunQuery, Store } from '../../src/store/store.js';
import { nextRunId, runningAttempt, storedRun as makeStoredRun } from '../helpers/stored-run.js';
import { freshSchema, silentLog, skipWithoutPostgres } from '../helpers/postgres.js';

const backends: Record<string, (t: Test) => Promise<Store>> = {
  memory: async () => new MemoryStore(),
  sqlite: async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'runyard-store-'));
    const store = new SqliteStore(join(dir, 'runyard.db'), 'node-1');
    t.teardown(async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    });
    return store;
  },
  postgres: async (t) => {
    const store = await PostgresStore.open(parsePostgresUrl(freshSchema(t).url), 'node-1', silentLog);
    t.teardown(() => store.close());
    return store;
  },
};
const skip: Record<string, false | string> = { postgres: await skipWithoutPostgres() };

/** A run with an env value, which the store keeps while it is queued and forgets once it starts. */
const storedRun = (overrides: Partial<RunRecord> = {}) =>
  makeStoredRun(overrides, { request: { argv: ['true'], env: { SECRET: 'value' } } });

const ids = (runs: RunRecord[]) => runs.map((run) => run.runId);

for (const [name, open] of Object.entries(backends)) {
  t.test(`${name} store`, { skip: skip[name] ?? false }, async (t) => {
    t.test('a stored run reads back as it was written', async (t) => {
      const store = await open(t);
      const run = storedRun({
        labels: { team: 'a' },
        error: { reason: 'exit_code', message: 'exited with code 1' },
      });
      await store.runs.insert(run);
      t.same(await store.runs.get(run.record.runId), run.record);
      t.equal(await store.runs.get(nextRunId()), undefined);
    });

    t.test('inserting a run id twice fails and keeps the first', async (t) => {
      const store = await open(t);
      const run = storedRun();
      await store.runs.insert(run);
      await t.rejects(store.runs.insert({ ...run, record: { ...run.record, status: 'failed' } }));
      t.equal((await store.runs.get(run.record.runId))!.status, 'succeeded');
    });

    t.test('writes asked for together land or fail each on its own', async (t) => {
      const store = await open(t);
      const [first, taken, other] = [
        storedRun({ idempotencyKey: 'same' }),
        storedRun({ idempotencyKey: 'same' }),
        storedRun({ status: 'running' }),
      ];
      await store.runs.insert(other);
      // Not awaited one by one: a store that commits them together must still keep them apart.
      const results = await Promise.allSettled([
        store.runs.insert(first),
        store.runs.insert(taken),
        store.runs.update({ ...other, record: { ...other.record, status: 'failed' } }),
        store.runs.update(storedRun()),
      ]);
      t.same(
        results.map((result) => result.status),
        ['fulfilled', 'rejected', 'fulfilled', 'rejected'],
      );
      t.equal((await store.runs.findByIdempotencyKey('same'))!.runId, first.record.runId);
      t.equal(await store.runs.get(taken.record.runId), undefined, 'the refused insert left nothing');
      t.equal((await store.runs.get(other.record.runId))!.status, 'failed');
    });

    t.test('update replaces the record; updating an unknown run fails', async (t) => {
      const store = await open(t);
      const run = storedRun({ status: 'running' });
      await store.runs.insert(run);
      await store.runs.update({ ...run, record: { ...run.record, status: 'failed', exitCode: 2 } });
      t.match(await store.runs.get(run.record.runId), { status: 'failed', exitCode: 2 });
      await t.rejects(store.runs.update(storedRun()));
    });

    t.test('an idempotency key finds its run', async (t) => {
      const store = await open(t);
      const run = storedRun({ idempotencyKey: 'deploy-42' });
      await store.runs.insert(run);
      t.equal((await store.runs.findByIdempotencyKey('deploy-42'))!.runId, run.record.runId);
      t.equal(await store.runs.findByIdempotencyKey('other'), undefined);
      await t.rejects(store.runs.insert(storedRun({ idempotencyKey: 'deploy-42' })), 'a key is unique');
      t.same(ids(await store.runs.list({ limit: 10 })), [run.record.runId]);
    });

    t.test('list is newest first, filtered by status and every label, paged by id', async (t) => {
      const store = await open(t);
      const runs = [
        storedRun({ status: 'succeeded', labels: { suite: 'x', os: 'linux' } }),
        storedRun({ status: 'failed', labels: { suite: 'x' } }),
        storedRun({ status: 'succeeded', labels: { suite: 'y', os: 'linux' } }),
        storedRun({ status: 'queued', labels: { suite: 'x', os: 'linux' } }),
      ];
      for (const run of runs) await store.runs.insert(run);
      const [a, b, c, d] = runs.map((run) => run.record.runId);
      t.same(ids(await store.runs.list({ limit: 10 })), [d, c, b, a]);
      t.same(ids(await store.runs.list({ limit: 2 })), [d, c]);
      t.same(ids(await store.runs.list({ limit: 10, before: c })), [b, a]);
      t.same(ids(await store.runs.list({ limit: 10, status: ['succeeded', 'queued'] })), [d, c, a]);
      t.same(ids(await store.runs.list({ limit: 10, labels: { suite: 'x', os: 'linux' } })), [d, a]);
      t.same(ids(await store.runs.list({ limit: 10, labels: { suite: 'x' }, status: ['failed'] })), [b]);
      t.same(await store.runs.list({ limit: 10, labels: { suite: 'none' } }), []);
    });

    t.test('list matches text in the run id, the command and labels, ASCII case folded', async (t) => {
      const store = await open(t);
      const shell = storedRun({ argv: ['sh', '-c', 'make Test'], labels: { suite: 'Smoke' } });
      const pytest = storedRun({ status: 'failed', argv: ['pytest', '-x'], labels: { os: 'linux' } });
      const odd = storedRun({ argv: ['echo', `100% a_b 'q' "d" \\n`], labels: { note: 'É' } });
      const plain = storedRun({ status: 'failed', argv: ['true'] });
      for (const run of [shell, pytest, odd, plain]) await store.runs.insert(run);
      const [a, b, c, d] = [shell, pytest, odd, plain].map((run) => run.record.runId);
      const text = async (needle: string, more: Partial<RunQuery> = {}) =>
        ids(await store.runs.list({ limit: 10, text: needle, ...more }));
      t.same(await text(b.slice(-8).toLowerCase()), [b], 'a run id substring, either case');
      t.same(await text('pytest'), [b], 'one argv element');
      t.same(await text('-c make'), [a], 'across argv elements');
      t.same(await text('sh -c'), [a]);
      t.same(await text('suite=smoke'), [a], 'a label as key=value, either case');
      t.same(await text('MAKE TEST'), [a]);
      t.same(await text('é'), [], 'only ASCII letters fold');
      t.same(await text('É'), [c]);
      t.same(await text('nothing like it'), []);
      t.same(await text('%'), [c], 'a % is literal');
      t.same(await text('a_b'), [c]);
      t.same(await text('_'), [c], 'an _ is literal');
      t.same(await text(`'q' "d" \\`), [c], 'quotes and a backslash are literal');
      t.same(await text('true', { status: ['failed'] }), [d], 'AND with the status filter');
      t.same(await text('true', { status: ['succeeded'] }), []);
      const many = [0, 1, 2, 3].map(() => storedRun({ argv: ['needle-cmd'] }));
      for (const run of many) await store.runs.insert(run);
      const [m0, m1, m2, m3] = many.map((run) => run.record.runId);
      t.same(await text('needle', { limit: 2 }), [m3, m2], 'a page of matches');
      t.same(await text('needle', { limit: 2, before: m2 }), [m1, m0], 'the next page from the cursor');
      t.same(await text('needle', { limit: 2, before: m0 }), []);
    });

    t.test('list filters by actionId and serviceId', async (t) => {
      const store = await open(t);
      const adHoc = storedRun();
      const standalone = storedRun({ actionId: 'lint' });
      const serviceRun = storedRun({ actionId: 'lint', serviceId: 'checks' });
      const other = storedRun({ actionId: 'build', serviceId: 'web' });
      for (const run of [adHoc, standalone, serviceRun, other]) await store.runs.insert(run);
      t.same(
        ids(await store.runs.list({ limit: 10, actionId: 'lint' })),
        [serviceRun, standalone].map((r) => r.record.runId),
      );
      t.same(ids(await store.runs.list({ limit: 10, serviceId: 'checks' })), [serviceRun.record.runId]);
      t.same(ids(await store.runs.list({ limit: 10, serviceId: 'web', actionId: 'lint' })), []);
    });

    t.test('actions and services are stored by name and replaced by a put', async (t) => {
      const store = await open(t);
      const at = '2026-11-23T10:00:00.000Z';
      await store.actions.put({
        spec: { name: 'b', argv: ['true'] },
        source: 'rpc',
        createdAt: at,
        updatedAt: at,
      });
      await store.actions.put({
        spec: { name: 'a', argv: ['false'] },
        source: 'config',
        createdAt: at,
        updatedAt: at,
      });
      await store.actions.put({
        spec: { name: 'b', argv: ['echo'] },
        source: 'rpc',
        createdAt: at,
        updatedAt: at,
      });
      t.same(
        (await store.actions.list()).map((action) => [action.spec.name, action.spec.argv]),
        [
          ['a', ['false']],
          ['b', ['echo']],
        ],
      );
      t.equal((await store.actions.get('a'))!.source, 'config');
      t.equal(await store.actions.delete('a'), true);
      t.equal(await store.actions.delete('a'), false);
      t.equal(await store.actions.get('a'), undefined);
      const service = {
        spec: { name: 's', actions: [{ action: 'b' }] },
        source: 'rpc' as const,
        createdAt: at,
        updatedAt: at,
      };
      await store.services.put(service);
      t.same(await store.services.get('s'), service);
      t.same(await store.services.list(), [service]);
      t.equal(await store.services.delete('s'), true);
      t.same(await store.services.list(), []);
    });

    t.test('unfinished runs come in queue order with their request and attempts', async (t) => {
      const store = await open(t);
      const low = storedRun({ status: 'queued', priority: -1 });
      const first = storedRun({ status: 'queued' });
      const running = storedRun({ status: 'running' });
      const high = storedRun({ status: 'queued', priority: 5 });
      const second = storedRun({ status: 'queued' });
      const retrying = storedRun({ status: 'retrying' });
      const done = storedRun({ status: 'failed' });
      running.process = { pid: 4242, startTime: '123456' };
      running.attempts = [runningAttempt];
      for (const run of [low, first, running, high, second, retrying, done]) await store.runs.insert(run);
      const unfinished = await store.runs.listUnfinished();
      t.same(
        unfinished.map((run) => run.record.runId),
        [high, first, running, second, retrying, low].map((run) => run.record.runId),
      );
      const revived = unfinished.find((run) => run.record.runId === running.record.runId)!;
      t.same(revived.request, running.request, 'the request keeps env values');
      t.same(revived.attempts, running.attempts);
      t.same(revived.process, running.process);
    });

    t.test('unretained runs are finished runs without recorded results, oldest first', async (t) => {
      const store = await open(t);
      const completed = storedRun();
      const incomplete = storedRun({ status: 'failed' });
      const later = storedRun({ status: 'succeeded' });
      const active = storedRun({ status: 'running' });
      for (const run of [completed, incomplete, later, active]) await store.runs.insert(run);
      await store.runs.update({ ...completed, results: { summary: 's', manifest: 'm', reports: [] } });
      for (const run of [incomplete, later, active]) await store.runs.update({ ...run, results: null });
      t.same(
        (await store.runs.listUnretained()).map((run) => run.record.runId),
        [incomplete, later].map((run) => run.record.runId),
      );
    });

    t.test(
      'prunable runs are finished runs beyond the limits, oldest first, never active ones',
      async (t) => {
        const store = await open(t);
        const at = (minute: number) => `2026-11-23T10:${String(minute).padStart(2, '0')}:00.000Z`;
        const old = storedRun({ finishedAt: at(1) });
        const middle = storedRun({ finishedAt: at(2) });
        const recent = storedRun({ finishedAt: at(3) });
        const active = storedRun({ status: 'running' });
        for (const run of [old, middle, recent, active]) await store.runs.insert(run);
        t.same(ids(await store.runs.listPrunable({ keepRuns: 1 })), [old.record.runId, middle.record.runId]);
        t.same(ids(await store.runs.listPrunable({ keepRuns: 5 })), []);
        t.same(ids(await store.runs.listPrunable({ keepFinishedSince: at(2) })), [old.record.runId]);
        t.same(
          ids(await store.runs.listPrunable({ keepRuns: 0 })),
          ids([old, middle, recent].map((run) => run.record)),
        );
        t.same(await store.runs.listPrunable({}), []);
      },
    );

    t.test('delete removes runs from every query and frees their idempotency key', async (t) => {
      const store = await open(t);
      const run = storedRun({ idempotencyKey: 'once', labels: { a: 'b' } });
      const kept = storedRun();
      await store.runs.insert(run);
      await store.runs.insert(kept);
      t.equal(await store.runs.delete([run.record.runId, nextRunId()]), 1);
      t.equal(await store.runs.get(run.record.runId), undefined);
      t.equal(await store.runs.findByIdempotencyKey('once'), undefined);
      t.same(ids(await store.runs.list({ limit: 10 })), [kept.record.runId]);
      t.same(await store.runs.list({ limit: 10, labels: { a: 'b' } }), []);
      await store.runs.insert(storedRun({ idempotencyKey: 'once' }));
    });
  });
}
