// Crash recovery: taking over what a previous daemon left in the store and in the run directories.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { readEvents, repairEventLog } from '../run-dir/events.js';
import { runFiles } from '../run-dir/files.js';
import { completePlan } from '../run-dir/plan.js';
import { isProblem, RunDirReader } from '../run-dir/read.js';
import type { RunRecord, RunStatus } from '../schema/run.js';
import { isLeaseLost } from '../store/lease-lost.js';
import type { RunTable, StoredRun } from '../store/store.js';
import type { ActiveRun, ActiveRunParts } from './active-run.js';
import { killAll, processesOfRun, terminateGroup } from './process-identity.js';
import { relativeDir, writeRetained, type RetainedOf } from './write-retained.js';

export interface RecoveryCounts {
  requeued: number;
  interrupted: number;
  /** Finished runs whose directories got their retention files only now. */
  completed: number;
  /** Runs of this node that another node ended (node_lost) while it was down, their directories completed. */
  takenOver: number;
}

/** What recovery needs from the engine around it. */
export interface RecoveryHost {
  runsDir: string;
  retainedOf?: RetainedOf;
  runs: RunTable;
  log: Logger;
  /** Makes a run active again from what the store and its directory hold. */
  adopt(parts: Omit<ActiveRunParts, 'release'>): ActiveRun;
  requeue(run: ActiveRun): void;
  finish(run: ActiveRun, status: RunStatus, patch: Partial<RunRecord>): Promise<void>;
  /** Ends the run as `verdict`, the database's record of it, says: another node ended it. */
  finishAs(run: ActiveRun, verdict: RunRecord): Promise<void>;
  onRetained(run: RunRecord): Promise<void>;
  /**
   * Hands a run claimed from the cluster's queue, and never made, back to it; only a store with a
   * shared queue has such runs.
   */
  handBack?(stored: StoredRun): Promise<void>;
}

/** An attempt's end in the event log of a run whose process ended with the daemon (or node) that ran it. */
const interruptedEnd = (run: ActiveRun, attempt: number) => ({
  type: 'attempt' as const,
  attempt,
  phase: 'end' as const,
  outcome: 'interrupted' as const,
  stdoutOffset: run.logSizes.stdout,
  stderrOffset: run.logSizes.stderr,
});

/**
 * Queued runs are queued again, in their old order (unless the env values they need were lost with
 * the index). Running and retrying runs become interrupted (reason daemon_restart): their process
 * groups, and anything they left outside them, are stopped and their run directories completed.
 * Finished runs whose directories were never completed get their retention files; those another node
 * ended (node_lost) while this one was down also get their leftover processes stopped and their end.
 */
export async function recoverRuns(host: RecoveryHost): Promise<RecoveryCounts> {
  const counts: RecoveryCounts = { requeued: 0, interrupted: 0, completed: 0, takenOver: 0 };
  for (const stored of await host.runs.listUnretained()) {
    if (stored.record.error?.reason === 'node_lost') {
      if (await completeTakenOver(host, stored)) counts.takenOver++;
    } else if (await complete(host, stored)) counts.completed++;
  }
  for (const stored of await host.runs.listUnfinished()) {
    // Claimed from the cluster's queue by the previous daemon, which died before its directory was known.
    if (stored.record.runDir === '' && host.handBack) {
      await host.handBack(stored);
      counts.requeued++;
      continue;
    }
    const run = await revive(host, stored).catch(async (error: Error) => {
      await markUnusable(host, stored, error);
      return undefined;
    });
    if (!run) {
      counts.interrupted++;
      continue;
    }
    const { record } = stored;
    const lostEnv = run.plan.envNames.filter(
      (name) => !name.startsWith('RUNYARD_') && stored.request.env?.[name] === undefined,
    );
    if (record.status === 'queued' && lostEnv.length === 0) {
      host.requeue(run);
      counts.requeued++;
      continue;
    }
    counts.interrupted++;
    if (record.status === 'queued') {
      // Env values never reach the disk, so an index rebuilt from it cannot start this run as asked.
      await host.finish(run, 'interrupted', {
        error: {
          reason: 'request_lost',
          message: `the values of ${lostEnv.join(', ')} were lost with the index`,
        },
      });
      continue;
    }
    if (stored.process) await terminateGroup(stored.process, run.plan.killGraceMs);
    // Whatever left the group, or an attempt whose pid never reached the index.
    killAll(processesOfRun(record.runId));
    if (run.attempts.at(-1)?.finishedAt === null) {
      const attempt = run.endAttempt({ exitCode: null, signal: null, outcome: 'interrupted' });
      run.events.append(interruptedEnd(run, attempt.attempt));
    }
    await host.finish(run, 'interrupted', {
      error: { reason: 'daemon_restart', message: 'the daemon stopped while this run was active' },
      nextAttemptAt: null,
    });
  }
  return counts;
}

