// Reloads of the config file through real daemons: `runyard config reload`, SIGHUP, and the reloads that
// cannot be applied.
import { writeFile } from 'node:fs/promises';
import t from 'tap';
import { ConfigNotSetError } from 'runyard/client';
import { handshakeStatus, startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { cli, fromFile, writeConfig } from '../helpers/config.js';
import { eventually } from '../helpers/poll.js';

/** Starts a service and waits for its run to be running; resolves with that run's id. */
async function runningRun(daemon: TestDaemon, service: string): Promise<string> {
  const client = await daemon.client();
  const status = await client.service.start({ name: service });
  const runId = status.actions[0]!.runId!;
  await eventually(async () =>
    (await client.run.status({ runId })).status === 'running' ? true : undefined,
  );
  return runId;
}

t.test('runyard config reload applies the file again', async (t) => {
  const actions = [
    { name: 'kept', argv: ['true'] },
    { name: 'changed', argv: ['sleep', '300'] },
    { name: 'dropped', argv: ['sleep', '300'] },
  ];
  const services = [
    { name: 'web', actions: [{ action: 'changed' }] },
    { name: 'old', actions: [{ action: 'dropped' }] },
  ];
  const { file, daemon, env } = await fromFile(t, {
    daemon: { allowOrigins: ['http://localhost:5173'] },
    actions,
    services,
  });
  const client = await daemon.client();
  await client.action.set({ name: 'by-rpc', argv: ['true'] });
  const webRun = await runningRun(daemon, 'web');
  const oldRun = await runningRun(daemon, 'old');
  const origin = (value: string) =>
    handshakeStatus(daemon.url, { headers: { authorization: `Bearer ${daemon.token}`, origin: value } });
  t.equal(await origin('http://localhost:8080'), 403, 'an origin the file does not list yet');

  await writeConfig(file, {
    daemon: {
      runsDir: 'runs',
      stateDir: 'state',
      maxQueued: 5,
      allowOrigins: ['http://localhost:8080'],
      log: { level: 'debug' },
    },
    actions: [actions[0], { name: 'changed', argv: ['sleep', '301'] }, { name: 'added', argv: ['true'] }],
    services: [services[0]],
  });
  const reloaded = await cli(['config', 'reload', '--json'], env);
  t.equal(reloaded.code, 0, reloaded.stderr);
  t.same(JSON.parse(reloaded.stdout), {
    file,
    actions: { added: ['added'], updated: ['changed'], removed: ['dropped'] },
    services: { added: [], updated: [], removed: ['old'] },
    applied: ['log.level', 'allowOrigins'],
    restartRequired: ['maxQueued'],
  });
  t.same(
    (await client.action.list()).actions.map((action) => [action.spec.name, action.source]),
    [
      ['added', 'config'],
      ['by-rpc', 'rpc'],
      ['changed', 'config'],
      ['kept', 'config'],
    ],
    'RPC definitions stay',
  );
  t.equal((await client.run.status({ runId: oldRun })).status, 'cancelled', 'a removed service was stopped');
  t.equal(await origin('http://localhost:8080'), 101, 'the new origin is admitted at once');
  t.equal(await origin('http://localhost:5173'), 403, 'and the old one no longer');
  t.match(daemon.log(), /"level":"debug","message":"connection opened"/, 'the new log level is in effect');
  t.equal(
    (await client.run.status({ runId: webRun })).status,
    'running',
    'the service whose action changed…',
  );

  await writeConfig(file, {
    daemon: { runsDir: 'runs', stateDir: 'state' },
    actions: [actions[0], { name: 'changed', argv: ['sleep', '302'] }],
    services: [{ name: 'web', actions: [{ action: 'changed', restart: 'always' }] }],
  });
  const second = await cli(['config', 'reload'], env);
  t.equal(second.code, 0, second.stderr);
  t.match(second.stdout, 'services updated: web');
  const web = await client.service.status({ name: 'web' });
  t.not(web.actions[0]!.runId, webRun, '…restarts when the service itself changed');
  t.same(
    (await client.run.status({ runId: web.actions[0]!.runId! })).argv,
    ['sleep', '302'],
    'with the new spec',
  );
});

t.test('a reload that cannot be applied changes nothing and says why', async (t) => {
  const { file, daemon, env } = await fromFile(t, { actions: [{ name: 'shared', argv: ['true'] }] });
  const client = await daemon.client();
  await client.service.set({ name: 'uses-it', actions: [{ action: 'shared' }] });
  const before = await client.action.list();
  for (const [content, problem] of [
    ['{ "actions": [', /not valid JSON/],
    [JSON.stringify({ actions: [{ name: 'x' }] }), /\/actions\/0\/argv is required/],
    [
      JSON.stringify({ daemon: { stateDir: 'state' } }),
      /action "shared" is no longer declared but services uses-it still name it/,
    ],
    [JSON.stringify({ services: [{ name: 's', actions: [{ action: 'ghost' }] }] }), /names action "ghost"/],
  ] as const) {
    await writeFile(file, content);
    const reloaded = await cli(['config', 'reload', '--json'], env);
    t.equal(reloaded.code, 1);
    const { error } = JSON.parse(reloaded.stderr);
    t.match(error, { code: 1501, reason: 'config_invalid', data: { file } });
    t.match(error.message, problem);
  }
  t.same(await client.action.list(), before, 'the actions are as they were');
  t.match(daemon.log(), '"message":"config file not applied"');
});

t.test('SIGHUP reloads the file; without a file it is logged and the daemon goes on', async (t) => {
  const { file, daemon } = await fromFile(t, {});
  await writeConfig(file, {
    daemon: { runsDir: 'runs', stateDir: 'state' },
    actions: [{ name: 'hup', argv: ['true'] }],
  });
  daemon.child.kill('SIGHUP');
  const client = await daemon.client();
  await eventually(async () => ((await client.action.list()).actions.length === 1 ? true : undefined));

  const plain = await startDaemon(t);
  plain.child.kill('SIGHUP');
  await eventually(() => (plain.log().includes('config reload on SIGHUP failed') ? true : undefined));
  const plainClient = await plain.client();
  t.ok(await plainClient.daemon.info(), 'still serving');
  await t.rejects(plainClient.daemon.reloadConfig(), ConfigNotSetError);
});
