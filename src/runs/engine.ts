// The run engine: creates runs, queues them by priority, supervises attempts, retries, and completes directories.
import { stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Logger } from '../log.js';
import { readEvents, repairEventLog } from '../run-dir/events.js';
import { runFiles } from '../run-dir/files.js';
import { readLog } from '../run-dir/logs.js';
import { completePlan } from '../run-dir/plan.js';
import { isProblem, RunDirReader } from '../run-dir/read.js';
import { RunFileError, writeRetention, writeRunJson } from '../run-dir/write.js';
import { RunyardError } from '../schema/errors.js';
import type { RunEvent, RunEventsResult } from '../schema/run-event.js';
import { runStatuses } from '../schema/run-record.js';
import type {
  RunListParams,
  RunListResult,
  RunLogsResult,
  RunRecord,
  RunStartParams,
  RunStatus,
} from '../schema/run.js';
import type { RunStore, StoredRun } from '../store/store.js';
import { makeActiveRun, storedRunOf, type ActiveRun, type ErrorInfo } from './active-run.js';
import { createRun, runyardEnv } from './create-run.js';
import { applyAction, plainSpec } from './run-spec.js';
import { assertTransition, isTerminal } from './lifecycle.js';
import { spawnProcess, unstartedProcess, type OutputStream, type ProcessExit } from './process.js';
import { identify, terminateGroup } from './process-identity.js';
import { parseProgressLine } from './progress.js';
import { RunQueue } from './queue.js';
import { resolveRetry, retryDelayMs, shouldRetry } from './retry.js';
import { RunDirClaims } from './run-dir-claims.js';

export interface EngineOptions {
  runsDir: string;
  store: RunStore;
  maxConcurrent: number;
  maxQueued: number;
  killGraceMs: number;
  log: Logger;
  /** Awaited for each finished run once its directory is complete, before anyone sees it finished. */
  onFinished?: (run: RunRecord) => Promise<void>;
}

export type EventListener = (runId: string, event: RunEvent) => void;

const terminalStatuses = runStatuses.filter(isTerminal);
const clientCancel: ErrorInfo = { reason: 'cancelled', message: 'cancelled by a client' };
const shutdownCancel: ErrorInfo = { reason: 'daemon_shutdown', message: 'the daemon shut down' };

export class RunEngine {
  readonly #options: EngineOptions;
  readonly #active = new Map<string, ActiveRun>();
  readonly #queue = new RunQueue();
  readonly #claims = new RunDirClaims();
  readonly #startsByKey = new Map<string, Promise<RunRecord>>();
  readonly #runListeners = new Map<string, Set<EventListener>>();
  readonly #statusListeners = new Set<EventListener>();
  #running = 0;
  #closing = false;

  constructor(options: EngineOptions) {
    this.#options = options;
  }

