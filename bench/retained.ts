// The retained index at 100,000 runs: time to ready, daemon-side latency of retained.latest and a
// retained.list page, and memory per run, each against the cost of answering without an index.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '../src/client/index.js';
import { newRunId } from '../src/runs/ids.js';
import { latestRetained, listRetained } from '../src/retained/list.js';
import { RetainedIndex } from '../src/retained/retained-index.js';
import { readRetainedRun } from '../src/retained/retained-run.js';
import { walkRunsDir } from '../src/run-dir/walk.js';
import type { RetentionSummary } from '../src/schema/run-dir.js';
import type { RetainedRun } from '../src/schema/retained-run.js';
import { exposeGc } from './heap.js';
import { formatTable, verdict, type BenchRow } from './table.js';

const RUNS = Number(process.env.BENCH_RETAINED_RUNS ?? 100_000);
const CLI = fileURLToPath(new URL('../cli/runyard.js', import.meta.url));
const statuses = ['succeeded', 'succeeded', 'succeeded', 'failed', 'timed_out', 'cancelled'] as const;

export async function run(): Promise<BenchRow[]> {
  const home = await mkdtemp(join(tmpdir(), 'runyard-bench-retained-'));
  try {
    const runsDir = join(home, 'runs');
    const created = performance.now();
    await createFixture(runsDir, RUNS);
    const fixtureMs = performance.now() - created;

    const memory = await measureMemory(runsDir);
    const inProcess = await measureInProcess(runsDir);
    const daemon = await measureDaemon(home, runsDir);
    const perRun = (bytes: number) => `${Math.round(bytes / RUNS)} B/run`;
    const note = `${RUNS.toLocaleString('en-US')} runs, fixture written in ${(fixtureMs / 1000).toFixed(1)} s; warm page cache`;
    return [
      {
        name: 'retained: index ready after start',
        figure: ms(daemon.indexedMs),
        baseline: ms(inProcess.fullScanMs),
        target: '< 3000 ms',
        note: `daemon log "retained runs indexed"; spawn → first retained.latest answer ${ms(daemon.firstAnswerMs)}; baseline: one scan reading every summary; ${note}`,
      },
      latencyRow(
        'retained.latest (daemon side)',
        inProcess.latest,
        inProcess.fullScanMs,
        'newest succeeded run',
      ),
      latencyRow(
        'retained.list page (daemon side)',
        inProcess.firstPage,
        inProcess.fullScanMs,
        'first page, limit 50',
      ),
      latencyRow(
        'retained.list page, deep cursor',
        inProcess.deepPage,
        inProcess.fullScanMs,
        `page ${inProcess.deepPageNumber.toLocaleString('en-US')}, limit 50`,
      ),
      latencyRow(
        'retained.list page, label filter',
        inProcess.filteredPage,
        inProcess.fullScanMs,
        '1 in 10 runs match',
      ),
      {
        name: 'retained.latest over WebSocket',
        figure: ms(daemon.latestRoundTripMs),
        note: 'SDK round trip to the daemon (transport included), median of 200',
      },
      {
        name: 'retained: index memory per run',
        figure: perRun(memory.indexBytes),
        baseline: perRun(memory.recordBytes),
        ratio: (memory.recordBytes / memory.indexBytes).toFixed(2),
        target: '< 200 B/run + summary fields',
        note: `index structures ${perRun(memory.indexBytes - memory.recordBytes)} (${verdict((memory.indexBytes - memory.recordBytes) / RUNS < 200)}); baseline: the ${perRun(memory.recordBytes)} of summary fields alone, in a plain array; V8 heap after GC`,
      },
    ];
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** `count` retained run directories, as a daemon writes them, finished one second apart. */
async function createFixture(runsDir: string, count: number): Promise<void> {
  await mkdir(runsDir, { recursive: true });
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const createdAt = start + i * 1_000;
      const runId = newRunId(createdAt);
      const status = statuses[i % statuses.length]!;
      const summary: RetentionSummary = {
        schemaVersion: 1,
        runId,
        status,
        actionId: i % 4 === 0 ? 'nightly-build' : null,
        serviceId: i % 8 === 0 ? 'ci' : null,
        labels: i % 10 === 0 ? { suite: 'smoke', shard: String(i % 7) } : {},
        createdAt: new Date(createdAt).toISOString(),
        startedAt: new Date(createdAt + 3).toISOString(),
        finishedAt: new Date(createdAt + 503).toISOString(),
        durationMs: 500,
        attempts: 1,
        exitCode: status === 'succeeded' ? 0 : status === 'failed' ? 1 : null,
        signal: status === 'cancelled' || status === 'timed_out' ? 'SIGTERM' : null,
        error: status === 'succeeded' ? null : { reason: status, message: `ended ${status}` },
        reports: ['reports/report.md'],
        artifactManifest: 'artifact-manifest.json',
      };
      await mkdir(join(runsDir, runId));
      await writeFile(
        join(runsDir, runId, 'retention-summary.json'),
        `${JSON.stringify(summary, null, 2)}\n`,
      );
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

async function measureInProcess(runsDir: string) {
  const scanStarted = performance.now();
  let read = 0;
  const real = await realpath(runsDir);
  await walkRunsDir(
    real,
    [''],
    (dir) => readRetainedRun(real, dir),
    {},
    () => read++,
  );
  const fullScanMs = performance.now() - scanStarted;
  if (read !== RUNS) throw new Error(`scanned ${read} directories, expected ${RUNS}`);

  const index = await RetainedIndex.open(runsDir);
  await index.start();
  // Page 1,000 of 50 at 100,000 runs: a cursor halfway down the list.
  const deepPage = Math.max(1, Math.min(1_000, Math.floor(RUNS / 100)));
  let cursor: string | null = null;
  for (let page = 1; page < deepPage; page++) {
    cursor = (await listRetained(index, { includePartial: false, limit: 50, ...(cursor ? { cursor } : {}) }))
      .nextCursor;
  }
  const deepCursor = cursor;
  const result = {
    fullScanMs,
    latest: await timeCalls(() => latestRetained(index, { status: ['succeeded'] })),
    firstPage: await timeCalls(() => listRetained(index, { includePartial: false, limit: 50 })),
    deepPage: await timeCalls(() =>
      listRetained(index, {
        includePartial: false,
        limit: 50,
        ...(deepCursor ? { cursor: deepCursor } : {}),
      }),
    ),
    deepPageNumber: deepPage,
    filteredPage: await timeCalls(() =>
      listRetained(index, { includePartial: false, limit: 50, labels: { suite: 'smoke' } }),
    ),
  };
  await index.close();
  return result;
}

/** Median and 99th percentile of many calls, after a warm-up. */
async function timeCalls(call: () => Promise<unknown>): Promise<{ median: number; p99: number }> {
  for (let i = 0; i < 200; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < 2_000; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[samples.length >> 1]!, p99: samples[Math.ceil(samples.length * 0.99) - 1]! };
}

function latencyRow(
  name: string,
  timing: { median: number; p99: number },
  baselineMs: number,
  what: string,
): BenchRow {
  return {
    name,
    figure: ms(timing.median),
    baseline: ms(baselineMs),
    ratio: (baselineMs / timing.median).toFixed(0),
    target: '< 2 ms',
    note: `${verdict(timing.p99 < 2)} at p99 ${ms(timing.p99)}; ${what}; baseline: scanning the directories per call`,
  };
}

/** Heap of the index against the heap of the same records in a plain array. */
async function measureMemory(runsDir: string) {
  const gc = exposeGc();
  const real = await realpath(runsDir);
  gc();
  const before = process.memoryUsage().heapUsed;
  let records: RetainedRun[] | undefined = [];
  await walkRunsDir(
    real,
    [''],
    (dir) => readRetainedRun(real, dir),
    {},
    (_dir, reading) => {
      if (reading.kind === 'retained') records!.push(reading.run);
    },
  );
  gc();
  const recordBytes = process.memoryUsage().heapUsed - before;
  records = undefined;
  gc();
  const beforeIndex = process.memoryUsage().heapUsed;
  const index = await RetainedIndex.open(runsDir);
  await index.start();
  gc();
  const indexBytes = process.memoryUsage().heapUsed - beforeIndex;
  await index.close();
  return { recordBytes, indexBytes };
}

/** A real daemon on the fixture: when its index is ready, and what a call costs over the wire. */
async function measureDaemon(home: string, runsDir: string) {
  const stateDir = join(home, 'state');
  const spawned = performance.now();
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--runs-dir',
      runsDir,
      '--state-dir',
      stateDir,
      '--store',
      'memory',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
        stdout += chunk;
        const match = /runyard listening on (\S+)/.exec(stdout);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`daemon exited (${code}):\n${log}`)));
    });
    const token = (await readFile(join(stateDir, 'token'), 'utf8')).trim();
    const client = await connect({ url, token });
    try {
      const first = await client.retained.latest({});
      const firstAnswerMs = performance.now() - spawned;
      if (!first) throw new Error('the daemon found no retained run');
      const indexed = /"message":"retained runs indexed".*?"ms":(\d+)/.exec(log);
      if (!indexed) throw new Error(`no "retained runs indexed" line in the daemon log:\n${log}`);
      const samples: number[] = [];
      for (let i = 0; i < 220; i++) {
        const started = performance.now();
        await client.retained.latest({ status: ['succeeded'] });
        if (i >= 20) samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return {
        indexedMs: Number(indexed[1]),
        firstAnswerMs,
        latestRoundTripMs: samples[samples.length >> 1]!,
      };
    } finally {
      await client.close();
    }
  } finally {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
    process.removeListener('exit', killOnExit);
  }
}

const ms = (value: number) => `${value < 10 ? value.toFixed(3) : value.toFixed(0)} ms`;

/** The machine the figures come from, for docs/benchmarks.md. */
export const machine = () =>
  `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;

// Run alone with `node dist/bench/retained.js`; the bench runner imports run() instead.
if (process.argv[1] && fileURLToPath(import.meta.url) === (await realpath(process.argv[1]).catch(() => ''))) {
  const rows = await run();
  console.log(`${machine()}\n\n${formatTable(rows)}`);
}
