// retained.readArtifact never serves a file outside the run's own directory: every rule, with real symlinks on disk.
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { RpcError, type RunRecord, type RunyardClient } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { finishedRunWriting } from './fixtures.js';

const daemon = await startDaemon(t);
const client = await daemon.client();
const outside = join(daemon.home, 'outside');
await mkdir(outside);
await writeFile(join(outside, 'secret.txt'), 'outside the runs directory\n');

const run = await finishedRunWriting(client, {
  reports: { 'report.md': '# report\n', 'dir/nested.md': 'nested\n' },
  artifacts: { 'data.bin': 'artifact bytes' },
});
const sibling = await finishedRunWriting(client, { reports: { 'secret.md': 'the sibling run\n' } });
const inRun = (path: string) => join(run.runDir, path);

/** The error a call fails with; fails the test when it succeeds or fails otherwise. */
async function refusal(call: Promise<unknown>): Promise<RpcError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

async function refused(
  t: Test,
  path: string,
  expected: { code: number; reason: string; rule: RegExp },
  target: { runId: string; client: RunyardClient } = { runId: run.runId, client },
) {
  const error = await refusal(target.client.retained.readArtifact({ runId: target.runId, path }));
  t.equal(error.code, expected.code, `${JSON.stringify(path)} is refused with ${expected.code}`);
  t.equal(error.reason, expected.reason);
  t.match(error.message, expected.rule, 'the message names the rule');
  const said = JSON.stringify({ message: error.message, data: error.data });
  t.notOk(said.includes(outside), 'the answer never names the outside path');
  t.notOk(said.includes(sibling.runDir), "the answer never names the sibling's directory");
}

