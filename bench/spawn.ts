// spawn: trivial runs from run.start to succeeded (run directory complete), vs a bare spawn loop.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { connect } from 'runyard/client';
import { startBenchDaemon } from './daemon.js';
import { spawnMany } from './spawn-loop.js';
import {
  formatRate,
  formatRatio,
  higherIsBetter,
  lowerIsBetter,
  median,
  verdict,
  type BenchRow,
} from './table.js';

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
      // Where the time goes: CPU per run of the daemon, of this process as its client, and of the bare loop.
      const cpu = { daemon: 0, client: 0, bare: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const daemonBefore = processCpuMs(daemon.pid);
        const clientBefore = process.cpuUsage();
        ours.push(await rate(RUNS_PER_ROUND, () => daemonRuns(RUNS_PER_ROUND)));
        cpu.daemon += processCpuMs(daemon.pid) - daemonBefore;
        cpu.client += cpuMs(process.cpuUsage(clientBefore));
        const bareBefore = process.cpuUsage();
        theirs.push(await rate(RUNS_PER_ROUND, () => spawnMany(RUNS_PER_ROUND, CONCURRENCY)));
        cpu.bare += cpuMs(process.cpuUsage(bareBefore));
      }
      const perRun = (total: number) => total / (ROUNDS * RUNS_PER_ROUND);
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
        {
          name: 'spawn: CPU per run (user + system)',
          figure: `${perRun(cpu.daemon).toFixed(2)} ms`,
          baseline: `${perRun(cpu.bare).toFixed(2)} ms`,
          ratio: formatRatio(lowerIsBetter(perRun(cpu.daemon), perRun(cpu.bare))),
          note: `diagnostic: the daemon process, against the bare loop's own process; the client (this process) spent ${perRun(cpu.client).toFixed(2)} ms per run`,
        },
      ];
    } finally {
      await client.close();
    }
  } finally {
    await daemon.stop();
  }
}

// /proc/<pid>/stat counts in clock ticks, which are 1/100 s on Linux whatever the kernel's HZ (USER_HZ).
const TICK_MS = 10;

/** User plus system CPU time of another process so far (fields 14 and 15 of /proc/<pid>/stat). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

const cpuMs = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1_000;

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
