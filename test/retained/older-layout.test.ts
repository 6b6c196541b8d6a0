// Directories written by an older runyard or left half-done: documented defaults, a compatibility marker, no errors.
import { createHash } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { runIdAt, summaryOf, writeRunDir } from './fixtures.js';

/** Every file under `dir` with its size and mtime, to prove a directory was left as it was. */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(
    entries.sort().map(async (entry) => {
      const info = await stat(join(dir, entry));
      return `${entry} ${info.size} ${info.mtimeMs}`;
    }),
  );
}

// Written before the daemon starts, as an operator would copy them in from an older machine.
const minimal = runIdAt('2025-03-01T10:00:00.000Z');
const withoutManifest = runIdAt('2025-03-02T10:00:00.000Z');
const partial = runIdAt('2025-03-03T10:00:00.000Z');
const current = runIdAt('2025-03-04T10:00:00.000Z');

async function fixtures(runsDir: string) {
  // An early summary: only the id, the status and the finish; run.json knows when it was created.
  await writeRunDir(runsDir, minimal, {
    'retention-summary.json': { runId: minimal, status: 'failed', finishedAt: '2025-03-01T10:00:05Z' },
    'run.json': { runId: minimal, status: 'failed', createdAt: '2025-03-01T10:00:00.000Z', exitCode: 3 },
  });
  // No artifact-manifest.json and no reports list: both are computed from the directory.
  await writeRunDir(runsDir, withoutManifest, {
    'retention-summary.json': summaryOf(withoutManifest, '2025-03-02T10:00:05.000Z', {
      reports: undefined,
      artifactManifest: undefined,
      labels: { suite: 'legacy' },
    }),
    'reports/summary.txt': 'all green\n',
    'artifacts/bin/tool': 'binary-ish\u0000bytes',
    'artifacts/data.json': '{"n":1}\n',
  });
  // A daemon died under this run: run.json but no summary.
  await writeRunDir(runsDir, partial, {
    'run.json': {
      schemaVersion: 1,
      runId: partial,
      status: 'running',
      createdAt: '2025-03-03T10:00:00.000Z',
    },
    'logs/stdout.log': 'half way\n',
    'reports/progress.md': '50%\n',
  });
  await writeRunDir(runsDir, current, {
    'retention-summary.json': summaryOf(current, '2025-03-04T10:00:05.000Z'),
  });
  // Unreadable summaries: skipped and counted, never fatal.
  await writeRunDir(runsDir, 'garbage', { 'retention-summary.json': '{"runId": "01J' });
  await writeRunDir(runsDir, runIdAt('2025-03-05T10:00:00.000Z'), {
    'retention-summary.json': { status: 'no-such-status' },
  });
  // Neither file: not a run directory, not counted.
  await mkdir(join(runsDir, 'scratch'), { recursive: true });
}

t.test(
  'older and partial directories are listed with documented defaults and a compatibility marker',
  async (t) => {
    const home = await startDaemon(t).then(async (daemon) => {
      await daemon.stop();
      return daemon.home;
    });
    await fixtures(join(home, 'runs'));
    const daemon = await startDaemon(t, { home });
    const client = await daemon.client();

    const page = await client.retained.list({});
    t.same(
      page.runs.map((run) => run.runId),
      [current, withoutManifest, minimal],
      'retained runs, newest finish first; the partial directory is not among them',
    );
    t.equal(page.skipped, 2, 'the half-written and the nonsensical summary are counted as skipped');
    t.equal(page.incomplete, 1);
    t.same(page.runs[0]!.defaulted, [], 'a current summary needs no defaults');
    t.same(
      page.runs[1]!.defaulted,
      ['reports', 'artifactManifest'],
      'what a summary does not name is marked',
    );
    t.same(page.runs[2], {
      runId: minimal,
      dir: minimal,
      status: 'failed',
      recordedStatus: null,
      actionId: null,
      serviceId: null,
      labels: {},
      createdAt: '2025-03-01T10:00:00.000Z',
      startedAt: null,
      finishedAt: '2025-03-01T10:00:05.000Z',
      durationMs: null,
      attempts: 0,
      exitCode: 3,
      signal: null,
      error: null,
      schemaVersion: null,
      defaulted: [
        'actionId',
        'serviceId',
        'labels',
        'createdAt',
        'startedAt',
        'durationMs',
        'attempts',
        'exitCode',
        'signal',
        'error',
        'schemaVersion',
        'reports',
        'artifactManifest',
      ],
    });

    const withPartial = await client.retained.list({ includePartial: true });
    t.same(
      withPartial.runs.map((run) => [run.runId, run.status, run.recordedStatus]),
      [
        [current, 'succeeded', null],
        [partial, 'incomplete', 'running'],
        [withoutManifest, 'succeeded', null],
        [minimal, 'failed', null],
      ],
      'includePartial lists the directory without a summary as incomplete, by its creation time',
    );
    t.equal(
      await client.retained.latest({ status: ['incomplete'] }),
      null,
      'an incomplete directory is never the latest',
    );
  },
);

