// `runyard runs`: the offline reader of a runs directory answers exactly what the retained.* methods answer.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import t from 'tap';
import { RpcError } from 'runyard/client';
import { CLI, startDaemon } from '../helpers/daemon.js';
import { finishedRunWriting, runIdAt, writeRunDir } from '../retained/fixtures.js';
import { eventually } from '../helpers/poll.js';

// The CLI must find the runs directory only through what each test passes, never through the caller's shell.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RUNYARD_')));

interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function runyard(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env, encoding: 'buffer', maxBuffer: 64 * 1_048_576 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr: stderr.toString() });
      },
    );
  });
}

const daemon = await startDaemon(t);
const client = await daemon.client();
const runs = (...args: string[]) => runyard('runs', ...args, '--runs-dir', daemon.runsDir);

const reported = await finishedRunWriting(
  client,
  { reports: { 'report.md': '# ok\n', 'data.json': '{}' }, artifacts: { 'out/a.csv': 'a,b\n' } },
  { labels: { suite: 'cli' } },
);
const nested = await finishedRunWriting(
  client,
  { reports: { 'n.txt': 'n' } },
  { outputDir: 'nightly/2026-01-01' },
);
const failed = await client.run.wait({ runId: (await client.run.start({ argv: ['false'] })).runId });
const legacy = runIdAt('2020-01-01T00:00:00.000Z');
await writeRunDir(daemon.runsDir, legacy, {
  'retention-summary.json': { runId: legacy, status: 'succeeded', finishedAt: '2020-01-01T00:00:01.000Z' },
  'artifacts/old.txt': 'from an older runyard\n',
});
const partial = runIdAt('2020-01-02T00:00:00.000Z');
await writeRunDir(daemon.runsDir, partial, { 'run.json': { runId: partial, status: 'running' } });
await writeRunDir(daemon.runsDir, 'torn', { 'retention-summary.json': '{"runId":' });
// The CLI reads the same directory the daemon indexed: wait until the daemon has seen all of it.
await eventually(async () => {
  const page = await client.retained.list({ includePartial: true });
  return page.runs.length === 5 && page.skipped === 1 ? true : undefined;
});

const asPrinted = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

t.test('--json output is byte for byte the retained.* result', async (t) => {
  const cases: [string[], () => Promise<unknown>][] = [
    [['list', '--json'], () => client.retained.list({})],
    [
      ['list', '--json', '--include-partial', '--limit', '2'],
      () => client.retained.list({ includePartial: true, limit: 2 }),
    ],
    [
      ['list', '--json', '--status', 'succeeded', '--label', 'suite=cli'],
      () => client.retained.list({ status: ['succeeded'], labels: { suite: 'cli' } }),
    ],
    [
      ['list', '--json', '--since', '2021-01-01T00:00:00Z'],
      () => client.retained.list({ since: '2021-01-01T00:00:00Z' }),
    ],
    [['latest', '--json'], () => client.retained.latest({})],
    [['latest', '--json', '--status', 'failed'], () => client.retained.latest({ status: ['failed'] })],
    [
      ['latest', '--json', '--label', 'suite=none'],
      () => client.retained.latest({ labels: { suite: 'none' } }),
    ],
    [['reports', reported.runId, '--json'], () => client.retained.reports({ runId: reported.runId })],
    [['reports', nested.runId, '--json'], () => client.retained.reports({ runId: nested.runId })],
    [['reports', partial, '--json'], () => client.retained.reports({ runId: partial })],
    [
      ['artifacts', reported.runId, '--json'],
      () => client.retained.artifactManifest({ runId: reported.runId }),
    ],
    [['artifacts', legacy, '--json'], () => client.retained.artifactManifest({ runId: legacy })],
    [
      ['cat', reported.runId, 'reports/report.md', '--json'],
      () => client.retained.readArtifact({ runId: reported.runId, path: 'reports/report.md' }),
    ],
    [
      ['cat', reported.runId, 'artifacts/out/a.csv', '--json', '--offset', '1', '--length', '2'],
      () =>
        client.retained.readArtifact({
          runId: reported.runId,
          path: 'artifacts/out/a.csv',
          offset: 1,
          length: 2,
        }),
    ],
  ];
  for (const [args, method] of cases) {
    const result = await runs(...args);
    const expected = asPrinted(await method());
    t.equal(result.stdout.toString(), expected, `runyard runs ${args.join(' ')}`);
    t.equal(result.code, args[0] === 'latest' && expected === 'null\n' ? 1 : 0, result.stderr);
  }
});

