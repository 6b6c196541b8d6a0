// Retained runs in list order (newest first), with binary search for cursors and for updates in place.
import { RunyardError } from '../schema/errors.js';
import type { RetainedRun } from '../schema/retained-run.js';
import { isRunName } from './safe-path.js';

/** What a run sorts by: when it finished; for an incomplete directory without a finish, when it was created. */
export const sortKeyOf = (run: RetainedRun): string => run.finishedAt ?? run.createdAt ?? '';

/** Negative when (keyA, idA) comes first in list order: newer first, then the greater run id. */
function compareKeys(keyA: string, idA: string, keyB: string, idB: string): number {
  if (keyA !== keyB) return keyA > keyB ? -1 : 1;
  if (idA !== idB) return idA > idB ? -1 : 1;
  return 0;
}

export const compareRuns = (a: RetainedRun, b: RetainedRun) =>
  compareKeys(sortKeyOf(a), a.runId, sortKeyOf(b), b.runId);

export interface Position {
  key: string;
  runId: string;
}

// Why an array and not a tree: pages are read far more often than runs finish, and a page is a
// slice of contiguous memory; an insert moves at most a few hundred KB even at 100,000 runs.
export class SortedRuns {
  #runs: RetainedRun[] = [];

  get size(): number {
    return this.#runs.length;
  }

  at(index: number): RetainedRun | undefined {
    return this.#runs[index];
  }

  /** Replaces everything at once: one sort instead of one insert per run. */
  reset(runs: RetainedRun[]): void {
    this.#runs = runs.sort(compareRuns);
  }

  insert(run: RetainedRun): void {
    this.#runs.splice(this.#firstNotBefore(sortKeyOf(run), run.runId), 0, run);
  }

  remove(run: RetainedRun): void {
    const index = this.#indexOf(run);
    if (index >= 0) this.#runs.splice(index, 1);
  }

  /** Swaps `old` for `run`; in place when both sort alike, which is the rescan's common case. */
  replace(old: RetainedRun, run: RetainedRun): void {
    const index = this.#indexOf(old);
    if (index >= 0 && compareRuns(old, run) === 0) {
      this.#runs[index] = run;
      return;
    }
    if (index >= 0) this.#runs.splice(index, 1);
    this.insert(run);
  }

  /** Index of the first run that comes strictly after `position` in list order. */
  after(position: Position): number {
    let low = 0;
    let high = this.#runs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const run = this.#runs[middle]!;
      if (compareKeys(sortKeyOf(run), run.runId, position.key, position.runId) <= 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** Index of the first run whose key is below `key` (finished before it). */
  below(key: string): number {
    let low = 0;
    let high = this.#runs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sortKeyOf(this.#runs[middle]!) >= key) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #firstNotBefore(key: string, runId: string): number {
    let low = 0;
    let high = this.#runs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const run = this.#runs[middle]!;
      if (compareKeys(sortKeyOf(run), run.runId, key, runId) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #indexOf(run: RetainedRun): number {
    const index = this.#firstNotBefore(sortKeyOf(run), run.runId);
    return this.#runs[index] === run ? index : -1;
  }
}

/** An opaque cursor: the position of the last run of a page. */
export const encodeCursor = (run: RetainedRun): string =>
  Buffer.from(`${sortKeyOf(run)}|${run.runId}`).toString('base64url');

export function decodeCursor(cursor: string): Position {
  const text = Buffer.from(cursor, 'base64url').toString();
  // The key is a timestamp (or empty), which never holds "|"; a run name may.
  const split = text.indexOf('|');
  const key = text.slice(0, split);
  const runId = text.slice(split + 1);
  if (split < 0 || !isRunName(runId) || (key !== '' && Number.isNaN(Date.parse(key))))
    throw new RunyardError('list_cursor_invalid', { cursor });
  return { key, runId };
}
