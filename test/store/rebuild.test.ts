// Rebuilding the index from run directories: odd content of our own files, foreign directories, and a rebuild that died.
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import t, { type Test } from 'tap';
import type { RunRecord, RunyardClient } from 'runyard/client';
import { runCli } from '../helpers/cli.js';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { writeRunDir } from '../retained/fixtures.js';

/** A daemon that ran `count` runs and stopped, with their records as run.status answered them. */
async function finishedRuns(
  t: Test,
  count: number,
  extra: Parameters<RunyardClient['run']['start']>[0] = { argv: ['true'] },
) {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const runs: RunRecord[] = [];
  for (let i = 0; i < count; i++) {
    const run = await client.run.start({ ...extra, labels: { n: String(i) } });
    runs.push(await client.run.wait({ runId: run.runId, timeoutMs: 20_000 }));
  }
  await daemon.stop();
  return { daemon, runs };
}

const forgetIndex = (daemon: TestDaemon) =>
  Promise.all(
    ['', '-wal', '-shm'].map((suffix) => rm(join(daemon.stateDir, `runyard.db${suffix}`), { force: true })),
  );

async function editJson(path: string, edit: (json: Record<string, unknown>) => void): Promise<void> {
  const json = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(json);
  await writeFile(path, JSON.stringify(json));
}

t.test('odd but plausible fields of our own files get defaults, and every run is indexed', async (t) => {
  const { daemon, runs } = await finishedRuns(t, 6, { argv: ['true'], idempotencyKey: undefined });
  const [noPriority, objectLabels, unknownStatus, noEnvNames, sharedKey, other] = runs as [
    RunRecord,
    ...RunRecord[],
  ];
  await editJson(join(noPriority.runDir, 'run.json'), (json) => delete json.priority);
  await editJson(
    join(objectLabels.runDir, 'run.json'),
    (json) => (json.labels = { nested: { not: 'a string' } }),
  );
  await editJson(join(unknownStatus.runDir, 'run.json'), (json) => (json.status = 'exploded'));
  await editJson(join(noEnvNames!.runDir, 'plan.json'), (json) => delete json.envNames);
  for (const run of [sharedKey!, other!])
    await editJson(join(run.runDir, 'run.json'), (json) => (json.idempotencyKey = 'same-key'));
  await forgetIndex(daemon);

  const again = await startDaemon(t, { home: daemon.home });
  const client = await again.client();
  t.match(await client.run.status({ runId: noPriority.runId }), { status: 'succeeded', priority: 0 });
  t.match(
    await client.run.status({ runId: objectLabels.runId }),
    { labels: { n: '1' } },
    'labels come from plan.json',
  );
  t.match(
    await client.run.status({ runId: unknownStatus.runId }),
    { status: 'succeeded' },
    'an unknown status in run.json: the summary says how the run ended',
  );
  t.match(await client.run.status({ runId: noEnvNames!.runId }), { status: 'succeeded' });
  const keyed = await Promise.all([sharedKey!, other!].map((run) => client.run.status({ runId: run.runId })));
  t.same(
    keyed.map((run) => run.idempotencyKey),
    ['same-key', null],
    'two runs with one key are both indexed; the older keeps the key',
  );
  t.equal((await client.run.list({ limit: 100 })).runs.length, 6);
  const problems = await client.retained.problems({});
  t.match(problems.problems, [{ field: 'idempotencyKey', reason: 'invalid_field' }]);
});

t.test('a run.json without a status ahead of good runs stops no start and hides no run', async (t) => {
  const { daemon, runs } = await finishedRuns(t, 3);
  const broken = await writeRunDir(daemon.runsDir, '01JD6W4ZK3Q8V5N2M7XKCB9TRE', {
    'run.json': { runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE', argv: ['true'] },
    'plan.json': { runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRE', argv: ['true'], command: '/bin/true', cwd: '/' },
  });
  await forgetIndex(daemon);
  for (let start = 0; start < 2; start++) {
    const again = await startDaemon(t, { home: daemon.home });
    const client = await again.client();
    for (const run of runs)
      t.same(await client.run.status({ runId: run.runId }), run, `start ${start + 1}: ${run.runId}`);
    if (start === 0)
      t.match(again.log(), /"dir":"01JD6W4ZK3Q8V5N2M7XKCB9TRE","file":"run.json","field":"status"/);
    await again.stop();
  }
  t.ok(existsSync(broken), 'the broken directory is left as it was');
});

t.test('a directory another tool dropped in is never run, rewritten or marked interrupted', async (t) => {
  const { daemon } = await finishedRuns(t, 1);
  const marker = join(daemon.home, 'EXECUTED');
  const foreign = {
    runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRF',
    status: 'queued',
    argv: ['touch', marker],
    createdAt: '2025-01-01T00:00:00.000Z',
  };
  const planless = await writeRunDir(daemon.runsDir, 'dropped-in', { 'run.json': foreign });
  const halfPlan = await writeRunDir(daemon.runsDir, 'dropped-in-too', {
    'run.json': { ...foreign, runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRG' },
    'plan.json': { runId: '01JD6W4ZK3Q8V5N2M7XKCB9TRG', argv: ['touch', marker] },
  });
  const before = await Promise.all(
    [planless, halfPlan].map((dir) => readFile(join(dir, 'run.json'), 'utf8')),
  );
  await forgetIndex(daemon);
  const again = await startDaemon(t, { home: daemon.home });
  const client = await again.client();
  const partial = await client.retained.list({ includePartial: true });
  t.same(
    partial.runs
      .filter((run) => run.status === 'incomplete')
      .map((run) => run.dir)
      .sort(),
    ['dropped-in', 'dropped-in-too'],
    'both are served as partial directories',
  );
  const ran = await client.run.start({ argv: ['true'] });
  await client.run.wait({ runId: ran.runId, timeoutMs: 20_000 });
  await again.stop();
  t.notOk(existsSync(marker), 'neither command was executed');
  t.same(
    await Promise.all([planless, halfPlan].map((dir) => readFile(join(dir, 'run.json'), 'utf8'))),
    before,
    'neither run.json was rewritten',
  );
  const rebuilt = await runCli([
    'index',
    'rebuild',
    '--runs-dir',
    again.runsDir,
    '--state-dir',
    again.stateDir,
    '--json',
  ]);
  t.equal(rebuilt.code, 0, rebuilt.stderr);
  t.match(JSON.parse(rebuilt.stdout), {
    unreadable: 2,
    problems: [
      { dir: 'dropped-in', file: 'plan.json', reason: 'missing_file' },
      { dir: 'dropped-in-too', file: 'plan.json', field: 'command', reason: 'invalid_field' },
    ],
  });
});

t.test('a rebuild that did not finish is redone by the next start', async (t) => {
  const { daemon, runs } = await finishedRuns(t, 3);
  // What a daemon killed midway through a rebuild leaves: an index marked pending, missing runs.
  const db = new Database(join(daemon.stateDir, 'runyard.db'));
  db.prepare("UPDATE index_state SET value = 'pending' WHERE key = 'rebuild'").run();
  db.prepare('DELETE FROM runs WHERE id != ?').run(runs[0]!.runId);
  db.close();
  const again = await startDaemon(t, { home: daemon.home });
  const client = await again.client();
  for (const run of runs) t.same(await client.run.status({ runId: run.runId }), run, run.runId);
  t.match(again.log(), /the last rebuild of the index did not finish/);
  await again.stop();
  const third = await startDaemon(t, { home: daemon.home });
  t.notMatch(third.log(), /rebuilt the index/, 'a completed rebuild is trusted');
});
