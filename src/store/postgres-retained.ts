// The other nodes' retained runs in PostgreSQL: a page of retained.list from the `retained` column of runs.
import type pg from 'pg';
import type { RetainedRun } from '../schema/retained-run.js';
import type { RetainedQuery, RetainedTable } from '../schema/retained-list.js';

export class PostgresRetainedTable implements RetainedTable {
  readonly #pool: pg.Pool;
  readonly #nodeId: string;

  /** `nodeId` is this node, whose own runs its retained index lists instead. */
  constructor(pool: pg.Pool, nodeId: string) {
    this.#pool = pool;
    this.#nodeId = nodeId;
  }

  /**
   * One indexed scan of runs_retained, newest first, from the cursor on, stopped by LIMIT: a page costs
   * about the same at 100,000 runs as at 100. The filters are those the merge applies again
   * (src/retained/list.ts), here so that a page of a narrow filter is not mostly runs it drops.
   */
  async list(query: RetainedQuery): Promise<RetainedRun[]> {
    const params: unknown[] = [this.#nodeId];
    const param = (value: unknown) => `$${params.push(value)}`;
    const where = ['retained IS NOT NULL', 'node_id <> $1'];
    // A row comparison, which the index scan starts from, instead of the OR of the two orders it means.
    if (query.after)
      where.push(`(retained_key, id) < (${param(query.after.key)}, ${param(query.after.runId)})`);
    if (query.until !== undefined) where.push(`retained_key < ${param(query.until)}`);
    if (query.since !== undefined) where.push(`retained_key >= ${param(query.since)}`);
    if (query.status) where.push(`retained ->> 'status' = ANY(${param(query.status)}::text[])`);
    if (query.actionId !== undefined)
      where.push(`retained ->> 'actionId' IS NOT DISTINCT FROM ${param(query.actionId)}::text`);
    if (query.serviceId !== undefined)
      where.push(`retained ->> 'serviceId' IS NOT DISTINCT FROM ${param(query.serviceId)}::text`);
    if (query.labels) where.push(`retained -> 'labels' @> ${param(JSON.stringify(query.labels))}::jsonb`);
    const { rows } = await this.#pool.query<{ retained: RetainedRun }>(
      `SELECT retained FROM runs WHERE ${where.join(' AND ')}
       ORDER BY retained_key DESC, id DESC LIMIT ${param(query.limit)}`,
      params,
    );
    return rows.map((row) => row.retained);
  }
}
