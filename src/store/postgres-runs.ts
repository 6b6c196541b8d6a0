// The PostgreSQL run table: one row a run in `runs`, its labels and attempts as JSON columns of the row,
// so that every insert and update is one statement, and so one transaction.
import type pg from 'pg';
import type { AttemptRecord } from '../schema/run-dir.js';
import type { RunRecord } from '../schema/run.js';
import { LeaseLostError } from './lease-lost.js';
import { foldAscii } from './queries.js';
import { runColumns } from './run-columns.js';
import {
  UNFINISHED,
  type PruneQuery,
  type RunQuery,
  type RunResults,
  type RunTable,
  type StoredRun,
} from './store.js';

/**
 * The epoch of a run a node inserted as its own. A run of the shared queue is inserted at epoch 0 and
 * gets 1 at its claim (postgres-queue.ts); failover and every later claim raise it, so no later holder
 * can carry an epoch an earlier one had.
 */
const FIRST_EPOCH = 1;

export interface RunRow {
  id: string;
  epoch: string;
  record: string;
  request: string;
  attempts: AttemptRecord[];
  process_pid: number | null;
  process_start_time: string | null;
}

export const STORED = 'id, epoch, record, request, attempts, process_pid, process_start_time';
// Set once, at insert: a run keeps its id, creation time and idempotency key.
const FIXED = new Set(['id', 'created_at', 'idempotency_key']);

/** lower() under the C collation folds A-Z only, as foldAscii does, whatever the database's locale. */
const fold = (sql: string) => `lower((${sql}) COLLATE "C")`;

/** `needle` is the placeholder of the folded text; strpos, not LIKE, keeps its % and _ literal. */
const textMatch = (needle: string) => `(strpos(${fold('id')}, ${needle}) > 0
  OR EXISTS (SELECT 1 FROM jsonb_each_text(labels) l WHERE strpos(${fold("l.key || '=' || l.value")}, ${needle}) > 0)
  OR strpos(${fold("array_to_string(ARRAY(SELECT json_array_elements_text(record::json -> 'argv')), ' ')")}, ${needle}) > 0)`;

/** The run as retained.list lists it, kept for the other nodes (postgres-retained.ts reads it). */
const retainedColumn = (results: RunResults) => (results.retained ? JSON.stringify(results.retained) : null);

/** `$1, $2, ...`: one placeholder for each of `count` values. */
export const positions = (count: number) => Array.from({ length: count }, (_, i) => `$${i + 1}`);

/** A run's row as this store writes it; `nodeId` null for a run of the shared queue. */
export const rowOf = (run: StoredRun, nodeId: string | null) => ({
  ...runColumns(run, nodeId),
  attempts: JSON.stringify(run.attempts),
  retained: run.results ? retainedColumn(run.results) : null,
});

/** A row as the engine needs it after a restart or a claim: request, attempts, process; bigint as text. */
export const storedRunOf = (row: RunRow): { run: StoredRun; epoch: number } => ({
  run: {
    record: JSON.parse(row.record) as RunRecord,
    request: JSON.parse(row.request),
    attempts: row.attempts,
    process:
      row.process_pid === null ? null : { pid: row.process_pid, startTime: row.process_start_time ?? '' },
    results: null,
  },
  // Epochs stay far below 2^53.
  epoch: Number(row.epoch),
});

export class PostgresRunTable implements RunTable {
  readonly #pool: pg.Pool;
  readonly #nodeId: string;
  /**
   * The epoch at which this node holds each run it may still write: set by insert and by the recovery
   * lists, dropped once the run's terminal record has landed. Kept here, not in StoredRun, since only a
   * shared store has epochs: the engine sees a lost run as a LeaseLostError, on any store.
   */
  readonly #epochs = new Map<string, number>();

  /** `pool` reaches the migrated schema; `nodeId` is recorded with every row this table writes. */
  constructor(pool: pg.Pool, nodeId: string) {
    this.#pool = pool;
    this.#nodeId = nodeId;
  }

