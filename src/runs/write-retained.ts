// A finished run's retention files, written, with the run as its node's retained index will list it where
// a store shared by several nodes keeps that for the others.
import { relative, sep } from 'node:path';
import { writeFinished, type RunResults } from '../run-dir/write.js';
import type { RetainedRun } from '../schema/retained-run.js';
import type { AttemptRecord, RetentionSummary } from '../schema/run-dir.js';
import type { RunRecord } from '../schema/run.js';

/** The directory of `runDir` relative to `runsDir` (a real path), "/"-separated as the index names it. */
export const relativeDir = (runsDir: string, runDir: string) =>
  relative(runsDir, runDir).split(sep).join('/');

/**
 * How the retained index lists a finished run from the summary just written to `runDir`: given by the
 * daemon (which holds the index) where the store keeps it for other nodes, absent where no one needs it.
 */
export type RetainedOf = (runDir: string, summary: RetentionSummary) => RetainedRun;

/**
 * Writes run.json, the manifest and retention-summary.json (writeFinished), and returns where they are,
 * with the run as `retainedOf` lists it: the store records both with the run's end, in one write.
 */
export async function writeRetained(
  retainedOf: RetainedOf | undefined,
  run: RunRecord,
  attempts: readonly AttemptRecord[],
): Promise<RunResults> {
  const { results, summary } = await writeFinished(run, attempts);
  return retainedOf ? { ...results, retained: retainedOf(run.runDir, summary) } : results;
}
