// Retained runs outlive the daemon that ran them: the next process serves them from the run directories.
import { createHash } from 'node:crypto';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';
import { finishedRunWriting } from './fixtures.js';

t.test('a fresh daemon process serves the runs an earlier process finished', async (t) => {
  const first = await startDaemon(t);
  const before = await first.client();
  const run = await finishedRunWriting(
    before,
    { reports: { 'report.md': '# all ok\n' }, artifacts: { 'out/data.csv': 'a,b\n' } },
    { labels: { suite: 'restart' } },
  );
  const answers = async (client: typeof before) => ({
    list: await client.retained.list({ labels: { suite: 'restart' } }),
    latest: await client.retained.latest({}),
    reports: await client.retained.reports({ runId: run.runId }),
    manifest: await client.retained.artifactManifest({ runId: run.runId }),
    report: await client.retained.readArtifact({ runId: run.runId, path: 'reports/report.md' }),
  });
  const earlier = await answers(before);
  await first.stop();

  const second = await startDaemon(t, { home: first.home });
  const later = await answers(await second.client());
  t.same(later, earlier, 'every retained.* answer is the same after the restart');
  t.equal(later.list.runs[0]?.runId, run.runId);
  t.match(later.latest, {
    runId: run.runId,
    status: 'succeeded',
    labels: { suite: 'restart' },
    defaulted: [],
  });
  t.same(later.reports.reports, [{ path: 'reports/report.md', size: 9, mediaType: 'text/markdown' }]);
  t.match(later.manifest, {
    source: 'recorded',
    artifacts: [
      {
        path: 'artifacts/out/data.csv',
        size: 4,
        sha256: createHash('sha256').update('a,b\n').digest('hex'),
        mediaType: 'text/csv',
      },
    ],
  });
  t.equal(Buffer.from(later.report.data, 'base64').toString(), '# all ok\n');
});

t.test('the run a client just waited for is at once the latest retained run', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  for (let i = 0; i < 5; i++) {
    const run = await finishedRunWriting(client, { reports: { 'n.txt': String(i) } });
    const latest = await client.retained.latest({});
    t.equal(latest?.runId, run.runId, `run ${i + 1} is the latest as soon as run.wait answers`);
    t.equal((await client.retained.reports({ runId: run.runId })).reports.length, 1);
  }
});