t.test('a run without a manifest gets one computed, and its directory is left untouched', async (t) => {
  const home = await startDaemon(t).then(async (daemon) => {
    await daemon.stop();
    return daemon.home;
  });
  const runsDir = join(home, 'runs');
  await fixtures(runsDir);
  const before = await snapshot(join(runsDir, withoutManifest));
  const daemon = await startDaemon(t, { home });
  const client = await daemon.client();

  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  t.same(await client.retained.artifactManifest({ runId: withoutManifest }), {
    runId: withoutManifest,
    source: 'generated',
    createdAt: null,
    artifacts: [
      {
        path: 'artifacts/bin/tool',
        size: 16,
        sha256: sha('binary-ish\u0000bytes'),
        mediaType: 'application/octet-stream',
      },
      { path: 'artifacts/data.json', size: 8, sha256: sha('{"n":1}\n'), mediaType: 'application/json' },
    ],
    omitted: 0,
  });
  t.same(await client.retained.reports({ runId: withoutManifest }), {
    runId: withoutManifest,
    source: 'generated',
    reports: [{ path: 'reports/summary.txt', size: 10, mediaType: 'text/plain' }],
    omitted: 0,
  });
  const chunk = await client.retained.readArtifact({ runId: withoutManifest, path: 'artifacts/data.json' });
  t.equal(Buffer.from(chunk.data, 'base64').toString(), '{"n":1}\n');
  t.same(
    await snapshot(join(runsDir, withoutManifest)),
    before,
    'nothing in the directory was written or touched',
  );
});

t.test('a partial directory can be inspected: its reports are listed and read', async (t) => {
  const home = await startDaemon(t).then(async (daemon) => {
    await daemon.stop();
    return daemon.home;
  });
  await fixtures(join(home, 'runs'));
  const daemon = await startDaemon(t, { home });
  const client = await daemon.client();
  const reports = await client.retained.reports({ runId: partial });
  t.same(reports.reports, [{ path: 'reports/progress.md', size: 4, mediaType: 'text/markdown' }]);
  t.equal(reports.source, 'generated');
  const chunk = await client.retained.readArtifact({ runId: partial, path: 'reports/progress.md' });
  t.equal(Buffer.from(chunk.data, 'base64').toString(), '50%\n');
});

t.test("another producer's directories are served by their own names, in order, with cursors", async (t) => {
  const home = await startDaemon(t).then(async (daemon) => {
    await daemon.stop();
    return daemon.home;
  });
  const runsDir = join(home, 'runs');
  await writeRunDir(runsDir, '20250601T000001Z-bulk1', {
    'retention-summary.json': {
      runId: '20250601T000001Z-bulk1',
      status: 'succeeded',
      finishedAt: '2025-06-01T00:00:05Z',
      reports: ['reports/r.md'],
    },
    'reports/r.md': '# bulk 1\n',
  });
  // No runId: the directory names it. A timestamp with an offset comes back in UTC.
  await writeRunDir(runsDir, '20250601T000002Z-bulk2', {
    'retention-summary.json': {
      status: 'failed',
      startedAt: '2025-06-01T02:00:06+02:00',
      finishedAt: '2025-06-01T02:00:07+02:00',
    },
  });
  await writeRunDir(runsDir, 'nightly/2025-06-02', {
    'retention-summary.json': { status: 'succeeded', finishedAt: '2025-06-02T00:00:00.000Z' },
    'reports/n.txt': 'nightly\n',
  });
  const ours = runIdAt('2025-05-01T00:00:00.000Z');
  await writeRunDir(runsDir, ours, { 'retention-summary.json': summaryOf(ours, '2025-05-01T00:00:01.000Z') });

  const daemon = await startDaemon(t, { home });
  const client = await daemon.client();
  const order = ['nightly/2025-06-02', '20250601T000002Z-bulk2', '20250601T000001Z-bulk1', ours];
  const page = await client.retained.list({});
  t.same(
    page.runs.map((run) => run.runId),
    order,
    'newest finish first, whatever the names',
  );
  t.equal(page.skipped, 0);
  t.match(page.runs[1], {
    runId: '20250601T000002Z-bulk2',
    createdAt: '2025-06-01T00:00:06.000Z',
    startedAt: '2025-06-01T00:00:06.000Z',
    finishedAt: '2025-06-01T00:00:07.000Z',
    durationMs: 1_000,
  });
  t.ok(page.runs[1]!.defaulted.includes('runId') && page.runs[1]!.defaulted.includes('createdAt'));
  t.match(page.runs[0], { createdAt: '2025-06-02T00:00:00.000Z' }, 'createdAt falls back to finishedAt');

  const walked: string[] = [];
  let cursor: string | undefined;
  do {
    const next = await client.retained.list({ limit: 1, ...(cursor ? { cursor } : {}) });
    walked.push(...next.runs.map((run) => run.runId));
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  t.same(walked, order, 'cursors page through mixed names');

  t.match(await client.retained.latest({}), { runId: 'nightly/2025-06-02' });
  t.match(await client.retained.latest({ status: ['failed'] }), { runId: '20250601T000002Z-bulk2' });
  const reports = await client.retained.reports({ runId: '20250601T000001Z-bulk1' });
  t.same(reports.reports, [{ path: 'reports/r.md', size: 9, mediaType: 'text/markdown' }]);
  const chunk = await client.retained.readArtifact({ runId: '20250601T000001Z-bulk1', path: 'reports/r.md' });
  t.equal(Buffer.from(chunk.data, 'base64').toString(), '# bulk 1\n');
  const nested = await client.retained.reports({ runId: 'nightly/2025-06-02' });
  t.same(nested, {
    runId: 'nightly/2025-06-02',
    source: 'generated',
    reports: [{ path: 'reports/n.txt', size: 8, mediaType: 'text/plain' }],
    omitted: 0,
  });
  t.equal((await client.run.list({})).runs.length, 0, 'none of them is in the run index: runyard ran none');
});
