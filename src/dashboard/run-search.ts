// Search over runs, one run.list page at a time: a run id is looked up, any other text goes to run.list's
// `text`, which the daemon matches against run ids, commands and labels with the other filters.
import {
  RunNotFoundError,
  type RunListParams,
  type RunListResult,
  type RunyardClient,
} from '../client/browser.js';

const RUN_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/i;
const LABEL = /^([A-Za-z0-9_.-]{1,63})=(.*)$/;

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

/** The page from `cursor` of the runs `params` filter that `query` finds; an empty query finds them all. */
export async function searchRuns(
  client: RunyardClient,
  query: string,
  params: RunListParams,
  cursor?: string,
): Promise<RunListResult> {
  const text = query.trim();
  // A whole id is one indexed read, where the daemon's text match would look at every run to find it.
  if (RUN_ID.test(text)) {
    const run = await client.run.status({ runId: text.toUpperCase() }).catch((error: unknown) => {
      if (error instanceof RunNotFoundError) return undefined;
      throw error;
    });
    return { runs: run ? [run] : [], nextCursor: null };
  }
  return client.run.list({ ...params, ...(text ? { text } : {}), ...(cursor ? { cursor } : {}) });
}
