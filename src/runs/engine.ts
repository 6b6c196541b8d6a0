// The run engine: creates runs, queues them, supervises their processes and completes their directories.
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from '../log.js';
import { RunyardError } from '../schema/errors.js';
import type { AttemptRecord } from '../schema/run-dir.js';
import { RUN_DIR_SCHEMA_VERSION } from '../schema/run-dir.js';
import type { RunListParams, RunListResult, RunRecord, RunStartParams, RunStatus } from '../schema/run.js';
import type { RunStore } from '../store/store.js';
import { isDirectory, resolveCommand } from './command.js';
import { EventLog } from './event-log.js';
import { newRunId } from './ids.js';
import { assertTransition, isTerminal } from './lifecycle.js';
import { readLog, type LogSlice } from './log-reader.js';
import { spawnProcess, type ProcessExit, type RunningProcess } from './process.js';
import { RunDirClaims } from './run-dir-claims.js';
import {
  createRunDir,
  failedDirectory,
  runFiles,
  writePlan,
  writeRetention,
  writeRunJson,
  type RunPlan,
} from './run-dir.js';

export interface EngineOptions {
  runsDir: string;
  store: RunStore;
  maxConcurrent: number;
  killGraceMs: number;
  log: Logger;
}

type ErrorInfo = NonNullable<RunRecord['error']>;

/** A run the engine is responsible for: queued or running. It leaves this state only when finished. */
interface ActiveRun {
  record: RunRecord;
  plan: RunPlan;
  /** Full child environment; held in memory only, since run directories never record values. */
  env: NodeJS.ProcessEnv;
  events: EventLog;
  attempts: AttemptRecord[];
  process?: RunningProcess;
  stopping?: { status: 'cancelled' | 'timed_out'; error: ErrorInfo; signal: NodeJS.Signals };
  timers: NodeJS.Timeout[];
  /** Every disk and store write of this run goes through this chain, so they land in order. */
  writes: Promise<void>;
  finished: Promise<RunRecord>;
  resolveFinished: (run: RunRecord) => void;
}

export class RunEngine {
  readonly #options: EngineOptions;
  readonly #active = new Map<string, ActiveRun>();
  readonly #queue: string[] = [];
  readonly #claims = new RunDirClaims();
  readonly #startsByKey = new Map<string, Promise<RunRecord>>();
  #running = 0;
  #closing = false;

  constructor(options: EngineOptions) {
    this.#options = options;
  }

