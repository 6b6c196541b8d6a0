// cluster: daemons on one PostgreSQL schema against as many plain SQLite daemons: trivial runs per second
// for 1, 2 and 3 nodes, and for 3 nodes all given their runs through one (the shared queue), how long a SIGKILLed node's runs take to end, and an event's way from a run on one
// node to a subscriber on another. Needs PostgreSQL (RUNYARD_BENCH_POSTGRES, by default the local server's
// `test` database); each round gets a schema of its own, dropped after. Run it by name: `npm run bench -- cluster`.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { connect, type RunyardClient } from 'runyard/client';
import { startBenchDaemon, type BenchDaemon } from './daemon.js';
import { inParallel } from './spawn.js';
import {
  formatMs,
  formatRate,
  formatRatio,
  higherIsBetter,
  median,
  percentile,
  verdict,
  type BenchRow,
} from './table.js';

const DATABASE = process.env.RUNYARD_BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENCY = 8;
const RUNS_PER_NODE = 200;
const NODE_COUNTS = [1, 2, 3];
// A killed node's runs are to end within 10 s of its death (issue 12).
const FAILOVER_TARGET_MS = 10_000;
const FAILOVER_DEADLINE_MS = 120_000;
const LATENCY_LINES = 100;
const LATENCY_INTERVAL_MS = 20;

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const nodes of NODE_COUNTS) rows.push(await throughput(nodes));
  rows.push(await throughOneNode(NODE_COUNTS.at(-1)!));
  // A cluster that cannot fail over or forward yet still gets its other rows.
  for (const [name, measure] of [
    ['cluster: failover', failover],
    ['cluster: event latency', eventLatency],
  ] as const) {
    rows.push(
      await measure().catch((error: Error) => ({ name, figure: '—', note: `failed: ${error.message}` })),
    );
  }
  return rows;
}

/** A fresh schema for one round, and the --store URL that puts daemons in it. */
async function withSchema<T>(work: (storeUrl: string) => Promise<T>): Promise<T> {
  const schema = `bench_${randomBytes(6).toString('hex')}`;
  const url = new URL(DATABASE);
  url.searchParams.set('schema', schema);
  try {
    return await work(url.toString());
  } finally {
    const admin = new pg.Client({ connectionString: DATABASE });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
  }
}

/** Starts `count` daemons with `args`, connects a client to each, and stops them all after `work`. */
async function withNodes<T>(
  count: number,
  args: string[],
  work: (nodes: { daemon: BenchDaemon; client: RunyardClient }[]) => Promise<T>,
): Promise<T> {
  const daemons: BenchDaemon[] = [];
  const clients: RunyardClient[] = [];
  try {
    // One after another: the first applies the migrations, the others find them applied.
    for (let i = 0; i < count; i++) daemons.push(await startBenchDaemon(args));
    for (const daemon of daemons) clients.push(await connect({ url: daemon.url, token: daemon.token }));
    return await work(daemons.map((daemon, i) => ({ daemon, client: clients[i]! })));
  } finally {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(daemons.map((daemon) => daemon.stop()));
  }
}

/**
 * Runs per second with `count` nodes, given RUNS_PER_NODE trivial runs a node: each node by its own
 * client, or (`throughFirst`) all of them through the first node's, CONCURRENCY a node at once, so that
 * the runs the first node has no slot for wait in the shared queue for the others. Also how many runs
 * each node ran.
 */
