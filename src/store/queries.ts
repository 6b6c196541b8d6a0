// Query semantics every backend shares, written once so the memory store cannot drift from SQL.
import type { RunRecord } from '../schema/run.js';
import type { PruneQuery, RunQuery } from './store.js';

export const matchesQuery = (record: RunRecord, query: RunQuery): boolean =>
  (!query.status || query.status.includes(record.status)) &&
  (query.actionId === undefined || record.actionId === query.actionId) &&
  (query.serviceId === undefined || record.serviceId === query.serviceId) &&
  (!query.labels || Object.entries(query.labels).every(([key, value]) => record.labels[key] === value));

/**
 * Code-unit order, as SQL's ORDER BY on text compares: localeCompare would follow the locale's collation
 * (case-blind, for one) and could order two backends' answers differently.
 */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Queue order: higher priority first, then earlier creation (run ids sort by creation). */
export const byQueueOrder = (a: RunRecord, b: RunRecord): number =>
  b.priority - a.priority || compareText(a.runId, b.runId);

/** `rank` is the run's place among finished runs, newest first (0 = newest). */
export const isPrunable = (record: RunRecord, rank: number, query: PruneQuery): boolean =>
  (query.keepRuns !== undefined && rank >= query.keepRuns) ||
  (query.keepFinishedSince !== undefined && record.finishedAt! < query.keepFinishedSince);