  async start(params: RunStartParams): Promise<RunRecord> {
    if (this.#closing) throw new RunyardError('daemon_shutting_down', {});
    const key = params.idempotencyKey;
    if (key === undefined) return this.#create(params);
    // Two concurrent starts with one key must share one run: the second joins the first's promise.
    const pending = this.#startsByKey.get(key);
    if (pending) return pending;
    const started = (async () =>
      (await this.#options.store.findByIdempotencyKey(key)) ?? this.#create(params))();
    this.#startsByKey.set(key, started);
    try {
      return await started;
    } finally {
      this.#startsByKey.delete(key);
    }
  }

  async get(runId: string): Promise<RunRecord> {
    const active = this.#active.get(runId);
    if (active) return structuredClone(active.record);
    const stored = await this.#options.store.get(runId);
    if (!stored) throw new RunyardError('run_not_found', { runId });
    return stored;
  }

  async list(params: RunListParams): Promise<RunListResult> {
    const limit = params.limit ?? 50;
    const runs = await this.#options.store.list({
      ...(params.status ? { status: params.status } : {}),
      ...(params.labels ? { labels: params.labels } : {}),
      ...(params.cursor ? { before: params.cursor } : {}),
      limit: limit + 1,
    });
    const page = runs
      .slice(0, limit)
      .map((run) => structuredClone(this.#active.get(run.runId)?.record ?? run));
    return { runs: page, nextCursor: runs.length > limit ? page.at(-1)!.runId : null };
  }

  async cancel(runId: string): Promise<RunRecord> {
    const active = this.#active.get(runId);
    if (!active) return this.get(runId);
    return this.#stop(active, 'cancelled', 'SIGTERM', {
      reason: 'cancelled',
      message: 'cancelled by a client',
    });
  }

  async wait(runId: string, timeoutMs: number): Promise<RunRecord> {
    const active = this.#active.get(runId);
    if (!active) return this.get(runId);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    try {
      await Promise.race([active.finished, timedOut]);
    } finally {
      clearTimeout(timer);
    }
    return this.get(runId);
  }

  async readLog(
    runId: string,
    stream: 'stdout' | 'stderr',
    offset: number,
    limit: number,
  ): Promise<LogSlice> {
    const run = await this.get(runId);
    return readLog(join(run.runDir, runFiles[stream]), offset, limit, isTerminal(run.status));
  }

  /** Cancels running runs (recorded as cancelled by daemon shutdown) and waits until their directories are complete. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#queue.length = 0; // queued runs stay queued on disk; nothing new starts while we stop
    const running = [...this.#active.values()].filter((active) => active.process);
    await Promise.all(
      running.map((active) =>
        this.#stop(active, 'cancelled', 'SIGTERM', {
          reason: 'daemon_shutdown',
          message: 'the daemon shut down',
        }),
      ),
    );
    await Promise.all([...this.#active.values()].map((active) => active.writes));
  }

  async #create(params: RunStartParams): Promise<RunRecord> {
    const { runsDir, store, killGraceMs } = this.#options;
    const runId = newRunId();
    const claim = await this.#claims.claim(runsDir, runId, params.outputDir, params.overwrite ?? false);
    const { runDir } = claim;
    const env: NodeJS.ProcessEnv = { ...process.env, ...params.env };
    let record: RunRecord;
    let plan: RunPlan;
    const events = new EventLog(runDir);
    try {
      await createRunDir(runDir, claim.clear).catch(failedDirectory);
      const cwd = resolve(runDir, params.cwd ?? '.');
      if (!(await isDirectory(cwd))) throw new RunyardError('cwd_not_found', { cwd: params.cwd ?? cwd });
      const command = await resolveCommand(params.argv[0]!, env.PATH, cwd);
      if (!command) throw new RunyardError('command_not_found', { command: params.argv[0] });
      record = {
        runId,
        status: 'queued',
        argv: params.argv,
        cwd,
        runDir,
        labels: params.labels ?? {},
        actionId: null,
        serviceId: null,
        idempotencyKey: params.idempotencyKey ?? null,
        timeoutMs: params.timeoutMs ?? null,
        attempt: 0,
        createdAt: new Date().toISOString(),
        startedAt: null,
        finishedAt: null,
        exitCode: null,
        signal: null,
        error: null,
      };
      plan = {
        schemaVersion: RUN_DIR_SCHEMA_VERSION,
        runId,
        argv: params.argv,
        command,
        cwd,
        envNames: [...Object.keys(params.env ?? {}), ...Object.keys(runyardEnv(record, 1))].sort(),
        timeoutMs: record.timeoutMs,
        killGraceMs,
        actionId: null,
        serviceId: null,
        labels: record.labels,
      };
      await Promise.all([writePlan(runDir, plan), events.append({ type: 'status', status: 'queued' })]).catch(
        failedDirectory,
      );
      await writeRunJson(record, []).catch(failedDirectory);
      await store.insert(record);
    } catch (error) {
      claim.release();
      if (claim.created) await rm(runDir, { recursive: true, force: true });
      throw error;
    }
    let resolveFinished!: (run: RunRecord) => void;
    const finished = new Promise<RunRecord>((resolve) => (resolveFinished = resolve));
    finished.then(claim.release, claim.release);
    const active: ActiveRun = {
      record,
      plan,
      env,
      events,
      attempts: [],
      timers: [],
      writes: Promise.resolve(),
      finished,
      resolveFinished,
    };
    this.#active.set(runId, active);
    this.#queue.push(runId);
    this.#pump();
    return structuredClone(active.record);
  }

  #pump(): void {
    while (!this.#closing && this.#running < this.#options.maxConcurrent && this.#queue.length > 0) {
      const active = this.#active.get(this.#queue.shift()!);
      if (active) this.#launch(active);
    }
  }

  #launch(active: ActiveRun): void {
    this.#running++;
    const { record, plan } = active;
    const attempt = record.attempt + 1;
    const startedAt = new Date().toISOString();
    const child = spawnProcess({
      command: plan.command,
      argv: plan.argv,
      cwd: plan.cwd,
      env: { ...active.env, ...runyardEnv(record, attempt) },
      stdoutPath: join(record.runDir, runFiles.stdout),
      stderrPath: join(record.runDir, runFiles.stderr),
    });
    active.process = child;
    active.attempts.push({
      attempt,
      pid: child.pid ?? null,
      startedAt,
      finishedAt: null,
      exitCode: null,
      signal: null,
      outcome: null,
    });
    this.#transition(active, 'running', { attempt, startedAt: record.startedAt ?? startedAt });
    void active.events.append({ type: 'attempt', attempt, phase: 'start', pid: child.pid ?? null });
    if (record.timeoutMs !== null) {
      const ms = record.timeoutMs;
      active.timers.push(
        setTimeout(
          () =>
            void this.#stop(active, 'timed_out', 'SIGTERM', {
              reason: 'timeout',
              message: `timed out after ${ms} ms`,
            }),
          ms,
        ),
      );
    }
    void child.exited.then((exit) => this.#exited(active, exit));
  }

  #stop(
    active: ActiveRun,
    status: 'cancelled' | 'timed_out',
    signal: NodeJS.Signals,
    error: ErrorInfo,
  ): Promise<RunRecord> {
    if (active.stopping || isTerminal(active.record.status)) return active.finished;
    active.stopping = { status, error, signal };
    const child = active.process;
    if (!child) {
      const queued = this.#queue.indexOf(active.record.runId);
      if (queued >= 0) this.#queue.splice(queued, 1);
      void this.#finish(active, status, { error });
      return active.finished;
    }
    child.signalGroup(signal);
    active.timers.push(setTimeout(() => child.signalGroup('SIGKILL'), this.#options.killGraceMs));
    return active.finished;
  }

  #exited(active: ActiveRun, exit: ProcessExit): void {
    this.#running--;
    const { stopping } = active;
    const status: RunStatus = stopping?.status ?? (exit.exitCode === 0 ? 'succeeded' : 'failed');
    const error: ErrorInfo | null = stopping
      ? stopping.error
      : exit.spawnError
        ? { reason: 'spawn_failed', message: exit.spawnError.message }
        : exit.exitCode === 0
          ? null
          : exit.exitCode === null
            ? { reason: 'signal', message: `killed by ${exit.signal}` }
            : { reason: 'exit_code', message: `exited with code ${exit.exitCode}` };
    const attempt = active.attempts.at(-1)!;
    Object.assign(attempt, {
      finishedAt: new Date().toISOString(),
      exitCode: exit.exitCode,
      signal: exit.signal,
      outcome: status,
    });
    void active.events.append({
      type: 'attempt',
      attempt: attempt.attempt,
      phase: 'end',
      exitCode: exit.exitCode,
      signal: exit.signal,
    });
    void this.#finish(active, status, { exitCode: exit.exitCode, signal: exit.signal, error });
    this.#pump();
  }

  #transition(active: ActiveRun, status: RunStatus, patch: Partial<RunRecord>): void {
    assertTransition(active.record.status, status);
    active.record = { ...active.record, ...patch, status };
    void active.events.append({ type: 'status', status });
    this.#persist(active, () => writeRunJson(active.record, active.attempts));
  }

  /** Writes the final run.json and the retention files, then publishes the terminal record. */
  async #finish(active: ActiveRun, status: RunStatus, patch: Partial<RunRecord>): Promise<void> {
    for (const timer of active.timers) clearTimeout(timer);
    assertTransition(active.record.status, status);
    const final: RunRecord = { ...active.record, ...patch, status, finishedAt: new Date().toISOString() };
    const reason = final.error?.reason;
    this.#persist(active, async () => {
      await active.events.append({ type: 'status', status, ...(reason ? { reason } : {}) });
      await writeRunJson(final, active.attempts);
      await writeRetention(final, active.attempts.length);
    });
    await active.writes;
    // The record turns terminal only now, so whoever sees a finished run finds its directory complete.
    active.record = final;
    try {
      await this.#options.store.update(final);
    } catch (error) {
      this.#options.log.error('could not index a finished run', { runId: final.runId, error });
    }
    this.#active.delete(final.runId);
    active.resolveFinished(structuredClone(final));
  }

  #persist(active: ActiveRun, write: () => Promise<void>): void {
    const { store, log } = this.#options;
    active.writes = active.writes.then(write).then(
      () => (isTerminal(active.record.status) ? undefined : store.update(active.record)),
      (error: unknown) =>
        log.error('could not write the run directory', { runId: active.record.runId, error }),
    );
  }
}

function runyardEnv(run: RunRecord, attempt: number): Record<string, string> {
  return {
    RUNYARD_RUN_ID: run.runId,
    RUNYARD_RUN_DIR: run.runDir,
    RUNYARD_REPORTS_DIR: join(run.runDir, runFiles.reports),
    RUNYARD_ARTIFACTS_DIR: join(run.runDir, runFiles.artifacts),
    RUNYARD_ATTEMPT: String(attempt),
  };
}
