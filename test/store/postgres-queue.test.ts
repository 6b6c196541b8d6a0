// The PostgreSQL shared queue: each waiting run goes to one node however many claim at once, in priority
// then creation order; a claim raises the epoch the claimer's writes are fenced by; a run handed back
// waits again; the limit counts the waiting runs of the whole cluster; a notice wakes the listeners. And
// the status feed, which shares the listening session: one node's events reach the others in order.
import t, { type Test } from 'tap';
import { PostgresStore } from '../../src/store/postgres.js';
import { channelOf } from '../../src/store/postgres-queue.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import { isLeaseLost } from '../../src/store/lease-lost.js';
import { freshSchema, silentLog, skipWithoutPostgres, sql } from '../helpers/postgres.js';
import { waitingRun } from '../helpers/stored-run.js';

const skip = await skipWithoutPostgres();

const waiting = (priority = 0) => waitingRun({ priority });

async function openStores(t: Test, nodeIds: string[]) {
  const { schema, url } = freshSchema(t);
  const stores: PostgresStore[] = [];
  for (const nodeId of nodeIds)
    stores.push(await PostgresStore.open(parsePostgresUrl(url), nodeId, silentLog));
  t.teardown(() => Promise.all(stores.map((store) => store.close())));
  return { schema, stores };
}

t.test('nodes claiming at once take each waiting run once, highest priority first', { skip }, async (t) => {
  const { schema, stores } = await openStores(t, ['a', 'b', 'c']);
  const [a, b, c] = stores as [PostgresStore, PostgresStore, PostgresStore];
  const runs = Array.from({ length: 30 }, (_, i) => waiting(i % 3));
  for (const run of runs) t.equal(await a.queue.enqueue(run, 100), true);
  t.equal(await a.runs.get(runs[0]!.record.runId).then((r) => r?.nodeId), undefined, 'no node holds it');

  const byPosition = await b.queue.positions(runs.map((run) => run.record.runId));
  const expected = [...runs].sort(
    (x, y) => y.record.priority - x.record.priority || (x.record.runId < y.record.runId ? -1 : 1),
  );
  t.same(
    expected.map((run) => byPosition.get(run.record.runId)),
    expected.map((_, i) => i + 1),
    'positions: priority first, then age',
  );

  const rounds = await Promise.all(
    [a, b, c].map((store) => Promise.all([store.queue.claim(6), store.queue.claim(6)])),
  );
  const claimed = rounds.flat(2).map((run) => run.record.runId);
  t.equal(claimed.length, 30, 'all of them');
  t.equal(new Set(claimed).size, 30, 'none twice');
  t.same(await a.queue.claim(5), [], 'none left');

  // Each batch comes in queue order.
  for (const batch of rounds.flat()) {
    const order = batch.map((run) => run.record.runId);
    const sorted = expected.map((run) => run.record.runId).filter((id) => order.includes(id));
    t.same(order, sorted);
  }
  // Whichever node claimed a run, the row says so.
  for (const [index, nodeId] of ['a', 'b', 'c'].entries()) {
    const mine = rounds[index]!.flat();
    const rows = await sql<{ node_id: string; epoch: string; record: string }>(
      `SELECT node_id, epoch, record FROM ${schema}.runs WHERE id = ANY($1::text[])`,
      [mine.map((run) => run.record.runId)],
    );
    t.ok(
      rows.every(
        (row) => row.node_id === nodeId && row.epoch === '1' && JSON.parse(row.record).nodeId === nodeId,
      ),
      `${nodeId}'s ${rows.length} claims are its own, at the first epoch, its record naming it at once`,
    );
  }
});

t.test('a claimer writes its claimed run; one handed back waits again, for any node', { skip }, async (t) => {
  const { stores } = await openStores(t, ['a', 'b']);
  const [a, b] = stores as [PostgresStore, PostgresStore];
  const run = waiting();
  const { runId } = run.record;
  await a.queue.enqueue(run, 10);
  const [claimed] = await a.queue.claim(1);
  t.equal(await b.queue.claimRun(runId), undefined, 'claimed already');
  await a.runs.update({ ...claimed!, record: { ...claimed!.record, runDir: `/runs/${runId}` } });
  t.equal((await b.runs.get(runId))?.runDir, `/runs/${runId}`, 'the claimer holds it: its write lands');

  await a.queue.release(runId);
  t.same(await b.queue.positions([runId]), new Map([[runId, 1]]), 'waiting again');
  t.equal((await b.runs.get(runId))?.nodeId, undefined, 'no node holds it');
  const error = await a.runs.update(claimed!).catch((error: unknown) => error);
  t.ok(isLeaseLost(error), 'the old claimer can no longer write it');
  const taken = await b.queue.claimRun(runId);
  t.equal(taken?.record.nodeId, 'b', 'another node claims it');
});

t.test(
  'the limit counts the waiting runs of every node; a new run wakes the listeners',
  { skip },
  async (t) => {
    const { stores } = await openStores(t, ['a', 'b']);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    // The listener rides on the node lock's session, which registering the node takes; it is called
    // once as that session starts to listen.
    const listening = new Promise<void>((resolve) => b.queue.onQueued(resolve));
    await b.nodes.register({ nodeId: 'b', url: 'ws://b/rpc', version: '1' });
    await listening;
    const notified = new Promise<void>((resolve) => b.queue.onQueued(resolve));
    t.equal(await a.queue.enqueue(waiting(), 2), true);
    t.equal(await b.queue.enqueue(waiting(), 2), true);
    t.equal(await a.queue.enqueue(waiting(), 2), false, 'two wait: a third is refused');
    await a.queue.claim(1);
    t.equal(await a.queue.enqueue(waiting(), 2), true, 'one claimed: room for one more');
    await notified;
    t.pass('b heard of the new runs');
  },
);

t.test(
  "the status feed carries one node's events to the others, in order, and ignores what is no notice",
  { skip },
  async (t) => {
    const { schema, stores } = await openStores(t, ['a', 'b']);
    const [a, b] = stores as [PostgresStore, PostgresStore];
    const heard: [string, number][] = [];
    const listening = new Promise<void>((resolve) => b.queue.onQueued(resolve));
    b.statusFeed.onStatus((runId, event) => heard.push([runId, event.seq]));
    await b.nodes.register({ nodeId: 'b', url: 'ws://b/rpc', version: '1' });
    await listening;
    // Anyone who may NOTIFY in the database can send anything on the channel: b lives on.
    await sql(
      `SELECT pg_notify($1, 'no json'), pg_notify($1, '{"nodeId":"x","events":[1,[2],["r",null]]}')`,
      [channelOf('status', schema)],
    );
    const events = Array.from({ length: 400 }, (_, i) => ({
      seq: i + 1,
      time: '2026-12-04T10:00:00.000Z',
      type: 'status' as const,
      status: 'running' as const,
      detail: 'x'.repeat(100),
    }));
    for (const event of events) a.statusFeed.publish(`run-${event.seq % 3}`, event as never);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => heard.length >= 400 && (clearInterval(check), resolve()), 20);
    });
    t.same(
      heard.map(([, seq]) => seq),
      events.map((event) => event.seq),
      'all 400, in order, over several notices under the payload limit',
    );
    t.same(
      heard.slice(0, 3).map(([runId]) => runId),
      ['run-1', 'run-2', 'run-0'],
      'each with its run',
    );
  },
);
