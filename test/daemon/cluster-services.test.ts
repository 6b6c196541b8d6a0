// Services in a cluster, with real daemons on one schema: one node supervises each started service (its
// lease), calls through any other node are forwarded to it, and when it dies, is paused past the dead-node
// threshold or shuts down, another node supervises the service and its runs run again, one set at a time.
// Polled by outcome with generous deadlines, never timed.
import t, { type Test } from 'tap';
import { NodeUnavailableError, type RunyardClient, type ServiceStatus } from 'runyard/client';
import { nodeIdOf } from '../helpers/cluster.js';
import { processGone, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();
// Dead 10 s after the last heartbeat, taken over at a live node's next beat: room to spare on a loaded machine.
const TAKEOVER_DEADLINE_MS = 60_000;

interface RunRow {
  id: string;
  node_id: string;
  status: string;
  process_pid: number | null;
}

/** The service's runs, oldest first. */
const runsOf = (schema: string, service: string) =>
  sql<RunRow>(
    `SELECT id, node_id, status, process_pid FROM ${schema}.runs WHERE service_id = $1 ORDER BY id`,
    [service],
  );

const isActive = (run: RunRow) => ['queued', 'running', 'retrying'].includes(run.status);

const leaseOf = async (schema: string, service: string) =>
  (
    await sql<{ node_id: string | null; is_wanted: boolean }>(
      `SELECT node_id, is_wanted FROM ${schema}.service_leases WHERE service = $1`,
      [service],
    )
  )[0];

/** A service `web` of one action that runs `sleep 600` and is restarted whatever its end. */
async function defineWeb(client: RunyardClient) {
  await client.action.set({ name: 'sleeper', argv: ['sleep', '600'] });
  await client.service.set({ name: 'web', actions: [{ action: 'sleeper', restart: 'always' }] });
}

/** The service's status; undefined while its supervisor is dead or paused but not yet judged so. */
const statusNow = (client: RunyardClient) =>
  client.service.status({ name: 'web' }).catch((error: unknown) => {
    if (error instanceof NodeUnavailableError) return undefined;
    throw error;
  });

/** The service's one run, once its process runs: killed with the test, as a killed daemon leaves it. */
async function runningRun(t: Test, client: RunyardClient, nodeId: string): Promise<ServiceStatus> {
  const status = await eventually(async () => {
    const status = await statusNow(client);
    if (!status) return undefined;
    return status.nodeId === nodeId && status.state === 'running' && status.actions[0]?.pid
      ? status
      : undefined;
  }, TAKEOVER_DEADLINE_MS);
  const pid = status.actions[0]!.pid!;
  t.teardown(() => {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone already, as it should be
    }
  });
  return status;
}

/** What two answers about one service must agree on (uptime moves on between them). */
const seen = ({ name, state, nodeId, actions }: ServiceStatus) => ({
  name,
  state,
  nodeId,
  actions: actions.map(({ runId, status, pid, restarts }) => ({ runId, status, pid, restarts })),
});

async function twoNodes(t: Test) {
  const { schema, url } = freshSchema(t);
  const a = await startDaemon(t, { args: ['--store', url] });
  const b = await startDaemon(t, { args: ['--store', url] });
  const [idA, idB] = await Promise.all([nodeIdOf(a), nodeIdOf(b)]);
  const [clientA, clientB] = await Promise.all([a.client(), b.client()]);
  return { schema, url, a, b, idA, idB, clientA, clientB };
}

t.test(
  'service.start through two nodes at once makes one supervisor and one set of runs, and both answer alike',
  { skip },
  async (t) => {
    const { schema, idA, idB, clientA, clientB } = await twoNodes(t);
    await defineWeb(clientA);

    const started = await Promise.all([
      clientA.service.start({ name: 'web' }),
      clientB.service.start({ name: 'web' }),
    ]);
    const supervisor = started[0].nodeId!;
    t.ok([idA, idB].includes(supervisor), 'a node of the cluster supervises');
    t.equal(started[1].nodeId, supervisor, 'the same one, whichever node was asked');
    const status = await runningRun(t, clientA, supervisor);
    t.same(
      seen(await clientB.service.status({ name: 'web' })),
      seen(status),
      'status agrees from either node',
    );
    const runs = await runsOf(schema, 'web');
    t.same(
      runs.filter(isActive).map((run) => ({ id: run.id, node: run.node_id })),
      [{ id: status.actions[0]!.runId, node: supervisor }],
      "one run, on the supervisor's node",
    );

    const other = supervisor === idA ? clientB : clientA;
    const stopped = await other.service.stop({ name: 'web' });
    t.match(
      stopped,
      { state: 'stopped', nodeId: supervisor },
      'a stop through the other node, at the supervisor',
    );
    t.match(await clientA.run.status({ runId: status.actions[0]!.runId! }), { status: 'cancelled' });
    t.match(
      await leaseOf(schema, 'web'),
      { node_id: supervisor, is_wanted: false },
      'no longer wanted running',
    );
    t.equal((await clientB.service.status({ name: 'web' })).state, 'stopped');
  },
);

