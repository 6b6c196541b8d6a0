// Connection limits through real daemons: requests in flight per connection, the handshake deadline,
// connections per peer address, and running out of descriptors.
import { execFile } from 'node:child_process';
import { connect as connectTcp } from 'node:net';
import { promisify } from 'node:util';
import t from 'tap';
import { connect } from 'runyard/client';
import { handshakeStatus, openRawSocket, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { cli, fromFile, writeConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/fs.js';
import { eventually } from '../helpers/poll.js';

const linesOf = (daemon: TestDaemon, pattern: RegExp) =>
  daemon
    .log()
    .split('\n')
    .filter((line) => pattern.test(line));

/** A raw TCP connection to the daemon that records what it was sent and when it was closed. */
function rawTcp(daemon: TestDaemon, localAddress?: string) {
  const { port } = new URL(daemon.url);
  const socket = connectTcp({ host: '127.0.0.1', port: Number(port), localAddress });
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed, received: () => received };
}

t.test('requests in flight per connection', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-in-flight', '4'] });
  const client = await daemon.client();
  const { runId } = await client.run.start({ argv: ['sleep', '60'] });
  const socket = await daemon.socket();
  const wait = (id: number) => ({ jsonrpc: '2.0', id, method: 'run.wait', params: { runId } });
  for (let id = 1; id <= 4; id++) socket.send(wait(id));
  // Answered at once while the four waits still hold, and without closing the connection.
  const refused = (await socket.request({ jsonrpc: '2.0', id: 5, method: 'daemon.info' })) as any;
  t.match(refused, { id: 5, error: { code: 1904, data: { reason: 'too_many_requests', limit: 4 } } });
  t.match(refused.error.message, /4 requests in flight/);
  t.equal((await client.daemon.info()).limits.maxInFlight, 4, 'another connection is served');

  await client.run.cancel({ runId });
  const answers = [await socket.next(), await socket.next(), await socket.next(), await socket.next()];
  t.same(answers.map((answer: any) => answer.id).sort(), [1, 2, 3, 4], 'the waits held are answered');
  const after = (await socket.request({ jsonrpc: '2.0', id: 6, method: 'daemon.info' })) as any;
  t.equal(after.result.pid, daemon.child.pid, 'the connection serves again once answers went out');
});

t.test('a batch past the limit has its extra requests refused one by one', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-in-flight', '2'] });
  const client = await daemon.client();
  const { runId } = await client.run.start({ argv: ['sleep', '60'] });
  const socket = await daemon.socket();
  socket.send({ jsonrpc: '2.0', id: 'held', method: 'run.wait', params: { runId, timeoutMs: 500 } });
  const batch = [1, 2, 3].map((id) => ({ jsonrpc: '2.0', id, method: 'daemon.info' }));
  const answers = (await socket.request(batch)) as any[];
  t.same(
    answers.map((answer) => answer.error?.data.reason ?? 'served'),
    ['served', 'too_many_requests', 'too_many_requests'],
  );
  await client.run.cancel({ runId });
});

t.test('the handshake deadline', async (t) => {
  const daemon = await startDaemon(t, { args: ['--handshake-timeout-ms', '300'] });
  const upgraded = await daemon.socket();
  const silent = rawTcp(daemon);
  const loris = rawTcp(daemon);
  const request = `GET /rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ${'a'.repeat(500)}\r\n\r\n`;
  let sent = 0;
  const drip = setInterval(() => loris.socket.write(request[sent++]!), 50);
  t.teardown(() => clearInterval(drip));

  await silent.closed;
  t.match(silent.received(), /^HTTP\/1\.1 408 /, 'a silent connection is answered 408 and closed');
  await loris.closed;
  clearInterval(drip);
  t.ok(sent < request.length, `a header byte at a time is cut off (${sent} of ${request.length} sent)`);
  t.match(loris.received(), /^HTTP\/1\.1 408 /);
  const info = (await upgraded.request({ jsonrpc: '2.0', id: 1, method: 'daemon.info' })) as any;
  t.equal(info.result.limits.handshakeTimeoutMs, 300, 'an upgraded connection is past the deadline');
  t.equal(linesOf(daemon, /handshake_timeout/).length, 1, 'the two are logged as one burst');
});

t.test('connections per peer address', async (t) => {
  const daemon = await startDaemon(t, { args: ['--max-connections-per-peer', '3'] });
  const headers = { authorization: `Bearer ${daemon.token}` };
  const open = [await daemon.socket(), await daemon.socket(), await daemon.socket()];
  t.equal(await handshakeStatus(daemon.url, { headers }), 429, 'the fourth from 127.0.0.1 is refused');
  t.equal(await handshakeStatus(daemon.url, { headers }), 429);
  t.equal(
    await handshakeStatus(daemon.url, { headers, localAddress: '127.0.0.2' }),
    101,
    'another address is not',
  );
  t.equal(linesOf(daemon, /too_many_connections/).length, 1, 'one warning for the burst');
  await open[0]!.close();
  await eventually(async () => ((await handshakeStatus(daemon.url, { headers })) === 101 ? true : undefined));
  t.pass('a connection that closed frees its place');
});

