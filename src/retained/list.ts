// retained.list and retained.latest: filtered pages of the index, newest first.
import type {
  RetainedLatestParams,
  RetainedListParams,
  RetainedListResult,
} from '../schema/retained-list.js';
import type { RetainedRun } from '../schema/retained-run.js';
import type { RetainedIndex } from './retained-index.js';
import { compareRuns, decodeCursor, encodeCursor, sortKeyOf, type SortedRuns } from './sorted-runs.js';

type Filters = RetainedLatestParams;

export async function listRetained(
  index: RetainedIndex,
  params: RetainedListParams,
): Promise<RetainedListResult> {
  const position = params.cursor === undefined ? undefined : decodeCursor(params.cursor);
  await index.ready();
  const { limit } = params;
  const sources = [index.retained, ...(params.includePartial ? [index.incomplete] : [])];
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

export async function latestRetained(index: RetainedIndex, params: Filters): Promise<RetainedRun | null> {
  await index.ready();
  for (const run of walk([index.retained], params)) return run;
  return null;
}

/** The runs of `sources` that match, in list order, from just after `position`. */
function* walk(
  sources: readonly SortedRuns[],
  filters: Filters,
  position?: { key: string; runId: string },
): Generator<RetainedRun> {
  const until = filters.until === undefined ? undefined : new Date(filters.until).toISOString();
  const since = filters.since === undefined ? undefined : new Date(filters.since).toISOString();
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
