// One run directory as a retained run, with the documented defaults for whatever an older or foreign layout lacks.
import { statSync } from 'node:fs';
import { fieldProblem, isProblem, problemOf, RunDirReader } from '../run-dir/read.js';
import { runFiles } from '../run-dir/files.js';
import {
  terminalStatuses,
  type RetentionSummary,
  type RunDirProblem,
  type RunJson,
} from '../schema/run-dir.js';
import type { RetainedRun } from '../schema/retained-run.js';
import { runStatuses } from '../schema/run-record.js';
import { isRunName } from './safe-path.js';

export type DirReading =
  | { kind: 'retained' | 'incomplete'; run: RetainedRun; reader: RunDirReader; problems: RunDirProblem[] }
  /** A directory with a summary (or, without one, run.json) that cannot be read or makes no sense. */
  | { kind: 'skipped'; problems: RunDirProblem[] }
  /** Neither file: not a run directory (perhaps a parent of some), or gone. */
  | { kind: 'none' };

// Shared by every run without labels or defaults: the index holds one object instead of 100,000.
const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NOTHING_DEFAULTED: string[] = Object.freeze([]) as unknown as string[];

/**
 * Reads `<runsDir>/<dir>` (`runsDir` a real path, `dir` relative to it with "/" separators). Never
 * throws for what is on disk: what cannot be read is a `skipped` answer naming the file and field.
 */
export function readRetainedRun(runsDir: string, dir: string): DirReading {
  const reader = new RunDirReader(runsDir, dir);
  const summary = reader.summary();
  if (summary.state === 'missing') {
    const runJson = reader.runJson();
    if (runJson.state === 'missing') return { kind: 'none' };
    if (runJson.state === 'bad') return { kind: 'skipped', problems: reader.problems() };
    return settled('incomplete', fromRunJson(runJson.fields, reader), reader);
  }
  if (summary.state === 'bad') return { kind: 'skipped', problems: reader.problems() };
  return settled('retained', fromSummary(summary.fields, summary.mtimeMs, reader), reader);
}

/**
 * What readRetainedRun would find in `<runsDir>/<dir>` once `summary` is there, without reading it again:
 * the summary a daemon has just written lacks nothing, so nothing of the directory is looked at.
 */
export function retainedRunOf(runsDir: string, dir: string, summary: RetentionSummary): RetainedRun {
  const built = fromSummary(summary, Date.now(), new RunDirReader(runsDir, dir));
  // Only a summary without a status, or with one no run ends in, makes a problem: never one writeFinished wrote.
  if (isProblem(built)) throw new Error(`the summary of ${dir} makes no retained run: ${built.message}`);
  return built;
}

function settled(
  kind: 'retained' | 'incomplete',
  built: RetainedRun | RunDirProblem,
  reader: RunDirReader,
): DirReading {
  const problems = reader.problems();
  if (isProblem(built)) return { kind: 'skipped', problems: [...problems, built] };
  return { kind, run: built, reader, problems };
}

/**
 * The name a run is known by: the id its file records, or else its directory, whichever is an
 * accepted run name (any producer's: ULIDs, time stamps, slugs, nested outputDirs).
 */
function nameOf(recorded: string | undefined, reader: RunDirReader, file: string): string | RunDirProblem {
  if (recorded !== undefined) return recorded;
  if (isRunName(reader.dir)) return reader.dir;
  return problemOf(
    reader.dir,
    file,
    'name_not_accepted',
    'names no run id, and the directory name is not a run name',
    'runId',
  );
}

