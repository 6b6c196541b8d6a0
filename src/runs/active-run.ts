// The in-memory state of a run the engine still supervises, and what of it the store keeps.
import type { RunEvent } from '../schema/run-event.js';
import type { AttemptRecord, RunPlan } from '../schema/run-dir.js';
import type { RunRecord, RunSpec } from '../schema/run.js';
import type { ProcessIdentity, RunResults, StoredRun } from '../store/store.js';
import { EventLog } from './event-log.js';
import type { OutputStream, RunningProcess } from './process.js';
import type { ResolvedRetry } from './retry.js';

export type ErrorInfo = NonNullable<RunRecord['error']>;

/** A run the engine is responsible for: not yet finished. It leaves the engine only when finished. */
export interface ActiveRun {
  record: RunRecord;
  plan: RunPlan;
  /** What run.start asked for, env values included; kept in the store, never in the run directory. */
  request: RunSpec;
  retry: ResolvedRetry;
  events: EventLog;
  attempts: AttemptRecord[];
  logSizes: Record<OutputStream, number>;
  process?: RunningProcess;
  processIdentity: ProcessIdentity | null;
  results: RunResults | null;
  /** Why the current attempt is being stopped, once we have signalled it. */
  stopping?: { status: 'cancelled' | 'timed_out' | 'failed'; error: ErrorInfo };
  /** Set by a cancel: no further attempt may start. */
  cancelled?: ErrorInfo;
  /** Set when a file of the run could not be written: the run fails with it, and is not retried. */
  ioFailure?: ErrorInfo;
  timers: NodeJS.Timeout[];
  reportedBadProgress: boolean;
  /** Every disk and store write of this run goes through this chain, so they land in order. */
  writes: Promise<void>;
  finished: Promise<RunRecord>;
  resolveFinished: (run: RunRecord) => void;
}

export interface ActiveRunParts {
  record: RunRecord;
  plan: RunPlan;
  request: RunSpec;
  retry: ResolvedRetry;
  attempts: AttemptRecord[];
  logSizes: Record<OutputStream, number>;
  /** Seq of the last event already in events.jsonl (a revived run continues its log). */
  lastSeq: number;
  onEvent: (event: RunEvent) => void;
  /** The event log cannot be written any more. */
  onLogFailed: (error: Error) => void;
  /** Frees the run directory for others once the run has finished. */
  release: () => void;
}

export function makeActiveRun(parts: ActiveRunParts): ActiveRun {
  let resolveFinished!: (run: RunRecord) => void;
  const finished = new Promise<RunRecord>((resolve) => (resolveFinished = resolve));
  void finished.then(parts.release);
  return {
    record: parts.record,
    plan: parts.plan,
    request: parts.request,
    retry: parts.retry,
    events: new EventLog(
      parts.record.runDir,
      { event: parts.onEvent, failed: parts.onLogFailed },
      parts.lastSeq,
    ),
    attempts: parts.attempts,
    logSizes: parts.logSizes,
    processIdentity: null,
    results: null,
    timers: [],
    reportedBadProgress: false,
    writes: Promise.resolve(),
    finished,
    resolveFinished,
  };
}

/**
 * What the store keeps of a run. Env values only while it is queued: a restarted daemon needs them
 * to start it, and nothing needs them once it has started (retries take them from memory).
 */
export const storedRunOf = (active: ActiveRun, record = active.record): StoredRun => ({
  record,
  request: record.status === 'queued' ? active.request : withoutEnvValues(active.request),
  attempts: active.attempts,
  process: active.processIdentity,
  results: active.results,
});

function withoutEnvValues(request: RunSpec): RunSpec {
  if (request.env === undefined) return request;
  const { env: _env, ...rest } = request;
  return rest;
}
