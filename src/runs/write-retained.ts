// A finished run's retention files, written, with the run as its node's retained index will list it.
import { relative, sep } from 'node:path';
import { retainedRunOf } from '../retained/retained-run.js';
import { writeFinished, type RunResults } from '../run-dir/write.js';
import type { AttemptRecord } from '../schema/run-dir.js';
import type { RunRecord } from '../schema/run.js';

/** The directory of `runDir` relative to `runsDir` (a real path), "/"-separated as the index names it. */
export const relativeDir = (runsDir: string, runDir: string) =>
  relative(runsDir, runDir).split(sep).join('/');

/**
 * Writes run.json, the manifest and retention-summary.json (writeFinished), and returns where they are
 * with the summary as a retained run: the store records both with the run's end, in one write.
 */
export async function writeRetained(
  runsDir: string,
  run: RunRecord,
  attempts: readonly AttemptRecord[],
): Promise<RunResults> {
  const { results, summary } = await writeFinished(run, attempts);
  return { ...results, retained: retainedRunOf(runsDir, relativeDir(runsDir, run.runDir), summary) };
}
