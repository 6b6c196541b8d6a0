// Reads one run directory into a retained run, with the documented defaults for whatever an older layout lacks.
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runFiles } from '../runs/run-dir.js';
import { runStatuses, type RunStatus } from '../schema/run-record.js';
import type { RetainedRun } from '../schema/retained.js';
import { isGone, isRunId } from './safe-path.js';

export type DirReading =
  | { kind: 'retained'; run: RetainedRun }
  | { kind: 'incomplete'; run: RetainedRun }
  /** A summary (or, without one, run.json) that cannot be read or makes no sense. */
  | { kind: 'skipped' }
  /** Neither file: not a run directory (perhaps a parent of some), or gone. */
  | { kind: 'none' };

type Json = Record<string, unknown>;

const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const LABEL_KEY = /^[A-Za-z0-9_.-]{1,63}$/;
// Shared by every run without labels or defaults: the index holds one object instead of 100,000.
const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NOTHING_DEFAULTED: string[] = Object.freeze([]) as unknown as string[];

// Summaries are small: one read into this buffer takes most of them whole.
const buffer = Buffer.allocUnsafe(65_536);

/**
 * Reads `<runsDir>/<dir>`. `dir` is relative to the runs directory, with "/" separators. Never
 * throws for what is on disk: unreadable files are a `skipped` answer.
 *
 * Synchronous on purpose: a summary is a few hundred bytes, and handing each read to the libuv pool
 * costs ten times the read itself (100,000 summaries: 4.7 s with fs/promises, 0.5 s like this).
 * Callers that read many (the scan) yield to the event loop between slices of a few milliseconds.
 */
export function readRunDir(runsDir: string, dir: string): DirReading {
  const path = join(runsDir, dir);
  const summaryText = readText(join(path, runFiles.summary));
  if (summaryText === undefined) {
    const runText = readText(join(path, runFiles.run));
    if (runText === undefined) return { kind: 'none' };
    const runJson = runText === null ? undefined : parseObject(runText);
    if (!runJson) return { kind: 'skipped' };
    const run = fromRunJson(runJson, dir);
    return run ? { kind: 'incomplete', run } : { kind: 'skipped' };
  }
  if (summaryText === null) return { kind: 'skipped' };
  const summary = parseObject(summaryText);
  if (!summary) return { kind: 'skipped' };
  let run: RetainedRun | undefined;
  try {
    run = fromSummary(summary, dir, path);
  } catch (error) {
    // Only the summary's mtime is looked up after the read: the directory went away meanwhile.
    if (isGone(error)) return { kind: 'none' };
    return { kind: 'skipped' };
  }
  return run ? { kind: 'retained', run } : { kind: 'skipped' };
}

/** The run id a directory's summary (or run.json) names right now; undefined when it names none. */
export function runIdIn(runDir: string, file: string): string | undefined {
  const text = readText(join(runDir, file));
  const json = text ? parseObject(text) : undefined;
  return json ? namedRunId(json, runDir) : undefined;
}

/** The run id a summary or run.json names; an older one without runId is named by its directory. */
export const namedRunId = (json: Json, dir: string) =>
  json.runId === undefined ? asRunId(basename(dir)) : asRunId(json.runId);

function fromSummary(summary: Json, dir: string, path: string): RetainedRun | undefined {
  const defaulted: string[] = [];
  // run.json is read only for a summary that lacks something, and only once.
  let runJson: Json | undefined | null = null;
  const fallback = () => {
    if (runJson === null) {
      const text = readText(join(path, runFiles.run));
      runJson = text ? parseObject(text) : undefined;
    }
    return runJson;
  };
  const field = <T>(name: string, read: (value: unknown) => T | undefined, otherwise: () => T) => {
    const value = read(summary[name]);
    if (value !== undefined) return value;
    defaulted.push(name);
    const fromRun = read(fallback()?.[name]);
    return fromRun !== undefined ? fromRun : otherwise();
  };

  const runId = namedRunId(summary, dir);
  if (runId === undefined) return undefined;
  if (summary.runId === undefined) defaulted.push('runId');
  const status = field<RunStatus | undefined>('status', asStatus, () => undefined);
  if (status === undefined) return undefined;
  const actionId = field('actionId', asNullableString, () => null);
  const serviceId = field('serviceId', asNullableString, () => null);
  const labels = field('labels', asLabels, () => NO_LABELS);
  const createdAt = field('createdAt', asNullableTime, () => null);
  const startedAt = field('startedAt', asNullableTime, () => null);
  const finishedAt = field('finishedAt', asTime, () =>
    new Date(statSync(join(path, runFiles.summary)).mtimeMs).toISOString(),
  );
  const durationMs = field('durationMs', asNullableCount, () =>
    startedAt !== null ? Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt)) : null,
  );
  const attempts = field('attempts', asCount, () => {
    const recorded = fallback()?.attempts;
    return Array.isArray(recorded) ? recorded.length : 0;
  });
  const exitCode = field('exitCode', asNullableInteger, () => null);
  const signal = field('signal', asNullableString, () => null);
  const error = field('error', asNullableError, () => null);
  const schemaVersion = asCount(summary.schemaVersion) ?? null;
  if (schemaVersion === null) defaulted.push('schemaVersion');
  // Not kept in the index (retained.reports and retained.artifactManifest read them), but marked.
  const { reports, artifactManifest } = summary;
  if (!Array.isArray(reports) || !reports.every((path) => typeof path === 'string'))
    defaulted.push('reports');
  if (typeof artifactManifest !== 'string') defaulted.push('artifactManifest');
  return makeRun({
    runId,
    dir,
    status,
    recordedStatus: null,
    actionId,
    serviceId,
    labels,
    createdAt,
    startedAt,
    finishedAt,
    durationMs,
    attempts,
    exitCode,
    signal,
    error,
    schemaVersion,
    defaulted: defaulted.length > 0 ? defaulted : NOTHING_DEFAULTED,
  });
}

