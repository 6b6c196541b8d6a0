// Failover and fencing with real daemons on one schema: a node SIGKILLed, paused (SIGSTOP) or cut off from
// the database past the dead-node threshold has its running runs ended interrupted (node_lost), each
// once; what the node left (processes, run directories) agrees with the database afterwards. Polled by
// outcome with generous deadlines, never timed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { RunRecord, RunyardClient } from 'runyard/client';
import { judgeByLock, nodeIdOf, startLongRun } from '../helpers/cluster.js';
import { databaseProxy } from '../helpers/database-proxy.js';
import { processGone, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, PG_HOST, PG_PORT, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();
// Dead at most 10 s after the last heartbeat, ended within a reaper's beat of that: room to spare on a
// loaded machine.
const FAILOVER_DEADLINE_MS = 60_000;

interface RunRow {
  status: string;
  epoch: number;
  record: string;
  summary_path: string | null;
  process_pid: number | null;
}

const rowOf = async (schema: string, runId: string) =>
  (
    await sql<RunRow>(
      `SELECT status, epoch::int, record, summary_path, process_pid FROM ${schema}.runs WHERE id = $1`,
      [runId],
    )
  )[0]!;

const statusWhen = (client: RunyardClient, runId: string, check: (run: RunRecord) => boolean) =>
  eventually(async () => {
    const run = await client.run.status({ runId });
    return check(run) ? run : undefined;
  }, FAILOVER_DEADLINE_MS);

const isNodeLost = (run: RunRecord) => run.status === 'interrupted' && run.error?.reason === 'node_lost';

/**
 * The run directory agrees with the database: one terminal status and one end in events.jsonl, both
 * the database's, and run.json and retention-summary.json saying the same.
 */
async function assertDirectoryAgrees(t: Test, daemon: TestDaemon, schema: string, runId: string) {
  const row = await eventually(async () => {
    const row = await rowOf(schema, runId);
    return row.summary_path !== null ? row : undefined;
  }, FAILOVER_DEADLINE_MS);
  const record = JSON.parse(row.record) as RunRecord;
  const dir = join(daemon.runsDir, runId);
  const events = (await readFile(join(dir, 'events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; status?: string; reason?: string });
  const terminal = events.filter(
    (event) => event.type === 'status' && !['queued', 'running', 'retrying'].includes(event.status!),
  );
  t.same(
    terminal.map(({ status, reason }) => ({ status, reason })),
    [{ status: row.status, reason: record.error?.reason }],
  );
  t.equal(events.filter((event) => event.type === 'end').length, 1, 'one end event');
  t.equal(events.at(-1)?.type, 'end', 'last');
  const runJson = JSON.parse(await readFile(join(dir, 'run.json'), 'utf8'));
  t.match(runJson, { status: row.status, error: record.error, finishedAt: record.finishedAt });
  const summary = JSON.parse(await readFile(join(dir, row.summary_path!), 'utf8'));
  t.match(summary, { status: row.status });
  return row;
}

t.test(
  "a SIGKILLed node's running run is ended node_lost by one of two others; its restart kills what is left and completes the directory",
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const a = await startDaemon(t, { args: ['--store', url] });
    const c = await startDaemon(t, { args: ['--store', url] });
    const args = ['--store', url, '--max-concurrent', '1'];
    const b = await startDaemon(t, { args });
    const idB = await nodeIdOf(b);
    const clientA = await a.client();
    const clientB = await b.client();
    const long = await startLongRun(t, clientB, schema);
    // b has no slot: a run whose outputDir names a path on its disk waits in its own queue, any other
    // in the cluster's, for a node with a slot.
    const queued = await clientB.run.start({ argv: ['true'], outputDir: 'kept-on-b' });
    const shared = await clientB.run.start({ argv: ['true'] });
    await judgeByLock([await nodeIdOf(a), await nodeIdOf(c)], FAILOVER_DEADLINE_MS);

    await b.stop('SIGKILL');
    const killedAt = Date.now();
    const ended = await statusWhen(clientA, long.runId, (run) => run.status !== 'running');
    t.comment(`SIGKILL to interrupted, seen from the other node: ${Date.now() - killedAt} ms`);
    t.match(ended, {
      status: 'interrupted',
      nodeId: idB,
      error: {
        reason: 'node_lost',
        message: new RegExp(`^node ${idB} stopped answering; its last heartbeat`),
      },
    });
    // By the database's clock: the killed process's connection closed, so it was not judged by the 10 s rule.
    const lastBeat = /last heartbeat was at (\S+)$/.exec(ended.error!.message)![1]!;
    t.ok(
      Date.parse(ended.finishedAt!) - Date.parse(lastBeat) < 10_000,
      `ended ${Date.parse(ended.finishedAt!) - Date.parse(lastBeat)} ms after its last heartbeat, before the heartbeat threshold`,
    );
    await eventually(async () =>
      (await (await c.client()).run.status({ runId: long.runId })).status === 'interrupted'
        ? true
        : undefined,
    );
    const reapers = [a, c].map((node) => node.log().match(/ended a run of a dead node/g)?.length ?? 0);
    t.same(reapers.sort(), [0, 1], 'one of the two live nodes ended it, once');
    t.match(await rowOf(schema, long.runId), { status: 'interrupted', epoch: 2, summary_path: null });
    t.equal((await clientA.run.status({ runId: queued.runId })).status, 'queued', 'its queued run waits');
    t.match(
      await clientA.run.wait({ runId: shared.runId, timeoutMs: 30_000 }),
      { status: 'succeeded', nodeId: new RegExp(`^(${await nodeIdOf(a)}|${await nodeIdOf(c)})$`) },
      "the run it accepted into the cluster's queue ran on another node",
    );
    t.notOk(processGone(long.pid), "the run's process outlived its daemon");

    const restarted = await startDaemon(t, { home: b.home, args });
    const clientRestarted = await restarted.client();
    await eventually(() => (processGone(long.pid) ? true : undefined), FAILOVER_DEADLINE_MS);
    t.pass("the restart killed the run's process group");
    t.equal(
      (await clientRestarted.run.wait({ runId: queued.runId })).status,
      'succeeded',
      'the queued run ran',
    );
    const row = await assertDirectoryAgrees(t, restarted, schema, long.runId);
    t.match(row, { status: 'interrupted', epoch: 2 }, 'the restart changed no status and raised nothing');
    t.match(await clientRestarted.run.status({ runId: long.runId }), {
      status: 'interrupted',
      error: { reason: 'node_lost' },
    });
  },
);

t.test(
  'a node paused past the threshold is fenced off when it resumes: lease lost, its process killed, the verdict kept',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const a = await startDaemon(t, { args: ['--store', url] });
    const b = await startDaemon(t, { args: ['--store', url] });
    const idB = await nodeIdOf(b);
    const clientA = await a.client();
    const long = await startLongRun(t, await b.client(), schema);

    b.child.kill('SIGSTOP');
    t.teardown(() => b.child.kill('SIGCONT'));
    await statusWhen(clientA, long.runId, isNodeLost);
    const verdict = await rowOf(schema, long.runId);
    t.equal(verdict.epoch, 2);
    t.notOk(processGone(long.pid), 'the process runs on while its daemon is paused');

    b.child.kill('SIGCONT');
    await eventually(() => (processGone(long.pid) ? true : undefined), FAILOVER_DEADLINE_MS);
    t.pass('the resumed node killed the process');
    const lines = b
      .log()
      .split('\n')
      .filter((line) => line.includes('lease lost'));
    t.equal(lines.length, 1, 'lease lost, logged once');
    t.match(lines[0], new RegExp(`(?=.*${long.runId})(?=.*${idB})(?=.*"epoch":1)`));
    const row = await assertDirectoryAgrees(t, b, schema, long.runId);
    t.same(
      { status: row.status, epoch: row.epoch, record: row.record },
      { status: verdict.status, epoch: verdict.epoch, record: verdict.record },
      "the database row is still the other node's verdict",
    );
  },
);

t.test(
  'a node cut off from the database too long stops its runs; back, it ends them node_lost itself when no one did',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const proxy = await databaseProxy(t);
    const viaProxy = url.replace(`${PG_HOST}:${PG_PORT}`, `127.0.0.1:${proxy.port}`);
    const b = await startDaemon(t, { args: ['--store', viaProxy, '--max-concurrent', '1'] });
    const clientB = await b.client();
    const long = await startLongRun(t, clientB, schema);
    const queued = await clientB.run.start({ argv: ['true'] });

    proxy.down();
    await eventually(() => (processGone(long.pid) ? true : undefined), FAILOVER_DEADLINE_MS);
    const logged = b.log();
    t.equal(logged.match(/database lost too long; stopping runs/g)?.length, 1, 'logged once');
    t.ok(
      logged.indexOf('heartbeat lost') < logged.indexOf('database lost too long'),
      'after the heartbeat lost',
    );
    t.equal((await rowOf(schema, long.runId)).status, 'running', 'the database has heard nothing yet');

    proxy.up();
    const row = await assertDirectoryAgrees(t, b, schema, long.runId);
    t.match(row, { status: 'interrupted', epoch: 1 }, 'ended by its own node, at its own epoch');
    t.match(JSON.parse(row.record), {
      error: { reason: 'node_lost', message: /could not reach the database for more than 10 s/ },
    });
    t.notMatch(b.log(), /lease lost/);
    t.equal((await clientB.run.wait({ runId: queued.runId })).status, 'succeeded', 'the queued run ran');
    const log = b.log();
    t.ok(
      log.indexOf('heartbeat back') < log.search(new RegExp(`"run started","runId":"${queued.runId}"`)),
      'but not before the database was back: nothing starts while the node is cut off',
    );
  },
);

t.test(
  'a node cut off while another ends its run keeps the other verdict once the database is back',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const proxy = await databaseProxy(t);
    const viaProxy = url.replace(`${PG_HOST}:${PG_PORT}`, `127.0.0.1:${proxy.port}`);
    const a = await startDaemon(t, { args: ['--store', url] });
    const b = await startDaemon(t, { args: ['--store', viaProxy] });
    const long = await startLongRun(t, await b.client(), schema);

    proxy.down();
    await statusWhen(await a.client(), long.runId, isNodeLost);
    await eventually(() => (processGone(long.pid) ? true : undefined), FAILOVER_DEADLINE_MS);
    t.match(b.log(), /database lost too long; stopping runs/);
    const verdict = await rowOf(schema, long.runId);

    proxy.up();
    const row = await assertDirectoryAgrees(t, b, schema, long.runId);
    t.same(
      { status: row.status, epoch: row.epoch, record: row.record },
      { status: verdict.status, epoch: verdict.epoch, record: verdict.record },
      "the other node's verdict stands",
    );
    t.match(JSON.parse(row.record), { error: { message: /stopped answering/ } });
  },
);
