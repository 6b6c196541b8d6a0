// Fencing and failover in the PostgreSQL store: a write at a stale epoch is refused and changes nothing,
// and reapers on several nodes at once end each run of a dead node once, queued runs never.
import t, { type Test } from 'tap';
import type { RunRecord } from '../../src/schema/run.js';
import { LeaseLostError } from '../../src/store/lease-lost.js';
import { PostgresStore } from '../../src/store/postgres.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import type { StoredRun } from '../../src/store/store.js';
import { runningAttempt, storedRun as makeStoredRun, waitingRun } from '../helpers/stored-run.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, silentLog, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

/** A run of `sleep 600`: running in its first attempt, or not started yet. */
function storedRun(status: RunRecord['status']): StoredRun {
  const isRunning = status === 'running';
  return makeStoredRun(
    { status, argv: ['sleep', '600'] },
    {
      attempts: isRunning ? [runningAttempt] : [],
      process: isRunning ? { pid: 4242, startTime: '123' } : null,
    },
  );
}

async function openNode(t: Test, url: string, nodeId: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(parsePostgresUrl(url), nodeId, silentLog);
  t.teardown(() => store.close());
  await store.nodes.register({ nodeId, url: `ws://${nodeId}:7370/rpc`, version: '1.0.0' });
  return store;
}

const rowOf = async (schema: string, runId: string) =>
  (
    await sql(
      `SELECT status, epoch::int, error_code, finished_at, record, attempts, summary_path
       FROM ${schema}.runs WHERE id = $1`,
      [runId],
    )
  )[0]!;

t.test(
  'a write at an epoch the node no longer holds throws LeaseLostError and changes nothing',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const store = await openNode(t, url, 'node-1');
    const run = storedRun('running');
    await store.runs.insert(run);
    t.same(await store.runs.lost([run.record.runId]), [], 'held after the insert');
    t.equal((await rowOf(schema, run.record.runId)).epoch, 1, 'the insert is the claim: epoch 1');

    await sql(`UPDATE ${schema}.runs SET epoch = epoch + 1 WHERE id = $1`, [run.record.runId]);
    const before = await rowOf(schema, run.record.runId);
    const failed = { ...run, record: { ...run.record, status: 'failed' as const, exitCode: 1 } };
    const error = await store.runs.update(failed).catch((error: unknown) => error);
    t.type(error, LeaseLostError);
    t.match(error, { runId: run.record.runId, nodeId: 'node-1', epoch: 1 });
    t.same(await rowOf(schema, run.record.runId), before, 'the row is as the other writer left it');
    t.match(await store.runs.lost([run.record.runId]), [{ runId: run.record.runId }], 'lost for good');

    await store.runs.recordResults(run.record.runId, { summary: 's', manifest: 'm', reports: [] });
    t.equal((await rowOf(schema, run.record.runId)).summary_path, null, 'no results for an unfinished run');
  },
);

t.test(
  "reapers on two nodes at once end a dead node's running and retrying runs once each, and leave its queued run",
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const dead = await openNode(t, url, 'node-dead');
    const [reaperA, reaperB] = [await openNode(t, url, 'node-a'), await openNode(t, url, 'node-b')];
    const running = storedRun('running');
    const retrying = { ...storedRun('running'), process: null };
    retrying.record = { ...retrying.record, status: 'retrying', nextAttemptAt: '2026-11-23T10:05:00.000Z' };
    retrying.attempts = [
      { ...retrying.attempts[0]!, finishedAt: '2026-11-23T10:00:02.000Z', outcome: 'failed' },
    ];
    const queued = storedRun('queued');
    const ofLive = storedRun('running');
    await dead.runs.insert(running);
    await dead.runs.insert(retrying);
    await dead.runs.insert(queued);
    await reaperA.runs.insert(ofLive);
    t.same(await reaperA.nodes.failOver('node-a'), [], 'nothing while every node beats');

    await sql(
      `UPDATE ${schema}.nodes SET heartbeat_at = now() - interval '11 seconds' WHERE id = 'node-dead'`,
    );
    const rounds = await Promise.all(
      [reaperA, reaperB, reaperA, reaperB].map((store) =>
        store.nodes.failOver(store === reaperA ? 'node-a' : 'node-b'),
      ),
    );
    const ended = rounds.flat().sort((a, b) => a.runId.localeCompare(b.runId));
    t.equal(ended.length, 2, 'each ended once, by one reaper');
    t.match(
      ended,
      [running, retrying].map(({ record }) => ({ runId: record.runId, nodeId: 'node-dead' })),
    );
    const endedRetry = await rowOf(schema, retrying.record.runId);
    t.match(endedRetry, { status: 'interrupted', epoch: 2, error_code: 'node_lost' });
    t.match(
      endedRetry.attempts,
      [{ outcome: 'failed', finishedAt: '2026-11-23T10:00:02.000Z' }],
      'an attempt that had ended keeps its outcome',
    );
    t.match(JSON.parse(endedRetry.record), { status: 'interrupted', nextAttemptAt: null });

    const row = await rowOf(schema, running.record.runId);
    t.match(row, { status: 'interrupted', epoch: 2, error_code: 'node_lost' });
    const record = JSON.parse(row.record) as RunRecord;
    t.match(record, {
      status: 'interrupted',
      error: { reason: 'node_lost', message: /node node-dead .*last heartbeat was at/ },
      nextAttemptAt: null,
    });
    t.equal(record.finishedAt, row.finished_at, 'the record JSON says what the columns say');
    t.match(row.attempts, [{ attempt: 1, outcome: 'interrupted', finishedAt: row.finished_at }]);
    t.equal((await rowOf(schema, queued.record.runId)).status, 'queued', 'queued runs wait for their node');
    t.equal((await rowOf(schema, ofLive.record.runId)).status, 'running', "a live node's run runs on");

    const stale = { ...running, record: { ...running.record, status: 'succeeded' as const, exitCode: 0 } };
    await t.rejects(dead.runs.update(stale), LeaseLostError, 'the dead node, resumed, is fenced off');
    await dead.runs.recordResults(running.record.runId, {
      summary: 's.json',
      manifest: 'm.json',
      reports: [],
    });
    t.match(
      await rowOf(schema, running.record.runId),
      { status: 'interrupted', epoch: 2, summary_path: 's.json', record: row.record },
      'it may record where its files are, which changes no status',
    );
  },
);

