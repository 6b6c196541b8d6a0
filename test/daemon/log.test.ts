// The daemon's log as an operator reads it: levels, formats, runs, connections, refused handshakes.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import t from 'tap';
import { CLI, handshakeStatus, processGone, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { tempDir } from '../helpers/fs.js';
import { eventually } from '../helpers/poll.js';

type Entry = { level: string; message: string } & Record<string, unknown>;

/** The log's JSON lines; a line that is not JSON fails the test that reads it. */
const entries = (daemon: TestDaemon): Entry[] =>
  daemon
    .log()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Entry);

/** Waits for the first entry with this message that matches `where`. */
const logged = (daemon: TestDaemon, message: string, where: (entry: Entry) => boolean = () => true) =>
  eventually(() => entries(daemon).find((entry) => entry.message === message && where(entry)));

t.test('at the default level info lines are logged and debug lines are not', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const run = await client.run.start({ argv: ['true'] });
  await logged(daemon, 'run finished', (entry) => entry.runId === run.runId);
  const levels = new Set(entries(daemon).map((entry) => entry.level));
  t.ok(levels.has('info'));
  t.notOk(levels.has('debug'), 'no debug line');
  t.notMatch(daemon.log(), /connection opened|run queued/);
});

t.test('RUNYARD_LOG_LEVEL sets the level, and --log-level wins over it', async (t) => {
  const debug = await startDaemon(t, { env: { RUNYARD_LOG_LEVEL: 'debug' } });
  const client = await debug.client();
  await logged(debug, 'connection opened');
  await client.close();

  const warn = await startDaemon(t, { env: { RUNYARD_LOG_LEVEL: 'debug' }, args: ['--log-level', 'warn'] });
  await handshakeStatus(warn.url);
  await logged(warn, 'handshake refused');
  t.same(
    entries(warn).filter((entry) => entry.level !== 'warn' && entry.level !== 'error'),
    [],
    'nothing below warn, not even "daemon started"',
  );
});

