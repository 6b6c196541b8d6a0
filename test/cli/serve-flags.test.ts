// `runyard serve`: the log's flags and variables, and the Origin allow-list; a bad value stops it before it starts.
import t, { type Test } from 'tap';
import { handshakeStatus, startDaemon } from '../helpers/daemon.js';

/** How `runyard serve` ended before it listened: a daemon that starts after all fails the test. */
async function serve(t: Test, args: string[], env: NodeJS.ProcessEnv = {}) {
  const refusal = await startDaemon(t, { args, env }).then(
    () => new Error('daemon exited (started) before listening:\n'),
    (error: Error) => error,
  );
  const [, code, stderr] =
    /^daemon exited \((\w+)\) before listening:\n([\s\S]*)$/.exec(refusal.message) ?? [];
  return { code: Number(code), stderr: stderr ?? refusal.message };
}

t.test(
  'an --allow-origin that can never match is a usage error naming it and the expected form',
  async (t) => {
    for (const value of ['http://127.0.0.1:18931/', '127.0.0.1:18931', '*', 'HTTP://127.0.0.1:18931']) {
      const { code, stderr } = await serve(t, [
        '--allow-origin',
        'http://localhost:5173',
        '--allow-origin',
        value,
      ]);
      t.equal(code, 2, `${value} is refused`);
      t.match(stderr, `--allow-origin: ${JSON.stringify(value)} can never match an Origin`);
      t.match(stderr, 'expected scheme://host[:port]');
    }
  },
);

t.test('RUNYARD_ALLOW_ORIGIN is checked the same way, and named in the error', async (t) => {
  const { code, stderr } = await serve(t, [], {
    RUNYARD_ALLOW_ORIGIN: 'http://localhost:5173,http://localhost:5174/',
  });
  t.equal(code, 2);
  t.match(stderr, 'RUNYARD_ALLOW_ORIGIN: "http://localhost:5174/" can never match an Origin');
});

t.test(
  'RUNYARD_ALLOW_ORIGIN admits each origin it lists, and --allow-origin replaces the list',
  async (t) => {
    const env = { RUNYARD_ALLOW_ORIGIN: 'http://localhost:5173, vscode-webview://trusted' };
    const fromEnv = await startDaemon(t, { env });
    const bearer = { authorization: `Bearer ${fromEnv.token}` };
    for (const origin of ['http://localhost:5173', 'vscode-webview://trusted'])
      t.equal(
        await handshakeStatus(fromEnv.url, { headers: { ...bearer, origin } }),
        101,
        `${origin} admitted`,
      );
    t.equal(
      await handshakeStatus(fromEnv.url, { headers: { ...bearer, origin: 'http://localhost:5174' } }),
      403,
    );

    const fromFlag = await startDaemon(t, { env, args: ['--allow-origin', 'http://localhost:5174'] });
    const flagBearer = { authorization: `Bearer ${fromFlag.token}` };
    t.equal(
      await handshakeStatus(fromFlag.url, { headers: { ...flagBearer, origin: 'http://localhost:5174' } }),
      101,
    );
    t.equal(
      await handshakeStatus(fromFlag.url, { headers: { ...flagBearer, origin: 'http://localhost:5173' } }),
      403,
      'the flag wins over the variable',
    );
  },
);

t.test('a log level or format that does not exist is a usage error naming the allowed ones', async (t) => {
  const flag = await serve(t, ['--log-level', 'verbose']);
  t.equal(flag.code, 2);
  t.match(flag.stderr, '--log-level must be one of debug, info, warn, error, got "verbose"');
  const env = await serve(t, [], { RUNYARD_LOG_LEVEL: 'trace' });
  t.equal(env.code, 2);
  t.match(env.stderr, 'RUNYARD_LOG_LEVEL must be one of debug, info, warn, error, got "trace"');
  const format = await serve(t, ['--log-format', 'xml']);
  t.equal(format.code, 2);
  t.match(format.stderr, '--log-format must be json or pretty, got "xml"');
});