  async insert(run: StoredRun): Promise<void> {
    const columns = { ...rowOf(run, this.#nodeId), epoch: FIRST_EPOCH };
    const names = Object.keys(columns);
    await this.#pool.query(
      `INSERT INTO runs (${names.join(', ')}) VALUES (${positions(names.length).join(', ')})`,
      Object.values(columns),
    );
    this.#epochs.set(run.record.runId, FIRST_EPOCH);
  }

  /** This node holds the run at `epoch` from now (a claim), or no more (undefined: it gave it back). */
  hold(runId: string, epoch: number | undefined): void {
    if (epoch === undefined) this.#epochs.delete(runId);
    else this.#epochs.set(runId, epoch);
  }

  /** The epoch at which this node holds the run, if it does. */
  epochOf(runId: string): number | undefined {
    return this.#epochs.get(runId);
  }

  /** The fencing rule: a write lands only on the row of a run this node holds, at the epoch it holds it. */
  async update(run: StoredRun): Promise<void> {
    const { runId } = run.record;
    const epoch = this.#epochs.get(runId);
    if (epoch === undefined) throw new LeaseLostError(runId, this.#nodeId, null);
    const changed = Object.entries(rowOf(run, this.#nodeId)).filter(([name]) => !FIXED.has(name));
    const set = changed.map(([name], i) => `${name} = $${i + 4}`).join(', ');
    const { rowCount } = await this.#pool.query(
      `UPDATE runs SET ${set} WHERE id = $1 AND node_id = $2 AND epoch = $3`,
      [runId, this.#nodeId, epoch, ...changed.map(([, value]) => value)],
    );
    if (rowCount === 0) {
      // Lost for good: no write of it will land again, and the map must not keep it.
      this.#epochs.delete(runId);
      throw new LeaseLostError(runId, this.#nodeId, epoch);
    }
    if (!UNFINISHED.includes(run.record.status)) this.#epochs.delete(runId);
  }

  async lost(runIds: readonly string[]): Promise<LeaseLostError[]> {
    const held = runIds.filter((runId) => this.#epochs.has(runId));
    const { rows } = await this.#pool.query<{ id: string; epoch: string }>(
      'SELECT id, epoch FROM runs WHERE id = ANY($1::text[]) AND node_id = $2',
      [held, this.#nodeId],
    );
    const now = new Map(rows.map((row) => [row.id, Number(row.epoch)]));
    return runIds.flatMap((runId) => {
      const epoch = this.#epochs.get(runId);
      if (epoch !== undefined && now.get(runId) === epoch) return [];
      this.#epochs.delete(runId);
      return [new LeaseLostError(runId, this.#nodeId, epoch ?? null)];
    });
  }

  // Not fenced by the epoch: it sets only where the files are, and only on a finished run, whichever
  // node ended it, so it can never change what the run's record says.
  async recordResults(runId: string, results: RunResults): Promise<void> {
    await this.#pool.query(
      `UPDATE runs SET summary_path = $3, manifest_path = $4, reports = $5, retained = $7
       WHERE id = $1 AND node_id = $2 AND summary_path IS NULL AND status <> ALL($6::text[])`,
      [
        runId,
        this.#nodeId,
        results.summary,
        results.manifest,
        JSON.stringify(results.reports),
        UNFINISHED,
        retainedColumn(results),
      ],
    );
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    return this.#record('SELECT record FROM runs WHERE id = $1', [runId]);
  }

  async findByIdempotencyKey(key: string): Promise<RunRecord | undefined> {
    return this.#record('SELECT record FROM runs WHERE idempotency_key = $1', [key]);
  }

  async list(query: RunQuery): Promise<RunRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown) => `$${params.push(value)}`;
    if (query.before !== undefined) where.push(`id < ${param(query.before)}`);
    if (query.status) where.push(`status = ANY(${param(query.status)}::text[])`);
    if (query.actionId !== undefined) where.push(`action_id = ${param(query.actionId)}`);
    if (query.serviceId !== undefined) where.push(`service_id = ${param(query.serviceId)}`);
    if (query.labels) where.push(`labels @> ${param(JSON.stringify(query.labels))}::jsonb`);
    if (query.text !== undefined) where.push(textMatch(param(foldAscii(query.text))));
    const sql = `SELECT record FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return this.#records(`${sql} ORDER BY id DESC LIMIT ${param(query.limit)}`, params);
  }

  // Both are what a starting node recovers, so both are this node's runs only: the others' are theirs,
  // live or not, and their run directories are on the others' disks.
  // This node's restart holds its unfinished runs again, at the epoch they have now.
  async listUnfinished(): Promise<StoredRun[]> {
    const runs = await this.#storedRuns(
      `SELECT ${STORED} FROM runs WHERE status = ANY($1::text[]) AND node_id = $2 ORDER BY priority DESC, id ASC`,
    );
    for (const { run, epoch } of runs) this.#epochs.set(run.record.runId, epoch);
    return runs.map(({ run }) => run);
  }

  async listUnretained(): Promise<StoredRun[]> {
    const runs = await this.#storedRuns(
      `SELECT ${STORED} FROM runs WHERE status <> ALL($1::text[]) AND summary_path IS NULL AND node_id = $2
       ORDER BY id ASC`,
    );
    return runs.map(({ run }) => run);
  }

  async listPrunable(query: PruneQuery): Promise<RunRecord[]> {
    if (query.keepRuns === undefined && query.keepFinishedSince === undefined) return [];
    return this.#records(
      `SELECT record FROM (
         SELECT record, id, finished_at, ROW_NUMBER() OVER (ORDER BY finished_at DESC, id DESC) - 1 AS rank
         FROM runs WHERE finished_at IS NOT NULL AND status <> ALL($3::text[])
       ) ranked
       WHERE ($1::bigint IS NOT NULL AND rank >= $1) OR ($2::text IS NOT NULL AND finished_at < $2)
       ORDER BY finished_at ASC, id ASC`,
      [query.keepRuns ?? null, query.keepFinishedSince ?? null, UNFINISHED],
    );
  }

  async delete(runIds: readonly string[]): Promise<number> {
    const { rowCount } = await this.#pool.query('DELETE FROM runs WHERE id = ANY($1::text[])', [runIds]);
    return rowCount ?? 0;
  }

  async #record(sql: string, params: unknown[]): Promise<RunRecord | undefined> {
    return (await this.#records(sql, params))[0];
  }

  async #records(sql: string, params: unknown[]): Promise<RunRecord[]> {
    const { rows } = await this.#pool.query<{ record: string }>(sql, params);
    return rows.map((row) => JSON.parse(row.record) as RunRecord);
  }

  /** The runs that need the engine after a restart, with what it needs: request, attempts, process. */
  async #storedRuns(sql: string): Promise<{ run: StoredRun; epoch: number }[]> {
    const { rows } = await this.#pool.query<RunRow>(sql, [UNFINISHED, this.#nodeId]);
    return rows.map(storedRunOf);
  }
}
