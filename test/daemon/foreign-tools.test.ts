// What foreign JSON-RPC and OpenRPC tools send and read: `params: []`, ids JSON cannot carry exactly,
// binary frames, the served document's URL, and a round trip through @open-rpc/client-js.
import { EventEmitter } from 'node:events';
import { Client, EventEmitterTransport, JSONRPCError, RequestManager } from '@open-rpc/client-js';
import t, { type Test } from 'tap';
import WebSocket from 'ws';
import { rpcDiscover } from '../../src/schema/discover.js';
import { methods } from '../../src/schema/index.js';
import { PROTOCOL, BEARER_PREFIX } from '../../src/schema/transport.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';

/** The methods a client may call with no params at all: none of their params is required. */
const withoutRequiredParams = [...methods, rpcDiscover]
  .filter((method) => {
    const { required = [], oneOf } = method.params as { required?: string[]; oneOf?: unknown };
    return required.length === 0 && oneOf === undefined;
  })
  .map((method) => method.name);

t.test('params: [] is read as no params', async (t) => {
  const daemon = await startDaemon(t);
  const socket = await daemon.socket();
  t.ok(withoutRequiredParams.includes('daemon.info') && withoutRequiredParams.includes('service.list'));
  for (const method of withoutRequiredParams) {
    const answer = (await socket.request({ jsonrpc: '2.0', id: method, method, params: [] })) as any;
    // An application error (daemon.reloadConfig without a config file) is an answer too: what must not
    // come back is a JSON-RPC error about the params.
    t.ok('result' in answer || answer.error.code > 0, `${method} answers params [] as no params`, { answer });
  }
  const required = (await socket.request({
    jsonrpc: '2.0',
    id: 1,
    method: 'run.status',
    params: [],
  })) as any;
  t.same(
    required.error.data.errors,
    [{ path: '/runId', message: 'is required' }],
    'a method with a required param names it, as for omitted params',
  );
});

t.test('a non-empty params array is refused with -32602: params are by name', async (t) => {
  const daemon = await startDaemon(t);
  const socket = await daemon.socket();
  for (const [method, params] of [
    ['daemon.info', [1]],
    ['run.status', ['01JD6W4ZK3Q8V5N2M7XKCB9TRE']],
  ] as const) {
    const answer = await socket.request({ jsonrpc: '2.0', id: 2, method, params });
    t.same(answer, {
      jsonrpc: '2.0',
      id: 2,
      error: {
        code: -32602,
        message: 'Invalid params: / must be an object: params are passed by name',
        data: {
          reason: 'invalid_params',
          errors: [{ path: '/', message: 'must be an object: params are passed by name' }],
        },
      },
    });
  }
});

t.test('numeric ids JSON cannot carry exactly are refused; the others come back exactly', async (t) => {
  const daemon = await startDaemon(t);
  const socket = await daemon.socket();
  for (const id of ['9007199254740993', '9007199254740992', '-9007199254740993', '1.5', '1e999', '2e20']) {
    const answer = (await socket.request(`{"jsonrpc":"2.0","id":${id},"method":"daemon.info"}`)) as any;
    t.match(
      answer,
      { id: null, error: { code: -32600, message: /integer .*string id/, data: { reason: 'unsafe_id' } } },
      `id ${id} is refused`,
    );
  }
  for (const id of ['9007199254740991', '-9007199254740991', '0', '"9007199254740993"']) {
    socket.send(`{"jsonrpc":"2.0","id":${id},"method":"daemon.info"}`);
    const text = await new Promise<string>((resolve) =>
      socket.ws.once('message', (data) => resolve(data.toString())),
    );
    t.match(text, `"id":${id}`, `id ${id} comes back as sent`);
    await socket.next();
  }
});

t.test('a binary frame closes its connection with 1003; other connections are served on', async (t) => {
  const daemon = await startDaemon(t);
  const bystander = await daemon.socket();
  const socket = await daemon.socket();
  socket.ws.send(Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'daemon.info' })), {
    binary: true,
  });
  // Either it closes, or (the defect) the request is executed and answered.
  const outcome = await Promise.race([socket.closed, socket.next()]);
  t.same(outcome, { code: 1003, reason: 'binary frames are not accepted; send text frames' });
  t.match(await bystander.request({ jsonrpc: '2.0', id: 10, method: 'daemon.info' }), {
    id: 10,
    result: { pid: daemon.child.pid },
  });
});

t.test("rpc.discover and GET /openrpc.json name the daemon's own URL in servers", async (t) => {
  const daemon = await startDaemon(t);
  t.not(daemon.url, 'ws://127.0.0.1:7370/rpc', 'the test daemon listens on a port of its own');
  const client = await daemon.client();
  const discovered = (await client.call('rpc.discover')) as { servers: { url: string }[] };
  t.same(
    discovered.servers.map((server) => server.url),
    [daemon.url],
  );
  const http = daemon.url.replace('ws://', 'http://').replace(/\/rpc$/, '/openrpc.json');
  const served = (await (
    await fetch(http, { headers: { authorization: `Bearer ${daemon.token}` } })
  ).json()) as typeof discovered;
  t.same(
    served.servers.map((server) => server.url),
    [daemon.url],
  );
});

/**
 * An @open-rpc/client-js Client on a socket we open: its WebSocketTransport cannot offer subprotocols
 * or set headers, so the token could not reach the daemon; an EventEmitterTransport bridges to ours.
 */
async function openRpcClient(t: Test, daemon: TestDaemon) {
  const socket = new WebSocket(daemon.url, [PROTOCOL, `${BEARER_PREFIX}${daemon.token}`]);
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const sent: unknown[] = [];
  const bridge = new EventEmitter();
  bridge.on('request', (message: unknown) => {
    sent.push(message);
    socket.send(JSON.stringify(message));
  });
  socket.on('message', (data) => bridge.emit('response', data.toString()));
  const client = new Client(new RequestManager([new EventEmitterTransport(bridge, 'request', 'response')]));
  t.teardown(() => {
    client.close();
    socket.close();
  });
  return { client, sent };
}

t.test('@open-rpc/client-js calls the daemon, with and without params, and gets its errors', async (t) => {
  const daemon = await startDaemon(t);
  const { client, sent } = await openRpcClient(t, daemon);
  t.match(await client.request({ method: 'daemon.info' }), { pid: daemon.child.pid, url: daemon.url });
  t.match(sent[0], { method: 'daemon.info', params: [] }, 'the client sent params: []');
  t.same(await client.request({ method: 'action.list' }), { actions: [] });
  t.match(await client.request({ method: 'run.list', params: { limit: 1 } }), { runs: [] });
  const refused = await client
    .request({ method: 'run.status', params: { runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE' } })
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  t.ok(refused instanceof JSONRPCError, 'an error answer rejects with JSONRPCError');
  t.match(refused, { code: 1001, data: { reason: 'run_not_found' } });
});