async function runsPerSecond(
  count: number,
  args: string[],
  throughFirst = false,
): Promise<{ rate: number; ranBy: number[] }> {
  return withNodes(count, [...args, '--max-concurrent', String(CONCURRENCY)], async (nodes) => {
    const ids = await Promise.all(nodes.map(async ({ client }) => (await client.daemon.info()).nodeId));
    const ranBy = ids.map(() => 0);
    const oneRun = (client: RunyardClient) => async () => {
      const { runId } = await client.run.start({ argv: ['/bin/true'] });
      const { status, nodeId } = await client.run.wait({ runId });
      if (status !== 'succeeded') throw new Error(`run ${runId} ended ${status}`);
      ranBy[ids.indexOf(nodeId ?? '')]++;
    };
    const load = (runsPerNode: number) =>
      throughFirst
        ? inParallel(count * runsPerNode, count * CONCURRENCY, oneRun(nodes[0]!.client))
        : Promise.all(nodes.map(({ client }) => inParallel(runsPerNode, CONCURRENCY, oneRun(client))));
    await load(CONCURRENCY * 2);
    ranBy.fill(0);
    const started = performance.now();
    await load(RUNS_PER_NODE);
    return { rate: (count * RUNS_PER_NODE * 1_000) / (performance.now() - started), ranBy };
  });
}

async function throughput(count: number): Promise<BenchRow> {
  const ours = (await withSchema((store) => runsPerSecond(count, ['--store', store]))).rate;
  const theirs = (await runsPerSecond(count, [])).rate;
  return {
    name: `cluster: trivial runs, ${count} node${count > 1 ? 's' : ''} on PostgreSQL`,
    figure: formatRate(ours, 'runs/s'),
    baseline: formatRate(theirs, 'runs/s'),
    ratio: formatRatio(higherIsBetter(ours, theirs)),
    note: `baseline: ${count} SQLite daemon${count > 1 ? 's' : ''}, same load (concurrency ${CONCURRENCY} each); all on this machine's 2 cores`,
  };
}

/** `count` nodes given all their runs through one: what the shared queue costs against spread clients. */
async function throughOneNode(count: number): Promise<BenchRow> {
  const ours = await withSchema((store) => runsPerSecond(count, ['--store', store], true));
  const theirs = (await runsPerSecond(count, [])).rate;
  return {
    name: `cluster: trivial runs, ${count} nodes, every start through one`,
    figure: formatRate(ours.rate, 'runs/s'),
    baseline: formatRate(theirs, 'runs/s'),
    ratio: formatRatio(higherIsBetter(ours.rate, theirs)),
    note:
      `ran ${ours.ranBy.join(' / ')} of ${count * RUNS_PER_NODE} on the ${count} nodes; concurrency ` +
      `${count * CONCURRENCY} through the first; baseline: ${count} SQLite daemons, each its own client`,
  };
}

/**
 * From the SIGKILL of a node with runs in flight to the last of them ended, as another node sees it, and
 * the two parts of that: until the survivor judges the node dead (4 s after its last heartbeat, which is
 * up to 2 s older than the kill, once its node lock is free), and from then until the runs have ended.
 * The survivor has held its own node lock for 10 s first, as in a cluster that has been up a while: a
 * node judges by locks only from then on (docs/cluster.md, "Node lock").
 */
async function failover(): Promise<BenchRow> {
  const { dead, ended } = await withSchema((store) =>
    withNodes(2, ['--store', store, '--max-concurrent', String(CONCURRENCY)], async ([survivor, victim]) => {
      const runIds = await Promise.all(
        Array.from(
          { length: 4 },
          async () => (await victim!.client.run.start({ argv: ['sleep', '600'] })).runId,
        ),
      );
      for (const runId of runIds) await untilStatus(victim!.client, runId, ['running']);
      const { nodeId } = await victim!.client.daemon.info();
      await untilLockHeldFor(store, (await survivor!.client.daemon.info()).nodeId, 11);
      const killed = performance.now();
      victim!.daemon.child.kill('SIGKILL');
      const judged = (async () => {
        while (
          (await survivor!.client.daemon.info()).nodes.find((node) => node.nodeId === nodeId)?.state !==
          'dead'
        )
          await sleep(50);
        return performance.now() - killed;
      })();
      for (const runId of runIds)
        await untilStatus(survivor!.client, runId, ['interrupted', 'queued', 'retrying'], killed);
      return { dead: await judged, ended: performance.now() - killed };
    }),
  );
  return {
    name: 'cluster: SIGKILL of a node to its runs ended elsewhere',
    figure: formatMs(ended),
    target: `< ${FAILOVER_TARGET_MS / 1_000} s`,
    note:
      `${verdict(ended < FAILOVER_TARGET_MS)}; 4 running runs, ended interrupted (node_lost) ` +
      `${formatMs(ended - dead)} after the node was judged dead, ${formatMs(dead)} after the kill ` +
      '(dead = 4 s without a heartbeat, its node lock free)',
  };
}