  /** Creates a run; `serviceId` is set only by the service manager, never by a client. */
  async start(params: RunStartParams, serviceId: string | null = null): Promise<RunRecord> {
    if (this.#closing) throw new RunyardError('daemon_shutting_down', {});
    const key = params.idempotencyKey;
    if (key === undefined) return this.#create(params, serviceId);
    // Two concurrent starts with one key must share one run: the second joins the first's promise.
    const pending = this.#startsByKey.get(key);
    if (pending) return pending;
    const started = (async () =>
      (await this.#options.store.findByIdempotencyKey(key)) ?? this.#create(params, serviceId))();
    this.#startsByKey.set(key, started);
    try {
      return await started;
    } finally {
      this.#startsByKey.delete(key);
    }
  }

  async get(runId: string): Promise<RunRecord> {
    const active = this.#active.get(runId);
    if (active) return this.#view(active.record);
    const stored = await this.#options.store.get(runId);
    if (!stored) throw new RunyardError('run_not_found', { runId });
    return stored;
  }

  async list(params: RunListParams): Promise<RunListResult> {
    const limit = params.limit ?? 50;
    const runs = await this.#options.store.list({
      ...(params.status ? { status: params.status } : {}),
      ...(params.labels ? { labels: params.labels } : {}),
      ...(params.actionId ? { actionId: params.actionId } : {}),
      ...(params.serviceId ? { serviceId: params.serviceId } : {}),
      ...(params.cursor ? { before: params.cursor } : {}),
      limit: limit + 1,
    });
    const page = runs.slice(0, limit).map((run) => this.#view(this.#active.get(run.runId)?.record ?? run));
    return { runs: page, nextCursor: runs.length > limit ? page.at(-1)!.runId : null };
  }

  async cancel(runId: string): Promise<RunRecord> {
    const active = this.#active.get(runId);
    if (!active) return this.get(runId);
    return this.#cancel(active, clientCancel);
  }

  /** Cancels every unfinished run of a service and resolves when all have ended. */
  async cancelService(serviceId: string, error: ErrorInfo = clientCancel): Promise<RunRecord[]> {
    const mine = [...this.#active.values()].filter((active) => active.record.serviceId === serviceId);
    return Promise.all(mine.map((active) => this.#cancel(active, error)));
  }

  /** Removes a service's finished runs from the index (their run directories stay); returns how many. */
  async forgetFinished(serviceId: string): Promise<number> {
    const { store } = this.#options;
    let forgotten = 0;
    for (;;) {
      const page = await store.list({ serviceId, status: terminalStatuses, limit: 500 });
      const finished = page.filter((run) => !this.#active.has(run.runId)).map((run) => run.runId);
      if (finished.length === 0) return forgotten;
      forgotten += await store.delete(finished);
    }
  }

  /** Resolves when the run has finished, `timeoutMs` passed, or `signal` (the caller went away) aborted. */
  async wait(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<RunRecord> {
    const active = this.#active.get(runId);
    if (!active) return this.get(runId);
    let timer: NodeJS.Timeout | undefined;
    let stopWaiting = () => {};
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      stopWaiting = () => resolve();
      if (signal?.aborted) resolve();
      else signal?.addEventListener('abort', stopWaiting, { once: true });
    });
    try {
      await Promise.race([active.finished, timedOut]);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stopWaiting);
    }
    return this.get(runId);
  }

  async readLog(runId: string, stream: OutputStream, offset: number, limit: number): Promise<RunLogsResult> {
    const run = await this.get(runId);
    return readLog(
      this.#options.runsDir,
      join(run.runDir, runFiles[stream]),
      offset,
      limit,
      isTerminal(run.status),
    );
  }

  /** A page of a run's event log as it is on disk, waiting first for events not yet written. */
  async readEvents(runId: string, fromSeq: number, limit: number): Promise<RunEventsResult> {
    const run = await this.get(runId);
    const active = this.#active.get(runId);
    await active?.events.writtenThrough();
    const events = await readEvents(this.#options.runsDir, run.runDir, fromSeq, limit);
    const oldest = events[0]?.seq;
    if (oldest !== undefined && oldest > fromSeq) {
      throw new RunyardError('seq_not_available', { runId, fromSeq, oldestSeq: oldest });
    }
    const last = events.at(-1);
    return {
      events,
      nextSeq: last ? last.seq + 1 : fromSeq,
      end: last?.type === 'end' || (!active && events.length < limit),
    };
  }

  /** The seq of the newest event; 0 before the first. */
  async lastSeq(runId: string): Promise<number> {
    const active = this.#active.get(runId);
    if (active) return active.events.lastSeq;
    const run = await this.get(runId);
    return (
      (await readEvents(this.#options.runsDir, run.runDir, 1, Number.MAX_SAFE_INTEGER, false)).at(-1)?.seq ??
      0
    );
  }

  /** True when every event before `nextSeq` has been emitted and the run is still producing events. */
  isLive(runId: string, nextSeq: number): boolean {
    const active = this.#active.get(runId);
    return active !== undefined && nextSeq > active.events.lastSeq;
  }

  /** Listens to every event of one run, or (runId null) to status events of all runs. */
  onEvent(runId: string | null, listener: EventListener): () => void {
    if (runId === null) {
      this.#statusListeners.add(listener);
      return () => this.#statusListeners.delete(listener);
    }
    const listeners = this.#runListeners.get(runId) ?? new Set();
    this.#runListeners.set(runId, listeners.add(listener));
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#runListeners.get(runId) === listeners)
        this.#runListeners.delete(runId);
    };
  }

  /**
   * Takes over what a previous daemon left in the store. Queued runs are queued again, in their old
   * order. Running and retrying runs become interrupted (reason daemon_restart): their process groups
   * are stopped and their run directories completed. Call once, before serving.
   */
  async recover(): Promise<{ requeued: number; interrupted: number; completed: number }> {
    const counts = { requeued: 0, interrupted: 0, completed: 0 };
    for (const stored of await this.#options.store.listUnretained())
      if (await this.#complete(stored)) counts.completed++;
    for (const stored of await this.#options.store.listUnfinished()) {
      const { record } = stored;
      let active: ActiveRun;
      try {
        active = await this.#revive(stored);
      } catch (error) {
        // The directory is gone or unreadable: the index still must not show a run as active, and
        // nothing is written into a directory that no longer holds what this run left there.
        const message = `the run directory could not be continued after a restart: ${(error as Error).message}`;
        this.#options.log.warn('run directory unusable; marking the run interrupted', {
          runId: record.runId,
          runDir: record.runDir,
          error: (error as Error).message,
        });
        const error_ = { reason: 'run_dir_missing', message };
        const finishedAt = new Date().toISOString();
        await this.#options.store.update({
          ...stored,
          record: { ...record, status: 'interrupted', error: error_, finishedAt },
        });
        counts.interrupted++;
        continue;
      }
      const lostEnv = active.plan.envNames.filter(
        (name) => !name.startsWith('RUNYARD_') && stored.request.env?.[name] === undefined,
      );
      if (record.status === 'queued' && lostEnv.length === 0) {
        this.#queue.push(record.runId, record.priority);
        counts.requeued++;
        continue;
      }
      if (record.status === 'queued') {
        // Env values never reach the disk, so an index rebuilt from it cannot start this run as asked.
        await this.#finish(active, 'interrupted', {
          error: {
            reason: 'request_lost',
            message: `the values of ${lostEnv.join(', ')} were lost with the index`,
          },
        });
        counts.interrupted++;
        continue;
      }
      if (stored.process) await terminateGroup(stored.process, active.plan.killGraceMs);
      const attempt = active.attempts.at(-1);
      if (attempt && attempt.finishedAt === null) {
        Object.assign(attempt, { finishedAt: new Date().toISOString(), outcome: 'interrupted' });
        active.events.append({
          type: 'attempt',
          attempt: attempt.attempt,
          phase: 'end',
          outcome: 'interrupted',
          stdoutOffset: active.logSizes.stdout,
          stderrOffset: active.logSizes.stderr,
        });
      }
      await this.#finish(active, 'interrupted', {
        error: { reason: 'daemon_restart', message: 'the daemon stopped while this run was active' },
        nextAttemptAt: null,
      });
      counts.interrupted++;
    }
    this.#pump();
    return counts;
  }

