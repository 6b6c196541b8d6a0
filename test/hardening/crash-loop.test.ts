// Crash loop: start a daemon, start runs, SIGKILL it at a seeded moment, restart on the same state;
// ten times. Nothing acknowledged is lost, every run directory ends complete, no process survives.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import t from 'tap';
import type { RunStartParams, RunyardClient } from 'runyard/client';
import { startDaemon, type TestDaemon } from '../helpers/daemon.js';
import { isLongRun, makeRandom, seedFromEnv, type Random } from '../helpers/prng.js';
import { eventually, sleep } from '../helpers/poll.js';

const CYCLES = isLongRun() ? 50 : 10;
// The long variant outlasts tap's per-file timeout of 120 s.
if (isLongRun()) t.setTimeout(1_800_000);
const STARTERS = 2;
const seed = seedFromEnv(0x5eed0003);
const ACTIVE = ['queued', 'running', 'retrying'];
const TERMINAL = ['succeeded', 'failed', 'timed_out', 'cancelled', 'interrupted'];
const DAEMON_ARGS = ['--max-concurrent', '2', '--kill-grace-ms', '500'];

t.comment(`seed ${seed} (replay with RUNYARD_HARDENING_SEED=${seed})`);

t.test(
  `${CYCLES} SIGKILLs lose no acknowledged run, run none twice, and leave no orphan or incomplete indexed run directory`,
  async (t) => {
    const random = makeRandom(seed);
    const home = await mkdtemp(join(tmpdir(), 'runyard-crash-'));
    t.teardown(async () => {
      killSurvivors(join(home, 'runs'));
      await rm(home, { recursive: true, force: true });
    });
    /** runId → the status run.start answered with. */
    const acknowledged = new Map<string, string>();
    const lost: string[] = [];
    /** Processes of runs found alive right after their daemon was killed, for the next daemon to stop. */
    let orphaned = 0;

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const daemon = await startDaemon(t, { home, args: DAEMON_ARGS });
      const client = await daemon.client();
      lost.push(...(await missingRuns(client, acknowledged)));
      const killAt = random.between(20, 1_500);
      let killed = false;
      const starters = Array.from({ length: STARTERS }, async () => {
        while (!killed) {
          try {
            const run = await client.run.start(randomRun(random, cycle));
            acknowledged.set(run.runId, run.status);
          } catch {
            return; // the daemon died under this call: it was never acknowledged
          }
          await sleep(random.int(40));
        }
      });
      await sleep(killAt);
      killed = true;
      await daemon.stop('SIGKILL');
      orphaned += survivors(daemon.runsDir).length;
      await Promise.all(starters);
      await client.close().catch(() => {});
    }
    t.ok(acknowledged.size > CYCLES * 5, `${acknowledged.size} runs acknowledged across ${CYCLES} crashes`);

    const daemon = await startDaemon(t, { home, args: DAEMON_ARGS });
    const client = await daemon.client();
    lost.push(...(await missingRuns(client, acknowledged)));
    t.same(lost, [], 'after every restart, every acknowledged run was found');

    // The long runs of the last life are still going: stop them, then every run must end.
    await Promise.all([...acknowledged.keys()].map((runId) => client.run.cancel({ runId })));
    const unfinished = await eventually(async () => {
      const statuses = await Promise.all(
        [...acknowledged.keys()].map((runId) => client.run.status({ runId })),
      );
      const open = statuses.filter((run) => !TERMINAL.includes(run.status));
      return open.length === 0 ? open : undefined;
    }, 30_000).catch(() => ['some runs never finished']);
    t.same(unfinished, [], 'every acknowledged run reached a terminal status');
    // A run.start cut off after its run was indexed was never acknowledged, but is a run like any
    // other (queued again after the restart): it is stopped too before the directories are judged.
    const stillActive = await client.run.list({ status: ['queued', 'running', 'retrying'], limit: 1_000 });
    await Promise.all(stillActive.runs.map((run) => client.run.cancel({ runId: run.runId })));

    const { indexed, unknown } = await checkRunDirectories(daemon, client);
    // An attempt reaches the index as starting before its process is spawned, so a SIGKILL at any
    // moment leaves it either never started or indexed as running (then interrupted): never run twice.
    t.same(
      indexed,
      [],
      'the directory of every run the index knows is complete, agrees with the index, and ran each attempt once',
    );
    // A run.start cut off by the SIGKILL before it was indexed (so never acknowledged) leaves its half-made
    // directory behind, and no restart completes or removes it. Known, not yet fixed: see docs/security.md.
    t.same(unknown, [], 'no half-made directory of an unacknowledged run.start is left behind', {
      todo: 'recovery does not yet clean up directories that never reached the index',
    });
    await daemon.stop();
    t.ok(orphaned > 0, `${orphaned} run processes outlived a killed daemon`);
    t.same(survivors(daemon.runsDir), [], 'no process of any run survives: each next daemon stopped them');
  },
);

