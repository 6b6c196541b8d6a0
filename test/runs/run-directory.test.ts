// What a run leaves on disk: logs, plan, run.json, events, artifact manifest, retention summary.
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { readJson } from '../helpers/fs.js';

t.test('a finished run leaves a complete run directory', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const script = [
    'echo "to stdout"',
    'echo "to stderr" >&2',
    'mkdir -p "$RUNYARD_ARTIFACTS_DIR/out"',
    'printf "binary\\000data" > "$RUNYARD_ARTIFACTS_DIR/out/data.bin"',
    'echo "# Report" > "$RUNYARD_REPORTS_DIR/report.md"',
    'echo "{}" > "$RUNYARD_REPORTS_DIR/summary.json"',
    'echo "$RUNYARD_RUN_ID $RUNYARD_ATTEMPT $SECRET_NAME" > env.txt',
    'pwd > "$RUNYARD_ARTIFACTS_DIR/cwd.txt"',
  ].join('\n');
  const started = await client.run.start({
    argv: ['sh', '-c', script],
    env: { SECRET_NAME: 'hunter2' },
    labels: { suite: 'disk' },
  });
  const run = await client.run.wait({ runId: started.runId, timeoutMs: 20_000 });
  const dir = run.runDir;

  t.equal(run.status, 'succeeded');
  t.equal(run.exitCode, 0);
  t.equal(dir, join(daemon.runsDir, run.runId), 'the default run directory is <runs-dir>/<run-id>');
  t.equal(await readFile(join(dir, 'logs/stdout.log'), 'utf8'), 'to stdout\n');
  t.equal(await readFile(join(dir, 'logs/stderr.log'), 'utf8'), 'to stderr\n');
  t.equal(
    await readFile(join(dir, 'env.txt'), 'utf8'),
    `${run.runId} 1 hunter2\n`,
    'the run sees its env and ids',
  );
  t.equal(
    await readFile(join(dir, 'artifacts/cwd.txt'), 'utf8'),
    `${dir}\n`,
    'the run executes inside its directory',
  );

  const plan = await readJson(join(dir, 'plan.json'));
  t.same(plan.argv, ['sh', '-c', script]);
  t.ok(plan.envNames.includes('SECRET_NAME'), 'plan.json names the variable');
  t.notMatch(await readFile(join(dir, 'plan.json'), 'utf8'), /hunter2/, 'plan.json never holds a value');
  t.notMatch(await readFile(join(dir, 'run.json'), 'utf8'), /hunter2/, 'run.json never holds a value');

  const runJson = await readJson(join(dir, 'run.json'));
  t.match(runJson, { runId: run.runId, status: 'succeeded', exitCode: 0, labels: { suite: 'disk' } });
  t.equal(runJson.attempts.length, 1);
  t.match(runJson.attempts[0], { attempt: 1, exitCode: 0, outcome: 'succeeded' });

  const events = (await readFile(join(dir, 'events.jsonl'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  t.same(
    events.map((event) => event.seq),
    events.map((_, index) => index + 1),
    'events are numbered 1, 2, 3 ... without gaps',
  );
  t.same(
    events.filter((event) => event.type === 'status').map((event) => event.status),
    ['queued', 'running', 'succeeded'],
  );

  const manifest = await readJson(join(dir, 'artifact-manifest.json'));
  const data = await readFile(join(dir, 'artifacts/out/data.bin'));
  t.same(
    manifest.artifacts.map((artifact: { path: string }) => artifact.path),
    ['artifacts/cwd.txt', 'artifacts/out/data.bin'],
  );
  t.same(manifest.artifacts[1], {
    path: 'artifacts/out/data.bin',
    size: data.length,
    sha256: createHash('sha256').update(data).digest('hex'),
    mediaType: 'application/octet-stream',
  });

  const summary = await readJson(join(dir, 'retention-summary.json'));
  t.match(summary, {
    schemaVersion: 1,
    runId: run.runId,
    status: 'succeeded',
    actionId: null,
    serviceId: null,
    labels: { suite: 'disk' },
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    attempts: 1,
    exitCode: 0,
    signal: null,
    error: null,
    reports: ['reports/report.md', 'reports/summary.json'],
    artifactManifest: 'artifact-manifest.json',
  });
  t.type(summary.durationMs, 'number');
  t.same(
    (await readdir(dir)).filter((name) => name.endsWith('.tmp')),
    [],
    'no temp file is left behind',
  );
});

t.test('a failing command ends failed with its exit code and reason', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const started = await client.run.start({ argv: ['sh', '-c', 'exit 3'] });
  const run = await client.run.wait({ runId: started.runId });
  t.match(run, { status: 'failed', exitCode: 3, error: { reason: 'exit_code' } });
  const summary = await readJson(join(run.runDir, 'retention-summary.json'));
  t.match(summary, { status: 'failed', exitCode: 3, error: { reason: 'exit_code' } });
});

t.test('a process killed by a signal ends failed with the signal recorded', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const started = await client.run.start({ argv: ['sh', '-c', 'kill -KILL $$'] });
  const run = await client.run.wait({ runId: started.runId });
  t.match(run, { status: 'failed', exitCode: null, signal: 'SIGKILL', error: { reason: 'signal' } });
});
