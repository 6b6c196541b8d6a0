// Actions and services through a real daemon: provenance, clean restarts, restart policies, the config file.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import type { RunRecord, RunyardClient } from 'runyard/client';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';

const idsOf = (runs: RunRecord[]) => runs.map((run) => run.runId).sort();

async function serviceRuns(client: RunyardClient, serviceId: string): Promise<RunRecord[]> {
  return (await client.run.list({ serviceId, limit: 1_000 })).runs;
}

t.test('provenance', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  await client.action.set({
    name: 'hello',
    argv: ['sh', '-c', 'echo "hello $WHO"'],
    env: { WHO: 'action' },
    labels: { a: '1' },
  });
  await client.service.set({ name: 'svc', actions: [{ action: 'hello' }] });

  t.test('a run of a service carries both ids, in the record and in retention-summary.json', async (t) => {
    const status = await client.service.start({ name: 'svc' });
    const run = await client.run.wait({ runId: status.actions[0]!.runId! });
    t.match(run, { actionId: 'hello', serviceId: 'svc', status: 'succeeded' });
    const summary = JSON.parse(await readFile(join(run.runDir, 'retention-summary.json'), 'utf8'));
    t.match(summary, { actionId: 'hello', serviceId: 'svc' });
    const plan = JSON.parse(await readFile(join(run.runDir, 'plan.json'), 'utf8'));
    t.match(plan, { actionId: 'hello', serviceId: 'svc' });
  });

  t.test('a standalone action run carries actionId only, with per-run overrides merged', async (t) => {
    const started = await client.run.start({ action: 'hello', env: { WHO: 'override' }, labels: { b: '2' } });
    const run = await client.run.wait({ runId: started.runId });
    t.match(run, { actionId: 'hello', serviceId: null, labels: { a: '1', b: '2' } });
    t.equal((await client.run.logs({ runId: run.runId })).text, 'hello override\n');
  });

  t.test(
    "a run takes its action's priority unless the request gives one, and 0 when neither does",
    async (t) => {
      await client.action.set({ name: 'urgent', argv: ['true'], priority: 7 });
      t.equal((await client.run.start({ action: 'urgent' })).priority, 7, "the action's");
      t.equal((await client.run.start({ action: 'urgent', priority: -2 })).priority, -2, "the request's");
      await client.action.set({ name: 'plain', argv: ['true'] });
      t.equal((await client.run.start({ action: 'plain' })).priority, 0, 'the default');
      t.equal((await client.run.start({ argv: ['true'] })).priority, 0, 'the default, without an action');
    },
  );

  t.test('an ad-hoc run carries neither', async (t) => {
    const run = await client.run.start({ argv: ['true'] });
    t.match(run, { actionId: null, serviceId: null });
  });

  t.test('run.list filters by actionId and serviceId', async (t) => {
    const byAction = await client.run.list({ actionId: 'hello' });
    t.equal(byAction.runs.length, 2);
    const byService = await client.run.list({ serviceId: 'svc' });
    t.equal(byService.runs.length, 1);
    t.same(
      byService.runs.map((run) => run.serviceId),
      ['svc'],
    );
  });

  t.test('unknown names get distinct errors naming them', async (t) => {
    t.match(await client.run.start({ action: 'nope' }).catch((e: unknown) => e), {
      code: 1301,
      reason: 'action_not_found',
      data: { name: 'nope' },
    });
    t.match(await client.service.start({ name: 'nope' }).catch((e: unknown) => e), {
      code: 1401,
      reason: 'service_not_found',
      data: { name: 'nope' },
    });
    t.match(
      await client.service.set({ name: 'bad', actions: [{ action: 'missing' }] }).catch((e: unknown) => e),
      {
        code: 1301,
        data: { name: 'missing' },
      },
    );
    t.match(await client.service.set({ name: 'empty', actions: [] }).catch((e: unknown) => e), {
      code: -32602,
      data: { errors: [{ path: '/actions' }] },
    });
    t.match(await client.service.get({ name: 'bad' }).catch((e: unknown) => e), {
      reason: 'service_not_found',
    });
  });

  t.test('an action a service uses cannot be deleted', async (t) => {
    t.match(await client.action.delete({ name: 'hello' }).catch((e: unknown) => e), {
      code: 1302,
      reason: 'action_in_use',
      data: { services: ['svc'] },
    });
    t.equal((await client.action.get({ name: 'hello' })).spec.name, 'hello');
  });
});

