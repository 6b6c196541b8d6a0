// The retained runs of a cluster in PostgreSQL: a node's finished runs keep the summary its index lists, and
// every other node reads them back a filtered page at a time, in retained.list's order, its own runs left out.
import t, { type Test } from 'tap';
import type { RetainedRun } from '../../src/schema/retained-run.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import type { RetainedQuery } from '../../src/schema/retained-list.js';
import type { StoredRun } from '../../src/store/store.js';
import { nextRunId, storedRun } from '../helpers/stored-run.js';
import { freshSchema, silentLog, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

async function openNode(t: Test, url: string, nodeId: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(parsePostgresUrl(url), nodeId, silentLog);
  t.teardown(() => store.close());
  return store;
}

/** A run that finished at `finishedAt` (seconds past 10:00), as its node's index lists it. */
function finishedRun(finishedAt: number, fields: Partial<RetainedRun> = {}): StoredRun {
  const runId = nextRunId();
  const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, seconds)).toISOString();
  const retained: RetainedRun = {
    runId,
    dir: runId,
    status: 'succeeded',
    recordedStatus: null,
    actionId: null,
    serviceId: null,
    labels: {},
    createdAt: at(0),
    startedAt: at(0),
    finishedAt: at(finishedAt),
    durationMs: finishedAt * 1_000,
    attempts: 1,
    exitCode: 0,
    signal: null,
    error: null,
    schemaVersion: 1,
    defaulted: [],
    ...fields,
  };
  const { status, labels, actionId, serviceId, createdAt, startedAt, exitCode } = retained;
  return storedRun(
    {
      runId,
      status: status === 'incomplete' ? 'failed' : status,
      labels,
      actionId,
      serviceId,
      createdAt: createdAt!,
      startedAt,
      finishedAt: retained.finishedAt,
      exitCode,
    },
    {
      results: {
        summary: 'retention-summary.json',
        manifest: 'artifact-manifest.json',
        reports: [],
        retained,
      },
    },
  );
}

/** Inserts `run` as its node does: queued first, then its end with its results in one update. */
async function finish(store: PostgresStore, run: StoredRun): Promise<void> {
  await store.runs.insert({
    ...run,
    record: { ...run.record, status: 'queued', finishedAt: null },
    results: null,
  });
  await store.runs.update(run);
}

const ids = (runs: readonly RetainedRun[]) => runs.map((run) => run.runId);
const newestFirst = (runs: readonly StoredRun[]) =>
  [...runs]
    .sort((a, b) =>
      a.record.finishedAt === b.record.finishedAt
        ? b.record.runId.localeCompare(a.record.runId)
        : b.record.finishedAt!.localeCompare(a.record.finishedAt!),
    )
    .map((run) => run.record.runId);

/** Every page of `query`, each asked from just after the last run of the one before. */
async function allPages(store: PostgresStore, query: RetainedQuery): Promise<string[]> {
  const seen: string[] = [];
  for (let after = query.after; ;) {
    const page = await store.retained.list({ ...query, after });
    seen.push(...ids(page));
    if (page.length < query.limit) return seen;
    const last = page.at(-1)!;
    after = { key: last.finishedAt!, runId: last.runId };
  }
}

t.test(
  "a node's finished runs are listed by every other node, newest first, page after page, its own left out",
  { skip },
  async (t) => {
    const { url } = freshSchema(t);
    const [a, b] = [await openNode(t, url, 'node-a'), await openNode(t, url, 'node-b')];
    // Two runs finish in the same second: the run id orders them.
    const ofB = [3, 1, 4, 1, 5, 9, 2, 6].map((seconds) => finishedRun(seconds));
    const ofA = [7, 8].map((seconds) => finishedRun(seconds));
    for (const run of ofB) await finish(b, run);
    for (const run of ofA) await finish(a, run);
    const unfinished = finishedRun(10);
    await b.runs.insert({
      ...unfinished,
      record: { ...unfinished.record, status: 'running' },
      results: null,
    });

    t.same(
      await a.retained.list({ limit: 100 }),
      newestFirst(ofB).map((runId) => ofB.find((run) => run.record.runId === runId)!.results!.retained),
      "a lists b's finished runs as b's index does, and neither its own nor b's running one",
    );
    t.same(await allPages(a, { limit: 3 }), newestFirst(ofB), 'pages of 3 give each run once, in order');
    t.same(ids(await b.retained.list({ limit: 100 })), newestFirst(ofA), "and b lists a's");
  },
);

t.test('the filters of retained.list select the same runs in the database', { skip }, async (t) => {
  const { url } = freshSchema(t);
  const [a, b] = [await openNode(t, url, 'node-a'), await openNode(t, url, 'node-b')];
  const smoke = finishedRun(1, { labels: { suite: 'smoke', os: 'linux' }, actionId: 'test' });
  const failed = finishedRun(2, { status: 'failed', exitCode: 1, serviceId: 'ci', actionId: 'test' });
  const plain = finishedRun(3);
  const late = finishedRun(4, { labels: { suite: 'smoke' } });
  for (const run of [smoke, failed, plain, late]) await finish(b, run);
  const list = async (query: Partial<RetainedQuery>) => ids(await a.retained.list({ limit: 100, ...query }));
  const id = (run: StoredRun) => run.record.runId;

  t.same(await list({ status: ['failed'] }), [id(failed)], 'status');
  t.same(await list({ labels: { suite: 'smoke' } }), [id(late), id(smoke)], 'labels: all of them');
  t.same(await list({ labels: { suite: 'smoke', os: 'mac' } }), [], 'a label of another value');
  t.same(await list({ actionId: 'test' }), [id(failed), id(smoke)], 'actionId');
  t.same(await list({ actionId: null }), [id(late), id(plain)], 'actionId null: runs of no action');
  t.same(await list({ serviceId: 'ci' }), [id(failed)], 'serviceId');
  const at = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, seconds)).toISOString();
  t.same(await list({ since: at(2), until: at(4) }), [id(plain), id(failed)], 'since inclusive, until not');
});

t.test('recordResults keeps the summary of a run another node ended, and only once', { skip }, async (t) => {
  const { schema, url } = freshSchema(t);
  const [a, b] = [await openNode(t, url, 'node-a'), await openNode(t, url, 'node-b')];
  const run = finishedRun(5, { status: 'interrupted', exitCode: null });
  await b.runs.insert({ ...run, record: { ...run.record, status: 'running' }, results: null });
  // As failover does: the record ends in the database, and b's directory has no summary yet.
  await sql(`UPDATE ${schema}.runs SET status = 'interrupted', record = $2 WHERE id = $1`, [
    run.record.runId,
    JSON.stringify(run.record),
  ]);
  t.same(await a.retained.list({ limit: 10 }), [], 'not listed before its node wrote its summary');

  await b.runs.recordResults(run.record.runId, run.results!);
  t.same(await a.retained.list({ limit: 10 }), [run.results!.retained], 'listed once it did');
  await b.runs.recordResults(run.record.runId, {
    ...run.results!,
    retained: { ...run.results!.retained!, exitCode: 99 },
  });
  t.same(await a.retained.list({ limit: 10 }), [run.results!.retained], 'a second record changes nothing');
});
