// The PostgreSQL node table: a node is alive, dead or stopped by the database's clock, one row a node
// however often it starts, and a heartbeat tells when its row is gone.
import t from 'tap';
import { PostgresStore } from '../../src/store/postgres.js';
import { parsePostgresUrl } from '../../src/store/postgres-url.js';
import { freshSchema, silentLog, skipWithoutPostgres, sql } from '../helpers/postgres.js';

const skip = await skipWithoutPostgres();

t.test('nodes are judged alive, dead and stopped by now() of the database', { skip }, async (t) => {
  const { schema, url } = freshSchema(t);
  const store = await PostgresStore.open(parsePostgresUrl(url), 'a', silentLog);
  t.teardown(() => store.close());
  const { nodes } = store;
  for (const nodeId of ['b', 'a', 'c'])
    await nodes.register({ nodeId, url: `ws://${nodeId}:7370/rpc`, version: '1.0.0' });
  t.same(
    (await nodes.list()).map(({ nodeId, url, state }) => ({ nodeId, url, state })),
    ['a', 'b', 'c'].map((nodeId) => ({ nodeId, url: `ws://${nodeId}:7370/rpc`, state: 'alive' })),
    'by node id, all alive',
  );

  // As if b's last heartbeat were 11 s ago, and a's 9 s ago, by the database's own clock.
  await sql(`UPDATE ${schema}.nodes SET heartbeat_at = now() - interval '11 seconds' WHERE id = 'b'`);
  await sql(`UPDATE ${schema}.nodes SET heartbeat_at = now() - interval '9 seconds' WHERE id = 'a'`);
  await nodes.stop('c');
  const states = async () =>
    Object.fromEntries((await nodes.list()).map((node) => [node.nodeId, node.state]));
  t.same(await states(), { a: 'alive', b: 'dead', c: 'stopped' });

  t.equal(await nodes.heartbeat('b'), true);
  await nodes.register({ nodeId: 'c', url: 'ws://c2:7370/rpc', version: '1.1.0' });
  t.same(await states(), { a: 'alive', b: 'alive', c: 'alive' }, 'a beat revives, a restart un-stops');
  t.match(
    (await nodes.list())[2],
    { nodeId: 'c', url: 'ws://c2:7370/rpc', version: '1.1.0' },
    'the new advert',
  );

  await sql(`DELETE FROM ${schema}.nodes WHERE id = 'a'`);
  t.equal(await nodes.heartbeat('a'), false, 'a row that is gone: the heartbeat says so');
});

t.test('nodes settling the token together all get the one that was put first', { skip }, async (t) => {
  const { schema, url } = freshSchema(t);
  const stores = await Promise.all(
    ['a', 'b', 'c'].map((nodeId) => PostgresStore.open(parsePostgresUrl(url), nodeId, silentLog)),
  );
  t.teardown(() => Promise.all(stores.map((store) => store.close())));
  const candidates = ['a', 'b', 'c'].map((letter) => letter.repeat(64));
  const settled = await Promise.all(
    stores.map((store, index) => store.nodes.settleToken(candidates[index]!)),
  );
  t.equal(new Set(settled).size, 1, 'one token for all');
  t.ok(candidates.includes(settled[0]!), "one of the candidates'");
  t.same(
    await sql(`SELECT token FROM ${schema}.cluster`),
    [{ token: settled[0] }],
    'the one row of the table',
  );
  t.equal(
    await stores[0]!.nodes.settleToken('d'.repeat(64)),
    settled[0],
    'a later candidate changes nothing',
  );
});
