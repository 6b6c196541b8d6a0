// Frame and batch limits: a clear refusal for the offender, uninterrupted service for everyone else.
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

t.test('limits', async (t) => {
  const daemon = await startDaemon(t);
  const bystander = await daemon.client();

  t.test('a frame over 1 MiB closes only that connection, with 1009', async (t) => {
    const socket = await daemon.socket();
    socket.send(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'daemon.info',
        params: { pad: 'x'.repeat(1_100_000) },
      }),
    );
    const closed = await socket.closed;
    t.equal(closed.code, 1009);
    t.equal((await bystander.daemon.info()).pid, daemon.child.pid, 'another connection is still served');
  });

  t.test('a batch over 100 requests answers one -32600 naming the limit', async (t) => {
    const socket = await daemon.socket();
    const batch = Array.from({ length: 101 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'daemon.info' }));
    const answer = (await socket.request(batch)) as any;
    t.notOk(Array.isArray(answer));
    t.match(answer, { id: null, error: { code: -32600, data: { reason: 'batch_too_large', limit: 100 } } });
    t.match(answer.error.message, /101.*100/);
    const full = (await socket.request(batch.slice(0, 100))) as any[];
    t.equal(full.length, 100, 'a batch at the limit is served whole');
  });

  t.test('a binary frame closes the connection with 1003 (unsupported data)', async (t) => {
    const socket = await daemon.socket();
    socket.ws.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'daemon.info' })), {
      binary: true,
    });
    t.match(await socket.closed, { code: 1003 });
  });
});
