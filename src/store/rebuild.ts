// Rebuilding the index from run directories, the authority for every run they hold.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RetentionSummary } from '../schema/run-dir.js';
import type { RunRecord, RunSpec } from '../schema/run.js';
import type { RunPlan } from '../runs/run-dir.js';
import { runFiles } from '../runs/run-dir.js';
import type { RunStore, StoredRun } from './store.js';

export interface RebuildCounts {
  /** Run directories seen (holding run.json or retention-summary.json). */
  found: number;
  added: number;
  updated: number;
  /** Run directories whose files could not be read or parsed; skipped. */
  unreadable: number;
}

// Run directories sit at <runs-dir>/<id> or, with outputDir, deeper; deeper than this is not a layout we write.
const MAX_DEPTH = 8;
const PARALLEL_READS = 16;

/** Scans `runsDir` and makes the index agree with what the run directories say. Idempotent. */
export async function rebuildIndex(store: RunStore, runsDir: string): Promise<RebuildCounts> {
  const counts: RebuildCounts = { found: 0, added: 0, updated: 0, unreadable: 0 };
  const dirs: string[] = [];
  await collectRunDirs(runsDir, 0, dirs);
  counts.found = dirs.length;
  for (let i = 0; i < dirs.length; i += PARALLEL_READS) {
    const batch = await Promise.all(dirs.slice(i, i + PARALLEL_READS).map(readStoredRun));
    for (const stored of batch) {
      if (!stored) {
        counts.unreadable++;
        continue;
      }
      const existing = await store.get(stored.record.runId);
      if (!existing) {
        await store.insert(stored);
        counts.added++;
      } else if (JSON.stringify(existing) !== JSON.stringify(stored.record)) {
        await store.update(stored);
        counts.updated++;
      }
    }
  }
  return counts;
}

async function collectRunDirs(dir: string, depth: number, found: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  const names = new Set(entries.map((entry) => entry.name));
  if (depth > 0 && (names.has(runFiles.run) || names.has(runFiles.summary))) {
    found.push(dir);
    return;
  }
  if (depth >= MAX_DEPTH) return;
  for (const entry of entries) {
    // Symlinks are not followed: a link must not pull directories from outside into the index.
    if (entry.isDirectory() && !entry.name.startsWith('.'))
      await collectRunDirs(join(dir, entry.name), depth + 1, found);
  }
}

const readJson = async <T>(path: string): Promise<T | undefined> => {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
};

/** What the index should hold for one run directory; undefined when it cannot be read. */
export async function readStoredRun(runDir: string): Promise<StoredRun | undefined> {
  const [runJson, summary, plan] = await Promise.all([
    readJson<RunRecord & { schemaVersion: number; attempts?: StoredRun['attempts'] }>(
      join(runDir, runFiles.run),
    ),
    readJson<RetentionSummary>(join(runDir, runFiles.summary)),
    readJson<RunPlan>(join(runDir, runFiles.plan)),
  ]);
  let record: RunRecord | undefined;
  if (runJson && typeof runJson.runId === 'string' && typeof runJson.status === 'string') {
    const { schemaVersion: _version, attempts: _attempts, ...rest } = runJson;
    record = { ...rest, runDir, queuePosition: null };
  } else if (summary && typeof summary.runId === 'string') {
    record = recordFromSummary(summary, plan, runDir);
  }
  if (!record) return undefined;
  return {
    record,
    request: requestFromPlan(record, plan),
    attempts: runJson?.attempts ?? [],
    process: null,
    results: summary
      ? {
          summary: runFiles.summary,
          manifest: summary.artifactManifest ?? runFiles.manifest,
          reports: summary.reports ?? [],
        }
      : null,
  };
}

/** For a directory whose run.json is lost: the summary holds the outcome, plan.json what ran. */
function recordFromSummary(summary: RetentionSummary, plan: RunPlan | undefined, runDir: string): RunRecord {
  return {
    runId: summary.runId,
    status: summary.status,
    argv: plan?.argv ?? [],
    cwd: plan?.cwd ?? runDir,
    runDir,
    labels: summary.labels ?? {},
    actionId: summary.actionId ?? null,
    serviceId: summary.serviceId ?? null,
    idempotencyKey: null,
    priority: plan?.priority ?? 0,
    timeoutMs: plan?.timeoutMs ?? null,
    attempt: summary.attempts ?? 0,
    maxAttempts: Math.max(plan?.retry?.maxAttempts ?? 1, summary.attempts ?? 1),
    nextAttemptAt: null,
    queuePosition: null,
    progress: null,
    createdAt: summary.createdAt,
    startedAt: summary.startedAt ?? null,
    finishedAt: summary.finishedAt ?? null,
    exitCode: summary.exitCode ?? null,
    signal: summary.signal ?? null,
    error: summary.error ?? null,
  };
}

/** The request as far as the disk knows it: never env values, which run directories do not hold. */
function requestFromPlan(record: RunRecord, plan: RunPlan | undefined): RunSpec {
  return {
    argv: record.argv.length > 0 ? record.argv : ['true'],
    labels: record.labels,
    priority: record.priority,
    ...(record.timeoutMs !== null ? { timeoutMs: record.timeoutMs } : {}),
    ...(plan?.retry ? { retry: plan.retry } : {}),
    ...(record.idempotencyKey !== null ? { idempotencyKey: record.idempotencyKey } : {}),
  };
}
