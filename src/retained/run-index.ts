// What is known about the runs directory: the run each id stands for, both list orders, the skipped directories.
import type { RunDirProblems } from '../run-dir/problems.js';
import { standsFor } from '../run-dir/walk.js';
import type { RetainedRun } from '../schema/retained-run.js';
import { readRetainedRun, type DirReading } from './retained-run.js';
import { SortedRuns } from './sorted-runs.js';

/**
 * The runs of one runs directory, as the readings applied to it say. It reads nothing by itself
 * but the one directory `settle` must look at again; what to read, and when, is the watcher's.
 */
export class RunIndex {
  /** Real path of the runs directory. */
  readonly runsDir: string;
  /** Where unreadable directories are reported; shared with whoever else reads the runs directory. */
  readonly problems: RunDirProblems;
  /** The one run each run id stands for: retained wins over incomplete, then the directory named for it. */
  readonly #byId = new Map<string, RetainedRun>();
  /** Directory → run id, for the directories not named after their run (outputDir). */
  readonly #otherDirs = new Map<string, string>();
  readonly #skipped = new Set<string>();
  readonly #retained = new SortedRuns();
  readonly #incomplete = new SortedRuns();
  // During the first scan the sorted lists are left alone and sorted once at its end: inserting the
  // runs one at a time would move the array once per run.
  #isBuilding = true;

  constructor(runsDir: string, problems: RunDirProblems) {
    this.runsDir = runsDir;
    this.problems = problems;
  }

  get retained(): SortedRuns {
    return this.#retained;
  }

  get incomplete(): SortedRuns {
    return this.#incomplete;
  }

  /** Directories whose summary (or run.json) could not be read. */
  get skippedCount(): number {
    return this.#skipped.size;
  }

  /** The run `name` names: a run id first, else the directory (relative to the runs directory) that holds it. */
  find(name: string): RetainedRun | undefined {
    return this.#byId.get(name) ?? this.#ownerOf(name);
  }

  /**
   * Every directory the index holds something for: each run's, then each skipped one. A run named
   * for its id sits directly in the runs directory, since a run id (a ULID) holds no "/".
   */
  knownDirs(): string[] {
    return [...[...this.#byId.values()].map((run) => run.dir), ...this.#skipped];
  }

  /** Ends the first build: the lists are sorted once, and from now on every change reaches them as it is applied. */
  publish(): void {
    const retained: RetainedRun[] = [];
    const incomplete: RetainedRun[] = [];
    for (const run of this.#byId.values()) (isRetained(run) ? retained : incomplete).push(run);
    this.#retained.reset(retained);
    this.#incomplete.reset(incomplete);
    this.#isBuilding = false;
  }

  /**
   * Applies a reading, unless it would take a retained run away: a tree refresh that passed a
   * directory before its run finished must not undo the engine's word that it has. Summaries only
   * ever appear, so such a reading is checked by reading the directory once more.
   */
  settle(dir: string, reading: DirReading): DirReading {
    const owner = this.#ownerOf(dir);
    const current =
      owner && isRetained(owner) && reading.kind !== 'retained'
        ? readRetainedRun(this.runsDir, dir)
        : reading;
    this.#apply(dir, current);
    return current;
  }

  /** The run whose directory is `dir`, if the index holds one. */
  #ownerOf(dir: string): RetainedRun | undefined {
    const named = this.#byId.get(dir);
    const run = named?.dir === dir ? named : this.#byId.get(this.#otherDirs.get(dir) ?? '');
    return run?.dir === dir ? run : undefined;
  }

  /** Makes the index agree with what one directory holds now. */
  #apply(dir: string, reading: DirReading): void {
    const owner = this.#ownerOf(dir);
    if (reading.kind === 'none') this.problems.forget(dir);
    else this.problems.set('retained', dir, reading.problems);
    if (reading.kind === 'none' || reading.kind === 'skipped') {
      if (owner) this.#drop(owner);
      if (reading.kind === 'skipped') this.#skipped.add(dir);
      else this.#skipped.delete(dir);
      return;
    }
    const { run } = reading;
    this.#skipped.delete(dir);
    const holder = this.#byId.get(run.runId);
    if (holder && holder !== owner && !isPreferred(run, holder)) {
      if (owner) this.#drop(owner);
      return;
    }
    if (holder && holder !== owner) this.#drop(holder);
    if (owner && owner.runId === run.runId && isRetained(owner) === isRetained(run)) {
      this.#swap(owner, run);
      return;
    }
    if (owner) this.#drop(owner);
    this.#put(run);
  }

  #put(run: RetainedRun): void {
    this.#byId.set(run.runId, run);
    if (run.dir !== run.runId) this.#otherDirs.set(run.dir, run.runId);
    if (!this.#isBuilding) this.#sortedFor(run).insert(run);
  }

  #swap(old: RetainedRun, run: RetainedRun): void {
    this.#byId.set(run.runId, run);
    if (!this.#isBuilding) this.#sortedFor(run).replace(old, run);
  }

  #drop(run: RetainedRun): void {
    if (this.#byId.get(run.runId) === run) this.#byId.delete(run.runId);
    if (this.#otherDirs.get(run.dir) === run.runId) this.#otherDirs.delete(run.dir);
    if (!this.#isBuilding) this.#sortedFor(run).remove(run);
  }

  #sortedFor(run: RetainedRun): SortedRuns {
    return isRetained(run) ? this.#retained : this.#incomplete;
  }
}

const isRetained = (run: RetainedRun) => run.status !== 'incomplete';

/**
 * Which of two directories stands for a run id: a retained one over an incomplete one, then the one
 * named for the run, then the first by name; so every scan order picks the same.
 */
function isPreferred(run: RetainedRun, other: RetainedRun): boolean {
  if (isRetained(run) !== isRetained(other)) return isRetained(run);
  return standsFor(run.runId, run.dir, other.dir);
}