/** Waits until the node's lock connection (its node lock) has been open `seconds`, by the server's clock. */
async function untilLockHeldFor(store: string, nodeId: string, seconds: number): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE });
  await admin.connect();
  try {
    const schema = new URL(store).searchParams.get('schema');
    for (;;) {
      const { rows } = await admin.query(
        `SELECT FROM pg_locks l JOIN pg_stat_activity a USING (pid)
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
           AND l.classid = hashtext('runyard node ' || $1::text)::oid AND l.objid = hashtext($2)::oid
           AND a.backend_start < now() - make_interval(secs => $3)`,
        [schema, nodeId, seconds],
      );
      if (rows.length > 0) return;
      await sleep(100);
    }
  } finally {
    await admin.end();
  }
}

async function untilStatus(
  client: RunyardClient,
  runId: string,
  statuses: string[],
  since = performance.now(),
) {
  for (;;) {
    const { status, error } = await client.run.status({ runId });
    if (statuses.includes(status)) return;
    if (performance.now() - since > FAILOVER_DEADLINE_MS)
      throw new Error(
        `run ${runId} is ${status}${error ? ` (${error.reason}: ${error.message})` : ''}, ` +
          `not ${statuses.join(' or ')}, after ${FAILOVER_DEADLINE_MS} ms`,
      );
    await sleep(50);
  }
}

/**
 * A run on node B prints the time every LATENCY_INTERVAL_MS; a subscriber on node A and one on B itself
 * take the difference to when the line reaches them. Both clocks are this machine's.
 */
async function eventLatency(): Promise<BenchRow> {
  const [remote, local] = await withSchema((store) =>
    withNodes(2, ['--store', store], async ([a, b]) => {
      // A second's wait first, so that both subscribers are live before the first line.
      const script =
        `setTimeout(() => { let n = 0; const t = setInterval(() => { console.log(performance.timeOrigin + performance.now()); ` +
        `if (++n === ${LATENCY_LINES}) clearInterval(t); }, ${LATENCY_INTERVAL_MS}); }, 1000);`;
      const { runId } = await b!.client.run.start({ argv: [process.execPath, '-e', script] });
      return Promise.all([lineLatencies(a!.client, runId), lineLatencies(b!.client, runId)]);
    }),
  );
  const p50 = (values: number[]) => median(values);
  const p99 = (values: number[]) =>
    percentile(
      [...values].sort((x, y) => x - y),
      0.99,
    );
  return {
    name: 'cluster: output event, run on node B to a subscriber on node A (p50 / p99)',
    figure: `${formatMs(p50(remote))} / ${formatMs(p99(remote))}`,
    baseline: `${formatMs(p50(local))} / ${formatMs(p99(local))}`,
    ratio: formatRatio(p50(local) / p50(remote)),
    note: `baseline: a subscriber on node B itself; ${LATENCY_LINES} lines, one every ${LATENCY_INTERVAL_MS} ms`,
  };
}

async function lineLatencies(client: RunyardClient, runId: string): Promise<number[]> {
  const latencies: number[] = [];
  let partial = '';
  for await (const event of client.run.follow(runId, { fromSeq: 1 })) {
    if (event.type !== 'output' || event.stream !== 'stdout') continue;
    const lines = (partial + event.text).split('\n');
    partial = lines.pop()!;
    const now = performance.timeOrigin + performance.now();
    for (const line of lines) latencies.push(now - Number(line));
  }
  if (latencies.length !== LATENCY_LINES)
    throw new Error(`got ${latencies.length} lines of ${LATENCY_LINES}`);
  return latencies;
}