/** An incomplete directory as a list entry: what its run.json last recorded. */
function fromRunJson(runJson: Json, dir: string): RetainedRun | undefined {
  const runId = namedRunId(runJson, dir);
  if (runId === undefined) return undefined;
  const defaulted: string[] = [];
  const read = <T>(name: string, parse: (value: unknown) => T | undefined, otherwise: T): T => {
    const value = parse(runJson[name]);
    if (value !== undefined) return value;
    defaulted.push(name);
    return otherwise;
  };
  const startedAt = read('startedAt', asNullableTime, null);
  const finishedAt = read('finishedAt', asNullableTime, null);
  return makeRun({
    runId,
    dir,
    status: 'incomplete',
    recordedStatus: read('status', asStatus, null),
    actionId: read('actionId', asNullableString, null),
    serviceId: read('serviceId', asNullableString, null),
    labels: read('labels', asLabels, NO_LABELS),
    createdAt: read('createdAt', asNullableTime, null),
    startedAt,
    finishedAt,
    durationMs:
      startedAt !== null && finishedAt !== null
        ? Math.max(0, Date.parse(finishedAt) - Date.parse(startedAt))
        : null,
    attempts: Array.isArray(runJson.attempts) ? runJson.attempts.length : (asCount(runJson.attempt) ?? 0),
    exitCode: read('exitCode', asNullableInteger, null),
    signal: read('signal', asNullableString, null),
    error: read('error', asNullableError, null),
    schemaVersion: asCount(runJson.schemaVersion) ?? null,
    defaulted: defaulted.length > 0 ? defaulted : NOTHING_DEFAULTED,
  });
}

/** Every retained run is built here, so all share one key order (the wire order) and one object shape. */
function makeRun(run: RetainedRun): RetainedRun {
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
    defaulted: run.defaulted,
  };
}

/** The text of a file; undefined when it does not exist, null when it exists but cannot be read. */
function readText(path: string): string | undefined | null {
  let fd: number;
  try {
    // A symlink in a summary's place is not followed (it would let a directory show another file's
    // content), and a FIFO there answers an empty read instead of blocking the daemon.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    return isGone(error) ? undefined : null;
  }
  try {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    if (length < buffer.length) return buffer.toString('utf8', 0, length);
    // Larger than the buffer: rare enough to read the ordinary way.
    return fstatSync(fd).isFile() ? readFileSync(fd, 'utf8') : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

const asRunId = (value: unknown) => (typeof value === 'string' && isRunId(value) ? value : undefined);
// The constant from the status list, so 100,000 runs share a handful of strings.
const asStatus = (value: unknown) => runStatuses.find((status) => status === value);
const asNullableString = (value: unknown) =>
  value === null || typeof value === 'string' ? (value as string | null) : undefined;
const asInteger = (value: unknown) => (Number.isSafeInteger(value) ? (value as number) : undefined);
const asNullableInteger = (value: unknown) => (value === null ? null : asInteger(value));
const asCount = (value: unknown) => {
  const number = asInteger(value);
  return number !== undefined && number >= 0 ? number : undefined;
};
const asNullableCount = (value: unknown) => (value === null ? null : asCount(value));

/** Timestamps come back in one canonical form, so they sort as strings. */
export function asTime(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (CANONICAL_TIME.test(value)) return value;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
const asNullableTime = (value: unknown) => (value === null ? null : asTime(value));

function asLabels(value: unknown): Record<string, string> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length === 0) return NO_LABELS;
  if (entries.length > 32) return undefined;
  const valid = entries.every(
    ([key, text]) => LABEL_KEY.test(key) && typeof text === 'string' && text.length <= 256,
  );
  return valid ? (value as Record<string, string>) : undefined;
}

function asNullableError(value: unknown): RetainedRun['error'] | undefined {
  if (value === null) return null;
  if (value === null || typeof value !== 'object') return undefined;
  const { reason, message } = value as Json;
  return typeof reason === 'string' && typeof message === 'string' ? { reason, message } : undefined;
}
