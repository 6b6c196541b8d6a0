// The nodes of a cluster: daemons on one PostgreSQL schema register themselves, beat every 2 s and see
// each other in daemon.info; one killed is judged dead, one stopped cleanly is stopped, a restarted one is
// the same node; every run names the node that runs it. States are polled until they change, never timed.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { ClusterNode, RunyardClient } from 'runyard/client';
import { nodeIdOf } from '../helpers/cluster.js';
import { runCli } from '../helpers/cli.js';
import { databaseProxy } from '../helpers/database-proxy.js';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, PG_HOST, PG_PORT, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();
// A node is dead 10 s after its last heartbeat; polled with room to spare on a loaded machine.
const DEAD_DEADLINE_MS = 60_000;

/** The nodes `client`'s daemon lists, once `check` accepts them. */
const nodesWhen = (client: RunyardClient, check: (nodes: ClusterNode[]) => boolean, deadlineMs?: number) =>
  eventually(async () => {
    const { nodes } = await client.daemon.info();
    return check(nodes) ? nodes : undefined;
  }, deadlineMs);

const stateOf = (nodes: ClusterNode[], nodeId: string) => nodes.find((node) => node.nodeId === nodeId)?.state;

t.test(
  'two daemons on one schema list each other alive; one SIGKILLed is dead, and restarted is the same node',
  { skip },
  async (t) => {
    const { url } = freshSchema(t);
    const args = ['--store', url];
    const a = await startDaemon(t, { args });
    const b = await startDaemon(t, { args });
    const [idA, idB] = [await nodeIdOf(a), await nodeIdOf(b)];
    const clientA = await a.client();
    const infoB = await (await b.client()).daemon.info();
    t.equal(infoB.nodeId, idB);
    t.match(
      infoB.nodes,
      [idA, idB].sort().map((nodeId) => ({ nodeId, state: 'alive' })),
      'b lists both, alive, by node id',
    );
    const nodes = await nodesWhen(clientA, (nodes) => nodes.length === 2);
    t.match(
      nodes.find((node) => node.nodeId === idB),
      { url: b.url, version: infoB.version, state: 'alive' },
      'a sees b at the URL b listens on',
    );

    await b.stop('SIGKILL');
    const afterKill = await nodesWhen(clientA, (nodes) => stateOf(nodes, idB) === 'dead', DEAD_DEADLINE_MS);
    t.equal(stateOf(afterKill, idA), 'alive', 'a itself is still alive');

    const restarted = await startDaemon(t, { home: b.home, args });
    t.equal((await (await restarted.client()).daemon.info()).nodeId, idB, 'the same node id');
    const again = await nodesWhen(clientA, (nodes) => stateOf(nodes, idB) === 'alive');
    t.equal(again.length, 2, 'one row per node, not one per start');
    t.match(
      again.find((node) => node.nodeId === idB),
      { url: restarted.url },
    );
  },
);

t.test(
  'a clean stop marks the node stopped; a run names its node in run.status, run.json and the database',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const advertised = 'wss://node-a.example:7443/rpc';
    const a = await startDaemon(t, { args: ['--store', url, '--advertise-url', advertised] });
    const b = await startDaemon(t, { args: ['--store', url] });
    const [idA, idB] = [await nodeIdOf(a), await nodeIdOf(b)];
    const clientA = await a.client();
    const clientB = await b.client();

    const { runId } = await clientB.run.start({ argv: ['true'] });
    t.equal((await clientB.run.wait({ runId })).nodeId, idB);
    t.equal((await clientB.run.status({ runId })).nodeId, idB, 'run.status names the node that ran it');
    const runJson = JSON.parse(await readFile(join(b.runsDir, runId, 'run.json'), 'utf8'));
    t.equal(runJson.nodeId, idB, 'run.json too');
    t.same(await sql(`SELECT node_id FROM ${schema}.runs WHERE id = $1`, [runId]), [{ node_id: idB }]);

    t.match(
      (await clientB.daemon.info()).nodes.find((node) => node.nodeId === idA),
      { url: advertised, state: 'alive' },
      'a is listed at the URL it advertises',
    );
    const status = await runCli(['status', '--url', a.url, '--token', a.token]);
    t.equal(status.code, 0, status.stderr);
    t.match(status.stdout, /^nodes:$/m, 'runyard status lists the nodes when there are several');
    t.match(
      status.stdout,
      new RegExp(`^${idA} \\*\\s+alive\\s+${advertised.replaceAll('.', '\\.')}\\s`, 'm'),
    );
    t.match(status.stdout, new RegExp(`^${idB}\\s+alive\\s+${b.url}\\s`, 'm'));

    await clientB.close();
    t.equal(await b.stop('SIGTERM'), 0);
    const [row] = await nodesWhen(clientA, (nodes) => stateOf(nodes, idB) !== 'alive').then((nodes) =>
      nodes.filter((node) => node.nodeId === idB),
    );
    t.equal(row?.state, 'stopped', 'stopped, not dead');
    t.ok(Date.parse(row!.lastHeartbeatAt) >= Date.parse(row!.startedAt));
  },
);

