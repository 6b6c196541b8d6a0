// What is wrong with run directories right now, as every reader found it: kept for retained.problems, logged once.
import type { Logger } from '../log.js';
import type { RunDirProblem } from '../schema/run-dir.js';

/** Who found a problem: each reader replaces only its own findings for a directory. */
export type ProblemSource = 'walk' | 'retained' | 'index' | 'recovery';

// Enough to name every bad directory an operator would go through by hand; past it the log says where
// the rest is, so a runs directory of 100,000 broken copies cannot flood it.
const MAX_LOGGED = 1_000;

const keyOf = (problem: RunDirProblem) => `${problem.file}\u0000${problem.field}\u0000${problem.reason}`;

export class RunDirProblems {
  readonly #bySource = new Map<ProblemSource, Map<string, RunDirProblem[]>>();
  readonly #log: Logger | undefined;
  #logged = 0;

  constructor(log?: Logger) {
    this.#log = log;
  }

  /** Replaces what `source` knows is wrong with `dir`; an empty list means nothing is. */
  set(source: ProblemSource, dir: string, problems: readonly RunDirProblem[]): void {
    const byDir = this.#bySource.get(source) ?? new Map<string, RunDirProblem[]>();
    this.#bySource.set(source, byDir);
    this.#replace(byDir, dir, problems);
  }

  /** `dir` is gone, or holds no run any more: nothing any reader found in it still stands. */
  forget(dir: string): void {
    for (const byDir of this.#bySource.values()) byDir.delete(dir);
  }

  /** Replaces everything `source` knows with `problems` (a whole walk's findings). */
  replaceAll(source: ProblemSource, problems: Iterable<RunDirProblem>): void {
    const found = new Map<string, RunDirProblem[]>();
    for (const problem of problems) found.set(problem.dir, [...(found.get(problem.dir) ?? []), problem]);
    const byDir = this.#bySource.get(source) ?? new Map<string, RunDirProblem[]>();
    this.#bySource.set(source, byDir);
    for (const dir of byDir.keys()) if (!found.has(dir)) byDir.delete(dir);
    for (const [dir, list] of found) this.#replace(byDir, dir, list);
  }

  /** Sets one source's problems of `dir`, logging those that no source knew of yet. */
  #replace(byDir: Map<string, RunDirProblem[]>, dir: string, problems: readonly RunDirProblem[]): void {
    // The common case of a scan: a directory with nothing wrong, which costs one map delete.
    if (problems.length === 0) {
      byDir.delete(dir);
      return;
    }
    const known = new Set<string>();
    for (const source of this.#bySource.values())
      for (const problem of source.get(dir) ?? []) known.add(keyOf(problem));
    byDir.set(dir, [...problems]);
    for (const problem of problems) if (!known.has(keyOf(problem))) this.#report(problem);
  }

  /** Every problem, by directory then file, each once however many readers found it. */
  list(): RunDirProblem[] {
    const unique = new Map<string, RunDirProblem>();
    for (const byDir of this.#bySource.values())
      for (const problems of byDir.values())
        for (const problem of problems) unique.set(`${problem.dir}\u0000${keyOf(problem)}`, problem);
    return [...unique.values()].sort(compareProblems);
  }

  #report(problem: RunDirProblem): void {
    if (this.#logged > MAX_LOGGED) return;
    if (this.#logged++ === MAX_LOGGED) {
      this.#log?.warn('more run directories cannot be read; they are no longer logged one by one', {
        logged: MAX_LOGGED,
        see: 'retained.problems, or runyard runs problems',
      });
      return;
    }
    const { message, ...where } = problem;
    this.#log?.warn('run directory cannot be fully read', { ...where, problem: message });
  }
}

/** Directory, then file (the directory itself first), field and reason: one order for pages and cursors. */
export function compareProblems(a: RunDirProblem, b: RunDirProblem): number {
  for (const [x, y] of [
    [a.dir, b.dir],
    [a.file ?? '', b.file ?? ''],
    [a.field ?? '', b.field ?? ''],
    [a.reason, b.reason],
  ] as const) {
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
