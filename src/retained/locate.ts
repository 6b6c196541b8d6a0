// Finding a retained run's directory for a request, and proving it still holds that run.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFiles } from '../runs/run-dir.js';
import { RunyardError } from '../schema/errors.js';
import type { RetainedRun } from '../schema/retained.js';
import type { RetainedIndex } from './retained-index.js';
import { namedRunId, runIdIn } from './read-run-dir.js';
import { assertRunId, isGone, realRunDirOf } from './safe-path.js';

export interface LocatedRun {
  run: RetainedRun;
  /** Real path of the run directory, strictly inside the runs directory. */
  realRunDir: string;
  /** The parsed retention-summary.json; undefined for an incomplete directory. */
  summary: Record<string, unknown> | undefined;
}

/**
 * The run `runId` names, read from its directory as it is now. A directory deleted, emptied or
 * taken over by another run since the index saw it answers retained_run_not_found (and the index
 * learns it), so a stale index never serves another run's files.
 */
export async function locateRun(index: RetainedIndex, runId: string): Promise<LocatedRun> {
  assertRunId(runId);
  await index.ready();
  const notFound = new RunyardError('retained_run_not_found', { runId });
  const run = index.find(runId);
  if (!run) throw notFound;
  const realRunDir = await realRunDirOf(index.runsDir, run.dir);
  const summary = realRunDir === undefined ? undefined : await readSummary(realRunDir);
  const named =
    realRunDir === undefined
      ? undefined
      : summary
        ? namedRunId(summary, realRunDir)
        : runIdIn(realRunDir, runFiles.run);
  if (named !== runId || (summary !== undefined) !== (run.status !== 'incomplete')) {
    const reading = index.refresh(run.dir);
    const current = index.find(runId);
    if (reading.kind === 'none' || reading.kind === 'skipped' || !current || named !== runId) throw notFound;
    return { run: current, realRunDir: realRunDir!, summary };
  }
  return { run, realRunDir: realRunDir!, summary };
}

async function readSummary(realRunDir: string): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await readFile(join(realRunDir, runFiles.summary), 'utf8');
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === 'object' && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Not JSON: the directory is treated as having no summary, like one that never got one.
  }
  return undefined;
}
