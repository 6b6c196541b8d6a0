// The PostgreSQL service leases: one supervisor a service however many nodes claim or take it at once, a
// lease of a dead, stopped or departed supervisor taken by another node at a new epoch, and never one whose
// runs still run on a live node.
import t, { type Test } from 'tap';
import { PostgresStore } from '../../src/store/postgres.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import { freshSchema, silentLog, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

async function openNode(t: Test, url: string, nodeId: string): Promise<PostgresStore> {
  const store = await PostgresStore.open(parsePostgresUrl(url), nodeId, silentLog);
  t.teardown(() => store.close());
  await store.nodes.register({ nodeId, url: `ws://${nodeId}:7370/rpc`, version: '1.0.0' });
  return store;
}

async function withService(store: PostgresStore, name: string) {
  const now = new Date().toISOString();
  await store.services.put({ spec: { name, actions: [] }, source: 'rpc', createdAt: now, updatedAt: now });
}

const killNode = (schema: string, nodeId: string) =>
  sql(`UPDATE ${schema}.nodes SET heartbeat_at = now() - interval '11 seconds' WHERE id = $1`, [nodeId]);

t.test('two nodes claiming one service at once: one holds it, the other is told who', { skip }, async (t) => {
  const { url } = freshSchema(t);
  const a = await openNode(t, url, 'node-a');
  const b = await openNode(t, url, 'node-b');
  for (const round of [1, 2, 3]) {
    const name = `svc-${round}`;
    await withService(a, name);
    const claims = await Promise.all([
      a.serviceLeases.claim(name, 'node-a', true),
      b.serviceLeases.claim(name, 'node-b', true),
    ]);
    const held = claims.filter((claim) => 'held' in claim);
    t.equal(held.length, 1, `round ${round}: one claim wins`);
    const winner = claims[0] && 'held' in claims[0] ? 'node-a' : 'node-b';
    const loser = claims.find((claim) => 'holder' in claim);
    t.same(loser, { holder: winner }, 'the other names the winner');
    t.equal(await a.serviceLeases.holder(name), winner, 'and every node sees that one');
  }
});

t.test(
  "a dead supervisor's wanted service is taken over by one of two nodes, at a new epoch that fences the old",
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const dead = await openNode(t, url, 'node-dead');
    const a = await openNode(t, url, 'node-a');
    const b = await openNode(t, url, 'node-b');
    await withService(dead, 'web');
    await withService(dead, 'stopped-one');
    const claim = await dead.serviceLeases.claim('web', 'node-dead', true);
    t.match(claim, { held: { service: 'web', epoch: 1 } });
    await dead.serviceLeases.claim('stopped-one', 'node-dead', false);
    t.same(await a.serviceLeases.takeOver('node-a'), [], 'nothing while its supervisor beats');

    await killNode(schema, 'node-dead');
    t.equal(await a.serviceLeases.holder('web'), undefined, 'a dead node supervises nothing');
    const taken = await Promise.all([a.serviceLeases.takeOver('node-a'), b.serviceLeases.takeOver('node-b')]);
    t.same(
      taken.flat(),
      [{ service: 'web', epoch: 2 }],
      'taken once, and not the service no one wants running',
    );
    const taker = taken[0]!.length === 1 ? 'node-a' : 'node-b';
    t.equal(await b.serviceLeases.holder('web'), taker);
    t.same(
      await dead.serviceLeases.lost('node-dead', [{ service: 'web', epoch: 1 }]),
      ['web'],
      'the old supervisor, resumed, finds it lost the lease',
    );
    t.same(await a.serviceLeases.lost(taker, [{ service: 'web', epoch: 2 }]), [], 'the new one holds it');
  },
);

t.test(
  'a service whose runs still run on a live node is not taken over; one handed back is',
  { skip },
  async (t) => {
    const { schema, url } = freshSchema(t);
    const a = await openNode(t, url, 'node-a');
    const b = await openNode(t, url, 'node-b');
    await withService(a, 'web');
    await a.serviceLeases.claim('web', 'node-a', true);
    // A run of the service on node b, which is alive: as if b had supervised it before.
    await sql(
      `INSERT INTO ${schema}.runs (id, status, priority, service_id, request, record, attempts, attempt,
         max_attempts, run_dir, labels, created_at, updated_at, node_id, epoch)
       VALUES ('run-1', 'running', 0, 'web', '{}', '{}', '[]', 1, 1, 'run-1', '{}', 'x', 'x', 'node-b', 1)`,
    );
    await a.serviceLeases.release('node-a');
    t.equal(await b.serviceLeases.holder('web'), undefined, 'handed back: no one holds it');
    t.same(await b.serviceLeases.takeOver('node-b'), [], 'not while its run runs on a live node');
    await sql(`UPDATE ${schema}.runs SET status = 'cancelled' WHERE id = 'run-1'`);
    t.same(await b.serviceLeases.takeOver('node-b'), [{ service: 'web', epoch: 3 }], 'once it ended');
    t.match(
      await a.serviceLeases.claim('web', 'node-a', false),
      { holder: 'node-b' },
      'a live holder keeps it',
    );
    await sql(`DELETE FROM ${schema}.services WHERE name = 'web'`);
    t.same(await b.serviceLeases.lost('node-b', [{ service: 'web', epoch: 3 }]), ['web'], 'deleted: lost');
  },
);
