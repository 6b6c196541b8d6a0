// Search over runs, with run.list's own filters where the query is one: a run id is looked up, a
// `key=value` is a label filter, and other text is matched against ids, labels and commands page by page.
import {
  RunNotFoundError,
  type RunListParams,
  type RunRecord,
  type RunyardClient,
} from '../client/browser.js';

const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
const LABEL = /^([A-Za-z0-9_.-]{1,63})=(.*)$/;
/** Pages read for one text search before it stops and offers to go on. */
const SCAN_PAGES = 10;
const SCAN_PAGE_SIZE = 200;
const WANTED = 50;

export interface SearchResult {
  runs: RunRecord[];
  /** Where a further search goes on, or null when every run was looked at. */
  nextCursor: string | null;
  scanned: number;
}

/** `a=1, b=2` as labels; undefined when the text is not that. */
export function parseLabels(text: string): Record<string, string> | undefined {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  if (parts.length === 0) return undefined;
  const labels: Record<string, string> = {};
  for (const part of parts) {
    const match = LABEL.exec(part);
    if (!match) return undefined;
    labels[match[1]!] = match[2]!;
  }
  return labels;
}

export const matchesText = (run: RunRecord, needle: string): boolean =>
  [run.runId, run.argv.join(' '), ...Object.entries(run.labels).flat()].some((text) =>
    text.toLowerCase().includes(needle),
  );

export async function searchRuns(
  client: RunyardClient,
  query: string,
  filters: RunListParams,
  cursor?: string,
): Promise<SearchResult> {
  const text = query.trim();
  if (RUN_ID.test(text)) {
    const run = await client.run.status({ runId: text.toUpperCase() }).catch((error: unknown) => {
      if (error instanceof RunNotFoundError) return undefined;
      throw error;
    });
    return { runs: run ? [run] : [], nextCursor: null, scanned: 1 };
  }
  const labels = parseLabels(text);
  if (labels) {
    const page = await client.run.list({
      ...filters,
      labels: { ...filters.labels, ...labels },
      ...(cursor ? { cursor } : {}),
    });
    return { runs: page.runs, nextCursor: page.nextCursor, scanned: page.runs.length };
  }
  const needle = text.toLowerCase();
  const runs: RunRecord[] = [];
  let next: string | null | undefined = cursor;
  let scanned = 0;
  for (let pages = 0; pages < SCAN_PAGES && runs.length < WANTED; pages++) {
    const page = await client.run.list({
      ...filters,
      limit: SCAN_PAGE_SIZE,
      ...(next ? { cursor: next } : {}),
    });
    scanned += page.runs.length;
    runs.push(...page.runs.filter((run) => matchesText(run, needle)));
    next = page.nextCursor;
    if (!next) break;
  }
  return { runs, nextCursor: next ?? null, scanned };
}
