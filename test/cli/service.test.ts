import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import type { ServiceAction } from 'runyard/client';
import { runCli } from '../helpers/cli.js';
import { processGone, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';

const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

const daemon = await startDaemon(t);
const client = await daemon.client();
const connection = ['--url', daemon.url, '--token', daemon.token];

/** `runyard service SUBCOMMAND ...` against the test daemon, found through --url and --token. */
const service = (subcommand: string, ...args: string[]) =>
  runCli(['service', subcommand, ...connection, ...args]);
const run = (subcommand: string, ...args: string[]) => runCli(['run', subcommand, ...connection, ...args]);

// Shared by every test; each test makes its own service from them.
await client.action.set({ name: 'serve', description: 'Long-running', argv: ['sleep', '600'] });
await client.action.set({ name: 'check', description: 'Done at once', argv: ['true'] });
await client.action.set({ name: 'crash', description: 'Fails at once', argv: ['sh', '-c', 'exit 3'] });

/** A service of `actions`, stopped with the test so no run outlives it. */
async function makeService(t: Test, name: string, actions: ServiceAction[]): Promise<void> {
  await client.service.set({ name, actions });
  t.teardown(() => client.service.stop({ name }));
}

const runIdsOf = async (serviceId: string) =>
  (await client.run.list({ serviceId })).runs.map((listed) => listed.runId).sort();

t.test(
  'service set with --action flags stores the actions in order with their restart policies',
  async (t) => {
    const result = await service(
      'set',
      'flags-web',
      '--action',
      'serve:always',
      '--action',
      'check',
      '--action',
      'crash:on-failure',
      '--description',
      'Made with flags',
    );
    t.equal(result.code, 0, result.stderr);
    const { spec } = await client.service.get({ name: 'flags-web' });
    t.equal(spec.description, 'Made with flags');
    t.match(spec.actions, [
      { action: 'serve', restart: 'always' },
      { action: 'check', restart: 'never' },
      { action: 'crash', restart: 'on-failure' },
    ]);
    t.match(result.stdout, /^name:\s+flags-web$/m);
    t.match(result.stdout, /^actions:\s+serve:always\n\s+check:never\n\s+crash:on-failure$/m);
  },
);

t.test('service set --file stores the backoff and start limit that no flag sets', async (t) => {
  const spec = {
    name: 'file-web',
    description: 'Made from a file',
    actions: [
      {
        action: 'serve',
        restart: 'always',
        backoff: { initialDelayMs: 500 },
        startLimit: { maxRestarts: 2, windowMs: 10_000 },
      },
    ],
  };
  const path = join(t.testdir(), 'service.json');
  await writeFile(path, JSON.stringify(spec));
  const result = await service('set', '--file', path);
  t.equal(result.code, 0, result.stderr);
  t.match((await client.service.get({ name: 'file-web' })).spec, spec);
  t.match(
    result.stdout,
    /^actions:\s+serve:always {2}backoff initialDelayMs=500 .* {2}start limit maxRestarts=2 windowMs=10000$/m,
  );
});

t.test('service get --json prints the result of service.get exactly', async (t) => {
  await client.service.set({ name: 'get-json', actions: [{ action: 'check' }] });
  const result = await service('get', 'get-json', '--json');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, JSON.stringify(await client.service.get({ name: 'get-json' }), null, 2) + '\n');
});

t.test('service list prints a table with each service and its actions', async (t) => {
  await client.service.set({
    name: 'list-web',
    description: 'Listed',
    actions: [{ action: 'serve', restart: 'always' }, { action: 'check' }],
  });
  const result = await service('list');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^NAME\s+SOURCE\s+ACTIONS\s+DESCRIPTION\n/);
  t.match(result.stdout, /^list-web\s+rpc\s+serve:always check:never\s+Listed$/m);
  const json = await service('list', '--json');
  t.equal(json.stdout, JSON.stringify(await client.service.list(), null, 2) + '\n');
});

t.test('service start prints the state, then one row per action with its new run', async (t) => {
  await makeService(t, 'start-web', [{ action: 'serve', restart: 'always' }, { action: 'check' }]);
  const result = await service('start', 'start-web');
  t.equal(result.code, 0, result.stderr);
  const lines = result.stdout.trimEnd().split('\n');
  t.equal(lines[0], 'start-web: running');
  t.match(lines[1], /^ACTION\s+RUN ID\s+STATUS\s+PID\s+UPTIME\s+RESTARTS\s+WHY$/);
  // The pid shows once the process is spawned, which the attempt's start may precede by a moment.
  t.match(lines[2], new RegExp(`^serve\\s+${ULID}\\s+running\\s+(\\d+|-)\\s+\\d+s\\s+0\\s+-$`));
  t.match(lines[3], new RegExp(`^check\\s+${ULID}\\s+\\w+\\s+\\S+\\s+\\S+\\s+0\\s+-$`));
  t.equal(lines.length, 4);
  t.same(
    lines
      .slice(2)
      .map((line) => line.split(/\s+/)[1])
      .sort(),
    await runIdsOf('start-web'),
  );
});