t.test('without a terminal the log is JSON lines, and --log-format pretty makes human lines', async (t) => {
  const json = await startDaemon(t);
  t.match(
    entries(json).find((entry) => entry.message === 'daemon started'),
    {
      time: /^\d{4}-\d\d-\d\dT/,
      level: 'info',
      url: json.url,
    },
  );

  const pretty = await startDaemon(t, { args: ['--log-format', 'pretty'] });
  const line = pretty
    .log()
    .split('\n')
    .find((text) => text.includes('daemon started'));
  t.match(
    line,
    /^\d\d:\d\d:\d\d\.\d{3} INFO {2}daemon started url=ws:\/\/127\.0\.0\.1:\d+\/rpc runsDir=\S+ /,
  );
  t.throws(() => JSON.parse(line!), 'not JSON');
  t.notMatch(line, /\x1b\[/, 'no colour when stderr is not a terminal');
});

t.test(
  'a run is logged as it starts and as it finishes, with its ids, status, duration and reason',
  async (t) => {
    const daemon = await startDaemon(t);
    const client = await daemon.client();
    await client.action.set({ name: 'greet', argv: ['true'] });
    await client.service.set({ name: 'greeter', actions: [{ action: 'greet' }] });
    const status = await client.service.start({ name: 'greeter' });
    const ofService = status.actions[0]!.runId!;
    const failing = await client.run.start({ argv: ['sh', '-c', 'exit 3'] });

    t.match(await logged(daemon, 'run started', (entry) => entry.runId === ofService), {
      level: 'info',
      actionId: 'greet',
      serviceId: 'greeter',
      attempt: 1,
    });
    t.match(await logged(daemon, 'run finished', (entry) => entry.runId === ofService), {
      level: 'info',
      actionId: 'greet',
      serviceId: 'greeter',
      status: 'succeeded',
      durationMs: Number,
      attempts: 1,
      exitCode: 0,
    });
    const failed = await logged(daemon, 'run finished', (entry) => entry.runId === failing.runId);
    t.match(failed, { status: 'failed', reason: 'exit_code', error: 'exited with code 3', exitCode: 3 });
    t.notOk('actionId' in failed || 'serviceId' in failed, 'a plain run names no action or service');
    t.equal(
      entries(daemon).filter((entry) => entry.message === 'run finished' && entry.runId === failing.runId)
        .length,
      1,
      'one line per finish',
    );
  },
);

t.test('connections are logged at debug as they open and close', async (t) => {
  const daemon = await startDaemon(t, { args: ['--log-level', 'debug'] });
  const socket = await daemon.socket();
  const opened = await logged(daemon, 'connection opened');
  t.match(opened, { level: 'debug', connectionId: String, remote: /^127\.0\.0\.1:\d+$/ });
  await socket.close();
  t.match(await logged(daemon, 'connection closed', (entry) => entry.connectionId === opened.connectionId), {
    level: 'debug',
    remote: opened.remote,
    code: 1005,
    durationMs: Number,
  });
});

t.test('every refused handshake is logged at warn with its reason', async (t) => {
  const daemon = await startDaemon(t, { args: ['--allow-origin', 'http://localhost:5173'] });
  const bearer = { authorization: `Bearer ${daemon.token}` };
  const port = new URL(daemon.url).port;
  const cases: [string, () => Promise<number>, number, Record<string, unknown>][] = [
    ['no token', () => handshakeStatus(daemon.url), 401, { reason: 'missing_token' }],
    [
      'a wrong token',
      () => handshakeStatus(daemon.url, { headers: { authorization: `Bearer ${'0'.repeat(64)}` } }),
      401,
      { reason: 'bad_token' },
    ],
    [
      'a foreign Origin',
      () => handshakeStatus(daemon.url, { headers: { ...bearer, origin: 'https://evil.example' } }),
      403,
      { reason: 'foreign_origin', origin: 'https://evil.example' },
    ],
    [
      'a foreign Host',
      () => handshakeStatus(daemon.url, { headers: { ...bearer, host: `rebound.example:${port}` } }),
      403,
      { reason: 'foreign_host', host: `rebound.example:${port}` },
    ],
    [
      'a path other than /rpc',
      () => handshakeStatus(daemon.url.replace(/\/rpc$/, '/other'), { headers: bearer }),
      404,
      { reason: 'bad_path', path: '/other' },
    ],
    [
      'no runyard.v1 subprotocol',
      () => handshakeStatus(daemon.url, { headers: bearer, protocols: ['graphql-ws'] }),
      400,
      { reason: 'bad_subprotocol' },
    ],
    [
      'no Sec-WebSocket-Key',
      () => brokenUpgrade(daemon, bearer),
      400,
      { reason: 'bad_handshake', detail: /Key/ },
    ],
  ];
  for (const [what, attempt, status, fields] of cases) {
    t.equal(await attempt(), status, `${what} is refused with ${status}`);
    t.match(
      await logged(daemon, 'handshake refused', (entry) => entry.reason === fields.reason),
      { level: 'warn', status, remote: /^127\.0\.0\.1:\d+$/, ...fields },
      `${what} is logged`,
    );
  }
});

t.test('neither the token nor the env values of a run reach the log', async (t) => {
  const daemon = await startDaemon(t, { args: ['--log-level', 'debug'] });
  const client = await daemon.client();
  const secret = 'hunter2-value-of-a-secret';
  const run = await client.run.start({
    argv: ['sh', '-c', 'echo "$SECRET"; exit 1'],
    env: { SECRET: secret },
  });
  // The token offered where the handshake is refused for another reason, and in the subprotocol.
  await handshakeStatus(daemon.url, {
    headers: { authorization: `Bearer ${daemon.token}`, origin: 'https://evil.example' },
  });
  await handshakeStatus(daemon.url, { protocols: ['graphql-ws', `runyard.bearer.${daemon.token}`] });
  await logged(daemon, 'run finished', (entry) => entry.runId === run.runId);
  await logged(daemon, 'handshake refused', (entry) => entry.reason === 'bad_subprotocol');
  t.equal((await client.run.logs({ runId: run.runId })).text, `${secret}\n`, 'the run did see the value');
  t.notMatch(daemon.log(), daemon.token, 'no token');
  t.notMatch(daemon.log(), secret, 'no env value');
});

/** A WebSocket upgrade without Sec-WebSocket-Key, which ws itself rejects. */
function brokenUpgrade(daemon: TestDaemon, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const upgrade = request(daemon.url.replace('ws://', 'http://'), {
      headers: { ...headers, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13' },
    });
    upgrade.on('response', (response) => {
      resolve(response.statusCode ?? 0);
      response.resume();
    });
    upgrade.on('upgrade', () => reject(new Error('upgraded')));
    upgrade.on('error', reject);
    upgrade.end();
  });
}

t.test(
  'on a terminal the log is pretty and coloured by default',
  { skip: existsSync('/usr/bin/script') ? false : 'needs script(1) for a pseudo-terminal' },
  async (t) => {
    const home = await tempDir(t, 'log-tty');
    const serve = [
      CLI,
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--runs-dir',
      `${home}/runs`,
      '--state-dir',
      `${home}/state`,
    ];
    // script(1) runs the daemon on a pseudo-terminal: its stderr is a TTY, as in an operator's shell.
    const child = spawn(
      '/usr/bin/script',
      ['-qefc', [process.execPath, ...serve].map((arg) => `'${arg}'`).join(' '), '/dev/null'],
      {
        env: { ...process.env, NO_COLOR: '' },
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const line = await eventually(() =>
      output.split(/\r?\n/).find((text) => text.includes('daemon started')),
    );
    const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
    t.teardown(async () => {
      process.kill(pid, 'SIGTERM');
      await eventually(() => (processGone(pid) ? true : undefined));
      child.kill();
    });
    t.match(line, /^\d\d:\d\d:\d\d\.\d{3} \x1b\[32mINFO \x1b\[39m daemon started url=ws:/);
  },
);
