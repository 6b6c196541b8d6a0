// Retention: removes finished runs beyond --keep-runs / --keep-days from the index, and optionally their directories.
import { rm } from 'node:fs/promises';
import { resolveInside } from '../fs/contain.js';
import type { RunRecord } from '../schema/run.js';
import type { RunTable } from './store.js';

export interface RetentionPolicy {
  keepRuns?: number;
  keepDays?: number;
  /** Also delete the run directories (only ever inside the runs directory). */
  pruneDirs?: boolean;
}

export interface PruneResult {
  runs: RunRecord[];
  removedDirs: number;
}

const PRUNE_BATCH = 100;

export const hasRetention = (policy: RetentionPolicy) =>
  policy.keepRuns !== undefined || policy.keepDays !== undefined;

/** What the policy would remove now; with `dryRun` nothing is removed. */
export async function pruneRuns(
  runs: RunTable,
  runsDir: string,
  policy: RetentionPolicy,
  dryRun = false,
  now = Date.now(),
): Promise<PruneResult> {
  const prunable = await runs.listPrunable({
    ...(policy.keepRuns !== undefined ? { keepRuns: policy.keepRuns } : {}),
    ...(policy.keepDays !== undefined
      ? { keepFinishedSince: new Date(now - policy.keepDays * 86_400_000).toISOString() }
      : {}),
  });
  if (dryRun || prunable.length === 0) return { runs: prunable, removedDirs: 0 };
  let removedDirs = 0;
  // Directories go before their index rows: a prune killed midway leaves rows the next prune finds
  // again, never directories that the index no longer knows of.
  for (let start = 0; start < prunable.length; start += PRUNE_BATCH) {
    const batch = prunable.slice(start, start + PRUNE_BATCH);
    if (policy.pruneDirs) {
      for (const run of batch) {
        // Re-checked at deletion time: a directory swapped for a symlink since must not take us outside.
        const dir = await resolveInside(runsDir, run.runDir).catch(() => undefined);
        if (dir === undefined) continue;
        await rm(dir, { recursive: true, force: true });
        removedDirs++;
      }
    }
    await runs.delete(batch.map((run) => run.runId));
  }
  return { runs: prunable, removedDirs };
}