/** The pid of the connection that holds `nodeId`'s node lock, once one does. */
const lockHolder = (nodeId: string) =>
  eventually(async () => {
    const rows = await sql<{ pid: number }>(
      `SELECT l.pid FROM pg_locks l
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.objid = hashtext($1)::oid`,
      [nodeId],
    );
    return rows[0]?.pid;
  });

t.test(
  'a node whose own connection closed is dead once its heartbeat is 4 s old, to a judge that has held its lock 10 s; one still connected is not',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const judge = await openNode(t, url, 'node-judge');
    const openedAt = Date.now();
    const [gone, slow] = [await openNode(t, url, 'node-gone'), await openNode(t, url, 'node-slow')];
    const [ofGone, ofSlow] = [storedRun('running'), storedRun('running')];
    await gone.runs.insert(ofGone);
    await slow.runs.insert(ofSlow);
    await lockHolder('node-gone');
    await lockHolder('node-slow');
    // Both as a node whose last beat landed 5 s ago: past the lock rule's 4 s, short of the 10 s rule.
    const beatsLate = () =>
      sql(`UPDATE ${schema}.nodes SET heartbeat_at = now() - interval '5 seconds' WHERE id <> 'node-judge'`);
    await beatsLate();
    t.same(await judge.nodes.failOver('node-judge'), [], 'nothing while both hold their locks');

    await gone.close();
    await beatsLate();
    // A judge that has held its lock less than 10 s knows no more than a database that just restarted.
    if (Date.now() - openedAt < 9_000)
      t.same(await judge.nodes.failOver('node-judge'), [], 'not yet: the judge has not held its lock 10 s');
    const ended = await eventually(async () => {
      await beatsLate();
      const ended = await judge.nodes.failOver('node-judge');
      return ended.length > 0 ? ended : undefined;
    }, 30_000);
    t.match(ended, [{ runId: ofGone.record.runId, nodeId: 'node-gone' }], 'the one whose connection closed');
    t.match(await rowOf(schema, ofGone.record.runId), { status: 'interrupted', error_code: 'node_lost' });
    t.equal((await rowOf(schema, ofSlow.record.runId)).status, 'running', 'the one still connected runs on');
    await judge.nodes.heartbeat('node-judge');
    t.match(
      Object.fromEntries((await judge.nodes.list()).map((node) => [node.nodeId, node.state])),
      { 'node-gone': 'dead', 'node-slow': 'alive', 'node-judge': 'alive' },
      'daemon.info judges alike',
    );
  },
);

t.test('a node whose lock connection is cut takes its lock again on a new one', { skip }, async (t) => {
  const { url } = freshSchema(t);
  await openNode(t, url, 'node-cut');
  const pid = await lockHolder('node-cut');
  await sql('SELECT pg_terminate_backend($1)', [pid]);
  const again = await eventually(async () => {
    const holder = await lockHolder('node-cut');
    return holder === pid ? undefined : holder;
  });
  t.not(again, pid, 'held again, by another connection');
});

t.test(
  "a dead node's claims it never made go back to the shared queue; its queued runs it made wait for it",
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const dead = await openNode(t, url, 'node-1');
    const live = await openNode(t, url, 'node-2');
    const [unmade, made] = [waitingRun({ argv: ['sleep', '600'] }), waitingRun({ argv: ['sleep', '600'] })];
    for (const run of [unmade!, made!]) await dead.queue.enqueue(run, 10);
    const claimed = await dead.queue.claim(2);
    const toMake = claimed.find((run) => run.record.runId === made!.record.runId)!;
    await dead.runs.update({
      ...toMake,
      record: { ...toMake.record, runDir: `/runs/${made!.record.runId}` },
    });
    await sql(`UPDATE ${schema}.nodes SET heartbeat_at = now() - interval '11 seconds' WHERE id = 'node-1'`);

    t.same(await live.nodes.failOver('node-2'), [], 'no run ended');
    const rows = await sql<{ id: string; node_id: string | null; epoch: number; run_dir: string }>(
      `SELECT id, node_id, epoch::int, run_dir FROM ${schema}.runs ORDER BY id`,
    );
    t.same(
      rows.map(({ node_id, epoch, run_dir }) => ({ node_id, epoch, run_dir })),
      [
        { node_id: null, epoch: 2, run_dir: '' },
        { node_id: 'node-1', epoch: 1, run_dir: `/runs/${made!.record.runId}` },
      ],
      "the unmade one is no node's again, at a new epoch; the made one stays its node's",
    );
    t.equal((await live.runs.get(unmade!.record.runId))?.nodeId, undefined, 'its record says so');
    t.equal(
      (await live.queue.claimRun(unmade!.record.runId))?.record.nodeId,
      'node-2',
      'and a live node claims it',
    );
  },
);