  /**
   * Writes the retention files of a finished run whose directory never got them (the disk was full,
   * or the daemon died between its last run.json and the summary), when the directory is still its own.
   */
  async #complete(stored: StoredRun): Promise<boolean> {
    const { record } = stored;
    const { runsDir, store, log } = this.#options;
    const dir = relative(runsDir, record.runDir).split(sep).join('/');
    const reader = new RunDirReader(runsDir, dir);
    const plan = completePlan(reader.plan(), dir);
    if (isProblem(plan) || plan.runId !== record.runId || reader.summary().state !== 'missing') return false;
    try {
      await writeRunJson(record, stored.attempts);
      const results = await writeRetention(record, stored.attempts.length);
      await store.update({ ...stored, results });
      await this.#options.onFinished?.(record);
      return true;
    } catch (error) {
      log.warn('could not complete the directory of a finished run', { runId: record.runId, error });
      return false;
    }
  }

  /** Cancels running and retrying runs (recorded as cancelled by daemon shutdown); queued runs stay queued. */
  async close(): Promise<void> {
    this.#closing = true;
    this.#queue.clear();
    const stopping = [...this.#active.values()].filter((active) => active.record.status !== 'queued');
    await Promise.all(stopping.map((active) => this.#cancel(active, shutdownCancel)));
    await Promise.all(
      [...this.#active.values()].map(async (active) => {
        await active.writes;
        await active.events.close();
      }),
    );
  }

  async #create(params: RunStartParams, serviceId: string | null): Promise<RunRecord> {
    const { runsDir, store, maxQueued, killGraceMs } = this.#options;
    if (this.#queue.size >= maxQueued) throw new RunyardError('queue_full', { limit: maxQueued });
    const action = params.action === undefined ? undefined : await store.getAction(params.action);
    if (params.action !== undefined && !action)
      throw new RunyardError('action_not_found', { name: params.action });
    const spec = action ? applyAction(action.spec, params) : plainSpec(params);
    const provenance = { actionId: action?.spec.name ?? null, serviceId };
    const created = await createRun(spec, provenance, {
      runsDir,
      claims: this.#claims,
      defaultKillGraceMs: killGraceMs,
    });
    const { record } = created;
    try {
      await store.insert({ record, request: spec, attempts: [], process: null, results: null });
    } catch (error) {
      await created.discard();
      throw new RunyardError('index_failed', { cause: (error as Error).message });
    }
    const active = makeActiveRun({
      ...created,
      request: spec,
      attempts: [],
      logSizes: { stdout: 0, stderr: 0 },
      lastSeq: 0,
      onEvent: (event) => this.#emit(record.runId, event),
      onLogFailed: (error) => this.#logFailed(record.runId, runFiles.events, error),
    });
    this.#active.set(record.runId, active);
    active.events.append({ type: 'status', status: 'queued' });
    this.#queue.push(record.runId, record.priority);
    this.#pump();
    return this.#view(active.record);
  }

  /** Rebuilds the in-memory state of a run from the store and its run directory; throws when the directory cannot serve. */
  async #revive(stored: StoredRun): Promise<ActiveRun> {
    const { record } = stored;
    const { runsDir } = this.#options;
    const dir = relative(runsDir, record.runDir).split(sep).join('/');
    const reader = new RunDirReader(runsDir, dir);
    const plan = completePlan(reader.plan(), dir);
    if (isProblem(plan)) throw new Error(plan.message);
    if (plan.runId !== record.runId) throw new Error(`${runFiles.plan} is the plan of run ${plan.runId}`);
    const lastSeq = await repairEventLog(runsDir, record.runDir);
    const sizeOf = (file: string) =>
      stat(join(record.runDir, file)).then(
        (info) => info.size,
        () => 0,
      );
    const active = makeActiveRun({
      record,
      plan,
      request: stored.request,
      retry: plan.retry ?? resolveRetry(stored.request.retry),
      attempts: stored.attempts,
      logSizes: { stdout: await sizeOf(runFiles.stdout), stderr: await sizeOf(runFiles.stderr) },
      lastSeq,
      onEvent: (event) => this.#emit(record.runId, event),
      onLogFailed: (error) => this.#logFailed(record.runId, runFiles.events, error),
      release: this.#claims.hold(record.runDir, record.runId),
    });
    this.#active.set(record.runId, active);
    return active;
  }

  #pump(): void {
    while (!this.#closing && this.#running < this.#options.maxConcurrent) {
      const runId = this.#queue.shift();
      if (runId === undefined) return;
      const active = this.#active.get(runId);
      if (active) this.#launch(active);
    }
  }

  #launch(active: ActiveRun): void {
    this.#running++;
    const { record, plan } = active;
    const attempt = record.attempt + 1;
    const startedAt = new Date().toISOString();
    const spec = {
      command: plan.command,
      argv: plan.argv,
      cwd: plan.cwd,
      env: { ...process.env, ...active.request.env, ...runyardEnv(record, attempt) },
      logs: {
        stdout: { path: join(record.runDir, runFiles.stdout), offset: active.logSizes.stdout },
        stderr: { path: join(record.runDir, runFiles.stderr), offset: active.logSizes.stderr },
      },
    };
    // A run whose files cannot be written is not started again: nothing it did could be recorded.
    const child = active.ioFailure
      ? unstartedProcess({ reason: 'io_error', message: active.ioFailure.message }, spec)
      : spawnProcess(spec, {
          output: (stream, offset, bytes) =>
            active.events.append({
              type: 'output',
              stream,
              offset,
              length: bytes.length,
              text: bytes.toString('utf8'),
            }),
          progressLine: (line) => this.#progress(active, line),
          logFailed: (stream, error) => this.#logFailed(record.runId, runFiles[stream], error),
        });
    active.process = child;
    active.processIdentity = identify(child.pid);
    active.attempts.push({
      attempt,
      pid: child.pid ?? null,
      startedAt,
      finishedAt: null,
      exitCode: null,
      signal: null,
      outcome: null,
    });
    this.#transition(active, 'running', {
      attempt,
      startedAt: record.startedAt ?? startedAt,
      nextAttemptAt: null,
    });
    // The index learns of the process now, not after run.json is written: a daemon killed in between left
    // the run indexed as queued, so the next one started it again while this process lived on, untracked.
    void this.#options.store
      .update(storedRunOf(active))
      .catch((error: unknown) =>
        this.#options.log.error('could not record a run change', { runId: record.runId, error }),
      );
    active.events.append({
      type: 'attempt',
      attempt,
      phase: 'start',
      pid: child.pid ?? null,
      stdoutOffset: active.logSizes.stdout,
      stderrOffset: active.logSizes.stderr,
    });
    const { timeoutMs } = record;
    if (timeoutMs !== null) {
      active.timers.push(
        setTimeout(
          () =>
            this.#stopAttempt(active, 'timed_out', {
              reason: 'timeout',
              message: `timed out after ${timeoutMs} ms`,
            }),
          timeoutMs,
        ),
      );
    }
    void child.exited.then((exit) => this.#exited(active, exit));
  }

  #progress(active: ActiveRun, line: string): void {
    const report = parseProgressLine(line);
    if (report) {
      active.record = { ...active.record, progress: { ...report, at: new Date().toISOString() } };
      active.events.append({ type: 'progress', ...report });
    } else if (!active.reportedBadProgress) {
      active.reportedBadProgress = true;
      active.events.append({
        type: 'note',
        message: `ignored fd 3 input that is not a progress report (reported once per run): ${line.slice(0, 100)}`,
      });
    }
  }

  #cancel(active: ActiveRun, error: ErrorInfo): Promise<RunRecord> {
    if (active.cancelled || isTerminal(active.record.status)) return active.finished;
    active.cancelled = error;
    if (active.record.status === 'running') {
      this.#stopAttempt(active, 'cancelled', error);
    } else {
      // queued, or retrying between attempts: nothing runs, so it ends right here
      this.#queue.remove(active.record.runId);
      void this.#finish(active, 'cancelled', { error, nextAttemptAt: null });
    }
    return active.finished;
  }

  /**
   * A file of the run cannot be written (a full disk, an IO error): the attempt is stopped and the
   * run fails with reason io_error. The daemon and every other run go on.
   */
  #logFailed(runId: string, file: string, thrown: Error): void {
    const error = thrown instanceof RunFileError ? thrown.cause : thrown;
    const active = this.#active.get(runId);
    // The first failure is the run's: a full disk fails its log, its events and its files at once.
    if (!active || active.ioFailure) return;
    const message = `could not write ${file}: ${(error as NodeJS.ErrnoException).code ?? error.message}`;
    active.ioFailure = { reason: 'io_error', message };
    this.#options.log.error('a run file cannot be written; failing the run', {
      runId,
      file,
      error: error.message,
    });
    if (active.record.status === 'running') this.#stopAttempt(active, 'failed', active.ioFailure);
  }

  #stopAttempt(active: ActiveRun, status: 'cancelled' | 'timed_out' | 'failed', error: ErrorInfo): void {
    const child = active.process;
    if (!child || active.stopping) return;
    active.stopping = { status, error };
    child.signalGroup('SIGTERM');
    active.timers.push(setTimeout(() => child.signalGroup('SIGKILL'), active.plan.killGraceMs));
  }

  #exited(active: ActiveRun, exit: ProcessExit): void {
    this.#running--;
    for (const timer of active.timers.splice(0)) clearTimeout(timer);
    active.logSizes = exit.logSizes;
    active.process = undefined;
    active.processIdentity = null;
    const { stopping } = active;
    active.stopping = undefined;
    const outcome: RunStatus =
      stopping?.status ?? (exit.exitCode === 0 && !exit.failure ? 'succeeded' : 'failed');
    const error: ErrorInfo | null = stopping
      ? stopping.error
      : exit.failure
        ? exit.failure
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
      outcome,
    });
    active.events.append({
      type: 'attempt',
      attempt: attempt.attempt,
      phase: 'end',
      exitCode: exit.exitCode,
      signal: exit.signal,
      outcome,
      stdoutOffset: exit.logSizes.stdout,
      stderrOffset: exit.logSizes.stderr,
    });
    const result = { exitCode: exit.exitCode, signal: exit.signal, error };
    // A run whose files cannot be written would only fail the same way again.
    const isRetryable = error?.reason !== 'io_error' && !active.ioFailure;
    if (
      isRetryable &&
      !active.cancelled &&
      !this.#closing &&
      shouldRetry(active.retry, outcome, attempt.attempt)
    ) {
      this.#scheduleRetry(active, result);
    } else {
      void this.#finish(active, outcome, result);
    }
    this.#pump();
  }

  #scheduleRetry(active: ActiveRun, result: Pick<RunRecord, 'exitCode' | 'signal' | 'error'>): void {
    const delay = retryDelayMs(active.retry, active.record.attempt);
    const nextAttemptAt = new Date(Date.now() + delay).toISOString();
    this.#transition(
      active,
      'retrying',
      { ...result, nextAttemptAt },
      { reason: result.error?.reason, nextAttemptAt },
    );
    active.timers.push(
      setTimeout(() => {
        this.#queue.push(active.record.runId, active.record.priority);
        this.#pump();
      }, delay),
    );
  }

  #transition(
    active: ActiveRun,
    status: RunStatus,
    patch: Partial<RunRecord>,
    detail: { reason?: string | undefined; nextAttemptAt?: string } = {},
  ): void {
    assertTransition(active.record.status, status);
    active.record = { ...active.record, ...patch, status };
    active.events.append({ type: 'status', status, ...definedOnly(detail) });
    this.#persist(active, async () => {
      // The index is updated even when run.json cannot be: it is what answers for the run meanwhile.
      await writeRunJson(active.record, active.attempts).catch((error: Error) =>
        this.#logFailed(active.record.runId, runFiles.run, error),
      );
      await this.#options.store.update(storedRunOf(active));
    });
  }

  /**
   * Writes the final run.json and the retention files, then publishes the terminal record. A run
   * whose files could not all be written (a full disk) ends failed with io_error: its results are not
   * what its directory holds.
   */
  async #finish(active: ActiveRun, status: RunStatus, patch: Partial<RunRecord>): Promise<void> {
    for (const timer of active.timers.splice(0)) clearTimeout(timer);
    assertTransition(active.record.status, status);
    const wasRunning = active.record.status === 'running';
    let final: RunRecord = { ...active.record, ...patch, status, finishedAt: new Date().toISOString() };
    this.#persist(active, async () => {
      try {
        await writeRunJson(final, active.attempts);
        active.results = await writeRetention(final, active.attempts.length);
      } catch (error) {
        this.#logFailed(
          final.runId,
          error instanceof RunFileError ? error.file : `${runFiles.artifacts}/`,
          error as Error,
        );
      }
    });
    await active.writes;
    // A cancel stays a cancel; any other outcome of a run whose record is incomplete is this failure.
    if (wasRunning && active.ioFailure && status !== 'cancelled' && final.error?.reason !== 'io_error')
      final = { ...final, status: 'failed', error: active.ioFailure };
    // The record turns terminal only now, so whoever sees a finished run finds its directory complete.
    active.record = final;
    active.events.append({
      type: 'status',
      status: final.status,
      ...definedOnly({ reason: final.error?.reason }),
    });
    active.events.append({ type: 'end', status: final.status });
    await active.events.close();
    try {
      await this.#options.store.update(storedRunOf(active, final));
    } catch (error) {
      this.#options.log.error('could not index a finished run', { runId: final.runId, error });
    }
    try {
      await this.#options.onFinished?.(final);
    } catch (error) {
      this.#options.log.error('could not index a retained run', { runId: final.runId, error });
    }
    this.#active.delete(final.runId);
    active.resolveFinished(this.#view(final));
  }

  #persist(active: ActiveRun, write: () => Promise<void>): void {
    active.writes = active.writes
      .then(write)
      .catch((error: unknown) =>
        this.#options.log.error('could not record a run change', { runId: active.record.runId, error }),
      );
  }

  #emit(runId: string, event: RunEvent): void {
    for (const listener of this.#runListeners.get(runId) ?? []) listener(runId, event);
    if (event.type === 'status') for (const listener of this.#statusListeners) listener(runId, event);
  }

  /** A copy for callers, with the queue position filled in. */
  #view(record: RunRecord): RunRecord {
    const queuePosition =
      record.status === 'queued' || record.status === 'retrying'
        ? this.#queue.position(record.runId)
        : undefined;
    return { ...structuredClone(record), queuePosition: queuePosition ?? null };
  }
}

const definedOnly = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
