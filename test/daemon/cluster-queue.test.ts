// The cluster's shared queue: a run a node has no slot for waits in PostgreSQL, in priority order, with
// its place in the queue the same from every node, until any node with a free slot claims it; waits,
// follows and cancels of a run no node has claimed yet work from any node, and a start acknowledged by a
// node that then dies is still run by another.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { RpcError, type FollowedEvent, type RunyardClient } from 'runyard/client';
import { nodeIdOf, startLongRun } from '../helpers/cluster.js';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { freshSchema, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

/** Nodes of one slot each on a fresh schema, each busy with a long run, and a client of each. */
async function busyNodes(t: Test, count: number, args: string[] = []) {
  const { schema, url } = freshSchema(t);
  const nodes = await Promise.all(
    Array.from({ length: count }, () =>
      startDaemon(t, { args: ['--store', url, '--max-concurrent', '1', ...args] }),
    ),
  );
  const clients = await Promise.all(nodes.map((node) => node.client()));
  const ids = await Promise.all(nodes.map(nodeIdOf));
  const long = [];
  for (const client of clients) long.push(await startLongRun(t, client, schema));
  return { schema, nodes, clients, ids, long };
}

async function collect(events: AsyncIterable<FollowedEvent>): Promise<FollowedEvent[]> {
  const seen: FollowedEvent[] = [];
  for await (const event of events) seen.push(event);
  return seen;
}

/** The statuses a run's own events.jsonl holds, in order. */
const statusesOnDisk = async (runDir: string) =>
  (await readFile(join(runDir, 'events.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { type: string; status?: string })
    .filter((event) => event.type === 'status')
    .map((event) => event.status);

const errorOf = (call: Promise<unknown>) =>
  call.then(
    () => undefined,
    (error: unknown) => error as RpcError,
  );

t.test(
  'runs no node has a slot for wait in the shared queue, in priority order, and are claimed as slots free',
  { skip },
  async (t) => {
    const { clients, ids, long } = await busyNodes(t, 2, ['--max-queued', '4']);
    const [a, b] = clients as [RunyardClient, RunyardClient];
    const echo = (text: string) => ['sh', '-c', `sleep 0.2; echo ${text}`];
    const first = await a.run.start({ argv: echo('first') });
    const urgent = await a.run.start({ argv: echo('urgent'), priority: 5 });
    const doomed = await b.run.start({ argv: echo('never') });
    t.match(first, { status: 'queued', runDir: '', cwd: '', queuePosition: 1 }, 'no node has made it yet');
    t.notOk('nodeId' in first, 'nor claimed it');

    // The same idempotency key through both nodes at once is one run.
    const [keyed, again] = await Promise.all([
      a.run.start({ argv: echo('keyed'), idempotencyKey: 'one' }),
      b.run.start({ argv: echo('keyed'), idempotencyKey: 'one' }),
    ]);
    t.equal(again.runId, keyed.runId, 'one run for one key, across the cluster');
    const full = await errorOf(a.run.start({ argv: echo('too many') }));
    t.match(
      full,
      { reason: 'queue_full' },
      'a fifth waiting run is refused: --max-queued counts the cluster',
    );

    const positions = async (client: RunyardClient) =>
      Promise.all(
        [urgent, first, doomed, keyed].map(
          async (run) => (await client.run.status({ runId: run.runId })).queuePosition,
        ),
      );
    t.same(await positions(a), [1, 2, 3, 4], 'priority first, then age');
    t.same(await positions(b), [1, 2, 3, 4], 'the same from the other node');

    // Followed and awaited through b before any node has claimed them.
    const followed = collect(b.run.follow(first.runId, { fromSeq: 1 }));
    // ... and through a, which claims it itself: relayed from a to a.
    const followedHere = collect(a.run.follow(keyed.runId, { fromSeq: 1 }));
    const awaited = b.run.wait({ runId: urgent.runId, timeoutMs: 60_000 });
    const quick = await b.run.wait({ runId: first.runId, timeoutMs: 300 });
    t.match(quick, { status: 'queued', runDir: '' }, 'a wait that times out in the queue answers as it is');

    const cancelled = await b.run.cancel({ runId: doomed.runId });
    t.match(
      cancelled,
      { status: 'cancelled', nodeId: ids[1] },
      'a cancel claims the run, and ends it, there',
    );
    t.same(await statusesOnDisk(cancelled.runDir), ['queued', 'cancelled'], 'with its directory');

    // a's slot frees: it claims the urgent run first, then the others, one at a time.
    await a.run.cancel({ runId: long[0]!.runId });
    const done = await awaited;
    t.match(done, { status: 'succeeded', nodeId: ids[0] }, 'the urgent run ran on the node that had a slot');
    const events = await followed;
    t.same(
      events.filter((event) => event.type === 'status').map((event) => (event as { status: string }).status),
      ['queued', 'running', 'succeeded'],
      'the follow got every status',
    );
    t.same(
      events.map((event) => event.seq),
      events.map((_, index) => index + 1),
      'every event, in order, from seq 1',
    );
    t.match(
      events
        .filter((event) => event.type === 'output')
        .map((event) => (event as { text?: string }).text)
        .join(''),
      'first',
      'and the output',
    );
    const ran = await Promise.all(
      [first, keyed].map((run) => a.run.wait({ runId: run.runId, timeoutMs: 60_000 })),
    );
    for (const run of ran) {
      t.match(run, { status: 'succeeded', nodeId: ids[0] });
      t.same(await statusesOnDisk(run.runDir), ['queued', 'running', 'succeeded'], 'one terminal status');
    }
    t.same(
      (await followedHere)
        .filter((event) => event.type === 'status')
        .map((event) => (event as { status: string }).status),
      ['queued', 'running', 'succeeded'],
      'a follow through the node that claims the run gets every status too',
    );
    const finished = await a.run.status({ runId: urgent.runId });
    t.ok(
      finished.finishedAt! <= ran[0]!.startedAt!,
      'the urgent run had finished before the older one started',
    );
    await b.run.cancel({ runId: long[1]!.runId });
  },
);

t.test('a start acknowledged by a node that then dies is run by another node', { skip }, async (t) => {
  const { schema, nodes, clients, ids, long } = await busyNodes(t, 2);
  const accepted = await clients[0]!.run.start({ argv: ['echo', 'survived'] });
  t.match(accepted, { status: 'queued', runDir: '' });
  await nodes[0]!.stop('SIGKILL');
  await clients[1]!.run.cancel({ runId: long[1]!.runId });
  const run = await clients[1]!.run.wait({ runId: accepted.runId, timeoutMs: 60_000 });
  t.match(run, { status: 'succeeded', nodeId: ids[1] }, 'the other node claimed and ran it');
  const [row] = await sql<{ epoch: string }>(`SELECT epoch FROM ${schema}.runs WHERE id = $1`, [run.runId]);
  t.equal(row!.epoch, '1', 'claimed once');
  const log = await eventually(async () => {
    const text = (await clients[1]!.run.logs({ runId: run.runId })).text;
    return text === '' ? undefined : text;
  });
  t.equal(log, 'survived\n');
});

t.test('a burst of starts on one node waits in the shared queue for every node', { skip }, async (t) => {
  const { url } = freshSchema(t);
  const a = await startDaemon(t, { args: ['--store', url, '--max-concurrent', '1'] });
  const b = await startDaemon(t, { args: ['--store', url, '--max-concurrent', '4'] });
  const [clientA, idA, idB] = [await a.client(), await nodeIdOf(a), await nodeIdOf(b)];
  const runs = await Promise.all(
    Array.from({ length: 6 }, () => clientA.run.start({ argv: ['sh', '-c', 'sleep 0.5; echo done'] })),
  );
  t.equal(
    runs.filter((run) => run.runDir !== '').length,
    1,
    "one for a's one slot, the rest for the cluster",
  );
  const ended = await Promise.all(
    runs.map((run) => clientA.run.wait({ runId: run.runId, timeoutMs: 60_000 })),
  );
  const ranOn = (nodeId: string) => ended.filter((run) => run.nodeId === nodeId).length;
  t.ok(ranOn(idA) >= 1 && ranOn(idB) >= 1, `ran on both nodes (a ${ranOn(idA)}, b ${ranOn(idB)})`);
  t.equal(ranOn(idA) + ranOn(idB), 6);
  for (const run of ended) {
    t.equal(run.status, 'succeeded');
    t.same(await statusesOnDisk(run.runDir), ['queued', 'running', 'succeeded'], 'one terminal status');
  }
  // Many starts, each waited for at once, through a node with one slot: every wait answers with the end,
  // wherever the run went (a wait that reaches a claimer while it makes the run waits for it too).
  const quick = await Promise.all(
    Array.from({ length: 40 }, async () => {
      const { runId } = await clientA.run.start({ argv: ['true'] });
      return clientA.run.wait({ runId, timeoutMs: 60_000 });
    }),
  );
  t.same(
    quick.filter((run) => run.status !== 'succeeded').map((run) => run.status),
    [],
    'every wait answered with the end',
  );
});

t.test(
  'a node killed between a claim and its directory hands the run back when it starts again',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const args = ['--store', url, '--max-concurrent', '1'];
    const a = await startDaemon(t, { args });
    const idA = await nodeIdOf(a);
    const long = await startLongRun(t, await a.client(), schema);
    const waiting = await (await a.client()).run.start({ argv: ['echo', 'made at last'] });
    await a.stop('SIGKILL');
    // As a claim leaves it: a's, at a new epoch, its directory half made and not yet recorded.
    await sql(
      `UPDATE ${schema}.runs SET node_id = $2, epoch = epoch + 1,
       record = (record::jsonb || jsonb_build_object('nodeId', $2::text))::text WHERE id = $1`,
      [waiting.runId, idA],
    );
    const halfMade = join(a.runsDir, waiting.runId);
    await mkdir(halfMade, { recursive: true });
    await writeFile(join(halfMade, 'events.jsonl'), '');
    process.kill(-long.pid, 'SIGKILL');

    const restarted = await startDaemon(t, { home: a.home, args });
    const client = await restarted.client();
    const run = await client.run.wait({ runId: waiting.runId, timeoutMs: 60_000 });
    t.match(run, { status: 'succeeded', nodeId: idA }, 'handed back, then claimed and run');
    t.same(
      await statusesOnDisk(run.runDir),
      ['queued', 'running', 'succeeded'],
      'in a directory made afresh',
    );
    const [row] = await sql<{ epoch: string }>(`SELECT epoch FROM ${schema}.runs WHERE id = $1`, [run.runId]);
    t.equal(row!.epoch, '3', 'the claim that died, the hand-back, the claim that ran it');
  },
);

t.test(
  'a waiting run whose cwd is gone by the time a node claims it fails to start there, once',
  { skip },
  async (t) => {
    const { clients, long } = await busyNodes(t, 1);
    const client = clients[0]!;
    const parent = await mkdtemp(join(tmpdir(), 'runyard-cwd-'));
    t.teardown(() => rm(parent, { recursive: true, force: true }));
    const cwd = join(parent, 'here');
    await mkdir(cwd);
    const waiting = await client.run.start({ argv: ['pwd'], cwd });
    t.match(waiting, { status: 'queued', runDir: '' }, 'checked as this node would run it, and queued');
    await rm(cwd, { recursive: true });
    await client.run.cancel({ runId: long[0]!.runId });
    const run = await client.run.wait({ runId: waiting.runId, timeoutMs: 60_000 });
    t.match(
      run,
      { status: 'failed', cwd, error: { reason: 'spawn_failed' } },
      'its start failed, as a spawn does',
    );
    t.same(
      await statusesOnDisk(run.runDir),
      ['queued', 'running', 'failed'],
      'with its directory, ended once',
    );
  },
);
