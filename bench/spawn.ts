// spawn: trivial runs from run.start to succeeded (run directory complete), vs a bare spawn loop.
import { performance } from 'node:perf_hooks';
import { connect } from 'runyard/client';
import { startBenchDaemon } from './daemon.js';
import { spawnMany } from './spawn-loop.js';
import { formatRate, formatRatio, higherIsBetter, median, verdict, type BenchRow } from './table.js';

const CONCURRENCY = 8;
const RUNS_PER_ROUND = 300;
const ROUNDS = 3;
const TARGET_RATIO = 0.5;

export async function run(): Promise<BenchRow[]> {
  const daemon = await startBenchDaemon(['--max-concurrent', String(CONCURRENCY)]);
  try {
    const client = await connect({ url: daemon.url, token: daemon.token });
    try {
      // run.wait answers only once run.json, artifact-manifest.json and retention-summary.json are written.
      const oneRun = async () => {
        const { runId } = await client.run.start({ argv: ['/bin/true'] });
        const { status } = await client.run.wait({ runId });
        if (status !== 'succeeded') throw new Error(`run ${runId} ended ${status}`);
      };
      const daemonRuns = (count: number) => inParallel(count, CONCURRENCY, oneRun);
      await daemonRuns(CONCURRENCY * 4); // warm-up, both sides
      await spawnMany(CONCURRENCY * 4, CONCURRENCY);
      const ours: number[] = [];
      const theirs: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        ours.push(await rate(RUNS_PER_ROUND, () => daemonRuns(RUNS_PER_ROUND)));
        theirs.push(await rate(RUNS_PER_ROUND, () => spawnMany(RUNS_PER_ROUND, CONCURRENCY)));
      }
      const ratio = higherIsBetter(median(ours), median(theirs));
      return [
        {
          name: `spawn: /bin/true to succeeded, concurrency ${CONCURRENCY}`,
          figure: formatRate(median(ours), 'runs/s'),
          baseline: formatRate(median(theirs), 'spawns/s'),
          ratio: formatRatio(ratio),
          target: `ratio >= ${TARGET_RATIO}`,
          note: verdict(ratio >= TARGET_RATIO),
        },
      ];
    } finally {
      await client.close();
    }
  } finally {
    await daemon.stop();
  }
}

async function rate(count: number, work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return (count * 1_000) / (performance.now() - started);
}

/** Calls `task` `count` times with at most `concurrency` at once. */
export async function inParallel(
  count: number,
  concurrency: number,
  task: () => Promise<void>,
): Promise<void> {
  let started = 0;
  const lane = async () => {
    while (started < count) {
      started++;
      await task();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
}