t.test('the cursor list prints continues the list as the method does', async (t) => {
  const first = JSON.parse((await runs('list', '--json', '--limit', '2')).stdout.toString()) as {
    nextCursor: string;
  };
  t.type(first.nextCursor, 'string');
  const next = await runs('list', '--json', '--limit', '2', '--cursor', first.nextCursor);
  t.equal(
    next.stdout.toString(),
    asPrinted(await client.retained.list({ limit: 2, cursor: first.nextCursor })),
  );
});

t.test('cat writes the raw bytes of the file', async (t) => {
  const result = await runs('cat', reported.runId, 'artifacts/out/a.csv');
  t.equal(result.code, 0);
  t.same(result.stdout, await readFile(join(reported.runDir, 'artifacts/out/a.csv')));
});

t.test('people get a table of runs, with what was left out on stderr', async (t) => {
  const result = await runs('list');
  t.equal(result.code, 0);
  const lines = result.stdout.toString().trimEnd().split('\n');
  t.match(lines[0], /^RUN ID\s+STATUS\s+FINISHED\s+EXIT\s+DIR$/);
  t.match(lines[1], new RegExp(`^${failed.runId}\\s+failed\\s+\\S+\\s+1\\s+${failed.runId}$`));
  t.ok(
    lines.some((line) => line.endsWith('nightly/2026-01-01')),
    'a run in an outputDir shows its directory',
  );
  t.match(result.stderr, /skipped 1 unreadable run directory/);
  t.match(result.stderr, /1 incomplete run directory \(--include-partial lists them\)/);
  const latest = await runs('latest');
  t.match(latest.stdout.toString(), new RegExp(`run id:\\s+${failed.runId}\\n`));
  const reports = await runs('reports', reported.runId);
  t.equal(
    reports.stdout.toString(),
    'PATH               SIZE  MEDIA TYPE\nreports/data.json  2     application/json\nreports/report.md  5     text/markdown\n',
  );
});

t.test('refusals print the rule as the daemon words it and exit 1', async (t) => {
  const rpc = await client.retained
    .readArtifact({ runId: reported.runId, path: 'reports/../run.json' })
    .catch((error: unknown) => error);
  if (!(rpc instanceof RpcError)) return void t.fail('the daemon did not refuse it');
  const result = await runs('cat', reported.runId, 'reports/../run.json');
  t.equal(result.code, 1);
  t.equal(result.stderr, `runyard: ${rpc.message} (path_parent_segment)\n`);
  const missing = await runs('reports', '01JD6W6Q7R8S9T0V1W2X3Y4Z5A');
  t.equal(missing.code, 1);
  t.equal(
    missing.stderr,
    'runyard: retained run 01JD6W6Q7R8S9T0V1W2X3Y4Z5A not found (retained_run_not_found)\n',
  );
});

t.test('a missing runs directory and bad options are usage errors', async (t) => {
  const missing = await runyard('runs', 'list', '--runs-dir', join(daemon.home, 'nowhere'));
  t.equal(missing.code, 2);
  t.match(missing.stderr, /runs directory .*nowhere does not exist/);
  const badStatus = await runs('list', '--status', 'finished');
  t.equal(badStatus.code, 2);
  t.match(badStatus.stderr, /\/status\/0 must be one of/);
});