t.test(
  'a node cut off from the database logs the heartbeat lost once and back once, and serves on',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const proxy = await databaseProxy(t);
    const viaProxy = url.replace(`${PG_HOST}:${PG_PORT}`, `127.0.0.1:${proxy.port}`);
    t.not(viaProxy, url);
    const cut = await startDaemon(t, { args: ['--store', viaProxy] });
    const watcher = await startDaemon(t, { args: ['--store', url] });
    const idCut = await nodeIdOf(cut);
    const clientCut = await cut.client();
    const clientWatcher = await watcher.client();
    await nodesWhen(clientWatcher, (nodes) => stateOf(nodes, idCut) === 'alive');

    proxy.down();
    await nodesWhen(clientWatcher, (nodes) => stateOf(nodes, idCut) === 'dead', DEAD_DEADLINE_MS);
    t.match(cut.log(), /heartbeat lost/);
    const cutInfo = await clientCut.daemon.info();
    t.equal(cutInfo.nodeId, idCut, 'daemon.info still answers, with the list it last read');
    t.ok(
      cutInfo.nodes.some((node) => node.nodeId === idCut),
      'this node among them',
    );

    proxy.up();
    await nodesWhen(clientWatcher, (nodes) => stateOf(nodes, idCut) === 'alive');
    await eventually(() => (/heartbeat back/.test(cut.log()) ? true : undefined));
    t.equal(cut.log().match(/heartbeat lost/g)?.length, 1, 'lost: one line for many failed beats');
    t.equal(cut.log().match(/heartbeat back/g)?.length, 1, 'back: one line');
    t.same(await sql(`SELECT count(*)::int AS n FROM ${schema}.nodes`), [{ n: 2 }]);
  },
);

t.test(
  "a node starting on the schema recovers only its own runs, never another live node's",
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const args = ['--store', url, '--max-concurrent', '1'];
    const a = await startDaemon(t, { args });
    const clientA = await a.client();
    const running = await clientA.run.start({ argv: ['sleep', '300'] });
    const queued = await clientA.run.start({ argv: ['true'] });
    await eventually(async () =>
      (await clientA.run.status({ runId: running.runId })).status === 'running' ? true : undefined,
    );

    const b = await startDaemon(t, { args });
    t.notMatch(b.log(), /recovered runs/, 'b found nothing of its own to recover');
    t.equal((await clientA.run.status({ runId: running.runId })).status, 'running', "a's run runs on");
    t.equal((await clientA.run.status({ runId: queued.runId })).status, 'queued', 'and its queued run waits');
    t.same(
      await sql(`SELECT status FROM ${schema}.runs ORDER BY id`),
      [{ status: 'running' }, { status: 'queued' }],
      'as the database, which the other nodes read, says too',
    );
    await clientA.run.cancel({ runId: running.runId });
    t.equal((await clientA.run.wait({ runId: running.runId })).error?.reason, 'cancelled');
    t.equal((await clientA.run.wait({ runId: queued.runId })).status, 'succeeded', 'run by a, once');
  },
);
