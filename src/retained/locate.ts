// Finding a retained run's directory for a request, and proving it still holds that run.
import { RunyardError } from '../schema/errors.js';
import type { RetainedRun } from '../schema/retained-run.js';
import type { RetentionSummary } from '../schema/run-dir.js';
import type { RetainedIndex } from './retained-index.js';
import { readRetainedRun } from './retained-run.js';
import { assertRunName, realRunDirOf } from './safe-path.js';

export interface LocatedRun {
  run: RetainedRun;
  /** Real path of the run directory, strictly inside the runs directory. */
  realRunDir: string;
  /** The checked fields of retention-summary.json; undefined for an incomplete directory. */
  summary: Partial<RetentionSummary> | undefined;
}

/**
 * The run `name` names (its run id, or its directory), read from its directory as it is now. A
 * directory deleted, emptied or taken over by another run since the index saw it answers
 * retained_run_not_found (and the index learns it), so a stale index never serves another run's files.
 */
export async function locateRun(index: RetainedIndex, name: string): Promise<LocatedRun> {
  assertRunName(name);
  await index.ready();
  const notFound = new RunyardError('retained_run_not_found', { runId: name });
  const run = index.find(name);
  if (!run) throw notFound;
  const realRunDir = await realRunDirOf(index.runsDir, run.dir);
  const reading = realRunDir === undefined ? undefined : readRetainedRun(index.runsDir, run.dir);
  const isSameRun = reading !== undefined && 'run' in reading && reading.run.runId === run.runId;
  // Finished, emptied or taken over since the index saw it: the index learns it now.
  if (!isSameRun || reading.run.status !== run.status) index.refresh(run.dir);
  if (!isSameRun) throw notFound;
  const summary = reading.reader.summary();
  return {
    run: reading.run,
    realRunDir: realRunDir!,
    summary: summary.state === 'read' ? summary.fields : undefined,
  };
}