t.test('service.start replaces the service’s jobs by default', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  await client.action.set({ name: 'quick', argv: ['true'] });
  await client.action.set({ name: 'long', argv: ['sleep', '300'] });
  await client.service.set({ name: 'web', actions: [{ action: 'quick' }, { action: 'long' }] });
  const outsider = await client.run.start({ action: 'long' });

  const first = await client.service.start({ name: 'web' });
  const [quick, long] = first.actions.map((action) => action.runId!);
  await client.run.wait({ runId: quick! });

  const second = await client.service.start({ name: 'web' });
  const newLong = await client.run.status({ runId: second.actions[1]!.runId! });
  // Both old runs are finished now, so both left the index; their directories stay as the record.
  for (const runId of [quick!, long!]) {
    t.match(await client.run.status({ runId }).catch((e: unknown) => e), { reason: 'run_not_found' });
  }
  const cancelled = JSON.parse(await readFile(join(daemon.runsDir, long!, 'retention-summary.json'), 'utf8'));
  t.equal(cancelled.status, 'cancelled', 'the active run was cancelled');
  t.ok(
    Date.parse(cancelled.finishedAt) <= Date.parse(newLong.createdAt),
    'it had ended before the new runs were created',
  );
  await readFile(join(daemon.runsDir, quick!, 'retention-summary.json'));
  t.same(
    idsOf(await serviceRuns(client, 'web')),
    idsOf(second.actions.map((a) => ({ runId: a.runId! }) as RunRecord)),
  );
  t.equal(
    (await client.run.status({ runId: outsider.runId })).status,
    'running',
    'runs of other owners are left alone',
  );

  t.test('replaceExistingJobs: false keeps the old runs and adds new ones', async (t) => {
    const before = idsOf(await serviceRuns(client, 'web'));
    const third = await client.service.start({ name: 'web', replaceExistingJobs: false });
    const after = idsOf(await serviceRuns(client, 'web'));
    t.equal(after.length, before.length + 2);
    for (const runId of before) t.ok(after.includes(runId));
    t.equal(third.actions.length, 2);
  });

  t.test('service.stop cancels active runs and, with removeJobs, removes them from the index', async (t) => {
    const kept = await client.service.stop({ name: 'web' });
    t.equal(kept.state, 'stopped');
    const runs = await serviceRuns(client, 'web');
    t.ok(runs.length > 0 && runs.every((run) => ['cancelled', 'succeeded'].includes(run.status)));
    const removed = await client.service.stop({ name: 'web', removeJobs: true });
    t.equal(removed.state, 'stopped');
    t.same(await serviceRuns(client, 'web'), []);
    await client.run.cancel({ runId: outsider.runId });
  });
});

t.test('a replaced run stays readable: its logs, its events and its files through retained.*', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  await client.action.set({
    name: 'noisy',
    argv: ['sh', '-c', 'echo out; echo "cannot bind" >&2; exit 1'],
  });
  await client.service.set({ name: 'noisy-svc', actions: [{ action: 'noisy' }] });
  const failed = (await client.service.start({ name: 'noisy-svc' })).actions[0]!.runId!;
  t.equal((await client.run.wait({ runId: failed })).status, 'failed');
  await client.service.start({ name: 'noisy-svc' });
  t.match(await client.run.status({ runId: failed }).catch((e: unknown) => e), {
    reason: 'run_not_found',
  });
  t.notOk(
    (await serviceRuns(client, 'noisy-svc')).some((run) => run.runId === failed),
    'it left run.list',
  );
  t.match(await client.run.logs({ runId: failed, stream: 'stderr' }), {
    text: 'cannot bind\n',
    eof: true,
  });
  const { events, end } = await client.run.events({ runId: failed });
  t.ok(end, 'its whole event log');
  t.match(events.at(-1), { type: 'end', status: 'failed' });
  const chunk = await client.retained.readArtifact({ runId: failed, path: 'logs/stdout.log' });
  t.equal(Buffer.from(chunk.data, 'base64').toString(), 'out\n');
  const neverRan = await client.run.logs({ runId: '01JD6W4ZK3Q8V5N2M7XKCB9TS9' }).catch((e: unknown) => e);
  t.match(neverRan, { reason: 'run_not_found' }, 'a run id nobody knows is still not found');
});

