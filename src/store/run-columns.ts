// The columns of a run's row, as both SQL stores write them: one mapping, so that they cannot drift apart.
import type { StoredRun } from './store.js';

/**
 * `nodeId` is the node that writes the row (null: a run in a cluster's shared queue, no node's yet).
 * JSON columns are given as JSON text.
 */
export function runColumns(run: StoredRun, nodeId: string | null) {
  const { record } = run;
  return {
    id: record.runId,
    status: record.status,
    priority: record.priority,
    action_id: record.actionId,
    service_id: record.serviceId,
    idempotency_key: record.idempotencyKey,
    request: JSON.stringify(run.request),
    record: JSON.stringify(record),
    attempt: record.attempt,
    max_attempts: record.maxAttempts,
    run_dir: record.runDir,
    exit_code: record.exitCode,
    signal: record.signal,
    error_code: record.error?.reason ?? null,
    error_message: record.error?.message ?? null,
    summary_path: run.results?.summary ?? null,
    manifest_path: run.results?.manifest ?? null,
    reports: run.results ? JSON.stringify(run.results.reports) : null,
    labels: JSON.stringify(record.labels),
    created_at: record.createdAt,
    updated_at: new Date().toISOString(),
    started_at: record.startedAt,
    finished_at: record.finishedAt,
    node_id: nodeId,
    process_pid: run.process?.pid ?? null,
    process_start_time: run.process?.startTime ?? null,
  };
}

export type RunColumns = ReturnType<typeof runColumns>;
