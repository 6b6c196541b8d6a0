// Writing the JSON files of a run directory, each atomically; retention-summary.json always last.
import { join } from 'node:path';
import { writeJsonAtomic } from '../fs/atomic.js';
import {
  RUN_DIR_SCHEMA_VERSION,
  terminalStatuses,
  type ArtifactManifest,
  type AttemptRecord,
  type RetentionSummary,
  type RunJson,
  type RunPlan,
} from '../schema/run-dir.js';
import type { RunRecord } from '../schema/run.js';
import { artifactEntries, listFiles } from './artifacts.js';
import { runFiles } from './files.js';

/** Where a finished run's results are, relative to its run directory. */
export interface RunResults {
  summary: string;
  manifest: string;
  reports: string[];
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

async function writeRunFile(runDir: string, file: string, value: unknown): Promise<void> {
  try {
    await writeJsonAtomic(join(runDir, file), value);
  } catch (error) {
    throw new RunFileError(file, error as Error);
  }
}

export const writePlan = (runDir: string, plan: RunPlan) => writeRunFile(runDir, runFiles.plan, plan);

export const writeRunJson = (run: RunRecord, attempts: readonly AttemptRecord[]) => {
  const file: RunJson = { schemaVersion: RUN_DIR_SCHEMA_VERSION, ...run, attempts: [...attempts] };
  return writeRunFile(run.runDir, runFiles.run, file);
};

/** Writes artifact-manifest.json, then retention-summary.json last: its presence means "finished and retained". */
export async function writeRetention(run: RunRecord, attempts: number): Promise<RunResults> {
  const status = terminalStatuses.find((terminal) => terminal === run.status);
  if (status === undefined) throw new Error(`a ${run.status} run has no retention summary`);
  const manifest: ArtifactManifest = {
    schemaVersion: RUN_DIR_SCHEMA_VERSION,
    runId: run.runId,
    createdAt: new Date().toISOString(),
    artifacts: await artifactEntries(run.runDir),
  };
  await writeRunFile(run.runDir, runFiles.manifest, manifest);
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
    attempts,
    exitCode: run.exitCode,
    signal: run.signal,
    error: run.error,
    reports: reports.map((report) => report.path),
    artifactManifest: runFiles.manifest,
  };
  await writeRunFile(run.runDir, runFiles.summary, summary);
  return { summary: runFiles.summary, manifest: runFiles.manifest, reports: summary.reports };
}
