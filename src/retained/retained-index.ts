// The in-memory index of retained runs: built by a scan, kept current by the engine, fs.watch and rescans.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { lstat, realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { isInside } from '../fs/contain.js';
import type { Logger } from '../log.js';
import { RunDirProblems } from '../run-dir/problems.js';
import { standsFor, walkRunsDir, type WalkOptions } from '../run-dir/walk.js';
import type { RunDirProblem } from '../schema/run-dir.js';
import type { RetainedRun } from '../schema/retained.js';
import { readRetainedRun, type DirReading } from './retained-run.js';
import { isRunName } from './safe-path.js';
import { SortedRuns } from './sorted-runs.js';

export interface RetainedIndexOptions {
  /** Notice directories other processes add or remove (fs.watch plus periodic rescans). Default false. */
  watch?: boolean;
  /** Time between rescans while watching; stretched to 20 times the last scan's duration. Default 60 s. */
  rescanMs?: number;
  log?: Logger;
  /** Where unreadable directories are reported (and logged); the daemon shares one with the index rebuild. */
  problems?: RunDirProblems;
}

// Directories that appeared without a summary are looked at again when their mtime changes: how
// another process's run is seen finishing. Polled rather than watched, because a watch on a run
// directory fires for every line appended to its events.jsonl; the mtime changes only when an entry
// (run.json, the summary) is renamed into it.
const MAX_PENDING_DIRS = 256;
const PENDING_POLL_MS = 1_000;
// Events come in bursts (mkdir, then files); one look after the burst sees the result.
const SETTLE_MS = 50;

export class RetainedIndex {
  /** Real path of the runs directory. */
  readonly runsDir: string;
  readonly #options: Required<Omit<RetainedIndexOptions, 'log'>> & { log: Logger | undefined };
  /** Problems the walk itself met (unlistable directories, names that are not UTF-8), by directory. */
  #walkProblems = new Map<string, RunDirProblem>();
  /** The one run each run id stands for: retained wins over incomplete, then the directory named for it. */
  readonly #byId = new Map<string, RetainedRun>();
  /** Directory → run id, for the directories not named after their run (outputDir). */
  readonly #otherDirs = new Map<string, string>();
  readonly #skipped = new Set<string>();
  readonly #retained = new SortedRuns();
  readonly #incomplete = new SortedRuns();
  #isBuilding = true;
  #ready: Promise<void> | undefined;
  #isClosed = false;
  #watcher: FSWatcher | undefined;
  /** Directory → its mtime when last read (-1: gone). */
  readonly #pending = new Map<string, number>();
  #poller: NodeJS.Timeout | undefined;
  readonly #dirty = new Set<string>();
  #settleTimer: NodeJS.Timeout | undefined;
  #rescan: NodeJS.Timeout | undefined;
  #lastScanMs = 0;
  #work: Promise<void> = Promise.resolve();

