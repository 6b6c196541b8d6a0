// Which directories active runs own, so two runs never share or nest one run directory.
import { join } from 'node:path';
import { isInside, isInsideOrAt, resolveInside } from '../fs/contain.js';
import { RunyardError } from '../schema/errors.js';
import { failedDirectory, isEmptyDir } from './run-dir.js';

export interface RunDirClaim {
  runDir: string;
  /** The directory did not exist before this run. */
  created: boolean;
  /** The directory holds old files that overwrite allows us to remove. */
  clear: boolean;
  release: () => void;
}

const overlaps = (a: string, b: string) => isInsideOrAt(b, a) || isInside(a, b);

export class RunDirClaims {
  readonly #owners = new Map<string, string>();

  /** Takes the directory of a run revived after a restart; it was checked when the run was created. */
  hold(runDir: string, runId: string): () => void {
    this.#owners.set(runDir, runId);
    return () => void this.#owners.delete(runDir);
  }

  async claim(
    runsDir: string,
    runId: string,
    outputDir: string | undefined,
    overwrite: boolean,
  ): Promise<RunDirClaim> {
    const runDir =
      outputDir === undefined
        ? join(runsDir, runId)
        : await resolveInside(runsDir, outputDir).catch(failedDirectory);
    if (runDir === undefined) throw new RunyardError('path_outside_runs_dir', { field: 'outputDir' });
    // Check and take the claim with no await in between, so concurrent starts cannot both win.
    for (const [dir, owner] of this.#owners) {
      if (overlaps(dir, runDir))
        throw new RunyardError('output_dir_busy', { outputDir: outputDir ?? runDir, runId: owner });
    }
    this.#owners.set(runDir, runId);
    const release = () => void this.#owners.delete(runDir);
    try {
      const empty = await isEmptyDir(runDir).catch(failedDirectory);
      if (empty === false && !overwrite)
        throw new RunyardError('output_dir_not_empty', { outputDir: outputDir ?? runDir });
      return { runDir, created: empty === undefined, clear: empty === false, release };
    } catch (error) {
      release();
      throw error;
    }
  }
}
