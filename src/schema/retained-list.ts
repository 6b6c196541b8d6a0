// Questions over all retained runs: the filters and pages of retained.list and retained.latest, and retained.problems.
import * as Type from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { Defaulted, Labels, Nullable, Timestamp, type Resolved } from './common.js';
import { RetainedRun, RetainedStatus } from './retained-run.js';
import { RunDirProblem } from './run-dir.js';

const filters = {
  status: Type.Optional(
    Type.Array(RetainedStatus, { minItems: 1, uniqueItems: true, description: 'Any of these.' }),
  ),
  actionId: Type.Optional(
    Nullable(Type.String({ maxLength: 256, description: 'Only runs of this action; null: runs of no action.' })),
  ),
  serviceId: Type.Optional(
    Nullable(Type.String({ maxLength: 256, description: 'Only runs of this service; null: runs of no service.' })),
  ),
  // labels: all of them; since: finished at or after; until: finished before.
  labels: Type.Optional(Labels),
  since: Type.Optional(Timestamp),
  until: Type.Optional(Timestamp),
};

export const RetainedLatestParams = Type.Object(filters, {
  $id: 'RetainedLatestParams',
  additionalProperties: false,
});
export type RetainedLatestParams = Static<typeof RetainedLatestParams>;

export const RetainedListParams = Type.Object(
  {
    ...filters,
    includePartial: Defaulted(
      Type.Boolean({
        default: false,
        description: 'Also list directories with run.json but no retention-summary.json, as status incomplete.',
      }),
    ),
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1_000, default: 50 })),
    cursor: Type.Optional(Type.String({ maxLength: 512, description: 'nextCursor of the previous page.' })),
  },
  { $id: 'RetainedListParams', additionalProperties: false },
);
/** As the handler receives them: the schema's defaults filled in. */
export type RetainedListParams = Resolved<typeof RetainedListParams>;

export const RetainedListResult = Type.Object(
  {
    runs: Type.Array(RetainedRun),
    nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last.' })),
    skipped: Type.Integer({
      minimum: 0,
      description: 'Directories in the whole runs directory whose summary (or run.json) could not be read.',
    }),
    incomplete: Type.Integer({
      minimum: 0,
      description: 'Directories in the whole runs directory with run.json but no summary (see includePartial).',
    }),
  },
  { $id: 'RetainedListResult', additionalProperties: false },
);
export type RetainedListResult = Static<typeof RetainedListResult>;

export const RetainedProblemsParams = Type.Object(
  {
    limit: Defaulted(Type.Integer({ minimum: 1, maximum: 1_000, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 16_384, description: 'nextCursor of the previous page.' })),
  },
  { $id: 'RetainedProblemsParams', additionalProperties: false },
);
export type RetainedProblemsParams = Resolved<typeof RetainedProblemsParams>;

export const RetainedProblemsResult = Type.Object(
  {
    problems: Type.Array(RunDirProblem, { description: 'Sorted by directory, then file.' }),
    total: Type.Integer({ minimum: 0, description: 'Problems in the whole runs directory.' }),
    nextCursor: Nullable(Type.String({ description: 'Pass as cursor for the next page; null on the last.' })),
  },
  { $id: 'RetainedProblemsResult', additionalProperties: false },
);
export type RetainedProblemsResult = Static<typeof RetainedProblemsResult>;

// Not on the wire: what a node asks of the store for the other nodes' runs, which retained.list merges
// with its own index (src/retained/list.ts); here, below both, as the store and the index are siblings.

/** A page of retained runs: the filters of retained.list, and where in its order the page begins. */
export interface RetainedQuery {
  status?: readonly RetainedStatus[];
  labels?: Readonly<Record<string, string>>;
  /** null: runs of no action. */
  actionId?: string | null;
  serviceId?: string | null;
  /** Finished at or after (an ISO 8601 time in UTC, as toISOString writes it). */
  since?: string;
  /** Finished before. */
  until?: string;
  /** Runs strictly after this one in list order (finish time, then run id, newest first). */
  after?: { key: string; runId: string };
  limit: number;
}

/**
 * The finished runs of the other nodes of a cluster, as each node's retained index lists its own (the
 * summary it recorded with the run's results, RunResults.retained): so any node lists them all, even
 * while their nodes are down. A node's own runs are not here: its retained index has them.
 */
export interface RetainedTable {
  /** The ones that match, in retained.list's order from just after `after`; at most `limit`. */
  list(query: RetainedQuery): Promise<RetainedRun[]>;
}