t.test('a path is judged by its text before the disk is touched', async (t) => {
  const rules: [string, number, string, RegExp][] = [
    ['reports/\u0000report.md', 1105, 'path_nul_byte', /NUL/],
    ['reports\\report.md', 1106, 'path_backslash', /backslash/],
    ['reports/%2e%2e/run.json', 1107, 'path_percent_encoded', /percent-encoded/],
    ['reports/%2Freport.md', 1107, 'path_percent_encoded', /percent-encoded/],
    ['/etc/passwd', 1108, 'path_absolute', /relative/],
    [inRun('reports/report.md'), 1108, 'path_absolute', /relative/],
    ['../secret.txt', 1109, 'path_parent_segment', /"\.\."/],
    ['reports/../run.json', 1109, 'path_parent_segment', /"\.\."/],
    ['reports//report.md', 1110, 'path_not_normalized', /empty or "\."/],
    ['./reports/report.md', 1110, 'path_not_normalized', /empty or "\."/],
    ['reports/', 1110, 'path_not_normalized', /empty or "\."/],
    ['run.json', 1111, 'path_not_served', /reports\/, artifacts\/ and logs\//],
    ['logs', 1111, 'path_not_served', /reports\/, artifacts\/ and logs\//],
    ['plan.json', 1111, 'path_not_served', /reports\/, artifacts\/ and logs\//],
    ['reports', 1111, 'path_not_served', /reports\/, artifacts\/ and logs\//],
  ];
  for (const [path, code, reason, rule] of rules) await refused(t, path, { code, reason, rule });
});

t.test('a runId no run directory can be named by is refused before anything is looked up', async (t) => {
  for (const runId of [
    '../../etc',
    `${run.runId}/..`,
    '.hidden',
    `${run.runId}/./x`,
    'a\u0000b',
    'a\\b',
    '/etc',
  ]) {
    const error = await refusal(client.retained.readArtifact({ runId, path: 'reports/report.md' }));
    t.match(error, { code: 1104, reason: 'run_id_invalid' }, `${JSON.stringify(runId)} is refused`);
    t.match(error.message, /must name a run/);
  }
  for (const runId of ['not-a-run', run.runId.toLowerCase()]) {
    const error = await refusal(client.retained.readArtifact({ runId, path: 'reports/report.md' }));
    t.match(
      error,
      { code: 1201, reason: 'retained_run_not_found' },
      `${JSON.stringify(runId)} is a name, of no run`,
    );
  }
  const unknown = await refusal(client.retained.reports({ runId: '01JD6W6Q7R8S9T0V1W2X3Y4Z5A' }));
  t.match(unknown, { code: 1201, reason: 'retained_run_not_found' });
});

t.test('a symlink as the last component that leaves the run directory is refused', async (t) => {
  await symlink(join(outside, 'secret.txt'), inRun('reports/absolute-out'));
  await symlink('../../../outside/secret.txt', inRun('reports/relative-out'));
  for (const path of ['reports/absolute-out', 'reports/relative-out'])
    await refused(t, path, { code: 1112, reason: 'path_symlink_escape', rule: /symlink that leads out/ });
});

t.test('a symlink in the middle of the path that leaves the run directory is refused', async (t) => {
  await symlink(outside, inRun('artifacts/absolute-dir'));
  await symlink('../../../outside', inRun('artifacts/relative-dir'));
  await symlink(outside, inRun('reports/dir/deeper'));
  for (const path of [
    'artifacts/absolute-dir/secret.txt',
    'artifacts/relative-dir/secret.txt',
    'reports/dir/deeper/secret.txt',
  ])
    await refused(t, path, { code: 1112, reason: 'path_symlink_escape', rule: /symlink that leads out/ });
});

t.test(
  'a symlink to a sibling run is refused, whether absolute or relative, to a file or a directory',
  async (t) => {
    await symlink(join(sibling.runDir, 'reports/secret.md'), inRun('reports/sibling-absolute'));
    await symlink(`../../${sibling.runId}/reports/secret.md`, inRun('reports/sibling-relative'));
    await symlink(`../../${sibling.runId}/reports`, inRun('reports/sibling-dir'));
    for (const path of [
      'reports/sibling-absolute',
      'reports/sibling-relative',
      'reports/sibling-dir/secret.md',
    ])
      await refused(t, path, { code: 1112, reason: 'path_symlink_escape', rule: /symlink that leads out/ });
  },
);

t.test('a symlink that leaves and comes back is refused too: every link is judged on its own', async (t) => {
  await symlink('../../..', inRun('reports/up'));
  await refused(t, `reports/up/runs/${run.runId}/reports/report.md`, {
    code: 1112,
    reason: 'path_symlink_escape',
    rule: /symlink that leads out/,
  });
});

t.test('a symlink that stays in the run directory is followed', async (t) => {
  await symlink('../artifacts/data.bin', inRun('reports/alias.bin'));
  await symlink(join(run.runDir, 'artifacts'), inRun('reports/artifacts-dir'));
  for (const path of ['reports/alias.bin', 'reports/artifacts-dir/data.bin']) {
    const chunk = await client.retained.readArtifact({ runId: run.runId, path });
    t.equal(Buffer.from(chunk.data, 'base64').toString(), 'artifact bytes', `${path} serves the artifact`);
    t.equal(chunk.path, path, 'the answer names the path as asked');
  }
});

t.test('a symlink onto a file of the run outside reports/, artifacts/ and logs/ is refused', async (t) => {
  await symlink('../run.json', inRun('reports/run-json'));
  await symlink('../events.jsonl', inRun('logs/events'));
  for (const path of ['reports/run-json', 'logs/events'])
    await refused(t, path, {
      code: 1111,
      reason: 'path_not_served',
      rule: /reports\/, artifacts\/ and logs\//,
    });
});

t.test("a run's logs are served, also through a link from artifacts/", async (t) => {
  await symlink('../logs', inRun('artifacts/logs'));
  const expected = await readFile(inRun('logs/stdout.log'));
  for (const path of ['logs/stdout.log', 'artifacts/logs/stdout.log']) {
    const chunk = await client.retained.readArtifact({ runId: run.runId, path });
    t.same(Buffer.from(chunk.data, 'base64'), expected, `${path} serves the run's stdout`);
  }
});

t.test('directories, FIFOs, missing files and symlink loops are not served', async (t) => {
  await refused(t, 'reports/dir', { code: 1113, reason: 'path_not_file', rule: /not a regular file/ });
  execFileSync('mkfifo', [inRun('reports/fifo')]);
  await refused(t, 'reports/fifo', { code: 1113, reason: 'path_not_file', rule: /not a regular file/ });
  await refused(t, 'reports/missing.md', { code: 1202, reason: 'artifact_not_found', rule: /not found/ });
  await refused(t, 'reports/report.md/below', {
    code: 1202,
    reason: 'artifact_not_found',
    rule: /not found/,
  });
  await symlink('loop-b', inRun('reports/loop-a'));
  await symlink('loop-a', inRun('reports/loop-b'));
  await refused(t, 'reports/loop-a', { code: 1202, reason: 'artifact_not_found', rule: /not found/ });
});

t.test('an artifacts/ directory that is a symlink out of the run is neither read nor listed', async (t) => {
  const other = await finishedRunWriting(client, { artifacts: { 'kept.txt': 'kept' } });
  await rm(join(other.runDir, 'artifacts'), { recursive: true });
  await rm(join(other.runDir, 'artifact-manifest.json'));
  await symlink(outside, join(other.runDir, 'artifacts'));
  await refused(
    t,
    'artifacts/secret.txt',
    { code: 1112, reason: 'path_symlink_escape', rule: /symlink that leads out/ },
    { runId: other.runId, client },
  );
  const listing = await refusal(client.retained.artifactManifest({ runId: other.runId }));
  t.match(listing, { code: 1112, reason: 'path_symlink_escape', data: { path: 'artifacts' } });
  t.notOk(listing.message.includes(outside));
});

t.test('a run directory swapped for a symlink out of the runs directory is not served', async (t) => {
  const moved: RunRecord = await finishedRunWriting(client, { reports: { 'r.md': 'r' } });
  const away = join(outside, 'moved-run');
  await rename(moved.runDir, away);
  await symlink(away, moved.runDir);
  const error = await refusal(client.retained.readArtifact({ runId: moved.runId, path: 'reports/r.md' }));
  // Whether the watcher saw the swap first (not found) or the read did (outside), nothing is served.
  t.ok([1101, 1201].includes(error.code), `refused with ${error.code} ${error.reason}`);
  t.notOk(JSON.stringify({ message: error.message, data: error.data }).includes(outside));
});
