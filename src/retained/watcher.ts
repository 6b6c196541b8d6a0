// What keeps a RunIndex current: the first scan, rescans, and while watching fs.watch, polling and periodic rescans.
import { statSync, watch, type FSWatcher } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { background } from '../async/background.js';
import { monotonicMs } from '../async/clock.js';
import { SerialQueue } from '../async/serial.js';
import { createLogger, type Logger } from '../log.js';
import { walkRunsDir, type WalkOptions } from '../run-dir/walk.js';
import type { RunDirProblem } from '../schema/run-dir.js';
import { readRetainedRun, type DirReading } from './retained-run.js';
import type { RunIndex } from './run-index.js';
import { isRunName } from './safe-path.js';

export interface WatcherOptions {
  /** Notice directories other processes add or remove (fs.watch plus periodic rescans). */
  watch: boolean;
  /** Time between rescans while watching; stretched to 20 times the last scan's duration. */
  rescanMs: number;
  log: Logger | undefined;
}

// Directories that appeared without a summary are looked at again when their mtime changes: how
// another process's run is seen finishing. Polled rather than watched, because a watch on a run
// directory fires for every line appended to its events.jsonl; the mtime changes only when an entry
// (run.json, the summary) is renamed into it.
const MAX_PENDING_DIRS = 256;
const PENDING_POLL_MS = 1_000;
// Events come in bursts (mkdir, then files); one look after the burst sees the result.
const SETTLE_MS = 50;

export class RunsDirWatcher {
  readonly #index: RunIndex;
  readonly #options: WatcherOptions;
  // Work nobody awaits must not fail unseen: without a log its failures still reach stderr.
  readonly #failureLog: Logger;
  /** Problems the walk itself met (unlistable directories, names that are not UTF-8), by directory. */
  #walkProblems = new Map<string, RunDirProblem>();
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
  /** Rescans and tree refreshes, one at a time: each walk sees the index as the one before left it. */
  readonly #queue = new SerialQueue();

  constructor(index: RunIndex, options: WatcherOptions) {
    this.#index = index;
    this.#options = options;
    this.#failureLog = options.log ?? createLogger();
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
    const reading = readRetainedRun(this.#index.runsDir, runId);
    if (reading.kind !== 'retained' || reading.run.runId !== runId) return false;
    this.#index.settle(runId, reading);
    this.#index.publish();
    this.#ready = Promise.resolve();
    return true;
  }

  /** Reads one directory again and makes the index agree; returns what it found. */
  refresh(dir: string): DirReading {
    const reading = this.#index.settle(dir, readRetainedRun(this.#index.runsDir, dir));
    if (reading.kind === 'retained' || reading.kind === 'none') this.#unwatch(dir);
    return reading;
  }

  /** Scans everything again; runs found gone are dropped. Runs queued behind other index work. */
  rescan(): Promise<void> {
    return this.#queue.run(() => this.#rescanNow());
  }

  async close(): Promise<void> {
    this.#isClosed = true;
    clearTimeout(this.#settleTimer);
    clearTimeout(this.#rescan);
    this.#watcher?.close();
    clearInterval(this.#poller);
    this.#pending.clear();
    await this.#queue.settled();
    // Closing waits for the first scan to stop walking; its failure is for whoever awaited start().
    if (this.#ready) await Promise.allSettled([this.#ready]);
  }

  async #build(): Promise<void> {
    const started = monotonicMs();
    if (this.#options.watch) this.#watchRunsDir();
    await this.#walk([''], (dir, reading) => this.#index.settle(dir, reading));
    this.#publishWalkProblems();
    this.#index.publish();
    this.#lastScanMs = monotonicMs() - started;
    this.#options.log?.info('retained runs indexed', {
      retained: this.#index.retained.size,
      incomplete: this.#index.incomplete.size,
      skipped: this.#index.skippedCount,
      ms: Math.round(this.#lastScanMs),
    });
    this.#scheduleRescan();
  }

  async #rescanNow(): Promise<void> {
    if (this.#isClosed) return;
    await this.start();
    const started = monotonicMs();
    const seen = new Set<string>();
    this.#walkProblems = new Map();
    await this.#walk([''], (dir, reading) => {
      seen.add(dir);
      return this.#index.settle(dir, reading);
    });
    this.#publishWalkProblems();
    // What the scan did not meet is gone, or arrived during the scan: one look tells which.
    const recheck = this.#index.knownDirs().filter((dir) => !seen.has(dir));
    for (let done = 0; done < recheck.length; done++) {
      if (this.#isClosed) return;
      this.refresh(recheck[done]!);
      // Many at once (a whole directory tree deleted): let requests through now and then.
      if (done % 1_000 === 999) await new Promise((resolve) => setImmediate(resolve));
    }
    this.#lastScanMs = monotonicMs() - started;
  }

  #scheduleRescan(): void {
    if (!this.#options.watch || this.#isClosed) return;
    const delay = Math.max(this.#options.rescanMs, 20 * this.#lastScanMs);
    this.#rescan = setTimeout(() => {
      if (!this.#watcher) this.#watchRunsDir();
      this.#rescanInBackground(this.rescan().finally(() => this.#scheduleRescan()));
    }, delay);
    this.#rescan.unref();
  }

  #rescanInBackground(rescan: Promise<void>): void {
    background(rescan, this.#failureLog, 'rescanning the runs directory failed');
  }

  #watchRunsDir(): void {
    try {
      this.#watcher = watch(this.#index.runsDir, { persistent: false }, (_event, name) => {
        if (name === null) this.#rescanInBackground(this.rescan());
        else if (!name.startsWith('.')) this.#noticed(name);
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
      const refreshed = this.#queue.run(async () => {
        for (const dir of dirs) await this.#refreshTree(dir);
      });
      background(refreshed, this.#failureLog, 'updating the retained index failed');
    }, SETTLE_MS);
    // Housekeeping only: it must not keep a stopping daemon alive.
    this.#settleTimer.unref();
  }

  /** Reads `top` and everything below it again; entries under it that are gone are dropped. */
  async #refreshTree(top: string): Promise<void> {
    if (this.#isClosed) return;
    await this.start();
    const isDirectory = await lstat(`${this.#index.runsDir}/${top}`).then(
      (info) => info.isDirectory(),
      () => false,
    );
    const seen = new Set<string>();
    if (isDirectory) {
      await this.#walk([top], (dir, found, isLeaf) => {
        seen.add(dir);
        const reading = this.#index.settle(dir, found);
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
    const gone = new Set([top, ...this.#index.knownDirs()].filter((dir) => under(dir) && !seen.has(dir)));
    for (const dir of gone) {
      this.#index.settle(dir, { kind: 'none' });
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
      return statSync(`${this.#index.runsDir}/${dir}`).mtimeMs;
    } catch {
      return -1;
    }
  }

  #walk(roots: readonly string[], visit: (dir: string, reading: DirReading, isLeaf: boolean) => unknown) {
    const options: WalkOptions = {
      isCancelled: () => this.#isClosed,
      onProblem: (problem) => this.#walkProblems.set(problem.dir, problem),
    };
    const { runsDir } = this.#index;
    return walkRunsDir(runsDir, roots, (dir) => readRetainedRun(runsDir, dir), options, visit);
  }

  #publishWalkProblems(): void {
    this.#index.problems.replaceAll('walk', this.#walkProblems.values());
  }
}
