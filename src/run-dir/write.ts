// Writing the JSON files of a run directory, each atomically; retention-summary.json always last.
import { join } from 'node:path';
import { AtomicWriteError, jsonText, writeFilesAtomic } from '../fs/atomic.js';
import {
  RUN_DIR_SCHEMA_VERSION,
  terminalStatuses,
  type ArtifactManifest,
  type AttemptRecord,
  type RetentionSummary,
  type RunJson,
  type RunPlan,
} from '../schema/run-dir.js';
import type { RetainedRun } from '../schema/retained-run.js';
import type { RunRecord } from '../schema/run.js';
import { artifactEntries, listFiles } from './artifacts.js';
import { runFiles } from './files.js';

/** Where a finished run's results are, relative to its run directory. */
export interface RunResults {
  summary: string;
  manifest: string;
  reports: string[];
  /**
   * The run as its node's retained index lists it, from the summary just written: a store that several
   * nodes share keeps it, so that every node lists the run. Absent where no one needs it (an index rebuilt
   * from the run directories, which are its own).
   */
  retained?: RetainedRun;
}

/** What writeFinished wrote: where the files are, and what retention-summary.json says. */
export interface FinishedFiles {
  results: RunResults;
  summary: RetentionSummary;
}

/** A write of one file of a run directory failed (a full disk, an IO error); `file` says which. */
export class RunFileError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: Error,
  ) {
    super(`could not write ${file}: ${(cause as NodeJS.ErrnoException).code ?? cause.message}`);
  }
}

/** Writes `files` (names in the run directory, and their JSON) atomically, in that order. */
async function writeRunFiles(
  runDir: string,
  files: readonly [file: string, value: unknown][],
): Promise<void> {
  try {
    await writeFilesAtomic(
      files.map(([file, value]) => ({ path: join(runDir, file), data: jsonText(value) })),
    );
  } catch (error) {
    if (!(error instanceof AtomicWriteError)) throw error;
    const file = files.find(([name]) => join(runDir, name) === error.path)![0];
    throw new RunFileError(file, error.cause);
  }
}

const runJson = (run: RunRecord, attempts: readonly AttemptRecord[]): RunJson => ({
  schemaVersion: RUN_DIR_SCHEMA_VERSION,
  ...run,
  attempts: [...attempts],
});

/** A new run's plan.json and run.json, written side by side. */
export const writeNewRun = (plan: RunPlan, run: RunRecord) =>
  writeRunFiles(run.runDir, [
    [runFiles.plan, plan],
    [runFiles.run, runJson(run, [])],
  ]);

export const writeRunJson = (run: RunRecord, attempts: readonly AttemptRecord[]) =>
  writeRunFiles(run.runDir, [[runFiles.run, runJson(run, attempts)]]);

/**
 * Writes a finished run's run.json and artifact-manifest.json, then retention-summary.json last: its
 * presence means "finished and retained", so it goes only once the other two are durable.
 */
export async function writeFinished(
  run: RunRecord,
  attempts: readonly AttemptRecord[],
): Promise<FinishedFiles> {
  const status = terminalStatuses.find((terminal) => terminal === run.status);
  if (status === undefined) throw new Error(`a ${run.status} run has no retention summary`);
  let artifacts: ArtifactManifest['artifacts'];
  try {
    artifacts = await artifactEntries(run.runDir);
  } catch (error) {
    // The record of how the run ended still goes to disk; only its retention files are missing.
    await writeRunJson(run, attempts);
    throw error;
  }
  const manifest: ArtifactManifest = {
    schemaVersion: RUN_DIR_SCHEMA_VERSION,
    runId: run.runId,
    createdAt: new Date().toISOString(),
    artifacts,
  };
  await writeRunFiles(run.runDir, [
    [runFiles.run, runJson(run, attempts)],
    [runFiles.manifest, manifest],
  ]);
  const reports = await listFiles(run.runDir, runFiles.reports);
  const summary: RetentionSummary = {
    schemaVersion: RUN_DIR_SCHEMA_VERSION,
    runId: run.runId,
    status,
    actionId: run.actionId,
    serviceId: run.serviceId,
    labels: run.labels,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt ?? new Date().toISOString(),
    durationMs:
      run.startedAt && run.finishedAt ? Date.parse(run.finishedAt) - Date.parse(run.startedAt) : null,
    attempts: attempts.length,
    exitCode: run.exitCode,
    signal: run.signal,
    error: run.error,
    reports: reports.map((report) => report.path),
    artifactManifest: runFiles.manifest,
  };
  await writeRunFiles(run.runDir, [[runFiles.summary, summary]]);
  return {
    results: { summary: runFiles.summary, manifest: runFiles.manifest, reports: summary.reports },
    summary,
  };
}
