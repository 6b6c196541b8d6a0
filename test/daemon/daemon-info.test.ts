// daemon.info's connections: what is open now, counted as connections come and go; and its cluster.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';

t.test('daemon.info counts the open connections and the subscriptions they hold', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  t.same((await client.daemon.info()).connections, { open: 1, subscriptions: 0 }, 'the asking one alone');

  const run = await client.run.start({ argv: ['sleep', '30'] });
  const watcher = await daemon.socket();
  for (const id of [1, 2]) {
    watcher.ws.send(
      JSON.stringify({ jsonrpc: '2.0', id, method: 'run.subscribe', params: { runId: run.runId } }),
    );
    // Replayed events of the first subscription may come before the second one's answer.
    while (((await watcher.next()) as { id?: number }).id !== id);
  }
  const idle = await daemon.socket();
  t.same((await client.daemon.info()).connections, { open: 3, subscriptions: 2 });

  watcher.ws.close();
  await watcher.closed;
  idle.ws.terminate();
  const after = await eventually(async () => {
    const { connections } = await client.daemon.info();
    return connections.open === 1 ? connections : undefined;
  });
  t.same(after, { open: 1, subscriptions: 0 }, 'a closed connection takes its subscriptions with it');
  await client.run.cancel({ runId: run.runId });
});

t.test('a daemon on SQLite is a cluster of one: itself, alive; its runs name it', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const nodeId = (await readFile(join(daemon.stateDir, 'node-id'), 'utf8')).trim();
  const info = await client.daemon.info();
  t.equal(info.nodeId, nodeId);
  t.match(info.nodes, [
    { nodeId, url: daemon.url, version: info.version, state: 'alive', startedAt: info.startedAt },
  ]);
  t.equal(info.nodes.length, 1);
  const { runId } = await client.run.start({ argv: ['true'] });
  t.equal((await client.run.wait({ runId })).nodeId, nodeId);
  t.equal((await client.run.list({ limit: 1 })).runs[0]!.nodeId, nodeId, 'as the index keeps it');

  await client.close();
  await daemon.stop();
  await rm(join(daemon.stateDir, 'runyard.db'));
  const rebuilt = await startDaemon(t, { home: daemon.home });
  const status = await (await rebuilt.client()).run.status({ runId });
  t.equal(status.nodeId, nodeId, 'an index rebuilt from run.json keeps it');
});
