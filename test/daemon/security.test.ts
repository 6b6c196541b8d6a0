// The handshake: token, Origin allow-list, Host check, and what is reachable without a token.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import WebSocket from 'ws';
import { connect, ConnectError } from 'runyard/client';
import { handshakeStatus, openRawSocket, startDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';

t.test('handshake policy', async (t) => {
  const daemon = await startDaemon(t, { args: ['--allow-origin', 'vscode-webview://trusted'] });
  const http = daemon.url.replace('ws://', 'http://').replace(/\/rpc$/, '');
  const bearer = { authorization: `Bearer ${daemon.token}` };

  t.test('the token file is 0600 in a 0700 state directory and holds 32 random bytes in hex', async (t) => {
    t.equal((await stat(daemon.stateDir)).mode & 0o777, 0o700);
    t.equal((await stat(join(daemon.stateDir, 'token'))).mode & 0o777, 0o600);
    t.match(daemon.token, /^[0-9a-f]{64}$/);
  });

  t.test('a handshake without a token is refused with 401', async (t) => {
    t.equal(await handshakeStatus(daemon.url), 401);
  });

  t.test('a handshake with a wrong token is refused with 401', async (t) => {
    t.equal(
      await handshakeStatus(daemon.url, { headers: { authorization: `Bearer ${'0'.repeat(64)}` } }),
      401,
    );
    t.equal(
      await handshakeStatus(daemon.url, { headers: { authorization: `Bearer ${daemon.token.slice(1)}` } }),
      401,
    );
    t.equal(
      await handshakeStatus(daemon.url, { headers: { authorization: daemon.token } }),
      401,
      'no Bearer scheme',
    );
  });

  t.test('the SDK reports a refused token as a ConnectError with status 401', async (t) => {
    const refused = await connect({ url: daemon.url, token: 'nope' }).catch((error: unknown) => error);
    t.ok(refused instanceof ConnectError);
    t.equal((refused as ConnectError).status, 401);
  });

  t.test(
    'a browser-style handshake presents the token as a subprotocol and gets runyard.v1 back',
    async (t) => {
      const socket = await openRawSocket(daemon.url, {
        protocols: ['runyard.v1', `runyard.bearer.${daemon.token}`],
      });
      t.teardown(() => socket.close());
      t.equal(socket.ws.protocol, 'runyard.v1', 'the token is never echoed back');
      t.match(await socket.request({ jsonrpc: '2.0', id: 1, method: 'daemon.info' }), { result: {} });
    },
  );

  t.test('a subprotocol token without runyard.v1 is refused', async (t) => {
    t.equal(await handshakeStatus(daemon.url, { protocols: [`runyard.bearer.${daemon.token}`] }), 400);
  });

  t.test('a foreign Origin is refused with 403 even with the right token', async (t) => {
    t.equal(
      await handshakeStatus(daemon.url, { headers: { ...bearer, origin: 'https://evil.example' } }),
      403,
    );
    t.equal(await handshakeStatus(daemon.url, { headers: { ...bearer, origin: 'null' } }), 403);
  });

  t.test('an allowed Origin is accepted', async (t) => {
    t.equal(
      await handshakeStatus(daemon.url, { headers: { ...bearer, origin: 'vscode-webview://trusted' } }),
      101,
    );
  });

  t.test('a browser-style handshake with a wrong or no token is upgraded and closed with 4401', async (t) => {
    t.same(await inBandAnswer(daemon.url, ['runyard.v1', 'runyard.bearer.nope']), {
      closeCode: 4401,
      messages: 0,
    });
    t.same(await inBandAnswer(daemon.url, ['runyard.v1']), { closeCode: 4401, messages: 0 });
  });

  t.test(
    'a browser-style handshake from a foreign Origin is closed with 4403 before anything is read, whatever its token',
    async (t) => {
      const origin = 'https://evil.example';
      for (const token of [daemon.token, 'nope'])
        t.same(await inBandAnswer(daemon.url, ['runyard.v1', `runyard.bearer.${token}`], { origin }), {
          closeCode: 4403,
          messages: 0,
        });
    },
  );

  t.test('a browser-style handshake to a foreign Host still gets HTTP 403 and no upgrade', async (t) => {
    const port = new URL(daemon.url).port;
    t.equal(
      await handshakeStatus(daemon.url, {
        protocols: ['runyard.v1', `runyard.bearer.${daemon.token}`],
        headers: { host: `evil.example:${port}` },
        origin: 'https://evil.example',
      }),
      403,
    );
  });

  t.test('a Host header that is not the listen address or localhost is refused with 403', async (t) => {
    const port = new URL(daemon.url).port;
    t.equal(await handshakeStatus(daemon.url, { headers: { ...bearer, host: `evil.example:${port}` } }), 403);
    t.equal(
      await handshakeStatus(daemon.url, { headers: { ...bearer, host: 'localhost:1' } }),
      403,
      'wrong port',
    );
    t.equal(await handshakeStatus(daemon.url, { headers: { ...bearer, host: `localhost:${port}` } }), 101);
  });

  t.test('a handshake on another path is refused with 404', async (t) => {
    t.equal(await handshakeStatus(daemon.url.replace(/\/rpc$/, '/other'), { headers: bearer }), 404);
  });

  t.test('GET /healthz answers without a token and reveals nothing but liveness', async (t) => {
    const response = await fetch(`${http}/healthz`);
    t.equal(response.status, 200);
    t.same(await response.json(), { status: 'ok' });
  });

  t.test('GET /openrpc.json needs the token', async (t) => {
    t.equal((await fetch(`${http}/openrpc.json`)).status, 401);
    const response = await fetch(`${http}/openrpc.json`, { headers: bearer });
    t.equal(response.status, 200);
    t.equal(((await response.json()) as { openrpc: string }).openrpc, '1.3.2');
  });

  t.test('refused handshakes leave the daemon serving others', async (t) => {
    const client = await daemon.client();
    t.equal((await client.daemon.info()).pid, daemon.child.pid);
  });
});

/**
 * Opens a browser-style handshake (subprotocols, no Authorization), sends a request as soon as it is
 * upgraded, and resolves with the close code and how many messages came before it.
 */
function inBandAnswer(url: string, protocols: string[], options: { origin?: string } = {}) {
  return new Promise<{ closeCode: number; messages: number }>((resolve, reject) => {
    const ws = new WebSocket(url, protocols, options);
    let messages = 0;
    ws.on('open', () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon.info' })));
    ws.on('message', () => messages++);
    ws.on('close', (closeCode) => resolve({ closeCode, messages }));
    ws.on('unexpected-response', (_, response) => reject(new Error(`HTTP ${response.statusCode}`)));
  });
}

t.test('a token file others can read is made 0600 and its token kept', async (t) => {
  const home = await tempDir(t, 'test');
  const token = randomBytes(32).toString('hex');
  await mkdir(join(home, 'state'), { mode: 0o700 });
  await writeFile(join(home, 'state/token'), `${token}\n`);
  await chmod(join(home, 'state/token'), 0o666);
  const daemon = await startDaemon(t, { home });
  t.equal((await stat(join(daemon.stateDir, 'token'))).mode & 0o777, 0o600);
  t.equal(daemon.token, token);
  const client = await daemon.client();
  t.equal((await client.daemon.info()).pid, daemon.child.pid, 'the kept token opens a connection');
});

t.test(
  'a run does not inherit RUNYARD_TOKEN or RUNYARD_URL from the daemon unless its own env sets them',
  async (t) => {
    const daemon = await startDaemon(t, {
      env: { RUNYARD_TOKEN: 'the-daemon-caller-secret', RUNYARD_URL: 'ws://127.0.0.1:1/rpc' },
    });
    const client = await daemon.client();
    const printed = async (env?: Record<string, string>) => {
      const run = await client.run.start({
        argv: ['sh', '-c', 'echo "token=${RUNYARD_TOKEN-unset} url=${RUNYARD_URL-unset}"'],
        ...(env ? { env } : {}),
      });
      await client.run.wait({ runId: run.runId });
      return (await client.run.logs({ runId: run.runId })).text;
    };
    t.equal(await printed(), 'token=unset url=unset\n', 'the daemon’s credentials stay out of the run');
    t.equal(
      await printed({ RUNYARD_TOKEN: 'the-run-own', RUNYARD_URL: 'ws://127.0.0.1:2/rpc' }),
      'token=the-run-own url=ws://127.0.0.1:2/rpc\n',
      'a run’s own env still sets them',
    );
  },
);

t.test('serve refuses a non-loopback address without --allow-remote', async (t) => {
  const { execFile } = await import('node:child_process');
  const { CLI } = await import('../helpers/daemon.js');
  const result = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
    execFile(process.execPath, [CLI, 'serve', '--listen', '0.0.0.0:0'], (error, _stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stderr }),
    );
  });
  t.equal(result.code, 2);
  t.match(result.stderr, /--allow-remote/);
});