t.test(
  'when the supervisor is SIGKILLed, one of two other nodes supervises the service and its run runs again',
  { skip },
  async (t) => {
    const { schema, url, a, b, idA, clientA } = await twoNodes(t);
    const c = await startDaemon(t, { args: ['--store', url] });
    const idC = await nodeIdOf(c);
    const clientC = await c.client();
    await defineWeb(clientA);
    await clientA.service.start({ name: 'web' });
    const before = await runningRun(t, clientA, idA);

    await a.stop('SIGKILL');
    const killedAt = Date.now();
    const error = await clientC.service.status({ name: 'web' }).then(
      () => undefined,
      (error: unknown) => error,
    );
    t.type(error, NodeUnavailableError, 'its supervisor unreachable, not yet judged dead: node_unavailable');
    t.match((error as NodeUnavailableError).data, { nodeId: idA, service: 'web', subject: 'service web' });

    const after = await eventually(async () => {
      const status = await statusNow(clientC);
      if (!status) return undefined;
      return status.nodeId !== idA && status.state === 'running' && status.actions[0]?.pid
        ? status
        : undefined;
    }, TAKEOVER_DEADLINE_MS);
    t.comment(`SIGKILL to the service running on another node: ${Date.now() - killedAt} ms`);
    const taker = after.nodeId!;
    await runningRun(t, clientC, taker);
    t.not(after.actions[0]!.runId, before.actions[0]!.runId, 'a fresh run');
    t.match(await clientC.run.status({ runId: before.actions[0]!.runId! }), {
      status: 'interrupted',
      nodeId: idA,
      error: { reason: 'node_lost' },
    });
    t.same(
      (await runsOf(schema, 'web')).map((run) => ({ node: run.node_id, active: isActive(run) })),
      [
        { node: idA, active: false },
        { node: taker, active: true },
      ],
      "the dead node's run ended, one new run on the node that took over",
    );
    t.match(await leaseOf(schema, 'web'), { node_id: taker, is_wanted: true });
    t.match((taker === idC ? c : b).log(), /took over a service whose supervisor is gone/);
  },
);

t.test(
  'a supervisor paused past the dead-node threshold and resumed has lost the service: one supervisor, its run stopped',
  { skip },
  async (t) => {
    const { schema, a, b, idA, idB, clientA, clientB } = await twoNodes(t);
    await defineWeb(clientA);
    await clientA.service.start({ name: 'web' });
    const before = await runningRun(t, clientA, idA);
    const pausedPid = before.actions[0]!.pid!;

    a.child.kill('SIGSTOP');
    t.teardown(() => a.child.kill('SIGCONT'));
    const after = await runningRun(t, clientB, idB);
    t.notOk(processGone(pausedPid), "the paused node's run process runs on meanwhile");

    a.child.kill('SIGCONT');
    await eventually(() => (processGone(pausedPid) ? true : undefined), TAKEOVER_DEADLINE_MS);
    t.pass('the resumed node stopped its run of the service');
    await eventually(() => (a.log().includes('service lease lost') ? true : undefined), TAKEOVER_DEADLINE_MS);
    // Two more heartbeats of the resumed node, each followed by its lease checks: time for a second
    // supervisor to show itself, had there been one.
    const beatsOf = async () =>
      (await sql<{ at: Date }>(`SELECT heartbeat_at AS at FROM ${schema}.nodes WHERE id = $1`, [idA]))[0]!.at;
    const first = await beatsOf();
    await eventually(async () => ((await beatsOf()) > first ? true : undefined), TAKEOVER_DEADLINE_MS);
    const second = await beatsOf();
    await eventually(async () => ((await beatsOf()) > second ? true : undefined), TAKEOVER_DEADLINE_MS);

    t.same(
      seen(await clientA.service.status({ name: 'web' })),
      seen(await clientB.service.status({ name: 'web' })),
    );
    t.match(await clientA.service.status({ name: 'web' }), { nodeId: idB, state: 'running' }, 'b supervises');
    t.same(
      (await runsOf(schema, 'web')).map((run) => ({ node: run.node_id, active: isActive(run) })),
      [
        { node: idA, active: false },
        { node: idB, active: true },
      ],
      'one run of the service runs, on b',
    );
    t.equal((await runsOf(schema, 'web')).find(isActive)?.id, after.actions[0]!.runId);
    t.notMatch(a.log(), /took over a service/, 'a never took it back');
    t.ok(b.log().includes('took over a service whose supervisor is gone'));
  },
);

