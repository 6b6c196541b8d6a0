// The daemon's retained index follows the runs directory: runs that finish, directories others add or remove.
import { cp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import type { RetainedRun } from 'runyard/client';
import { startDaemon } from '../helpers/daemon.js';
import { eventually } from '../helpers/poll.js';
import { finishedRunWriting, runIdAt, summaryOf, writeRunDir } from './fixtures.js';

const daemon = await startDaemon(t);
const client = await daemon.client();
const listed = async (runId: string, includePartial = false) =>
  (await client.retained.list({ limit: 1_000, includePartial })).runs.find((run) => run.runId === runId);

t.test('a directory another process moves into the runs directory is noticed', async (t) => {
  const runId = runIdAt('2025-06-01T12:00:00.000Z');
  // Written elsewhere, then moved in whole, as a copy from another machine would arrive.
  await writeRunDir(join(daemon.home, 'elsewhere'), runId, {
    'retention-summary.json': summaryOf(runId, '2025-06-01T12:00:01.000Z', { labels: { from: 'elsewhere' } }),
  });
  await rename(join(daemon.home, 'elsewhere', runId), join(daemon.runsDir, runId));
  const run = await eventually(() => listed(runId));
  t.match(run, { runId, status: 'succeeded', labels: { from: 'elsewhere' } });
});

t.test('a run another process writes file by file is noticed when its summary arrives', async (t) => {
  const runId = runIdAt('2025-06-02T12:00:00.000Z');
  const dir = join(daemon.runsDir, runId);
  await mkdir(dir);
  await writeFile(join(dir, 'run.json'), JSON.stringify({ runId, status: 'running' }));
  t.match(await eventually(() => listed(runId, true)), { status: 'incomplete', recordedStatus: 'running' });
  t.equal(await listed(runId), undefined, 'not retained without a summary');
  await writeFile(
    join(dir, 'retention-summary.json'),
    JSON.stringify(summaryOf(runId, '2025-06-02T12:00:09.000Z')),
  );
  t.match(await eventually(() => listed(runId)), { status: 'succeeded' });
});

t.test('a directory another process removes is dropped from the list', async (t) => {
  const run = await finishedRunWriting(client, {});
  t.ok(await listed(run.runId), 'listed while it exists');
  await rm(run.runDir, { recursive: true });
  await eventually(async () => ((await listed(run.runId)) === undefined ? true : undefined));
  t.pass('gone from the list');
});

t.test('a run directory deleted between list and read answers not found', async (t) => {
  const run = await finishedRunWriting(client, { reports: { 'report.md': 'r' } });
  t.ok(await listed(run.runId));
  await rm(run.runDir, { recursive: true });
  const calls = [
    () => client.retained.reports({ runId: run.runId }),
    () => client.retained.artifactManifest({ runId: run.runId }),
    () => client.retained.readArtifact({ runId: run.runId, path: 'reports/report.md' }),
  ];
  for (const call of calls) {
    t.match(await call().catch((error: unknown) => error), { code: 1201, reason: 'retained_run_not_found' });
  }
});

t.test('a run directory reused by another run no longer answers for the old one', async (t) => {
  const first = await finishedRunWriting(
    client,
    { reports: { 'a.md': 'first' } },
    { outputDir: 'reused/dir' },
  );
  const second = await client.run.start({ argv: ['true'], outputDir: 'reused/dir', overwrite: true });
  await client.run.wait({ runId: second.runId });
  t.match(await client.retained.reports({ runId: first.runId }).catch((error: unknown) => error), {
    code: 1201,
    reason: 'retained_run_not_found',
  });
  t.match(await listed(second.runId), { dir: 'reused/dir' });
  t.equal(await listed(first.runId), undefined, 'the old run is gone from the list');
});

t.test('unreadable summaries are skipped and counted, never fatal', async (t) => {
  const before = (await client.retained.list({})).skipped;
  await writeRunDir(daemon.runsDir, 'torn', {
    'retention-summary.json': '{"schemaVersion": 1, "runId": "01',
  });
  await writeRunDir(daemon.runsDir, 'not-an-object', { 'retention-summary.json': '[1, 2, 3]' });
  await eventually(async () => ((await client.retained.list({})).skipped === before + 2 ? true : undefined));
  await rm(join(daemon.runsDir, 'torn'), { recursive: true });
  await eventually(async () => ((await client.retained.list({})).skipped === before + 1 ? true : undefined));
  t.pass('counted while present, uncounted once gone');
});

t.test('a copy of a run directory is listed once, under the directory named for the run', async (t) => {
  const run = await finishedRunWriting(client, {});
  const marker = await finishedRunWriting(client, {});
  await mkdir(join(daemon.home, 'staging'));
  await cp(run.runDir, join(daemon.home, 'staging', 'of-it'), { recursive: true });
  await rename(marker.runDir, join(daemon.home, 'staging', 'marker'));
  // Both arrive in one directory; once the marker is listed there, the copy has been judged too.
  await rename(join(daemon.home, 'staging'), join(daemon.runsDir, 'copies'));
  await eventually(async () => ((await listed(marker.runId))?.dir === 'copies/marker' ? true : undefined));
  const matches = (await client.retained.list({ limit: 1_000 })).runs.filter(
    (found) => found.runId === run.runId,
  );
  t.same(
    matches.map((found) => found.dir),
    [run.runId],
  );
});

t.test('filters and pages: status, labels, provenance, time window and cursor', async (t) => {
  const runs: RetainedRun[] = [];
  const dirs = [
    ['2024-01-01T00:00:01.000Z', { status: 'succeeded', labels: { suite: 'page' } }],
    ['2024-01-01T00:00:02.000Z', { status: 'failed', exitCode: 1, labels: { suite: 'page' } }],
    ['2024-01-01T00:00:03.000Z', { status: 'succeeded', labels: { suite: 'page' }, actionId: 'build' }],
    [
      '2024-01-01T00:00:04.000Z',
      { status: 'succeeded', labels: { suite: 'page', shard: '2' }, serviceId: 'ci' },
    ],
    [
      '2024-01-01T00:00:05.000Z',
      { status: 'timed_out', labels: { suite: 'page' }, actionId: 'build', serviceId: 'ci' },
    ],
  ] as const;
  for (const [finishedAt, fields] of dirs) {
    const runId = runIdAt(finishedAt);
    await writeRunDir(daemon.runsDir, runId, {
      'retention-summary.json': summaryOf(runId, finishedAt, fields),
    });
  }
  const suite = { labels: { suite: 'page' } };
  const ids = async (params: Record<string, unknown>) =>
    (await client.retained.list({ ...suite, ...params })).runs.map((run) => run.finishedAt!.slice(17, 19));
  await eventually(async () => ((await ids({})).length === 5 ? true : undefined));
  t.same(await ids({}), ['05', '04', '03', '02', '01'], 'newest finish first');
  t.same(await ids({ status: ['succeeded'] }), ['04', '03', '01']);
  t.same(await ids({ actionId: 'build' }), ['05', '03']);
  t.same(
    await ids({ actionId: null, serviceId: null }),
    ['02', '01'],
    'null matches runs of no action or service',
  );
  t.same(await ids({ serviceId: 'ci', labels: { suite: 'page', shard: '2' } }), ['04']);
  t.same(await ids({ since: '2024-01-01T00:00:02.000Z', until: '2024-01-01T00:00:04.000Z' }), ['03', '02']);
  t.same(await ids({ since: '2024-01-01T01:00:02+01:00' }), ['05', '04', '03', '02'], 'any ISO offset works');
  let cursor: string | undefined;
  const pages: string[][] = [];
  do {
    const page = await client.retained.list({ ...suite, limit: 2, ...(cursor ? { cursor } : {}) });
    runs.push(...page.runs);
    pages.push(page.runs.map((run) => run.finishedAt!.slice(17, 19)));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  t.same(pages, [['05', '04'], ['03', '02'], ['01']], 'pages of two, the last with nextCursor null');
  t.equal(
    (await client.retained.latest({ ...suite, status: ['succeeded'] }))?.finishedAt,
    '2024-01-01T00:00:04.000Z',
  );
  t.equal(await client.retained.latest({ labels: { suite: 'none' } }), null);
  const bad = await client.retained.list({ cursor: 'not-a-cursor' }).catch((error: unknown) => error);
  t.match(bad, { code: 1203, reason: 'list_cursor_invalid' });
});
