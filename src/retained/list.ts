// retained.list and retained.latest: filtered pages of the index, newest first; in a cluster, merged with
// the other nodes' runs from the store, so that every node lists every node's runs.
import type {
  RetainedLatestParams,
  RetainedListParams,
  RetainedListResult,
} from '../schema/retained-list.js';
import type { RetainedRun } from '../schema/retained-run.js';
import type { RetainedQuery, RetainedTable } from '../schema/retained-list.js';
import type { RetainedIndex } from './retained-index.js';
import {
  compareRuns,
  decodeCursor,
  encodeCursor,
  sortKeyOf,
  SortedRuns,
  type Position,
} from './sorted-runs.js';

type Filters = RetainedLatestParams;

/** `others`: in a cluster, the other nodes' runs, merged with this node's `index`. */
export async function listRetained(
  index: RetainedIndex,
  params: RetainedListParams,
  others?: RetainedTable,
): Promise<RetainedListResult> {
  const position = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  await index.ready();
  const { limit } = params;
  // One run more than the page tells whether there is a next page.
  const elsewhere = await othersPage(index, others, params, limit + 1, position);
  const sources = [index.retained, ...(params.includePartial ? [index.incomplete] : []), elsewhere];
  const runs: RetainedRun[] = [];
  let hasMore = false;
  for (const run of walk(sources, params, position)) {
    if (runs.length === limit) {
      hasMore = true;
      break;
    }
    runs.push(run);
  }
  return {
    runs,
    nextCursor: hasMore ? encodeCursor(runs.at(-1)!) : null,
    skipped: index.skippedCount,
    incomplete: index.incomplete.size,
  };
}

export async function latestRetained(
  index: RetainedIndex,
  params: Filters,
  others?: RetainedTable,
): Promise<RetainedRun | null> {
  await index.ready();
  const elsewhere = await othersPage(index, others, params, 1);
  for (const run of walk([index.retained, elsewhere], params)) return run;
  return null;
}

/**
 * The first `count` runs of the other nodes that match, after `position`, as one more source of the
 * walk: `count` is as many as the walk can take from it. A run this node's index also holds (a run
 * directory copied here, or a state directory wiped, which gives this node a new id) is listed from the
 * index alone, so the store is asked on past it until `count` are found or it has no more.
 */
async function othersPage(
  index: RetainedIndex,
  others: RetainedTable | undefined,
  filters: Filters,
  count: number,
  position?: Position,
): Promise<SortedRuns> {
  const page = new SortedRuns();
  if (!others) return page;
  const matches = matcher(filters);
  const { status, labels, actionId, serviceId } = filters;
  const query: RetainedQuery = { status, labels, actionId, serviceId, ...boundsOf(filters), limit: count };
  const found: RetainedRun[] = [];
  for (let after = position; ;) {
    const rows = await others.list({ ...query, after });
    for (const run of rows) if (matches(run) && index.find(run.runId)?.runId !== run.runId) found.push(run);
    if (rows.length < count || found.length >= count) break;
    const last = rows.at(-1)!;
    after = { key: sortKeyOf(last), runId: last.runId };
  }
  page.reset(found.slice(0, count));
  return page;
}

/** The runs of `sources` that match, in list order, from just after `position`. */
function* walk(
  sources: readonly SortedRuns[],
  filters: Filters,
  position?: Position,
): Generator<RetainedRun> {
  const { since, until } = boundsOf(filters);
  const matches = matcher(filters);
  // Sorted by key, so `until` is where to start and `since` where to stop.
  const next = sources.map((runs) => {
    const start = Math.max(position ? runs.after(position) : 0, until === undefined ? 0 : runs.below(until));
    return start;
  });
  for (;;) {
    let chosen = -1;
    for (let source = 0; source < sources.length; source++) {
      const candidate = sources[source]!.at(next[source]!);
      if (!candidate) continue;
      const best = chosen < 0 ? undefined : sources[chosen]!.at(next[chosen]!);
      if (!best || compareRuns(candidate, best) < 0) chosen = source;
    }
    if (chosen < 0) return;
    const run = sources[chosen]!.at(next[chosen]!++)!;
    if (since !== undefined && sortKeyOf(run) < since) return;
    if (matches(run)) yield run;
  }
}

/** `since` and `until` as sort keys are written (toISOString), so that they compare as keys do. */
function boundsOf(filters: Filters): { since?: string; until?: string } {
  const key = (time: string | undefined) => (time === undefined ? undefined : new Date(time).toISOString());
  return { since: key(filters.since), until: key(filters.until) };
}

function matcher(filters: Filters): (run: RetainedRun) => boolean {
  const statuses = filters.status ? new Set<string>(filters.status) : undefined;
  const labels = filters.labels ? Object.entries(filters.labels) : [];
  const { actionId, serviceId } = filters;
  return (run) =>
    (statuses === undefined || statuses.has(run.status)) &&
    (actionId === undefined || run.actionId === actionId) &&
    (serviceId === undefined || run.serviceId === serviceId) &&
    labels.every(([key, value]) => run.labels[key] === value);
}