t.test('two concurrent service.start calls never produce two sets of runs', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  await client.action.set({ name: 'long', argv: ['sleep', '300'] });
  await client.service.set({ name: 'svc', actions: [{ action: 'long' }] });
  const [a, b] = await Promise.all([
    client.service.start({ name: 'svc' }),
    client.service.start({ name: 'svc' }),
  ]);
  t.not(a.actions[0]!.runId, b.actions[0]!.runId);
  const active = (await serviceRuns(client, 'svc')).filter((run) =>
    ['queued', 'running'].includes(run.status),
  );
  t.equal(active.length, 1, 'one run per action is active');
  await client.service.stop({ name: 'svc' });
});

t.test(
  'an on-failure action is restarted with backoff and the service fails at its start limit',
  async (t) => {
    const daemon = await startDaemon(t);
    const client = await daemon.client();
    await client.action.set({ name: 'crash', argv: ['sh', '-c', 'echo crashing; exit 3'] });
    await client.service.set({
      name: 'flaky',
      actions: [
        {
          action: 'crash',
          restart: 'on-failure',
          backoff: { initialDelayMs: 20, factor: 2, maxDelayMs: 100, jitter: 'none' },
          startLimit: { maxRestarts: 3, windowMs: 60_000 },
        },
      ],
    });
    await client.service.start({ name: 'flaky' });
    const failed = await eventually(async () => {
      const status = await client.service.status({ name: 'flaky' });
      return status.state === 'failed' ? status : undefined;
    });
    t.match(failed.actions[0], {
      restarts: 3,
      nextRestartAt: null,
      lastFailure: { status: 'failed', error: { reason: 'exit_code' } },
    });
    const runs = (await serviceRuns(client, 'flaky')).sort((x, y) => x.createdAt.localeCompare(y.createdAt));
    t.equal(runs.length, 4, 'the first run and three restarts, then no more');
    // Backoff: each restart waited at least the delay for its place (20, 40, 80 ms), measured on the daemon's clock.
    const gaps = runs.slice(1).map((run, i) => Date.parse(run.createdAt) - Date.parse(runs[i]!.finishedAt!));
    gaps.forEach((gap, i) => t.ok(gap >= [20, 40, 80][i]! - 1, `restart ${i + 1} waited ${gap} ms`));

    t.test('service.start clears a failed service', async (t) => {
      const again = await client.service.start({ name: 'flaky' });
      t.not(again.state, 'failed');
      t.equal(again.actions[0]!.restarts, 0);
      await client.service.stop({ name: 'flaky' });
    });
  },
);

t.test('an always action is restarted after it exits, and stop ends the cycle', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  await client.action.set({ name: 'blink', argv: ['true'] });
  await client.service.set({
    name: 'blinker',
    actions: [
      {
        action: 'blink',
        restart: 'always',
        backoff: { initialDelayMs: 10, jitter: 'none' },
        startLimit: { maxRestarts: 1000 },
      },
    ],
  });
  await client.service.start({ name: 'blinker' });
  await eventually(async () =>
    (await client.service.status({ name: 'blinker' })).actions[0]!.restarts >= 2 ? true : undefined,
  );
  const stopped = await client.service.stop({ name: 'blinker' });
  const count = (await serviceRuns(client, 'blinker')).length;
  t.equal(stopped.state, 'stopped');
  const later = await client.run.start({ argv: ['true'] }); // something else happens meanwhile
  await client.run.wait({ runId: later.runId });
  t.equal((await serviceRuns(client, 'blinker')).length, count, 'no restart after the stop');
});

t.test('replaceExistingJobs and removeJobs appear with their defaults in openrpc.json', async (t) => {
  const document = JSON.parse(await readFile(new URL('../../openrpc.json', import.meta.url), 'utf8'));
  const param = (method: string, name: string) =>
    document.methods
      .find((m: { name: string }) => m.name === method)
      .params.find((p: { name: string }) => p.name === name);
  t.match(param('service.start', 'replaceExistingJobs'), {
    required: false,
    schema: { type: 'boolean', default: true },
  });
  t.match(param('service.stop', 'removeJobs'), {
    required: false,
    schema: { type: 'boolean', default: false },
  });
});