/** Acknowledged runs the daemon does not know, or knows with a status outside the contract. */
async function missingRuns(client: RunyardClient, acknowledged: Map<string, string>): Promise<string[]> {
  const answers = await Promise.all(
    [...acknowledged.keys()].map((runId) =>
      client.run.status({ runId }).then(
        ({ status }) =>
          [...ACTIVE, ...TERMINAL].includes(status) ? undefined : `${runId}: status ${status}`,
        (error: Error) => `${runId}: ${error.message}`,
      ),
    ),
  );
  return answers.filter((answer): answer is string => answer !== undefined);
}

/** A mix of short, long, failing, retrying, timed-out and prioritised runs, some in a chosen outputDir. */
function randomRun(random: Random, cycle: number): RunStartParams {
  // Every execution leaves a line: a run started twice for one attempt shows as one line too many.
  const recordExecution = 'echo $$ >> "$RUNYARD_ARTIFACTS_DIR/executions"';
  const shapes: RunStartParams[] = [
    { argv: ['sh', '-c', `${recordExecution}; sleep 0.${random.between(1, 5)}`] },
    {
      argv: [
        'sh',
        '-c',
        `${recordExecution}; sleep 300 & echo $! > "$RUNYARD_ARTIFACTS_DIR/child.pid"; wait`,
      ],
    },
    { argv: ['sh', '-c', `${recordExecution}; exit 3`] },
    {
      argv: ['sh', '-c', `${recordExecution}; sleep 0.1; exit 1`],
      retry: { maxAttempts: 3, initialDelayMs: 200, jitter: 'none' },
    },
    { argv: ['sh', '-c', `${recordExecution}; sleep 300`], timeoutMs: 300 },
    { argv: ['sh', '-c', recordExecution], priority: random.between(-5, 5) },
    { argv: ['sh', '-c', `${recordExecution}; sleep 0.2`], env: { SECRET: 'value' } },
    { argv: ['sh', '-c', recordExecution], outputDir: `chosen/${cycle}-${random.int(1_000_000)}` },
  ];
  return random.pick(shapes);
}

/**
 * Every run directory (wherever outputDir put it): one whose run the index knows must be complete and
 * agree with the index; one the index does not know is the debris of a run.start cut off by a crash.
 */
async function checkRunDirectories(daemon: TestDaemon, client: RunyardClient) {
  const indexed: string[] = [];
  const unknown: string[] = [];
  for (const dir of runDirectories(daemon.runsDir)) {
    const name = relative(daemon.runsDir, dir);
    const runJson = join(dir, 'run.json');
    if (!existsSync(runJson)) {
      unknown.push(`${name}: no run.json (holds ${readdirSync(dir).join(', ')})`);
      continue;
    }
    const record = JSON.parse(await readFile(runJson, 'utf8')) as { runId: string; status: string };
    const known = await client.run.status({ runId: record.runId }).catch(() => undefined);
    if (!known) {
      unknown.push(`${name}: run.json says ${record.status}, the index does not know ${record.runId}`);
      continue;
    }
    if (known.runDir !== dir) indexed.push(`${name}: the index puts ${record.runId} in ${known.runDir}`);
    if (!TERMINAL.includes(record.status)) indexed.push(`${name}: run.json says ${record.status}`);
    if (known.status !== record.status)
      indexed.push(`${name}: the index says ${known.status}, run.json ${record.status}`);
    if (!existsSync(join(dir, 'retention-summary.json'))) indexed.push(`${name}: no retention-summary.json`);
    const executions = existsSync(join(dir, 'artifacts', 'executions'))
      ? readFileSync(join(dir, 'artifacts', 'executions'), 'utf8')
          .trim()
          .split('\n').length
      : 0;
    if (executions > known.attempt)
      indexed.push(`${name}: executed ${executions} times in ${known.attempt} attempts`);
  }
  return { indexed, unknown };
}

/** Directories that are (or were being made into) run directories: they hold logs/ or a run file. */
function runDirectories(root: string): string[] {
  const found: string[] = [];
  const visit = (dir: string) => {
    const names = readdirSync(dir);
    if (names.some((name) => ['run.json', 'plan.json', 'logs', 'artifacts'].includes(name))) {
      found.push(dir);
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (
        readdirSync(dir, { withFileTypes: true })
          .find((entry) => entry.name === name)
          ?.isDirectory()
      )
        visit(path);
    }
  };
  visit(root);
  return found;
}

/** Processes whose environment says they belong to a run under `runsDir` (they inherit RUNYARD_RUN_DIR). */
function survivors(runsDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    let environ: string;
    try {
      environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue; // gone, or not ours
    }
    const runDir = environ.split('\0').find((entry) => entry.startsWith('RUNYARD_RUN_DIR='));
    if (runDir?.slice('RUNYARD_RUN_DIR='.length).startsWith(runsDir)) {
      const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      found.push(`${pid}: ${command} (${runDir})`);
    }
  }
  return found;
}

function killSurvivors(runsDir: string): void {
  for (const survivor of survivors(runsDir)) {
    try {
      process.kill(Number(survivor.split(':')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}