t.test('out of descriptors, the daemon warns once per burst and serves again', async (t) => {
  const daemon = await startDaemon(t);
  // The limit of the running daemon, lowered as `prlimit --nofile=256:256 runyard serve` would start it.
  await promisify(execFile)('prlimit', ['--pid', String(daemon.child.pid), '--nofile=256:256']);
  const held = Array.from({ length: 400 }, () => rawTcp(daemon));
  t.teardown(() => held.forEach(({ socket }) => socket.destroy()));
  await eventually(() => (linesOf(daemon, /out of file descriptors/).length > 0 ? true : undefined));
  // Several probes and hundreds of dropped connections later, still the one line of this burst.
  const dropped = await eventually(() => {
    const count = held.filter(({ socket }) => socket.destroyed).length;
    return count > 100 ? count : undefined;
  });
  t.ok(dropped > 100, `${dropped} connections were dropped`);
  t.equal(linesOf(daemon, /out of file descriptors(?! \(repeated\))/).length, 1, 'one warning');
  for (const { socket } of held) socket.destroy();
  const client = await eventually(() =>
    connect({ url: daemon.url, token: daemon.token }).catch(() => undefined),
  );
  t.teardown(() => client.close());
  t.equal((await client.daemon.info()).pid, daemon.child.pid, 'served once descriptors are free');
});

t.test('the limits come from flags, variables and the config file, and two apply on reload', async (t) => {
  const env = { RUNYARD_MAX_IN_FLIGHT: '7', RUNYARD_HANDSHAKE_TIMEOUT_MS: '1500' };
  const fromEnv = await startDaemon(t, { env, args: ['--max-connections-per-peer', '9'] });
  const client = await fromEnv.client();
  t.same((await client.daemon.info()).limits, {
    maxPayloadBytes: 1_048_576,
    maxBatchSize: 100,
    maxInFlight: 7,
    handshakeTimeoutMs: 1500,
    maxConnectionsPerPeer: 9,
  });

  const settings = { maxInFlight: 3, handshakeTimeoutMs: 400, maxConnectionsPerPeer: 50 };
  const { file, daemon, env: cliEnv } = await fromFile(t, { daemon: settings });
  const fileClient = await connect({ url: daemon.url, token: daemon.token });
  t.teardown(() => fileClient.close());
  t.match((await fileClient.daemon.info()).limits, settings);
  await writeConfig(file, {
    daemon: {
      runsDir: 'runs',
      stateDir: 'state',
      maxInFlight: 1,
      handshakeTimeoutMs: 600,
      maxConnectionsPerPeer: 1,
    },
  });
  const reloaded = await cli(['config', 'reload', '--json'], cliEnv);
  t.equal(reloaded.code, 0, reloaded.stderr);
  t.match(JSON.parse(reloaded.stdout), {
    applied: ['maxInFlight', 'maxConnectionsPerPeer'],
    restartRequired: ['handshakeTimeoutMs'],
  });
  const headers = { authorization: `Bearer ${daemon.token}` };
  t.equal(await handshakeStatus(daemon.url, { headers }), 429, 'the new peer limit is in effect at once');
  const socket = await openRawSocket(daemon.url, { headers, localAddress: '127.0.0.2' });
  t.teardown(() => socket.close());
  const answers = (await socket.request([
    { jsonrpc: '2.0', id: 1, method: 'daemon.info' },
    { jsonrpc: '2.0', id: 2, method: 'daemon.info' },
  ])) as any[];
  t.same(
    answers.map((answer) => answer.error?.data.reason ?? answer.result.limits.maxInFlight),
    [1, 'too_many_requests'],
    'and so is the new in-flight limit, on an open connection too',
  );
});

t.test('a limit below its minimum stops serve with a usage error', async (t) => {
  for (const [args, env, message] of [
    [['--handshake-timeout-ms', '50'], {}, '--handshake-timeout-ms must be at least 100, got "50"'],
    [[], { RUNYARD_MAX_IN_FLIGHT: '0' }, 'RUNYARD_MAX_IN_FLIGHT must be a positive integer, got "0"'],
  ] as const) {
    const ran = await cli(['serve', '--listen', '127.0.0.1:0', ...args], env, await tempDir(t, 'serve'));
    t.equal(ran.code, 2, message);
    t.match(ran.stderr, message);
  }
});