function fromSummary(
  summary: Partial<RetentionSummary>,
  mtimeMs: number,
  reader: RunDirReader,
): RetainedRun | RunDirProblem {
  const defaulted = new Set<string>();
  // run.json is read only for a summary that lacks something, and only once.
  const fallback = (): Partial<RunJson> => {
    const runJson = reader.runJson();
    return runJson.state === 'read' ? runJson.fields : {};
  };
  /** The summary's field; else run.json's; else the default. Marked unless the summary had it. */
  const field = <K extends keyof RetentionSummary & keyof RunJson>(
    name: K,
    otherwise: () => RetentionSummary[K],
  ): RetentionSummary[K] => {
    if (summary[name] !== undefined) return summary[name] as RetentionSummary[K];
    defaulted.add(name);
    return (fallback()[name] as RetentionSummary[K] | undefined) ?? otherwise();
  };

  const defaultOf = <T>(name: string, value: T): T => {
    defaulted.add(name);
    return value;
  };

  const runId = nameOf(summary.runId, reader, runFiles.summary);
  if (typeof runId !== 'string') return runId;
  if (summary.runId === undefined) defaulted.add('runId');
  const status = shared(terminalStatuses, summary.status ?? fallback().status);
  if (status === undefined)
    return fieldProblem(reader.dir, runFiles.summary, 'status', issueOf(reader, 'status'));
  if (summary.status === undefined) defaulted.add('status');
  const startedAt = field('startedAt', () => null);
  const finishedAt = field('finishedAt', () => new Date(mtimeMs).toISOString());
  const sinceStart = startedAt === null ? null : Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt));
  const schemaVersion = summary.schemaVersion ?? null;
  if (schemaVersion === null) defaulted.add('schemaVersion');
  // Not kept in the index (retained.reports and retained.artifactManifest read them), but marked.
  if (summary.reports === undefined) defaulted.add('reports');
  if (summary.artifactManifest === undefined) defaulted.add('artifactManifest');
  return makeRun(
    {
      runId,
      dir: reader.dir,
      status,
      recordedStatus: null,
      actionId: field('actionId', () => null),
      serviceId: field('serviceId', () => null),
      labels: field('labels', () => NO_LABELS),
      createdAt: field('createdAt', () => startedAt ?? finishedAt),
      startedAt,
      finishedAt,
      durationMs: summary.durationMs !== undefined ? summary.durationMs : defaultOf('durationMs', sinceStart),
      attempts:
        summary.attempts ?? defaultOf('attempts', fallback().attempt ?? fallback().attempts?.length ?? 0),
      exitCode: field('exitCode', () => null),
      signal: field('signal', () => null),
      error: field('error', () => null),
      schemaVersion,
      defaulted: [],
    },
    defaulted,
  );
}

/** An incomplete directory as a list entry: what its run.json last recorded. */
function fromRunJson(runJson: Partial<RunJson>, reader: RunDirReader): RetainedRun | RunDirProblem {
  const runId = nameOf(runJson.runId, reader, runFiles.run);
  if (typeof runId !== 'string') return runId;
  const defaulted = new Set<string>();
  const read = <K extends keyof RunJson>(name: K, otherwise: NonNullable<RunJson[K]> | null) => {
    const value = runJson[name];
    if (value !== undefined) return value;
    defaulted.add(name);
    return otherwise;
  };
  const startedAt = read('startedAt', null);
  const finishedAt = read('finishedAt', null);
  const createdAt = runJson.createdAt ?? startedAt ?? mtimeOf(reader);
  if (runJson.createdAt === undefined) defaulted.add('createdAt');
  return makeRun(
    {
      runId,
      dir: reader.dir,
      status: 'incomplete',
      recordedStatus: shared(runStatuses, read('status', null)) ?? null,
      actionId: read('actionId', null),
      serviceId: read('serviceId', null),
      labels: read('labels', NO_LABELS)!,
      createdAt,
      startedAt,
      finishedAt,
      durationMs:
        startedAt !== null && finishedAt !== null
          ? Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt))
          : null,
      attempts: runJson.attempts?.length ?? runJson.attempt ?? 0,
      exitCode: read('exitCode', null),
      signal: read('signal', null),
      error: read('error', null),
      schemaVersion: runJson.schemaVersion ?? null,
      defaulted: [],
    },
    defaulted,
  );
}

/** The constant from a status list, so 100,000 runs share a handful of strings instead of holding one each. */
const shared = <T extends string>(statuses: readonly T[], value: string | null | undefined): T | undefined =>
  statuses.find((status) => status === value);

/** Why the summary's `field` was left out, when it had one of the wrong shape. */
function issueOf(reader: RunDirReader, field: string) {
  const summary = reader.summary();
  return summary.state === 'read' ? summary.invalid.find((issue) => issue.field === field) : undefined;
}

function mtimeOf(reader: RunDirReader): string | null {
  try {
    return new Date(statSync(reader.path).mtimeMs).toISOString();
  } catch {
    return null;
  }
}

// The compatibility marker lists fields in the order a retained run has them, whatever order they were looked at.
const fieldOrder = [
  'runId',
  'status',
  'actionId',
  'serviceId',
  'labels',
  'createdAt',
  'startedAt',
  'finishedAt',
  'durationMs',
  'attempts',
  'exitCode',
  'signal',
  'error',
  'schemaVersion',
  'reports',
  'artifactManifest',
];

/** Every retained run is built here, so all share one key order (the wire order) and one object shape. */
function makeRun(run: RetainedRun, defaulted: ReadonlySet<string>): RetainedRun {
  return {
    runId: run.runId,
    // The usual directory is named for its run: keep one string for both.
    dir: run.dir === run.runId ? run.runId : run.dir,
    status: run.status,
    recordedStatus: run.recordedStatus,
    actionId: run.actionId,
    serviceId: run.serviceId,
    labels: run.labels,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    durationMs: run.durationMs,
    attempts: run.attempts,
    exitCode: run.exitCode,
    signal: run.signal,
    error: run.error,
    schemaVersion: run.schemaVersion,
    defaulted: defaulted.size > 0 ? fieldOrder.filter((field) => defaulted.has(field)) : NOTHING_DEFAULTED,
  };
}