t.test(
  'service status shows the pid and uptime of a running action and the same runs as the daemon',
  async (t) => {
    await makeService(t, 'status-web', [{ action: 'serve', restart: 'always' }]);
    const started = await client.service.start({ name: 'status-web' });
    const pid = await eventually(
      async () => (await client.service.status({ name: 'status-web' })).actions[0]!.pid ?? undefined,
    );
    const result = await service('status', 'status-web');
    t.equal(result.code, 0, result.stderr);
    t.match(result.stdout, /^status-web: running\n/);
    t.match(
      result.stdout,
      new RegExp(`^serve\\s+${started.actions[0]!.runId}\\s+running\\s+${pid}\\s+\\d+s\\s+0\\s+-$`, 'm'),
    );
    t.notOk(processGone(pid), 'that pid is a live process');
  },
);

t.test('service status shows restarts and, in words, the last failure and the start limit', async (t) => {
  await makeService(t, 'crash-web', [
    {
      action: 'crash',
      restart: 'on-failure',
      backoff: { initialDelayMs: 0, jitter: 'none' },
      startLimit: { maxRestarts: 2, windowMs: 60_000 },
    },
  ]);
  await client.service.start({ name: 'crash-web' });
  const failed = await eventually(async () => {
    const status = await client.service.status({ name: 'crash-web' });
    return status.state === 'failed' ? status : undefined;
  });
  const result = await service('status', 'crash-web');
  t.equal(result.code, 0, result.stderr);
  const [entry] = failed.actions;
  t.equal(result.stdout.split('\n')[0], 'crash-web: failed');
  t.match(
    result.stdout,
    new RegExp(
      `^crash\\s+${entry!.runId}\\s+failed\\s+-\\s+-\\s+${entry!.restarts}\\s+` +
        'exited with code 3; start limit: 2 restarts in 60 s$',
      'm',
    ),
  );
  t.ok(entry!.restarts > 0);
  const json = await service('status', 'crash-web', '--json');
  t.equal(json.stdout, JSON.stringify(await client.service.status({ name: 'crash-web' }), null, 2) + '\n');
});

t.test('service stop --remove-jobs ends the runs and removes them from the index', async (t) => {
  await makeService(t, 'stop-web', [{ action: 'serve', restart: 'always' }, { action: 'check' }]);
  const started = await client.service.start({ name: 'stop-web' });
  const result = await service('stop', 'stop-web', '--remove-jobs');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^stop-web: stopped\nACTION\s+RUN ID/);
  t.match(result.stdout, /^serve\s+-\s+-\s+-\s+-\s+0\s+-$/m);
  t.same(await runIdsOf('stop-web'), []);
  t.equal((await run('status', started.actions[0]!.runId!)).code, 1, 'the run is gone from the index');
});

t.test('service stop without --remove-jobs keeps the cancelled runs in the index', async (t) => {
  await makeService(t, 'stop-keep', [{ action: 'serve', restart: 'always' }]);
  const started = await client.service.start({ name: 'stop-keep' });
  const result = await service('stop', 'stop-keep');
  t.equal(result.code, 0, result.stderr);
  const runId = started.actions[0]!.runId!;
  t.same(await runIdsOf('stop-keep'), [runId]);
  t.equal((await client.run.status({ runId })).status, 'cancelled');
});

t.test('service restart replaces the runs with new ones', async (t) => {
  await makeService(t, 'restart-web', [{ action: 'serve', restart: 'always' }]);
  const before = (await client.service.start({ name: 'restart-web' })).actions[0]!.runId!;
  const result = await service('restart', 'restart-web');
  t.equal(result.code, 0, result.stderr);
  t.match(result.stdout, /^restart-web: running\n/);
  const after = await runIdsOf('restart-web');
  t.equal(after.length, 1);
  t.not(after[0], before);
  t.match(result.stdout, new RegExp(`^serve\\s+${after[0]}\\s+running`, 'm'));
});

