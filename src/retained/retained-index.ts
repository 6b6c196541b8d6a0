// The retained index the handlers use: a RunIndex of the runs directory and the RunsDirWatcher that keeps it current.
import { realpath } from 'node:fs/promises';
import { relative, sep } from 'node:path';
import { isInside } from '../fs/contain.js';
import type { Logger } from '../log.js';
import { RunDirProblems } from '../run-dir/problems.js';
import type { RetainedRun } from '../schema/retained-run.js';
import type { DirReading } from './retained-run.js';
import { RunIndex } from './run-index.js';
import type { SortedRuns } from './sorted-runs.js';
import { RunsDirWatcher } from './watcher.js';

export interface RetainedIndexOptions {
  /** Notice directories other processes add or remove (fs.watch plus periodic rescans). Default false. */
  watch?: boolean;
  /** Time between rescans while watching; stretched to 20 times the last scan's duration. Default 60 s. */
  rescanMs?: number;
  log?: Logger;
  /** Where unreadable directories are reported (and logged); the daemon shares one with the index rebuild. */
  problems?: RunDirProblems;
}

export class RetainedIndex {
  readonly #index: RunIndex;
  readonly #watcher: RunsDirWatcher;

  private constructor(runsDir: string, options: RetainedIndexOptions) {
    this.#index = new RunIndex(runsDir, options.problems ?? new RunDirProblems(options.log));
    this.#watcher = new RunsDirWatcher(this.#index, {
      watch: options.watch ?? false,
      rescanMs: options.rescanMs ?? 60_000,
      log: options.log,
    });
  }

  /** An index of `runsDir`, empty until `start()`. */
  static async open(runsDir: string, options: RetainedIndexOptions = {}): Promise<RetainedIndex> {
    return new RetainedIndex(await realpath(runsDir), options);
  }

  /** Real path of the runs directory. */
  get runsDir(): string {
    return this.#index.runsDir;
  }

  /** Starts the first scan (and, with `watch`, watching); resolves when the index is ready. Idempotent. */
  start(): Promise<void> {
    return this.#watcher.start();
  }

  /** Makes the index ready with `<runs-dir>/<runId>` alone, without a scan, when it holds that run, retained. */
  probe(runId: string): boolean {
    return this.#watcher.probe(runId);
  }

  /** Resolves once the first scan is done; answers never wait for later rescans. */
  ready(): Promise<void> {
    return this.start();
  }

  get retained(): SortedRuns {
    return this.#index.retained;
  }

  get incomplete(): SortedRuns {
    return this.#index.incomplete;
  }

  /** Directories whose summary (or run.json) could not be read. */
  get skippedCount(): number {
    return this.#index.skippedCount;
  }

  /** What is wrong with the directories of the runs directory, as this index (and whoever shares its book) found it. */
  get problems(): RunDirProblems {
    return this.#index.problems;
  }

  /** The run `name` names: a run id first, else the directory (relative to the runs directory) that holds it. */
  find(name: string): RetainedRun | undefined {
    return this.#index.find(name);
  }

  /** Reads one run directory (absolute, inside the runs directory) again, e.g. when a run has finished. */
  async addRunDir(runDir: string): Promise<void> {
    if (!isInside(this.runsDir, runDir)) return;
    this.refresh(relative(this.runsDir, runDir).split(sep).join('/'));
  }

  /** Reads one directory again and makes the index agree; returns what it found. */
  refresh(dir: string): DirReading {
    return this.#watcher.refresh(dir);
  }

  /** Scans everything again; runs found gone are dropped. Runs queued behind other index work. */
  rescan(): Promise<void> {
    return this.#watcher.rescan();
  }

  close(): Promise<void> {
    return this.#watcher.close();
  }
}
