// The config file through real daemons: settings and their precedence, a bad file at start, and
// `runyard config check`. Reloads are in config-reload.test.ts.
import { access, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { cli, fromFile, writeConfig } from '../helpers/config.js';
import { tempDir } from '../helpers/fs.js';

t.test(
  'settings: the flag, else its variable, else the file (paths beside it), else the default',
  async (t) => {
    const settings = { daemon: { log: { level: 'debug' } } };
    const plain = await fromFile(t, settings);
    const info = await (await plain.daemon.client()).daemon.info();
    t.equal(info.runsDir, await realpath(join(plain.dir, 'runs')), 'runsDir is relative to the file');
    t.equal(info.configFile, plain.file, 'daemon.info names the file');
    t.match(plain.daemon.log(), '"level":"debug"', "the file's log level");

    const elsewhere = await tempDir(t, 'config');
    const overridden = await fromFile(t, settings, {
      RUNYARD_RUNS_DIR: join(elsewhere, 'env-runs'),
      RUNYARD_LOG_LEVEL: 'info',
    });
    t.equal(
      (await (await overridden.daemon.client()).daemon.info()).runsDir,
      await realpath(join(elsewhere, 'env-runs')),
      'the variable beats the file',
    );
    t.notMatch(overridden.daemon.log(), '"level":"debug"', 'RUNYARD_LOG_LEVEL beats the file');

    const flagged = await startDaemon(t, {
      cwd: elsewhere,
      stateDir: join(plain.dir, 'state2'),
      args: [
        '--config',
        plain.file,
        '--state-dir',
        join(plain.dir, 'state2'),
        '--runs-dir',
        join(elsewhere, 'flag'),
      ],
      env: { RUNYARD_RUNS_DIR: join(elsewhere, 'env-runs') },
    });
    t.equal(flagged.runsDir, await realpath(join(elsewhere, 'flag')), 'the flag beats the variable');
  },
);

t.test('RUNYARD_CONFIG names the file when --config does not', async (t) => {
  const dir = await tempDir(t, 'config');
  const file = join(dir, 'runyard.json');
  await writeConfig(file, { daemon: { stateDir: 'state' }, actions: [{ name: 'from-env', argv: ['true'] }] });
  const daemon = await startDaemon(t, {
    cwd: dir,
    stateDir: join(dir, 'state'),
    env: { RUNYARD_CONFIG: file },
  });
  const client = await daemon.client();
  t.same(
    (await client.action.list()).actions.map((action) => action.spec.name),
    ['from-env'],
  );
});

t.test('a bad file stops serve before it creates or runs anything', async (t) => {
  const dir = await tempDir(t, 'config');
  const file = join(dir, 'runyard.json');
  for (const [config, problem] of [
    [{ daemon: { stateDir: 'state', runsDir: 'runs', maxQueued: 0 } }, /\/daemon\/maxQueued must be >= 1/],
    [
      { daemon: { stateDir: 'state', allowOrigins: ['http://x/'] } },
      /\/daemon\/allowOrigins\/0 "http:\/\/x\/" can never/,
    ],
    [{ daemon: { stateDir: 'state', listen: '0.0.0.0:7' } }, /without --allow-remote/],
    [
      {
        daemon: { stateDir: 'state' },
        actions: [
          { name: 'a', argv: ['x'] },
          { name: 'a', argv: ['y'] },
        ],
      },
      /declared already/,
    ],
  ] as const) {
    await writeConfig(file, config);
    // No --listen: the file's must be the one refused. A serve that starts after all is killed by the timeout.
    const served = await cli(['serve', '--config', file], {}, dir, 20_000);
    t.not(served.code, 0, `refused: ${problem}`);
    t.match(served.stderr, problem);
    t.equal(served.stdout, '', 'it never listened');
    await t.rejects(access(join(dir, 'state')), 'no state directory was made');
    await t.rejects(access(join(dir, 'runs')), 'no runs directory was made');
  }
});

t.test('runyard config check', async (t) => {
  const dir = await tempDir(t, 'config');
  const file = join(dir, 'runyard.json');
  await writeConfig(file, {
    daemon: { listen: '127.0.0.1:7400', log: { level: 'warn' } },
    actions: [{ name: 'lint', argv: ['true'] }],
    services: [{ name: 'checks', actions: [{ action: 'lint' }, { action: 'elsewhere' }] }],
  });
  const good = await cli(['config', 'check', file]);
  t.equal(good.code, 0, good.stderr);
  t.match(good.stdout, `${file}: valid: 1 action, 1 service, daemon settings: listen, log.level`);
  t.match(good.stdout, 'note: service checks names action elsewhere, which the daemon must have already');

  await writeConfig(file, { daemon: { maxConcurrent: 'four', retention: { keepDays: -1 } }, extra: true });
  const bad = await cli(['config', 'check', '--json', file]);
  t.equal(bad.code, 1);
  const { error } = JSON.parse(bad.stderr);
  t.equal(error.reason, 'config_invalid');
  t.match(error.data.problems, [/\/extra is not allowed here/, /maxConcurrent/, /keepDays/], 'every problem');

  const missing = await cli(['config', 'check', join(dir, 'nope.json')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, 'cannot read the config file (ENOENT)');
  t.equal((await cli(['config', 'check'])).code, 2, 'FILE is required');
});
