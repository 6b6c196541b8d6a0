// What the daemon's log says about runs: a line when one starts running and a line when it ends.
import type { Logger } from '../log.js';
import type { RunEvent } from '../schema/run-event.js';
import type { RunRecord } from '../schema/run.js';
import { isTerminal } from './lifecycle.js';

type StatusEvent = Extract<RunEvent, { type: 'status' }>;

/**
 * Logs a status event of `run`, whose record the event has just changed. Ids, status and outcome
 * only: a run's argv, cwd and env values may hold secrets and stay out of the log.
 */
export function logRunStatus(log: Logger, run: RunRecord, event: StatusEvent): void {
  const who = {
    runId: run.runId,
    ...(run.actionId !== null && { actionId: run.actionId }),
    ...(run.serviceId !== null && { serviceId: run.serviceId }),
  };
  if (event.status === 'queued') return log.debug('run queued', who);
  if (event.status === 'running') return log.info('run started', { ...who, attempt: run.attempt });
  const outcome = {
    status: event.status,
    ...(run.error !== null && { reason: run.error.reason, error: run.error.message }),
  };
  if (event.status === 'retrying')
    return log.info('run retrying', {
      ...who,
      attempt: run.attempt,
      ...outcome,
      nextAttemptAt: run.nextAttemptAt,
    });
  if (!isTerminal(event.status)) return;
  const durationMs =
    run.startedAt !== null && run.finishedAt !== null
      ? Date.parse(run.finishedAt) - Date.parse(run.startedAt)
      : null;
  log.info('run finished', {
    ...who,
    ...outcome,
    durationMs,
    attempts: run.attempt,
    ...(run.exitCode !== null && { exitCode: run.exitCode }),
    ...(run.signal !== null && { signal: run.signal }),
  });
}
