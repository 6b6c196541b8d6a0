// The run engine: the face the daemon's handlers use, composing admission, supervision, recovery and events.
import { join } from 'node:path';
import { background } from '../async/background.js';
import type { Logger } from '../log.js';
import { EventIndexes } from '../run-dir/event-index.js';
import { lastEventSeq, readEvents } from '../run-dir/events.js';
import { runFiles } from '../run-dir/files.js';
import { readLog } from '../run-dir/logs.js';
import { NODE_DEAD_AFTER_S } from '../schema/daemon.js';
import { RunyardError } from '../schema/errors.js';
import { withoutDaemonCredentials } from '../schema/run-env.js';
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
import type { LeaseLostError } from '../store/lease-lost.js';
import type { Store } from '../store/store.js';
import { ActiveRun, type ActiveRunParts, type ErrorInfo } from './active-run.js';
import { Admission } from './admission.js';
import { isInSharedQueue } from './create-run.js';
import { EventHub, type EventListener, type RunEventSource } from './event-hub.js';
import { isTerminal } from './lifecycle.js';
import type { OutputStream } from './process.js';
import { recoverRuns, type RecoveryCounts } from './recovery.js';
import { logRunStatus } from './run-log.js';
import { Supervisor } from './supervisor.js';
import type { RetainedOf } from './write-retained.js';

export interface EngineOptions {
  runsDir: string;
  store: Store;
  maxConcurrent: number;
  maxQueued: number;
  killGraceMs: number;
  /** This daemon's node id, recorded on every run it creates. */
  nodeId: string;
  log: Logger;
  /** The environment every run starts from; default: the daemon's own, without its caller's credentials. */
  baseEnv?: () => NodeJS.ProcessEnv;
  /** Awaited for each finished run once its directory is complete, before anyone sees it finished. */
  onFinished?: (run: RunRecord) => Promise<void>;
  /** Called with each status event of this node's runs, as it happens (a cluster's status feed). */
  onStatus?: (runId: string, event: RunEvent) => void;
  /** How a finished run is listed, where the store keeps that for other nodes (write-retained.ts). */
  retainedOf?: RetainedOf;
  /**
   * The directory of a finished run the index no longer holds (a service start replaced it), so its
   * logs and events stay readable; undefined when there is none.
   */
  runDirOfForgotten?: (runId: string) => string | undefined;
}

const terminalStatuses = runStatuses.filter(isTerminal);
const clientCancel: ErrorInfo = { reason: 'cancelled', message: 'cancelled by a client' };
const shutdownCancel: ErrorInfo = { reason: 'daemon_shutdown', message: 'the daemon shut down' };
const takenOver: ErrorInfo = { reason: 'node_lost', message: 'another node of the cluster ended this run' };
const databaseLost = (nodeId: string): ErrorInfo => ({
  reason: 'node_lost',
  message: `node ${nodeId} could not reach the database for more than ${NODE_DEAD_AFTER_S} s`,
});
// How often a run whose end waits for the database asks it again: soon at first, then every 2 s, so
// that a daemon shutting down meanwhile does not wait long for it.
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 2_000;