t.test('the config file', async (t) => {
  t.test('declares actions and services at start-up, next to ones created over RPC', async (t) => {
    const first = await startDaemon(t);
    const client = await first.client();
    await client.action.set({ name: 'from-rpc', argv: ['true'] });
    await first.stop();
    const config = join(first.home, 'runyard.config.json');
    await writeFile(
      config,
      JSON.stringify({
        $schema: './schema/runyard.config.schema.json',
        actions: [{ name: 'lint', argv: ['true'], description: 'lint it' }],
        services: [{ name: 'checks', actions: [{ action: 'lint' }, { action: 'from-rpc' }] }],
      }),
    );
    const second = await startDaemon(t, { home: first.home, args: ['--config', config] });
    const after = await second.client();
    t.same(
      (await after.action.list()).actions.map((a) => [a.spec.name, a.source]),
      [
        ['from-rpc', 'rpc'],
        ['lint', 'config'],
      ],
    );
    t.match(await after.service.get({ name: 'checks' }), {
      source: 'config',
      spec: { actions: [{ action: 'lint' }, { action: 'from-rpc' }] },
    });
  });

  const invalid: [string, unknown, RegExp][] = [
    ['a file that is not JSON', '{ "actions": [', /not valid JSON/],
    ['an action without argv', { actions: [{ name: 'x' }] }, /\/actions\/0\/argv is required/],
    ['an unknown top-level key', { action: [] }, /\/action is not allowed here/],
    [
      'a service naming an undeclared action',
      { services: [{ name: 's', actions: [{ action: 'ghost' }] }] },
      /\/services\/0\/actions\/0\/action .*ghost/,
    ],
  ];
  for (const [name, content, message] of invalid) {
    t.test(`stops the daemon with the file, the JSON path and the rule: ${name}`, async (t) => {
      const daemon = await startDaemon(t);
      await daemon.stop();
      const config = join(daemon.home, 'bad.config.json');
      await writeFile(config, typeof content === 'string' ? content : JSON.stringify(content));
      const result = await promisify(execFile)(process.execPath, [
        CLI,
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--state-dir',
        daemon.stateDir,
        '--runs-dir',
        daemon.runsDir,
        '--config',
        config,
      ]).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );
      t.equal(result.code, 1);
      t.match(result.stderr, config, 'the message names the file');
      t.match(result.stderr, message);
    });
  }

  t.test(
    'the published schema is generated from the contract and accepts the example in docs/services.md',
    async (t) => {
      const schema = JSON.parse(
        await readFile(new URL('../../schema/runyard.config.schema.json', import.meta.url), 'utf8'),
      );
      t.match(schema, {
        $schema: 'http://json-schema.org/draft-07/schema#',
        properties: { actions: {}, services: {} },
      });
    },
  );
});

t.test(
  'a service marked autostart comes back when the daemon starts again; others stay stopped',
  async (t) => {
    const first = await startDaemon(t);
    const client = await first.client();
    await client.action.set({ name: 'long', argv: ['sleep', '600'] });
    await client.service.set({ name: 'back', actions: [{ action: 'long' }], autostart: true });
    await client.service.set({ name: 'manual', actions: [{ action: 'long' }] });
    t.equal((await client.service.get({ name: 'back' })).spec.autostart, true);
    const before = (await client.service.start({ name: 'back' })).actions[0]!.runId;
    await client.close();
    t.equal(await first.stop('SIGTERM'), 0);

    const second = await startDaemon(t, { home: first.home });
    const again = await second.client();
    const status = await eventually(async () => {
      const found = await again.service.status({ name: 'back' });
      return found.state === 'running' ? found : undefined;
    });
    t.not(status.actions[0]!.runId, before, 'with a new run');
    t.equal((await again.service.status({ name: 'manual' })).state, 'stopped', 'a service without autostart');
    t.match(second.log(), /started the services marked autostart/);
    await again.service.stop({ name: 'back' });
  },
);
