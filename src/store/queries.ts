// Query semantics every backend shares, written once so the memory store cannot drift from SQL.
import type { RunRecord } from '../schema/run.js';
import type { PruneQuery, RunQuery } from './store.js';

export const matchesQuery = (record: RunRecord, query: RunQuery): boolean =>
  (!query.status || query.status.includes(record.status)) &&
  (query.actionId === undefined || record.actionId === query.actionId) &&
  (query.serviceId === undefined || record.serviceId === query.serviceId) &&
  (!query.labels || Object.entries(query.labels).every(([key, value]) => record.labels[key] === value)) &&
  (query.text === undefined || matchesText(record, foldAscii(query.text)));

/**
 * Lower-cases A-Z only, as SQLite's lower() does: one folding rule for every backend, where toLowerCase
 * and PostgreSQL's lower() would also fold `É` and SQLite would not.
 */
export const foldAscii = (text: string): string =>
  text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());

/** `needle` is already folded. A substring of one argv element is one of the joined argv too. */
export const matchesText = (record: RunRecord, needle: string): boolean =>
  [
    record.runId,
    record.argv.join(' '),
    ...Object.entries(record.labels).map(([key, value]) => `${key}=${value}`),
  ].some((text) => foldAscii(text).includes(needle));

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
