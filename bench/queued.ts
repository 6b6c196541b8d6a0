// queued: what 10,000 runs waiting for a slot cost the daemon (memory, descriptors), and run.start while they wait.
import { readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'runyard/client';
import { createLogger } from '../src/log.js';
import { RunEngine } from '../src/runs/engine.js';
import { SqliteStore } from '../src/store/sqlite.js';
import { residentBytes, startBenchDaemon } from './daemon.js';
import { exposeGc } from './heap.js';
import { inParallel } from './spawn.js';
import { formatMB, formatMs, percentile, verdict, type BenchRow } from './table.js';

const QUEUED = 10_000;
// Bounded like a real client's burst: enough to keep the daemon busy, not a flood of unanswered calls.
const IN_FLIGHT = 256;
/** The slice whose run.start p99 is compared first against last: flat means a long queue costs nothing. */
const SLICE = 1_000;
// The same quiet time as the memory benchmark: V8 returns burst garbage some 8-10 s after activity stops.
const SETTLE_MS = 12_000;

/** Runs queued on the in-process engine whose heap is measured: enough to drown the noise of one GC. */
const HEAP_RUNS = 3_000;

const openDescriptors = (pid: number) => readdirSync(`/proc/${pid}/fd`).length;

/**
 * What a queued run keeps alive, which RSS cannot say (it is a high-water mark of the burst): an engine
 * in this process on a SQLite index, its queue never started, V8 heap after a full GC around the starts.
 */
async function heapPerQueuedRun(): Promise<number> {
  const gc = exposeGc();
  const home = await mkdtemp(join(tmpdir(), 'runyard-bench-queued-'));
  const runsDir = join(home, 'runs');
  await mkdir(runsDir);
  const store = new SqliteStore(join(home, 'runyard.db'), 'bench');
  const engine = new RunEngine({
    runsDir,
    store,
    maxConcurrent: 1,
    maxQueued: HEAP_RUNS * 2,
    killGraceMs: 1_000,
    nodeId: 'bench',
    log: createLogger({ write: () => {} }),
  });
  const startMany = (count: number) =>
    inParallel(count, 50, async () => void (await engine.start({ argv: ['/bin/true'] })));
  try {
    await startMany(50); // compiles and caches what every start needs, so that is not counted per run
    gc();
    const before = process.memoryUsage().heapUsed;
    await startMany(HEAP_RUNS);
    gc();
    return (process.memoryUsage().heapUsed - before) / HEAP_RUNS;
  } finally {
    await engine.close();
    await store.close();
    await rm(home, { recursive: true, force: true });
  }
}

/** One daemon, one slot held by a long sleep; everything started after it waits in the queue. */
export async function run(): Promise<BenchRow[]> {
  const heapBytes = await heapPerQueuedRun();
  const daemon = await startBenchDaemon(['--max-concurrent', '1']);
  const client = await connect({ url: daemon.url, token: daemon.token });
  try {
    const blocker = await client.run.start({ argv: ['sleep', '600'] });
    while ((await client.run.status({ runId: blocker.runId })).status !== 'running') await sleep(10);
    await sleep(SETTLE_MS);
    const before = { rss: residentBytes(daemon.pid), fds: openDescriptors(daemon.pid) };

    const latencies: number[] = [];
    await inParallel(QUEUED, IN_FLIGHT, async () => {
      const started = performance.now();
      const { status } = await client.run.start({ argv: ['/bin/true'] });
      latencies.push(performance.now() - started);
      if (status !== 'queued') throw new Error(`a run behind the blocker is ${status}, not queued`);
    });
    const fdsRightAfter = openDescriptors(daemon.pid);
    await sleep(SETTLE_MS);
    const after = { rss: residentBytes(daemon.pid), fds: openDescriptors(daemon.pid) };

    const sorted = [...latencies].sort((a, b) => a - b);
    const p99Of = (slice: number[]) =>
      formatMs(
        percentile(
          [...slice].sort((a, b) => a - b),
          0.99,
        ),
      );
    const bytesPerRun = (after.rss - before.rss) / QUEUED;
    // Settled, not right after: a write still under way holds its file for a moment, no queued run does.
    const fdsPerRun = (after.fds - before.fds) / QUEUED;
    const count = QUEUED.toLocaleString('en-US');
    return [
      {
        name: `queued: RSS with ${count} queued runs`,
        figure: formatMB(after.rss),
        baseline: formatMB(before.rss),
        note: `${Math.round(bytesPerRun).toLocaleString('en-US')} bytes per queued run; baseline: the same daemon before them`,
      },
      {
        name: 'queued: heap per queued run',
        figure: `${Math.round(heapBytes).toLocaleString('en-US')} B/run`,
        note: `${HEAP_RUNS.toLocaleString('en-US')} runs queued on an engine in the benchmark's process, on a SQLite index; V8 heap after a full GC`,
      },
      {
        name: `queued: open descriptors per queued run`,
        figure: fdsPerRun.toFixed(4),
        target: '0',
        note: `${verdict(after.fds <= before.fds)}; ${before.fds} before, ${fdsRightAfter} right after the starts, ${after.fds} settled`,
      },
      {
        name: `queued: run.start p50 / p99 while they queue (${IN_FLIGHT} in flight)`,
        figure: `${formatMs(percentile(sorted, 0.5))} / ${formatMs(percentile(sorted, 0.99))}`,
        note: `p99 of the first ${SLICE.toLocaleString('en-US')} starts ${p99Of(latencies.slice(0, SLICE))}, of the last ${p99Of(latencies.slice(-SLICE))}`,
      },
    ];
  } finally {
    await client.close();
    await daemon.stop();
  }
}
