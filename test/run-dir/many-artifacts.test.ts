// A run that leaves 100,000 artifacts is retained like any other: its manifest lists every one.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { startDaemon } from '../helpers/daemon.js';

const COUNT = 100_000;

t.test('a run with 100,000 artifacts gets its manifest and its summary', async (t) => {
  const daemon = await startDaemon(t);
  const client = await daemon.client();
  const script = `
    const { mkdirSync, writeFileSync } = require('fs');
    for (let dir = 0; dir < 100; dir++) {
      mkdirSync('artifacts/' + dir);
      for (let file = 0; file < ${COUNT / 100}; file++) writeFileSync('artifacts/' + dir + '/' + file + '.txt', String(file));
    }`;
  const run = await client.run.start({ argv: [process.execPath, '-e', script] });
  const done = await client.run.wait({ runId: run.runId, timeoutMs: 600_000 });
  t.equal(done.status, 'succeeded');
  const manifest = JSON.parse(await readFile(join(done.runDir, 'artifact-manifest.json'), 'utf8')) as {
    artifacts: { path: string; size: number; sha256: string }[];
  };
  t.equal(manifest.artifacts.length, COUNT, 'every artifact is listed');
  t.match(manifest.artifacts[0], { path: 'artifacts/0/0.txt', size: 1, sha256: /^[0-9a-f]{64}$/ });
  const summary = JSON.parse(await readFile(join(done.runDir, 'retention-summary.json'), 'utf8')) as {
    status: string;
  };
  t.equal(summary.status, 'succeeded', 'and the summary is written last');
  t.match(await client.retained.latest({}), { runId: run.runId }, 'the run is retained');
});
