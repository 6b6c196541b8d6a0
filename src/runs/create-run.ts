// Creating a run: the one place a run record is built, its directory prepared and its plan written.
import { rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { RunyardError } from '../schema/errors.js';
import { runFiles } from '../run-dir/files.js';
import { writeNewRun } from '../run-dir/write.js';
import { RUN_DIR_SCHEMA_VERSION, type RunPlan } from '../schema/run-dir.js';
import type { ResolvedRunSpec } from '../schema/run-record.js';
import type { RunRecord } from '../schema/run.js';
import { isDirectory, resolveCommand } from './command.js';
import { newRunId } from './ids.js';
import { resolveRetry, type ResolvedRetry } from './retry.js';
import type { RunDirClaims } from './run-dir-claims.js';
import { createRunDir, emptyDir, failedDirectory } from './run-dir.js';

export interface NewRun {
  record: RunRecord;
  plan: RunPlan;
  retry: ResolvedRetry;
  /** Frees the run directory for others; call when the run has finished (or was never created). */
  release: () => void;
  /** Undoes the creation when a later step (indexing it) fails. */
  discard: () => Promise<void>;
}

/** Which action and which service a run comes from: set here, and nowhere else, for every run. */
export interface Provenance {
  actionId: string | null;
  serviceId: string | null;
}

export interface CreateOptions {
  runsDir: string;
  claims: RunDirClaims;
  defaultKillGraceMs: number;
  /** This daemon's node id: the run's directory is on its disk. */
  nodeId: string;
}

/** Who a run is, once and for good: set by the node that accepted it. */
export interface RunIdentity {
  runId: string;
  createdAt: string;
}

/**
 * Validates what can only be checked on disk (cwd, the command, the output directory), then writes
 * the run directory with plan.json and run.json. Nothing is left on disk when it fails. `claimed` is a
 * run another node accepted (the cluster's shared queue): it is made here as it was accepted there,
 * and a cwd or command this node lacks fails its start (spawn_failed), not its creation.
 */
export async function createRun(
  params: ResolvedRunSpec,
  provenance: Provenance,
  options: CreateOptions,
  claimed?: RunIdentity,
): Promise<NewRun> {
  const identity = claimed ?? { runId: newRunId(), createdAt: new Date().toISOString() };
  const { runId } = identity;
  const claim = await options.claims.claim(options.runsDir, runId, params.outputDir, params.overwrite);
  const { runDir } = claim;
  let touched = false;
  const discard = async () => {
    claim.release();
    if (!touched) return;
    // A directory we made goes; one that existed is left empty, as it was (or as overwrite made it).
    if (claim.created) await rm(runDir, { recursive: true, force: true });
    else await emptyDir(runDir).catch(() => {});
  };
  try {
    // Everything that can be refused is checked before the directory is touched.
    const checked = await checkRunnable(params, runDir).catch((error: unknown) => {
      if (!claimed) throw error;
      return { cwd: resolve(runDir, params.cwd ?? '.'), command: params.argv[0]! };
    });
    touched = true;
    await createRunDir(runDir, claim.clear).catch(failedDirectory);
    const retry = resolveRetry(params.retry);
    const record = newRecord(params, provenance, { ...identity, ...checked, runDir, nodeId: options.nodeId });
    const plan: RunPlan = {
      schemaVersion: RUN_DIR_SCHEMA_VERSION,
      runId,
      argv: params.argv,
      command: checked.command,
      cwd: checked.cwd,
      envNames: [...Object.keys(params.env ?? {}), ...Object.keys(runyardEnv(record, 1))].sort(),
      timeoutMs: record.timeoutMs,
      killGraceMs: params.killGraceMs ?? options.defaultKillGraceMs,
      retry,
      priority: record.priority,
      actionId: record.actionId,
      serviceId: record.serviceId,
      labels: record.labels,
    };
    await writeNewRun(plan, record).catch(failedDirectory);
    return { record, plan, retry, release: claim.release, discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

/**
 * The record of a run accepted into the cluster's shared queue: checked as this node would make it, but
 * made by whichever node claims it, so it has no node, run directory or cwd yet.
 */
export async function queuedRun(
  params: ResolvedRunSpec,
  provenance: Provenance,
  options: Pick<CreateOptions, 'runsDir'>,
): Promise<RunRecord> {
  const identity = { runId: newRunId(), createdAt: new Date().toISOString() };
  await checkRunnable(params, join(options.runsDir, identity.runId));
  return newRecord(params, provenance, { ...identity, cwd: '', runDir: '' });
}

/** A run waits in a cluster's shared queue: no node has made its directory yet (claimed it, or finished claiming it). */
export const isInSharedQueue = (run: RunRecord): boolean => run.status === 'queued' && run.runDir === '';

/** The cwd and command of a run whose directory is `runDir`; cwd_not_found or command_not_found if none. */
async function checkRunnable(
  params: ResolvedRunSpec,
  runDir: string,
): Promise<{ cwd: string; command: string }> {
  const cwd = resolve(runDir, params.cwd ?? '.');
  if (!(await isUsableCwd(runDir, cwd))) throw new RunyardError('cwd_not_found', { cwd: params.cwd ?? cwd });
  const command = await resolveCommand(params.argv[0]!, { ...process.env, ...params.env }.PATH, cwd);
  if (!command) throw new RunyardError('command_not_found', { command: params.argv[0] });
  return { cwd, command };
}

/** A new run's record: the one place its fields are set from what run.start asked. */
function newRecord(
  params: ResolvedRunSpec,
  provenance: Provenance,
  where: RunIdentity & { cwd: string; runDir: string; nodeId?: string },
): RunRecord {
  return {
    runId: where.runId,
    status: 'queued',
    argv: params.argv,
    cwd: where.cwd,
    runDir: where.runDir,
    ...(where.nodeId === undefined ? {} : { nodeId: where.nodeId }),
    labels: params.labels ?? {},
    actionId: provenance.actionId,
    serviceId: provenance.serviceId,
    idempotencyKey: params.idempotencyKey ?? null,
    priority: params.priority,
    timeoutMs: params.timeoutMs ?? null,
    attempt: 0,
    maxAttempts: resolveRetry(params.retry).maxAttempts,
    nextAttemptAt: null,
    queuePosition: null,
    progress: null,
    createdAt: where.createdAt,
    startedAt: null,
    finishedAt: null,
    exitCode: null,
    signal: null,
    error: null,
  };
}

/**
 * A cwd inside the run directory can only name what the fresh layout will hold (the run directory
 * itself, logs, reports, artifacts), so it is judged without touching the disk; any other must exist.
 */
async function isUsableCwd(runDir: string, cwd: string): Promise<boolean> {
  const inside = relative(runDir, cwd);
  if (!inside.startsWith('..') && !isAbsolute(inside))
    return ['', 'logs', runFiles.reports, runFiles.artifacts].includes(inside);
  return isDirectory(cwd);
}

/** The variables every attempt gets, telling it where it runs. */
export function runyardEnv(run: RunRecord, attempt: number): Record<string, string> {
  return {
    RUNYARD_RUN_ID: run.runId,
    RUNYARD_RUN_DIR: run.runDir,
    RUNYARD_REPORTS_DIR: join(run.runDir, runFiles.reports),
    RUNYARD_ARTIFACTS_DIR: join(run.runDir, runFiles.artifacts),
    RUNYARD_ATTEMPT: String(attempt),
  };
}
