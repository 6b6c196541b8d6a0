// A run the engine still supervises: its record and its transitions, its timers, and its one ordered write path.
import { background } from '../async/background.js';
import { SerialQueue } from '../async/serial.js';
import type { Logger } from '../log.js';
import { runFiles } from '../run-dir/files.js';
import { RunFileError, writeRunJson, type RunResults } from '../run-dir/write.js';
import type { RunEvent } from '../schema/run-event.js';
import type { AttemptRecord, RunPlan } from '../schema/run-dir.js';
import type { RunRecord, RunSpec, RunStatus } from '../schema/run.js';
import { isLeaseLost, type LeaseLostError } from '../store/lease-lost.js';
import type { ProcessIdentity, RunTable, StoredRun } from '../store/store.js';
import { EventLog } from './event-log.js';
import { assertTransition } from './lifecycle.js';
import type { OutputStream, RunningProcess } from './process.js';
import type { ResolvedRetry } from './retry.js';
import { writeRetained, type RetainedOf } from './write-retained.js';

export type ErrorInfo = NonNullable<RunRecord['error']>;
export type StopStatus = 'cancelled' | 'timed_out' | 'failed' | 'interrupted';

export interface ActiveRunParts {
  record: RunRecord;
  plan: RunPlan;
  /** What run.start asked for, env values included; kept in the store while queued, never in the run directory. */
  request: RunSpec;
  retry: ResolvedRetry;
  attempts: AttemptRecord[];
  logSizes: Record<OutputStream, number>;
  /** Seq of the last event already in events.jsonl (a revived run continues its log). */
  lastSeq: number;
  /** Frees the run directory for others once the run has finished. */
  release: () => void;
}

export interface ActiveRunContext {
  /** How a finished run is listed, for a store that keeps that for other nodes (write-retained.ts). */
  retainedOf?: RetainedOf;
  runs: RunTable;
  log: Logger;
  onEvent: (runId: string, event: RunEvent) => void;
  /** A file of the run could not be written. */
  onWriteFailed: (run: ActiveRun, file: string, error: Error) => void;
  /** A write of the run was fenced off: another node ended it. Called once per run. */
  onLeaseLost: (run: ActiveRun, error: LeaseLostError) => void;
}

type StatusDetail = { reason?: string | undefined; nextAttemptAt?: string };

export class ActiveRun {
  readonly plan: RunPlan;
  readonly request: RunSpec;
  readonly retry: ResolvedRetry;
  readonly events: EventLog;
  readonly finished: Promise<RunRecord>;
  logSizes: Record<OutputStream, number>;
  /** The current attempt's process, once spawned; its identity is what the index records. */
  process: RunningProcess | undefined;
  processIdentity: ProcessIdentity | null = null;
  /** Why the current attempt is being stopped, once it has been asked to stop. */
  stopping: { status: StopStatus; error: ErrorInfo } | undefined;
  /** Set by a cancel: no further attempt may start. */
  cancelled: ErrorInfo | undefined;
  /** Set when a file of the run could not be written: the run fails with it, and is not retried. */
  ioFailure: ErrorInfo | undefined;
  /** Set when another node ended the run: nothing more of it is written to the index. */
  leaseLost: LeaseLostError | undefined;
  /** Set when this node lost the database for too long: the run was stopped, and waits for the database. */
  isCutOff = false;
  /** Set once the engine has begun to end the run: nothing else may begin to. */
  isFinishing = false;
  /** The terminal status and end events are in events.jsonl: a reconciliation tried again adds none. */
  #hasEnded = false;
  #record: RunRecord;
  readonly #attempts: AttemptRecord[];
  readonly #context: ActiveRunContext;
  /** Made by the first timer: a queued run has none, and an empty Set costs some 130 bytes. */
  #timers: Set<NodeJS.Timeout> | undefined;
  #results: RunResults | null = null;
  #hasReportedBadProgress = false;
  /** Every disk and store write of this run, in the order they were asked for. */
  readonly #writes = new SerialQueue();
  #resolveFinished!: (run: RunRecord) => void;
  readonly #release: () => void;

