// The run directory on disk: its layout, the JSON files the daemon writes, and what the run left in it.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { writeJsonAtomic } from '../fs/atomic.js';
import { mediaTypeOf } from '../fs/media-type.js';
import {
  RUN_DIR_SCHEMA_VERSION,
  type ArtifactEntry,
  type ArtifactManifest,
  type AttemptRecord,
  type RetentionSummary,
} from '../schema/run-dir.js';
import { RunyardError } from '../schema/errors.js';
import type { RunRecord } from '../schema/run.js';
import type { RunResults } from '../store/store.js';
import type { ResolvedRetry } from './retry.js';

export const runFiles = {
  run: 'run.json',
  plan: 'plan.json',
  events: 'events.jsonl',
  stdout: 'logs/stdout.log',
  stderr: 'logs/stderr.log',
  reports: 'reports',
  artifacts: 'artifacts',
  manifest: 'artifact-manifest.json',
  summary: 'retention-summary.json',
} as const;

/** What plan.json records: what is executed. Environment variable names only, never their values. */
export interface RunPlan {
  schemaVersion: number;
  runId: string;
  argv: string[];
  command: string;
  cwd: string;
  envNames: string[];
  timeoutMs: number | null;
  killGraceMs: number;
  retry: ResolvedRetry;
  priority: number;
  actionId: string | null;
  serviceId: string | null;
  labels: Record<string, string>;
}

/** Rethrows a file-system failure while preparing a run directory as the run_dir_failed error. */
export function failedDirectory(error: unknown): never {
  if (error instanceof RunyardError) throw error;
  throw new RunyardError('run_dir_failed', { cause: (error as NodeJS.ErrnoException).code ?? String(error) });
}

/** undefined when the directory does not exist. */
export async function isEmptyDir(dir: string): Promise<boolean | undefined> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Removes everything inside `dir`, keeping the directory itself (and any symlink that points to it). */
export async function emptyDir(dir: string): Promise<void> {
  for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
}

/** Creates the layout; with `clear`, whatever was in the directory before is removed first. */
export async function createRunDir(runDir: string, clear: boolean): Promise<void> {
  if (clear) await emptyDir(runDir);
  await mkdir(join(runDir, 'logs'), { recursive: true });
  await mkdir(join(runDir, runFiles.reports), { recursive: true });
  await mkdir(join(runDir, runFiles.artifacts), { recursive: true });
}

export const writePlan = (runDir: string, plan: RunPlan) =>
  writeJsonAtomic(join(runDir, runFiles.plan), plan);

export const writeRunJson = (run: RunRecord, attempts: readonly AttemptRecord[]) =>
  writeJsonAtomic(join(run.runDir, runFiles.run), {
    schemaVersion: RUN_DIR_SCHEMA_VERSION,
    ...run,
    attempts,
  });

/** Writes artifact-manifest.json, then retention-summary.json last: its presence means "finished and retained". */
export async function writeRetention(run: RunRecord, attempts: number): Promise<RunResults> {
  const manifest: ArtifactManifest = {
    schemaVersion: RUN_DIR_SCHEMA_VERSION,
    runId: run.runId,
    createdAt: new Date().toISOString(),
    artifacts: await Promise.all(
      (await listFiles(run.runDir, runFiles.artifacts)).map(async (file) => ({
        ...file,
        sha256: await sha256Of(join(run.runDir, file.path)),
      })),
    ),
  };
  await writeJsonAtomic(join(run.runDir, runFiles.manifest), manifest);
  const reports = await listFiles(run.runDir, runFiles.reports);
  const summary: RetentionSummary = {
    schemaVersion: RUN_DIR_SCHEMA_VERSION,
    runId: run.runId,
    status: run.status,
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
  await writeJsonAtomic(join(run.runDir, runFiles.summary), summary);
  return { summary: runFiles.summary, manifest: runFiles.manifest, reports: summary.reports };
}

export async function readPlan(runDir: string): Promise<RunPlan> {
  return JSON.parse(await readFile(join(runDir, runFiles.plan), 'utf8')) as RunPlan;
}

export type FileEntry = Omit<ArtifactEntry, 'sha256'>;

/**
 * Regular files under `runDir/sub`, sorted by path, paths relative to runDir. Symlinks and special
 * files are skipped: a manifest must not vouch for bytes that live outside the run directory.
 */
export async function listFiles(runDir: string, sub: string): Promise<FileEntry[]> {
  let entries;
  try {
    entries = await readdir(join(runDir, sub), { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const paths = entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(runDir, join(entry.parentPath, entry.name)))
    .sort();
  return Promise.all(
    paths.map(async (path) => ({
      path,
      size: (await lstat(join(runDir, path))).size,
      mediaType: mediaTypeOf(path),
    })),
  );
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