t.test(
  "a supervisor's clean shutdown hands the service back, and another node supervises it at its next heartbeat",
  { skip },
  async (t) => {
    const { schema, a, idA, idB, clientA, clientB } = await twoNodes(t);
    await defineWeb(clientA);
    await clientA.service.start({ name: 'web' });
    const before = await runningRun(t, clientA, idA);

    t.equal(await a.stop('SIGTERM'), 0);
    t.match(await leaseOf(schema, 'web'), { is_wanted: true }, 'still wanted running');
    const after = await runningRun(t, clientB, idB);
    t.match(await clientB.run.status({ runId: before.actions[0]!.runId! }), {
      status: 'cancelled',
      error: { reason: 'daemon_shutdown' },
    });
    t.equal((await runsOf(schema, 'web')).filter(isActive).length, 1, 'one run, the new one');
    t.not(after.actions[0]!.runId, before.actions[0]!.runId);
  },
);

t.test('two nodes starting together autostart a marked service once', { skip }, async (t) => {
  const { schema, url } = freshSchema(t);
  const first = await startDaemon(t, { args: ['--store', url] });
  const client = await first.client();
  await client.action.set({ name: 'sleeper', argv: ['sleep', '600'] });
  await client.service.set({ name: 'web', actions: [{ action: 'sleeper' }], autostart: true });
  const home = first.home;
  await first.stop('SIGTERM');

  const [a, b] = await Promise.all([
    startDaemon(t, { home, args: ['--store', url] }),
    startDaemon(t, { args: ['--store', url] }),
  ]);
  const started = /started the services marked autostart/;
  const leftToOther = /a service marked autostart is supervised by another node/;
  await eventually(() =>
    (started.test(a.log()) && leftToOther.test(b.log())) ||
    (started.test(b.log()) && leftToOther.test(a.log()))
      ? true
      : undefined,
  );
  const supervisor = started.test(a.log()) ? a : b;
  const status = await runningRun(t, await (supervisor === a ? b : a).client(), await nodeIdOf(supervisor));
  t.same(
    (await runsOf(schema, 'web')).filter(isActive).map((run) => run.id),
    [status.actions[0]!.runId],
    'one run of the service',
  );
});

t.test(
  'a supervisor killed and restarted before it is judged dead gives its services up, and one node supervises them again',
  { skip },
  async (t) => {
    const { schema, url, a, idA, clientA, clientB } = await twoNodes(t);
    await defineWeb(clientA);
    await clientA.service.start({ name: 'web' });
    const before = await runningRun(t, clientA, idA);

    await a.stop('SIGKILL');
    const again = await startDaemon(t, { home: a.home, args: ['--store', url] });
    t.equal(await nodeIdOf(again), idA, 'the same node, alive again within the threshold');
    const after = await eventually(async () => {
      const status = await statusNow(clientB);
      return status?.state === 'running' && status.actions[0]?.pid ? status : undefined;
    }, TAKEOVER_DEADLINE_MS);
    await runningRun(t, clientB, after.nodeId!);
    t.not(after.actions[0]!.runId, before.actions[0]!.runId, 'started again, with a fresh run');
    t.same(
      (await runsOf(schema, 'web')).filter(isActive).map((run) => run.id),
      [after.actions[0]!.runId],
      'one run of the service',
    );
    t.match(await clientB.run.status({ runId: before.actions[0]!.runId! }), {
      status: 'interrupted',
      error: { reason: 'daemon_restart' },
    });
  },
);

t.test(
  'a service run its supervisor left queued is cancelled when that node starts again, and never runs beside the new one',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const args = ['--store', url, '--max-concurrent', '1'];
    const a = await startDaemon(t, { args });
    const b = await startDaemon(t, { args: ['--store', url] });
    const idA = await nodeIdOf(a);
    const [clientA, clientB] = await Promise.all([a.client(), b.client()]);
    await defineWeb(clientA);
    // The one slot of node a taken, so the service's run waits in its queue.
    const { runId: blocker } = await clientA.run.start({ argv: ['sleep', '600'] });
    await eventually(async () =>
      (await clientA.run.status({ runId: blocker })).status === 'running' ? true : undefined,
    );
    const started = await clientA.service.start({ name: 'web' });
    const queued = started.actions[0]!.runId!;
    t.match(await clientA.run.status({ runId: queued }), { status: 'queued', nodeId: idA });

    await a.stop('SIGKILL');
    await startDaemon(t, { home: a.home, args });
    const after = await eventually(async () => {
      const status = await statusNow(clientB);
      return status?.state === 'running' && status.actions[0]?.pid ? status : undefined;
    }, TAKEOVER_DEADLINE_MS);
    await runningRun(t, clientB, after.nodeId!);
    t.match(await clientB.run.status({ runId: queued }), {
      status: 'cancelled',
      error: { message: /supervised afresh/ },
    });
    t.same(
      (await runsOf(schema, 'web')).filter(isActive).map((run) => run.id),
      [after.actions[0]!.runId],
      'one run of the service, the new one',
    );
  },
);