export class RunEngine implements RunEventSource {
  readonly #options: EngineOptions;
  /** The runs not yet finished; a run leaves only once its directory is complete. */
  readonly #active = new Map<string, ActiveRun>();
  readonly #events = new EventHub();
  /** Where each run's events.jsonl pages start: replaying a long log reads it once, not once per page. */
  readonly #eventIndexes = new EventIndexes();
  readonly #admission: Admission;
  readonly #supervisor: Supervisor;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#supervisor = new Supervisor(
      {
        requeue: (run) => this.#admission.enqueue(run),
        finish: (run, status, patch) => this.#background(this.#finish(run, status, patch), run),
        slotFreed: () => this.#admission.pump(),
        baseEnv: options.baseEnv ?? daemonEnv(),
        isClosing: () => this.#admission.isClosing,
      },
      options.log,
    );
    this.#admission = new Admission(options, {
      adopt: (parts) => this.#adopt(parts),
      lookup: (runId) => this.#active.get(runId),
      launch: (run) => this.#background(this.#supervisor.launch(run), run),
      runningCount: () => this.#supervisor.runningCount,
    });
  }

  /** Creates a run; `serviceId` is set only by the service manager, never by a client. */
  async start(params: RunStartParams, serviceId: string | null = null): Promise<RunRecord> {
    const admitted = await this.#admission.admit(params, serviceId);
    if (admitted instanceof ActiveRun) return this.#view(admitted.record);
    return (await this.#positioned([admitted]))[0]!;
  }

  async get(runId: string): Promise<RunRecord> {
    const active = this.#active.get(runId) ?? (await this.#made(runId));
    if (active) return this.#view(active.record);
    const stored = await this.#options.store.runs.get(runId);
    if (!stored) throw new RunyardError('run_not_found', { runId });
    return (await this.#positioned([stored]))[0]!;
  }

  /** The process of a run's current attempt, while it runs; null otherwise. */
  pidOf(runId: string): number | null {
    return this.#active.get(runId)?.processIdentity?.pid ?? null;
  }

  async list(params: RunListParams): Promise<RunListResult> {
    const { limit } = params;
    const runs = await this.#options.store.runs.list({
      ...(params.status ? { status: params.status } : {}),
      ...(params.labels ? { labels: params.labels } : {}),
      ...(params.actionId ? { actionId: params.actionId } : {}),
      ...(params.serviceId ? { serviceId: params.serviceId } : {}),
      ...(params.text ? { text: params.text } : {}),
      ...(params.cursor ? { before: params.cursor } : {}),
      limit: limit + 1,
    });
    const page = await this.#positioned(
      runs.slice(0, limit).map((run) => {
        const active = this.#active.get(run.runId);
        return active ? this.#view(active.record) : run;
      }),
    );
    return { runs: page, nextCursor: runs.length > limit ? page.at(-1)!.runId : null };
  }

  /**
   * A run still waiting in the cluster's queue is claimed here to be cancelled, so that it ends with
   * its directory as any other; one another node claimed meanwhile is left as it is, for the caller to
   * cancel there.
   */
  async cancel(runId: string): Promise<RunRecord> {
    const active =
      this.#active.get(runId) ?? (await this.#made(runId)) ?? (await this.#admission.claimHere(runId));
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
    const { runs } = this.#options.store;
    let forgotten = 0;
    for (;;) {
      const page = await runs.list({ serviceId, status: terminalStatuses, limit: 500 });
      const finished = page.filter((run) => !this.#active.has(run.runId)).map((run) => run.runId);
      if (finished.length === 0) return forgotten;
      forgotten += await runs.delete(finished);
    }
  }

  /** Resolves when the run has finished, `timeoutMs` passed, or `signal` (the caller went away) aborted. */
  async wait(runId: string, timeoutMs: number, signal?: AbortSignal): Promise<RunRecord> {
    const active = this.#active.get(runId) ?? (await this.#made(runId));
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

  /**
   * Where a run's files are: the index's record, else the directory of a run the index forgot; ''
   * for a run of the cluster's queue whose directory no node has made yet.
   */
  async #runDir(runId: string): Promise<{ runDir: string; isFinished: boolean }> {
    try {
      const run = await this.get(runId);
      return { runDir: run.runDir, isFinished: isTerminal(run.status) };
    } catch (error) {
      const forgotten = error instanceof RunyardError && error.reason === 'run_not_found';
      const runDir = forgotten ? this.#options.runDirOfForgotten?.(runId) : undefined;
      if (!runDir) throw error;
      return { runDir, isFinished: true };
    }
  }

  async readLog(runId: string, stream: OutputStream, offset: number, limit: number): Promise<RunLogsResult> {
    const { runDir, isFinished } = await this.#runDir(runId);
    if (runDir === '') return { text: '', offset, nextOffset: offset, size: 0, eof: false };
    return readLog(this.#options.runsDir, join(runDir, runFiles[stream]), offset, limit, isFinished);
  }

  async readEvents(runId: string, fromSeq: number, limit: number): Promise<RunEventsResult> {
    const { runDir } = await this.#runDir(runId);
    if (runDir === '') return { events: [], nextSeq: fromSeq, end: false };
    const active = this.#active.get(runId);
    await active?.events.writtenThrough();
    const { events, exhausted } = await readEvents(this.#options.runsDir, runDir, fromSeq, limit, {
      indexes: this.#eventIndexes,
    });
    const oldest = events[0]?.seq;
    if (oldest !== undefined && oldest > fromSeq) {
      throw new RunyardError('seq_not_available', { runId, fromSeq, oldestSeq: oldest });
    }
    const last = events.at(-1);
    return {
      events,
      nextSeq: last ? last.seq + 1 : fromSeq,
      end: last?.type === 'end' || (!active && exhausted),
    };
  }

  async lastSeq(runId: string): Promise<number> {
    const active = this.#active.get(runId) ?? (await this.#made(runId));
    if (active) return active.events.lastSeq;
    const run = await this.get(runId);
    if (run.runDir === '') return 0;
    return lastEventSeq(this.#options.runsDir, run.runDir, this.#eventIndexes);
  }

  isLive(runId: string, nextSeq: number): boolean {
    const active = this.#active.get(runId);
    return active !== undefined && nextSeq > active.events.lastSeq;
  }

  onEvent(runId: string | null, listener: EventListener): () => void {
    return this.#events.on(runId, listener);
  }

  /** A status event of another node's run, for this node's subscribers to every run's status. */
  emitStatusOfOther(runId: string, event: RunEvent): void {
    this.#events.emitStatus(runId, event);
  }

  /** Takes over what a previous daemon left (see recoverRuns). Call once, before `startQueue`. */
  recover(): Promise<RecoveryCounts> {
    const { runsDir, retainedOf, store, log } = this.#options;
    return recoverRuns({
      runsDir,
      retainedOf,
      runs: store.runs,
      log,
      adopt: (parts) =>
        this.#adopt({
          ...parts,
          release: this.#admission.claims.hold(parts.record.runDir, parts.record.runId),
        }),
      requeue: (run) => this.#admission.enqueue(run),
      finish: (run, status, patch) => this.#finish(run, status, patch),
      finishAs: (run: ActiveRun, verdict: RunRecord) => this.#finishAs(run, verdict),
      onRetained: async (run) => this.#options.onFinished?.(run),
      ...(store.queue ? { handBack: (stored) => this.#admission.handBack(stored.record.runId) } : {}),
    });
  }

  /**
   * Asks the store whether this node still holds its running and retrying runs; those another node
   * ended (failover, while this node was paused or cut off) are stopped here and their directories
   * made to agree with the database. Called after each heartbeat of a cluster node.
   */
  async checkLeases(): Promise<void> {
    const held = [...this.#active.values()].filter(
      (active) =>
        (active.record.status === 'running' || active.record.status === 'retrying') && !active.leaseLost,
    );
    if (held.length === 0) return;
    for (const lost of await this.#options.store.runs.lost(held.map((active) => active.runId))) {
      const active = this.#active.get(lost.runId);
      // One that finished meanwhile confirms its lease itself before it writes its end.
      if (active && !active.isFinishing && !isTerminal(active.record.status)) active.loseLease(lost);
    }
  }

  /**
   * This node has not reached the database for as long as the others wait before ending its runs:
   * it stops them itself (SIGKILL), and ends each once the database answers, as the database says.
   * Queued runs wait until databaseBack.
   */
  stopForLostDatabase(): void {
    this.#admission.hold(true);
    for (const active of this.#active.values()) {
      if (active.record.status !== 'running' && active.record.status !== 'retrying') continue;
      active.isCutOff = true;
      this.#stopHere(active, databaseLost(this.#options.nodeId));
    }
  }

  /** A heartbeat landed again after stopForLostDatabase: queued runs start again. */
  databaseBack(): void {
    this.#admission.hold(false);
  }

  /** Starts running queued runs: once the daemon serves, so a start that fails leaves no process behind. */
  startQueue(): void {
    this.#admission.open();
  }

  /** Cancels running and retrying runs (recorded as cancelled by daemon shutdown); queued runs stay queued. */
  async close(): Promise<void> {
    this.#admission.close();
    const stopping = [...this.#active.values()].filter((active) => active.record.status !== 'queued');
    await Promise.all(stopping.map((active) => this.#cancel(active, shutdownCancel)));
    await Promise.all(
      [...this.#active.values()].map(async (active) => {
        await active.settled();
        await active.events.close();
      }),
    );
  }

  #adopt(parts: ActiveRunParts): ActiveRun {
    const run = new ActiveRun(parts, {
      retainedOf: this.#options.retainedOf,
      runs: this.#options.store.runs,
      log: this.#options.log,
      onEvent: (runId, event) => {
        // The run's record already holds what the event says: one place logs every run's start and end.
        if (event.type === 'status') {
          logRunStatus(this.#options.log, run.record, event);
          this.#options.onStatus?.(runId, event);
        }
        this.#events.emit(runId, event);
      },
      onWriteFailed: (failing, file, error) => this.#supervisor.ioFailed(failing, file, error),
      onLeaseLost: (lost, error) => this.#leaseLost(lost, error),
    });
    this.#active.set(run.runId, run);
    return run;
  }

  /** Another node ended the run: stop what runs of it here; its end then follows the database. */
  #leaseLost(active: ActiveRun, error: LeaseLostError): void {
    this.#options.log.warn('lease lost', { runId: active.runId, nodeId: error.nodeId, epoch: error.epoch });
    this.#stopHere(active, takenOver);
  }

  /** Kills a running attempt at once, or ends a run between attempts: it is not this node's to go on with. */
  #stopHere(active: ActiveRun, error: ErrorInfo): void {
    if (active.isFinishing || isTerminal(active.record.status)) return;
    if (active.record.status === 'running') {
      this.#supervisor.kill(active, error);
    } else if (active.record.status === 'retrying') {
      this.#admission.withdraw(active.runId);
      this.#background(this.#finish(active, 'interrupted', { error, nextAttemptAt: null }), active);
    }
  }

  #cancel(active: ActiveRun, error: ErrorInfo): Promise<RunRecord> {
    if (active.cancelled || active.isFinishing || isTerminal(active.record.status)) return active.finished;
    active.cancelled = error;
    if (active.record.status === 'running') {
      this.#supervisor.stop(active, 'cancelled', error);
    } else {
      // Queued, or retrying between attempts: nothing runs, so it ends right here.
      this.#admission.withdraw(active.runId);
      this.#background(this.#finish(active, 'cancelled', { error, nextAttemptAt: null }), active);
    }
    return active.finished;
  }

  /**
   * Completes the run's directory and index, then lets everyone waiting for it see it finished. On a
   * store that several nodes share, the end is written only while this node holds the run; when another
   * node has ended it, the directory is made to agree with the database instead.
   */
  async #finish(active: ActiveRun, status: RunStatus, patch: Partial<RunRecord>): Promise<void> {
    active.isFinishing = true;
    const holds = await this.#whenAnswered(active, () => active.holdsLease(), true);
    if (holds === undefined) return this.#abandon(active);
    if (!holds) return this.#finishAs(active, undefined, { ...patch, status });
    const final = await active.completeDirectory(status, patch);
    const indexed = await this.#whenAnswered(active, () => active.indexFinished(), true);
    if (indexed === undefined) return this.#abandon(active);
    // Lost between the check and the write: run.json and the summary are written again, as the
    // database says, and no terminal event has been written yet.
    if (!indexed) return this.#finishAs(active, undefined, final);
    await active.endEvents();
    if (!(await this.#recorded(active))) return this.#abandon(active);
    await this.#published(active, final);
  }

  /**
   * Ends a run another node has ended, as the database says (`verdict`, read here when not given).
   * With no terminal record there (its row is gone), the run's own end goes to its directory only.
   */
  async #finishAs(active: ActiveRun, verdict?: RunRecord, ownEnd: Partial<RunRecord> = {}): Promise<void> {
    active.isFinishing = true;
    const read = verdict
      ? { verdict }
      : await this.#whenAnswered(
          active,
          async () => ({ verdict: await this.#options.store.runs.get(active.runId) }),
          { verdict: undefined },
        );
    if (read === undefined) return this.#abandon(active);
    const final =
      read.verdict && isTerminal(read.verdict.status)
        ? read.verdict
        : { ...active.record, ...ownEnd, finishedAt: new Date().toISOString() };
    await active.finishAs(final);
    if (!(await this.#recorded(active))) return this.#abandon(active);
    await this.#published(active, final);
  }

  /** Records where the run's files are, asked again until answered; false when the daemon began to shut down. */
  async #recorded(active: ActiveRun): Promise<boolean> {
    const recorded = await this.#whenAnswered(active, async () => (await active.recordResults(), true), true);
    return recorded !== undefined;
  }

  /**
   * `work`'s result, asked again until the database answers; undefined when the daemon began to shut
   * down meanwhile. A failure is logged once per run, not at each try. On a store of one node (SQLite,
   * memory) a failure is no database away for a while: it is logged, and `otherwise` is the answer.
   */
  async #whenAnswered<T>(active: ActiveRun, work: () => Promise<T>, otherwise: T): Promise<T | undefined> {
    for (let delay = RETRY_FIRST_MS, tries = 0; ; delay = Math.min(delay * 2, RETRY_MAX_MS), tries++) {
      try {
        return await work();
      } catch (error) {
        if (!this.#options.store.nodes) {
          this.#options.log.error('could not record a run change', { runId: active.runId, error });
          return otherwise;
        }
        if (this.#admission.isClosing) return undefined;
        if (tries === 0)
          this.#options.log.warn('the database does not answer; the run ends once it does', {
            runId: active.runId,
            error,
          });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * The daemon shuts down while the database does not answer: the run is left as the index has it,
   * for this node's next start (recovery) or another node's failover to end.
   */
  async #abandon(active: ActiveRun): Promise<void> {
    await active.settled();
    await active.events.close();
    this.#active.delete(active.runId);
    active.resolve(this.#view(active.record));
  }

  /** Tells whoever waits for the run that it finished, once its directory and the index say so. */
  async #published(active: ActiveRun, final: RunRecord): Promise<void> {
    try {
      await this.#options.onFinished?.(final);
    } catch (error) {
      this.#options.log.error('could not index a retained run', { runId: final.runId, error });
    }
    this.#active.delete(final.runId);
    active.resolve(this.#view(final));
  }

  /** Work the engine starts and does not wait for: a failure is a bug, logged with the run it hit. */
  #background(work: Promise<void>, run: ActiveRun): void {
    background(work, this.#options.log, 'run supervision failed', { runId: run.runId });
  }

  /**
   * A run this node is making from the cluster's queue, once made: the database says it is this node's
   * a moment before the engine has it, and a caller who knows its id may ask in between.
   */
  async #made(runId: string): Promise<ActiveRun | undefined> {
    const making = this.#admission.making(runId);
    if (!making) return undefined;
    await making;
    return this.#active.get(runId);
  }

  /** Records from the index, those waiting in the cluster's queue with their place there. */
  async #positioned(records: RunRecord[]): Promise<RunRecord[]> {
    const { queue } = this.#options.store;
    const waiting = records.filter(isInSharedQueue);
    if (!queue || waiting.length === 0) return records;
    const positions = await queue.positions(waiting.map((record) => record.runId));
    return records.map((record) =>
      positions.has(record.runId) ? { ...record, queuePosition: positions.get(record.runId)! } : record,
    );
  }

  /** A copy for callers, with the queue position filled in. */
  #view(record: RunRecord): RunRecord {
    const queuePosition =
      record.status === 'queued' || record.status === 'retrying'
        ? this.#admission.position(record.runId)
        : undefined;
    return { ...structuredClone(record), queuePosition: queuePosition ?? null };
  }
}

/**
 * The daemon's environment, read once: copying process.env goes through a getter per variable,
 * which cost more than anything else a trivial run's spawn did in JavaScript. The daemon never
 * changes its own environment, so the copy stays right.
 */
function daemonEnv(): () => NodeJS.ProcessEnv {
  let env: NodeJS.ProcessEnv | undefined;
  return () => (env ??= withoutDaemonCredentials(process.env));
}