t.test('service start without --keep-jobs removes the old runs first', async (t) => {
  await makeService(t, 'replace-web', [{ action: 'check' }]);
  const first = (await client.service.start({ name: 'replace-web' })).actions[0]!.runId!;
  await client.run.wait({ runId: first, timeoutMs: 10_000 });
  const result = await service('start', 'replace-web');
  t.equal(result.code, 0, result.stderr);
  const runIds = await runIdsOf('replace-web');
  t.equal(runIds.length, 1);
  t.not(runIds[0], first);
});

t.test('service start --keep-jobs keeps the old runs and adds new ones', async (t) => {
  await makeService(t, 'keep-web', [{ action: 'check' }]);
  const first = (await client.service.start({ name: 'keep-web' })).actions[0]!.runId!;
  await client.run.wait({ runId: first, timeoutMs: 10_000 });
  const result = await service('start', 'keep-web', '--keep-jobs');
  t.equal(result.code, 0, result.stderr);
  const runIds = await runIdsOf('keep-web');
  t.equal(runIds.length, 2);
  t.ok(runIds.includes(first), 'the old run is still listed');
});

t.test('run list --service shows only the runs of that service', async (t) => {
  await makeService(t, 'listed-web', [{ action: 'check' }]);
  const started = await client.service.start({ name: 'listed-web' });
  await client.run.start({ action: 'check' });
  const result = await run('list', '--service', 'listed-web', '--json');
  t.equal(result.code, 0, result.stderr);
  const page = JSON.parse(result.stdout) as {
    runs: { runId: string; serviceId: string; actionId: string }[];
  };
  t.same(
    page.runs.map((listed) => listed.runId),
    [started.actions[0]!.runId],
  );
  t.match(page.runs[0], { serviceId: 'listed-web', actionId: 'check' });
  const both = await run('list', '--service', 'listed-web', '--action', 'check', '--json');
  t.equal((JSON.parse(both.stdout) as { runs: unknown[] }).runs.length, 1);
});

t.test('service delete stops the service and deletes it', async (t) => {
  await client.service.set({ name: 'delete-web', actions: [{ action: 'serve', restart: 'always' }] });
  const runId = (await client.service.start({ name: 'delete-web' })).actions[0]!.runId!;
  const result = await service('delete', 'delete-web');
  t.equal(result.code, 0, result.stderr);
  t.equal(result.stdout, 'deleted service delete-web\n');
  t.equal((await client.run.status({ runId })).status, 'cancelled');
  t.equal((await service('get', 'delete-web')).code, 1);
});

t.test('a restart policy that does not exist is a usage error naming it', async (t) => {
  const result = await service('set', 'bad-policy', '--action', 'serve:sometimes');
  t.equal(result.code, 2);
  t.match(result.stderr, 'the restart policy must be never, on-failure or always, got "sometimes"');
});

t.test('service set without NAME or without --action is a usage error', async (t) => {
  const noName = await service('set', '--action', 'check');
  t.equal(noName.code, 2);
  t.match(noName.stderr, 'missing NAME');
  const noAction = await service('set', 'lonely');
  t.equal(noAction.code, 2);
  t.match(noAction.stderr, 'missing --action');
});

t.test('every subcommand that names a service needs NAME', async (t) => {
  for (const subcommand of ['get', 'delete', 'start', 'stop', 'restart', 'status']) {
    const result = await service(subcommand);
    t.equal(result.code, 2, subcommand);
    t.match(result.stderr, 'missing NAME');
  }
});

t.test('an unknown service exits 1 naming it', async (t) => {
  for (const subcommand of ['status', 'start', 'stop']) {
    const result = await service(subcommand, 'no-such-service');
    t.equal(result.code, 1, subcommand);
    t.equal(result.stdout, '');
    t.equal(result.stderr, 'runyard: service no-such-service not found (service_not_found)\n');
  }
});

t.test('service set naming an unknown action exits 1 naming the action', async (t) => {
  const result = await service('set', 'ghost-web', '--action', 'no-such-action:always');
  t.equal(result.code, 1);
  t.equal(result.stderr, 'runyard: action no-such-action not found (action_not_found)\n');
});

t.test('an unknown service subcommand is a usage error', async (t) => {
  const result = await service('reload', 'web');
  t.equal(result.code, 2);
  t.match(result.stderr, 'unknown service command "reload"');
});

t.test('every service subcommand prints its usage with --help and exits 0', async (t) => {
  for (const subcommand of ['set', 'get', 'list', 'delete', 'start', 'stop', 'restart', 'status']) {
    const result = await runCli(['service', subcommand, '--help']);
    t.equal(result.code, 0, subcommand);
    t.match(result.stdout, new RegExp(`^Usage: runyard service ${subcommand}\\b`));
  }
});