  private constructor(runsDir: string, options: RetainedIndexOptions) {
    this.runsDir = runsDir;
    this.#options = {
      watch: options.watch ?? false,
      rescanMs: options.rescanMs ?? 60_000,
      log: options.log,
      problems: options.problems ?? new RunDirProblems(options.log),
    };
  }

  /** An index of `runsDir`, empty until `start()`. */
  static async open(runsDir: string, options: RetainedIndexOptions = {}): Promise<RetainedIndex> {
    return new RetainedIndex(await realpath(runsDir), options);
  }

  /** Starts the first scan (and, with `watch`, watching); resolves when the index is ready. Idempotent. */
  start(): Promise<void> {
    this.#ready ??= this.#build();
    return this.#ready;
  }

  /**
   * For a question about one run offline: when `<runs-dir>/<runId>` holds that run, retained, the
   * index is ready with it alone, without a scan. That directory is the one a full scan would pick
   * for the id, so the answer is the same. False (and nothing changed) otherwise.
   */
  probe(runId: string): boolean {
    if (this.#ready || !isRunName(runId)) return false;
    const reading = readRetainedRun(this.runsDir, runId);
    if (reading.kind !== 'retained' || reading.run.runId !== runId) return false;
    this.#apply(runId, reading);
    this.#retained.reset([reading.run]);
    this.#isBuilding = false;
    this.#ready = Promise.resolve();
    return true;
  }

  /** Resolves once the first scan is done; answers never wait for later rescans. */
  ready(): Promise<void> {
    return this.start();
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

  /** What is wrong with the directories of the runs directory, as this index (and whoever shares its book) found it. */
  get problems(): RunDirProblems {
    return this.#options.problems;
  }

  /** The run `name` names: a run id first, else the directory (relative to the runs directory) that holds it. */
  find(name: string): RetainedRun | undefined {
    return this.#byId.get(name) ?? this.#ownerOf(name);
  }

  /** Reads one run directory (absolute, inside the runs directory) again, e.g. when a run has finished. */
  async addRunDir(runDir: string): Promise<void> {
    if (!isInside(this.runsDir, runDir)) return;
    this.refresh(relative(this.runsDir, runDir).split(sep).join('/'));
  }

  /** Reads one directory again and makes the index agree; returns what it found. */
  refresh(dir: string): DirReading {
    const reading = this.#settle(dir, readRetainedRun(this.runsDir, dir));
    if (reading.kind === 'retained' || reading.kind === 'none') this.#unwatch(dir);
    return reading;
  }

  /** Scans everything again; runs found gone are dropped. Runs queued behind other index work. */
  rescan(): Promise<void> {
    const done = this.#work.then(() => this.#rescanNow());
    this.#work = done.catch(() => {});
    return done;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#settleTimer);
    clearTimeout(this.#rescan);
    this.#watcher?.close();
    clearInterval(this.#poller);
    this.#pending.clear();
    await this.#work;
    await this.#ready?.catch(() => {});
  }

  async #build(): Promise<void> {
    const started = performance.now();
    if (this.#options.watch) this.#watchRunsDir();
    await this.#walk([''], (dir, reading) => this.#settle(dir, reading));
    this.#publishWalkProblems();
    const retained: RetainedRun[] = [];
    const incomplete: RetainedRun[] = [];
    for (const run of this.#byId.values()) (run.status === 'incomplete' ? incomplete : retained).push(run);
    this.#retained.reset(retained);
    this.#incomplete.reset(incomplete);
    this.#isBuilding = false;
    this.#lastScanMs = performance.now() - started;
    this.#options.log?.info('retained runs indexed', {
      retained: retained.length,
      incomplete: incomplete.length,
      skipped: this.#skipped.size,
      ms: Math.round(this.#lastScanMs),
    });
    this.#scheduleRescan();
  }

  async #rescanNow(): Promise<void> {
    if (this.#isClosed) return;
    await this.start();
    const started = performance.now();
    const seen = new Set<string>();
    this.#walkProblems = new Map();
    await this.#walk([''], (dir, reading) => {
      seen.add(dir);
      return this.#settle(dir, reading);
    });
    this.#publishWalkProblems();
    // What the scan did not meet is gone, or arrived during the scan: one look tells which.
    const unseen = [...this.#byId.values()].map((run) => run.dir).filter((dir) => !seen.has(dir));
    const recheck = [...unseen, ...[...this.#skipped].filter((dir) => !seen.has(dir))];
    for (let done = 0; done < recheck.length; done++) {
      if (this.#isClosed) return;
      this.refresh(recheck[done]!);
      // Many at once (a whole directory tree deleted): let requests through now and then.
      if (done % 1_000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
    this.#lastScanMs = performance.now() - started;
  }

  #scheduleRescan(): void {
    if (!this.#options.watch || this.#isClosed) return;
    const delay = Math.max(this.#options.rescanMs, 20 * this.#lastScanMs);
    this.#rescan = setTimeout(() => {
      if (!this.#watcher) this.#watchRunsDir();
      this.rescan()
        .catch((error: unknown) => this.#rescanFailed(error))
        .finally(() => this.#scheduleRescan());
    }, delay);
    this.#rescan.unref();
  }

  #watchRunsDir(): void {
    try {
      this.#watcher = watch(this.runsDir, { persistent: false }, (_event, name) => {
        if (name === null) return void this.rescan().catch((error: unknown) => this.#rescanFailed(error));
        if (!name.startsWith('.')) this.#noticed(name);
      });
      this.#watcher.on('error', (error) => {
        this.#options.log?.warn('watching the runs directory failed; rescans continue', { error });
        this.#watcher?.close();
        this.#watcher = undefined;
      });
    } catch (error) {
      this.#options.log?.warn('cannot watch the runs directory; relying on rescans', { error });
    }
  }

  #noticed(dir: string): void {
    this.#dirty.add(dir);
    this.#settleTimer ??= setTimeout(() => {
      this.#settleTimer = undefined;
      const dirs = [...this.#dirty];
      this.#dirty.clear();
      const done = this.#work.then(async () => {
        for (const dir of dirs) await this.#refreshTree(dir);
      });
      this.#work = done.catch((error: unknown) =>
        this.#options.log?.error('updating the retained index failed', { error }),
      );
    }, SETTLE_MS);
    // Housekeeping only: it must not keep a stopping daemon alive.
    this.#settleTimer.unref();
  }

  /** Reads `top` and everything below it again; entries under it that are gone are dropped. */
  async #refreshTree(top: string): Promise<void> {
    if (this.#isClosed) return;
    await this.start();
    const isDirectory = await lstat(`${this.runsDir}/${top}`).then(
      (info) => info.isDirectory(),
      () => false,
    );
    const seen = new Set<string>();
    if (isDirectory) {
      await this.#walk([top], (dir, found, isLeaf) => {
        seen.add(dir);
        const reading = this.#settle(dir, found);
        if (
          reading.kind === 'incomplete' ||
          reading.kind === 'skipped' ||
          (reading.kind === 'none' && isLeaf)
        )
          this.#watchPending(dir);
        else this.#unwatch(dir);
      });
      this.#publishWalkProblems();
    }
    const under = (dir: string) => dir === top || dir.startsWith(`${top}/`);
    // Every run's directory, not only those of #otherDirs: a run without a recorded id is named for
    // its directory, which may lie deep under `top`.
    const known = [...[...this.#byId.values()].map((run) => run.dir), ...this.#skipped];
    const gone = new Set([top, ...known].filter((dir) => under(dir) && !seen.has(dir)));
    for (const dir of gone) {
      this.#settle(dir, { kind: 'none' });
      this.#unwatch(dir);
    }
  }

  #watchPending(dir: string): void {
    if (this.#pending.has(dir) || this.#isClosed) return;
    // Beyond the limit the oldest is left to the rescans.
    if (this.#pending.size >= MAX_PENDING_DIRS) this.#pending.delete(this.#pending.keys().next().value!);
    this.#pending.set(dir, this.#mtimeOf(dir));
    this.#poller ??= setInterval(() => this.#pollPending(), PENDING_POLL_MS).unref();
  }

  #unwatch(dir: string): void {
    this.#pending.delete(dir);
    if (this.#pending.size > 0) return;
    clearInterval(this.#poller);
    this.#poller = undefined;
  }

  #pollPending(): void {
    for (const [dir, seen] of this.#pending) {
      const mtime = this.#mtimeOf(dir);
      if (mtime === seen) continue;
      this.#pending.set(dir, mtime);
      this.#noticed(dir);
    }
  }

  #mtimeOf(dir: string): number {
    try {
      return statSync(`${this.runsDir}/${dir}`).mtimeMs;
    } catch {
      return -1;
    }
  }

  #walk(roots: readonly string[], visit: (dir: string, reading: DirReading, isLeaf: boolean) => unknown) {
    const options: WalkOptions = {
      isCancelled: () => this.#isClosed,
      onProblem: (problem) => this.#walkProblems.set(problem.dir, problem),
    };
    return walkRunsDir(this.runsDir, roots, (dir) => readRetainedRun(this.runsDir, dir), options, visit);
  }

  #publishWalkProblems(): void {
    this.#options.problems.replaceAll('walk', this.#walkProblems.values());
  }

  #rescanFailed(error: unknown): void {
    this.#options.log?.error('rescanning the runs directory failed', { error });
  }

  /** The run whose directory is `dir`, if the index holds one. */
  #ownerOf(dir: string): RetainedRun | undefined {
    const named = this.#byId.get(dir);
    const run = named?.dir === dir ? named : this.#byId.get(this.#otherDirs.get(dir) ?? '');
    return run?.dir === dir ? run : undefined;
  }

  /**
   * Applies a reading, unless it would take a retained run away: a tree refresh that passed a
   * directory before its run finished must not undo the engine's word that it has. Summaries only
   * ever appear, so such a reading is checked by reading the directory once more.
   */
  #settle(dir: string, reading: DirReading): DirReading {
    const owner = this.#ownerOf(dir);
    const current =
      owner && isRetained(owner) && reading.kind !== 'retained'
        ? readRetainedRun(this.runsDir, dir)
        : reading;
    this.#apply(dir, current);
    return current;
  }

  /** Makes the index agree with what one directory holds now. */
  #apply(dir: string, reading: DirReading): void {
    const owner = this.#ownerOf(dir);
    if (reading.kind === 'none') this.#options.problems.forget(dir);
    else this.#options.problems.set('retained', dir, reading.problems);
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
