// The claims of docs/protocol.md that are not JSON-RPC examples: handshake, HTTP endpoints, limits,
// state directory and shutdown. Each test names the section it keeps honest.
import { request } from 'node:http';
import { access, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { handshakeStatus, openRawSocket, startDaemon } from '../helpers/daemon.js';
import { repoRoot } from './markdown.js';
import { eventually } from '../helpers/poll.js';

const portOf = (url: string) => Number(new URL(url).port);

function httpGet(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(url, { headers }, (response) => {
        let body = '';
        response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      });
      req.on('error', reject).end();
    },
  );
}

t.test(
  'HTTP endpoints: /healthz needs no token, /openrpc.json needs it and serves openrpc.json',
  async (t) => {
    const daemon = await startDaemon(t);
    const base = `http://127.0.0.1:${portOf(daemon.url)}`;
    const health = await httpGet(`${base}/healthz`);
    t.equal(health.status, 200);
    t.same(JSON.parse(health.body), { status: 'ok' });

    const refused = await httpGet(`${base}/openrpc.json`);
    t.equal(refused.status, 401);
    t.equal(refused.headers['www-authenticate'], 'Bearer');

    const served = await httpGet(`${base}/openrpc.json`, { authorization: `Bearer ${daemon.token}` });
    t.equal(served.status, 200);
    const committed = JSON.parse(await readFile(join(repoRoot, 'openrpc.json'), 'utf8')) as {
      servers: { url: string }[];
    };
    const expected = { ...committed, servers: [{ ...committed.servers[0], url: daemon.url }] };
    t.same(
      JSON.parse(served.body),
      expected,
      'the same document as openrpc.json in the repository, naming its own URL',
    );

    const socket = await daemon.socket();
    const discovered = (await socket.request({ jsonrpc: '2.0', id: 1, method: 'rpc.discover' })) as {
      result: unknown;
    };
    t.same(discovered.result, expected, 'rpc.discover answers the same document');
  },
);

t.test(
  'Connecting: a browser offers runyard.v1 and runyard.bearer.<token>, and gets runyard.v1 back',
  async (t) => {
    const daemon = await startDaemon(t);
    const socket = await openRawSocket(daemon.url, {
      protocols: ['runyard.v1', `runyard.bearer.${daemon.token}`],
    });
    t.teardown(() => socket.close());
    t.equal(socket.ws.protocol, 'runyard.v1', 'the bearer subprotocol is never echoed');
    const answer = (await socket.request({ jsonrpc: '2.0', id: 1, method: 'daemon.info' })) as {
      result: object;
    };
    t.ok(answer.result, 'the connection works');
  },
);

t.test('Connecting: the handshake refusals are 400, 401 and 403 as documented', async (t) => {
  const daemon = await startDaemon(t);
  const bearer = { authorization: `Bearer ${daemon.token}` };
  t.equal(
    await handshakeStatus(daemon.url, { protocols: [`runyard.bearer.${daemon.token}`] }),
    400,
    'offering the bearer subprotocol without runyard.v1',
  );
  t.equal(
    await handshakeStatus(daemon.url, { headers: { authorization: 'Bearer wrong' } }),
    401,
    'a wrong token',
  );
  t.equal(await handshakeStatus(daemon.url), 401, 'no token');
  t.equal(
    await handshakeStatus(daemon.url, { headers: bearer, origin: 'http://localhost:5173' }),
    403,
    'an Origin not allowed with --allow-origin',
  );
  const rebound = await httpGet(`http://127.0.0.1:${portOf(daemon.url)}/openrpc.json`, {
    ...bearer,
    host: `evil.example:${portOf(daemon.url)}`,
  });
  t.equal(rebound.status, 403, 'a foreign Host (DNS rebinding)');
  t.equal(
    await handshakeStatus(daemon.url, { headers: { ...bearer, host: `localhost:${portOf(daemon.url)}` } }),
    101,
  );
});

t.test('Connecting: --allow-origin admits exactly that Origin', async (t) => {
  const daemon = await startDaemon(t, { args: ['--allow-origin', 'http://localhost:5173'] });
  const headers = { authorization: `Bearer ${daemon.token}` };
  t.equal(await handshakeStatus(daemon.url, { headers, origin: 'http://localhost:5173' }), 101);
  t.equal(await handshakeStatus(daemon.url, { headers, origin: 'http://localhost:5174' }), 403);
});

t.test('Limits: a message of 1 MiB is read, one byte more closes the connection with 1009', async (t) => {
  const daemon = await startDaemon(t);
  const socket = await daemon.socket();
  const call = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.info' });
  const answer = (await socket.request(call.padEnd(1_048_576, ' '))) as { id: number; result: object };
  t.equal(answer.id, 1);
  socket.send(call.padEnd(1_048_577, ' '));
  t.equal((await socket.closed).code, 1009);
});

t.test('Connecting: the state directory is 0700 and the token 0600', async (t) => {
  const daemon = await startDaemon(t);
  t.equal((await stat(daemon.stateDir)).mode & 0o777, 0o700);
  t.equal((await stat(join(daemon.stateDir, 'token'))).mode & 0o777, 0o600);
  t.match(daemon.token, /^[0-9a-f]{64}$/);
  t.same(Object.keys(JSON.parse(await readFile(join(daemon.stateDir, 'daemon.json'), 'utf8'))).sort(), [
    'pid',
    'startTime',
    'startedAt',
    'url',
    'version',
  ]);
});

t.test(
  'The run directory: SIGTERM cancels running runs with reason daemon_shutdown and removes daemon.json',
  async (t) => {
    const daemon = await startDaemon(t);
    const client = await daemon.client();
    const run = await client.run.start({ argv: ['sleep', '60'] });
    t.equal(run.status, 'running');
    t.equal(await daemon.stop('SIGTERM'), 0, 'the daemon exits cleanly');
    const summary = JSON.parse(await readFile(join(run.runDir, 'retention-summary.json'), 'utf8')) as {
      status: string;
      error: { reason: string } | null;
    };
    t.equal(summary.status, 'cancelled');
    t.equal(summary.error?.reason, 'daemon_shutdown');
    await eventually(async () =>
      access(join(daemon.stateDir, 'daemon.json')).then(
        () => undefined,
        () => true,
      ),
    );
    t.pass('daemon.json is gone');
  },
);
