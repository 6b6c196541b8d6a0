// Rebuilding the index from run directories, the authority for every run runyard ran in them.
import { statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { isInside } from '../fs/contain.js';
import { runFiles } from '../run-dir/files.js';
import { completePlan, firstDefined } from '../run-dir/plan.js';
import type { RunDirProblems } from '../run-dir/problems.js';
import { fieldProblem, fieldsOf, isProblem, problemOf, RunDirReader } from '../run-dir/read.js';
import { standsFor, walkRunsDir } from '../run-dir/walk.js';
import { RunId } from '../schema/common.js';
import {
  terminalStatuses,
  type RetentionSummary,
  type RunDirProblem,
  type RunJson,
  type RunPlan,
} from '../schema/run-dir.js';
import { runErrorReasons } from '../schema/run-record.js';
import type { RunRecord, RunSpec } from '../schema/run.js';
import type { RunTable, StoredRun } from './store.js';

export interface RebuildCounts {
  /** Run directories seen (holding run.json or retention-summary.json). */
  found: number;
  added: number;
  updated: number;
  /** Run directories of another producer: served by retained.*, never indexed, run or rewritten. */
  foreign: number;
  /** Run directories that could not be read, or make no run of ours; skipped and named in `problems`. */
  unreadable: number;
  /** Why each unreadable directory was skipped, and what else the walk could not use. */
  problems: RunDirProblem[];
}

export type StoredReading =
  | { kind: 'none' }
  | { kind: 'run'; stored: StoredRun }
  | { kind: 'foreign' }
  | { kind: 'unreadable'; problems: RunDirProblem[] };

const ULID = new RegExp(RunId.pattern!);

/**
 * Scans `runsDir` (a real path) and makes the index agree with what the run directories say.
 * Idempotent, and never stopped by what a directory holds: one that cannot be read is counted,
 * named in `problems` (and in `book`, which logs it), and skipped.
 */
export async function rebuildIndex(
  runs: RunTable,
  runsDir: string,
  book?: RunDirProblems,
): Promise<RebuildCounts> {
  const counts: RebuildCounts = { found: 0, added: 0, updated: 0, foreign: 0, unreadable: 0, problems: [] };
  const report = (dir: string, problems: RunDirProblem[]) => {
    counts.problems.push(...problems);
    book?.set('index', dir, problems);
  };
  // Which directory stands for each run so far: two copies of one run make one index entry.
  const holders = new Map<string, string>();
  const visit = async (dir: string, reading: StoredReading) => {
    if (reading.kind === 'none') return;
    counts.found++;
    if (reading.kind === 'foreign') return void counts.foreign++;
    if (reading.kind === 'unreadable') {
      counts.unreadable++;
      return report(dir, reading.problems);
    }
    const { runId } = reading.stored.record;
    const holder = holders.get(runId) ?? (await indexedElsewhere(runs, runsDir, dir, runId));
    if (holder !== undefined && holder !== dir) {
      const [kept, other] = standsFor(runId, dir, holder) ? [dir, holder] : [holder, dir];
      counts.unreadable++;
      report(other, [
        problemOf(other, null, 'duplicate_run', `holds run ${runId}, which ${kept} stands for`),
      ]);
      holders.set(runId, kept);
      if (kept !== dir) return;
    }
    holders.set(runId, dir);
    const problem = await indexRun(runs, dir, reading.stored, counts);
    if (problem) report(dir, [problem]);
  };
  await walkRunsDir(
    runsDir,
    [''],
    (dir) => readStoredRun(runsDir, dir),
    { onProblem: (problem) => report(problem.dir, [problem]) },
    visit,
  );
  return counts;
}

/** Adds or updates one run; returns what went wrong, if anything did. */
async function indexRun(
  runs: RunTable,
  dir: string,
  stored: StoredRun,
  counts: RebuildCounts,
): Promise<RunDirProblem | undefined> {
  let problem: RunDirProblem | undefined;
  const key = stored.record.idempotencyKey;
  const holder = key === null ? undefined : await runs.findByIdempotencyKey(key);
  // Two runs cannot share a key: the one indexed first keeps it, the other stays a run without one.
  if (holder && holder.runId !== stored.record.runId) {
    problem = fieldProblem(dir, runFiles.run, 'idempotencyKey', {
      field: 'idempotencyKey',
      message: `/idempotencyKey is the key of run ${holder.runId} too, which keeps it`,
    });
    stored = { ...stored, record: { ...stored.record, idempotencyKey: null } };
  }
  try {
    const existing = await runs.get(stored.record.runId);
    if (!existing) {
      await runs.insert(stored);
      counts.added++;
    } else if (JSON.stringify(existing) !== JSON.stringify(stored.record)) {
      await runs.update(stored);
      counts.updated++;
    }
    return problem;
  } catch (error) {
    counts.unreadable++;
    return problemOf(dir, null, 'unreadable', `could not be indexed: ${(error as Error).message}`);
  }
}

/**
 * The directory the index already has for `runId`, when it is another one that still holds that run:
 * a copy met before the directory that stands for the run must not overwrite its entry, or every
 * rebuild would write the row twice.
 */
async function indexedElsewhere(
  runs: RunTable,
  runsDir: string,
  dir: string,
  runId: string,
): Promise<string | undefined> {
  const indexed = await runs.get(runId);
  if (!indexed || !isInside(runsDir, indexed.runDir)) return undefined;
  const other = relative(runsDir, indexed.runDir).split(sep).join('/');
  if (other === dir) return undefined;
  const reading = readStoredRun(runsDir, other);
  return reading.kind === 'run' && reading.stored.record.runId === runId ? other : undefined;
}

/**
 * What the index should hold for one run directory. A run is runyard's when its files name one
 * ULID and it either finished (a summary) or has both a run.json with a status and a plan.json
 * that says what to execute: only those are indexed, so a directory another tool dropped in is
 * never queued, run, rewritten or marked interrupted.
 */
export function readStoredRun(runsDir: string, dir: string): StoredReading {
  const reader = new RunDirReader(runsDir, dir);
  const summaryRead = reader.summary();
  const runRead = reader.runJson();
  if (summaryRead.state === 'missing' && runRead.state === 'missing') return { kind: 'none' };
  const summary = fieldsOf(summaryRead) ?? {};
  const runJson = fieldsOf(runRead) ?? {};
  const plan = completePlan(reader.plan(), dir, runJson);
  const problems = reader.problems();
  const ids = [...new Set([runJson.runId, isProblem(plan) ? undefined : plan.runId, summary.runId])].filter(
    (id) => id !== undefined,
  );
  if (ids.length === 0 || !ULID.test(ids[0]!))
    return problems.length > 0 ? { kind: 'unreadable', problems } : { kind: 'foreign' };
  if (ids.length > 1) {
    const names = `${runFiles.run}, ${runFiles.plan} and ${runFiles.summary} name different runs (${ids.join(', ')})`;
    return {
      kind: 'unreadable',
      problems: [...problems, problemOf(dir, null, 'invalid_field', names, 'runId')],
    };
  }
  if (summary.status === undefined) {
    const lacking = isProblem(plan)
      ? plan
      : runJson.status === undefined
        ? fieldProblem(
            dir,
            runFiles.run,
            'status',
            runRead.state === 'read' ? issueOf(runRead.invalid, 'status') : undefined,
          )
        : undefined;
    if (lacking)
      return { kind: 'unreadable', problems: [...problems.filter((known) => known !== lacking), lacking] };
  }
  return {
    kind: 'run',
    stored: storedRunOf(reader.path, ids[0]!, runJson, isProblem(plan) ? undefined : plan, summary),
  };
}

type Ending = 'status' | 'startedAt' | 'finishedAt' | 'exitCode' | 'signal' | 'error';

function storedRunOf(
  runDir: string,
  runId: string,
  runJson: Partial<RunJson>,
  plan: RunPlan | undefined,
  summary: Partial<RetentionSummary>,
): StoredRun {
  const isRunFinal = (terminalStatuses as readonly string[]).includes(runJson.status ?? '');
  // How the run ended: its final run.json, else the summary written after it.
  // Another producer's summary may name reasons of its own; a run record holds only runyard's.
  const { error: summaryError, ...summaryEnding } = summary;
  const summaryRecord: Partial<Pick<RunRecord, Ending>> = {
    ...summaryEnding,
    ...(summaryError === undefined ? {} : { error: asRunError(summaryError) }),
  };
  const [first, second]: Partial<Pick<RunRecord, Ending>>[] =
    isRunFinal || summary.status === undefined ? [runJson, summaryRecord] : [summaryRecord, runJson];
  const ending = <K extends Ending>(name: K) => firstDefined(first![name], second![name]);
  const startedAt = ending('startedAt') ?? null;
  const finishedAt = ending('finishedAt') ?? null;
  const attempt = firstDefined(runJson.attempt, summary.attempts, runJson.attempts?.length) ?? 0;
  const record: RunRecord = {
    runId,
    status: ending('status')!,
    argv: firstDefined(runJson.argv, plan?.argv) ?? [],
    cwd: firstDefined(runJson.cwd, plan?.cwd) ?? runDir,
    runDir,
    ...(runJson.nodeId === undefined ? {} : { nodeId: runJson.nodeId }),
    labels: firstDefined(runJson.labels, plan?.labels, summary.labels) ?? {},
    actionId: firstDefined(runJson.actionId, plan?.actionId, summary.actionId) ?? null,
    serviceId: firstDefined(runJson.serviceId, plan?.serviceId, summary.serviceId) ?? null,
    idempotencyKey: runJson.idempotencyKey ?? null,
    priority: firstDefined(runJson.priority, plan?.priority) ?? 0,
    timeoutMs: firstDefined(runJson.timeoutMs, plan?.timeoutMs) ?? null,
    attempt,
    maxAttempts: Math.max(1, attempt, firstDefined(runJson.maxAttempts, plan?.retry.maxAttempts) ?? 1),
    nextAttemptAt: summary.status === undefined ? (runJson.nextAttemptAt ?? null) : null,
    queuePosition: null,
    progress: runJson.progress ?? null,
    createdAt:
      firstDefined(runJson.createdAt, summary.createdAt) ?? startedAt ?? finishedAt ?? mtimeOf(runDir),
    startedAt,
    finishedAt,
    exitCode: ending('exitCode') ?? null,
    signal: ending('signal') ?? null,
    error: ending('error') ?? null,
  };
  return {
    record,
    request: requestOf(record, plan),
    attempts: runJson.attempts ?? [],
    process: null,
    results:
      summary.status === undefined
        ? null
        : {
            summary: runFiles.summary,
            manifest: summary.artifactManifest ?? runFiles.manifest,
            reports: summary.reports ?? [],
          },
  };
}

/** The request as far as the disk knows it: never env values, which run directories do not hold. */
function requestOf(record: RunRecord, plan: RunPlan | undefined): RunSpec {
  return {
    argv: plan?.argv ?? (record.argv.length > 0 ? record.argv : ['true']),
    labels: record.labels,
    priority: record.priority,
    ...(record.timeoutMs !== null ? { timeoutMs: record.timeoutMs } : {}),
    ...(plan ? { retry: plan.retry, killGraceMs: plan.killGraceMs } : {}),
    ...(record.idempotencyKey !== null ? { idempotencyKey: record.idempotencyKey } : {}),
  };
}

const asRunError = (error: { reason: string; message: string } | null): RunRecord['error'] => {
  const reason = runErrorReasons.find((known) => known === error?.reason);
  return error && reason ? { reason, message: error.message } : null;
};

const issueOf = (invalid: { field: string; message: string }[], field: string) =>
  invalid.find((issue) => issue.field === field);

function mtimeOf(path: string): string {
  try {
    return new Date(statSync(path).mtimeMs).toISOString();
  } catch {
    return new Date(0).toISOString();
  }
}
