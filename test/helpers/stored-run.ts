// A run as the store keeps it, for tests of the stores: a finished `true` by default, any field overridden.
import type { AttemptRecord } from '../../src/schema/run-dir.js';
import type { RunRecord } from '../../src/schema/run.js';
import type { StoredRun } from '../../src/store/store.js';

/** The first attempt of a run that runs, with pid 4242. */
export const runningAttempt: AttemptRecord = {
  attempt: 1,
  pid: 4242,
  startedAt: '2026-11-23T10:00:00.001Z',
  finishedAt: null,
  exitCode: null,
  signal: null,
  outcome: null,
};

let counter = 0;
/** A run id that sorts after every earlier one, like the engine's ULIDs. */
export const nextRunId = () => `01JD6W4ZK3Q8V5N2M7XK${String(++counter).padStart(6, '0')}`;

/**
 * A run of `argv: ['true']` in `/runs/<id>`, succeeded (or, for an unfinished status, not yet finished),
 * with `record` fields and then the other parts of what the store keeps overridden.
 */
export function storedRun(record: Partial<RunRecord> = {}, stored: Partial<Omit<StoredRun, 'record'>> = {}) {
  const runId = record.runId ?? nextRunId();
  const finished = !['queued', 'running', 'retrying'].includes(record.status ?? 'succeeded');
  const run: StoredRun = {
    record: {
      runId,
      status: 'succeeded',
      argv: ['true'],
      cwd: `/runs/${runId}`,
      runDir: `/runs/${runId}`,
      labels: {},
      actionId: null,
      serviceId: null,
      idempotencyKey: null,
      priority: 0,
      timeoutMs: null,
      attempt: record.status === 'queued' ? 0 : 1,
      maxAttempts: 1,
      nextAttemptAt: null,
      queuePosition: null,
      progress: null,
      createdAt: '2026-11-23T10:00:00.000Z',
      startedAt: record.status === 'queued' ? null : '2026-11-23T10:00:00.001Z',
      finishedAt: finished ? '2026-11-23T10:00:01.000Z' : null,
      exitCode: finished ? 0 : null,
      signal: null,
      error: null,
      ...record,
    },
    request: { argv: record.argv ?? ['true'] },
    attempts: [],
    process: null,
    results: null,
    ...stored,
  };
  return run;
}

/** A run as run.start puts it in a cluster's shared queue: queued, no node, no directory. */
export function waitingRun(record: Partial<RunRecord> = {}): StoredRun {
  const run = storedRun({ status: 'queued', runDir: '', cwd: '', ...record });
  delete run.record.nodeId;
  return run;
}