/** The in-memory state of an unfinished run, from the store and its run directory; throws when the directory cannot serve. */
async function revive(host: RecoveryHost, stored: StoredRun): Promise<ActiveRun> {
  const { record } = stored;
  const dir = relativeDir(host.runsDir, record.runDir);
  const plan = completePlan(new RunDirReader(host.runsDir, dir).plan(), dir);
  if (isProblem(plan)) throw new Error(plan.message);
  if (plan.runId !== record.runId) throw new Error(`${runFiles.plan} is the plan of run ${plan.runId}`);
  const lastSeq = await repairEventLog(host.runsDir, record.runDir);
  const sizeOf = (file: string) =>
    stat(join(record.runDir, file)).then(
      (info) => info.size,
      () => 0,
    );
  return host.adopt({
    record,
    plan,
    request: stored.request,
    retry: plan.retry,
    attempts: [...stored.attempts],
    logSizes: { stdout: await sizeOf(runFiles.stdout), stderr: await sizeOf(runFiles.stderr) },
    lastSeq,
  });
}

/**
 * The directory is gone or unreadable: the index still must not show the run as active, and nothing
 * is written into a directory that no longer holds what this run left there.
 */
async function markUnusable(host: RecoveryHost, stored: StoredRun, error: Error): Promise<void> {
  const { record } = stored;
  host.log.warn('run directory unusable; marking the run interrupted', {
    runId: record.runId,
    runDir: record.runDir,
    error: error.message,
  });
  const message = `the run directory could not be continued after a restart: ${error.message}`;
  await host.runs
    .update({
      ...stored,
      record: {
        ...record,
        status: 'interrupted',
        error: { reason: 'run_dir_missing', message },
        finishedAt: new Date().toISOString(),
      },
    })
    .catch((error: unknown) => {
      // Another node ended it meanwhile (node_lost): the index already shows it finished.
      if (!isLeaseLost(error)) throw error;
    });
}

/**
 * Writes the retention files of a finished run whose directory never got them (the disk was full,
 * or the daemon died between its last run.json and the summary), when the directory is still its own.
 */
async function complete(host: RecoveryHost, stored: StoredRun): Promise<boolean> {
  const { record } = stored;
  const dir = relativeDir(host.runsDir, record.runDir);
  const reader = new RunDirReader(host.runsDir, dir);
  const plan = completePlan(reader.plan(), dir);
  if (isProblem(plan) || plan.runId !== record.runId) return false;
  // The files were written before the index had the end: the node died after that write and before its
  // results were recorded, perhaps before the terminal events too.
  if (reader.summary().state !== 'missing') return endAsRecorded(host, stored);
  try {
    const results = await writeRetained(host.retainedOf, record, stored.attempts);
    await host.runs.recordResults(record.runId, results);
    await host.onRetained(record);
    return true;
  } catch (error) {
    host.log.warn('could not complete the directory of a finished run', { runId: record.runId, error });
    return false;
  }
}

/**
 * A run of this node that another node ended (node_lost) while this one was down or paused: what is
 * left of its processes is killed, and its directory gets the end the database holds.
 */
async function completeTakenOver(host: RecoveryHost, stored: StoredRun): Promise<boolean> {
  if (stored.process) await terminateGroup(stored.process, 0);
  killAll(processesOfRun(stored.record.runId));
  // The attempt was running when the node was lost: its log gets the end its process never had.
  return endAsRecorded(host, stored, stored.process !== null);
}

/**
 * Gives the directory of a finished run the end the index holds, without any change to its status
 * there: run.json and retention-summary.json as the record says, the terminal events once (none when
 * events.jsonl already ends), then where the files are, recorded in the index. With `endsAttempt`, an
 * event log that does not end gets its last attempt's end first.
 */
async function endAsRecorded(host: RecoveryHost, stored: StoredRun, endsAttempt = false): Promise<boolean> {
  const { record } = stored;
  const run = await revive(host, stored).catch((error: Error) => {
    host.log.warn('could not complete the directory of a finished run', {
      runId: record.runId,
      error: error.message,
    });
    return undefined;
  });
  if (!run) return false;
  const { events } = await readEvents(host.runsDir, record.runDir, run.events.lastSeq, 1);
  if (events[0]?.type === 'end') {
    run.markEnded();
  } else if (endsAttempt) {
    const attempt = stored.attempts.at(-1);
    if (attempt) run.events.append(interruptedEnd(run, attempt.attempt));
  }
  await host.finishAs(run, record);
  return true;
}