  constructor(parts: ActiveRunParts, context: ActiveRunContext) {
    this.#record = parts.record;
    this.plan = parts.plan;
    // A copy: resolveRunSpec completes the request by adding properties, which can leave it a hidden class of its own, and
    // a queued run keeps it for as long as it waits (about 400 bytes each at 10,000 queued runs).
    this.request = { ...parts.request };
    this.retry = parts.retry;
    this.#attempts = parts.attempts;
    this.logSizes = parts.logSizes;
    this.#context = context;
    const { runId } = parts.record;
    this.events = new EventLog(
      parts.record.runDir,
      {
        event: (event) => context.onEvent(runId, event),
        failed: (error) => context.onWriteFailed(this, runFiles.events, error),
      },
      parts.lastSeq,
    );
    this.finished = new Promise<RunRecord>((resolve) => (this.#resolveFinished = resolve));
    this.#release = parts.release;
  }

  get record(): RunRecord {
    return this.#record;
  }

  get runId(): string {
    return this.#record.runId;
  }

  get attempts(): readonly AttemptRecord[] {
    return this.#attempts;
  }

  /** Moves to `status` (checked against the lifecycle), tells listeners, and queues run.json and the index. */
  transition(status: RunStatus, patch: Partial<RunRecord>, detail: StatusDetail = {}): void {
    assertTransition(this.#record.status, status);
    this.#record = { ...this.#record, ...patch, status };
    this.events.append({ type: 'status', status, ...definedOnly(detail) });
    this.persist(async () => {
      // The index is updated even when run.json cannot be: it is what answers for the run meanwhile.
      await writeRunJson(this.#record, this.#attempts).catch((error: Error) =>
        this.#context.onWriteFailed(this, runFiles.run, error),
      );
      await this.indexNow();
    });
  }

  /** A change no one needs on disk before the next transition (the latest progress). */
  patch(patch: Partial<RunRecord>): void {
    this.#record = { ...this.#record, ...patch };
  }

  /** Records that an attempt is starting, before its process exists. */
  beginAttempt(startedAt: string): AttemptRecord {
    const attempt: AttemptRecord = {
      attempt: this.#record.attempt + 1,
      pid: null,
      startedAt,
      finishedAt: null,
      exitCode: null,
      signal: null,
      outcome: null,
    };
    this.#attempts.push(attempt);
    return attempt;
  }

  /** The current attempt got its process. */
  attached(child: RunningProcess, identity: ProcessIdentity | null): void {
    this.process = child;
    this.processIdentity = identity;
    this.#attempts[this.#attempts.length - 1] = { ...this.#attempts.at(-1)!, pid: child.pid ?? null };
  }

  /** The current attempt ended: its process is gone, its timers cleared, its outcome recorded. */
  endAttempt(ending: Pick<AttemptRecord, 'exitCode' | 'signal' | 'outcome'>): AttemptRecord {
    this.clearTimers();
    this.process = undefined;
    this.processIdentity = null;
    this.stopping = undefined;
    const ended = { ...this.#attempts.at(-1)!, ...ending, finishedAt: new Date().toISOString() };
    this.#attempts[this.#attempts.length - 1] = ended;
    return ended;
  }

  /** Runs `action` after `ms`, unless the run clears its timers first (an attempt ending, the run finishing). */
  after(ms: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.#timers?.delete(timer);
      action();
    }, ms);
    (this.#timers ??= new Set()).add(timer);
  }

  clearTimers(): void {
    for (const timer of this.#timers ?? []) clearTimeout(timer);
    this.#timers = undefined;
  }

  /** One report of unreadable fd 3 input per run, however much of it comes. */
  shouldReportBadProgress(): boolean {
    const first = !this.#hasReportedBadProgress;
    this.#hasReportedBadProgress = true;
    return first;
  }

  /**
   * Queues a write behind every earlier write of this run: the index and the run directory see a
   * run's changes in the order they happened, on any store. A failure is logged, and the chain goes on.
   */
  persist(write: () => Promise<void>): void {
    background(this.#writes.run(write), this.#context.log, 'could not record a run change', {
      runId: this.runId,
    });
  }

  /** Resolves once every write queued so far has landed. */
  settled(): Promise<void> {
    return this.#writes.settled();
  }

  /** The index's copy of this run, as it is now; nothing once another node has ended the run. */
  async indexNow(record = this.#record, results = this.#results): Promise<void> {
    if (this.leaseLost) return;
    try {
      await this.#context.runs.update(this.storedRun(record, results));
    } catch (error) {
      if (!isLeaseLost(error)) throw error;
      this.loseLease(error);
    }
  }

  /**
   * Whether this node still holds the run, once the writes queued so far have landed; throws when the
   * database does not answer. Asked before a run's end is written: a node paused past the dead-node
   * threshold must not write a verdict that disagrees with the one another node gave meanwhile.
   */
  async holdsLease(): Promise<boolean> {
    await this.settled();
    if (this.leaseLost) return false;
    const [lost] = await this.#context.runs.lost([this.runId]);
    if (lost) this.loseLease(lost);
    return lost === undefined;
  }

  /** Another node ended the run (a fenced write, or a check of the lease, said so). */
  loseLease(error: LeaseLostError): void {
    if (this.leaseLost) return;
    this.leaseLost = error;
    this.#context.onLeaseLost(this, error);
  }

  /**
   * What the store keeps of the run. Env values only while it is queued: a restarted daemon needs
   * them to start it, and nothing needs them once it has started (retries take them from memory).
   */
  storedRun(record = this.#record, results = this.#results): StoredRun {
    return {
      record,
      request: record.status === 'queued' ? this.request : withoutEnvValues(this.request),
      attempts: [...this.#attempts],
      process: this.processIdentity,
      results,
    };
  }

  /**
   * The first step of a run's end: writes the final run.json and the retention files, and makes the
   * record final. A run whose files could not all be written (a full disk) ends failed with io_error,
   * unless it was cancelled. The engine then indexes the record (indexFinished), then appends the
   * terminal events (endEvents), and only then records where the files are (recordResults): a node
   * that loses the run before the index write has written nothing yet that cannot be written again as
   * the database says, and one that dies after it leaves a finished run whose results are not
   * recorded, which its recovery gives the terminal events it may lack (recovery.ts).
   */
  async completeDirectory(status: RunStatus, patch: Partial<RunRecord>): Promise<RunRecord> {
    this.clearTimers();
    assertTransition(this.#record.status, status);
    const wasRunning = this.#record.status === 'running';
    let final: RunRecord = { ...this.#record, ...patch, status, finishedAt: new Date().toISOString() };
    this.persist(async () => {
      try {
        this.#results = await writeRetained(this.#context.retainedOf, final, this.#attempts);
      } catch (error) {
        const file = error instanceof RunFileError ? error.file : `${runFiles.artifacts}/`;
        this.#context.onWriteFailed(this, file, error as Error);
      }
    });
    await this.settled();
    if (wasRunning && this.ioFailure && status !== 'cancelled' && final.error?.reason !== 'io_error')
      final = { ...final, status: 'failed', error: this.ioFailure };
    this.#record = final;
    return final;
  }

  /**
   * Writes the final record to the index: true once it landed, false when another node had ended the
   * run (the fenced write was refused). Throws when the database does not answer, so it can be asked again.
   */
  async indexFinished(): Promise<boolean> {
    await this.settled();
    await this.indexNow(this.#record, null);
    return this.leaseLost === undefined;
  }

  /** The last step of a run's end: its terminal status and end events, after the index has them. */
  endEvents(): Promise<void> {
    return this.#appendEnd(this.#record);
  }

  /**
   * Ends the run as the index says another node ended it: run.json, the retention files and the
   * terminal events say what the database says; recordResults then gives the index where the files
   * are, which never changes a status. The terminal events are written once, however often it is called.
   */
  async finishAs(verdict: RunRecord): Promise<RunRecord> {
    this.clearTimers();
    await this.settled();
    this.#record = verdict;
    let results: RunResults | null = null;
    this.persist(async () => {
      results = await writeRetained(this.#context.retainedOf, verdict, this.#attempts).catch(
        (error: Error) => {
          this.#context.log.warn('could not complete the directory of a run another node ended', {
            runId: this.runId,
            error,
          });
          return null;
        },
      );
    });
    await this.settled();
    await this.#appendEnd(verdict);
    this.#results = results;
    return verdict;
  }

  /** Records in the index where the retention files of a finished run are, last (see completeDirectory and finishAs). */
  async recordResults(): Promise<void> {
    if (this.#results) await this.#context.runs.recordResults(this.runId, this.#results);
  }

  /** The run's last two events, once: its terminal status and the end of its log. */
  async #appendEnd(final: RunRecord): Promise<void> {
    if (!this.#hasEnded) {
      this.#hasEnded = true;
      this.events.append({
        type: 'status',
        status: final.status,
        ...definedOnly({ reason: final.error?.reason }),
      });
      this.events.append({ type: 'end', status: final.status });
    }
    await this.events.close();
  }

  /** A run whose directory already ends (a restart found its end events): none are added again. */
  markEnded(): void {
    this.#hasEnded = true;
  }

  /** Hands the finished record to everyone waiting for it. */
  resolve(view: RunRecord): void {
    this.#release();
    this.#resolveFinished(view);
  }
}

function withoutEnvValues(request: RunSpec): RunSpec {
  if (request.env === undefined) return request;
  const { env: _env, ...rest } = request;
  return rest;
}

const definedOnly = <T extends object>(value: T) =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
