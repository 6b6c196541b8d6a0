// Three nodes under load lose their database for a few seconds, as in a restart: every connection cut
// (so every node lock dropped at once), new ones refused, then the database back. No node may take
// another for dead: the long runs run on at their first epoch, every acknowledged run finishes exactly
// once, and each node logs the loss and the return once. The database is cut off for real, by a TCP
// proxy in front of it, as restarting the test server would cut off the tests running beside this one.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { RunyardClient } from 'runyard/client';
import { judgeByLock, nodeIdOf, startLongRun } from '../helpers/cluster.js';
import { databaseProxy } from '../helpers/database-proxy.js';
import { processGone, startDaemon } from '../helpers/daemon.js';
import { eventually, sleep } from '../helpers/poll.js';
import { freshSchema, PG_HOST, PG_PORT, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

// Past the 4 s after which a node with no lock is dead to a judge that has held its own for 10 s, short
// of the 10 s after which any node is dead; heartbeats are retried every half second while they fail.
const OUTAGE_MS = 4_500;

const occurrences = (log: string, message: string) =>
  log.split('\n').filter((line) => line.includes(`"message":"${message}"`)).length;

interface Row {
  id: string;
  status: string;
  epoch: number;
  node_id: string;
  run_dir: string;
  summary_path: string | null;
}

/** Starts `true` runs on the nodes in turn until `stop()`; what was acknowledged and what was refused. */
function load(clients: RunyardClient[]) {
  const acknowledged: string[] = [];
  const refused: string[] = [];
  let isStopped = false;
  const done = (async () => {
    for (let turn = 0; !isStopped; turn++) {
      const client = clients[turn % clients.length]!;
      await client.run.start({ argv: ['true'] }).then(
        ({ runId }) => acknowledged.push(runId),
        (error: { reason?: string }) => {
          refused.push(error.reason ?? String(error));
          return sleep(50);
        },
      );
    }
  })();
  return {
    acknowledged,
    refused,
    stop: async () => {
      isStopped = true;
      await done;
    },
  };
}

t.test(
  'three nodes under load survive a database outage of 4.5 s: no failover, every acknowledged run ends once',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const proxy = await databaseProxy(t);
    const viaProxy = url.replace(`${PG_HOST}:${PG_PORT}`, `127.0.0.1:${proxy.port}`);
    const nodes = [];
    for (let i = 0; i < 3; i++)
      nodes.push(await startDaemon(t, { args: ['--store', viaProxy, '--max-concurrent', '3'] }));
    const clients = await Promise.all(nodes.map((node) => node.client()));
    const longRuns = await Promise.all(clients.map((client) => startLongRun(t, client, schema)));
    const pids = longRuns.map((run) => run.pid);
    // Every node may judge the others by their locks, which the outage is about to drop.
    await judgeByLock(await Promise.all(nodes.map(nodeIdOf)));

    const starts = load(clients);
    await eventually(() => (starts.acknowledged.length >= 15 ? true : undefined), 30_000);
    proxy.down();
    await sleep(OUTAGE_MS);
    const duringOutage = starts.acknowledged.length;
    proxy.up();
    await eventually(() => (starts.acknowledged.length >= duringOutage + 15 ? true : undefined), 60_000);
    await starts.stop();
    t.ok(starts.refused.length > 0, `${starts.refused.length} starts refused while the database was away`);
    t.same([...new Set(starts.refused)], ['store_unavailable'], 'each refused with store_unavailable');

    for (const runId of starts.acknowledged) {
      const run = await clients[0]!.run.wait({ runId, timeoutMs: 60_000 });
      t.equal(run.status, 'succeeded', `${runId} succeeded`);
    }
    const rows = await sql<Row>(
      `SELECT id, status, epoch::int, node_id, run_dir, summary_path FROM ${schema}.runs WHERE id = ANY($1)`,
      [starts.acknowledged],
    );
    t.equal(rows.length, starts.acknowledged.length, 'every acknowledged run is in the database');
    const ids = await Promise.all(nodes.map(nodeIdOf));
    t.same(new Set(rows.map((row) => row.node_id)), new Set(ids), 'spread over the three nodes');
    for (const row of rows) {
      const summary = await eventually(async () => {
        const [{ summary_path }] = await sql<Row>(`SELECT summary_path FROM ${schema}.runs WHERE id = $1`, [
          row.id,
        ]);
        return summary_path ?? undefined;
      });
      const events = (await readFile(join(row.run_dir, 'events.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { type: string; status?: string });
      t.same(
        {
          epoch: row.epoch,
          terminal: events.filter((event) => event.type === 'status' && event.status === 'succeeded').length,
          ends: events.filter((event) => event.type === 'end').length,
          summary: JSON.parse(await readFile(join(row.run_dir, summary), 'utf8')).status,
        },
        { epoch: 1, terminal: 1, ends: 1, summary: 'succeeded' },
        `${row.id}: one terminal status, one end, its summary, at its first epoch`,
      );
    }

    const long = await sql<Row>(`SELECT id, status, epoch::int FROM ${schema}.runs WHERE id = ANY($1)`, [
      longRuns.map((run) => run.runId),
    ]);
    t.same(
      long.map(({ status, epoch }) => ({ status, epoch })),
      longRuns.map(() => ({ status: 'running', epoch: 1 })),
      'no node was taken for dead: the long runs run on, at their first epoch',
    );
    t.ok(
      pids.every((pid) => !processGone(pid)),
      'and their processes too',
    );
    for (const [index, node] of nodes.entries()) {
      const log = node.log();
      t.same(
        {
          lost: occurrences(log, 'database lost'),
          back: occurrences(log, 'database back'),
          lockLost: occurrences(log, 'node lock lost'),
          lockBack: occurrences(log, 'node lock held again'),
          failedOver: occurrences(log, 'ended a run of a dead node'),
          cutOff: occurrences(log, 'database lost too long; stopping runs'),
        },
        { lost: 1, back: 1, lockLost: 1, lockBack: 1, failedOver: 0, cutOff: 0 },
        `node ${index + 1}: each change logged once, nothing failed over, nothing stopped`,
      );
    }
  },
);
